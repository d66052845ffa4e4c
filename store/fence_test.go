package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
)

// fenceFixture is a DB on its own prefix with two grants of the lease on
// ("jira", "payments"): the old one, lost, and the new one after it.
type fenceFixture struct {
	db       *store.DB
	rdb      redis.UniversalClient
	prefix   string
	old, new context.Context
}

func newFenceFixture(t *testing.T) fenceFixture {
	t.Helper()
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	db := store.New(rdb, store.Options{Prefix: prefix})
	l := db.Leases(time.Hour)
	old := mustAcquire(t, l, "jira", "payments")
	// Released here; in production it lapses while its holder stalls.
	if err := l.Release(t.Context(), "jira", "payments", old); err != nil {
		t.Fatal(err)
	}
	cur := mustAcquire(t, l, "jira", "payments")
	return fenceFixture{db: db, rdb: rdb, prefix: prefix, old: fenced(t, old), new: fenced(t, cur)}
}

func fenced(t *testing.T, token string) context.Context {
	t.Helper()
	ctx, err := store.WithFence(t.Context(), "jira", "payments", token)
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// snapshot is every key under prefix with its value: a write that landed
// in part shows as a difference. (Not DUMP, which miniredis has for
// strings only.)
func snapshot(t *testing.T, rdb redis.UniversalClient, prefix string) map[string]any {
	t.Helper()
	ctx := context.Background()
	out := map[string]any{}
	for _, k := range scanKeys(t, rdb, prefix+":*") {
		typ, err := rdb.Type(ctx, k).Result()
		if err != nil {
			t.Fatalf("reading the type of %s: %v", k, err)
		}
		var v any
		switch typ {
		case "string":
			v, err = rdb.Get(ctx, k).Result()
		case "hash":
			v, err = rdb.HGetAll(ctx, k).Result()
		case "zset":
			v, err = rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
		case "set":
			var m []string
			m, err = rdb.SMembers(ctx, k).Result()
			slices.Sort(m)
			v = m
		default:
			t.Fatalf("%s: snapshot does not read a %s", k, typ)
		}
		if err != nil {
			t.Fatalf("reading %s: %v", k, err)
		}
		out[k] = v
	}
	return out
}

func item(key, status string) coach.Item {
	return coach.Item{Key: key, Title: key, Type: "Story", Status: status, Created: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC), Updated: time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)}
}

// fencedWrites are the store's writes a sync makes under a lease; each
// gets a version (1: the old holder's, 2: the new holder's).
var fencedWrites = []struct {
	name  string
	write func(ctx context.Context, db *store.DB, version int) error
}{
	{"items", func(ctx context.Context, db *store.DB, v int) error {
		items := []coach.Item{item("PAY-1", fmt.Sprint("status ", v))}
		if v == 1 {
			items = append(items, item("PAY-2", "only the old holder has it"))
		}
		return db.PutItems(ctx, "payments", items)
	}},
	{"incidents", func(ctx context.Context, db *store.DB, v int) error {
		return db.PutIncidents(ctx, "payments", []coach.Item{item("OPS-1", fmt.Sprint("status ", v))})
	}},
	{"pull requests", func(ctx context.Context, db *store.DB, v int) error {
		return db.PutPullRequests(ctx, "payments", []coach.PullRequest{{Repo: "acme/api", Number: 1, Title: fmt.Sprint("v", v), Created: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}})
	}},
	{"statuses", func(ctx context.Context, db *store.DB, v int) error {
		return db.PutStatuses(ctx, "payments", []coach.Status{{ID: "1", Name: fmt.Sprint("Doing ", v), Category: coach.CategoryIndeterminate}})
	}},
	{"cursor", func(ctx context.Context, db *store.DB, v int) error {
		return db.SetCursor(ctx, "payments", "jira", "", fmt.Sprint("cursor ", v))
	}},
	{"last sync", func(ctx context.Context, db *store.DB, v int) error {
		return db.SetLastSync(ctx, "payments", time.Date(2025, 3, v, 9, 0, 0, 0, time.UTC))
	}},
	{"flow index", func(ctx context.Context, db *store.DB, v int) error {
		return db.ReplaceFlowIndex(ctx, "payments", fmt.Sprint("workflow ", v), nil)
	}},
}

