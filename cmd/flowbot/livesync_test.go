package main

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/integrations/observe"
	"github.com/flowbot/flowbot/integrations/slack/slacktest"
)

// jiraOnlyConfig is the world's payments team without its repositories:
// a process serving it starts without a GitHub adapter.
func jiraOnlyConfig(t *testing.T) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "flowbot.yaml")
	if err := os.WriteFile(path, []byte("sync_interval: 1h\nteams:\n  - id: payments\n    channel: C0PAYMENTS\n    jira:\n      jql: project = PAY\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestLiveSyncPicksUpStoredSettings: settings stored since the process
// started (another replica saved them) are put in effect by the next sync
// run, which builds the GitHub adapter the new team needs and syncs it.
func TestLiveSyncPicksUpStoredSettings(t *testing.T) {
	r := startRedis(t)
	w := newWorld(t)
	file := jiraOnlyConfig(t)
	env := faultEnv(t, w, r.url(0), nil)
	logs := new(syncedBuffer)
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	db, src, closeDB, err := connect(t.Context(), file, env, 0, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	if src.github != nil {
		t.Fatal("a file without repositories built a GitHub adapter")
	}
	live := new(atomic.Pointer[config.Config])
	live.Store(file)
	sy := src.syncer(file, db, logger)
	sy.Live = live
	ls := newLiveSync(file, live, db, src, sy, env, logger)

	if sum := ls.run(t.Context()); sum.Err() != nil || len(sum.Teams) != 1 {
		t.Fatalf("first run: %+v", sum)
	}
	storeTeam(t, w, r.url(0), webTeam)
	sum := ls.run(t.Context())
	if err := sum.Err(); err != nil {
		t.Fatalf("run after the settings were stored: %v", err)
	}
	var teams []string
	for _, tr := range sum.Teams {
		teams = append(teams, tr.Team)
		if tr.Team == "web" && (tr.Items == 0 || tr.PRs == 0) {
			t.Errorf("the new team synced %d items and %d pull requests, want some of each", tr.Items, tr.PRs)
		}
	}
	if diff := cmp.Diff(teams, []string{"payments", "web"}); diff != "" {
		t.Errorf("teams synced (-got +want):\n%s", diff)
	}
	if _, ok := live.Load().Team("web"); !ok {
		t.Error("the stored team is not in effect after the run")
	}
	if src.github == nil || src.githubCalls.Calls() == 0 {
		t.Error("no GitHub adapter was built and used for the new team")
	}
	// Nothing changed since: the configuration in effect stays the same.
	before := live.Load()
	ls.run(t.Context())
	if live.Load() != before {
		t.Error("a run with unchanged settings replaced the configuration in effect")
	}
	assertNoSecrets(t, logs.String(), secretsOf(w))
}

// TestServeSyncsATeamSetUpInSlack: serve started with a Jira-only team; an
// admin sets up a team with a repository through the modal, and serve
// syncs it at once (no restart, no waiting for the hourly sync), with its
// API calls in /metrics, and answers for it.
func TestServeSyncsATeamSetUpInSlack(t *testing.T) {
	r := startRedis(t)
	w := newWorld(t)
	file := jiraOnlyConfig(t)
	sl, slackEnv := newSlack(t)
	sl.AddUser(slacktest.User{ID: "U0ADMIN", Name: "ada", IsAdmin: true})
	env := faultEnv(t, w, r.url(0), slackEnv)
	logs := new(syncedBuffer)
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	db, src, closeDB, err := connect(t.Context(), file, env, 0, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	reg := prometheus.NewRegistry()
	m, err := observe.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	src.instrument(m)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	served := make(chan error, 1)
	go func() {
		err := serveWith(ctx, file, env, db, src, logger, &probes{addr: addr, reg: reg, metrics: m})
		served <- err
		exited <- 0
	}()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	base := "http://" + addr
	waitReady(t, base+"/readyz", exited)

	opened := command(t, sl, "U0ADMIN", "C0WEB", "setup web")
	if opened.Via != "views.open" {
		t.Fatalf("/flow setup web: %q via %s, want the modal", opened.Text, opened.Via)
	}
	ack := submit(t, sl, "U0ADMIN", opened.ViewID, map[string]map[string]any{
		"id":       text("web"),
		"channel":  conversation("C0WEB"),
		"jql":      text("project = PAY"),
		"repos":    text("acme/payments-web"),
		"timezone": text("UTC"),
	})
	if ack["response_action"] != "update" {
		t.Fatalf("the submission was not saved: %v", ack)
	}
	waitFor(t, "the new team's first sync", func() bool {
		at, err := db.LastSync(t.Context(), "web")
		return err == nil && !at.IsZero()
	})

	prs := teamData(t, r.url(0), "web")["prs"].(map[string]string)
	if len(prs) == 0 {
		t.Fatal("no pull requests were stored for the team set up in Slack")
	}
	for key := range prs {
		if !strings.HasPrefix(key, "acme/payments-web") {
			t.Errorf("the new team stored pull request %s of a repository it does not have", key)
		}
	}
	if got := command(t, sl, "U0ADMIN", "C0WEB", "prs --since 60d").Text; !strings.Contains(got, "Pull requests · web") || !strings.Contains(got, "PRs merged") {
		t.Errorf("/flow prs in the new team's channel: %q", got)
	}
	if code, body := get(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz = %d after the new team synced:\n%s", code, body)
	}
	_, metrics := get(t, base+"/metrics")
	for _, want := range []string{
		`flowbot_api_calls_total{service="github",status="200"}`,
		`flowbot_pull_requests_stored{team="web"}`,
		`flowbot_scheduler_fires_total{job="sync",skipped="false"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s\n%s", want, flowbotLines(metrics))
		}
	}
	assertNoSecrets(t, logs.String(), secretsOf(w, faultAppToken, faultBotToken))
}

// waitFor polls cond until it holds, failing after a minute: for work that
// runs in the background of a real process.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("waited a minute for %s", what)
		case <-tick.C:
		}
	}
}

// TestLiveReadinessFollowsTeamsInEffect: /readyz checks the teams in
// effect now, not those there were at start.
func TestLiveReadinessFollowsTeamsInEffect(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	file := &config.Config{Teams: []config.Team{{ID: "payments"}}}
	withWeb := &config.Config{Teams: []config.Team{{ID: "payments"}, {ID: "web"}}}
	live := new(atomic.Pointer[config.Config])
	live.Store(file)
	r := &liveReadiness{
		Readiness: observe.Readiness{Redis: pingOK{}, Slack: connected{}, Syncs: lastSyncs{"payments": now.Add(-time.Minute)},
			Interval: 10 * time.Minute, Now: func() time.Time { return now }},
		live: live,
	}
	tests := []struct {
		name      string
		cfg       *config.Config
		wantReady bool
		wantTeams []string // not ready
	}{
		{"the file's team synced", file, true, nil},
		{"a team set up since, not synced yet", withWeb, false, []string{"web"}},
		{"back to the file", file, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live.Store(tt.cfg)
			rep := r.Check(t.Context())
			var teams []string
			for _, nr := range rep.NotReady {
				teams = append(teams, nr.Team)
			}
			if rep.Ready != tt.wantReady || !slices.Equal(teams, tt.wantTeams) {
				t.Errorf("report = %+v, want ready %v, not ready %v", rep, tt.wantReady, tt.wantTeams)
			}
		})
	}
}

type pingOK struct{}

func (pingOK) Ping(context.Context) error { return nil }

type connected struct{}

func (connected) Connected() bool { return true }

type lastSyncs map[string]time.Time

func (l lastSyncs) LastSync(_ context.Context, team string) (time.Time, error) { return l[team], nil }
