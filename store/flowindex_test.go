package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/redis/go-redis/v9"
)

var day0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

func at(days float64) time.Time { return day0.Add(time.Duration(days * float64(24*time.Hour))) }

// flowOf is a flow with every field the index keeps set; the item has a
// history, flags and links, which the index leaves out.
func flowOf(key string, class coach.Class, started, done time.Time) coach.Flow {
	return coach.Flow{
		Item: coach.Item{
			Key: key, Title: "Pay out refunds — in €, \"quoted\" & <escaped>", Type: "Story", Status: "In Review",
			Resolution: "Fixed", Assignee: "Ada Lovelace", Parent: "PAY-100", Points: 2.5, Estimated: true,
			Created: at(0), Updated: at(9), Resolved: at(8),
			Transitions: []coach.Transition{{At: at(1), From: "To Do", To: "In Progress"}},
			Flagged:     []coach.Span{{From: at(2)}},
			Links:       []coach.Link{{Type: "Blocks", Key: "OPS-1"}},
		},
		Status: "In Review", Class: class, Started: started, Done: done,
	}
}

// indexed is f as the index gives it back: a delivered item also without
// its title and assignee.
func indexed(f coach.Flow) coach.Flow {
	f.Item.Transitions, f.Item.Flagged, f.Item.Links = nil, nil, nil
	if f.Delivered() {
		f.Item.Title, f.Item.Assignee = "", ""
	}
	return f
}

func TestFlowIndexRecords(t *testing.T) {
	zeroTimes := coach.Flow{Item: coach.Item{Key: "PAY-3"}, Class: coach.Started, Started: at(1)}
	zeroTimes.Started = time.Unix(0, 0).UTC() // the Unix epoch is a time, not "never"
	preEpoch := coach.Flow{Item: coach.Item{Key: "PAY-4", Created: time.Date(1969, 7, 20, 20, 17, 40, 5e6, time.UTC)}, Class: coach.Started, Started: time.Date(1969, 7, 21, 2, 56, 15, 0, time.UTC)}
	excluded := flowOf("PAY-5", coach.Done, at(1), time.Time{})
	excluded.Excluded = true
	excluded.Item.Points, excluded.Item.Estimated = 0, false
	tests := []struct {
		name     string
		flows    []coach.Flow
		wantDone []coach.Flow
		wantWIP  []coach.Flow
	}{
		{
			name:     "every kept field round trips",
			flows:    []coach.Flow{flowOf("PAY-1", coach.Done, at(1), at(8)), flowOf("PAY-2", coach.Started, at(2), time.Time{})},
			wantDone: []coach.Flow{indexed(flowOf("PAY-1", coach.Done, at(1), at(8)))},
			wantWIP:  []coach.Flow{indexed(flowOf("PAY-2", coach.Started, at(2), time.Time{}))},
		},
		{
			name:    "zero values, the epoch and times before it",
			flows:   []coach.Flow{zeroTimes, preEpoch},
			wantWIP: []coach.Flow{preEpoch, zeroTimes},
		},
		{
			name:  "excluded and backlog items are in neither set",
			flows: []coach.Flow{excluded, flowOf("PAY-6", coach.Backlog, time.Time{}, time.Time{})},
		},
		{
			name:     "times are kept to the millisecond",
			flows:    []coach.Flow{flowOf("PAY-7", coach.Done, at(1).Add(1234567), at(8).Add(999999))},
			wantDone: []coach.Flow{indexed(flowOf("PAY-7", coach.Done, at(1).Add(1000000), at(8)))},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := storetest.New(t)
			if err := db.PutFlowIndex(ctx, "payments", "fp1", tt.flows); err != nil {
				t.Fatalf("PutFlowIndex: %v", err)
			}
			done, err := db.DoneBetween(ctx, "payments", time.Time{}, forever)
			if err != nil {
				t.Fatalf("DoneBetween: %v", err)
			}
			if diff := cmp.Diff(done, tt.wantDone); diff != "" {
				t.Errorf("DoneBetween (-got +want):\n%s", diff)
			}
			wip, err := db.InProgress(ctx, "payments")
			if err != nil {
				t.Fatalf("InProgress: %v", err)
			}
			if diff := cmp.Diff(wip, tt.wantWIP); diff != "" {
				t.Errorf("InProgress (-got +want):\n%s", diff)
			}
		})
	}
}

var forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

func keysOf(flows []coach.Flow) []string {
	var keys []string
	for _, f := range flows {
		keys = append(keys, f.Item.Key)
	}
	return keys
}

func TestDoneBetween(t *testing.T) {
	ms := time.Millisecond
	flows := []coach.Flow{
		flowOf("PAY-1", coach.Done, at(0), at(1)),
		flowOf("PAY-2", coach.Done, at(0), at(2)),
		flowOf("PAY-3", coach.Done, at(0), at(2).Add(ms)),
		flowOf("PAY-4", coach.Done, at(0), at(3)),
		flowOf("PAY-5", coach.Started, at(0), time.Time{}),
	}
	tests := []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		{name: "from is in, to is out", from: at(1), to: at(3), want: []string{"PAY-1", "PAY-2", "PAY-3"}},
		{name: "by done time", from: at(0), to: forever, want: []string{"PAY-1", "PAY-2", "PAY-3", "PAY-4"}},
		{name: "from within a millisecond", from: at(2).Add(ms / 2), to: forever, want: []string{"PAY-3", "PAY-4"}},
		{name: "to within a millisecond", from: at(0), to: at(2).Add(ms / 2), want: []string{"PAY-1", "PAY-2"}},
		{name: "to just past a done time", from: at(0), to: at(2).Add(ms + 1), want: []string{"PAY-1", "PAY-2", "PAY-3"}},
		{name: "empty window", from: at(2), to: at(2), want: nil},
		{name: "nothing done", from: at(4), to: at(9), want: nil},
	}
	ctx := t.Context()
	db := storetest.New(t)
	if err := db.PutFlowIndex(ctx, "payments", "fp1", flows); err != nil {
		t.Fatalf("PutFlowIndex: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.DoneBetween(ctx, "payments", tt.from, tt.to)
			if err != nil {
				t.Fatalf("DoneBetween: %v", err)
			}
			if diff := cmp.Diff(keysOf(got), tt.want); diff != "" {
				t.Errorf("DoneBetween keys (-got +want):\n%s", diff)
			}
		})
	}
}

func TestPutFlowIndexReplacesAnItemsFlow(t *testing.T) {
	ctx := t.Context()
	db := storetest.New(t)
	write := func(flows ...coach.Flow) {
		t.Helper()
		if err := db.PutFlowIndex(ctx, "payments", "fp1", flows); err != nil {
			t.Fatalf("PutFlowIndex: %v", err)
		}
	}
	check := func(step string, wantDone, wantWIP []string) {
		t.Helper()
		done, err := db.DoneBetween(ctx, "payments", time.Time{}, forever)
		if err != nil {
			t.Fatal(err)
		}
		wip, err := db.InProgress(ctx, "payments")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(keysOf(done), wantDone); diff != "" {
			t.Errorf("%s: done (-got +want):\n%s", step, diff)
		}
		if diff := cmp.Diff(keysOf(wip), wantWIP); diff != "" {
			t.Errorf("%s: in progress (-got +want):\n%s", step, diff)
		}
	}
	write(flowOf("PAY-1", coach.Started, at(2), time.Time{}), flowOf("PAY-2", coach.Started, at(1), time.Time{}), flowOf("PAY-3", coach.Done, at(1), at(3)))
	check("first write", []string{"PAY-3"}, []string{"PAY-2", "PAY-1"})
	write(flowOf("PAY-1", coach.Done, at(2), at(4)))
	check("PAY-1 done", []string{"PAY-3", "PAY-1"}, []string{"PAY-2"})
	write(flowOf("PAY-3", coach.Started, at(5), time.Time{}), flowOf("PAY-2", coach.Backlog, time.Time{}, time.Time{}))
	check("PAY-3 reopened, PAY-2 back to the backlog", []string{"PAY-1"}, []string{"PAY-3"})
	retitled := flowOf("PAY-3", coach.Started, at(5), time.Time{})
	retitled.Item.Title = "Renamed"
	write(retitled)
	check("PAY-3 renamed", []string{"PAY-1"}, []string{"PAY-3"})
	if wip, _ := db.InProgress(ctx, "payments"); len(wip) != 1 || wip[0].Item.Title != "Renamed" {
		t.Errorf("after renaming, in progress = %+v, want PAY-3 renamed", wip)
	}
	write()
	check("empty batch", []string{"PAY-1"}, []string{"PAY-3"})
}

