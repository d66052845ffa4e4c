package config

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gopkg.in/yaml.v3"

	"github.com/flowbot/flowbot/coach"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var ignoreLoc = cmpopts.IgnoreUnexported(Team{})

func TestParseInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no test cases under testdata/invalid")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(data)
			if err == nil {
				t.Fatalf("Parse succeeded, want problems; config: %+v", c)
			}
			var probs Problems
			if !errors.As(err, &probs) {
				t.Fatalf("Parse error %T %q is not Problems", err, err)
			}
			for _, p := range probs {
				if p.Message == "" {
					t.Errorf("problem at %q has no message", p.Path)
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(got, string(want)); diff != "" {
				t.Errorf("problems differ from %s (-got +want):\n%s", golden, diff)
			}
		})
	}
}

// Every golden file must belong to a case, or a renamed case leaves a stale
// expectation behind.
func TestGoldenFilesHaveCases(t *testing.T) {
	err := filepath.WalkDir("testdata/invalid", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(path, ".golden") {
			return err
		}
		if _, err := os.Stat(strings.TrimSuffix(path, ".golden") + ".yaml"); err != nil {
			t.Errorf("%s has no .yaml next to it", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestParseValid(t *testing.T) {
	c, err := Load("testdata/valid.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := &Config{
		Timezone:     "UTC",
		SyncInterval: Duration{10 * time.Minute},
		Jira: Jira{
			Flavor:             "cloud",
			ExcludeResolutions: []string{"Won't Do", "Duplicate", "Cannot Reproduce"},
		},
		Teams: []Team{{
			ID:       "payments",
			Name:     "Payments",
			Channel:  "C0PAYMENTS",
			Timezone: "Europe/Berlin",
			Jira: TeamJira{
				JQL:         "project = PAY",
				IncidentJQL: "project = OPS AND issuetype = Incident AND component = Payments",
				PointsField: "customfield_10028",
			},
			GitHub: TeamGitHub{
				Repos:                 []string{"acme/payments-api", "acme/payments-web"},
				ProductionEnvironment: "(?i)^(prod|production)(-eu)?$",
				DeployWorkflow:        "deploy.yml",
				MaxPRLines:            300,
				HotfixPattern:         "(?i)^(hotfix|fix)/",
				Bots:                  []string{"renovate-bot", "acme-release[bot]"},
			},
			DORA:        TeamDORA{AttributionWindow: Duration{72 * time.Hour}},
			Kinds:       map[string]string{"Story": "feature", "Production Bug": "defect", "task": "other"},
			WorkingDays: []string{"Sun", "monday", "Tue", "Wed", "THURSDAY"},
			Stages: []Stage{
				{Name: "Build", Active: []string{"In Progress"}, Wait: []string{"Blocked"}},
				{Name: "Review", Active: []string{"In Review"}, Wait: []string{"Ready for Review"}},
				{Name: "Done", Done: []string{"Done", "Closed"}},
			},
		}},
	}
	if diff := cmp.Diff(c, want, ignoreLoc); diff != "" {
		t.Errorf("config (-got +want):\n%s", diff)
	}
	if got := c.Teams[0].Location().String(); got != "Europe/Berlin" {
		t.Errorf("Location() = %s, want Europe/Berlin", got)
	}
}

// defaulted is team with the defaults of the issue 3 keys, spelled out
// rather than taken from setDefaults so that a changed default shows here.
func defaulted(team Team) Team {
	team.Jira.IncidentJQL = "issuetype = Incident"
	team.Jira.PointsField = "customfield_10016"
	team.GitHub.ProductionEnvironment = "(?i)^prod"
	team.GitHub.HotfixPattern = "(?i)^hotfix[/-]"
	team.GitHub.MaxPRLines = 400
	team.DORA.AttributionWindow = Duration{48 * time.Hour}
	team.WorkingDays = []string{"Mon", "Tue", "Wed", "Thu", "Fri"}
	return team
}

func TestParseDefaults(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want *Config
	}{
		{
			name: "minimal team gets every default",
			yaml: "teams:\n  - id: payments\n    jira:\n      jql: project = PAY\n",
			want: &Config{
				Timezone:     "UTC",
				SyncInterval: Duration{10 * time.Minute},
				Jira:         Jira{Flavor: "cloud", ExcludeResolutions: []string{"Won't Do", "Duplicate", "Cannot Reproduce"}},
				Teams:        []Team{defaulted(Team{ID: "payments", Name: "payments", Timezone: "UTC", Jira: TeamJira{JQL: "project = PAY"}})},
			},
		},
		{
			name: "team takes the top-level time zone",
			yaml: "timezone: America/New_York\nteams:\n  - id: core\n    github:\n      repos: [acme/core]\n",
			want: &Config{
				Timezone:     "America/New_York",
				SyncInterval: Duration{10 * time.Minute},
				Jira:         Jira{Flavor: "cloud", ExcludeResolutions: []string{"Won't Do", "Duplicate", "Cannot Reproduce"}},
				Teams:        []Team{defaulted(Team{ID: "core", Name: "core", Timezone: "America/New_York", GitHub: TeamGitHub{Repos: []string{"acme/core"}}})},
			},
		},
		{
			name: "explicit empty exclusions keep every resolution",
			yaml: "sync_interval: 1m\njira:\n  flavor: datacenter\n  exclude_resolutions: []\nteams:\n  - id: core\n    github:\n      repos: [acme/core]\n",
			want: &Config{
				Timezone:     "UTC",
				SyncInterval: Duration{time.Minute},
				Jira:         Jira{Flavor: "datacenter", ExcludeResolutions: []string{}},
				Teams:        []Team{defaulted(Team{ID: "core", Name: "core", Timezone: "UTC", GitHub: TeamGitHub{Repos: []string{"acme/core"}}})},
			},
		},
		{
			name: "null values read as absent",
			yaml: "timezone:\nsync_interval: ~\njira:\n  exclude_resolutions:\nteams:\n  - id: core\n    name:\n    github:\n      repos: [acme/core]\n",
			want: &Config{
				Timezone:     "UTC",
				SyncInterval: Duration{10 * time.Minute},
				Jira:         Jira{Flavor: "cloud", ExcludeResolutions: []string{"Won't Do", "Duplicate", "Cannot Reproduce"}},
				Teams:        []Team{defaulted(Team{ID: "core", Name: "core", Timezone: "UTC", GitHub: TeamGitHub{Repos: []string{"acme/core"}}})},
			},
		},
		{
			name: "anchors and merge keys share settings between teams",
			yaml: `teams:
  - &base
    id: payments
    channel: C0PAY
    jira: {jql: project = PAY}
    stages: &stages
      - {name: Build, active: [In Progress]}
      - {name: Done, done: [Done]}
  - <<: *base
    id: checkout
    channel: C0CHK
    github: {repos: [acme/checkout]}
  - id: core
    stages: *stages
    jira: {jql: project = CORE}
`,
			want: &Config{
				Timezone:     "UTC",
				SyncInterval: Duration{10 * time.Minute},
				Jira:         Jira{Flavor: "cloud", ExcludeResolutions: []string{"Won't Do", "Duplicate", "Cannot Reproduce"}},
				Teams: []Team{
					defaulted(Team{
						ID: "payments", Name: "payments", Channel: "C0PAY", Timezone: "UTC",
						Jira:   TeamJira{JQL: "project = PAY"},
						Stages: []Stage{{Name: "Build", Active: []string{"In Progress"}}, {Name: "Done", Done: []string{"Done"}}},
					}),
					defaulted(Team{
						ID: "checkout", Name: "checkout", Channel: "C0CHK", Timezone: "UTC",
						Jira:   TeamJira{JQL: "project = PAY"},
						GitHub: TeamGitHub{Repos: []string{"acme/checkout"}},
						Stages: []Stage{{Name: "Build", Active: []string{"In Progress"}}, {Name: "Done", Done: []string{"Done"}}},
					}),
					defaulted(Team{
						ID: "core", Name: "core", Timezone: "UTC",
						Jira:   TeamJira{JQL: "project = CORE"},
						Stages: []Stage{{Name: "Build", Active: []string{"In Progress"}}, {Name: "Done", Done: []string{"Done"}}},
					}),
				},
			},
		},
		{
			name: "document markers around the one document are harmless",
			yaml: "---\nteams:\n  - id: payments\n    jira:\n      jql: project = PAY\n---\n",
			want: &Config{
				Timezone:     "UTC",
				SyncInterval: Duration{10 * time.Minute},
				Jira:         Jira{Flavor: "cloud", ExcludeResolutions: []string{"Won't Do", "Duplicate", "Cannot Reproduce"}},
				Teams:        []Team{defaulted(Team{ID: "payments", Name: "payments", Timezone: "UTC", Jira: TeamJira{JQL: "project = PAY"}})},
			},
		},
		{
			name: "numbers and booleans are text where text is wanted",
			yaml: "teams:\n  - id: 2024\n    name: yes\n    jira:\n      jql: project = PAY\n",
			want: &Config{
				Timezone:     "UTC",
				SyncInterval: Duration{10 * time.Minute},
				Jira:         Jira{Flavor: "cloud", ExcludeResolutions: []string{"Won't Do", "Duplicate", "Cannot Reproduce"}},
				Teams:        []Team{defaulted(Team{ID: "2024", Name: "yes", Timezone: "UTC", Jira: TeamJira{JQL: "project = PAY"}})},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(got, tt.want, ignoreLoc); diff != "" {
				t.Errorf("config (-got +want):\n%s", diff)
			}
			for _, team := range got.Teams {
				if got, want := team.Location().String(), team.Timezone; got != want {
					t.Errorf("team %s: Location() = %s, want %s", team.ID, got, want)
				}
			}
		})
	}
}

// A Config written back out, with its defaults filled in, parses to itself.
func TestMarshalRoundTrip(t *testing.T) {
	c, err := Load("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse of marshalled config: %v\n%s", err, data)
	}
	// Empty and absent lists differ only for exclude_resolutions, which
	// Parse never leaves nil.
	if diff := cmp.Diff(got, c, ignoreLoc, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip (-got +want):\n%s", diff)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file: got %v, want an error wrapping fs.ErrNotExist", err)
	}
}

func TestValidateCodeBuilt(t *testing.T) {
	tests := []struct {
		name     string
		config   Config
		wantZone string
		want     Problems
	}{
		{
			name: "team zone falls back to the top-level zone",
			config: Config{
				Timezone: "Asia/Tokyo", SyncInterval: Duration{time.Hour}, Jira: Jira{Flavor: FlavorCloud},
				Teams: []Team{{ID: "core", Jira: TeamJira{JQL: "project = CORE"}, GitHub: TeamGitHub{MaxPRLines: 400}, DORA: TeamDORA{Duration{48 * time.Hour}}}},
			},
			wantZone: "Asia/Tokyo",
		},
		{
			name: "no zones at all is UTC",
			config: Config{
				SyncInterval: Duration{time.Hour}, Jira: Jira{Flavor: FlavorDataCenter},
				Teams: []Team{{ID: "core", Jira: TeamJira{JQL: "project = CORE"}, GitHub: TeamGitHub{MaxPRLines: 1}, DORA: TeamDORA{Duration{time.Minute}}}},
			},
			wantZone: "UTC",
		},
		{
			name: "zero values are reported, not defaulted",
			config: Config{
				Teams: []Team{{ID: "core", Jira: TeamJira{JQL: "project = CORE"}}},
			},
			wantZone: "UTC",
			want: Problems{
				{Path: "sync_interval", Message: "0s is too short; use 1m or more (Jira and GitHub limit how often flowbot may ask)"},
				{Path: "jira.flavor", Message: "missing; use cloud or datacenter"},
				{Path: "teams[0].github.max_pr_lines", Message: "0 is too small; use 1 or more, such as 400 (lines added plus lines deleted)"},
				{Path: "teams[0].dora.attribution_window", Message: "0s is not a window; use a positive duration such as 48h"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.config.Validate()
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Validate (-got +want):\n%s", diff)
			}
			if got := tt.config.Teams[0].Location().String(); got != tt.wantZone {
				t.Errorf("Location() = %s, want %s", got, tt.wantZone)
			}
		})
	}
}

func TestLocationWithoutValidate(t *testing.T) {
	tests := []struct {
		zone string
		want string
	}{
		{"Europe/Berlin", "Europe/Berlin"},
		{"", "UTC"},
		{"Nowhere/Special", "UTC"},
		{"Local", "UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.want+"_from_"+tt.zone, func(t *testing.T) {
			team := Team{ID: "core", Timezone: tt.zone}
			if got := team.Location().String(); got != tt.want {
				t.Errorf("Location() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestTeamLookup(t *testing.T) {
	c, err := Parse([]byte(`teams:
  - id: payments
    channel: C0PAY
    jira: {jql: project = PAY}
  - id: core
    jira: {jql: project = CORE}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		lookup func() (*Team, bool)
		want   string // team id; "" for not found
	}{
		{"by id", func() (*Team, bool) { return c.Team("core") }, "core"},
		{"by unknown id", func() (*Team, bool) { return c.Team("nope") }, ""},
		{"by channel", func() (*Team, bool) { return c.TeamByChannel("C0PAY") }, "payments"},
		{"by unknown channel", func() (*Team, bool) { return c.TeamByChannel("C0NOPE") }, ""},
		{"empty channel matches no channel-less team", func() (*Team, bool) { return c.TeamByChannel("") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			team, ok := tt.lookup()
			got := ""
			if ok {
				got = team.ID
			}
			if got != tt.want {
				t.Errorf("got team %q, want %q", got, tt.want)
			}
		})
	}
	// The pointer is into the config, so the loaded location comes along.
	team, _ := c.Team("payments")
	if team != &c.Teams[0] {
		t.Error("Team returned a copy, want a pointer into Config.Teams")
	}
}

func TestWorkflow(t *testing.T) {
	c, err := Load("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	statuses := []coach.Status{
		{ID: "1", Name: "To Do", Category: coach.CategoryNew},
		{ID: "3", Name: "In Progress", Category: coach.CategoryIndeterminate},
	}
	team := &c.Teams[0]
	got := team.Workflow(statuses, c.Jira.ExcludeResolutions)
	want := coach.Workflow{
		Stages: []coach.Stage{
			{Name: "Build", Active: []string{"In Progress"}, Wait: []string{"Blocked"}},
			{Name: "Review", Active: []string{"In Review"}, Wait: []string{"Ready for Review"}},
			{Name: "Done", Done: []string{"Done", "Closed"}},
		},
		Statuses:           statuses,
		ExcludeResolutions: []string{"Won't Do", "Duplicate", "Cannot Reproduce"},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Workflow (-got +want):\n%s", diff)
	}

	got.Stages[0].Active[0] = "changed"
	got.Statuses[0].Name = "changed"
	got.ExcludeResolutions[0] = "changed"
	if team.Stages[0].Active[0] != "In Progress" || statuses[0].Name != "To Do" || c.Jira.ExcludeResolutions[0] != "Won't Do" {
		t.Error("changing the workflow changed the config or the statuses passed in")
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"id", "name", "channel", "timezone", "jira", "github", "stages"}
	tests := []struct {
		got  string
		want string
	}{
		{"chanel", "channel"},
		{"Channel", "channel"},
		{"time_zone", "timezone"},
		{"stage", "stages"},
		{"githb", "github"},
		{"project", ""},
		{"x", ""},
		{"ib", "id"},
		{"xy", ""}, // two edits from id is all of it
	}
	for _, tt := range tests {
		t.Run(tt.got, func(t *testing.T) {
			if got := suggest(tt.got, keys); got != tt.want {
				t.Errorf("suggest(%q) = %q, want %q", tt.got, got, tt.want)
			}
		})
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		name string
		p    Problem
		want string
	}{
		{"path and message", Problem{Path: "teams[1].timezone", Message: `unknown time zone "Europe/Berln"; use an IANA name such as Europe/Berlin`},
			`teams[1].timezone: unknown time zone "Europe/Berln"; use an IANA name such as Europe/Berlin`},
		{"with line", Problem{Path: "teams", Line: 3, Message: "no teams"}, "line 3: teams: no teams"},
		{"message only", Problem{Line: 2, Message: "invalid YAML: did not find expected key"}, "line 2: invalid YAML: did not find expected key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}
