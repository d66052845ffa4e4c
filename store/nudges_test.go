package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
	"github.com/google/go-cmp/cmp"
)

var nudgeNow = time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC)

func TestNudgesSentAndOnIt(t *testing.T) {
	n := storetest.New(t).Nudges()
	ctx := t.Context()
	first := []coach.Sent{
		{Key: "aging:PAY-1", Level: coach.LevelQuiet, At: nudgeNow, Since: nudgeNow.Add(-72 * time.Hour)},
		{Key: "stalled:PAY-2", Level: coach.LevelMention, At: nudgeNow, Since: nudgeNow.Add(-200 * time.Hour)},
	}
	if err := n.RecordSent(ctx, "payments", first...); err != nil {
		t.Fatal(err)
	}
	onIt := nudgeNow.Add(time.Hour)
	if err := n.MarkOnIt(ctx, "payments", "stalled:PAY-2", onIt); err != nil {
		t.Fatal(err)
	}
	// "On it" on a key never sent holds nothing back.
	if err := n.MarkOnIt(ctx, "payments", "blocked:PAY-9", onIt); err != nil {
		t.Fatal(err)
	}
	got, err := n.Sent(ctx, "payments")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]coach.Sent{"aging:PAY-1": first[0], "stalled:PAY-2": first[1]}
	s := want["stalled:PAY-2"]
	s.OnIt = onIt
	want["stalled:PAY-2"] = s
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Sent (-got +want):\n%s", diff)
	}

	t.Run("a new record clears on it", func(t *testing.T) {
		again := coach.Sent{Key: "stalled:PAY-2", Level: coach.LevelEscalated, At: nudgeNow.Add(24 * time.Hour), Since: first[1].Since}
		if err := n.RecordSent(ctx, "payments", again); err != nil {
			t.Fatal(err)
		}
		got, err := n.Sent(ctx, "payments")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got["stalled:PAY-2"], again); diff != "" {
			t.Errorf("Sent (-got +want):\n%s", diff)
		}
	})
	t.Run("teams are apart", func(t *testing.T) {
		got, err := n.Sent(ctx, "mobile")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Errorf("Sent(mobile) = %v, want none", got)
		}
	})
	t.Run("invalid team", func(t *testing.T) {
		if _, err := n.Sent(ctx, "Bad Team"); err == nil {
			t.Error("Sent(Bad Team): want an error")
		}
	})
}

func TestNudgesClaim(t *testing.T) {
	n := storetest.New(t).Nudges()
	ctx := t.Context()
	const name = "flow-check:2026-11-20T09:15"
	c, ok, err := n.Claim(ctx, "payments", name, time.Hour)
	if err != nil || !ok {
		t.Fatalf("Claim = %v, %v; want it", ok, err)
	}
	if _, ok, err := n.Claim(ctx, "payments", "flow-check:2026-11-20T09:15", time.Hour); err != nil || ok {
		t.Fatalf("second Claim = %v, %v; want refused", ok, err)
	}
	if _, ok, err := n.Claim(ctx, "mobile", "flow-check:2026-11-20T09:15", time.Hour); err != nil || !ok {
		t.Fatalf("Claim of another team = %v, %v; want it", ok, err)
	}
	if err := n.Release(ctx, "payments", name, c); err != nil {
		t.Fatal(err)
	}
	_, ok, err = n.Claim(ctx, "payments", "flow-check:2026-11-20T09:15", time.Hour)
	if err != nil || !ok {
		t.Fatalf("Claim after release = %v, %v; want it", ok, err)
	}
	// A stale release (the first holder's token) frees nothing.
	if err := n.Release(ctx, "payments", name, c); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := n.Claim(ctx, "payments", "flow-check:2026-11-20T09:15", time.Hour); ok {
		t.Error("a stale Release freed the new holder's claim")
	}
	for name, bad := range map[string]string{"empty": "", "space": "flow check", "brace": "a{b}"} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := n.Claim(ctx, "payments", bad, time.Hour); err == nil {
				t.Errorf("Claim(%q): want an error", bad)
			}
		})
	}
}

func TestNudgesClaimConcurrentPostersPostOnce(t *testing.T) {
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	// Two replicas: two DBs on one Redis, same prefix.
	replicas := []*store.Nudges{
		store.New(rdb, store.Options{Prefix: prefix}).Nudges(),
		store.New(rdb, store.Options{Prefix: prefix}).Nudges(),
	}
	var mu sync.Mutex
	posts := 0
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			n := replicas[i%2]
			_, ok, err := n.Claim(t.Context(), "payments", "flow-check:2026-11-20T09:15", time.Hour)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				mu.Lock()
				posts++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if posts != 1 {
		t.Errorf("%d of 20 concurrent posters posted, want 1", posts)
	}
}

