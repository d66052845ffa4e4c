package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/flowbot/flowbot/integrations/github/githubtest"
	"github.com/flowbot/flowbot/integrations/jira/jiratest"
	"github.com/flowbot/flowbot/integrations/sampledata"
	"github.com/flowbot/flowbot/integrations/slack/slacktest"
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
		"> /flow cycle-time\nCycle time · Payments\nItems finished: ",
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
	prs    []githubtest.PullRequest
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
		jira: js, github: gs, redis: mr, config: cfgPath, now: now, issues: w.Issues, prs: w.PRs,
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

// TestServeProbesMetricsAndSecretsFromFiles runs `flowbot serve` as a
// platform would: every secret from a file (as Kubernetes mounts them),
// GitHub as an App, probes and metrics on FLOWBOT_HTTP_ADDR. It waits for
// /readyz, sends a slash command through the Slack stand-in, scrapes
// /metrics, stops serve with its context, and checks no secret reached the
// logs.
func TestServeProbesMetricsAndSecretsFromFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("syncs a generated company and serves")
	}
	w := newWorld(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	app := githubtest.NewServer(githubtest.Options{App: &githubtest.App{ID: 4242, InstallationID: 77, Key: &key.PublicKey}})
	t.Cleanup(app.Close)
	app.Put(w.prs...)
	const appToken, botToken = "xapp-1-A0SERVE-serve-secret", "xoxb-serve-secret"
	sl := slacktest.NewServer(slacktest.Options{AppToken: appToken, BotToken: botToken})
	t.Cleanup(sl.Close)

	dir := t.TempDir()
	secretFile := func(name, value string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(value+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{
		"SLACK_APP_TOKEN_FILE":        secretFile("slack-app", appToken),
		"SLACK_BOT_TOKEN_FILE":        secretFile("slack-bot", botToken),
		"SLACK_API_URL":               sl.APIURL(),
		"JIRA_BASE_URL":               w.env["JIRA_BASE_URL"],
		"JIRA_EMAIL":                  w.env["JIRA_EMAIL"],
		"JIRA_API_TOKEN_FILE":         secretFile("jira", "jira-secret"),
		"GITHUB_API_URL":              app.URL(),
		"GITHUB_APP_ID":               "4242",
		"GITHUB_APP_INSTALLATION_ID":  "77",
		"GITHUB_APP_PRIVATE_KEY_FILE": secretFile("app.pem", string(keyPEM)),
		"REDIS_URL_FILE":              secretFile("redis", w.env["REDIS_URL"]),
		"FLOWBOT_HTTP_ADDR":           addr,
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"serve", "--config", w.config}, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	}()
	base := "http://" + addr
	waitReady(t, base+"/readyz", exited)

	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, base+path); code != 200 {
			t.Errorf("%s = %d, want 200\n%s", path, code, body)
		}
	}
	cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
	msg, err := sl.SlashCommand(cctx, slacktest.SlashCommand{Command: "/flow", Text: "wip", ChannelID: "C0PAYMENTS", UserID: "U1", UserName: "ada"})
	ccancel()
	if err != nil {
		t.Fatalf("slash command: %v", err)
	}
	if !strings.Contains(msg.Text, "Work in progress") {
		t.Errorf("answer = %q, want work in progress", msg.Text)
	}
	_, metrics := get(t, base+"/metrics")
	for _, want := range []string{
		`flowbot_slash_commands_total{command="wip",outcome="ok"} 1`,
		`flowbot_slash_command_duration_seconds_count{command="wip"} 1`,
		`flowbot_sync_runs_total{result="ok",source="jira"}`,
		`flowbot_sync_runs_total{result="ok",source="github"}`,
		`flowbot_sync_duration_seconds_count{source="github"}`,
		`flowbot_api_calls_total{service="github",status="201"} 1`, // the one installation token
		`flowbot_api_calls_total{service="github",status="200"}`,
		`flowbot_api_calls_total{service="jira",status="200"}`,
		`flowbot_items_stored{team="payments"}`,
		`flowbot_pull_requests_stored{team="payments"}`,
		`flowbot_scheduler_fires_total{job="sync",skipped="false"} 1`,
		"go_goroutines",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", flowbotLines(metrics))
	}
	if n := app.TokensIssued(); n != 1 {
		t.Errorf("the GitHub App was issued %d tokens, want 1", n)
	}

	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("serve exited %d after its context ended\nstderr:\n%s", code, stderr.String())
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the HTTP server still answers after serve returned")
	}
	logs := stdout.String() + stderr.String()
	for _, secret := range []string{appToken, botToken, "jira-secret", "ghs_standin", "PRIVATE KEY", "MII", w.redis.Addr() + "/0?"} {
		if strings.Contains(logs, secret) {
			t.Errorf("secret %q appeared in serve's output or log", secret)
		}
	}
	if !strings.Contains(logs, "serving probes and metrics") {
		t.Errorf("serve's log does not say where it serves probes:\n%s", logs)
	}
}

// waitReady polls url until it answers 200, serve exits, or 60s pass.
func waitReady(t *testing.T, url string, exited <-chan int) {
	t.Helper()
	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for {
		select {
		case code := <-exited:
			t.Fatalf("serve exited %d before it was ready", code)
		case <-deadline.C:
			t.Fatalf("%s never answered 200; last: %s", url, last)
		case <-tick.C:
			resp, err := http.Get(url)
			if err != nil {
				last = err.Error()
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

func flowbotLines(scrape string) string {
	var b strings.Builder
	for _, line := range strings.Split(scrape, "\n") {
		if strings.HasPrefix(line, "flowbot_") && !strings.Contains(line, "_bucket{") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
