package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/redis/go-redis/v9"
)

// Nudges keeps what posting coaching nudges needs (issue 4), under each
// team's hash tag:
//
//	<prefix>:{<team>}:nudges:sent     hash    nudge key -> sent record (coach.Sent without OnIt)
//	<prefix>:{<team>}:nudges:history  zset    every post: history record, scored by its time (Unix ms); kept NudgeHistoryRetention
//	<prefix>:{<team>}:nudges:onit     hash    nudge key -> when "On it" was pressed
//	<prefix>:{<team>}:nudges:claim:<name>  string  claim token, expiring (SET NX PX)
//	<prefix>:{<team>}:nudges:snooze   hash    subject -> snoozed until
//	<prefix>:{<team>}:nudges:pause    string  the team's pause: until when, expiring then
//	<prefix>:{<team>}:nudges:away     hash    Slack user id -> away until
//	<prefix>:{<team>}:nudges:dm       set     Slack user ids who opted in to direct messages
//	<prefix>:{<team>}:nudges:state    string  coach.RulesState record
//	<prefix>:{<team>}:nudges:post:<day>  hash  the day's flow-check post: channel, ts (expiring)
//	<prefix>:{<team>}:people          hash    Slack user id -> identity record (Jira name, GitHub login)
//
// Times are UTC RFC 3339 with nanoseconds. Expired snoozes and aways are
// left in their hash and ignored on read; setting one again overwrites it.

// nudgesVersion is the version of the records written here.
const nudgesVersion = 1

// PostRefTTL is how long a day's flow-check post is remembered: long
// enough to edit it all day, in any time zone.
const PostRefTTL = 3 * 24 * time.Hour

// NudgeHistoryRetention is how far back a team's post history reaches
// from its latest post: the weekly digest reads last week's posts (at
// most 14 days before it runs), with room for a digest asked late.
const NudgeHistoryRetention = 35 * 24 * time.Hour

// nudgeHistoryMax bounds a team's post history whatever the posting
// rate: far above any team's 35 days of flow checks, so only a runaway
// would reach it, and then the oldest posts go first.
const nudgeHistoryMax = 20000

// Nudges stores the nudge log and its controls. It is safe for concurrent
// use.
type Nudges struct{ db *DB }

// Nudges returns the nudge store under db's prefix.
func (db *DB) Nudges() *Nudges { return &Nudges{db: db} }

// Person is one identity the bot may mention: a Slack user and who they
// are in Jira and GitHub.
type Person = coach.Identity

// personRecord is how a Person is stored.
type personRecord struct {
	Slack       string `json:"slack"`
	Jira        string `json:"jira,omitempty"`
	JiraAccount string `json:"jira_account,omitempty"`
	GitHub      string `json:"github,omitempty"`
}

var claimPattern = regexp.MustCompile(`^[A-Za-z0-9._:+-]{1,200}$`)

func (n *Nudges) base(team string) (string, error) {
	if n.db.prefixErr != nil {
		return "", n.db.prefixErr
	}
	if !teamPattern.MatchString(team) {
		return "", fmt.Errorf("%w %q: want lowercase letters, digits and dashes", ErrInvalidTeam, team)
	}
	return n.db.prefix + ":{" + team + "}:", nil
}

