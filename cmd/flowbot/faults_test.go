package main

// The faults flowbot survives (issue 6), each against a real Redis that the
// test starts, stops and restarts itself, and the stand-ins. Every test
// ends by scanning what flowbot logged for every configured secret.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/integrations/slack/slacktest"
	"github.com/flowbot/flowbot/store"
)

// redisProc is a redis-server of the test's own, on a free loopback port,
// with append-only persistence fsynced on every write, so it can be
// stopped and started again with its data, as a restarted Redis would.
type redisProc struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// startRedis starts a redis-server, skipping the test when none is
// installed (CI installs one).
func startRedis(t *testing.T) *redisProc {
	t.Helper()
	if testing.Short() {
		t.Skip("starts redis-server")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &redisProc{t: t, port: port, dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *redisProc) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// url is a REDIS_URL for database db.
func (r *redisProc) url(db int) string { return fmt.Sprintf("redis://%s/%d", r.addr(), db) }

// start runs redis-server and returns once it answers PING.
func (r *redisProc) start() {
	r.t.Helper()
	if r.cmd != nil {
		r.t.Fatal("redis-server is already running")
	}
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("starting redis-server: %v", err)
	}
	r.cmd, r.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(r.done) }()
	rdb := redis.NewClient(&redis.Options{Addr: r.addr(), MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := rdb.Ping(context.Background()).Err()
		if err == nil {
			return
		}
		select {
		case <-r.done:
			r.t.Fatalf("redis-server exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server did not answer within 20s: %v\n%s", err, out.String())
		}
		time.Sleep(20 * time.Millisecond) // polling for the process to come up, not a timed assertion
	}
}

// stop kills redis-server, as a crash would, and waits for it to exit.
func (r *redisProc) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	<-r.done
	r.cmd = nil
}

// faultEnv is a world's environment with REDIS_URL pointing at url.
func faultEnv(t *testing.T, w *world, redisURL string, extra map[string]string) config.Env {
	t.Helper()
	m := map[string]string{}
	for k, v := range w.env {
		m[k] = v
	}
	m["REDIS_URL"] = redisURL
	for k, v := range extra {
		m[k] = v
	}
	env, problems := config.EnvFrom(func(k string) string { return m[k] })
	if len(problems) > 0 {
		t.Fatalf("environment: %v", problems)
	}
	return env
}

// syncOnce connects, runs one sync of every team and returns its summary.
// prepare, when set, may change the sources first.
func syncOnce(t *testing.T, cfg *config.Config, env config.Env, logger *slog.Logger, prepare func(*sources)) bot.Summary {
	t.Helper()
	db, src, closeDB, err := connect(t.Context(), cfg, env, 0, logger)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer closeDB()
	if prepare != nil {
		prepare(src)
	}
	return src.syncer(cfg, db, logger).SyncAll(t.Context())
}

// cleanRun starts a Redis and a world and syncs the world cleanly into
// database 1: the store a faulty run must end up equal to.
func cleanRun(t *testing.T) (*redisProc, *world, *config.Config, *syncedBuffer, *slog.Logger, map[string]any) {
	t.Helper()
	r := startRedis(t)
	w := newWorld(t)
	cfg, err := loadConfig(w.config)
	if err != nil {
		t.Fatal(err)
	}
	logs := new(syncedBuffer)
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	if sum := syncOnce(t, cfg, faultEnv(t, w, r.url(1), nil), logger, nil); sum.Err() != nil {
		t.Fatalf("clean sync: %v", sum.Err())
	}
	return r, w, cfg, logs, logger, teamData(t, r.url(1), "payments")
}

// teamData reads everything a sync stores for a team that must not depend
// on when or how often it ran: the records, not the sync bookkeeping
// (cursors, last sync time).
func teamData(t *testing.T, redisURL, team string) map[string]any {
	t.Helper()
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx := t.Context()
	base := "flowbot:{" + team + "}:"
	out := map[string]any{}
	for _, h := range []string{"items", "prs", "incidents", "deployments", "flows"} {
		v, err := rdb.HGetAll(ctx, base+h).Result()
		if err != nil {
			t.Fatalf("HGETALL %s: %v", base+h, err)
		}
		out[h] = v
	}
	for _, z := range []string{"flows:done", "flows:wip", "flows:updated", "prs:time"} {
		v, err := rdb.ZRangeWithScores(ctx, base+z, 0, -1).Result()
		if err != nil {
			t.Fatalf("ZRANGE %s: %v", base+z, err)
		}
		out[z] = v
	}
	return out
}

