package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const overrideBase = `
timezone: UTC
admins: [U0ADMIN]
teams:
  - id: payments
    name: Payments
    channel: C0PAYMENTS
    timezone: Europe/Berlin
    jira:
      jql: project = PAY
      incident_jql: project = OPS
    github:
      repos: [acme/payments-api]
      max_pr_lines: 250
    stalled_after: 3d
    schedules: {standup: ""}
    holidays: [2026-12-24]
`

func mustParse(t *testing.T, data string) *Config {
	t.Helper()
	c, err := Parse([]byte(data))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestApply(t *testing.T) {
	edit := TeamSettings{ID: "payments", Name: "Payments Squad", Channel: "C0PAY2", JQL: "project = PAY AND component = Core",
		Repos: []string{"acme/payments-api", "acme/ledger"}, WIPLimit: 6, Timezone: "Europe/Paris", WorkingDays: []string{"Mon", "Tue"},
		Stages: []Stage{{Name: "Build", Active: []string{"In Progress"}, Wait: []string{"Blocked"}, WIPLimit: 3}, {Name: "Done", Done: []string{"Done"}}},
		Coaching: &CoachingSettings{
			Schedules:    Schedules{FlowCheck: Schedule{Spec: "0 10 * * 1-5", Set: true}, Digest: Schedule{Set: true}}, // standup: back to the default
			StalledAfter: WorkDuration{36 * time.Hour}, BlockedAfter: WorkDuration{48 * time.Hour}, RepeatEvery: WorkDuration{72 * time.Hour},
			MaxPoints: 8, MaxPRLines: 600, WorkingHours: "08:30-16:30", Holidays: []string{"2026-12-25", "2026-12-26"},
		}}
	added := TeamSettings{ID: "search", Channel: "C0SEARCH", JQL: "project = SRCH"}
	// Stored before the form edited coaching keys: the file's stand.
	legacy := TeamSettings{ID: "payments", Name: "Payments", Channel: "C0PAYMENTS", Timezone: "Europe/Berlin", JQL: "project = PAY"}
	// Every coaching key left empty in the form: the defaults.
	cleared := legacy
	cleared.Coaching = &CoachingSettings{}
	tests := []struct {
		name      string
		overrides []TeamSettings
		check     func(t *testing.T, c *Config)
		problems  []string // Problem strings; nil: valid
	}{
		{"no overrides is the file", nil, func(t *testing.T, c *Config) {
			if diff := cmp.Diff(c, mustParse(t, overrideBase), ignoreLoc); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		}, nil},
		{"edit keeps other keys", []TeamSettings{edit}, func(t *testing.T, c *Config) {
			tm, _ := c.Team("payments")
			if diff := cmp.Diff(tm.Settings(), edit); diff != "" {
				t.Errorf("settings (-got +want):\n%s", diff)
			}
			if got, want := tm.Jira.IncidentJQL, "project = OPS"; got != want {
				t.Errorf("incident_jql = %q, want the file's %q", got, want)
			}
			if got, want := tm.Location().String(), "Europe/Paris"; got != want {
				t.Errorf("location = %q, want %q (loaded by Validate)", got, want)
			}
			if got, want := tm.StandupSpec(), DefaultStandupSchedule; got != want {
				t.Errorf("standup = %q, want the default %q", got, want)
			}
			if got := tm.DigestSpec(); got != "" {
				t.Errorf("digest = %q, want off", got)
			}
			if diff := cmp.Diff(tm.StageWIPLimits(), map[string]int{"Build": 3}); diff != "" {
				t.Errorf("stage WIP limits (-got +want):\n%s", diff)
			}
		}, nil},
		{"settings stored before coaching keys keep the file's", []TeamSettings{legacy}, func(t *testing.T, c *Config) {
			tm, _ := c.Team("payments")
			if tm.StalledAfter.Duration != 72*time.Hour || tm.GitHub.MaxPRLines != 250 || tm.StandupSpec() != "" || len(tm.Holidays) != 1 {
				t.Errorf("file's coaching keys lost: stalled_after %v, max_pr_lines %d, standup %q, holidays %v",
					tm.StalledAfter, tm.GitHub.MaxPRLines, tm.StandupSpec(), tm.Holidays)
			}
		}, nil},
		{"coaching keys left empty are the defaults", []TeamSettings{cleared}, func(t *testing.T, c *Config) {
			tm, _ := c.Team("payments")
			if tm.StalledAfter.Duration != 0 || tm.GitHub.MaxPRLines != DefaultMaxPRLines || tm.StandupSpec() != DefaultStandupSchedule || len(tm.Holidays) != 0 {
				t.Errorf("not the defaults: stalled_after %v, max_pr_lines %d, standup %q, holidays %v",
					tm.StalledAfter, tm.GitHub.MaxPRLines, tm.StandupSpec(), tm.Holidays)
			}
		}, nil},
		{"new team gets defaults", []TeamSettings{added}, func(t *testing.T, c *Config) {
			tm, ok := c.Team("search")
			if !ok {
				t.Fatal("team search not added")
			}
			if tm.Name != "search" || tm.Timezone != "UTC" || tm.GitHub.MaxPRLines != DefaultMaxPRLines || tm.Jira.IncidentJQL != DefaultIncidentJQL {
				t.Errorf("defaults not applied: %+v", tm)
			}
		}, nil},
		{"new team keeps its own max_pr_lines", []TeamSettings{{ID: "search", JQL: "project = SRCH", Coaching: &CoachingSettings{MaxPRLines: 900}}}, func(t *testing.T, c *Config) {
			tm, _ := c.Team("search")
			if tm.GitHub.MaxPRLines != 900 {
				t.Errorf("max_pr_lines = %d, want 900", tm.GitHub.MaxPRLines)
			}
		}, nil},
		{"invalid coaching keys are named as the file's", []TeamSettings{{ID: "payments", JQL: "project = PAY", Coaching: &CoachingSettings{
			Schedules:    Schedules{Digest: Schedule{Spec: "every monday", Set: true}},
			StalledAfter: WorkDuration{30 * time.Minute}, MaxPoints: -1, MaxPRLines: -5, WorkingHours: "17:00-09:00",
			Holidays: []string{"2026-12-25", "25.12.2026"},
		}, Stages: []Stage{{Name: "Build", Active: []string{"Doing"}, WIPLimit: -2}}}}, nil, []string{
			`teams[0].github.max_pr_lines: -5 is too small`,
			`teams[0].holidays[1]: "25.12.2026" is not a date`,
			`teams[0].max_points: -1 is negative`,
			`teams[0].schedules.digest: "every monday" is not a schedule`,
			`teams[0].stages[0].wip_limit: -2 is negative`,
			`teams[0].stalled_after: 30m0s is too short`,
			`teams[0].working_hours: `,
		}},
		{"invalid override reports the file's problems", []TeamSettings{{ID: "search", Channel: "C0PAYMENTS", Timezone: "Mars/Olympus", WIPLimit: -1}}, nil, []string{
			`teams[1].channel: channel C0PAYMENTS is already teams[0]'s; a channel belongs to one team`,
			`teams[1].timezone: unknown time zone "Mars/Olympus"`,
			`teams[1].wip_limit: -1 is negative; use a number of items such as 6, or leave it out for no limit`,
			`teams[1]: no work source; set jira.jql, github.repos, or both`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := mustParse(t, overrideBase)
			got, err := Apply(file, tt.overrides)
			if tt.problems != nil {
				var ps Problems
				if !errors.As(err, &ps) {
					t.Fatalf("Apply: got %v, want Problems", err)
				}
				var strs []string
				for _, p := range ps {
					strs = append(strs, p.String())
				}
				slices.Sort(strs)
				for i, want := range tt.problems {
					if i >= len(strs) || !strings.HasPrefix(strs[i], want) {
						t.Errorf("problems = %q, want entry %d starting with %q", strs, i, want)
					}
				}
				if len(strs) != len(tt.problems) {
					t.Errorf("got %d problems %q, want %d", len(strs), strs, len(tt.problems))
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			tt.check(t, got)
			if diff := cmp.Diff(file, mustParse(t, overrideBase), ignoreLoc); diff != "" {
				t.Errorf("Apply changed the file's config (-got +want):\n%s", diff)
			}
		})
	}
}

// The exported configuration parses back to the effective one.
func TestMarshalRoundTripsThroughParse(t *testing.T) {
	file := mustParse(t, overrideBase)
	eff, err := Apply(file, []TeamSettings{{ID: "search", Channel: "C0SEARCH", JQL: "project = SRCH", WIPLimit: 4,
		Stages: []Stage{{Name: "Doing", Active: []string{"In Progress"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(eff)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse of exported config: %v\n%s", err, data)
	}
	if diff := cmp.Diff(got, eff, ignoreLoc, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip (-got +want):\n%s", diff)
	}
	if !strings.Contains(string(data), "admins:\n  - U0ADMIN") || !strings.Contains(string(data), "wip_limit: 4") {
		t.Errorf("export lacks admins or wip_limit:\n%s", data)
	}
}

func TestSettingsEncoding(t *testing.T) {
	tests := []struct {
		name string
		s    TeamSettings
	}{
		{"before coaching keys", TeamSettings{ID: "payments", Name: "P", Repos: []string{"a/b"}, Stages: []Stage{{Name: "Build", Active: []string{"Doing"}}}, WIPLimit: 3}},
		{"coaching keys left out", TeamSettings{ID: "payments", Coaching: &CoachingSettings{}}},
		{"every key", TeamSettings{ID: "payments", Stages: []Stage{{Name: "Build", Active: []string{"Doing"}, WIPLimit: 2}}, Coaching: &CoachingSettings{
			Schedules:    Schedules{FlowCheck: Schedule{Spec: "0 10 * * 1-5", Set: true}, Standup: Schedule{Set: true}},
			StalledAfter: WorkDuration{36 * time.Hour}, BlockedAfter: WorkDuration{48 * time.Hour}, RepeatEvery: WorkDuration{24 * time.Hour},
			MaxPoints: 8, MaxPRLines: 600, WorkingHours: "08:30-16:30", Holidays: []string{"2026-12-25"},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := MarshalSettings(tt.s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseSettings(data)
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if diff := cmp.Diff(got, tt.s, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-got +want):\n%s\n%s", diff, data)
			}
		})
	}
	for _, bad := range []string{"id: x\nbogus: 1\n", "name: no id\n", "[1, 2]"} {
		if _, err := ParseSettings([]byte(bad)); err == nil {
			t.Errorf("ParseSettings(%q): no error", bad)
		}
	}
}

func TestDiff(t *testing.T) {
	old := TeamSettings{ID: "p", Name: "P", Repos: []string{"a/b"}, Stages: []Stage{{Name: "Build", Active: []string{"Doing"}}}}
	new := TeamSettings{ID: "p", Name: "P", Repos: []string{"a/b", "a/c"}, WIPLimit: 5,
		Stages: []Stage{{Name: "Build", Active: []string{"Doing"}, Wait: []string{"Blocked"}}, {Name: "Done", Done: []string{"Done"}}}}
	got := Diff(old, new)
	want := []Change{
		{Path: "github.repos", Old: "a/b", New: "a/b, a/c"},
		{Path: "stages[0].wait", Old: "", New: "Blocked"},
		{Path: "stages[1].name", Old: "", New: "Done"},
		{Path: "stages[1].done", Old: "", New: "Done"},
		{Path: "wip_limit", Old: "", New: "5"},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
	if got := Diff(new, new); len(got) != 0 {
		t.Errorf("Diff of equal settings = %v, want none", got)
	}
	// Coaching keys, by the file's paths; a schedule's three states.
	coached := new
	coached.Stages = []Stage{{Name: "Build", Active: []string{"Doing"}, Wait: []string{"Blocked"}, WIPLimit: 2}, {Name: "Done", Done: []string{"Done"}}}
	coached.Coaching = &CoachingSettings{
		Schedules:    Schedules{FlowCheck: Schedule{Spec: "0 10 * * 1-5", Set: true}, Standup: Schedule{Set: true}},
		StalledAfter: WorkDuration{36 * time.Hour}, BlockedAfter: WorkDuration{48 * time.Hour}, RepeatEvery: WorkDuration{24 * time.Hour},
		MaxPoints: 8, MaxPRLines: 600, WorkingHours: "08:30-16:30", Holidays: []string{"2026-12-25", "2026-12-26"},
	}
	was := new
	was.Coaching = &CoachingSettings{MaxPRLines: 400, Schedules: Schedules{Digest: Schedule{Spec: "0 9 * * 1", Set: true}}}
	got = Diff(was, coached)
	want = []Change{
		{Path: "github.max_pr_lines", Old: "400", New: "600"},
		{Path: "stages[0].wip_limit", Old: "", New: "2"},
		{Path: "working_hours", Old: "", New: "08:30-16:30"},
		{Path: "holidays", Old: "", New: "2026-12-25, 2026-12-26"},
		{Path: "schedules.flow_check", Old: "", New: "0 10 * * 1-5"},
		{Path: "schedules.standup", Old: "", New: "off"},
		{Path: "schedules.digest", Old: "0 9 * * 1", New: ""},
		{Path: "stalled_after", Old: "", New: "36h"},
		{Path: "blocked_after", Old: "", New: "2d"},
		{Path: "repeat_every", Old: "", New: "1d"},
		{Path: "max_points", Old: "", New: "8"},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("coaching keys (-got +want):\n%s", diff)
	}
	if got := Diff(coached, coached.Settings()); len(got) != 0 {
		t.Errorf("Diff of equal settings = %v, want none", got)
	}
}

func TestAdmins(t *testing.T) {
	c := mustParse(t, overrideBase)
	if !c.IsAdmin("U0ADMIN") || c.IsAdmin("U0OTHER") || c.IsAdmin("") {
		t.Errorf("IsAdmin wrong for %v", c.Admins)
	}
	_, err := Parse([]byte(strings.Replace(overrideBase, "[U0ADMIN]", "[U0ADMIN, alice]", 1)))
	if err == nil || !strings.Contains(err.Error(), `admins[1]: "alice" is not a Slack user ID`) {
		t.Errorf("Parse with a bad admin: got %v", err)
	}
}

func TestScheduleText(t *testing.T) {
	tests := []struct {
		name string
		text string
		want Schedule
	}{
		{"empty is the default", " ", Schedule{}},
		{"off switches it off", "Off", Schedule{Set: true}},
		{"an expression", " 0 10 * * 1-5 ", Schedule{Spec: "0 10 * * 1-5", Set: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseScheduleText(tt.text)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
			if back := ParseScheduleText(ScheduleText(got)); back != got {
				t.Errorf("ScheduleText %q reads back as %+v, want %+v", ScheduleText(got), back, got)
			}
		})
	}
}

func TestParseWorkDuration(t *testing.T) {
	tests := []struct {
		text    string
		want    time.Duration
		wantErr string
	}{
		{"", 0, ""},
		{"5d", 120 * time.Hour, ""},
		{"1.5d", 36 * time.Hour, ""},
		{"36h", 36 * time.Hour, ""},
		{"five days", 0, `expected working time such as 5d (working days) or 36h, found "five days"`},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := ParseWorkDuration(tt.text)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got.Duration != tt.want {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