type sentRecord struct {
	V     int    `json:"v"`
	Level int    `json:"level"`
	At    string `json:"at"`
	Since string `json:"since,omitempty"`
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// historyRecord is one post in a team's history; Key is rule:subject.
type historyRecord struct {
	V     int    `json:"v"`
	Key   string `json:"key"`
	Level int    `json:"level"`
	At    string `json:"at"`
	Since string `json:"since,omitempty"`
}

// RecordSent stores what was posted: one record per nudge key, which a
// later record for the key replaces (clearing its "On it"), and every post
// in the team's history (Posts), trimmed to NudgeHistoryRetention before
// the latest post.
func (n *Nudges) RecordSent(ctx context.Context, team string, sent ...coach.Sent) error {
	base, err := n.base(team)
	if err != nil {
		return fmt.Errorf("recording sent nudges: %w", err)
	}
	if len(sent) == 0 {
		return nil
	}
	fields := make([]any, 0, 2*len(sent))
	keys := make([]string, 0, len(sent))
	posts := make([]redis.Z, 0, len(sent))
	var latest time.Time
	for _, s := range sent {
		if s.Key == "" {
			return errors.New("recording sent nudges: a nudge without a key")
		}
		b, err := json.Marshal(sentRecord{V: nudgesVersion, Level: int(s.Level), At: formatTime(s.At), Since: formatTime(s.Since)})
		if err != nil {
			return fmt.Errorf("recording sent nudges: %w", err)
		}
		h, err := json.Marshal(historyRecord{V: nudgesVersion, Key: s.Key, Level: int(s.Level), At: formatTime(s.At), Since: formatTime(s.Since)})
		if err != nil {
			return fmt.Errorf("recording sent nudges: %w", err)
		}
		fields = append(fields, s.Key, string(b))
		keys = append(keys, s.Key)
		if s.At.IsZero() {
			continue // no time to place it in the history by
		}
		posts = append(posts, redis.Z{Score: float64(s.At.UnixMilli()), Member: string(h)})
		latest = later(latest, s.At)
	}
	history := base + "nudges:history"
	_, err = n.db.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, base+"nudges:sent", fields...)
		p.HDel(ctx, base+"nudges:onit", keys...)
		if len(posts) == 0 {
			return nil
		}
		p.ZAdd(ctx, history, posts...)
		p.ZRemRangeByScore(ctx, history, "-inf", "("+strconv.FormatInt(latest.Add(-NudgeHistoryRetention).UnixMilli(), 10))
		p.ZRemRangeByRank(ctx, history, 0, -nudgeHistoryMax-1)
		// A team that stops posting does not keep its history forever.
		p.PExpire(ctx, history, NudgeHistoryRetention)
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording sent nudges of %s: %w", team, classify(ctx, err))
	}
	return nil
}

// Sent is the last posted record of every nudge key of team, "On it"
// included.
func (n *Nudges) Sent(ctx context.Context, team string) (map[string]coach.Sent, error) {
	base, err := n.base(team)
	if err != nil {
		return nil, fmt.Errorf("reading sent nudges: %w", err)
	}
	var sent, onit *redis.MapStringStringCmd
	_, err = n.db.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		sent = p.HGetAll(ctx, base+"nudges:sent")
		onit = p.HGetAll(ctx, base+"nudges:onit")
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading sent nudges of %s: %w", team, classify(ctx, err))
	}
	out := map[string]coach.Sent{}
	for key, v := range sent.Val() {
		var r sentRecord
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			return nil, fmt.Errorf("reading sent nudge %s of %s: %w", key, team, err)
		}
		if r.V != nudgesVersion {
			return nil, fmt.Errorf("reading sent nudge %s of %s: %w %d", key, team, ErrUnknownVersion, r.V)
		}
		s := coach.Sent{Key: key, Level: coach.Level(r.Level)}
		if s.At, err = parseTime(r.At); err != nil {
			return nil, fmt.Errorf("reading sent nudge %s of %s: %w", key, team, err)
		}
		if s.Since, err = parseTime(r.Since); err != nil {
			return nil, fmt.Errorf("reading sent nudge %s of %s: %w", key, team, err)
		}
		out[key] = s
	}
	for key, v := range onit.Val() {
		s, ok := out[key]
		if !ok {
			continue // pressed on a nudge whose record is gone: nothing to hold back
		}
		if s.OnIt, err = parseTime(v); err != nil {
			return nil, fmt.Errorf("reading on-it of %s of %s: %w", key, team, err)
		}
		out[key] = s
	}
	return out, nil
}

