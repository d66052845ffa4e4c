package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependenciesPointInward holds the architecture's import rules
// (../shared/design/architecture.md) so nobody has to argue about them:
// coach imports nothing of ours, bot only coach and its own config, the
// adapters only coach, and nothing but main wires them together.
func TestDependenciesPointInward(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const mod = "github.com/flowbot/flowbot/"
	allowed := map[string][]string{
		"coach":                          {},
		"bot/config":                     {"coach"},
		"bot":                            {"coach", "bot/config", "bot/chart"},
		"store":                          {"coach"},
		"integrations/retry":             {},
		"integrations/jira":              {"coach"},
		"integrations/github":            {"coach"},
		"integrations/slack":             {"bot", "bot/config", "bot/chart", "coach"},
		"integrations/observe":           {"bot", "bot/config", "bot/chart", "coach"},
		"bot/chart":                      {"coach"},
		"integrations/sampledata":        {"coach", "integrations/jira/jiratest", "integrations/github/githubtest", "integrations/slack/slacktest"},
		"integrations/jira/jiratest":     {"coach"},
		"integrations/github/githubtest": {},
	}
	for pkg, ok := range allowed {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", mod+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			rel, ours := strings.CutPrefix(dep, mod)
			if !ours || rel == pkg {
				continue
			}
			allowedDep := false
			for _, a := range ok {
				if rel == a {
					allowedDep = true
				}
			}
			if !allowedDep {
				t.Errorf("%s imports %s, which the architecture does not allow", pkg, rel)
			}
		}
	}
	// coach is pure: the standard library only.
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", mod+"coach").Output()
	if err != nil {
		t.Fatal(err)
	}
	if deps := strings.Fields(string(out)); len(deps) != 1 {
		t.Errorf("coach depends on more than the standard library: %v", deps)
	}
}
