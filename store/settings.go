package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
)

// Settings made in Slack live beside a team's data, under its hash tag:
//
//	<prefix>:{<team>}:settings        string  settings record: the team's overrides, versioned
//	<prefix>:{<team>}:settings:audit  list    audit records, newest first, at most MaxAudit
//	<prefix>:settings:teams           set     ids of the teams that have a settings record
//
// The set lets every override be found without scanning keys. It is
// written before the team's record (another slot in a cluster), so a team
// in the set may briefly have no record, never the other way round.

// MaxAudit is how many audit entries are kept per team.
const MaxAudit = 1000

// settingsVersion is the version of settings and audit records.
const settingsVersion = 1

// ErrSettingsConflict says the team's settings changed since they were
// read: someone else saved first.
var ErrSettingsConflict = errors.New("settings changed since they were read")

// TeamSettings is a team's overrides as stored: Document is opaque to the
// store (the config package encodes it). Revision counts the saves, from
// 1; 0 means never saved.
type TeamSettings struct {
	Team     string
	Revision int64
	Document []byte
	Updated  time.Time
	By       string // Slack user ID
}

// AuditEntry is one saved change of a team's settings.
type AuditEntry struct {
	At       time.Time
	User     string // Slack user ID
	Team     string
	Revision int64
	Changes  []SettingsChange
}

