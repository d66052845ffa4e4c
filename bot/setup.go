package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
)

// config is the configuration in effect: Live's when set, else Config.
func (b *Bot) config() *config.Config {
	if b.Live != nil {
		if c := b.Live.Load(); c != nil {
			return c
		}
	}
	return b.Config
}

// config is the configuration in effect: Live's when set, else Config.
func (s *Syncer) config() *config.Config {
	if s.Live != nil {
		if c := s.Live.Load(); c != nil {
			return c
		}
	}
	return s.Config
}

// RefusedText is the answer to anyone who may not change settings.
const RefusedText = "Sorry, only admins can change settings: the workspace's admins and owners, and the people listed under `admins:` in flowbot.yaml."

// ErrSettingsConflict says a team's settings were saved by someone else
// since the form was opened.
var ErrSettingsConflict = errors.New("settings changed since they were read")

// SettingsStore keeps the settings made in chat and their history;
// cmd/flowbot adapts the store to it.
type SettingsStore interface {
	// AllSettings returns every team's stored settings.
	AllSettings(ctx context.Context) ([]SavedSettings, error)
	// SaveSettings stores s as its team's settings if the stored revision
	// is still prev (0: none stored), with entry in the team's history,
	// and returns the new revision. When someone saved in between it
	// returns an error wrapping ErrSettingsConflict.
	SaveSettings(ctx context.Context, s config.TeamSettings, prev int64, entry SettingsEntry) (int64, error)
	// SettingsHistory returns up to limit of a team's entries, newest
	// first.
	SettingsHistory(ctx context.Context, team string, limit int) ([]SettingsEntry, error)
	// SettingsTeams returns the ids of the teams with stored settings.
	SettingsTeams(ctx context.Context) ([]string, error)
}

// StatusReader gives the Jira statuses stored for a team.
type StatusReader interface {
	Statuses(ctx context.Context, team string) ([]coach.Status, error)
}

// SavedSettings is one team's stored settings and how many saves made them.
type SavedSettings struct {
	Settings config.TeamSettings
	Revision int64
}

// SettingsEntry is one saved change of a team's settings.
type SettingsEntry struct {
	At       time.Time
	User     string // Slack user ID
	Team     string
	Revision int64
	Changes  []config.Change
}

// historyLimit is how many entries `/flow settings history` lists.
const historyLimit = 20

// Setup changes teams' settings from chat: who may, what the form starts
// from, checking and saving what is submitted, and the history. A saved
// change is in effect at once: Live gets the new effective configuration.
// It is safe for concurrent use.
type Setup struct {
	File     *config.Config                 // the configuration file, as loaded
	Live     *atomic.Pointer[config.Config] // the configuration in effect, shared with Bot and Syncer
	Store    SettingsStore
	Statuses StatusReader     // nil: the form offers no statuses to pick
	Now      func() time.Time // nil: time.Now
	Logger   *slog.Logger     // nil: slog.Default()

	mu sync.Mutex // one save at a time, so Live ends with the last
}

func (s *Setup) current() *config.Config {
	if c := s.Live.Load(); c != nil {
		return c
	}
	return s.File
}

func (s *Setup) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// MayChange reports whether user may change settings: workspace admins and
// owners (workspaceAdmin, as the chat platform says) and the users listed
// under admins.
func (s *Setup) MayChange(user string, workspaceAdmin bool) bool {
	return workspaceAdmin || s.current().IsAdmin(user)
}

// AdminCommand is a parsed `/flow setup` or `/flow settings history`.
type AdminCommand struct {
	Name string // "setup" or "history"
	Team string // the team named, or ""
}

var teamIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// ParseAdminCommand reads the admin commands' text: `setup [team-id]`
// (or team:<id>) and `settings history [team-id]`. ok is false for any
// other command. Settings are never taken from the text: a team's JQL,
// channel and the rest are set only in the form.
func ParseAdminCommand(text string) (cmd AdminCommand, ok bool, err error) {
	f := strings.Fields(text)
	if len(f) == 0 {
		return AdminCommand{}, false, nil
	}
	sp, known := adminSpec(strings.ToLower(f[0]))
	if !known {
		return AdminCommand{}, false, nil
	}
	args := f[1:]
	if sp.name == "settings" {
		if len(args) == 0 || strings.ToLower(args[0]) != "history" {
			return AdminCommand{}, true, &UsageError{Problem: "Settings are changed in the form `/flow setup` opens; here you can see their history.", Usage: sp.usage}
		}
		args = args[1:]
		cmd.Name = "history"
	} else {
		cmd.Name = "setup"
	}
	if len(args) > 1 {
		return AdminCommand{}, true, &UsageError{Problem: "Name at most one team; every setting is made in the form.", Usage: sp.usage}
	}
	if len(args) == 1 {
		id := strings.TrimPrefix(args[0], "team:")
		if !teamIDPattern.MatchString(id) {
			return AdminCommand{}, true, &UsageError{Problem: fmt.Sprintf("%q is not a team id: use lowercase letters, digits and dashes.", args[0]), Usage: sp.usage}
		}
		cmd.Team = id
	}
	return cmd, true, nil
}

// SetupForm is what the setup form starts from.
type SetupForm struct {
	New      bool // a team the configuration does not have yet
	Settings config.TeamSettings
	Revision int64    // of the team's stored settings; 0: none
	Statuses []string // names of the statuses Jira knows, sorted, and those the stages name
}

// Form returns the form for team id, or, with id "", for the team of
// channel; a channel without a team gets the form of a new team in that
// channel, and an id the configuration does not have a new team with it.
func (s *Setup) Form(ctx context.Context, id, channel string) (SetupForm, error) {
	cfg := s.current()
	var f SetupForm
	t, ok := cfg.Team(id)
	if id == "" {
		t, ok = cfg.TeamByChannel(channel)
	}
	if ok {
		f.Settings = t.Settings()
	} else {
		f.New = true
		// Coaching keys start left out: the defaults, which the form's
		// hints name.
		f.Settings = config.TeamSettings{ID: id, Channel: channel, Timezone: cfg.Timezone, WorkingDays: config.DefaultWorkingDays(),
			Coaching: &config.CoachingSettings{}}
		if _, taken := cfg.TeamByChannel(channel); taken {
			f.Settings.Channel = "" // a channel belongs to one team
		}
	}
	saved, err := s.Store.AllSettings(ctx)
	if err != nil {
		return SetupForm{}, fmt.Errorf("opening the setup form: %w", err)
	}
	for _, st := range saved {
		if st.Settings.ID == f.Settings.ID && f.Settings.ID != "" {
			f.Revision = st.Revision
		}
	}
	names := map[string]bool{}
	if s.Statuses != nil {
		for _, team := range cfg.Teams {
			st, err := s.Statuses.Statuses(ctx, team.ID)
			if err != nil {
				return SetupForm{}, fmt.Errorf("opening the setup form: statuses of %s: %w", team.ID, err)
			}
			for _, x := range st {
				names[x.Name] = true
			}
		}
	}
	for _, st := range f.Settings.Stages {
		for _, n := range slices.Concat(st.Active, st.Wait, st.Done) {
			names[n] = true
		}
	}
	for n := range names {
		f.Statuses = append(f.Statuses, n)
	}
	slices.SortFunc(f.Statuses, func(a, b string) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a), strings.ToLower(b)), cmp.Compare(a, b))
	})
	return f, nil
}

// SetupSubmission is a filled-in setup form.
type SetupSubmission struct {
	New      bool
	Team     string // the team edited; for a new team, Settings.ID
	Revision int64  // SetupForm.Revision
	Settings config.TeamSettings
}

// FieldProblem is one problem with a submission, by the field of
// config.TeamSettings it is about as config.Diff names them ("channel",
// "jira.jql", "stages[1].wait"); "" is about the submission as a whole.
type FieldProblem struct {
	Field   string
	Message string
}

// SaveResult is what came of a submission: the problems that kept it from
// being saved, or the changes saved (none: nothing changed).
type SaveResult struct {
	Problems []FieldProblem
	Changes  []config.Change
	Team     string
	Revision int64
}

