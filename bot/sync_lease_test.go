package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
)

var errLost = errors.New("lease lost")

// memLeases is an in-memory Leases recording what was done with it.
type memLeases struct {
	mu       sync.Mutex
	ttl      time.Duration
	held     map[string]string // source+" "+project -> token
	acquired []string
	renewals int
	released []string
	loseAt   int   // the renewal (1-based) that reports the lease lost; 0: never
	err      error // returned by Acquire
	down     bool  // Release fails, as with Redis down
}

func newMemLeases(ttl time.Duration) *memLeases {
	return &memLeases{ttl: ttl, held: map[string]string{}}
}

func (m *memLeases) TTL() time.Duration { return m.ttl }

func (m *memLeases) Acquire(_ context.Context, source, project string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return "", false, m.err
	}
	k := source + " " + project
	if _, ok := m.held[k]; ok {
		return "", false, nil
	}
	m.held[k] = "mine:" + k
	m.acquired = append(m.acquired, k)
	return m.held[k], true, nil
}

func (m *memLeases) Renew(_ context.Context, source, project, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.renewals++
	if m.loseAt > 0 && m.renewals >= m.loseAt {
		m.held[source+" "+project] = "someone else"
	}
	if m.held[source+" "+project] != token {
		return errLost
	}
	return nil
}

func (m *memLeases) Release(ctx context.Context, source, project, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if m.down {
		return errors.New("redis is unreachable")
	}
	k := source + " " + project
	if m.held[k] != token {
		return errLost
	}
	delete(m.held, k)
	m.released = append(m.released, k)
	return nil
}

// prSource is a PullRequestSource counting its syncs per repository.
type prSource struct {
	mu    sync.Mutex
	repos []string
}

func (p *prSource) Sync(_ context.Context, repo, cursor string, fn func([]coach.PullRequest) error) (string, int, error) {
	p.mu.Lock()
	p.repos = append(p.repos, repo)
	p.mu.Unlock()
	return "next", 1, fn([]coach.PullRequest{{Repo: repo, Number: 1}})
}

// waitingSource is an IssueSource whose sync of the team's query runs
// for a while (virtual time, in a synctest bubble) or until ctx ends.
type waitingSource struct {
	d        time.Duration
	canceled func() // when set, called instead of waiting: the caller's ctx ends
}

func (w *waitingSource) Statuses(context.Context) ([]coach.Status, error) { return testStatuses, nil }

func (w *waitingSource) SyncIssues(ctx context.Context, jql string, since time.Time, fn func([]coach.Item) error) (time.Time, []JiraUser, error) {
	if jql != "project = PAY" {
		return since, nil, nil
	}
	if w.canceled != nil {
		w.canceled()
	}
	select {
	case <-time.After(w.d):
		return since, nil, nil
	case <-ctx.Done():
		return since, nil, ctx.Err()
	}
}

func leaseConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte("teams:\n  - id: payments\n    jira:\n      jql: project = PAY\n    github:\n      repos: [acme/api, acme/web]\n"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestSyncSkipsWorkWhoseLeaseIsHeldElsewhere(t *testing.T) {
	tests := []struct {
		name        string
		heldElse    []string
		wantSkipped []string
		wantRepos   []string
		wantJira    int
		wantLast    bool
	}{
		{"nothing held elsewhere", nil, nil, []string{"acme/api", "acme/web"}, 1, true},
		{"jira held elsewhere", []string{"jira payments"}, []string{"jira"}, []string{"acme/api", "acme/web"}, 0, true},
		{"one repo held elsewhere", []string{"github acme/web"}, []string{"github acme/web"}, []string{"acme/api"}, 1, true},
		{"everything held elsewhere", []string{"jira payments", "github acme/api", "github acme/web"},
			[]string{"jira", "github acme/api", "github acme/web"}, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leases := newMemLeases(time.Hour)
			for _, k := range tt.heldElse {
				leases.held[k] = "another replica"
			}
			jira, gh := &countingSource{}, &prSource{}
			mem := &syncMem{cursors: map[string]string{}}
			s := &Syncer{Config: leaseConfig(t), Store: mem, Jira: jira, GitHub: gh, Leases: leases,
				Logger: slog.New(slog.DiscardHandler)}
			sum := s.SyncAll(t.Context())
			if err := sum.Err(); err != nil {
				t.Fatalf("SyncAll: %v", err)
			}
			if diff := cmp.Diff(sum.Teams[0].Skipped, tt.wantSkipped); diff != "" {
				t.Errorf("skipped (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(gh.repos, tt.wantRepos); diff != "" {
				t.Errorf("repositories synced (-got +want):\n%s", diff)
			}
			if got := len(jira.syncs); got != tt.wantJira {
				t.Errorf("jira synced %d times, want %d", got, tt.wantJira)
			}
			if got := !mem.last.IsZero(); got != tt.wantLast {
				t.Errorf("last sync recorded = %v, want %v", got, tt.wantLast)
			}
			// Every lease taken here is released; the others' stay theirs.
			if diff := cmp.Diff(leases.released, leases.acquired); diff != "" {
				t.Errorf("released (-got +want):\n%s", diff)
			}
			for _, k := range tt.heldElse {
				if leases.held[k] != "another replica" {
					t.Errorf("lease %s = %q, want it left to another replica", k, leases.held[k])
				}
			}
		})
	}
}

func TestSyncRenewsItsLeaseWhileWorking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leases := newMemLeases(30 * time.Second)
		losses := &lockCounts{}
		s := &Syncer{Config: leaseConfig(t), Store: &syncMem{cursors: map[string]string{}},
			Jira: &waitingSource{d: 45 * time.Second}, GitHub: &prSource{}, Leases: leases, LockLosses: losses,
			Logger: slog.New(slog.DiscardHandler)}
		if err := s.SyncAll(t.Context()).Err(); err != nil {
			t.Fatalf("SyncAll: %v", err)
		}
		// Every 10s of the 45s the Jira sync took: at 10, 20, 30 and 40.
		if leases.renewals != 4 {
			t.Errorf("renewed %d times during a 45s sync with a 30s lease, want 4", leases.renewals)
		}
		if len(leases.held) != 0 {
			t.Errorf("leases still held after the sync: %v", leases.held)
		}
		if got := losses.got(); len(got) != 0 {
			t.Errorf("lock losses = %v, want none", got)
		}
	})
}

func TestSyncStopsWhenItsLeaseIsLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leases := newMemLeases(30 * time.Second)
		leases.loseAt = 2
		mem := &syncMem{cursors: map[string]string{}}
		start := time.Now()
		losses := &lockCounts{}
		s := &Syncer{Config: leaseConfig(t), Store: mem,
			Jira: &waitingSource{d: time.Hour}, GitHub: &prSource{}, Leases: leases, LockLosses: losses,
			Logger: slog.New(slog.DiscardHandler)}
		sum := s.SyncAll(t.Context())
		if took := time.Since(start); took != 20*time.Second {
			t.Errorf("sync took %v, want it stopped at the failed renewal at 20s", took)
		}
		err := sum.Err()
		if err == nil || !strings.Contains(err.Error(), "sync lease on jira payments lost") {
			t.Errorf("error = %v, want it to say the jira lease was lost", err)
		}
		if !mem.last.IsZero() {
			t.Error("last sync recorded after a lost lease")
		}
		if diff := cmp.Diff(losses.got(), map[string]int{LockLostRenewal: 1}); diff != "" {
			t.Errorf("lock losses (-got +want):\n%s", diff)
		}
		// The repositories' leases were fine: synced and released.
		if diff := cmp.Diff(leases.released, []string{"github acme/api", "github acme/web"}); diff != "" {
			t.Errorf("released (-got +want):\n%s", diff)
		}
	})
}

