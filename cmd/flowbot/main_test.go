package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/flowbot/flowbot/integrations/github/githubtest"
	"github.com/flowbot/flowbot/integrations/jira/jiratest"
	"github.com/flowbot/flowbot/integrations/sampledata"
)

// runCmd runs flowbot as a process would, with its own streams.
func runCmd(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func TestDemoAnswersScriptedCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo syncs a generated company")
	}
	dir := t.TempDir()
	code, out, errOut := runCmd(t, nil, "/flow cycle-time\n\n/flow aging\nwip team:checkout public\n/flow cycle-time --since soon\n/flow nope\n",
		"demo", "--days", "60", "--out", dir)
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"Log: " + filepath.Join(dir, "flowbot.log"),
		"synced ",
		"> /flow cycle-time\nCycle time · Payments (last 90d",
		"Aging work in progress · Payments",
		"Work in progress · Checkout",
		"(visible to everyone in the channel; delivered via response_url)",
		"`--since soon` is not a window",
		"I don't know `nope`.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q\nstdout:\n%s", want, out)
		}
	}
	log, err := os.ReadFile(filepath.Join(dir, "flowbot.log"))
	if err != nil {
		t.Fatalf("demo log: %v", err)
	}
	if !strings.Contains(string(log), `"msg":"socket mode connected"`) {
		t.Errorf("demo log lacks the socket-mode connection:\n%s", log)
	}
	for _, secret := range []string{demoAppToken, demoBotToken, demoJiraToken, demoGHToken} {
		if strings.Contains(string(log)+out+errOut, secret) {
			t.Errorf("secret %q appeared in the demo's output or log", secret)
		}
	}
}

// world serves a small generated company from the stand-ins and writes a
// flowbot.yaml for it.
type world struct {
	jira   *jiratest.Server
	github *githubtest.Server
	redis  *miniredis.Miniredis
	env    map[string]string
	config string
	now    time.Time
	issues []jiratest.Issue
}

func newWorld(t *testing.T) *world {
	t.Helper()
	// The world ends at the real now: the GitHub backfill horizon is
	// relative to the clock. Answers are pinned with --now instead.
	now := time.Now().UTC().Truncate(time.Second)
	teams := sampledata.DefaultTeams()[:1] // payments
	w, err := sampledata.Generate(7, now, 60, teams)
	if err != nil {
		t.Fatal(err)
	}
	js := jiratest.NewServer(jiratest.Options{Statuses: w.Statuses, UserTimeZone: "America/New_York", Email: "bot@example.com", APIToken: "jira-secret", MaxPageSize: 25})
	t.Cleanup(js.Close)
	js.Put(w.Issues...)
	gs := githubtest.NewServer(githubtest.Options{Token: "gh-secret"})
	t.Cleanup(gs.Close)
	gs.Put(w.PRs...)
	mr := miniredis.RunT(t)
	cfgPath := filepath.Join(t.TempDir(), "flowbot.yaml")
	cfg := `
teams:
  - id: payments
    name: Payments
    channel: C0PAYMENTS
    timezone: Europe/Berlin
    jira:
      jql: project = PAY
    github:
      repos: [acme/payments-api, acme/payments-web]
    stages:
      - name: Build
        active: [In Progress]
        wait: [Blocked]
      - name: Review
        wait: [Ready for Review]
        active: [In Review]
      - name: Done
        done: [Done, Closed]
`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return &world{
		jira: js, github: gs, redis: mr, config: cfgPath, now: now, issues: w.Issues,
		env: map[string]string{
			"JIRA_BASE_URL": js.URL(), "JIRA_EMAIL": "bot@example.com", "JIRA_API_TOKEN": "jira-secret",
			"GITHUB_API_URL": gs.URL(), "GITHUB_TOKEN": "gh-secret",
			"REDIS_URL": "redis://" + mr.Addr() + "/0",
		},
	}
}

func count(reqs []string, substr string) int {
	n := 0
	for _, r := range reqs {
		if strings.Contains(r, substr) {
			n++
		}
	}
	return n
}