func TestFlowFingerprint(t *testing.T) {
	ctx := t.Context()
	db := storetest.New(t)
	fp, err := db.FlowFingerprint(ctx, "payments")
	if err != nil || fp != "" {
		t.Fatalf("FlowFingerprint of a team without an index = %q, %v; want \"\", nil", fp, err)
	}
	if err := db.PutFlowIndex(ctx, "payments", "fp1", []coach.Flow{flowOf("PAY-1", coach.Started, at(1), time.Time{})}); err != nil {
		t.Fatal(err)
	}
	if fp, err := db.FlowFingerprint(ctx, "payments"); err != nil || fp != "fp1" {
		t.Fatalf("FlowFingerprint = %q, %v; want fp1", fp, err)
	}
	err = db.PutFlowIndex(ctx, "payments", "fp2", []coach.Flow{flowOf("PAY-2", coach.Started, at(1), time.Time{})})
	if !errors.Is(err, store.ErrFingerprintChanged) {
		t.Fatalf("PutFlowIndex with another fingerprint: error = %v, want store.ErrFingerprintChanged", err)
	}
	if wip, _ := db.InProgress(ctx, "payments"); !cmp.Equal(keysOf(wip), []string{"PAY-1"}) {
		t.Errorf("after a refused write, in progress = %q, want only PAY-1", keysOf(wip))
	}
	if err := db.PutFlowIndex(ctx, "payments", "", nil); err == nil {
		t.Errorf("PutFlowIndex with an empty fingerprint: no error")
	}
	if err := db.ReplaceFlowIndex(ctx, "payments", "fp2", []coach.Flow{flowOf("PAY-2", coach.Done, at(1), at(2))}); err != nil {
		t.Fatalf("ReplaceFlowIndex: %v", err)
	}
	if fp, err := db.FlowFingerprint(ctx, "payments"); err != nil || fp != "fp2" {
		t.Errorf("FlowFingerprint after replacing = %q, %v; want fp2", fp, err)
	}
	wip, _ := db.InProgress(ctx, "payments")
	done, _ := db.DoneBetween(ctx, "payments", time.Time{}, forever)
	if len(wip) != 0 || !cmp.Equal(keysOf(done), []string{"PAY-2"}) {
		t.Errorf("after replacing: in progress %q, done %q; want none and PAY-2", keysOf(wip), keysOf(done))
	}
	// PAY-2 has a flow but was never stored as an item: the index is out
	// of step with the items, which is an error, not an empty answer.
	if _, err := db.ItemsUpdatedAfter(ctx, "payments", time.Time{}); err == nil || !strings.Contains(err.Error(), "without a record") {
		t.Errorf("ItemsUpdatedAfter of an item never stored: error = %v, want one saying so", err)
	}
}

