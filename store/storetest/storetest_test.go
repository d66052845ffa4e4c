package storetest_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store/storetest"
	"github.com/redis/go-redis/v9"
)

func TestPrefixDeletesOnlyItsKeys(t *testing.T) {
	ctx := t.Context()
	rdb := storetest.NewClient(t)
	other := storetest.Prefix(t, rdb)
	if err := rdb.Set(ctx, other+":kept", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	var prefix string
	t.Run("writer", func(t *testing.T) {
		prefix = storetest.Prefix(t, rdb)
		for i := range 250 { // more than one SCAN page
			if err := rdb.Set(ctx, fmt.Sprintf("%s:{team}:%d", prefix, i), "x", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	left, err := storetest.Keys(ctx, rdb, prefix+"*")
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("%d keys under %s left after its test ended, want 0", len(left), prefix)
	}
	if n, err := rdb.Exists(ctx, other+":kept").Result(); err != nil || n != 1 {
		t.Errorf("another prefix's key exists = %d, %v; want 1, nil", n, err)
	}
}

func TestNewGivesEachTestItsOwnStore(t *testing.T) {
	a, b := storetest.New(t), storetest.New(t)
	if err := a.PutItems(t.Context(), "payments", []coach.Item{{Key: "PAY-1"}}); err != nil {
		t.Fatal(err)
	}
	n, err := b.CountItems(t.Context(), "payments")
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("second store counts %d items written through the first, want 0", n)
	}
}

// fatalRecorder stands in for a testing.T to observe a Fatalf without
// failing the real test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestCIRequiresRealRedis(t *testing.T) {
	t.Setenv("CI", "true")
	t.Setenv(storetest.URLVar, "")
	t.Setenv(storetest.ClusterVar, "")
	f := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		storetest.NewClient(f)
	}()
	<-done
	if !strings.Contains(f.msg, "CI must run store tests on a real Redis") {
		t.Errorf("Fatalf message = %q, want it to say CI must run store tests on a real Redis", f.msg)
	}
}

func TestBadURLFails(t *testing.T) {
	t.Setenv(storetest.ClusterVar, "")
	t.Setenv(storetest.URLVar, "http://user:s3cret@127.0.0.1:1/0")
	f := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		storetest.NewClient(f)
	}()
	<-done
	if f.msg == "" {
		t.Fatal("NewClient accepted a non-redis URL")
	}
	if strings.Contains(f.msg, "s3cret") {
		t.Errorf("Fatalf message %q shows the password", f.msg)
	}
}

// On a Cluster a transaction over keys of two slots is refused, so the
// store suite run there proves every multi-key transaction stays on one
// team's slot.
func TestClusterRefusesCrossSlotTransaction(t *testing.T) {
	if !storetest.Cluster() {
		t.Skipf("set %s to run against a Redis Cluster", storetest.ClusterVar)
	}
	ctx := t.Context()
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	one := func(team, name string) string { return prefix + ":{" + team + "}:" + name }
	_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, one("payments", "a"), "1", 0)
		p.Set(ctx, one("payments", "b"), "1", 0)
		return nil
	})
	if err != nil {
		t.Errorf("transaction within one team's slot: %v", err)
	}
	_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, one("payments", "a"), "1", 0)
		p.Set(ctx, one("platform", "a"), "1", 0) // another slot
		return nil
	})
	if err == nil {
		t.Error("transaction across two teams' slots succeeded, want CROSSSLOT")
	}
}