// Posts are the nudges of team posted in [from, to), every post (a
// repeat or an escalation is a post of its own), oldest first, then by
// key. Only posts within NudgeHistoryRetention of the latest are kept.
// OnIt is never set.
func (n *Nudges) Posts(ctx context.Context, team string, from, to time.Time) ([]coach.Sent, error) {
	base, err := n.base(team)
	if err != nil {
		return nil, fmt.Errorf("reading nudge history: %w", err)
	}
	if !to.After(from) {
		return []coach.Sent{}, nil
	}
	// Scores are whole milliseconds, rounded down: the range may hold a
	// post just outside [from, to), which the times filter out below.
	vals, err := n.db.rdb.ZRangeByScore(ctx, base+"nudges:history", &redis.ZRangeBy{
		Min: strconv.FormatInt(from.UnixMilli(), 10), Max: strconv.FormatInt(to.UnixMilli(), 10)}).Result()
	if err != nil {
		return nil, fmt.Errorf("reading nudge history of %s: %w", team, classify(ctx, err))
	}
	out := make([]coach.Sent, 0, len(vals))
	for _, v := range vals {
		var r historyRecord
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			return nil, fmt.Errorf("reading nudge history of %s: %w", team, err)
		}
		if r.V != nudgesVersion {
			return nil, fmt.Errorf("reading nudge history of %s: %w %d", team, ErrUnknownVersion, r.V)
		}
		s := coach.Sent{Key: r.Key, Level: coach.Level(r.Level)}
		if s.At, err = parseTime(r.At); err != nil {
			return nil, fmt.Errorf("reading nudge history of %s: %w", team, err)
		}
		if s.Since, err = parseTime(r.Since); err != nil {
			return nil, fmt.Errorf("reading nudge history of %s: %w", team, err)
		}
		if s.At.Before(from) || !s.At.Before(to) {
			continue
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b coach.Sent) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// MarkOnIt records that someone pressed "On it" on the nudge key at at.
func (n *Nudges) MarkOnIt(ctx context.Context, team, key string, at time.Time) error {
	base, err := n.base(team)
	if err != nil {
		return fmt.Errorf("marking on it: %w", err)
	}
	if key == "" || at.IsZero() {
		return errors.New("marking on it: want a key and a time")
	}
	if err := n.db.rdb.HSet(ctx, base+"nudges:onit", key, formatTime(at)).Err(); err != nil {
		return fmt.Errorf("marking %s on it: %w", key, classify(ctx, err))
	}
	return nil
}

// Claim takes the claim name of team for ttl (SET NX PX) and returns its
// token: of any number of concurrent callers, across replicas, exactly one
// gets true until the claim expires or is released. The holder posts, then
// records, and releases the claim only when posting failed, so the next
// run retries.
func (n *Nudges) Claim(ctx context.Context, team, name string, ttl time.Duration) (string, bool, error) {
	key, err := n.claimKey(team, name)
	if err != nil {
		return "", false, fmt.Errorf("claiming: %w", err)
	}
	if ttl <= 0 {
		return "", false, fmt.Errorf("claiming %s: ttl %v is not positive", name, ttl)
	}
	b := make([]byte, 12)
	rand.Read(b)
	token := hex.EncodeToString(b)
	err = n.db.rdb.SetArgs(ctx, key, token, redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("claiming %s of %s: %w", name, team, classify(ctx, err))
	}
	return token, true, nil
}

// Release frees the claim name if token still holds it (compare and
// delete); a claim that lapsed and was taken by another holder stays
// theirs.
func (n *Nudges) Release(ctx context.Context, team, name, token string) error {
	key, err := n.claimKey(team, name)
	if err != nil {
		return fmt.Errorf("releasing claim: %w", err)
	}
	if err := releaseScript.Run(ctx, n.db.rdb, []string{key}, token).Err(); err != nil {
		return fmt.Errorf("releasing claim %s of %s: %w", name, team, classify(ctx, err))
	}
	return nil
}

func (n *Nudges) claimKey(team, name string) (string, error) {
	base, err := n.base(team)
	if err != nil {
		return "", err
	}
	if !claimPattern.MatchString(name) {
		return "", fmt.Errorf("invalid claim %q: want 1 to 200 letters, digits and ._:+-", name)
	}
	return base + "nudges:claim:" + name, nil
}

// Snooze holds back every nudge about subject (an item key, owner/repo#N
// or a stage) until until.
func (n *Nudges) Snooze(ctx context.Context, team, subject string, until time.Time) error {
	return n.hsetTime(ctx, team, "nudges:snooze", "snoozing", subject, until)
}

// Snoozes are the subjects of team snoozed after now, with until when.
func (n *Nudges) Snoozes(ctx context.Context, team string, now time.Time) (map[string]time.Time, error) {
	return n.hgetTimes(ctx, team, "nudges:snooze", "reading snoozes", now)
}

// SetAway marks the Slack user away until until (zero: back now).
func (n *Nudges) SetAway(ctx context.Context, team, user string, until time.Time) error {
	return n.hsetTime(ctx, team, "nudges:away", "marking away", user, until)
}

// Away are the Slack users of team away after now, with until when.
func (n *Nudges) Away(ctx context.Context, team string, now time.Time) (map[string]time.Time, error) {
	return n.hgetTimes(ctx, team, "nudges:away", "reading aways", now)
}

func (n *Nudges) hsetTime(ctx context.Context, team, key, verb, field string, until time.Time) error {
	base, err := n.base(team)
	if err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	if field == "" || len(field) > 256 {
		return fmt.Errorf("%s: want a name of 1 to 256 bytes", verb)
	}
	if until.IsZero() {
		err = n.db.rdb.HDel(ctx, base+key, field).Err()
	} else {
		err = n.db.rdb.HSet(ctx, base+key, field, formatTime(until)).Err()
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", verb, field, classify(ctx, err))
	}
	return nil
}

func (n *Nudges) hgetTimes(ctx context.Context, team, key, verb string, now time.Time) (map[string]time.Time, error) {
	base, err := n.base(team)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", verb, err)
	}
	all, err := n.db.rdb.HGetAll(ctx, base+key).Result()
	if err != nil {
		return nil, fmt.Errorf("%s of %s: %w", verb, team, classify(ctx, err))
	}
	out := map[string]time.Time{}
	for field, v := range all {
		t, err := parseTime(v)
		if err != nil {
			return nil, fmt.Errorf("%s of %s: %s: %w", verb, team, field, err)
		}
		if t.After(now) {
			out[field] = t
		}
	}
	return out, nil
}