// A sync cut short by shutdown still releases its lease, so another
// replica can take the work at once rather than after the TTL.
func TestSyncReleasesItsLeaseOnShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leases := newMemLeases(30 * time.Second)
		ctx, cancel := context.WithCancel(t.Context())
		s := &Syncer{Config: leaseConfig(t), Store: &syncMem{cursors: map[string]string{}},
			Jira: &waitingSource{d: time.Hour, canceled: cancel}, Leases: leases,
			Logger: slog.New(slog.DiscardHandler)}
		sum := s.SyncAll(ctx)
		if !errors.Is(sum.Err(), context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", sum.Err())
		}
		if diff := cmp.Diff(leases.released, []string{"jira payments"}); diff != "" {
			t.Errorf("released (-got +want):\n%s", diff)
		}
	})
}

func TestSyncLeaseUnavailable(t *testing.T) {
	leases := newMemLeases(time.Hour)
	leases.err = errors.New("redis is unreachable")
	jira := &countingSource{}
	s := &Syncer{Config: leaseConfig(t), Store: &syncMem{cursors: map[string]string{}},
		Jira: jira, GitHub: &prSource{}, Leases: leases, Logger: slog.New(slog.DiscardHandler)}
	err := s.SyncAll(t.Context()).Err()
	if err == nil || !strings.Contains(err.Error(), "taking the sync lease on jira payments: redis is unreachable") {
		t.Errorf("error = %v, want it to name the lease and the cause", err)
	}
	if len(jira.syncs) != 0 {
		t.Error("synced jira without its lease")
	}
}

// A lease whose release failed (Redis went away after the work) is
// released by the next sync of the same Syncer, which then does the work
// instead of skipping it until the lease lapses.
func TestSyncReleasesALeaseLeftByAFailedRelease(t *testing.T) {
	leases := newMemLeases(time.Hour)
	cfg, err := config.Parse([]byte("teams:\n  - id: payments\n    jira:\n      jql: project = PAY\n"))
	if err != nil {
		t.Fatal(err)
	}
	jira := &countingSource{}
	s := &Syncer{Config: cfg, Store: &syncMem{cursors: map[string]string{}}, Jira: jira, Leases: leases,
		Logger: slog.New(slog.DiscardHandler)}
	leases.down = true
	if err := s.SyncAll(t.Context()).Err(); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	if len(leases.held) != 1 {
		t.Fatalf("leases held after a failed release = %v, want the one left behind", leases.held)
	}
	leases.down = false
	sum := s.SyncAll(t.Context())
	if err := sum.Err(); err != nil {
		t.Fatalf("second sync: %v", err)
	}
	if len(sum.Teams[0].Skipped) != 0 || len(jira.syncs) != 2 {
		t.Errorf("second sync skipped %v and synced jira %d times in all, want nothing skipped and 2", sum.Teams[0].Skipped, len(jira.syncs))
	}
	if len(leases.held) != 0 {
		t.Errorf("leases held after the second sync: %v", leases.held)
	}
}

// lockCounts is a LockLosses counting by kind.
type lockCounts struct {
	mu     sync.Mutex
	counts map[string]int
}

func (l *lockCounts) LockLost(kind string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[string]int{}
	}
	l.counts[kind]++
}

func (l *lockCounts) got() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.counts)
}

// pausingSource hands out one page for the team's query, titled title.
// With paused set, it holds the page back until resume closes: the stall
// (a GC pause, a partition) of a replica whose lease lapses meanwhile.
type pausingSource struct {
	title          string
	paused, resume chan struct{}
}

func (p *pausingSource) Statuses(context.Context) ([]coach.Status, error) { return testStatuses, nil }

func (p *pausingSource) SyncIssues(_ context.Context, jql string, since time.Time, fn func([]coach.Item) error) (time.Time, []JiraUser, error) {
	if jql != "project = PAY" {
		return since, nil, nil
	}
	if p.paused != nil {
		close(p.paused)
		<-p.resume
	}
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	return at, nil, fn([]coach.Item{{Key: "PAY-1", Title: p.title, Type: "Story", Status: "To Do", Created: at, Updated: at}})
}

