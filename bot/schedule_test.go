package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
)

// scheduleConfig: Payments in Berlin with the default schedules, Checkout
// in New York working Monday to Thursday with its flow check every day of
// the cron and no standup, and Platform without a channel (nothing to
// post).
const scheduleConfig = `
teams:
  - id: payments
    channel: C0PAY
    timezone: Europe/Berlin
    jira: {jql: project = PAY}
  - id: checkout
    channel: C0CHK
    timezone: America/New_York
    working_days: [Mon, Tue, Wed, Thu]
    jira: {jql: project = CHK}
    schedules: {flow_check: "0 10 * * *", standup: "", digest: "0 16 * * 5"}
  - id: platform
    jira: {jql: project = PLAT}
`

// run is one scheduled run as the scheduler's Run saw it.
type run struct {
	Team, Job string
	At        time.Time // the fire time, UTC
	Ran       time.Time // when Run was called, UTC
}

type runLog struct {
	mu   sync.Mutex
	runs []run
	fail map[string]bool // team/job whose runs fail
}

func (l *runLog) run(_ context.Context, team, job string, at time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.runs = append(l.runs, run{team, job, at.UTC(), time.Now().UTC()})
	if l.fail[team+"/"+job] {
		return errors.New("slack is down")
	}
	return nil
}

func (l *runLog) list() []run {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Clone(l.runs)
	slices.SortFunc(out, func(a, b run) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.Team+a.Job, b.Team+b.Job)
	})
	return out
}

// memClaims is an in-memory Claimer; claims never expire within a test.
type memClaims struct {
	mu   sync.Mutex
	held map[string]string
	n    int
}

func (m *memClaims) Claim(_ context.Context, team, name string, _ time.Duration) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.held == nil {
		m.held = map[string]string{}
	}
	if _, ok := m.held[team+"/"+name]; ok {
		return "", false, nil
	}
	m.n++
	token := fmt.Sprint(m.n)
	m.held[team+"/"+name] = token
	return token, true, nil
}

func (m *memClaims) Release(_ context.Context, team, name, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.held[team+"/"+name] == token {
		delete(m.held, team+"/"+name)
	}
	return nil
}

func parseConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// runScheduler runs s from now until until (virtual time) and stops it.
func runScheduler(t *testing.T, until time.Time, ss ...*Scheduler) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Go(func() {
			if err := s.Start(ctx); err != nil {
				t.Errorf("Start: %v", err)
			}
		})
	}
	time.Sleep(time.Until(until))
	synctest.Wait()
	cancel()
	wg.Wait()
}

func sleepUntil(at time.Time) { time.Sleep(time.Until(at)) }

// expectedRuns are the runs the configuration asks for between from and
// to, worked out from wall-clock times in each zone rather than cron.
func expectedRuns(t *testing.T, from, to time.Time) []run {
	t.Helper()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ny, _ := time.LoadLocation("America/New_York")
	var out []run
	add := func(team, job string, at time.Time) {
		if !at.Before(from) && !at.After(to) {
			out = append(out, run{Team: team, Job: job, At: at.UTC(), Ran: at.UTC()})
		}
	}
	for d := from.AddDate(0, 0, -1); d.Before(to.AddDate(0, 0, 1)); d = d.AddDate(0, 0, 1) {
		y, m, day := d.Date()
		pay := time.Date(y, m, day, 0, 0, 0, 0, berlin)
		if wd := pay.Weekday(); wd >= time.Monday && wd <= time.Friday {
			add("payments", JobFlowCheck, time.Date(y, m, day, 9, 15, 0, 0, berlin))
			add("payments", JobStandup, time.Date(y, m, day, 9, 30, 0, 0, berlin))
			if wd == time.Monday {
				add("payments", JobDigest, time.Date(y, m, day, 9, 0, 0, 0, berlin))
			}
		}
		chk := time.Date(y, m, day, 0, 0, 0, 0, ny)
		if wd := chk.Weekday(); wd >= time.Monday && wd <= time.Thursday {
			add("checkout", JobFlowCheck, time.Date(y, m, day, 10, 0, 0, 0, ny))
		}
		if chk.Weekday() == time.Friday {
			add("checkout", JobDigest, time.Date(y, m, day, 16, 0, 0, 0, ny))
		}
	}
	slices.SortFunc(out, func(a, b run) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.Team+a.Job, b.Team+b.Job)
	})
	return out
}

// The synctest clock starts at 2000-01-01 00:00 UTC. Europe/Berlin moved
// to summer time on Sunday 26 March 2000, America/New_York on Sunday 2
// April and back on Sunday 29 October (Berlin too).
var (
	springFrom = time.Date(2000, 3, 23, 0, 0, 0, 0, time.UTC) // a Thursday
	springTo   = time.Date(2000, 4, 5, 0, 0, 0, 0, time.UTC)
)

