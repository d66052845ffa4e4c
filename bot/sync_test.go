package bot

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store/storetest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// countingSource is an IssueSource that hands out one item per sync and
// counts the syncs.
type countingSource struct {
	mu    sync.Mutex
	syncs []time.Time
	since []time.Time
	users []JiraUser // the assignees each sync reports
}

func (c *countingSource) Statuses(context.Context) ([]coach.Status, error) { return testStatuses, nil }

func (c *countingSource) SyncIssues(_ context.Context, jql string, since time.Time, fn func([]coach.Item) error) (time.Time, []JiraUser, error) {
	if jql != "project = PAY" {
		return since, nil, nil // the incident query: nothing to hand out
	}
	c.mu.Lock()
	c.syncs = append(c.syncs, time.Now())
	c.since = append(c.since, since)
	c.mu.Unlock()
	at := time.Now().Add(-time.Minute)
	return at, c.users, fn([]coach.Item{{Key: "PAY-1", Status: "To Do", Created: at, Updated: at}})
}

// After a team's sync the Syncer links the Jira users it saw by e-mail;
// a directory failing leaves the sync itself successful.
func TestSyncLinksPeopleByEmail(t *testing.T) {
	cfg, err := config.Parse([]byte("teams:\n  - id: payments\n    jira:\n      jql: project = PAY\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		users []JiraUser
		want  []coach.Identity
	}{
		{name: "revealed address", users: []JiraUser{{AccountID: "acc-ana", DisplayName: "Ana Lima", Email: "ana@example.com"}},
			want: []coach.Identity{{Slack: "U0ANA", Jira: "Ana Lima", JiraAccount: "acc-ana"}}},
		{name: "hidden address", users: []JiraUser{{AccountID: "acc-bo", DisplayName: "Bo Chen"}}},
		{name: "directory failing", users: []JiraUser{{AccountID: "acc-x", DisplayName: "X", Email: "broken@example.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.New(t)
			src := &countingSource{users: tt.users}
			s := &Syncer{Config: cfg, Store: db, Jira: src, Logger: slog.New(slog.DiscardHandler),
				Linker: &Linker{People: db.Nudges(), Slack: emailBook{"ana@example.com": "U0ANA"}}}
			if err := s.SyncAll(t.Context()).Err(); err != nil {
				t.Fatalf("sync failed: %v", err)
			}
			got, err := db.Nudges().People(t.Context(), "payments")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("people (-got +want):\n%s", diff)
			}
		})
	}
}

// syncMem is an in-memory SyncStore.
type syncMem struct {
	mu      sync.Mutex
	items   int
	cursors map[string]string
	last    time.Time
}

func (m *syncMem) PutItems(_ context.Context, _ string, items []coach.Item) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items += len(items)
	return nil
}
func (m *syncMem) Items(context.Context, string) ([]coach.Item, error)     { return nil, nil }
func (m *syncMem) FlowFingerprint(context.Context, string) (string, error) { return "", nil }
func (m *syncMem) PutFlowIndex(context.Context, string, string, []coach.Flow) error {
	return nil
}
func (m *syncMem) ReplaceFlowIndex(context.Context, string, string, []coach.Flow) error {
	return nil
}
func (m *syncMem) PutDeployments(context.Context, string, []coach.Deployment) error   { return nil }
func (m *syncMem) PutIncidents(context.Context, string, []coach.Item) error           { return nil }
func (m *syncMem) PutPullRequests(context.Context, string, []coach.PullRequest) error { return nil }
func (m *syncMem) PutStatuses(context.Context, string, []coach.Status) error          { return nil }
func (m *syncMem) Cursor(_ context.Context, team, source, scope string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cursors[team+source+scope], nil
}
func (m *syncMem) SetCursor(_ context.Context, team, source, scope, v string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cursors[team+source+scope] = v
	return nil
}
func (m *syncMem) SetLastSync(_ context.Context, _ string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last = at
	return nil
}

func TestSyncerRunSyncsAtOnceThenEveryInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg, err := config.Parse([]byte("teams:\n  - id: payments\n    jira:\n      jql: project = PAY\n"))
		if err != nil {
			t.Fatal(err)
		}
		src := &countingSource{}
		mem := &syncMem{cursors: map[string]string{}}
		s := &Syncer{Config: cfg, Store: mem, Jira: src, Logger: slog.New(slog.DiscardHandler)}
		start := time.Now()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- s.Run(ctx, 10*time.Minute) }()
		time.Sleep(25 * time.Minute)
		synctest.Wait()
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		// At 0, 10 and 20 minutes.
		if len(src.syncs) != 3 {
			t.Fatalf("synced %d times in 25 minutes, want 3: %v", len(src.syncs), src.syncs)
		}
		for i, at := range src.syncs {
			if want := start.Add(time.Duration(i) * 10 * time.Minute); !at.Equal(want) {
				t.Errorf("sync %d at +%v, want +%v", i, at.Sub(start), want.Sub(start))
			}
		}
		// The first sync is a backfill; later ones start from the cursor.
		if !src.since[0].IsZero() || src.since[1].IsZero() {
			t.Errorf("since = %v, want zero then the stored cursor", src.since)
		}
		if mem.items != 3 || mem.last.IsZero() {
			t.Errorf("stored %d items, last sync %v; want 3 and a time", mem.items, mem.last)
		}
	})
}