// Pause holds back every nudge of team until until (zero: resume now).
func (n *Nudges) Pause(ctx context.Context, team string, until time.Time) error {
	base, err := n.base(team)
	if err != nil {
		return fmt.Errorf("pausing: %w", err)
	}
	if until.IsZero() {
		err = n.db.rdb.Del(ctx, base+"nudges:pause").Err()
	} else {
		err = n.db.rdb.Set(ctx, base+"nudges:pause", formatTime(until), 0).Err()
	}
	if err != nil {
		return fmt.Errorf("pausing %s: %w", team, classify(ctx, err))
	}
	return nil
}

// PausedUntil is until when team is paused, or zero when it is not paused
// after now.
func (n *Nudges) PausedUntil(ctx context.Context, team string, now time.Time) (time.Time, error) {
	base, err := n.base(team)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading pause: %w", err)
	}
	v, err := n.db.rdb.Get(ctx, base+"nudges:pause").Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("reading pause of %s: %w", team, classify(ctx, err))
	}
	t, err := parseTime(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading pause of %s: %w", team, err)
	}
	if !t.After(now) {
		return time.Time{}, nil
	}
	return t, nil
}

// SetDM opts the Slack user in to (or out of) direct messages.
func (n *Nudges) SetDM(ctx context.Context, team, user string, on bool) error {
	base, err := n.base(team)
	if err != nil {
		return fmt.Errorf("setting direct messages: %w", err)
	}
	if user == "" || len(user) > 64 {
		return errors.New("setting direct messages: want a user id")
	}
	if on {
		err = n.db.rdb.SAdd(ctx, base+"nudges:dm", user).Err()
	} else {
		err = n.db.rdb.SRem(ctx, base+"nudges:dm", user).Err()
	}
	if err != nil {
		return fmt.Errorf("setting direct messages of %s: %w", user, classify(ctx, err))
	}
	return nil
}

// DMUsers are the Slack users of team who opted in to direct messages,
// sorted.
func (n *Nudges) DMUsers(ctx context.Context, team string) ([]string, error) {
	base, err := n.base(team)
	if err != nil {
		return nil, fmt.Errorf("reading direct-message users: %w", err)
	}
	users, err := n.db.rdb.SMembers(ctx, base+"nudges:dm").Result()
	if err != nil {
		return nil, fmt.Errorf("reading direct-message users of %s: %w", team, classify(ctx, err))
	}
	slices.Sort(users)
	return users, nil
}

type stateRecord struct {
	V          int             `json:"v"`
	WIPOver    []string        `json:"wip_over,omitempty"`
	Bottleneck bottleneckState `json:"bottleneck"`
}

type bottleneckState struct {
	Stage        string  `json:"stage,omitempty"`
	Since        string  `json:"since,omitempty"`
	QueueAgeDays float64 `json:"queue_age_days,omitempty"`
}

// PutState stores the rules' state after an evaluation (coach.Observe).
func (n *Nudges) PutState(ctx context.Context, team string, s coach.RulesState) error {
	base, err := n.base(team)
	if err != nil {
		return fmt.Errorf("storing rules state: %w", err)
	}
	r := stateRecord{V: nudgesVersion, Bottleneck: bottleneckState{
		Stage: s.Bottleneck.Stage, Since: formatTime(s.Bottleneck.Since), QueueAgeDays: s.Bottleneck.QueueAgeDays}}
	for subject, over := range s.WIPOver {
		if over {
			r.WIPOver = append(r.WIPOver, subject)
		}
	}
	slices.Sort(r.WIPOver)
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("storing rules state: %w", err)
	}
	if err := n.db.rdb.Set(ctx, base+"nudges:state", b, 0).Err(); err != nil {
		return fmt.Errorf("storing rules state of %s: %w", team, classify(ctx, err))
	}
	return nil
}