func TestSchedulerFiresInEachTeamsZoneAcrossDST(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sleepUntil(springFrom)
		runs := &runLog{}
		fires := map[string]int{}
		var mu sync.Mutex
		s := &Scheduler{Config: parseConfig(t, scheduleConfig), Claims: &memClaims{}, Run: runs.run,
			Logger: slog.New(slog.DiscardHandler), Fired: func(job string, skipped bool) {
				mu.Lock()
				defer mu.Unlock()
				fires[fmt.Sprintf("%s skipped=%v", job, skipped)]++
			}}
		runScheduler(t, springTo, s)
		got := runs.list()
		if diff := cmp.Diff(got, expectedRuns(t, springFrom, springTo)); diff != "" {
			t.Errorf("runs (-got +want):\n%s", diff)
		}
		// Spot checks in UTC: the local time holds across the changes.
		for _, want := range []run{
			{Team: "payments", Job: JobFlowCheck, At: time.Date(2000, 3, 24, 8, 15, 0, 0, time.UTC)}, // Fri, CET
			{Team: "payments", Job: JobFlowCheck, At: time.Date(2000, 3, 27, 7, 15, 0, 0, time.UTC)}, // Mon, CEST
			{Team: "checkout", Job: JobFlowCheck, At: time.Date(2000, 3, 27, 15, 0, 0, 0, time.UTC)}, // Mon, EST
			{Team: "checkout", Job: JobFlowCheck, At: time.Date(2000, 4, 3, 14, 0, 0, 0, time.UTC)},  // Mon, EDT
		} {
			if !slices.ContainsFunc(got, func(r run) bool { return r.Team == want.Team && r.Job == want.Job && r.At.Equal(want.At) }) {
				t.Errorf("no %s %s at %v", want.Team, want.Job, want.At)
			}
		}
		for _, r := range got {
			if !r.Ran.Equal(r.At) {
				t.Errorf("%s %s of %v ran at %v", r.Team, r.Job, r.At, r.Ran)
			}
		}
		// Checkout's flow check fires on Fri, Sat and Sun too, and is
		// skipped there: not working days.
		if fires["flow-check skipped=true"] != 3*2 {
			t.Errorf("fires = %v, want 6 skipped flow checks (checkout's Fri, Sat, Sun twice)", fires)
		}
	})
}

func TestSchedulerFallBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		from := time.Date(2000, 10, 26, 0, 0, 0, 0, time.UTC)
		to := time.Date(2000, 11, 1, 0, 0, 0, 0, time.UTC)
		sleepUntil(from)
		runs := &runLog{}
		s := &Scheduler{Config: parseConfig(t, scheduleConfig), Claims: &memClaims{}, Run: runs.run, Logger: slog.New(slog.DiscardHandler)}
		runScheduler(t, to, s)
		if diff := cmp.Diff(runs.list(), expectedRuns(t, from, to)); diff != "" {
			t.Errorf("runs (-got +want):\n%s", diff)
		}
	})
}

// bubbleStore is a store.DB whose client is made inside the synctest
// bubble, on the test Redis (a real one when FLOWBOT_TEST_REDIS_URL is
// set) with socket deadlines off: the bubble's clock is not the socket's.
func bubbleStore(t *testing.T, opts *redis.Options, prefix string) *store.DB {
	t.Helper()
	o := *opts
	o.ReadTimeout, o.WriteTimeout = -2, -2
	o.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(context.WithoutCancel(ctx), network, addr)
	}
	rdb := redis.NewClient(&o)
	t.Cleanup(func() { rdb.Close() })
	return store.New(rdb, store.Options{Prefix: prefix})
}

// testRedis is where bubbleStore connects, and a key prefix cleaned up
// after the test.
func testRedis(t *testing.T) (*redis.Options, string) {
	t.Helper()
	if storetest.Cluster() {
		t.Skip("the scheduler's claims are tested on a single Redis")
	}
	if url := os.Getenv(storetest.URLVar); url != "" {
		opts, err := redis.ParseURL(url)
		if err != nil {
			t.Fatalf("parsing %s: %v", storetest.URLVar, err)
		}
		return opts, storetest.Prefix(t, storetest.NewClient(t))
	}
	m := miniredis.RunT(t)
	return &redis.Options{Addr: m.Addr()}, "flowbottest"
}