// secretsOf are the values of the secrets a world configures.
func secretsOf(w *world, extra ...string) []string {
	return append([]string{w.env["JIRA_API_TOKEN"], w.env["GITHUB_TOKEN"]}, extra...)
}

// assertNoSecrets fails when any secret appears in what flowbot logged.
func assertNoSecrets(t *testing.T, logs string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			t.Fatal("an empty secret cannot be looked for")
		}
		if strings.Contains(logs, s) {
			t.Errorf("secret %q appeared in the log", s)
		}
	}
}

// syncedBuffer is a log destination safe for the goroutines of a serve.
type syncedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestFaultRedisRestartedMidSync: Redis goes away in the middle of a sync
// and comes back. That sync fails; the next one resumes, and the store then
// holds exactly what a clean sync stores: nothing lost, nothing twice.
func TestFaultRedisRestartedMidSync(t *testing.T) {
	r, w, cfg, logs, logger, want := cleanRun(t)
	if len(want["items"].(map[string]string)) == 0 || len(want["prs"].(map[string]string)) == 0 {
		t.Fatalf("the clean sync stored no items or no pull requests: %v", want)
	}

	// Into database 0: Redis is killed when Jira's second search page is
	// asked for, after the first page was stored. One process syncs both
	// times, as serve does: the lease its interrupted sync could not
	// release is its own to take back.
	env := faultEnv(t, w, r.url(0), nil)
	db, src, closeDB, err := connect(t.Context(), cfg, env, 0, logger)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer closeDB()
	syncer := src.syncer(cfg, db, logger)
	var searches atomic.Int32
	src.jiraCalls.Base = roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if strings.Contains(req.URL.Path, "/search") && searches.Add(1) == 2 {
			r.stop()
		}
		return http.DefaultTransport.RoundTrip(req)
	})
	sum := syncer.SyncAll(t.Context())
	if searches.Load() < 2 {
		t.Fatalf("jira was searched %d times; the fault needs a second page", searches.Load())
	}
	if err := sum.Err(); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("the interrupted sync ended with %v, want store.ErrUnavailable", err)
	}

	r.start()
	src.jiraCalls.Base = nil
	// go-redis holds off new dials for a moment after failed ones.
	for i := 0; db.Ping(t.Context()) != nil; i++ {
		if i == 200 {
			t.Fatal("redis did not answer after its restart")
		}
		time.Sleep(25 * time.Millisecond)
	}
	if sum := syncer.SyncAll(t.Context()); sum.Err() != nil {
		t.Fatalf("the sync after the restart: %v", sum.Err())
	}
	if diff := cmp.Diff(teamData(t, r.url(0), "payments"), want); diff != "" {
		t.Errorf("after an interrupted and a resumed sync the store differs from a clean sync's (-got +want):\n%s", diff)
	}
	assertNoSecrets(t, logs.String(), secretsOf(w))
}

// serveFor runs serveWith (the demo's serve: the socket-mode client and the
// background sync) until the test ends, and waits for its socket.
func serveFor(t *testing.T, cfg *config.Config, env config.Env, sl *slacktest.Server, logger *slog.Logger, prepare func(*sources)) {
	t.Helper()
	serveForTimeout(t, cfg, env, sl, logger, 0, prepare)
}

// serveForTimeout is serveFor with each HTTP attempt to Jira and GitHub
// bounded by timeout (0: the default).
func serveForTimeout(t *testing.T, cfg *config.Config, env config.Env, sl *slacktest.Server, logger *slog.Logger, timeout time.Duration, prepare func(*sources)) {
	t.Helper()
	db, src, closeDB, err := connect(t.Context(), cfg, env, timeout, logger)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if prepare != nil {
		prepare(src)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, cfg, env, db, src, logger) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil && ctx.Err() == nil {
			t.Errorf("serve: %v", err)
		}
		closeDB()
	})
	if err := waitConnected(ctx, sl, served); err != nil {
		t.Fatal(err)
	}
}

// slash sends one /flow command from the payments channel and returns the
// answer's text.
func slash(t *testing.T, sl *slacktest.Server, text string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	msg, err := sl.SlashCommand(ctx, slacktest.SlashCommand{Command: "/flow", Text: text, ChannelID: "C0PAYMENTS", UserID: "U1", UserName: "ada"})
	if err != nil {
		t.Fatalf("/flow %s: %v", text, err)
	}
	return msg.Text
}

const (
	faultAppToken = "xapp-1-A0FAULT-fault-secret"
	faultBotToken = "xoxb-fault-secret"
)

