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