func TestItemsUpdatedAfter(t *testing.T) {
	ctx := t.Context()
	db := storetest.New(t)
	item := func(key string, updated time.Time, last time.Time) coach.Item {
		it := fullItem(key)
		it.Created = at(0)
		it.Updated = updated
		it.Transitions = []coach.Transition{{At: at(0.5), From: "To Do", To: "In Progress"}, {At: last, From: "In Progress", To: "Done"}}
		return it
	}
	items := []coach.Item{
		item("PAY-1", at(1), at(1)),
		item("PAY-2", at(2).Add(1), at(1)),
		// A transition stamped after Updated still changes its flow.
		item("PAY-3", at(1), at(3)),
		item("PAY-4", at(4).Add(time.Millisecond+1), at(1)),
		// Not indexed: ItemsUpdatedAfter only sees indexed items.
		item("PAY-5", at(5), at(5)),
	}
	if err := db.PutItems(ctx, "payments", items); err != nil {
		t.Fatal(err)
	}
	var flows []coach.Flow
	for _, it := range items[:4] {
		flows = append(flows, coach.Flow{Item: it})
	}
	if err := db.PutFlowIndex(ctx, "payments", "fp1", flows); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		t    time.Time
		want []coach.Item
	}{
		{name: "all", t: time.Time{}, want: items[:4]},
		{name: "changed exactly at t is not after t", t: at(1), want: []coach.Item{items[1], items[2], items[3]}},
		{name: "within t's millisecond may come back", t: at(2), want: []coach.Item{items[1], items[2], items[3]}},
		{name: "a transition after updated counts", t: at(2).Add(time.Millisecond), want: []coach.Item{items[2], items[3]}},
		{name: "a nanosecond after the last change, within its millisecond", t: at(4).Add(time.Millisecond + 2), want: []coach.Item{items[3]}},
		{name: "the millisecond after the last change", t: at(4).Add(2 * time.Millisecond), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.ItemsUpdatedAfter(ctx, "payments", tt.t)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("ItemsUpdatedAfter (-got +want):\n%s", diff)
			}
		})
	}
}

func TestFlowIndexCorruption(t *testing.T) {
	tests := []struct {
		name    string
		record  string // planted in the in-progress set
		wantErr string
		wantIs  error
	}{
		{name: "record of a newer flowbot", record: "\x03\x00\x01", wantErr: "flow record version 3", wantIs: store.ErrUnknownVersion},
		{name: "record cut short", record: "\x01\x00\x02\x05PAY", wantErr: "ends early"},
		{name: "trailing bytes", record: "\x01\x00\x02\x05PAY-1\x00\x00\x00\x00\x00\x00\x00\x00", wantErr: "trailing bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			rdb := storetest.NewClient(t)
			prefix := storetest.Prefix(t, rdb)
			db := store.New(rdb, store.Options{Prefix: prefix})
			if err := db.PutFlowIndex(ctx, "payments", "fp1", []coach.Flow{flowOf("PAY-1", coach.Started, at(1), time.Time{})}); err != nil {
				t.Fatal(err)
			}
			if err := rdb.ZAdd(ctx, prefix+":{payments}:flows:wip", redis.Z{Score: 1, Member: tt.record}).Err(); err != nil {
				t.Fatal(err)
			}
			_, err := db.InProgress(ctx, "payments")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("InProgress error = %v, want one saying %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("InProgress error = %v, want %v", err, tt.wantIs)
			}
		})
	}
}

