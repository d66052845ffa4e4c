package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store/storetest"
)

// benchItems is a team's worth of items with realistic histories.
func benchItems(n int) []coach.Item {
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	items := make([]coach.Item, n)
	for i := range items {
		created := base.Add(time.Duration(i) * time.Hour)
		it := coach.Item{Key: fmt.Sprintf("PAY-%d", i+1), Title: "Retry failed refund webhooks", Type: "Story",
			Status: "Done", Resolution: "Done", Assignee: "Ana Lima", Created: created, Updated: created.Add(96 * time.Hour)}
		from := "To Do"
		for j, to := range []string{"In Progress", "Blocked", "In Progress", "Ready for Review", "In Review", "In Progress", "In Review", "Done"} {
			it.Transitions = append(it.Transitions, coach.Transition{At: created.Add(time.Duration(j+1) * 12 * time.Hour), From: from, To: to})
			from = to
		}
		items[i] = it
	}
	return items
}

// Run with FLOWBOT_TEST_REDIS_URL set to measure a real Redis; without it
// the figures are miniredis's.
func BenchmarkPutItems(b *testing.B) {
	db := storetest.New(b)
	items := benchItems(1000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := db.PutItems(ctx, "payments", items); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkItems(b *testing.B) {
	db := storetest.New(b)
	ctx := context.Background()
	if err := db.PutItems(ctx, "payments", benchItems(5000)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		items, err := db.Items(ctx, "payments")
		if err != nil || len(items) != 5000 {
			b.Fatalf("Items: %d, %v", len(items), err)
		}
	}
}
