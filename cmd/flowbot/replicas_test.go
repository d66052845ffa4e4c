package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flowbot/flowbot/integrations/slack/slacktest"
	"github.com/flowbot/flowbot/store/storetest"
)

// span is one API request as a recording proxy saw it.
type span struct {
	replica, project string
	start, end       time.Time
}

// recorder stands between the replicas and a stand-in: each replica gets
// its own proxy, so every request is known by replica, and the proxy reads
// the stand-in's whole answer and records the request's end before the
// replica sees a byte of it. A request of one replica that starts before
// another replica's request for the same project has ended therefore
// overlaps it for real.
type recorder struct {
	mu    sync.Mutex
	spans []span
}

// proxy forwards to target for replica; project names the project a
// request belongs to, "" for requests outside any project's lease.
func (r *recorder) proxy(t *testing.T, replica string, target *url.URL, project func(path string) string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		out, err := http.NewRequestWithContext(req.Context(), req.Method, target.Scheme+"://"+target.Host+req.URL.RequestURI(), req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = req.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if p := project(req.URL.Path); p != "" {
			r.mu.Lock()
			r.spans = append(r.spans, span{replica: replica, project: p, start: start, end: time.Now()})
			r.mu.Unlock()
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// overlaps returns every pair of requests of different replicas for one
// project that were in flight at the same time.
func (r *recorder) overlaps() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for i, a := range r.spans {
		for _, b := range r.spans[i+1:] {
			if a.replica != b.replica && a.project == b.project && a.start.Before(b.end) && b.start.Before(a.end) {
				out = append(out, fmt.Sprintf("%s: %s [%s, %s] and %s [%s, %s]", a.project,
					a.replica, a.start.Format("15:04:05.000000"), a.end.Format("15:04:05.000000"),
					b.replica, b.start.Format("15:04:05.000000"), b.end.Format("15:04:05.000000")))
			}
		}
	}
	return out
}

func (r *recorder) count(replica string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.spans {
		if s.replica == replica {
			n++
		}
	}
	return n
}

// jiraProject: every search and issue request belongs to the one team's
// lease; statuses are fetched outside it.
func jiraProject(team string) func(string) string {
	return func(path string) string {
		if strings.Contains(path, "/search") || strings.Contains(path, "/issue/") {
			return "jira " + team
		}
		return ""
	}
}

// githubProject: requests under /repos/owner/name/ belong to that
// repository's lease.
func githubProject(path string) string {
	_, rest, ok := strings.Cut(path, "/repos/")
	if !ok {
		return ""
	}
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) < 2 {
		return ""
	}
	return "github " + parts[0] + "/" + parts[1]
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestTwoReplicas runs two real `flowbot serve` processes against one real
// Redis and the stand-ins: every slash command is answered once, the
// scheduled flow check both start up to catch up on is posted once, the two
// never fetch the same project at the same time, and SIGTERM stops both
// cleanly with their leases released.
func TestTwoReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds flowbot and runs two processes")
	}
	redisURL := os.Getenv(storetest.URLVar)
	if redisURL == "" {
		t.Skipf("set %s to run two replicas against one real Redis", storetest.URLVar)
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatalf("parsing %s: %v", storetest.URLVar, err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })

	bin := filepath.Join(t.TempDir(), "flowbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	w := newWorld(t)
	// A team of its own, so this test's keys and leases are its own on a
	// shared Redis.
	b := make([]byte, 6)
	rand.Read(b)
	team := "replicas-" + hex.EncodeToString(b)
	repos := []string{"acme/payments-api", "acme/payments-web"}
	leaseKeys := []string{"flowbot:lease:{jira:" + team + "}"}
	for _, r := range repos {
		leaseKeys = append(leaseKeys, "flowbot:lease:{github:"+r+"}")
	}
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := storetest.Keys(ctx, rdb, "flowbot:{"+team+"}:*")
		for _, k := range keys {
			rdb.Del(ctx, k)
		}
		for _, k := range leaseKeys {
			rdb.Del(ctx, k, k+":fence")
		}
	})
	cfg := strings.Replace(mustRead(t, w.config), "id: payments", "id: "+team, 1)
	// A flow check due two minutes ago, every day and hour: both replicas
	// find it missed on start (within catch_up) and race to run it.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Now().In(berlin).Add(-2 * time.Minute)
	cfg = strings.Replace(cfg, "    timezone: Europe/Berlin\n", fmt.Sprintf(`    timezone: Europe/Berlin
    working_days: [mon, tue, wed, thu, fri, sat, sun]
    working_hours: "00:00-24:00"
    schedules: {flow_check: "%d %d * * *", standup: "", digest: ""}
`, due.Minute(), due.Hour()), 1)
	cfgPath := filepath.Join(t.TempDir(), "flowbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}

	const appToken, botToken = "xapp-1-A0REPL-replica-secret", "xoxb-replica-secret"
	sl := slacktest.NewServer(slacktest.Options{AppToken: appToken, BotToken: botToken})
	t.Cleanup(sl.Close)
	jiraURL, _ := url.Parse(w.jira.URL())
	ghURL, _ := url.Parse(w.github.URL())
	rec := &recorder{}

	type replica struct {
		name   string
		addr   string
		cmd    *exec.Cmd
		out    bytes.Buffer
		exited chan int
	}
	// The store is synced once before the replicas start, so the flow
	// check they catch up on at start has items to nudge about.
	pre := exec.Command(bin, "sync", "--config", cfgPath)
	pre.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"JIRA_BASE_URL=" + w.jira.URL(), "JIRA_EMAIL=" + w.env["JIRA_EMAIL"], "JIRA_API_TOKEN=" + w.env["JIRA_API_TOKEN"],
		"GITHUB_API_URL=" + w.github.URL(), "GITHUB_TOKEN=" + w.env["GITHUB_TOKEN"],
		"REDIS_URL=" + redisURL,
	}
	if out, err := pre.CombinedOutput(); err != nil {
		t.Fatalf("flowbot sync before the replicas: %v\n%s", err, out)
	}
	replicas := []*replica{{name: "a"}, {name: "b"}}
	for _, r := range replicas {
		jp := rec.proxy(t, r.name, jiraURL, jiraProject(team))
		gp := rec.proxy(t, r.name, ghURL, githubProject)
		r.addr = freeAddr(t)
		r.cmd = exec.Command(bin, "serve", "--config", cfgPath)
		r.cmd.Env = []string{
			"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
			"SLACK_APP_TOKEN=" + appToken, "SLACK_BOT_TOKEN=" + botToken, "SLACK_API_URL=" + sl.APIURL(),
			"JIRA_BASE_URL=" + jp.URL, "JIRA_EMAIL=" + w.env["JIRA_EMAIL"], "JIRA_API_TOKEN=" + w.env["JIRA_API_TOKEN"],
			"GITHUB_API_URL=" + gp.URL + ghURL.Path, "GITHUB_TOKEN=" + w.env["GITHUB_TOKEN"],
			"REDIS_URL=" + redisURL,
			"FLOWBOT_HTTP_ADDR=" + r.addr,
		}
		r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
		if err := r.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r.exited = make(chan int, 1)
		go func() {
			err := r.cmd.Wait()
			code := 0
			if ee, ok := errors.AsType[*exec.ExitError](err); ok {
				code = ee.ExitCode()
			} else if err != nil {
				code = -1
			}
			r.exited <- code
		}()
		t.Cleanup(func() {
			if r.cmd.ProcessState == nil {
				r.cmd.Process.Kill()
			}
		})
	}
	for _, r := range replicas {
		waitReady(t, "http://"+r.addr+"/readyz", r.exited)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const commands = 20
	errs := make(chan error, commands)
	for i := range commands {
		go func() {
			_, err := sl.SlashCommand(ctx, slacktest.SlashCommand{Command: "/flow", Text: "wip", ChannelID: "C0PAYMENTS", UserID: fmt.Sprintf("U%d", i)})
			errs <- err
		}()
	}
	for range commands {
		if err := <-errs; err != nil {
			t.Errorf("slash command: %v", err)
		}
	}

	// The flow check: wait for its post, then give the other replica time
	// to post it too were it going to (its catch-up runs on start, before
	// it was ready).
	flowChecks := func() int {
		n := 0
		for _, m := range sl.Messages() {
			if m.Via == "chat.postMessage" && strings.HasPrefix(m.Text, "Flow check") {
				n++
			}
		}
		return n
	}
	for flowChecks() == 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("no flow check was posted")
		case <-time.After(50 * time.Millisecond):
		}
	}

	for _, r := range replicas {
		if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range replicas {
		select {
		case code := <-r.exited:
			if code != 0 {
				t.Errorf("replica %s exited %d after SIGTERM\n%s", r.name, code, r.out.String())
			}
		case <-ctx.Done():
			t.Fatalf("replica %s did not exit after SIGTERM", r.name)
		}
	}

	// Answered exactly once each, and one flow check: nothing more was
	// posted before exit.
	answers := 0
	for _, m := range sl.Messages() {
		if m.Via == "response_url" {
			answers++
		}
	}
	if answers != commands {
		t.Errorf("%d answers to %d slash commands, want one each", answers, commands)
	}
	if got := flowChecks(); got != 1 {
		t.Errorf("%d flow checks posted, want 1", got)
	}
	// And run once: the replica that lost the claim did not run it (a
	// second run would only have edited the day's post in place).
	runs := 0
	for _, r := range replicas {
		runs += strings.Count(r.out.String(), `"msg":"scheduler: catching up on a run missed while stopped"`)
	}
	if runs != 1 {
		t.Errorf("the missed flow check ran %d times across the replicas, want 1", runs)
	}
	var perReplica []int
	for _, r := range replicas {
		perReplica = append(perReplica, strings.Count(r.out.String(), `"msg":"slash command answered"`))
	}
	t.Logf("answers per replica: %v; API requests per replica: a %d, b %d", perReplica, rec.count("a"), rec.count("b"))
	if o := rec.overlaps(); len(o) > 0 {
		t.Errorf("%d pairs of requests for one project overlapped across replicas, e.g.:\n%s", len(o), strings.Join(o[:min(len(o), 5)], "\n"))
	}
	if rec.count("a")+rec.count("b") == 0 {
		t.Error("no Jira or GitHub request was recorded")
	}
	for _, k := range leaseKeys {
		n, err := rdb.Exists(context.Background(), k).Result()
		if err != nil || n != 0 {
			t.Errorf("lease %s exists = %d, %v after both replicas stopped; want released", k, n, err)
		}
	}
	var skipped int
	for _, r := range replicas {
		skipped += strings.Count(r.out.String(), "sync skipped: another replica holds the lease")
	}
	t.Logf("sync work skipped for another replica's lease: %d times", skipped)
	logs := replicas[0].out.String() + replicas[1].out.String()
	for _, secret := range []string{appToken, botToken, "jira-secret", "gh-secret"} {
		if strings.Contains(logs, secret) {
			t.Errorf("secret %q appeared in a replica's log", secret)
		}
	}
	if t.Failed() {
		for _, r := range replicas {
			lines := strings.Split(r.out.String(), "\n")
			t.Logf("replica %s log (last lines):\n%s", r.name, strings.Join(lines[max(0, len(lines)-30):], "\n"))
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
