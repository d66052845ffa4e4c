package store_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
	"github.com/redis/go-redis/v9"
)

// leaseFixture is a Leases on its own prefix, with the raw client to look
// at and play expiry on its keys.
func leaseFixture(t *testing.T, ttl time.Duration) (*store.Leases, redis.UniversalClient, string) {
	t.Helper()
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	return store.New(rdb, store.Options{Prefix: prefix}).Leases(ttl), rdb, prefix
}

func mustAcquire(t *testing.T, l *store.Leases, source, project string) string {
	t.Helper()
	token, ok, err := l.Acquire(t.Context(), source, project)
	if err != nil || !ok {
		t.Fatalf("Acquire(%s, %s) = %q, %v, %v; want a token", source, project, token, ok, err)
	}
	return token
}

func fence(t *testing.T, token string) int64 {
	t.Helper()
	f, err := store.Fence(token)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLeaseIsExclusive(t *testing.T) {
	l, _, _ := leaseFixture(t, time.Hour)
	ctx := t.Context()
	a := mustAcquire(t, l, "github", "acme/api")
	if _, ok, err := l.Acquire(ctx, "github", "acme/api"); err != nil || ok {
		t.Errorf("second Acquire = %v, %v; want not granted, no error", ok, err)
	}
	// Another project of the same source, and the same project of another
	// source, are other leases.
	mustAcquire(t, l, "github", "acme/web")
	mustAcquire(t, l, "jira", "acme/api")
	if got, err := l.Holder(ctx, "github", "acme/api"); err != nil || got != a {
		t.Errorf("Holder = %q, %v; want %q", got, err, a)
	}
	if got, want := fence(t, a), int64(1); got != want {
		t.Errorf("first fence = %d, want %d", got, want)
	}
}

func TestLeaseConcurrentAcquireGrantsOne(t *testing.T) {
	l, _, _ := leaseFixture(t, time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted, errs := 0, 0
	for range 20 {
		wg.Go(func() {
			_, ok, err := l.Acquire(context.Background(), "jira", "payments")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
			}
			if ok {
				granted++
			}
		})
	}
	wg.Wait()
	if granted != 1 || errs != 0 {
		t.Errorf("granted %d of 20 concurrent acquires with %d errors, want 1 and 0", granted, errs)
	}
}

func TestLeaseRenew(t *testing.T) {
	l, rdb, prefix := leaseFixture(t, time.Hour)
	ctx := t.Context()
	key := prefix + ":lease:{jira:payments}"
	token := mustAcquire(t, l, "jira", "payments")
	if ttl := rdb.PTTL(ctx, key).Val(); ttl <= 59*time.Minute {
		t.Fatalf("PTTL after Acquire = %v, want about the lease TTL of 1h", ttl)
	}
	rdb.PExpire(ctx, key, time.Minute) // as if most of the TTL had passed
	if err := l.Renew(ctx, "jira", "payments", token); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	if ttl := rdb.PTTL(ctx, key).Val(); ttl <= 59*time.Minute {
		t.Errorf("PTTL after Renew = %v, want it back at about 1h", ttl)
	}
	if err := l.Renew(ctx, "jira", "payments", "1:someone-else"); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("Renew with another token = %v, want ErrLeaseLost", err)
	}
}

func TestLeaseRelease(t *testing.T) {
	l, _, _ := leaseFixture(t, time.Hour)
	ctx := t.Context()
	token := mustAcquire(t, l, "jira", "payments")
	if err := l.Release(ctx, "jira", "payments", "1:someone-else"); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("Release with another token = %v, want ErrLeaseLost", err)
	}
	if got, _ := l.Holder(ctx, "jira", "payments"); got != token {
		t.Fatalf("Release with another token freed the lease: holder = %q, want %q", got, token)
	}
	if err := l.Release(ctx, "jira", "payments", token); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if got, err := l.Holder(ctx, "jira", "payments"); err != nil || got != "" {
		t.Errorf("Holder after Release = %q, %v; want none", got, err)
	}
	next := mustAcquire(t, l, "jira", "payments")
	if got, want := fence(t, next), fence(t, token)+1; got != want {
		t.Errorf("fence of the next grant = %d, want %d", got, want)
	}
	if err := l.Release(ctx, "jira", "payments", token); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("second Release of an old token = %v, want ErrLeaseLost", err)
	}
}