func newSlack(t *testing.T) (*slacktest.Server, map[string]string) {
	t.Helper()
	sl := slacktest.NewServer(slacktest.Options{AppToken: faultAppToken, BotToken: faultBotToken})
	t.Cleanup(sl.Close)
	return sl, map[string]string{"SLACK_APP_TOKEN": faultAppToken, "SLACK_BOT_TOKEN": faultBotToken, "SLACK_API_URL": sl.APIURL()}
}

// TestFaultRedisDownWhenACommandArrives: with Redis gone, a command gets
// an answer saying the data cannot be reached, not silence and not a
// generic apology.
func TestFaultRedisDownWhenACommandArrives(t *testing.T) {
	r := startRedis(t)
	w := newWorld(t)
	cfg, err := loadConfig(w.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.SyncInterval.Duration = time.Hour // one sync at start, none during the test
	sl, slackEnv := newSlack(t)
	var logs syncedBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	serveFor(t, cfg, faultEnv(t, w, r.url(0), slackEnv), sl, logger, nil)

	if got := slash(t, sl, "wip"); !strings.Contains(got, "Work in progress") {
		t.Fatalf("with Redis up: %q, want work in progress", got)
	}
	r.stop()
	got := slash(t, sl, "wip")
	if !strings.Contains(got, "I can't reach my data right now; try again in a minute") {
		t.Errorf("with Redis down: %q, want the can't-reach-my-data answer", got)
	}
	r.start()
	if got := slash(t, sl, "wip"); !strings.Contains(got, "Work in progress") {
		t.Errorf("with Redis back: %q, want work in progress", got)
	}
	assertNoSecrets(t, logs.String(), secretsOf(w, faultAppToken, faultBotToken))
}

// TestFaultSocketDropped: the socket drops without a close frame; the
// client reconnects and the command Slack holds for it is answered.
func TestFaultSocketDropped(t *testing.T) {
	r := startRedis(t)
	w := newWorld(t)
	cfg, err := loadConfig(w.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.SyncInterval.Duration = time.Hour
	sl, slackEnv := newSlack(t)
	var logs syncedBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	serveFor(t, cfg, faultEnv(t, w, r.url(0), slackEnv), sl, logger, nil)

	for i := range 2 {
		sl.DropConnections()
		// Sent while no socket is open: the stand-in, like Slack, holds the
		// envelope until the client is back.
		if got := slash(t, sl, "aging"); !strings.Contains(got, "Aging work in progress") {
			t.Errorf("after drop %d: %q, want the aging answer", i+1, got)
		}
	}
	assertNoSecrets(t, logs.String(), secretsOf(w, faultAppToken, faultBotToken))
}

// TestFaultRateLimitsAndServerErrors: storms of 429s with Retry-After and
// of 5xx from Jira and GitHub are waited out; the sync finishes, later,
// with what a clean sync stores.
func TestFaultRateLimitsAndServerErrors(t *testing.T) {
	r, w, cfg, logs, logger, want := cleanRun(t)

	w.jira.FailNext("/rest/api/2/search", http.StatusTooManyRequests, "7", 3)
	w.jira.FailNext("/rest/api/2/status", http.StatusServiceUnavailable, "", 2)
	w.github.FailNext("/repos/acme/payments-api/pulls", http.StatusTooManyRequests, map[string]string{"Retry-After": "11"}, 2)
	w.github.FailNext("/repos/acme/payments-web/pulls", http.StatusBadGateway, nil, 2)
	var mu sync.Mutex
	waits := map[string][]time.Duration{}
	sum := syncOnce(t, cfg, faultEnv(t, w, r.url(0), nil), logger, func(src *sources) {
		for _, c := range []struct {
			name  string
			sleep *func(context.Context, time.Duration) error
		}{{"jira", &src.jiraCalls.Sleep}, {"github", &src.githubCalls.Sleep}} {
			*c.sleep = func(_ context.Context, d time.Duration) error {
				mu.Lock()
				defer mu.Unlock()
				waits[c.name] = append(waits[c.name], d)
				return nil
			}
		}
	})
	if err := sum.Err(); err != nil {
		t.Fatalf("the sync through the storm failed: %v", err)
	}
	if diff := cmp.Diff(teamData(t, r.url(0), "payments"), want); diff != "" {
		t.Errorf("the store differs from a clean sync's (-got +want):\n%s", diff)
	}
	mu.Lock()
	defer mu.Unlock()
	// Retry-After is honoured exactly; 5xx without one back off.
	if n := count(durations(waits["jira"]), "7s"); n != 3 {
		t.Errorf("jira waits %v: want three of 7s (Retry-After)", waits["jira"])
	}
	if n := count(durations(waits["github"]), "11s"); n != 2 {
		t.Errorf("github waits %v: want two of 11s (Retry-After)", waits["github"])
	}
	if len(waits["jira"]) != 5 || len(waits["github"]) != 4 {
		t.Errorf("waits %v: want 5 for jira (3 rate limits, 2 unavailable) and 4 for github", waits)
	}
	assertNoSecrets(t, logs.String(), secretsOf(w))
}

func durations(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}

// TestFaultMalformedPayloads: one Jira issue and one pull request arrive
// in a shape that does not decode; each is skipped with a log line naming
// it, and everything else syncs.
func TestFaultMalformedPayloads(t *testing.T) {
	r, w, cfg, logs, logger, want := cleanRun(t)

	badIssue := w.issues[3].Key
	var badPR string
	for _, pr := range w.prs {
		if pr.Repo == "acme/payments-api" {
			badPR = "/repos/acme/payments-api/pulls/" + strconv.Itoa(pr.Number)
			break
		}
	}
	corrupt := func(req *http.Request, resp *http.Response) {
		switch {
		case strings.Contains(req.URL.Path, "/search"):
			// The issue's creation time as a number: its fields do not decode.
			editJSON(t, resp, func(v any) {
				for _, is := range v.(map[string]any)["issues"].([]any) {
					if is := is.(map[string]any); is["key"] == badIssue {
						is["fields"].(map[string]any)["created"] = 1
					}
				}
			})
		case req.URL.Path == badPR:
			// The author as text where GitHub sends an object.
			editJSON(t, resp, func(v any) { v.(map[string]any)["user"] = "ada" })
		}
	}
	sum := syncOnce(t, cfg, faultEnv(t, w, r.url(0), nil), logger, func(src *sources) {
		for _, c := range []*http.RoundTripper{&src.jiraCalls.Base, &src.githubCalls.Base} {
			*c = roundTripFunc(func(req *http.Request) (*http.Response, error) {
				resp, err := http.DefaultTransport.RoundTrip(req)
				if err == nil && resp.StatusCode == http.StatusOK {
					corrupt(req, resp)
				}
				return resp, err
			})
		}
	})
	if err := sum.Err(); err != nil {
		t.Fatalf("the sync failed: %v", err)
	}
	got := teamData(t, r.url(0), "payments")
	gotItems, wantItems := got["items"].(map[string]string), want["items"].(map[string]string)
	if _, ok := gotItems[badIssue]; ok {
		t.Errorf("the malformed issue %s was stored", badIssue)
	}
	if len(gotItems) != len(wantItems)-1 {
		t.Errorf("stored %d items, want %d (all but %s)", len(gotItems), len(wantItems)-1, badIssue)
	}
	gotPRs, wantPRs := got["prs"].(map[string]string), want["prs"].(map[string]string)
	if len(gotPRs) != len(wantPRs)-1 {
		t.Errorf("stored %d pull requests, want %d (all but %s)", len(gotPRs), len(wantPRs)-1, badPR)
	}
	log := logs.String()
	if !strings.Contains(log, `"msg":"jira issue skipped: its payload does not decode","issue":"`+badIssue+`"`) {
		t.Errorf("no log line names the skipped issue %s", badIssue)
	}
	number := badPR[strings.LastIndex(badPR, "/")+1:]
	if !strings.Contains(log, `"msg":"github pull request skipped: its payload does not decode","repo":"acme/payments-api","pr":`+number) {
		t.Errorf("no log line names the skipped pull request %s", badPR)
	}
	assertNoSecrets(t, log, secretsOf(w))
}

// editJSON lets edit change resp's JSON body as decoded values.
func editJSON(t *testing.T, resp *http.Response, edit func(any)) {
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Errorf("decoding %s: %v", resp.Request.URL, err)
	}
	resp.Body.Close()
	edit(v)
	b, err := json.Marshal(v)
	if err != nil {
		t.Error(err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Del("Content-Length")
}

// TestFaultSlowAPI: Jira stops answering in the middle of serve's sync.
// Each attempt is cut off after FLOWBOT_HTTP_TIMEOUT and retried, with a
// log line naming the timeout; meanwhile a slash command is acknowledged
// in time (the stand-in fails the exchange after 3s without an ack) and
// answered from the store; when Jira answers again the sync finishes.
func TestFaultSlowAPI(t *testing.T) {
	r := startRedis(t)
	w := newWorld(t)
	cfg, err := loadConfig(w.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.SyncInterval.Duration = time.Hour // the sync at start, none after
	var logs syncedBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	if sum := syncOnce(t, cfg, faultEnv(t, w, r.url(0), nil), logger, nil); sum.Err() != nil {
		t.Fatalf("first sync: %v", sum.Err())
	}

	// A slow Jira: the first two searches get no answer until the client
	// gives up on them; then it recovers.
	const hangs = 2
	var searches, gaveUp atomic.Int32
	hung := make(chan struct{})
	upstream, err := url.Parse(w.jira.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	slow := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		if !strings.Contains(req.URL.Path, "/search") {
			proxy.ServeHTTP(rw, req)
			return
		}
		switch n := searches.Add(1); {
		case n > hangs:
			proxy.ServeHTTP(rw, req)
			return
		case n == 1:
			close(hung)
		}
		<-req.Context().Done() // no answer: only the client ends this
		gaveUp.Add(1)
	}))
	defer slow.Close()

	timeout, err := httpTimeout(func(k string) string { return map[string]string{httpTimeoutVar: "300ms"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	sl, slackEnv := newSlack(t)
	slackEnv["JIRA_BASE_URL"] = slow.URL
	started := time.Now()
	serveForTimeout(t, cfg, faultEnv(t, w, r.url(0), slackEnv), sl, logger, timeout, nil)
	<-hung
	if got := slash(t, sl, "wip"); !strings.Contains(got, "Work in progress") {
		t.Errorf("while Jira hangs: %q, want work in progress", got)
	}

	waitFor(t, "the sync to finish once Jira recovers", func() bool {
		return strings.Contains(logs.String(), `"msg":"background sync finished"`)
	})
	var finished struct {
		Failed bool `json:"failed"`
	}
	var timeouts int
	for _, line := range strings.Split(logs.String(), "\n") {
		switch {
		case strings.Contains(line, `"msg":"background sync finished"`):
			if err := json.Unmarshal([]byte(line), &finished); err != nil {
				t.Fatal(err)
			}
		case strings.Contains(line, `"msg":"retrying request"`) && strings.Contains(line, "no answer in time after 300ms (FLOWBOT_HTTP_TIMEOUT)"):
			timeouts++
		}
	}
	if finished.Failed {
		t.Errorf("the sync failed although Jira recovered:\n%s", logs.String())
	}
	if timeouts != hangs || gaveUp.Load() != hangs {
		t.Errorf("%d retries logged a timeout and the client gave up on %d searches, want %d of each:\n%s", timeouts, gaveUp.Load(), hangs, logs.String())
	}
	db, closeDB, err := openStore(t.Context(), faultEnv(t, w, r.url(0), nil), logger)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	if at, err := db.LastSync(t.Context(), "payments"); err != nil || at.Before(started) {
		t.Errorf("last sync of payments = %v, %v; want after serve started", at, err)
	}
	assertNoSecrets(t, logs.String(), secretsOf(w, faultAppToken, faultBotToken))
}

// TestHTTPTimeoutFromTheEnvironment: FLOWBOT_HTTP_TIMEOUT is a Go
// duration, 1m when unset; anything else stops flowbot with the variable
// and an example named.
func TestHTTPTimeoutFromTheEnvironment(t *testing.T) {
	tests := []struct {
		name, value string
		want        time.Duration
		wantErr     bool
	}{
		{"unset", "", time.Minute, false},
		{"seconds", "30s", 30 * time.Second, false},
		{"minutes", "2m", 2 * time.Minute, false},
		{"no unit", "30", 0, true},
		{"words", "soon", 0, true},
		{"zero", "0s", 0, true},
		{"negative", "-5s", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := httpTimeout(func(k string) string { return map[string]string{httpTimeoutVar: tt.value}[k] })
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("httpTimeout(%q) = %v, %v; want %v, error %v", tt.value, got, err, tt.want, tt.wantErr)
			}
			if err != nil && (!strings.Contains(err.Error(), "FLOWBOT_HTTP_TIMEOUT") || !strings.Contains(err.Error(), "FLOWBOT_HTTP_TIMEOUT=30s")) {
				t.Errorf("error %q does not name the variable and an example", err)
			}
		})
	}
	w := newWorld(t)
	env := map[string]string{httpTimeoutVar: "soon"}
	for k, v := range w.env {
		env[k] = v
	}
	for _, cmd := range []string{"sync", "serve"} {
		code, out, errOut := runCmd(t, env, "", cmd, "--config", w.config)
		if code != exitFail || !strings.Contains(errOut, `FLOWBOT_HTTP_TIMEOUT="soon" is not a positive Go duration`) {
			t.Errorf("%s with a bad FLOWBOT_HTTP_TIMEOUT exited %d\n%s\n%s", cmd, code, out, errOut)
		}
	}
}
