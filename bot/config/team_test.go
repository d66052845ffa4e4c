package config

import (
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestKindOf(t *testing.T) {
	c, err := Load("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	configured := &c.Teams[0] // Story: feature, Production Bug: defect, task: other
	tests := []struct {
		name      string
		team      *Team
		issueType string
		want      string
	}{
		{"default feature", &Team{}, "Story", KindFeature},
		{"default feature in any case", &Team{}, "IMPROVEMENT", KindFeature},
		{"default defect", &Team{}, "Bug", KindDefect},
		{"default incident is a defect", &Team{}, "Incident", KindDefect},
		{"default risk", &Team{}, "Vulnerability", KindRisk},
		{"default spike is risk", &Team{}, "spike", KindRisk},
		{"default debt with a space", &Team{}, "Tech Debt", KindDebt},
		{"default technical debt", &Team{}, "technical debt", KindDebt},
		{"default refactor", &Team{}, "Refactor", KindDebt},
		{"surrounding space is ignored", &Team{}, "  Epic ", KindFeature},
		{"unknown type is other", &Team{}, "Sub-task", KindOther},
		{"empty type is other", &Team{}, "", KindOther},
		{"configured type", configured, "production bug", KindDefect},
		{"configured over a default", configured, "Task", KindOther},
		{"defaults still apply beside configured types", configured, "Chore", KindDebt},
		{"configured value in any case", &Team{Kinds: map[string]string{"Ops": "Risk"}}, "ops", KindRisk},
		{"code-built invalid value falls back to the default", &Team{Kinds: map[string]string{"Bug": "bugfix"}}, "Bug", KindDefect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.team.KindOf(tt.issueType); got != tt.want {
				t.Errorf("KindOf(%q) = %q, want %q", tt.issueType, got, tt.want)
			}
		})
	}
}

func TestDefaultKindsAreFresh(t *testing.T) {
	DefaultKinds()["story"] = KindDebt
	if got := (&Team{}).KindOf("Story"); got != KindFeature {
		t.Errorf("changing DefaultKinds' result changed KindOf: got %q, want %q", got, KindFeature)
	}
}

func TestWorkdays(t *testing.T) {
	weekdays := [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	tests := []struct {
		name string
		yaml string // working_days line; "" leaves it out
		want [7]bool
	}{
		{"absent is Monday to Friday", "", weekdays},
		{"short names", "working_days: [Sun, Mon, Tue, Wed, Thu]",
			[7]bool{time.Sunday: true, time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true}},
		{"full names in any case", "working_days: [monday, WEDNESDAY, Friday, saturday]",
			[7]bool{time.Monday: true, time.Wednesday: true, time.Friday: true, time.Saturday: true}},
		{"every day", "working_days: [Sun, Mon, Tue, Wed, Thu, Fri, Sat]",
			[7]bool{true, true, true, true, true, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte("teams:\n  - id: core\n    jira: {jql: project = CORE}\n    " + tt.yaml + "\n"))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(c.Teams[0].Workdays(), tt.want); diff != "" {
				t.Errorf("Workdays (-got +want):\n%s", diff)
			}
		})
	}
	t.Run("code-built team without days works Monday to Friday", func(t *testing.T) {
		if diff := cmp.Diff((&Team{}).Workdays(), weekdays); diff != "" {
			t.Errorf("Workdays (-got +want):\n%s", diff)
		}
	})
}

func TestPatterns(t *testing.T) {
	c, err := Load("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defaults, err := Parse([]byte("teams:\n  - id: core\n    jira: {jql: project = CORE}\n"))
	if err != nil {
		t.Fatal(err)
	}
	configured, defaulted := &c.Teams[0], &defaults.Teams[0]
	tests := []struct {
		name    string
		team    *Team
		pattern func(*Team) string
		want    string
	}{
		{"production environment as configured", configured, prodEnv, "(?i)^(prod|production)(-eu)?$"},
		{"hotfix pattern as configured", configured, hotfix, "(?i)^(hotfix|fix)/"},
		{"default production environment", defaulted, prodEnv, DefaultProductionEnvironment},
		{"default hotfix pattern", defaulted, hotfix, DefaultHotfixPattern},
		{"code-built production environment", &Team{GitHub: TeamGitHub{ProductionEnvironment: "^live$"}}, prodEnv, "^live$"},
		{"code-built empty production environment is the default", &Team{}, prodEnv, DefaultProductionEnvironment},
		{"code-built bad production environment is the default", &Team{GitHub: TeamGitHub{ProductionEnvironment: "("}}, prodEnv, DefaultProductionEnvironment},
		{"code-built hotfix pattern", &Team{GitHub: TeamGitHub{HotfixPattern: "^urgent/"}}, hotfix, "^urgent/"},
		{"code-built empty hotfix pattern is the default", &Team{}, hotfix, DefaultHotfixPattern},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.pattern(tt.team); got != tt.want {
				t.Errorf("pattern = %q, want %q", got, tt.want)
			}
		})
	}

	matches := []struct {
		name    string
		team    *Team
		pattern func(*Team) *regexp.Regexp
		text    string
		want    bool
	}{
		{"default prod matches Production", defaulted, (*Team).ProductionEnvironment, "Production", true},
		{"default prod matches prod-eu", defaulted, (*Team).ProductionEnvironment, "prod-eu", true},
		{"default prod skips staging", defaulted, (*Team).ProductionEnvironment, "staging", false},
		{"default prod skips preprod", defaulted, (*Team).ProductionEnvironment, "preprod", false},
		{"configured prod skips prod-us", configured, (*Team).ProductionEnvironment, "prod-us", false},
		{"default hotfix matches a branch", defaulted, (*Team).HotfixPattern, "hotfix/PAY-12", true},
		{"default hotfix matches a title", defaulted, (*Team).HotfixPattern, "Hotfix-login crash", true},
		{"default hotfix skips a feature branch", defaulted, (*Team).HotfixPattern, "feature/hotfix-docs", false},
	}
	for _, tt := range matches {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.pattern(tt.team).MatchString(tt.text); got != tt.want {
				t.Errorf("MatchString(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func prodEnv(t *Team) string { return t.ProductionEnvironment().String() }
func hotfix(t *Team) string  { return t.HotfixPattern().String() }