func TestNudgesQuiet(t *testing.T) {
	n := storetest.New(t).Nudges()
	ctx := t.Context()
	later := nudgeNow.Add(72 * time.Hour)
	past := nudgeNow.Add(-time.Hour)

	t.Run("snoozes", func(t *testing.T) {
		for subject, until := range map[string]time.Time{"PAY-1": later, "acme/api#7": past} {
			if err := n.Snooze(ctx, "payments", subject, until); err != nil {
				t.Fatal(err)
			}
		}
		got, err := n.Snoozes(ctx, "payments", nudgeNow)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, map[string]time.Time{"PAY-1": later}); diff != "" {
			t.Errorf("Snoozes (-got +want):\n%s", diff)
		}
	})
	t.Run("away", func(t *testing.T) {
		if err := n.SetAway(ctx, "payments", "U1", later); err != nil {
			t.Fatal(err)
		}
		if err := n.SetAway(ctx, "payments", "U2", later); err != nil {
			t.Fatal(err)
		}
		if err := n.SetAway(ctx, "payments", "U2", time.Time{}); err != nil { // back
			t.Fatal(err)
		}
		got, err := n.Away(ctx, "payments", nudgeNow)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, map[string]time.Time{"U1": later}); diff != "" {
			t.Errorf("Away (-got +want):\n%s", diff)
		}
	})
	t.Run("pause", func(t *testing.T) {
		if got, err := n.PausedUntil(ctx, "payments", nudgeNow); err != nil || !got.IsZero() {
			t.Fatalf("PausedUntil before a pause = %v, %v; want zero", got, err)
		}
		if err := n.Pause(ctx, "payments", later); err != nil {
			t.Fatal(err)
		}
		if got, err := n.PausedUntil(ctx, "payments", nudgeNow); err != nil || !got.Equal(later) {
			t.Errorf("PausedUntil = %v, %v; want %v", got, err, later)
		}
		if got, err := n.PausedUntil(ctx, "payments", later); err != nil || !got.IsZero() {
			t.Errorf("PausedUntil at its end = %v, %v; want zero", got, err)
		}
		if err := n.Pause(ctx, "payments", time.Time{}); err != nil {
			t.Fatal(err)
		}
		if got, err := n.PausedUntil(ctx, "payments", nudgeNow); err != nil || !got.IsZero() {
			t.Errorf("PausedUntil after resuming = %v, %v; want zero", got, err)
		}
	})
	t.Run("direct messages", func(t *testing.T) {
		for _, u := range []string{"U2", "U1", "U3"} {
			if err := n.SetDM(ctx, "payments", u, true); err != nil {
				t.Fatal(err)
			}
		}
		if err := n.SetDM(ctx, "payments", "U3", false); err != nil {
			t.Fatal(err)
		}
		got, err := n.DMUsers(ctx, "payments")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, []string{"U1", "U2"}); diff != "" {
			t.Errorf("DMUsers (-got +want):\n%s", diff)
		}
	})
}

func TestNudgesState(t *testing.T) {
	n := storetest.New(t).Nudges()
	ctx := t.Context()
	got, err := n.State(ctx, "payments")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, coach.RulesState{}); diff != "" {
		t.Errorf("State before any (-got +want):\n%s", diff)
	}
	want := coach.RulesState{
		WIPOver:    map[string]bool{"team": true, "Review": true},
		Bottleneck: coach.BottleneckState{Stage: "Review", Since: nudgeNow, QueueAgeDays: 2.5},
	}
	if err := n.PutState(ctx, "payments", want); err != nil {
		t.Fatal(err)
	}
	if got, err = n.State(ctx, "payments"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("State (-got +want):\n%s", diff)
	}
}

func TestNudgesPostRef(t *testing.T) {
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	n := store.New(rdb, store.Options{Prefix: prefix}).Nudges()
	ctx := t.Context()
	if _, _, ok, err := n.PostRef(ctx, "payments", "2026-11-20"); err != nil || ok {
		t.Fatalf("PostRef before a post = %v, %v; want none", ok, err)
	}
	if err := n.PutPostRef(ctx, "payments", "2026-11-20", "C1", "1700000000.000100"); err != nil {
		t.Fatal(err)
	}
	channel, ts, ok, err := n.PostRef(ctx, "payments", "2026-11-20")
	if err != nil || !ok {
		t.Fatalf("PostRef = %v, %v", ok, err)
	}
	if channel != "C1" || ts != "1700000000.000100" {
		t.Errorf("PostRef = %q %q, want C1 1700000000.000100", channel, ts)
	}
	if _, _, ok, _ := n.PostRef(ctx, "payments", "2026-11-21"); ok {
		t.Error("PostRef of another day found the post")
	}
	if ttl := rdb.TTL(ctx, prefix+":{payments}:nudges:post:2026-11-20").Val(); ttl <= 0 || ttl > store.PostRefTTL {
		t.Errorf("TTL = %v, want up to %v", ttl, store.PostRefTTL)
	}
	if err := n.PutPostRef(ctx, "payments", "20-11-2026", "C1", "1.2"); err == nil {
		t.Error("PutPostRef with a bad day: want an error")
	}
}