func TestSyncIsIncrementalAndAskAnswersFromTheStore(t *testing.T) {
	w := newWorld(t)

	// First run: a backfill, paged (25 issues a page), with a 429 on the way.
	w.jira.FailNext("/rest/api/2/search/jql", 429, "1", 1)
	code, out, errOut := runCmd(t, w.env, "", "sync", "--config", w.config)
	if code != 0 {
		t.Fatalf("first sync exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	var items, prs int
	if i := strings.Index(out, "synced "); i < 0 {
		t.Errorf("first sync printed no summary:\n%s", out)
	} else if _, err := fmt.Sscanf(out[i:], "synced %d items and %d pull requests", &items, &prs); err != nil || items == 0 || prs == 0 {
		t.Errorf("first sync stored %d items and %d pull requests (%v):\n%s", items, prs, err, out)
	}
	first := w.jira.Requests()
	if n := count(first, "/rest/api/2/search/jql"); n < 3 {
		t.Errorf("first sync made %d search requests, want at least 3 pages", n)
	}
	if !strings.Contains(errOut, "retrying request") {
		t.Errorf("the 429 left no log line:\n%s", errOut)
	}

	// Second run with nothing changed: one search page per query (work
	// items, incidents), no GitHub bodies.
	w.jira.ResetRequests()
	w.github.ResetRequests()
	code, out, errOut = runCmd(t, w.env, "", "sync", "--config", w.config)
	if code != 0 {
		t.Fatalf("second sync exited %d\n%s\n%s", code, out, errOut)
	}
	second := w.jira.Requests()
	if n := count(second, "/rest/api/2/search/jql"); n != 2 {
		t.Errorf("unchanged second sync made %d search requests, want 2 (items, incidents):\n%s", n, strings.Join(second, "\n"))
	}
	if n := count(second, "updated"); n == 0 {
		t.Errorf("second sync did not ask only for updated issues:\n%s", strings.Join(second, "\n"))
	}
	if n := count(w.github.Requests(), "/pulls/"); n != 0 {
		t.Errorf("unchanged second sync fetched %d pull requests or reviews:\n%s", n, strings.Join(w.github.Requests(), "\n"))
	}

	// One issue moves on: the third run fetches it, and the answer sees it.
	var wip jiratest.Issue
	for _, is := range w.issues {
		if is.Status == "In Progress" && !is.Subtask {
			wip = is
			break
		}
	}
	if wip.Key == "" {
		t.Fatal("generated world has no item in progress")
	}
	// It moves after everything the last sync saw, as a real change would.
	var moved time.Time
	for _, is := range w.issues {
		if is.Updated.After(moved) {
			moved = is.Updated
		}
	}
	moved = moved.Add(time.Minute)
	asOf := moved.Add(time.Minute).Format(time.RFC3339)
	wip.History = append(wip.History, jiratest.Change{At: moved, Author: wip.Assignee, Field: "status", From: "In Progress", To: "Done"})
	wip.Status, wip.Resolution, wip.Updated = "Done", "Done", moved
	w.jira.Put(wip)
	w.jira.ResetRequests()
	code, out, errOut = runCmd(t, w.env, "", "sync", "--config", w.config)
	if code != 0 {
		t.Fatalf("third sync exited %d\n%s\n%s", code, out, errOut)
	}
	// The moved item, plus any the 2-minute overlap re-reads.
	var stored int
	if _, err := fmt.Sscanf(out[strings.Index(out, "synced "):], "synced %d items", &stored); err != nil || stored < 1 || stored > 3 {
		t.Errorf("third sync stored %d items (%v), want the moved one and at most the overlap:\n%s", stored, err, out)
	}

	code, out, errOut = runCmd(t, w.env, "", "ask", "--config", w.config, "--team", "payments",
		"--now", asOf, "--format", "json", "aging")
	if code != 0 {
		t.Fatalf("ask exited %d\n%s\n%s", code, out, errOut)
	}
	var aging struct {
		Command string `json:"command"`
		Items   []struct {
			Key string `json:"key"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &aging); err != nil {
		t.Fatalf("ask --format json: %v\n%s", err, out)
	}
	if aging.Command != "aging" || len(aging.Items) == 0 {
		t.Errorf("aging answer = %+v, want items", aging)
	}
	for _, it := range aging.Items {
		if it.Key == wip.Key {
			t.Errorf("%s was done before now but is still listed as aging\n%s", wip.Key, out)
		}
	}

	// The same question as of the same instant gives the same answer.
	_, again, _ := runCmd(t, w.env, "", "ask", "--config", w.config, "--team", "payments",
		"--now", asOf, "--format", "json", "aging")
	if again != out {
		t.Errorf("ask --now is not reproducible:\n%s\nvs\n%s", out, again)
	}

	// No secret reaches the output or the logs.
	for _, secret := range []string{"jira-secret", "gh-secret"} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("secret %q appeared in the output", secret)
		}
	}
}

func TestAskText(t *testing.T) {
	w := newWorld(t)
	if code, out, errOut := runCmd(t, w.env, "", "sync", "--config", w.config, "--quiet"); code != 0 {
		t.Fatalf("sync exited %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut := runCmd(t, w.env, "", "ask", "--config", w.config, "cycle-time --since 30d", "--now", w.now.Format(time.RFC3339))
	if code != 0 {
		t.Fatalf("ask exited %d\n%s\n%s", code, out, errOut)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	want := fmt.Sprintf("*Cycle time · Payments* (last 30d, %s – %s)",
		w.now.Add(-30*24*time.Hour).In(berlin).Format("Jan 2, 2006"), w.now.In(berlin).Format("Jan 2, 2006"))
	if !strings.HasPrefix(out, want) {
		t.Errorf("ask text = %q", out)
	}
}

func TestUsageErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("teams:\n  - id: Payments\n    chanel: C1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(t.TempDir(), "good.yaml")
	if err := os.WriteFile(good, []byte("teams:\n  - id: payments\n    jira:\n      jql: project = PAY\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // in stdout or stderr
	}{
		{"no command", nil, 2, "Usage:"},
		{"unknown command", []string{"launch"}, 2, `unknown command "launch"`},
		{"config check names every problem", []string{"config", "check", "--config", bad}, 1, "teams[0].chanel: unknown key"},
		{"config check bad id", []string{"config", "check", "--config", bad}, 1, "teams[0].id"},
		{"missing config file", []string{"sync", "--config", "/nonexistent/flowbot.yaml"}, 1, "/nonexistent/flowbot.yaml"},
		{"ask without a command", []string{"ask", "--config", bad}, 2, "say which command"},
		{"ask bad format", []string{"ask", "--format", "xml", "wip"}, 2, `--format "xml"`},
		{"ask bad now", []string{"ask", "--now", "yesterday", "wip"}, 2, "RFC 3339"},
		{"unknown flag", []string{"sync", "--colour"}, 2, "flag provided but not defined"},
		{"ask needs the Redis that sync fills", []string{"ask", "--config", good, "wip"}, 2, "REDIS_URL is unset"},
		{"sync names missing credentials", []string{"sync", "--config", good}, 1, "JIRA_BASE_URL"},
		{"config check of a good file", []string{"config", "check", "--config", good}, 0, "is valid: 1 team(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, nil, "", tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d\n%s\n%s", code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out+errOut, tt.wantOut) {
				t.Errorf("output lacks %q:\n%s\n%s", tt.wantOut, out, errOut)
			}
		})
	}
}