// Save checks a submission exactly as `flowbot config check` checks the
// file (the file with every team's stored settings and this one applied),
// and when it is valid and changes something, stores it with an entry in
// the history and puts the new configuration in effect. Problems come
// back in the result; the error is for the store failing.
func (s *Setup) Save(ctx context.Context, user string, sub SetupSubmission) (SaveResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg := s.current()
	ts := sub.Settings.Settings()
	if !sub.New {
		ts.ID = sub.Team
	}
	res := SaveResult{Team: ts.ID}
	if sub.New {
		if ts.ID == "" {
			res.Problems = append(res.Problems, FieldProblem{"id", "missing; give the team a short id such as payments (lowercase letters, digits and dashes)"})
			return res, nil
		}
		if _, exists := cfg.Team(ts.ID); exists {
			res.Problems = append(res.Problems, FieldProblem{"id", fmt.Sprintf("there is a team %q already; `/flow setup %s` edits it", ts.ID, ts.ID)})
			return res, nil
		}
	}
	saved, err := s.Store.AllSettings(ctx)
	if err != nil {
		return SaveResult{}, fmt.Errorf("saving settings of %s: %w", ts.ID, err)
	}
	overrides := make([]config.TeamSettings, 0, len(saved)+1)
	for _, st := range saved {
		if st.Settings.ID != ts.ID {
			overrides = append(overrides, st.Settings)
		}
	}
	overrides = append(overrides, ts)
	slices.SortFunc(overrides, func(a, b config.TeamSettings) int { return cmp.Compare(a.ID, b.ID) })
	eff, err := config.Apply(s.File, overrides)
	if err != nil {
		var ps config.Problems
		if !errors.As(err, &ps) {
			return SaveResult{}, fmt.Errorf("checking settings of %s: %w", ts.ID, err)
		}
		res.Problems = fieldProblems(ps, s.File, overrides, ts.ID)
		return res, nil
	}
	var old config.TeamSettings
	if t, ok := cfg.Team(ts.ID); ok {
		old = t.Settings()
	}
	t, _ := eff.Team(ts.ID)
	res.Changes = config.Diff(old, t.Settings())
	if len(res.Changes) == 0 {
		return res, nil
	}
	at := time.Now()
	if s.Now != nil {
		at = s.Now()
	}
	entry := SettingsEntry{At: at, User: user, Team: ts.ID, Changes: res.Changes}
	rev, err := s.Store.SaveSettings(ctx, ts, sub.Revision, entry)
	if errors.Is(err, ErrSettingsConflict) {
		res.Changes = nil
		res.Problems = append(res.Problems, FieldProblem{"", "someone else saved this team's settings while the form was open; close it and run `/flow setup " + ts.ID + "` again to see theirs"})
		return res, nil
	}
	if err != nil {
		return SaveResult{}, fmt.Errorf("saving settings of %s: %w", ts.ID, err)
	}
	res.Revision = rev
	if err := s.reload(ctx); err != nil {
		// Saved, but another replica's change does not apply with it:
		// keep this change in effect, and say so in the log.
		s.logger().Error("reloading settings after a save", "team", ts.ID, "err", err)
		s.Live.Store(eff)
	}
	s.logger().Info("team settings saved", "team", ts.ID, "user", user, "revision", rev, "changes", len(res.Changes))
	return res, nil
}

// reload puts the file with every stored team's settings in effect.
func (s *Setup) reload(ctx context.Context) error {
	saved, err := s.Store.AllSettings(ctx)
	if err != nil {
		return err
	}
	overrides := make([]config.TeamSettings, 0, len(saved))
	for _, st := range saved {
		overrides = append(overrides, st.Settings)
	}
	slices.SortFunc(overrides, func(a, b config.TeamSettings) int { return cmp.Compare(a.ID, b.ID) })
	eff, err := config.Apply(s.File, overrides)
	if err != nil {
		return err
	}
	s.Live.Store(eff)
	return nil
}

var (
	teamPathPattern = regexp.MustCompile(`^teams\[(\d+)\](?:\.(.*))?$`)
	indexSuffix     = regexp.MustCompile(`\[\d+\]$`)
)