func TestFencedWriteRefusesStaleFence(t *testing.T) {
	for _, tt := range fencedWrites {
		t.Run(tt.name, func(t *testing.T) {
			f := newFenceFixture(t)
			if err := tt.write(f.new, f.db, 2); err != nil {
				t.Fatalf("the new holder's write: %v", err)
			}
			before := snapshot(t, f.rdb, f.prefix)
			err := tt.write(f.old, f.db, 1)
			if !errors.Is(err, store.ErrStaleFence) || !errors.Is(err, store.ErrLeaseLost) {
				t.Fatalf("the old holder's write = %v, want ErrStaleFence and ErrLeaseLost", err)
			}
			if msg := err.Error(); !strings.Contains(msg, "jira payments held with fence 1, fence 2 already wrote") {
				t.Errorf("error %q does not say which fence it held and which it met", msg)
			}
			if diff := cmp.Diff(snapshot(t, f.rdb, f.prefix), before); diff != "" {
				t.Errorf("the refused write changed the store (-got +want):\n%s", diff)
			}
		})
	}
}

func TestFencedWriteAcceptsNewerFence(t *testing.T) {
	f := newFenceFixture(t)
	ctx := t.Context()
	steps := []struct {
		name    string
		ctx     context.Context
		status  string
		wantErr bool
	}{
		{"old holder before the new one wrote", f.old, "old", false},
		{"old holder again", f.old, "old again", false},
		{"new holder", f.new, "new", false},
		{"new holder again", f.new, "new again", false},
		{"old holder after the new one wrote", f.old, "stale", true},
		{"a write without a fence", ctx, "unfenced", false},
		{"new holder after an unfenced write", f.new, "new last", false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := f.db.PutItems(st.ctx, "payments", []coach.Item{item("PAY-1", st.status)})
			if got := err != nil; got != st.wantErr {
				t.Fatalf("PutItems = %v, want error: %v", err, st.wantErr)
			}
			if st.wantErr && !errors.Is(err, store.ErrStaleFence) {
				t.Fatalf("PutItems = %v, want ErrStaleFence", err)
			}
		})
	}
	items, err := f.db.Items(ctx, "payments")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := items[0].Status, "new last"; len(items) != 1 || got != want {
		t.Errorf("stored status = %q (%d items), want %q", got, len(items), want)
	}
}

func TestFencesAreIndependent(t *testing.T) {
	tests := []struct {
		name            string
		team            string
		source, project string
	}{
		{"another project of the source", "payments", "github", "acme/api"},
		{"another source, same name", "payments", "github", "payments"},
		{"the same lease in another team", "checkout", "jira", "payments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFenceFixture(t)
			if err := f.db.SetCursor(f.new, "payments", "jira", "", "new"); err != nil {
				t.Fatal(err)
			}
			ctx, err := store.WithFence(t.Context(), tt.source, tt.project, "1:abc")
			if err != nil {
				t.Fatal(err)
			}
			if err := f.db.SetCursor(ctx, tt.team, "github", tt.project, "x"); err != nil {
				t.Errorf("a write with fence 1 of %s %s in %s = %v, want it to land", tt.source, tt.project, tt.team, err)
			}
		})
	}
}

func TestFenceKeySharesTheTeamSlot(t *testing.T) {
	f := newFenceFixture(t)
	if err := f.db.SetCursor(f.new, "payments", "jira", "", "c"); err != nil {
		t.Fatal(err)
	}
	got := scanKeys(t, f.rdb, f.prefix+":*fence:*")
	want := []string{f.prefix + ":{payments}:fence:jira:payments"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Fatalf("fence keys (-got +want):\n%s", diff)
	}
	if keySlot(got[0]) != keySlot(f.prefix+":{payments}:items") {
		t.Errorf("fence key in slot %d, the team's items in %d: want one slot", keySlot(got[0]), keySlot(f.prefix+":{payments}:items"))
	}
	if v, err := f.rdb.Get(t.Context(), got[0]).Result(); err != nil || v != "2" {
		t.Errorf("stored fence = %q, %v; want \"2\"", v, err)
	}
}

