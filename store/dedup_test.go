package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
)

func TestDedupFirst(t *testing.T) {
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	db := store.New(rdb, store.Options{Prefix: prefix})
	d := db.Dedup(0)
	ctx := t.Context()
	steps := []struct {
		id   string
		want bool
	}{
		{"trigger:1337.42", true},
		{"trigger:1337.42", false},
		{"envelope:1337.42", true},
		{"trigger:1338.1", true},
		{"envelope:1337.42", false},
	}
	for _, s := range steps {
		got, err := d.First(ctx, s.id)
		if err != nil {
			t.Fatalf("First(%q): %v", s.id, err)
		}
		if got != s.want {
			t.Errorf("First(%q) = %v, want %v", s.id, got, s.want)
		}
	}
	// Remembered for the default 10 minutes, not forever.
	if ttl := rdb.TTL(ctx, prefix+":seen:trigger:1337.42").Val(); ttl <= 9*time.Minute || ttl > store.DefaultDedupTTL {
		t.Errorf("TTL = %v, want about %v", ttl, store.DefaultDedupTTL)
	}
	// Another prefix (another deployment on the same Redis) remembers apart.
	other := store.New(rdb, store.Options{Prefix: storetest.Prefix(t, rdb)}).Dedup(0)
	if got, err := other.First(ctx, "trigger:1337.42"); err != nil || !got {
		t.Errorf("First under another prefix = %v, %v; want true", got, err)
	}
}

func TestDedupConcurrentFirstIsOne(t *testing.T) {
	d := storetest.New(t).Dedup(time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts := 0
	for range 20 {
		wg.Go(func() {
			ok, err := d.First(context.Background(), "envelope:abc")
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if ok {
				firsts++
			}
		})
	}
	wg.Wait()
	if firsts != 1 {
		t.Errorf("%d of 20 concurrent calls were first, want 1", firsts)
	}
}

func TestDedupInvalidID(t *testing.T) {
	d := storetest.New(t).Dedup(0)
	for name, id := range map[string]string{"empty": "", "too long": strings.Repeat("x", 257)} {
		t.Run(name, func(t *testing.T) {
			if ok, err := d.First(t.Context(), id); err == nil || ok {
				t.Errorf("First = %v, %v; want an error", ok, err)
			}
		})
	}
}