// SettingsChange is one setting changed, by path, with its old and new
// value as text.
type SettingsChange struct {
	Path string `json:"path"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

type settingsRecord struct {
	V        int    `json:"v"`
	Revision int64  `json:"revision"`
	Document string `json:"document"`
	Updated  string `json:"updated"`
	By       string `json:"by"`
}

type auditRecord struct {
	V        int              `json:"v"`
	At       string           `json:"at"`
	User     string           `json:"user"`
	Revision int64            `json:"revision"`
	Changes  []SettingsChange `json:"changes"`
}

func (db *DB) settingsKeys(team string) (record, audit string, err error) {
	if db.prefixErr != nil {
		return "", "", db.prefixErr
	}
	if !teamPattern.MatchString(team) {
		return "", "", fmt.Errorf("%w %q: want lowercase letters, digits and dashes", ErrInvalidTeam, team)
	}
	base := db.prefix + ":{" + team + "}:settings"
	return base, base + ":audit", nil
}

func (db *DB) settingsTeamsKey() string { return db.prefix + ":settings:teams" }

// PutTeamSettings saves s.Document as the team's settings if the stored
// revision is still prev (0: none stored), and records entry in the audit
// list in the same transaction. It returns the new revision, or an error
// wrapping ErrSettingsConflict when someone saved in between.
func (db *DB) PutTeamSettings(ctx context.Context, s TeamSettings, prev int64, entry AuditEntry) (int64, error) {
	recKey, auditKey, err := db.settingsKeys(s.Team)
	if err != nil {
		return 0, fmt.Errorf("storing settings of %s: %w", s.Team, err)
	}
	var tc timeCodec
	rev := prev + 1
	rec, err := json.Marshal(settingsRecord{V: settingsVersion, Revision: rev, Document: string(s.Document), Updated: tc.enc(s.Updated), By: s.By})
	if err != nil {
		return 0, fmt.Errorf("storing settings of %s: %w", s.Team, err)
	}
	aud, err := json.Marshal(auditRecord{V: settingsVersion, At: tc.enc(entry.At), User: entry.User, Revision: rev, Changes: entry.Changes})
	if err != nil || tc.err != nil {
		return 0, fmt.Errorf("storing settings of %s: %w", s.Team, errors.Join(err, tc.err))
	}
	if err := db.rdb.SAdd(ctx, db.settingsTeamsKey(), s.Team).Err(); err != nil {
		return 0, fmt.Errorf("storing settings of %s: %w", s.Team, classify(ctx, err))
	}
	txf := func(tx *redis.Tx) error {
		cur, _, err := readSettings(tx.Get(ctx, recKey))
		if err != nil {
			return err
		}
		if cur.Revision != prev {
			return fmt.Errorf("%w: revision %d, expected %d", ErrSettingsConflict, cur.Revision, prev)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, recKey, rec, 0)
			p.LPush(ctx, auditKey, aud)
			p.LTrim(ctx, auditKey, 0, MaxAudit-1)
			return nil
		})
		return err
	}
	err = db.rdb.Watch(ctx, txf, recKey)
	if errors.Is(err, redis.TxFailedErr) {
		err = fmt.Errorf("%w: saved by someone else meanwhile", ErrSettingsConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("storing settings of %s: %w", s.Team, classify(ctx, err))
	}
	return rev, nil
}

// readSettings reads the reply to a GET of a settings key; a missing key
// is the zero TeamSettings and false.
func readSettings(get *redis.StringCmd) (TeamSettings, bool, error) {
	data, err := get.Result()
	if errors.Is(err, redis.Nil) {
		return TeamSettings{}, false, nil
	}
	if err != nil {
		return TeamSettings{}, false, err
	}
	var rec settingsRecord
	if err := decode(data, &rec, settingsVersion); err != nil {
		return TeamSettings{}, false, err
	}
	var tc timeCodec
	s := TeamSettings{Revision: rec.Revision, Document: []byte(rec.Document), Updated: tc.dec(rec.Updated), By: rec.By}
	return s, true, tc.err
}

// GetTeamSettings returns the team's stored settings, and false when it
// has none.
func (db *DB) GetTeamSettings(ctx context.Context, team string) (TeamSettings, bool, error) {
	recKey, _, err := db.settingsKeys(team)
	if err != nil {
		return TeamSettings{}, false, fmt.Errorf("reading settings of %s: %w", team, err)
	}
	s, ok, err := readSettings(db.rdb.Get(ctx, recKey))
	if err != nil {
		return TeamSettings{}, false, fmt.Errorf("reading settings of %s: %w", team, classify(ctx, err))
	}
	s.Team = team
	return s, ok, nil
}

// AllTeamSettings returns every team's stored settings, by team id.
func (db *DB) AllTeamSettings(ctx context.Context) ([]TeamSettings, error) {
	if db.prefixErr != nil {
		return nil, fmt.Errorf("reading settings: %w", db.prefixErr)
	}
	teams, err := db.rdb.SMembers(ctx, db.settingsTeamsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("reading settings: %w", classify(ctx, err))
	}
	slices.Sort(teams)
	var all []TeamSettings
	for _, team := range teams {
		s, ok, err := db.GetTeamSettings(ctx, team)
		if err != nil {
			return nil, err
		}
		if ok {
			all = append(all, s)
		}
	}
	return all, nil
}

// SettingsAudit returns up to limit of the team's audit entries, newest
// first.
func (db *DB) SettingsAudit(ctx context.Context, team string, limit int) ([]AuditEntry, error) {
	_, auditKey, err := db.settingsKeys(team)
	if err != nil {
		return nil, fmt.Errorf("reading settings history of %s: %w", team, err)
	}
	if limit <= 0 {
		return nil, nil
	}
	raw, err := db.rdb.LRange(ctx, auditKey, 0, int64(limit)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("reading settings history of %s: %w", team, classify(ctx, err))
	}
	out := make([]AuditEntry, 0, len(raw))
	for _, data := range raw {
		var rec auditRecord
		if err := decode(data, &rec, settingsVersion); err != nil {
			return nil, fmt.Errorf("reading settings history of %s: %w", team, err)
		}
		var tc timeCodec
		e := AuditEntry{At: tc.dec(rec.At), User: rec.User, Team: team, Revision: rec.Revision, Changes: rec.Changes}
		if tc.err != nil {
			return nil, fmt.Errorf("reading settings history of %s: %w", team, tc.err)
		}
		out = append(out, e)
	}
	return out, nil
}

// SettingsTeams returns the ids of the teams with stored settings, sorted.
func (db *DB) SettingsTeams(ctx context.Context) ([]string, error) {
	if db.prefixErr != nil {
		return nil, fmt.Errorf("reading settings: %w", db.prefixErr)
	}
	teams, err := db.rdb.SMembers(ctx, db.settingsTeamsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("reading settings: %w", classify(ctx, err))
	}
	slices.Sort(teams)
	return teams, nil
}