// TestFencedConcurrentWriters races writers holding fences 1 to n, each
// writing its own fence as the cursor: every writer's writes land until a
// higher fence wrote and are refused from then on, the highest fence's all
// land, and the cursor ends as the highest fence wrote it.
func TestFencedConcurrentWriters(t *testing.T) {
	const writers, writes = 6, 20
	db := storetest.New(t)
	start := make(chan struct{})
	type outcome struct{ landed, refused int }
	outcomes := make([]outcome, writers+1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for fence := 1; fence <= writers; fence++ {
		ctx, err := store.WithFence(context.Background(), "github", "acme/api", strconv.Itoa(fence)+":x")
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			<-start
			for range writes {
				err := db.SetCursor(ctx, "payments", "github", "acme/api", strconv.Itoa(fence))
				mu.Lock()
				switch {
				case err == nil && outcomes[fence].refused > 0:
					t.Errorf("fence %d: a write landed after one was refused", fence)
				case err == nil:
					outcomes[fence].landed++
				case errors.Is(err, store.ErrStaleFence):
					outcomes[fence].refused++
				default:
					t.Errorf("fence %d: %v", fence, err)
				}
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if got := outcomes[writers]; got.landed != writes {
		t.Errorf("highest fence: %d writes landed, %d refused; want all %d landed", got.landed, got.refused, writes)
	}
	got, err := db.Cursor(t.Context(), "payments", "github", "acme/api")
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.Itoa(writers); got != want {
		t.Errorf("cursor = %q, want %q: a lower fence wrote after the highest", got, want)
	}
}

func TestWithFenceInvalid(t *testing.T) {
	tests := []struct{ name, source, project, token string }{
		{"source with a capital", "Jira", "payments", "1:x"},
		{"brace in project", "jira", "pay}ments", "1:x"},
		{"empty project", "jira", "", "1:x"},
		{"token without a fence", "jira", "payments", "x"},
		{"fence not a number", "jira", "payments", "one:x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := store.WithFence(t.Context(), tt.source, tt.project, tt.token); err == nil {
				t.Errorf("WithFence(%q, %q, %q) succeeded, want an error", tt.source, tt.project, tt.token)
			}
		})
	}
}

// interloper is a go-redis hook that runs run once, right after the first
// GET of key: another writer's whole write slipped in between a fenced
// write's check and its EXEC.
type interloper struct {
	key   string
	fired atomic.Bool
	run   func()
}

func (h *interloper) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *interloper) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (h *interloper) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if args := cmd.Args(); cmd.Name() == "get" && len(args) == 2 && args[1] == h.key && h.fired.CompareAndSwap(false, true) {
			h.run()
		}
		return err
	}
}

// TestFencedWriteChecksAndWritesAtomically lets the new holder write
// between the old holder's fence check and its EXEC: the old write must
// notice, check again and be refused, rather than land on top and lower
// the fence.
func TestFencedWriteChecksAndWritesAtomically(t *testing.T) {
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	db := store.New(rdb, store.Options{Prefix: prefix})
	ctx := t.Context()
	if err := db.SetCursor(ctx, "payments", "jira", "", "before"); err != nil {
		t.Fatal(err)
	}
	oldCtx, err := store.WithFence(ctx, "jira", "payments", "1:old")
	if err != nil {
		t.Fatal(err)
	}
	newCtx, err := store.WithFence(ctx, "jira", "payments", "2:new")
	if err != nil {
		t.Fatal(err)
	}
	h := &interloper{key: prefix + ":{payments}:fence:jira:payments", run: func() {
		if err := db.SetCursor(newCtx, "payments", "jira", "", "new"); err != nil {
			t.Errorf("the new holder's write: %v", err)
		}
	}}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		// A cluster client runs transactions on its node clients.
		err := cc.ForEachShard(ctx, func(_ context.Context, c *redis.Client) error {
			c.AddHook(h)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	} else {
		rdb.AddHook(h)
	}
	err = db.SetCursor(oldCtx, "payments", "jira", "", "old")
	if !h.fired.Load() {
		t.Fatal("the new holder never slipped in: the fence key was not read")
	}
	if !errors.Is(err, store.ErrStaleFence) {
		t.Errorf("the old holder's write = %v, want ErrStaleFence", err)
	}
	if got, err := db.Cursor(ctx, "payments", "jira", ""); err != nil || got != "new" {
		t.Errorf("cursor = %q, %v; want the new holder's", got, err)
	}
	if v, err := rdb.Get(ctx, h.key).Result(); err != nil || v != "2" {
		t.Errorf("stored fence = %q, %v; want \"2\"", v, err)
	}
}