// TestSyncStaleLeaseHolderCannotWrite runs two Syncers, two replicas, on
// one Redis: the first stalls holding a page while its lease lapses, the
// second takes the lease and syncs, and the first's page, when it comes,
// is refused by the store instead of overwriting the newer data.
func TestSyncStaleLeaseHolderCannotWrite(t *testing.T) {
	cfg, err := config.Parse([]byte("teams:\n  - id: payments\n    jira:\n      jql: project = PAY\n"))
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.New(t)
	// Renewals every 20 minutes never come: the lease lapses only when the
	// test says so.
	leases := db.Leases(time.Hour)
	ctx := t.Context()

	var logA bytes.Buffer
	srcA := &pausingSource{title: "stale, from the replica that stalled", paused: make(chan struct{}), resume: make(chan struct{})}
	countsA, countsB := &lockCounts{}, &lockCounts{}
	a := &Syncer{Config: cfg, Store: db, Jira: srcA, Leases: leases, Fence: leases, LockLosses: countsA,
		Logger: slog.New(slog.NewJSONHandler(&logA, nil))}
	b := &Syncer{Config: cfg, Store: db, Jira: &pausingSource{title: "fresh"}, Leases: leases, Fence: leases, LockLosses: countsB,
		Logger: slog.New(slog.DiscardHandler)}

	done := make(chan Summary)
	go func() { done <- a.SyncAll(ctx) }()
	<-srcA.paused
	// The lease lapses while A stalls: end it as its TTL would.
	tokenA, err := leases.Holder(ctx, "jira", "payments")
	if err != nil || tokenA == "" {
		t.Fatalf("Holder = %q, %v; want A's token", tokenA, err)
	}
	if err := leases.Release(ctx, "jira", "payments", tokenA); err != nil {
		t.Fatal(err)
	}
	sumB := b.SyncAll(ctx)
	if err := sumB.Err(); err != nil || len(sumB.Teams[0].Skipped) != 0 || sumB.Items != 1 {
		t.Fatalf("B's sync: %d items, skipped %v, err %v; want 1 item synced", sumB.Items, sumB.Teams[0].Skipped, err)
	}
	close(srcA.resume)
	sumA := <-done

	if err := sumA.Err(); !errors.Is(err, store.ErrStaleFence) {
		t.Errorf("A's sync error = %v, want ErrStaleFence", err)
	}
	items, err := db.Items(ctx, "payments")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Title != "fresh" {
		t.Errorf("stored items = %+v, want only B's", items)
	}
	if diff := cmp.Diff(countsA.got(), map[string]int{LockLostFence: 1}); diff != "" {
		t.Errorf("A's lock losses (-got +want):\n%s", diff)
	}
	if got := countsB.got(); len(got) != 0 {
		t.Errorf("B's lock losses = %v, want none", got)
	}
	// One line says what happened, with where.
	var stopped []map[string]any
	for line := range strings.Lines(logA.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if msg, _ := rec["msg"].(string); strings.Contains(msg, "writes are refused") {
			stopped = append(stopped, map[string]any{"team": rec["team"], "source": rec["source"], "project": rec["project"], "level": rec["level"]})
		}
	}
	want := []map[string]any{{"team": "payments", "source": "jira", "project": "payments", "level": "WARN"}}
	if diff := cmp.Diff(stopped, want); diff != "" {
		t.Errorf("refused-write log lines (-got +want):\n%s\nlog:\n%s", diff, logA.String())
	}
	// A had nothing to release, and released nothing of B's: the lease is free.
	if h, err := leases.Holder(ctx, "jira", "payments"); err != nil || h != "" {
		t.Errorf("lease holder after both syncs = %q, %v; want none", h, err)
	}
}