// fieldProblems turns problems with the effective configuration into
// problems with the form's fields. Problems of another team (say, a
// channel that is now two teams') go on the same field, naming that team.
func fieldProblems(ps config.Problems, file *config.Config, overrides []config.TeamSettings, id string) []FieldProblem {
	// Where the edited team lands in the effective configuration: its
	// place in the file, or after the file's teams among the new ones.
	ids := make([]string, 0, len(file.Teams)+len(overrides))
	for _, t := range file.Teams {
		ids = append(ids, t.ID)
	}
	for _, o := range overrides {
		if !slices.Contains(ids, o.ID) {
			ids = append(ids, o.ID)
		}
	}
	var out []FieldProblem
	for _, p := range ps {
		m := teamPathPattern.FindStringSubmatch(p.Path)
		if m == nil {
			out = append(out, FieldProblem{"", p.String()})
			continue
		}
		i, _ := strconv.Atoi(m[1])
		field := m[2]
		// A list element's problem is the list's: the form edits lists
		// whole (stages[1].active[0] -> stages[1].active).
		if !strings.HasPrefix(field, "stages[") || strings.Count(field, "[") > 1 {
			field = indexSuffix.ReplaceAllString(field, "")
		}
		msg := p.Message
		if i >= len(ids) || ids[i] != id {
			other := p.Path
			if i < len(ids) {
				other = "team " + ids[i]
			}
			msg = other + ": " + msg
		}
		if field == "" {
			// "no work source; set jira.jql, github.repos, or both"
			field = "jira.jql"
		}
		out = append(out, FieldProblem{field, msg})
	}
	return out
}

// HistoryAnswer lists the settings history of team id, or of every team
// with stored settings when id is "", newest first.
func (s *Setup) HistoryAnswer(ctx context.Context, id string) (Reply, error) {
	teams := []string{id}
	if id == "" {
		var err error
		if teams, err = s.Store.SettingsTeams(ctx); err != nil {
			return Reply{}, fmt.Errorf("reading settings history: %w", err)
		}
	}
	var all []SettingsEntry
	for _, t := range teams {
		es, err := s.Store.SettingsHistory(ctx, t, historyLimit)
		if err != nil {
			return Reply{}, fmt.Errorf("reading settings history of %s: %w", t, err)
		}
		all = append(all, es...)
	}
	slices.SortStableFunc(all, func(a, b SettingsEntry) int {
		return cmp.Or(b.At.Compare(a.At), cmp.Compare(a.Team, b.Team), cmp.Compare(b.Revision, a.Revision))
	})
	title := "Settings history"
	scope := "every team"
	if id != "" {
		title += " of " + id
		scope = "team " + id
	}
	if len(all) == 0 {
		text := "No settings have been changed from Slack for " + scope + " yet. `/flow setup` opens the form."
		return Reply{Text: text, Message: &Message{Title: title, Reading: text}}, nil
	}
	more := 0
	if len(all) > historyLimit {
		more = len(all) - historyLimit
		all = all[:historyLimit]
	}
	body := make([]string, 0, len(all))
	for _, e := range all {
		body = append(body, historyEntry(e))
	}
	ctxLine := fmt.Sprintf("%s · newest first · times in UTC", scope)
	if more > 0 {
		ctxLine += fmt.Sprintf(" · and %d more not shown", more)
	}
	reading := fmt.Sprintf("%d change(s) made from Slack; each lists the settings changed, old → new.", len(all))
	text := "*" + title + "*\n" + strings.Join(body, "\n") + "\n" + ctxLine
	return Reply{Text: text, Message: &Message{Title: title, Reading: reading, Body: body, Context: ctxLine}}, nil
}

func historyEntry(e SettingsEntry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* · <@%s> · team `%s` (revision %d)", e.At.UTC().Format("2006-01-02 15:04"), e.User, e.Team, e.Revision)
	for _, c := range e.Changes {
		fmt.Fprintf(&b, "\n• `%s`: %s → %s", c.Path, historyValue(c.Old), historyValue(c.New))
	}
	return b.String()
}

func historyValue(v string) string {
	if v == "" {
		return "_(none)_"
	}
	return "`" + strings.ReplaceAll(v, "`", "'") + "`"
}
