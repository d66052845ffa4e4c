package store

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/google/go-cmp/cmp"
)

func codecTimes() *coach.ItemTimes {
	return &coach.ItemTimes{
		Active: 50 * time.Hour, Wait: 22*time.Hour + 3*time.Millisecond, Lead: 96 * time.Hour,
		StageActive: []time.Duration{50 * time.Hour, 0, 0},
		StageWait:   []time.Duration{10 * time.Hour, 12*time.Hour + 3*time.Millisecond, 0},
		Passed:      []bool{true, true, false},
		Rework:      []bool{false, true, true}, // left a stage backwards from a done status
	}
}

func codecDelivered(times *coach.ItemTimes) coach.Flow {
	created := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	return coach.Flow{
		Item: coach.Item{Key: "PAY-7", Type: "Story", Status: "Done", Resolution: "Done",
			Created: created, Updated: created.Add(100 * time.Hour), Resolved: created.Add(96 * time.Hour), Points: 3, Estimated: true},
		Status: "Done", Class: coach.Done, Started: created.Add(24 * time.Hour), Done: created.Add(96 * time.Hour), Times: times,
	}
}

// A delivered flow's record carries its times: a delivery reads them
// back exactly, a Flow reads the record as before, without them.
func TestDeliveryRecordRoundTrip(t *testing.T) {
	f := codecDelivered(codecTimes())
	rec := encodeFlow(f)
	var d coach.Delivery
	var got coach.ItemTimes
	if err := decodeDelivery(&d, rec, &got, &timeSlabs{}); err != nil {
		t.Fatalf("decodeDelivery: %v", err)
	}
	want := coach.Delivery{Key: f.Item.Key, Started: f.Started, Done: f.Done, Times: codecTimes()}
	if diff := cmp.Diff(d, want); diff != "" {
		t.Errorf("delivery (-got +want):\n%s", diff)
	}
	flow, err := decodeFlow(rec)
	if err != nil {
		t.Fatalf("decodeFlow: %v", err)
	}
	plain := f
	plain.Times = nil
	if diff := cmp.Diff(flow, plain); diff != "" {
		t.Errorf("flow (-got +want):\n%s", diff)
	}
	// Without asking for times a delivery has none.
	var bare coach.Delivery
	if err := decodeDelivery(&bare, rec, nil, nil); err != nil || bare.Times != nil {
		t.Errorf("decodeDelivery without times: %+v, %v", bare, err)
	}
}

func TestDeliveryRecordErrors(t *testing.T) {
	timed := encodeFlow(codecDelivered(codecTimes()))
	untimed := encodeFlow(codecDelivered(nil))
	notStarted := codecDelivered(nil)
	notStarted.Started = time.Time{}
	wip := codecDelivered(nil)
	wip.Done, wip.Class = time.Time{}, coach.Started
	tests := []struct {
		name    string
		rec     string
		times   bool
		wantErr string
		wantIs  error
	}{
		{name: "times asked of a record without them", rec: untimed, times: true, wantIs: errNoTimes},
		{name: "times section cut short", rec: timed[:len(timed)-3], times: true, wantIs: errBadTimes},
		{name: "not delivered", rec: encodeFlow(wip), wantErr: "not delivered"},
		{name: "newer version", rec: "\x03" + timed[1:], wantIs: ErrUnknownVersion},
		{name: "cut in the strings", rec: timed[:5], wantErr: "ends early"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d coach.Delivery
			var times *coach.ItemTimes
			if tt.times {
				times = &coach.ItemTimes{}
			}
			err := decodeDelivery(&d, tt.rec, times, &timeSlabs{})
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error = %v, want %v", err, tt.wantIs)
			}
			if tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
	t.Run("done without a start needs no times", func(t *testing.T) {
		var d coach.Delivery
		if err := decodeDelivery(&d, encodeFlow(notStarted), &coach.ItemTimes{}, &timeSlabs{}); err != nil || d.Times != nil {
			t.Errorf("decodeDelivery = %+v, %v; want no times, no error", d, err)
		}
	})
}

// FuzzDecodeFlowRecords: any input decodes or fails without panicking, and
// where both a flow and a delivery decode, they agree.
func FuzzDecodeFlowRecords(f *testing.F) {
	f.Add(encodeFlow(codecDelivered(codecTimes())))
	f.Add(encodeFlow(codecDelivered(nil)))
	done := coach.Flow{Item: coach.Item{Key: "PAY-1", Created: time.UnixMilli(1)}, Started: time.UnixMilli(2), Done: time.UnixMilli(3)}
	notStarted := coach.Flow{Item: coach.Item{Key: "PAY-22"}, Done: time.UnixMilli(4)}
	f.Add(packRecord(3, "PAY-1", cycleBody(&done)) + packRecord(4, "PAY-22", cycleBody(&notStarted)))
	wip := coach.Flow{Item: coach.Item{Key: "PAY-2", Title: "Retry refunds", Assignee: "Ana"}, Status: "In Review", Class: coach.Started, Started: time.UnixMilli(2)}
	f.Add(packRecord(2, "PAY-2", wipBody(&wip)))
	f.Fuzz(func(t *testing.T, rec string) {
		// The day-packed records decode or fail, and what decodes names
		// a key the day holds.
		if ds, err := decodeCycleDays([]string{rec}, math.MinInt64, math.MaxInt64); err == nil {
			for _, d := range ds {
				if !strings.Contains(rec, d.Key) {
					t.Fatalf("day of cycles decoded key %q it does not hold", d.Key)
				}
			}
		}
		// nextCycle's inline path reads what nextPacked reads.
		at, key, body, rest, ok := nextCycle(rec)
		r, rest2, err := nextPacked(rec)
		okPacked := err == nil && len(r.body) == 9 && r.body[8] <= 1
		if ok != okPacked || ok && (at != r.at || key != r.key || body != r.body || rest != rest2) {
			t.Fatalf("nextCycle = %d %q %q %q %v; nextPacked = %+v %q %v", at, key, body, rest, ok, r, rest2, err)
		}
		starts, serr := wipStarts([]string{rec}, nil)
		if work, err := wipWork([]string{rec}, nil); err == nil {
			// Cycle time's starts are those of the work aging lists.
			var want []time.Time
			for _, x := range work {
				if !strings.Contains(rec, x.Key) || !strings.Contains(rec, x.Status) {
					t.Fatalf("day of work in progress decoded key %q, status %q it does not hold", x.Key, x.Status)
				}
				if x.InProgress() {
					want = append(want, x.Started)
				}
			}
			if serr != nil || !slices.Equal(starts, want) {
				t.Fatalf("wipStarts = %v, %v; the work read says %v", starts, serr, want)
			}
		}
		flow, ferr := decodeFlow(rec)
		var d coach.Delivery
		derr := decodeDelivery(&d, rec, &coach.ItemTimes{}, &timeSlabs{})
		if ferr != nil || derr != nil {
			return
		}
		want := coach.Delivery{Key: flow.Item.Key, Started: flow.Started, Done: flow.Done}
		d.Times = nil
		if diff := cmp.Diff(d, want); diff != "" {
			t.Fatalf("delivery and flow disagree (-delivery +flow):\n%s", diff)
		}
	})
}
