package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
)

// memSettings keeps settings as the store does, revision-checked; the
// store's own tests and cmd/flowbot's round trip cover the real one.
type memSettings struct {
	mu      sync.Mutex
	saved   map[string]SavedSettings
	history map[string][]SettingsEntry
}

func (m *memSettings) AllSettings(context.Context) ([]SavedSettings, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []SavedSettings
	for _, s := range m.saved {
		out = append(out, s)
	}
	return out, nil
}

func (m *memSettings) SaveSettings(_ context.Context, s config.TeamSettings, prev int64, e SettingsEntry) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.saved == nil {
		m.saved, m.history = map[string]SavedSettings{}, map[string][]SettingsEntry{}
	}
	if cur := m.saved[s.ID].Revision; cur != prev {
		return 0, fmt.Errorf("%w: revision %d, expected %d", ErrSettingsConflict, cur, prev)
	}
	m.saved[s.ID] = SavedSettings{Settings: s, Revision: prev + 1}
	e.Revision = prev + 1
	m.history[s.ID] = append([]SettingsEntry{e}, m.history[s.ID]...)
	return prev + 1, nil
}

func (m *memSettings) SettingsHistory(_ context.Context, team string, limit int) ([]SettingsEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.history[team]
	return h[:min(limit, len(h))], nil
}

func (m *memSettings) SettingsTeams(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for id := range m.saved {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

type statusList []coach.Status

func (s statusList) Statuses(context.Context, string) ([]coach.Status, error) { return s, nil }

const setupFile = `
teams:
  - id: payments
    name: Payments
    channel: C0PAYMENTS
    jira:
      jql: project = PAY
    stages:
      - name: Build
        active: [In Progress]
      - name: Done
        done: [Done]
  - id: platform
    channel: C0PLATFORM
    github:
      repos: [acme/infra]
`

func newSetup(t *testing.T) (*Setup, *Bot) {
	t.Helper()
	file, err := config.Parse([]byte(setupFile))
	if err != nil {
		t.Fatal(err)
	}
	live := new(atomic.Pointer[config.Config])
	live.Store(file)
	s := &Setup{File: file, Live: live, Store: &memSettings{},
		Statuses: statusList{{Name: "In Progress"}, {Name: "Blocked"}, {Name: "Done"}},
		Now:      func() time.Time { return time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC) },
		Logger:   slog.New(slog.DiscardHandler)}
	return s, &Bot{Config: file, Live: live}
}

func TestParseAdminCommand(t *testing.T) {
	tests := []struct {
		text    string
		want    AdminCommand
		ok      bool
		problem string
	}{
		{"setup", AdminCommand{Name: "setup"}, true, ""},
		{"setup payments", AdminCommand{Name: "setup", Team: "payments"}, true, ""},
		{"setup team:payments", AdminCommand{Name: "setup", Team: "payments"}, true, ""},
		{"settings history", AdminCommand{Name: "history"}, true, ""},
		{"settings history team:payments", AdminCommand{Name: "history", Team: "payments"}, true, ""},
		{"cycle-time", AdminCommand{}, false, ""},
		// Settings never come from the text.
		{"setup payments jql=project=X", AdminCommand{}, true, "at most one team"},
		{"setup project = X", AdminCommand{}, true, "at most one team"},
		{"setup jql=project=X", AdminCommand{}, true, "not a team id"},
		{"settings set jira.jql project = X", AdminCommand{}, true, "changed in the form"},
		{"settings", AdminCommand{}, true, "changed in the form"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, ok, err := ParseAdminCommand(tt.text)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("command (-got +want):\n%s", diff)
			}
			if tt.problem == "" && err != nil || tt.problem != "" && (err == nil || !strings.Contains(err.Error(), tt.problem)) {
				t.Errorf("err = %v, want one saying %q", err, tt.problem)
			}
		})
	}
}

func TestSetupForm(t *testing.T) {
	s, _ := newSetup(t)
	tests := []struct {
		name, id, channel string
		wantNew           bool
		wantID, wantChan  string
	}{
		{"the channel's team", "", "C0PAYMENTS", false, "payments", "C0PAYMENTS"},
		{"a named team", "platform", "C0PAYMENTS", false, "platform", "C0PLATFORM"},
		{"a new team in a free channel", "", "C0FREE", true, "", "C0FREE"},
		{"a new team named from a taken channel", "checkout", "C0PAYMENTS", true, "checkout", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := s.Form(t.Context(), tt.id, tt.channel)
			if err != nil {
				t.Fatal(err)
			}
			if f.New != tt.wantNew || f.Settings.ID != tt.wantID || f.Settings.Channel != tt.wantChan {
				t.Errorf("form new=%v id=%q channel=%q, want %v %q %q", f.New, f.Settings.ID, f.Settings.Channel, tt.wantNew, tt.wantID, tt.wantChan)
			}
			if diff := cmp.Diff(f.Statuses, []string{"Blocked", "Done", "In Progress"}); diff != "" {
				t.Errorf("statuses (-got +want):\n%s", diff)
			}
		})
	}
}