// State is the rules' stored state (zero when none was stored).
func (n *Nudges) State(ctx context.Context, team string) (coach.RulesState, error) {
	base, err := n.base(team)
	if err != nil {
		return coach.RulesState{}, fmt.Errorf("reading rules state: %w", err)
	}
	v, err := n.db.rdb.Get(ctx, base+"nudges:state").Bytes()
	if errors.Is(err, redis.Nil) {
		return coach.RulesState{}, nil
	}
	if err != nil {
		return coach.RulesState{}, fmt.Errorf("reading rules state of %s: %w", team, classify(ctx, err))
	}
	var r stateRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return coach.RulesState{}, fmt.Errorf("reading rules state of %s: %w", team, err)
	}
	if r.V != nudgesVersion {
		return coach.RulesState{}, fmt.Errorf("reading rules state of %s: %w %d", team, ErrUnknownVersion, r.V)
	}
	s := coach.RulesState{Bottleneck: coach.BottleneckState{Stage: r.Bottleneck.Stage, QueueAgeDays: r.Bottleneck.QueueAgeDays}}
	if s.Bottleneck.Since, err = parseTime(r.Bottleneck.Since); err != nil {
		return coach.RulesState{}, fmt.Errorf("reading rules state of %s: %w", team, err)
	}
	if len(r.WIPOver) > 0 {
		s.WIPOver = map[string]bool{}
		for _, subject := range r.WIPOver {
			s.WIPOver[subject] = true
		}
	}
	return s, nil
}

var dayPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// PutPostRef remembers the flow-check post of team on day (YYYY-MM-DD in
// the team's zone) as its channel and ts, for PostRefTTL, so later runs
// edit it in place.
func (n *Nudges) PutPostRef(ctx context.Context, team, day, channel, ts string) error {
	base, err := n.base(team)
	if err != nil {
		return fmt.Errorf("storing post: %w", err)
	}
	if !dayPattern.MatchString(day) || channel == "" || ts == "" {
		return fmt.Errorf("storing post: want a YYYY-MM-DD day, a channel and a ts, got %q %q %q", day, channel, ts)
	}
	key := base + "nudges:post:" + day
	_, err = n.db.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "channel", channel, "ts", ts)
		p.Expire(ctx, key, PostRefTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("storing post of %s on %s: %w", team, day, classify(ctx, err))
	}
	return nil
}

// PostRef is team's flow-check post of day (channel and ts), if one was
// stored.
func (n *Nudges) PostRef(ctx context.Context, team, day string) (channel, ts string, ok bool, err error) {
	base, err := n.base(team)
	if err != nil {
		return "", "", false, fmt.Errorf("reading post: %w", err)
	}
	if !dayPattern.MatchString(day) {
		return "", "", false, fmt.Errorf("reading post: want a YYYY-MM-DD day, got %q", day)
	}
	m, err := n.db.rdb.HGetAll(ctx, base+"nudges:post:"+day).Result()
	if err != nil {
		return "", "", false, fmt.Errorf("reading post of %s on %s: %w", team, day, classify(ctx, err))
	}
	if m["channel"] == "" || m["ts"] == "" {
		return "", "", false, nil
	}
	return m["channel"], m["ts"], true, nil
}

// LinkPerson stores (replaces) the identity of p.Slack.
func (n *Nudges) LinkPerson(ctx context.Context, team string, p Person) error {
	base, err := n.base(team)
	if err != nil {
		return fmt.Errorf("linking person: %w", err)
	}
	if p.Slack == "" || len(p.Slack) > 64 {
		return errors.New("linking person: want a Slack user id")
	}
	b, err := json.Marshal(personRecord(p))
	if err != nil {
		return fmt.Errorf("linking person: %w", err)
	}
	if err := n.db.rdb.HSet(ctx, base+"people", p.Slack, b).Err(); err != nil {
		return fmt.Errorf("linking %s: %w", p.Slack, classify(ctx, err))
	}
	return nil
}

// People are the identities stored for team, by Slack user id.
func (n *Nudges) People(ctx context.Context, team string) ([]Person, error) {
	base, err := n.base(team)
	if err != nil {
		return nil, fmt.Errorf("reading people: %w", err)
	}
	all, err := n.db.rdb.HGetAll(ctx, base+"people").Result()
	if err != nil {
		return nil, fmt.Errorf("reading people of %s: %w", team, classify(ctx, err))
	}
	out := make([]Person, 0, len(all))
	for slack, v := range all {
		var rec personRecord
		if err := json.Unmarshal([]byte(v), &rec); err != nil {
			return nil, fmt.Errorf("reading person %s of %s: %w", slack, team, err)
		}
		rec.Slack = slack
		out = append(out, Person(rec))
	}
	slices.SortFunc(out, func(a, b Person) int { return strings.Compare(a.Slack, b.Slack) })
	return out, nil
}