// The compact members move with the flow records: an item's flow replaced
// (in progress, then done, then reopened, then back to backlog) leaves
// exactly the member of its current flow, as TeamCycles reads them.
func TestCompactMembersFollowTheFlows(t *testing.T) {
	ctx := t.Context()
	db := storetest.New(t)
	other := flowOf("PAY-2", coach.Done, at(1), at(3))
	reopened := flowOf("PAY-1", coach.Started, at(4), time.Time{})
	reopened.Status = "In Progress"
	backlog := flowOf("PAY-1", coach.Backlog, time.Time{}, time.Time{})
	steps := []struct {
		name     string
		flows    []coach.Flow
		wantDone []coach.Delivery
		wantWIP  []coach.Flow
	}{
		{name: "in progress", flows: []coach.Flow{flowOf("PAY-1", coach.Started, at(1), time.Time{}), other},
			wantDone: []coach.Delivery{{Key: "PAY-2", Started: at(1), Done: at(3)}},
			wantWIP:  []coach.Flow{{Item: coach.Item{Key: "PAY-1"}, Status: "In Review", Class: coach.Started, Started: at(1)}}},
		{name: "done", flows: []coach.Flow{flowOf("PAY-1", coach.Done, at(1), at(2))},
			wantDone: []coach.Delivery{{Key: "PAY-1", Started: at(1), Done: at(2)}, {Key: "PAY-2", Started: at(1), Done: at(3)}}},
		{name: "reopened", flows: []coach.Flow{reopened},
			wantDone: []coach.Delivery{{Key: "PAY-2", Started: at(1), Done: at(3)}},
			wantWIP:  []coach.Flow{{Item: coach.Item{Key: "PAY-1"}, Status: "In Progress", Class: coach.Started, Started: at(4)}}},
		{name: "back to backlog", flows: []coach.Flow{backlog},
			wantDone: []coach.Delivery{{Key: "PAY-2", Started: at(1), Done: at(3)}}},
	}
	for _, st := range steps {
		if err := db.PutFlowIndex(ctx, "payments", "fp1", st.flows); err != nil {
			t.Fatalf("%s: PutFlowIndex: %v", st.name, err)
		}
		_, _, _, done, wip, _, err := db.TeamCycles(ctx, "payments", time.Time{}, forever, true)
		if err != nil {
			t.Fatalf("%s: TeamCycles: %v", st.name, err)
		}
		if diff := cmp.Diff(done, st.wantDone, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: deliveries (-got +want):\n%s", st.name, diff)
		}
		var wantStarts []time.Time
		for _, f := range st.wantWIP {
			wantStarts = append(wantStarts, f.Started)
		}
		if diff := cmp.Diff(wip, wantStarts, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: starts in progress (-got +want):\n%s", st.name, diff)
		}
		_, _, _, counts, _, err := db.TeamWIP(ctx, "payments", forever)
		if err != nil {
			t.Fatalf("%s: TeamWIP: %v", st.name, err)
		}
		wantCounts := map[string]int{}
		for _, f := range st.wantWIP {
			wantCounts[f.Status]++
		}
		if diff := cmp.Diff(counts, wantCounts, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: counts in progress (-got +want):\n%s", st.name, diff)
		}
	}
	if err := db.ReplaceFlowIndex(ctx, "payments", "fp2", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, _, done, wip, _, err := db.TeamCycles(ctx, "payments", time.Time{}, forever, true); err != nil || len(done)+len(wip) != 0 {
		t.Errorf("after ReplaceFlowIndex with nothing: %d deliveries, %d in progress, %v; want none", len(done), len(wip), err)
	}
}

// TestCycleDaysFollowTheFlows checks the day-packed parts of the index
// against a model: after each batch of writes (items done on the same day,
// moved to another day, reopened, sent back to the backlog, written twice
// in one batch, done before 1970 or exactly at midnight), every window,
// with edges inside days and on them, reads exactly the deliveries the
// latest flows done in it have, and the work in progress reads as the
// latest flows in progress.
func TestCycleDaysFollowTheFlows(t *testing.T) {
	ctx := t.Context()
	db := storetest.New(t)
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	instant := func() time.Time {
		switch rng.IntN(6) {
		case 0:
			return base.Add(time.Duration(rng.IntN(5)) * 24 * time.Hour) // midnight
		case 1:
			return time.Date(1969, 12, 31, 23, 59, 59, 999e6, time.UTC).Add(-time.Duration(rng.IntN(3)) * time.Hour)
		}
		return base.Add(time.Duration(rng.Int64N(int64(5 * 24 * time.Hour)))).Truncate(time.Millisecond)
	}
	model := map[string]coach.Flow{}
	flowFor := func(key string) coach.Flow {
		done := instant()
		var f coach.Flow
		switch rng.IntN(5) {
		case 0:
			f = flowOf(key, coach.Started, done.Add(-time.Hour), time.Time{})
			f.Status = []string{"In Progress", "In Review", "Blocked"}[rng.IntN(3)]
			f.Item.Title = f.Status + " " + key
		case 1:
			f = flowOf(key, coach.Backlog, time.Time{}, time.Time{})
		case 2:
			f = flowOf(key, coach.Done, time.Time{}, done) // done without a start
		default:
			f = flowOf(key, coach.Done, done.Add(-time.Duration(rng.IntN(100))*time.Hour), done)
		}
		// Items that last changed before every window: none is read in
		// full as changed after it.
		f.Item.Created, f.Item.Updated, f.Item.Resolved, f.Item.Transitions = time.Unix(0, 0).AddDate(-10, 0, 0), time.Time{}, time.Time{}, nil
		return f
	}
	for batch := range 12 {
		var flows []coach.Flow
		for range 1 + rng.IntN(15) {
			f := flowFor(fmt.Sprintf("PAY-%d", rng.IntN(25)))
			flows = append(flows, f)
			model[f.Item.Key] = f // the last flow of a key written twice wins
		}
		write := db.PutFlowIndex
		if batch == 0 {
			write = db.ReplaceFlowIndex
		}
		if err := write(ctx, "payments", "fp1", flows); err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		for range 20 {
			from, to := instant(), instant()
			if rng.IntN(4) == 0 {
				from = time.Time{}
			}
			if to.Before(from) {
				from, to = to, from
			}
			to = to.Add(time.Duration(rng.IntN(2)) * time.Nanosecond) // an edge inside a millisecond
			var want []coach.Delivery
			for _, f := range model {
				if f.Delivered() && !f.Done.Before(from) && f.Done.Before(to) {
					want = append(want, coach.DeliveryOf(f))
				}
			}
			_, _, _, got, _, _, err := db.TeamCycles(ctx, "payments", from, to, false)
			if err != nil {
				t.Fatalf("batch %d: TeamCycles: %v", batch, err)
			}
			byKey := func(a, b coach.Delivery) int { return strings.Compare(a.Key, b.Key) }
			slices.SortFunc(want, byKey)
			slices.SortFunc(got, byKey)
			if diff := cmp.Diff(got, want, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("batch %d, [%s, %s): deliveries (-got +want):\n%s", batch, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano), diff)
			}
		}
		// The work in progress: its lean flows, starts and counts.
		var wantWIP []coach.Work
		wantCounts := map[string]int{}
		for _, f := range model {
			if f.InProgress() {
				wantWIP = append(wantWIP, coach.WorkOf(f))
				wantCounts[f.Status]++
			}
		}
		byKey := func(a, b coach.Work) int { return strings.Compare(a.Key, b.Key) }
		slices.SortFunc(wantWIP, byKey)
		_, _, _, _, lean, _, err := db.TeamDeliveries(ctx, "payments", forever, forever, true, false)
		if err != nil {
			t.Fatalf("batch %d: TeamDeliveries: %v", batch, err)
		}
		slices.SortFunc(lean, byKey)
		if diff := cmp.Diff(lean, wantWIP, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("batch %d: lean flows in progress (-got +want):\n%s", batch, diff)
		}
		_, _, _, _, starts, _, err := db.TeamCycles(ctx, "payments", forever, forever, true)
		if err != nil {
			t.Fatalf("batch %d: TeamCycles: %v", batch, err)
		}
		var wantStarts []time.Time
		for _, f := range wantWIP {
			wantStarts = append(wantStarts, f.Started)
		}
		slices.SortFunc(starts, time.Time.Compare)
		slices.SortFunc(wantStarts, time.Time.Compare)
		if diff := cmp.Diff(starts, wantStarts, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("batch %d: starts in progress (-got +want):\n%s", batch, diff)
		}
		_, _, _, counts, _, err := db.TeamWIP(ctx, "payments", forever)
		if err != nil {
			t.Fatalf("batch %d: TeamWIP: %v", batch, err)
		}
		if diff := cmp.Diff(counts, wantCounts, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("batch %d: counts in progress (-got +want):\n%s", batch, diff)
		}
	}
}