// A holder whose lease lapsed (a stalled replica) finds out on its next
// renewal, and its late release leaves the new holder's lease alone.
func TestLeaseLapsed(t *testing.T) {
	l, rdb, prefix := leaseFixture(t, time.Hour)
	ctx := t.Context()
	old := mustAcquire(t, l, "github", "acme/api")
	rdb.Del(ctx, prefix+":lease:{github:acme/api}") // what expiry does
	current := mustAcquire(t, l, "github", "acme/api")
	if fence(t, current) <= fence(t, old) {
		t.Errorf("fence after a lapse = %d, want more than the old %d", fence(t, current), fence(t, old))
	}
	if err := l.Renew(ctx, "github", "acme/api", old); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("Renew of a lapsed lease = %v, want ErrLeaseLost", err)
	}
	if err := l.Release(ctx, "github", "acme/api", old); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("Release of a lapsed lease = %v, want ErrLeaseLost", err)
	}
	if got, _ := l.Holder(ctx, "github", "acme/api"); got != current {
		t.Errorf("holder = %q, want the new holder %q", got, current)
	}
}

// The lease and its fence are one Lua script's keys: on a Cluster they must
// share a slot (the suite runs on a real one in CI, which refuses
// otherwise).
func TestLeaseKeysShareOneSlot(t *testing.T) {
	l, rdb, prefix := leaseFixture(t, time.Hour)
	mustAcquire(t, l, "github", "acme/api")
	keys := scanKeys(t, rdb, prefix+":lease:*")
	want := []string{prefix + ":lease:{github:acme/api}", prefix + ":lease:{github:acme/api}:fence"}
	if len(keys) != 2 || keys[0] != want[0] || keys[1] != want[1] {
		t.Fatalf("lease keys = %q, want %q", keys, want)
	}
	if keySlot(keys[0]) != keySlot(keys[1]) {
		t.Errorf("lease key in slot %d, fence in slot %d: want one slot", keySlot(keys[0]), keySlot(keys[1]))
	}
}

func TestLeaseInvalidNames(t *testing.T) {
	l, _, _ := leaseFixture(t, time.Hour)
	tests := []struct{ name, source, project string }{
		{"source with a capital", "GitHub", "acme/api"},
		{"empty project", "jira", ""},
		{"brace in project", "jira", "pay}ments"},
		{"space in project", "jira", "pay ments"},
		{"long project", "jira", strings.Repeat("x", 201)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok, err := l.Acquire(t.Context(), tt.source, tt.project); err == nil || ok {
				t.Errorf("Acquire(%q, %q) = %v, %v; want an error", tt.source, tt.project, ok, err)
			}
		})
	}
}

func TestLeaseRedisDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	db := store.New(rdb, store.Options{})
	l := db.Leases(0)
	if _, _, err := l.Acquire(t.Context(), "jira", "payments"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Acquire = %v, want ErrUnavailable", err)
	}
	if err := l.Renew(t.Context(), "jira", "payments", "1:x"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Renew = %v, want ErrUnavailable", err)
	}
	if _, err := db.Dedup(0).First(t.Context(), "x"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Dedup.First = %v, want ErrUnavailable", err)
	}
}

func TestLeaseTTLDefault(t *testing.T) {
	l, _, _ := leaseFixture(t, 0)
	if got, want := l.TTL(), store.DefaultLeaseTTL; got != want {
		t.Errorf("TTL = %v, want %v", got, want)
	}
}
