package coach

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// walk builds an item created at created in status first whose status
// walks through (day, status) steps; done statuses resolve it as Done.
func walk(key string, created float64, first string, steps ...any) Item {
	it := Item{Key: key, Created: day(created), Status: first}
	from := first
	for i := 0; i < len(steps); i += 2 {
		to := steps[i+1].(string)
		it.Transitions = append(it.Transitions, tr(day(steps[i].(float64)), from, to))
		from = to
	}
	it.Status = from
	if from == "Done" || from == "Closed" {
		it.Resolution = "Done"
	}
	return it
}

// flowItems is the history the efficiency and vsm tests share, read with
// team(): Build (active In Progress, wait Blocked), Review (active In
// Review), Ship (wait Ready to Deploy, done Done).
func flowItems() []Item {
	b := walk("B", 0, "To Do", 2.0, "In Progress", 4.0, "Done", 5.0, "In Progress", 6.0, "Ready to Deploy", 9.0, "Done")
	b.Flagged = []Span{{From: day(2.5), To: day(3.5)}}
	return []Item{
		// A: start 1, done 6. Build: In Progress 1-3 and 4-5 active (3),
		// Blocked 3-4 wait (1). Review 5-6 active (1). Lead 6.
		// Active 4, wait 1: item efficiency 0.8.
		walk("A", 0, "To Do", 1.0, "In Progress", 3.0, "Blocked", 4.0, "In Progress", 5.0, "In Review", 6.0, "Done"),
		// B: start 2, done 9. Build: In Progress 2-4 flagged 2.5-3.5 (active
		// 1, wait 1), again 5-6 after the reopen (active 1). Done 4-5 is
		// neither. Ship: Ready to Deploy 6-9 wait (3). Stages visited:
		// Build, Ship (Done), Build, Ship: Ship was left backwards. Lead 9.
		// Active 2, wait 4: item efficiency 1/3.
		b,
		// H: start 1, done 5. Build 1-2, 3-4 active (2); Review 2-3, 4-5
		// active (2); Review went back to Build. Lead 5. Active 4, wait 0:
		// item efficiency 1.
		walk("H", 0, "To Do", 1.0, "In Progress", 2.0, "In Review", 3.0, "In Progress", 4.0, "In Review", 5.0, "Done"),
		// D: started and done at 5: no time. Lead 5.
		walk("D", 0, "To Do", 5.0, "In Progress", 5.0, "Done"),
		// C: done without starting.
		walk("C", 0, "To Do", 5.0, "Done"),
		// E: done before the window.
		walk("E", -10, "To Do", -9.0, "In Progress", -8.0, "Blocked", -7.0, "Done"),
		// WIP now: one queued in Ship, one in Build.
		walk("W", 0, "To Do", 1.0, "In Progress", 2.0, "Ready to Deploy"),
		walk("Z", 0, "To Do", 1.0, "In Progress", 3.0, "Blocked"),
	}
}

