package config

import (
	"errors"
	"slices"
	"strings"
	"testing"

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
		Stages: []Stage{{Name: "Build", Active: []string{"In Progress"}, Wait: []string{"Blocked"}}, {Name: "Done", Done: []string{"Done"}}}}
	added := TeamSettings{ID: "search", Channel: "C0SEARCH", JQL: "project = SRCH"}
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
	s := TeamSettings{ID: "payments", Name: "P", Repos: []string{"a/b"}, Stages: []Stage{{Name: "Build", Active: []string{"Doing"}}}, WIPLimit: 3}
	data, err := MarshalSettings(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseSettings(data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, s, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
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