// Two replicas, each its own scheduler and Redis client, sharing one
// Redis: every fire runs exactly once.
func TestSchedulerTwoReplicasRunEachFireOnce(t *testing.T) {
	opts, prefix := testRedis(t)
	synctest.Test(t, func(t *testing.T) {
		sleepUntil(springFrom)
		runs := &runLog{}
		cfg := parseConfig(t, scheduleConfig)
		a := &Scheduler{Config: cfg, Claims: bubbleStore(t, opts, prefix).Nudges(), Run: runs.run, Logger: slog.New(slog.DiscardHandler)}
		b := &Scheduler{Config: cfg, Claims: bubbleStore(t, opts, prefix).Nudges(), Run: runs.run, Logger: slog.New(slog.DiscardHandler)}
		to := springFrom.AddDate(0, 0, 7)
		runScheduler(t, to, a, b)
		if diff := cmp.Diff(runs.list(), expectedRuns(t, springFrom, to)); diff != "" {
			t.Errorf("runs (-got +want):\n%s", diff)
		}
	})
}

func TestSchedulerCatchUp(t *testing.T) {
	// Monday 27 March 2000, Berlin (CEST, UTC+2): flow check 09:15 =
	// 07:15 UTC, standup 09:30 = 07:30 UTC, digest 09:00 = 07:00 UTC.
	monday := func(h, m int) time.Time { return time.Date(2000, 3, 27, h, m, 0, 0, time.UTC) }
	const payOnly = "teams:\n  - id: payments\n    channel: C0PAY\n    timezone: Europe/Berlin\n    jira: {jql: project = PAY}\n"
	tests := []struct {
		name    string
		stopped [2]time.Time // the first process ran from, to; then a restart
		restart time.Time
		fail    bool // the first process's flow check fails
		want    []string
		logged  string
	}{
		{
			name:    "a run missed by less than catch_up runs once at the restart",
			stopped: [2]time.Time{monday(6, 50), monday(7, 20)}, restart: monday(7, 40),
			want: []string{"digest 07:00 at 07:00", "flow-check 07:15 at 07:15", "standup 07:30 at 07:40"},
		},
		{
			name:    "an older one is skipped with a log line",
			stopped: [2]time.Time{monday(6, 50), monday(7, 20)}, restart: monday(8, 10),
			want:   []string{"digest 07:00 at 07:00", "flow-check 07:15 at 07:15"},
			logged: "too late to catch up",
		},
		{
			name:    "a failed run is released, so the restart retries it",
			stopped: [2]time.Time{monday(7, 10), monday(7, 20)}, restart: monday(7, 30), fail: true,
			// The restart at 07:30 sees the 07:30 standup as its latest fire
			// of that job, and the failed 07:15 flow check as one to retry.
			want: []string{"digest 07:00 at 07:10", "flow-check 07:15 at 07:15", "flow-check 07:15 at 07:30", "standup 07:30 at 07:30"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sleepUntil(tt.stopped[0])
				runs := &runLog{fail: map[string]bool{}}
				if tt.fail {
					runs.fail["payments/flow-check"] = true
				}
				claims := &memClaims{}
				var logs bytes.Buffer
				logger := slog.New(slog.NewTextHandler(&logs, nil))
				cfg := parseConfig(t, payOnly)
				runScheduler(t, tt.stopped[1], &Scheduler{Config: cfg, Claims: claims, Run: runs.run, Logger: logger})
				sleepUntil(tt.restart)
				runs.mu.Lock()
				runs.fail = map[string]bool{}
				runs.mu.Unlock()
				runScheduler(t, tt.restart.Add(10*time.Minute), &Scheduler{Config: cfg, Claims: claims, Run: runs.run, Logger: logger})
				var got []string
				for _, r := range runs.list() {
					got = append(got, fmt.Sprintf("%s %s at %s", r.Job, r.At.Format("15:04"), r.Ran.Format("15:04")))
				}
				slices.Sort(got)
				if diff := cmp.Diff(got, tt.want); diff != "" {
					t.Errorf("runs (-got +want):\n%s", diff)
				}
				if tt.logged != "" && !strings.Contains(logs.String(), tt.logged) {
					t.Errorf("log does not say %q:\n%s", tt.logged, logs.String())
				}
			})
		})
	}
}

// Only the jobs asked for are scheduled.
func TestSchedulerJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sleepUntil(springFrom)
		runs := &runLog{}
		s := &Scheduler{Config: parseConfig(t, scheduleConfig), Claims: &memClaims{}, Run: runs.run, Logger: slog.New(slog.DiscardHandler), Jobs: []string{JobFlowCheck}}
		runScheduler(t, springTo, s)
		var want []run
		for _, r := range expectedRuns(t, springFrom, springTo) {
			if r.Job == JobFlowCheck {
				want = append(want, r)
			}
		}
		if diff := cmp.Diff(runs.list(), want); diff != "" {
			t.Errorf("runs (-got +want):\n%s", diff)
		}
	})
}