func TestSetupSave(t *testing.T) {
	payments := func(edit func(*config.TeamSettings)) SetupSubmission {
		file, _ := config.Parse([]byte(setupFile))
		tm, _ := file.Team("payments")
		ts := tm.Settings()
		edit(&ts)
		return SetupSubmission{Team: "payments", Settings: ts}
	}
	tests := []struct {
		name         string
		sub          SetupSubmission
		wantProblems []FieldProblem
		wantChanges  []config.Change
	}{
		{
			name:        "valid edit",
			sub:         payments(func(s *config.TeamSettings) { s.WIPLimit = 5; s.JQL = "project = PAY AND type != Epic" }),
			wantChanges: []config.Change{{Path: "jira.jql", Old: "project = PAY", New: "project = PAY AND type != Epic"}, {Path: "wip_limit", New: "5"}},
		},
		{
			name: "new team",
			sub:  SetupSubmission{New: true, Settings: config.TeamSettings{ID: "checkout", Channel: "C0CHECKOUT", JQL: "project = CHK"}},
			wantChanges: []config.Change{{Path: "id", New: "checkout"}, {Path: "name", New: "checkout"}, {Path: "channel", New: "C0CHECKOUT"},
				{Path: "jira.jql", New: "project = CHK"}, {Path: "github.max_pr_lines", New: "400"}, {Path: "timezone", New: "UTC"}, {Path: "working_days", New: "Mon, Tue, Wed, Thu, Fri"}},
		},
		{
			name: "coaching keys",
			sub: payments(func(s *config.TeamSettings) {
				s.Stages[0].WIPLimit = 3
				s.Coaching.Schedules.Standup = config.ParseScheduleText("off")
				s.Coaching.Schedules.Digest = config.ParseScheduleText("0 16 * * 5")
				s.Coaching.StalledAfter, _ = config.ParseWorkDuration("3d")
				s.Coaching.MaxPoints = 8
				s.Coaching.MaxPRLines = 600
				s.Coaching.WorkingHours = "08:00-16:00"
				s.Coaching.Holidays = []string{"2026-12-24"}
			}),
			wantChanges: []config.Change{{Path: "github.max_pr_lines", Old: "400", New: "600"}, {Path: "stages[0].wip_limit", New: "3"},
				{Path: "working_hours", New: "08:00-16:00"}, {Path: "holidays", New: "2026-12-24"},
				{Path: "schedules.standup", New: "off"}, {Path: "schedules.digest", New: "0 16 * * 5"},
				{Path: "stalled_after", New: "3d"}, {Path: "max_points", New: "8"}},
		},
		{
			name: "bad coaching keys, each on its field",
			sub: payments(func(s *config.TeamSettings) {
				s.Stages[1].WIPLimit = -1
				s.Coaching.Schedules.FlowCheck = config.ParseScheduleText("at nine")
				s.Coaching.RepeatEvery, _ = config.ParseWorkDuration("0.5h")
				s.Coaching.MaxPRLines = -3
				s.Coaching.WorkingHours = "9-5"
				s.Coaching.Holidays = []string{"2026-12-24", "Christmas"}
			}),
			wantProblems: []FieldProblem{{"github.max_pr_lines", ""}, {"schedules.flow_check", ""}, {"repeat_every", ""},
				{"working_hours", ""}, {"holidays", ""}, {"stages[1].wip_limit", ""}},
		},
		{name: "nothing changed", sub: payments(func(*config.TeamSettings) {})},
		{
			name:         "new team with a taken id",
			sub:          SetupSubmission{New: true, Settings: config.TeamSettings{ID: "platform", JQL: "project = X"}},
			wantProblems: []FieldProblem{{"id", "there is a team \"platform\" already; `/flow setup platform` edits it"}},
		},
		{
			name:         "another team's channel",
			sub:          payments(func(s *config.TeamSettings) { s.Channel = "C0PLATFORM" }),
			wantProblems: []FieldProblem{{"channel", "team platform: channel C0PLATFORM is already teams[0]'s; a channel belongs to one team"}},
		},
		{
			name: "bad jql, zone and stage",
			sub: payments(func(s *config.TeamSettings) {
				s.JQL = "project = PAY ORDER BY rank"
				s.Timezone = "Mars/Olympus"
				s.Stages[1].Done = nil
			}),
			wantProblems: []FieldProblem{{"timezone", ""}, {"jira.jql", ""}, {"stages[1]", ""}},
		},
		{
			name:         "no work source",
			sub:          payments(func(s *config.TeamSettings) { s.JQL = "" }),
			wantProblems: []FieldProblem{{"jira.jql", "no work source; set jira.jql, github.repos, or both"}},
		},
		{
			name: "stale form",
			sub: func() SetupSubmission {
				s := payments(func(s *config.TeamSettings) { s.WIPLimit = 3 })
				s.Revision = 7
				return s
			}(),
			wantProblems: []FieldProblem{{"", "someone else saved this team's settings while the form was open; close it and run `/flow setup payments` again to see theirs"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, b := newSetup(t)
			res, err := s.Save(t.Context(), "U0ADMIN", tt.sub)
			if err != nil {
				t.Fatal(err)
			}
			got := res.Problems
			if len(tt.wantProblems) > 0 && tt.wantProblems[0].Message == "" {
				// Only where the problems go; config's tests own the words.
				got = nil
				for _, p := range res.Problems {
					got = append(got, FieldProblem{Field: p.Field})
				}
			}
			if diff := cmp.Diff(got, tt.wantProblems); diff != "" {
				t.Errorf("problems (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(res.Changes, tt.wantChanges); diff != "" {
				t.Errorf("changes (-got +want):\n%s", diff)
			}
			hist, _ := s.Store.SettingsHistory(t.Context(), res.Team, 10)
			if saved := len(hist) > 0; saved != (len(tt.wantChanges) > 0) {
				t.Fatalf("saved = %v, want %v", saved, len(tt.wantChanges) > 0)
			}
			if len(hist) == 0 {
				if b.config() != s.File {
					t.Error("nothing saved, yet the configuration in effect changed")
				}
				return
			}
			if diff := cmp.Diff(hist[0], SettingsEntry{At: s.Now(), User: "U0ADMIN", Team: res.Team, Revision: 1, Changes: tt.wantChanges}); diff != "" {
				t.Errorf("history entry (-got +want):\n%s", diff)
			}
			// In effect at once for the Bot sharing Live.
			tm, ok := b.config().Team(res.Team)
			if !ok {
				t.Fatalf("team %s is not in effect", res.Team)
			}
			if diff := cmp.Diff(tm.Settings(), mustApply(t, s.File, tt.sub.Settings)); diff != "" {
				t.Errorf("team in effect (-got +want):\n%s", diff)
			}
		})
	}
}

func mustApply(t *testing.T, file *config.Config, ts config.TeamSettings) config.TeamSettings {
	t.Helper()
	c, err := config.Apply(file, []config.TeamSettings{ts})
	if err != nil {
		t.Fatal(err)
	}
	tm, _ := c.Team(ts.ID)
	return tm.Settings()
}

func TestSetupMayChange(t *testing.T) {
	s, _ := newSetup(t)
	s.File.Admins = []string{"U0LISTED"}
	tests := []struct {
		name           string
		user           string
		workspaceAdmin bool
		want           bool
	}{
		{"workspace admin or owner", "U0ADMIN", true, true},
		{"listed under admins", "U0LISTED", false, true},
		{"anyone else", "U0MEMBER", false, false},
		{"no user", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.MayChange(tt.user, tt.workspaceAdmin); got != tt.want {
				t.Errorf("MayChange(%q, %v) = %v, want %v", tt.user, tt.workspaceAdmin, got, tt.want)
			}
		})
	}
}

func TestSettingsHistoryAnswer(t *testing.T) {
	s, _ := newSetup(t)
	ctx := t.Context()
	empty, err := s.HistoryAnswer(ctx, "")
	if err != nil || !strings.Contains(empty.Text, "No settings have been changed") {
		t.Errorf("empty history = %q, %v", empty.Text, err)
	}
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i, sub := range []SetupSubmission{
		{Team: "platform", Settings: config.TeamSettings{ID: "platform", Channel: "C0PLATFORM", Repos: []string{"acme/infra"}, WIPLimit: 3}},
		{Team: "payments", Settings: config.TeamSettings{ID: "payments", Name: "Payments", Channel: "C0PAYMENTS", JQL: "project = PAYX"}},
	} {
		s.Now = func() time.Time { return at.Add(time.Duration(i) * time.Hour) }
		if res, err := s.Save(ctx, "U0ADMIN", sub); err != nil || len(res.Problems) > 0 {
			t.Fatalf("save %s: %v %v", sub.Team, res.Problems, err)
		}
	}
	all, err := s.HistoryAnswer(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	pay, plat := strings.Index(all.Text, "team `payments`"), strings.Index(all.Text, "team `platform`")
	if pay < 0 || plat < 0 || pay > plat {
		t.Errorf("history of every team, newest first:\n%s", all.Text)
	}
	for _, want := range []string{"*2026-11-20 10:00* · <@U0ADMIN> · team `payments` (revision 1)", "• `jira.jql`: `project = PAY` → `project = PAYX`", "• `wip_limit`: _(none)_ → `3`"} {
		if !strings.Contains(all.Text, want) {
			t.Errorf("history lacks %q:\n%s", want, all.Text)
		}
	}
	one, err := s.HistoryAnswer(ctx, "platform")
	if err != nil || strings.Contains(one.Text, "payments") || one.Message == nil || one.Message.Title != "Settings history of platform" {
		t.Errorf("history of platform = %q, %v", one.Text, err)
	}
}
