package coach

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fuzzStatuses covers every class, case variants, a status known to
// neither stages nor Jira, and the empty name.
var fuzzStatuses = []string{
	"Backlog", "To Do", "Selected", "In Progress", "in review", "Blocked",
	"QA", "Deployed", "Done", "CLOSED", "Resolved", "Triage Hold", "",
}

// fuzzItem decodes history as transitions of four bytes each: from, to,
// and a signed offset in hours from creation (so some land before
// creation, and the order is arbitrary).
func fuzzItem(created time.Time, status byte, resolution string, history []byte) Item {
	pick := func(b byte) string { return fuzzStatuses[int(b)%len(fuzzStatuses)] }
	it := Item{Key: "F-1", Created: created, Status: pick(status), Resolution: resolution}
	for ; len(history) >= 4; history = history[4:] {
		hours := int16(uint16(history[2])<<8 | uint16(history[3]))
		it.Transitions = append(it.Transitions, Transition{
			At:   created.Add(time.Duration(hours) * time.Hour),
			From: pick(history[0]),
			To:   pick(history[1]),
		})
	}
	return it
}

func FuzzFlow(f *testing.F) {
	f.Add(int16(100), byte(8), "", []byte{1, 3, 0, 24, 3, 8, 0, 48})
	f.Add(int16(10), byte(8), "Won't Do", []byte{1, 3, 0, 24, 3, 8, 0, 48})
	f.Add(int16(-5), byte(3), "", []byte{})
	f.Add(int16(500), byte(9), "Fixed", []byte{0, 3, 0, 1, 3, 0, 0, 2, 0, 3, 0, 3, 3, 8, 0, 4, 8, 3, 0, 5, 3, 8, 0, 6, 8, 9, 0, 7})
	f.Add(int16(30), byte(11), "", []byte{1, 11, 255, 200, 11, 8, 0, 10})

	w := team()
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, nowHours int16, status byte, resolution string, history []byte) {
		it := fuzzItem(created, status, resolution, history)
		now := created.Add(time.Duration(nowHours) * time.Hour)

		fl, ok := w.Flow(it, now)
		if ok != !created.After(now) {
			t.Fatalf("Flow(created %v, now %v) ok = %v", created, now, ok)
		}
		if !ok {
			if got := Flows(w, []Item{it}, now); len(got) != 0 {
				t.Fatalf("Flows kept an item created after now")
			}
			return
		}
		if got := Flows(w, []Item{it}, now); len(got) != 1 || !cmp.Equal(got[0], fl) {
			t.Fatalf("Flows (memoized) disagrees with Flow:\n%s", cmp.Diff(got, []Flow{fl}))
		}
		if fl.Class != w.Class(fl.Status) {
			t.Errorf("Class = %v, want the class of %q, %v", fl.Class, fl.Status, w.Class(fl.Status))
		}
		if !fl.Started.IsZero() && !fl.Done.IsZero() && fl.Started.After(fl.Done) {
			t.Errorf("started %v after done %v", fl.Started, fl.Done)
		}
		if !fl.Done.IsZero() && fl.Class != Done {
			t.Errorf("done set while class is %v", fl.Class)
		}
		if fl.Excluded && (fl.Class != Done || !fl.Done.IsZero()) {
			t.Errorf("excluded with class %v and done %v", fl.Class, fl.Done)
		}
		if fl.Delivered() && fl.InProgress() {
			t.Errorf("both delivered and in progress")
		}
		for _, at := range []time.Time{fl.Started, fl.Done} {
			if !at.IsZero() && (at.After(now) || at.Before(created)) {
				t.Errorf("instant %v outside [created %v, now %v]", at, created, now)
			}
		}
		if d, ok := fl.CycleTime(); ok && d < 0 {
			t.Errorf("cycle time %v < 0", d)
		}
		if d, ok := fl.LeadTime(); ok && d < 0 {
			t.Errorf("lead time %v < 0", d)
		}
		if d, ok := fl.Age(now); ok && d < 0 {
			t.Errorf("age %v < 0", d)
		}
	})
}
