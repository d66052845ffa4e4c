package observe

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/retry"
)

var update = flag.Bool("update", false, "rewrite the golden files")

type fakeIssues struct {
	bot.IssueSource
	err error
}

func (f fakeIssues) SyncIssues(context.Context, string, time.Time, func([]coach.Item) error) (time.Time, []bot.JiraUser, error) {
	return time.Time{}, nil, f.err
}

type fakePulls struct{}

func (fakePulls) Sync(context.Context, string, string, func([]coach.PullRequest) error) (string, int, error) {
	return "cursor", 3, nil
}

type fakeSyncStore struct {
	bot.SyncStore // the methods a test does not call
	err           error
}

func (f fakeSyncStore) SetLastSync(context.Context, string, time.Time) error { return f.err }

type fakeCounts struct{ items, prs int }

func (f fakeCounts) CountItems(context.Context, string) (int, error)        { return f.items, nil }
func (f fakeCounts) CountPullRequests(context.Context, string) (int, error) { return f.prs, nil }

// TestScrape records one of everything through the decorators and scrapes
// /metrics over HTTP: the series a dashboard reads, by name and label.
// Timings vary, so histogram buckets and sums are left out of the golden
// file; their counts stay.
func TestScrape(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)

	// Slash commands: a good answer, one whose answering logged an error,
	// and text that does not parse.
	cmds := &Commands{Metrics: m, Logger: logger, Answer: func(ctx context.Context, req bot.Request, log *slog.Logger) bot.Reply {
		if strings.HasPrefix(req.Text, "cycle-time") {
			log.Error("answering command failed", "err", "store down")
			return bot.Reply{Text: "Sorry"}
		}
		return bot.Reply{Text: "ok"}
	}}
	for _, text := range []string{"wip", "wip team:payments", "cycle-time --since 30d", "nope"} {
		cmds.HandleCommand(ctx, bot.Request{ChannelID: "C0PAYMENTS", Text: text})
	}

	// API calls: a 429 waited out, a 304 and a 200 from a stand-in.
	var calls atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
		case 3:
			w.WriteHeader(http.StatusNotModified)
		}
	}))
	defer api.Close()
	client := &http.Client{Transport: &retry.Transport{
		Base:    &Transport{Service: "github", Metrics: m},
		Service: "github",
		Logger:  logger,
		Sleep:   func(context.Context, time.Duration) error { return nil },
		OnWait:  func(kind string, d time.Duration) { m.RateLimitWait("github", kind, d) },
	}}
	for range 2 {
		resp, err := client.Get(api.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	// Sync runs per source, and the stored gauges after a team's sync.
	jira := IssueSource{IssueSource: fakeIssues{}, Metrics: m}
	failing := IssueSource{IssueSource: fakeIssues{err: errors.New("jira answered 500")}, Metrics: m}
	gh := PullRequestSource{PullRequestSource: fakePulls{}, Metrics: m}
	_, _, _ = jira.SyncIssues(ctx, "project = PAY", time.Time{}, nil)
	_, _, _ = failing.SyncIssues(ctx, "project = PAY", time.Time{}, nil)
	_, _, _ = gh.Sync(ctx, "acme/api", "", nil)
	st := SyncStore{SyncStore: fakeSyncStore{}, Counts: fakeCounts{items: 120, prs: 45}, Metrics: m}
	if err := st.SetLastSync(ctx, "payments", time.Unix(1795000000, 0)); err != nil {
		t.Fatal(err)
	}
	broken := SyncStore{SyncStore: fakeSyncStore{err: errors.New("redis down")}, Counts: fakeCounts{items: 1, prs: 1}, Metrics: m}
	if err := broken.SetLastSync(ctx, "checkout", time.Unix(1795000000, 0)); err == nil {
		t.Error("SetLastSync hid the store's error")
	}
	m.fired("sync", false)

	// A sync lease renewal that failed twice, through the bot's interface.
	var losses bot.LockLosses = m
	losses.LockLost(bot.LockLostRenewal)
	losses.LockLost(bot.LockLostRenewal)

	srv := httptest.NewServer(Handler(reg, fixedReadiness{Ready: true}, logger))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := flowbotSeries(t, resp.Body)
	golden(t, filepath.Join("testdata", "scrape.golden"), got)
}

// flowbotSeries keeps the flowbot_ lines of a scrape, without the timing
// buckets and sums.
func flowbotSeries(t *testing.T, r io.Reader) string {
	t.Helper()
	var b strings.Builder
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		name := strings.TrimPrefix(strings.TrimPrefix(line, "# HELP "), "# TYPE ")
		if !strings.HasPrefix(name, "flowbot_") || strings.Contains(line, "_bucket{") || strings.Contains(line, "_seconds_sum") && !strings.Contains(line, "rate_limit") {
			continue
		}
		b.WriteString(line + "\n")
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(got, string(want)); diff != "" {
		t.Errorf("%s (-got +want):\n%s", path, diff)
	}
}

func TestRunEvery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		m, err := NewMetrics(reg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var runs []time.Duration
		start := time.Now()
		done := make(chan error, 1)
		go func() {
			done <- RunEvery(ctx, 10*time.Minute, "sync", m, slog.New(slog.DiscardHandler), func(ctx context.Context) {
				runs = append(runs, time.Since(start))
				if len(runs) == 1 {
					time.Sleep(25 * time.Minute) // outlasts the fires at 10m and 20m
				}
			})
		}()
		time.Sleep(35 * time.Minute)
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunEvery = %v, want nil", err)
		}
		if diff := cmp.Diff(runs, []time.Duration{0, 30 * time.Minute}); diff != "" {
			t.Errorf("runs (-got +want):\n%s", diff)
		}
		for _, tc := range []struct {
			skipped string
			want    float64
		}{{"false", 2}, {"true", 2}} {
			if got := testutil.ToFloat64(m.schedulerFires.WithLabelValues("sync", tc.skipped)); got != tc.want {
				t.Errorf("fires with skipped=%s = %v, want %v", tc.skipped, got, tc.want)
			}
		}
	})
}

func TestRunEveryWaitsForTheRunInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var finished atomic.Bool
		done := make(chan error, 1)
		go func() {
			done <- RunEvery(ctx, time.Hour, "sync", nil, slog.New(slog.DiscardHandler), func(ctx context.Context) {
				<-ctx.Done()
				time.Sleep(time.Second) // finishing the page in hand
				finished.Store(true)
			})
		}()
		synctest.Wait()
		cancel()
		<-done
		if !finished.Load() {
			t.Error("RunEvery returned before the run in flight finished")
		}
	})
}