func TestNudgesPeople(t *testing.T) {
	n := storetest.New(t).Nudges()
	ctx := t.Context()
	for _, p := range []store.Person{
		{Slack: "U2", GitHub: "bo"},
		{Slack: "U1", Jira: "Ana Lima", GitHub: "ana-lima"},
		{Slack: "U2", Jira: "Bo Chen", GitHub: "bo-chen"}, // replaces
	} {
		if err := n.LinkPerson(ctx, "payments", p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := n.People(ctx, "payments")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Person{{Slack: "U1", Jira: "Ana Lima", GitHub: "ana-lima"}, {Slack: "U2", Jira: "Bo Chen", GitHub: "bo-chen"}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("People (-got +want):\n%s", diff)
	}
	if err := n.LinkPerson(ctx, "payments", store.Person{Jira: "x"}); err == nil {
		t.Error("LinkPerson without a Slack id: want an error")
	}
}

// TestNudgesPosts pins the post history: every post is kept (a repeat and
// an escalation of one key are posts of their own), read by time span,
// under the team's hash tag, and trimmed to NudgeHistoryRetention before
// the latest post.
func TestNudgesPosts(t *testing.T) {
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	n := store.New(rdb, store.Options{Prefix: prefix}).Nudges()
	ctx := t.Context()
	day := 24 * time.Hour
	since := nudgeNow.Add(-200 * time.Hour)
	friday := []coach.Sent{
		{Key: "stalled:PAY-2", Level: coach.LevelMention, At: nudgeNow, Since: since},
		{Key: "aging:PAY-1", Level: coach.LevelQuiet, At: nudgeNow, Since: since},
	}
	escalated := coach.Sent{Key: "aging:PAY-1", Level: coach.LevelMention, At: nudgeNow.Add(5 * time.Hour), Since: since}
	monday := coach.Sent{Key: "stalled:PAY-2", Level: coach.LevelMention, At: nudgeNow.Add(3 * day), Since: since}
	for _, batch := range [][]coach.Sent{friday, {escalated}, {monday}} {
		if err := n.RecordSent(ctx, "payments", batch...); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.RecordSent(ctx, "mobile", coach.Sent{Key: "stalled:MOB-1", Level: coach.LevelMention, At: nudgeNow, Since: since}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		team     string
		from, to time.Time
		want     []coach.Sent
	}{
		{name: "every post, oldest first, then by key", team: "payments", from: nudgeNow.Add(-day), to: nudgeNow.Add(7 * day),
			want: []coach.Sent{friday[1], friday[0], escalated, monday}},
		{name: "from is in, to is out", team: "payments", from: nudgeNow.Add(5 * time.Hour), to: nudgeNow.Add(3 * day),
			want: []coach.Sent{escalated}},
		{name: "half a millisecond after a post takes it in", team: "payments", from: nudgeNow.Add(-day), to: nudgeNow.Add(time.Millisecond / 2),
			want: []coach.Sent{friday[1], friday[0]}},
		{name: "to at a post leaves it out", team: "payments", from: nudgeNow.Add(-day), to: nudgeNow,
			want: []coach.Sent{}},
		{name: "teams are apart", team: "mobile", from: nudgeNow.Add(-day), to: nudgeNow.Add(7 * day),
			want: []coach.Sent{{Key: "stalled:MOB-1", Level: coach.LevelMention, At: nudgeNow, Since: since}}},
		{name: "an empty span", team: "payments", from: nudgeNow, to: nudgeNow.Add(-day), want: []coach.Sent{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := n.Posts(ctx, tt.team, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Posts (-got +want):\n%s", diff)
			}
		})
	}
	t.Run("under the team's hash tag, expiring", func(t *testing.T) {
		key := prefix + ":{payments}:nudges:history"
		if got := rdb.ZCard(ctx, key).Val(); got != 4 {
			t.Errorf("ZCARD %s = %d, want 4", key, got)
		}
		if ttl := rdb.TTL(ctx, key).Val(); ttl <= 0 || ttl > store.NudgeHistoryRetention {
			t.Errorf("TTL = %v, want up to %v", ttl, store.NudgeHistoryRetention)
		}
	})
	t.Run("a post trims what is older than the retention before it", func(t *testing.T) {
		late := coach.Sent{Key: "blocked:PAY-3", Level: coach.LevelMention, At: nudgeNow.Add(store.NudgeHistoryRetention + 4*time.Hour), Since: since}
		if err := n.RecordSent(ctx, "payments", late); err != nil {
			t.Fatal(err)
		}
		got, err := n.Posts(ctx, "payments", time.Time{}, late.At.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		// Friday's two posts are more than the retention before it; the
		// escalation at 14:15 Friday is 1 hour inside.
		if diff := cmp.Diff(got, []coach.Sent{escalated, monday, late}); diff != "" {
			t.Errorf("Posts after trimming (-got +want):\n%s", diff)
		}
	})
	t.Run("invalid team", func(t *testing.T) {
		if _, err := n.Posts(ctx, "Bad Team", nudgeNow, nudgeNow.Add(day)); err == nil {
			t.Error("Posts(Bad Team): want an error")
		}
	})
}