// The flow-check job runs the real pipeline on a real store: the first
// fire posts, and what it did is counted.
func TestFlowCheckJob(t *testing.T) {
	p := &recordingPoster{}
	n := newNudger(t, storetest.New(t).Nudges(), nudgeItems(), p)
	n.Bot.Now = func() time.Time { return fridayCheck }
	var posted []string
	run := FlowCheckJob(n, func(team string, res FlowCheckResult) {
		for _, nu := range res.Report.Due {
			posted = append(posted, team+" "+nu.Key)
		}
	})
	if err := run(t.Context(), "payments", JobFlowCheck, fridayCheck); err != nil {
		t.Fatal(err)
	}
	if len(p.posts) != 1 {
		t.Errorf("%d posts, want 1", len(p.posts))
	}
	if diff := cmp.Diff(posted, []string{"payments stalled:PAY-1", "payments stalled:PAY-2", "payments blocked:PAY-3"}); diff != "" {
		t.Errorf("counted (-got +want):\n%s", diff)
	}
	if err := run(t.Context(), "payments", JobDigest, fridayCheck); err == nil {
		t.Error("the flow-check job ran a digest")
	}
}

// A scheduler with Live follows the configuration in effect: a team added
// gets its posts, one removed loses them, a schedule changed or switched
// off moves or stops, and a fire between the change and the next look at
// Live follows the change too. Two replicas sharing the claims still run
// each fire once.
func TestSchedulerFollowsLiveSettings(t *testing.T) {
	// Before: Payments (Berlin) and Platform (Tokyo) on the defaults.
	const before = `
teams:
  - id: payments
    channel: C0PAY
    timezone: Europe/Berlin
    jira: {jql: project = PAY}
  - id: platform
    channel: C0PLAT
    timezone: Asia/Tokyo
    jira: {jql: project = PLAT}
`
	// After, as saved in Slack: Payments' flow check at 11:00 and no
	// standup; Platform gone; Checkout (New York) new, flow check only.
	const after = `
teams:
  - id: payments
    channel: C0PAY
    timezone: Europe/Berlin
    jira: {jql: project = PAY}
    schedules: {flow_check: "0 11 * * 1-5", standup: ""}
  - id: checkout
    channel: C0CHK
    timezone: America/New_York
    jira: {jql: project = CHK}
    schedules: {flow_check: "0 10 * * *", standup: "", digest: ""}
`
	utc := func(day, h, m int) time.Time { return time.Date(2000, 3, day, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		change time.Time
		want   []string
	}{
		{
			// 15 seconds before Payments' 09:15 flow check (07:15 UTC,
			// summer time): the old entry fires before the scheduler next
			// looks at Live, and is not run.
			name:   "changed just before a fire",
			change: utc(27, 7, 14).Add(45 * time.Second),
			want: []string{
				"Mon 00:00 platform digest", "Mon 00:15 platform flow-check", "Mon 00:30 platform standup",
				"Mon 07:00 payments digest", "Mon 09:00 payments flow-check", "Mon 15:00 checkout flow-check",
				"Tue 09:00 payments flow-check", "Tue 15:00 checkout flow-check",
			},
		},
		{
			name:   "changed on Sunday",
			change: utc(26, 18, 0),
			want: []string{
				"Mon 07:00 payments digest", "Mon 09:00 payments flow-check", "Mon 15:00 checkout flow-check",
				"Tue 09:00 payments flow-check", "Tue 15:00 checkout flow-check",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sleepUntil(utc(26, 12, 0)) // Sunday noon: nothing to catch up
				live := new(atomic.Pointer[config.Config])
				live.Store(parseConfig(t, before))
				runs := &runLog{}
				claims := &memClaims{}
				ctx, cancel := context.WithCancel(t.Context())
				var wg sync.WaitGroup
				for range 2 {
					s := &Scheduler{Live: live, Claims: claims, Run: runs.run, Logger: slog.New(slog.DiscardHandler)}
					wg.Go(func() {
						if err := s.Start(ctx); err != nil {
							t.Errorf("Start: %v", err)
						}
					})
				}
				sleepUntil(tt.change)
				live.Store(parseConfig(t, after))
				sleepUntil(utc(29, 0, 0))
				synctest.Wait()
				cancel()
				wg.Wait()
				var got []string
				for _, r := range runs.list() {
					if !r.Ran.Equal(r.At) {
						t.Errorf("%s %s of %v ran at %v", r.Team, r.Job, r.At, r.Ran)
					}
					got = append(got, fmt.Sprintf("%s %s %s", r.At.Format("Mon 15:04"), r.Team, r.Job))
				}
				if diff := cmp.Diff(got, tt.want); diff != "" {
					t.Errorf("runs (-got +want):\n%s", diff)
				}
			})
		})
	}
}
