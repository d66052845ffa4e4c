package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
)

// BenchmarkDecodeFlows is the in-process half of a 90-day answer: decoding
// 15,000 flow records (13,000 delivered, 2,000 in progress) into flows.
func BenchmarkDecodeFlows(b *testing.B) {
	recs := benchFlowRecords()
	b.ReportAllocs()
	for b.Loop() {
		flows, err := decodeFlows(recs)
		if err != nil || len(flows) != len(recs) {
			b.Fatal(err)
		}
	}
}

func benchFlowRecords() []string {
	base := time.Date(2026, 1, 5, 9, 0, 0, 123e6, time.UTC)
	recs := make([]string, 15_000)
	for i := range recs {
		t := base.Add(time.Duration(i) * time.Minute)
		f := coach.Flow{Item: coach.Item{Key: fmt.Sprintf("PAY-%d", i+1), Type: "Story", Status: "Done", Resolution: "Done",
			Created: t, Updated: t.Add(96 * time.Hour), Resolved: t.Add(90 * time.Hour)},
			Status: "Done", Class: coach.Done, Started: t.Add(12 * time.Hour), Done: t.Add(90 * time.Hour)}
		if i >= 13_000 {
			f.Item.Title, f.Item.Assignee, f.Item.Status, f.Item.Resolution, f.Item.Resolved = "Retry failed refund webhooks when the acquirer times out", "Ana Lima", "In Review", "", time.Time{}
			f.Status, f.Class, f.Done = "In Review", coach.Started, time.Time{}
		}
		recs[i] = encodeFlow(f)
	}
	return recs
}

// BenchmarkDecodeFlowsReused decodes into one slice, zeroed each time:
// the decoding alone, without allocation and collection.
func BenchmarkDecodeFlowsReused(b *testing.B) {
	recs := benchFlowRecords()
	flows := make([]coach.Flow, len(recs))
	b.ReportAllocs()
	for b.Loop() {
		clear(flows)
		for i, rec := range recs {
			if err := decodeFlowInto(&flows[i], rec); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkDecodeCycleDays is the in-process half of cycle time over 90
// days: 7,600 deliveries packed by day, decoded.
func BenchmarkDecodeCycleDays(b *testing.B) {
	w := newDayWrite("bench")
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 7600 {
		f := coach.Flow{Item: coach.Item{Key: fmt.Sprintf("PAY-%d", 90000+i)},
			Started: base.Add(time.Duration(i) * 17 * time.Minute), Done: base.Add(time.Duration(i)*17*time.Minute + 50*time.Hour)}
		w.put(f.Item.Key, msFloor(f.Done), cycleBody(&f))
	}
	w.start()
	w.replaceAll()
	var days []string
	for _, recs := range w.days {
		days = append(days, dayMember(recs))
	}
	b.ReportAllocs()
	for b.Loop() {
		if ds, err := decodeCycleDays(days, 0, 1<<62); err != nil || len(ds) != 7600 {
			b.Fatalf("decodeCycleDays: %d, %v", len(ds), err)
		}
	}
}