func TestEfficiency(t *testing.T) {
	win := Window{From: day(0), To: day(10)}
	noWait := team()
	noWait.Stages = []Stage{{Name: "Build", Active: []string{"In Progress", "In Review"}}, {Name: "Done", Done: []string{"Done"}}}
	weekdays := [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}

	// t0 is Monday 09:00. F works Friday 09:00 to Saturday 09:00, is
	// blocked to Monday 09:00, works to Tuesday 09:00. Calendar: active 2,
	// wait 2. Working time, Monday to Friday: active Friday 15 h + Monday
	// 09:00-Tuesday 09:00 24 h = 39 h; wait only Monday 00:00-09:00, 9 h.
	f := walk("F", 0, "To Do", 4.0, "In Progress", 5.0, "Blocked", 7.0, "In Progress", 8.0, "Done")
	// G is flagged from day 2 and never unflagged: wait runs to done.
	g := walk("G", 0, "To Do", 1.0, "In Progress", 4.0, "Done")
	g.Flagged = []Span{{From: day(2)}}
	// R was flagged while done before its reopen: neither.
	r := walk("R", 0, "To Do", 1.0, "In Progress", 2.0, "Done", 4.0, "In Progress", 5.0, "Done")
	r.Flagged = []Span{{From: day(2.5), To: day(3.5)}}
	// K is created straight in progress, its transitions out of order, one
	// stamped before creation (counts at creation).
	k := Item{Key: "K", Created: day(1), Status: "Done", Resolution: "Done", Transitions: []Transition{
		tr(day(3), "Blocked", "Done"), tr(day(0.5), "In Progress", "Blocked"),
	}}

	type result struct {
		N             int
		Excluded      map[string]int
		Active, Wait  float64
		Efficiency    float64
		OK            bool
		Reason        string
		ItemN         int
		P15, P50, P85 float64
		ItemOK        bool
	}
	tests := []struct {
		name  string
		w     Workflow
		items []Item
		clock Clock
		want  result
	}{
		{
			// A 4/1, B 2/4, H 4/0, D 0/0: active 10, wait 5, 10/15.
			// Per item (D has no time): 1/3, 0.8, 1. P15 rank ceil(0.45)=1,
			// P50 rank 2, P85 rank ceil(2.55)=3.
			name: "shared history", w: team(), items: flowItems(),
			want: result{N: 4, Excluded: map[string]int{ExcludedNotStarted: 1, ExcludedNoTime: 1},
				Active: 10, Wait: 5, Efficiency: 10.0 / 15, OK: true,
				ItemN: 3, P15: 2.0 / 6, P50: 0.8, P85: 1, ItemOK: true},
		},
		{
			name: "calendar time over a weekend", w: team(), items: []Item{f},
			want: result{N: 1, Excluded: map[string]int{}, Active: 2, Wait: 2, Efficiency: 0.5, OK: true, ItemN: 1, P15: 0.5, P50: 0.5, P85: 0.5, ItemOK: true},
		},
		{
			name: "working time over a weekend", w: team(), items: []Item{f}, clock: Calendar{Location: time.UTC, Workdays: weekdays}.Clock(),
			want: result{N: 1, Excluded: map[string]int{}, Active: 39.0 / 24, Wait: 9.0 / 24, Efficiency: 39.0 / 48, OK: true,
				ItemN: 1, P15: 39.0 / 48, P50: 39.0 / 48, P85: 39.0 / 48, ItemOK: true},
		},
		{
			// Active 1-2, flagged 2-4: 1/3.
			name: "an open flag runs to done", w: team(), items: []Item{g},
			want: result{N: 1, Excluded: map[string]int{}, Active: 1, Wait: 2, Efficiency: 1.0 / 3, OK: true, ItemN: 1, P15: 1.0 / 3, P50: 1.0 / 3, P85: 1.0 / 3, ItemOK: true},
		},
		{
			// In Progress 1-2 and 4-5; Done 2-4 neither, flagged or not.
			name: "time in done before a reopen is neither", w: team(), items: []Item{r},
			want: result{N: 1, Excluded: map[string]int{}, Active: 2, Wait: 0, Efficiency: 1, OK: true, ItemN: 1, P15: 1, P50: 1, P85: 1, ItemOK: true},
		},
		{
			// Created in progress at 1; Blocked from creation (0.5 -> 1)
			// to 3: active 0, wait 2.
			name: "unsorted transitions and one before creation", w: team(), items: []Item{k},
			want: result{N: 1, Excluded: map[string]int{}, Active: 0, Wait: 2, Efficiency: 0, OK: true, ItemN: 1, ItemOK: true},
		},
		{
			// Blocked and Ready to Deploy are no stage's now, so active:
			// A 5, B 6 - 1 flagged, H 4. Only B's flag is wait. Not
			// measurable all the same, and no per-item distribution.
			name: "no wait statuses: not measurable", w: noWait, items: flowItems(),
			want: result{N: 4, Excluded: map[string]int{ExcludedNotStarted: 1, ExcludedNoTime: 1}, Active: 14, Wait: 1, Reason: ReasonNoWaitStatuses},
		},
		{
			name: "no items", w: team(), items: nil,
			want: result{Excluded: map[string]int{}, Reason: ReasonNoItems},
		},
		{
			name: "only an item with no time", w: team(), items: []Item{walk("D", 0, "To Do", 5.0, "In Progress", 5.0, "Done")},
			want: result{N: 1, Excluded: map[string]int{ExcludedNoTime: 1}, Reason: ReasonNoTime},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Efficiency(tt.w, Flows(tt.w, tt.items, day(10)), win, tt.clock)
			got := result{rep.N, rep.Excluded, rep.Active, rep.Wait, rep.Efficiency, rep.OK, rep.Reason,
				rep.ItemN, rep.ItemP15, rep.ItemP50, rep.ItemP85, rep.ItemOK}
			if diff := cmp.Diff(got, tt.want, approx); diff != "" {
				t.Errorf("Efficiency (-got +want):\n%s", diff)
			}
		})
	}
}

// approx compares floats to 1e-9: sums of durations in days are not exact.
var approx = cmp.Comparer(func(a, b float64) bool {
	d := a - b
	return d < 1e-9 && d > -1e-9
})
