package coach

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWindowContains(t *testing.T) {
	win := Window{From: day(0), To: day(7)}
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"from is inside", day(0), true},
		{"to is outside", day(7), false},
		{"just before to", day(7).Add(-time.Nanosecond), true},
		{"before from", day(0).Add(-time.Nanosecond), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := win.Contains(tt.t); got != tt.want {
				t.Errorf("Contains(%v) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	// twenty holds 1..20 shuffled, so the k-th smallest is k.
	twenty := []float64{7, 20, 3, 14, 1, 18, 9, 12, 5, 16, 2, 11, 19, 4, 15, 8, 13, 6, 17, 10}
	tests := []struct {
		name   string
		values []float64
		p      float64
		want   float64
		wantOK bool
	}{
		{"n=0 has no value", nil, 85, 0, false},
		{"n=1 is the value", []float64{3.5}, 85, 3.5, true},
		// ceil(0.85 * 4) = ceil(3.4) = 4: the 4th smallest, 4.
		{"n=4 p85 is the 4th", []float64{4, 1, 3, 2}, 85, 4, true},
		// ceil(0.5 * 4) = 2: the 2nd smallest, exactly, not an interpolation.
		{"n=4 p50 is the 2nd", []float64{4, 1, 3, 2}, 50, 2, true},
		// ceil(0.85 * 20) = 17.
		{"n=20 p85 is the 17th", twenty, 85, 17, true},
		// ceil(0.95 * 20) = 19.
		{"n=20 p95 is the 19th", twenty, 95, 19, true},
		// ceil(0.5 * 20) = 10.
		{"n=20 p50 is the 10th", twenty, 50, 10, true},
		{"p100 is the largest", twenty, 100, 20, true},
		{"p0 is the smallest", twenty, 0, 1, true},
		{"p above 100 is the largest", twenty, 120, 20, true},
		{"NaN p has no value", twenty, math.NaN(), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.values)
			got, ok := Percentile(tt.values, tt.p)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Percentile(%v, %v) = %v, %v, want %v, %v", tt.values, tt.p, got, ok, tt.want, tt.wantOK)
			}
			if diff := cmp.Diff(tt.values, before); diff != "" {
				t.Errorf("Percentile modified its input (-got +want):\n%s", diff)
			}
		})
	}
}

// TestNearestRanks pins selection to sorting: on every shape of input
// (orders a naive quickselect degrades on, runs of equal values, sizes
// around its cut-over to a plain sort) it reads what nearestRank reads
// from the sorted values, and leaves the same values behind.
func TestNearestRanks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := map[string]func(n int) []float64{
		"random": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = rng.ExpFloat64() * 4
			}
			return v
		},
		"ascending": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(i)
			}
			return v
		},
		"descending": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(n - i)
			}
			return v
		},
		"all equal": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = 2.5
			}
			return v
		},
		"few distinct": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(rng.IntN(3))
			}
			return v
		},
		"organ pipe": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(min(i, n-1-i))
			}
			return v
		},
	}
	ps := []float64{0, 15, 50, 85, 85, 95, 100}
	for name, shape := range shapes {
		for _, n := range []int{1, 2, 3, 11, 12, 13, 14, 50, 1000, 4097} {
			t.Run(fmt.Sprintf("%s/n=%d", name, n), func(t *testing.T) {
				v := shape(n)
				sorted := slices.Clone(v)
				slices.Sort(sorted)
				var want []float64
				for _, p := range ps {
					want = append(want, nearestRank(sorted, p))
				}
				got := nearestRanks(v, ps...)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("nearestRanks differs from nearestRank on the sorted values (-want +got):\n%s", diff)
				}
				slices.Sort(v)
				if !slices.Equal(v, sorted) {
					t.Error("nearestRanks changed the values, not only their order")
				}
			})
		}
	}
}

// doneItem was started at start (unless start is zero) and done at done.
func doneItem(key string, start, done time.Time) Item {
	it := Item{Key: key, Created: done.Add(-30 * 24 * time.Hour), Status: "Done"}
	if start.IsZero() {
		it.Transitions = []Transition{tr(done, "To Do", "Done")}
		return it
	}
	it.Transitions = []Transition{tr(start, "To Do", "In Progress"), tr(done, "In Progress", "Done")}
	return it
}

// wipItem was created in status at started and never moved.
func wipItem(key, status string, started time.Time) Item {
	return Item{Key: key, Title: "title " + key, Assignee: "ann", Created: started, Status: status}
}

// twentyDone holds items done on day 19 with cycle times 1..20 days,
// listed out of order.
func twentyDone() []Item {
	var items []Item
	for _, c := range []int{7, 20, 3, 14, 1, 18, 9, 12, 5, 16, 2, 11, 19, 4, 15, 8, 13, 6, 17, 10} {
		items = append(items, doneItem(fmt.Sprintf("T-%d", c), day(19-float64(c)), day(19)))
	}
	return items
}

func TestCycleTime(t *testing.T) {
	win := Window{From: day(10), To: day(20)}
	now := day(30)
	tests := []struct {
		name  string
		items []Item
		want  CycleTimeReport
	}{
		{
			name: "percentiles over items done in the window",
			items: []Item{
				doneItem("A-1", day(9), day(10)),      // 1 day, done at From: in
				doneItem("A-2", day(10), day(12)),     // 2 days
				doneItem("A-3", day(12), day(15)),     // 3 days
				doneItem("A-4", day(9), day(19)),      // 10 days
				doneItem("A-5", day(15), day(20)),     // done at To: out
				doneItem("A-6", day(1), day(5)),       // before the window: out
				doneItem("A-7", time.Time{}, day(14)), // never started: no cycle time
				wipItem("A-8", "In Progress", day(11)),
			},
			// sorted 1, 2, 3, 10: p50 = ceil(2)nd = 2, p85 = ceil(3.4)th = 10,
			// p95 = ceil(3.8)th = 10, max 10.
			want: CycleTimeReport{Window: win, Count: 4, P50: 2, P85: 10, P95: 10, Max: 10, OK: true},
		},
		{
			name:  "twenty items",
			items: twentyDone(),
			// cycle times 1..20 days: p50 = 10th = 10, p85 = 17th = 17,
			// p95 = 19th = 19, max 20.
			want: CycleTimeReport{Window: win, Count: 20, P50: 10, P85: 17, P95: 19, Max: 20, OK: true},
		},
		{
			name: "excluded resolutions do not count",
			items: []Item{
				func() Item { it := doneItem("B-1", day(11), day(12)); it.Resolution = "Duplicate"; return it }(),
				doneItem("B-2", day(11), day(14)), // 3 days
			},
			want: CycleTimeReport{Window: win, Count: 1, P50: 3, P85: 3, P95: 3, Max: 3, OK: true},
		},
		{
			name:  "nothing done in the window",
			items: []Item{doneItem("C-1", time.Time{}, day(12)), wipItem("C-2", "In Progress", day(11))},
			want:  CycleTimeReport{Window: win},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CycleTime(Flows(team(), tt.items, now), win)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("CycleTime(...) (-got +want):\n%s", diff)
			}
		})
	}
}

func TestThroughput(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("loading Europe/Berlin: %v", err)
	}
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	ber := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, berlin) }
	done := func(key string, at time.Time) Item { return doneItem(key, at.Add(-24*time.Hour), at) }
	now := utc(2024, 6, 1, 0, 0)

	tests := []struct {
		name  string
		items []Item
		win   Window
		loc   *time.Location
		want  ThroughputReport
	}{
		{
			// Sunday 10 March 23:30 UTC is Monday 11 March 00:30 in Berlin
			// (UTC+1). The window is given in UTC, as the bot computes it
			// from now: [Sun 3 March 23:00 UTC, Sun 17 March 23:00 UTC) is
			// Monday 4 to Monday 18 March in Berlin.
			name:  "sunday 23:30 utc is next week in berlin",
			items: []Item{done("A-1", utc(2024, 3, 10, 23, 30))},
			win:   Window{From: utc(2024, 3, 3, 23, 0), To: utc(2024, 3, 17, 23, 0)},
			loc:   berlin,
			want: ThroughputReport{
				Window: Window{From: ber(2024, 3, 4), To: ber(2024, 3, 18)},
				Total:  1,
				Weeks:  []WeekCount{{Start: ber(2024, 3, 4), Count: 0}, {Start: ber(2024, 3, 11), Count: 1}},
			},
		},
		{
			name:  "sunday 23:30 utc is the same week in utc",
			items: []Item{done("A-1", utc(2024, 3, 10, 23, 30))},
			win:   Window{From: utc(2024, 3, 4, 0, 0), To: utc(2024, 3, 18, 0, 0)},
			loc:   time.UTC,
			want: ThroughputReport{
				Window: Window{From: utc(2024, 3, 4, 0, 0), To: utc(2024, 3, 18, 0, 0)},
				Total:  1,
				Weeks:  []WeekCount{{Start: utc(2024, 3, 4, 0, 0), Count: 1}, {Start: utc(2024, 3, 11, 0, 0), Count: 0}},
			},
		},
		{
			// Wednesday 6 March to Wednesday 20 March overlaps the weeks of
			// 4, 11 and 18 March; the first and last are listed whole but
			// count only what is inside the window.
			name: "window starting mid-week lists that week, zeros included",
			items: []Item{
				done("B-1", utc(2024, 3, 5, 12, 0)),                  // Tuesday before From: out
				done("B-2", utc(2024, 3, 6, 12, 0)),                  // at From: in, week of 4 March
				done("B-3", utc(2024, 3, 7, 8, 0)),                   // week of 4 March
				done("B-4", utc(2024, 3, 19, 8, 0)),                  // week of 18 March
				done("B-5", utc(2024, 3, 20, 12, 0)),                 // at To: out
				doneItem("B-6", time.Time{}, utc(2024, 3, 19, 9, 0)), // never started: counts
				wipItem("B-7", "In Progress", utc(2024, 3, 12, 0, 0)),
				func() Item {
					it := done("B-8", utc(2024, 3, 13, 0, 0))
					it.Resolution = "Won't Do"
					return it
				}(),
			},
			win: Window{From: utc(2024, 3, 6, 12, 0), To: utc(2024, 3, 20, 12, 0)},
			loc: time.UTC,
			want: ThroughputReport{
				Window: Window{From: utc(2024, 3, 6, 12, 0), To: utc(2024, 3, 20, 12, 0)},
				Total:  4, // B-2, B-3, B-4, B-6
				Weeks: []WeekCount{
					{Start: utc(2024, 3, 4, 0, 0), Count: 2},
					{Start: utc(2024, 3, 11, 0, 0), Count: 0},
					{Start: utc(2024, 3, 18, 0, 0), Count: 2},
				},
			},
		},
		{
			// Berlin moves to summer time on Sunday 31 March, so the week of
			// 25 March is 167 hours long. 31 March 22:30 UTC is Monday
			// 1 April 00:30 CEST: the second week, which a 168-hour step
			// (starting at 01:00 CEST) would miss.
			name:  "weeks stay on monday midnight across daylight saving",
			items: []Item{done("C-1", utc(2024, 3, 31, 22, 30))},
			win:   Window{From: ber(2024, 3, 25), To: ber(2024, 4, 8)},
			loc:   berlin,
			want: ThroughputReport{
				Window: Window{From: ber(2024, 3, 25), To: ber(2024, 4, 8)},
				Total:  1,
				Weeks:  []WeekCount{{Start: ber(2024, 3, 25), Count: 0}, {Start: ber(2024, 4, 1), Count: 1}},
			},
		},
		{
			name:  "nil location is utc",
			items: []Item{done("D-1", utc(2024, 3, 10, 23, 30))},
			win:   Window{From: utc(2024, 3, 4, 0, 0), To: utc(2024, 3, 11, 0, 0)},
			want: ThroughputReport{
				Window: Window{From: utc(2024, 3, 4, 0, 0), To: utc(2024, 3, 11, 0, 0)},
				Total:  1,
				Weeks:  []WeekCount{{Start: utc(2024, 3, 4, 0, 0), Count: 1}},
			},
		},
		{
			name:  "empty window lists no weeks",
			items: []Item{done("E-1", utc(2024, 3, 10, 0, 0))},
			win:   Window{From: utc(2024, 3, 10, 0, 0), To: utc(2024, 3, 10, 0, 0)},
			loc:   time.UTC,
			want:  ThroughputReport{Window: Window{From: utc(2024, 3, 10, 0, 0), To: utc(2024, 3, 10, 0, 0)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Throughput(Flows(team(), tt.items, now), tt.win, tt.loc)
			// cmp compares time.Time with its Equal method: the same instant.
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Throughput(...) (-got +want):\n%s", diff)
			}
			loc := tt.loc
			if loc == nil {
				loc = time.UTC
			}
			for _, w := range got.Weeks {
				if s := w.Start.In(loc); s.Weekday() != time.Monday || s.Hour() != 0 {
					t.Errorf("week starts %v, not Monday 00:00", s)
				}
			}
		})
	}
}

func TestWIP(t *testing.T) {
	now := day(10)
	items := []Item{
		wipItem("W-1", "In Progress", day(1)),
		wipItem("W-2", "in progress", day(2)),
		wipItem("W-3", "Blocked", day(3)),
		wipItem("W-4", "Ready to Deploy", day(3)),
		wipItem("W-5", "Analysis", day(4)),
		wipItem("W-6", "qa", day(4)),
		wipItem("W-7", "Triage Hold", day(5)),
		wipItem("W-8", "triage hold", day(5)),
		wipItem("W-9", "Alpha Hold", day(5)),
		wipItem("W-10", "To Do", day(5)),        // backlog: not WIP
		doneItem("W-11", day(1), day(2)),        // delivered: not WIP
		wipItem("W-12", "In Progress", day(11)), // created after now: does not exist
		func() Item { // excluded: not WIP
			it := doneItem("W-13", day(1), day(2))
			it.Resolution = "Duplicate"
			return it
		}(),
	}
	tests := []struct {
		name  string
		w     Workflow
		items []Item
		want  WIPReport
	}{
		{
			name:  "with stages",
			w:     team(),
			items: items,
			// Build: W-1, W-2 (In Progress) and W-3 (Blocked); Review: none,
			// listed anyway; Ship: W-4. Then unlisted statuses: QA before
			// Analysis (Jira's order, not the alphabet), then the unknown
			// ones by name, "triage hold" and "Triage Hold" being one.
			want: WIPReport{Count: 9, ByStage: []StageCount{
				{"Build", 3}, {"Review", 0}, {"Ship", 1},
				{"QA", 1}, {"Analysis", 1}, {"Alpha Hold", 1}, {"Triage Hold", 2},
			}},
		},
		{
			name:  "without stages",
			w:     Workflow{Statuses: team().Statuses},
			items: items,
			// Status names in Jira's order, spelled as Jira spells them,
			// zero-count statuses left out; then unknown ones by name.
			// "Ready to Deploy" is unknown to Jira's list here.
			want: WIPReport{Count: 9, ByStage: []StageCount{
				{"In Progress", 2}, {"Blocked", 1}, {"QA", 1}, {"Analysis", 1},
				{"Alpha Hold", 1}, {"Ready to Deploy", 1}, {"Triage Hold", 2},
			}},
		},
		{
			name: "a stage of done statuses alone holds no work and is left out",
			w: Workflow{Stages: []Stage{
				{Name: "Build", Active: []string{"In Progress"}},
				{Name: "Done", Done: []string{"Done", "Closed"}},
			}, Statuses: team().Statuses},
			items: items[:2],
			want:  WIPReport{Count: 2, ByStage: []StageCount{{"Build", 2}}},
		},
		{
			name: "stages and no work",
			w:    Workflow{Stages: team().Stages[:2]},
			want: WIPReport{ByStage: []StageCount{{"Build", 0}, {"Review", 0}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WIP(tt.w, Flows(tt.w, tt.items, now))
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("WIP(...) (-got +want):\n%s", diff)
			}
		})
	}
}

func TestSLE(t *testing.T) {
	now := day(200)
	tests := []struct {
		name   string
		items  []Item
		want   float64
		wantOK bool
	}{
		{
			name: "p85 over the last 90 days",
			items: []Item{
				doneItem("S-1", day(108), day(110)),                       // done at now-90d: in, 2 days
				doneItem("S-2", day(150), day(151)),                       // 1 day
				doneItem("S-3", day(160), day(164)),                       // 4 days
				doneItem("S-4", day(100), day(110).Add(-time.Nanosecond)), // before now-90d: out
			},
			// 1, 2, 4: ceil(0.85 * 3) = 3rd = 4.
			want: 4, wantOK: true,
		},
		{
			name:  "no cycle times in the last 90 days",
			items: []Item{doneItem("S-5", day(10), day(20)), doneItem("S-6", time.Time{}, day(150))},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := SLE(Flows(team(), tt.items, now), now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("SLE(...) = %v, %v, want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestAging(t *testing.T) {
	now := day(100)
	// Cycle times 1, 2, 3 and 4 days in the last 90 days: SLE = ceil(3.4)th = 4.
	delivered := []Item{
		doneItem("D-1", day(50), day(51)),
		doneItem("D-2", day(50), day(52)),
		doneItem("D-3", day(50), day(53)),
		doneItem("D-4", day(50), day(54)),
	}
	wip := []Item{
		wipItem("P-3", "In Review", day(98)),   // age 2, ties with P-2: by key
		wipItem("P-1", "In Progress", day(95)), // age 5 > 4: over
		wipItem("P-4", "Blocked", day(96)),     // age 4, not strictly over
		wipItem("P-2", "QA", day(98)),          // age 2
	}
	wantItems := []AgingItem{
		{Key: "P-1", Title: "title P-1", Stage: "Build", Status: "In Progress", Assignee: "ann", AgeDays: 5, OverSLE: true},
		{Key: "P-4", Title: "title P-4", Stage: "Build", Status: "Blocked", Assignee: "ann", AgeDays: 4},
		{Key: "P-2", Title: "title P-2", Stage: "QA", Status: "QA", Assignee: "ann", AgeDays: 2},
		{Key: "P-3", Title: "title P-3", Stage: "Review", Status: "In Review", Assignee: "ann", AgeDays: 2},
	}
	unmarked := slices.Clone(wantItems)
	unmarked[0].OverSLE = false

	tests := []struct {
		name  string
		items []Item
		want  AgingReport
	}{
		{
			name:  "oldest first, over the sle marked",
			items: append(slices.Clone(delivered), wip...),
			want:  AgingReport{SLE: 4, HasSLE: true, Items: wantItems},
		},
		{
			name:  "no sle marks nothing",
			items: wip,
			want:  AgingReport{Items: unmarked},
		},
		{
			name:  "no work in progress",
			items: delivered,
			want:  AgingReport{SLE: 4, HasSLE: true, Items: []AgingItem{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flows := Flows(team(), tt.items, now)
			got := Aging(team(), flows, now)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Aging(...) (-got +want):\n%s", diff)
			}
			// AgingOf over every flow's Work, delivered ones included (and
			// left out), in reverse order: the same report.
			var work []Work
			for _, f := range slices.Backward(flows) {
				work = append(work, WorkOf(f))
			}
			if diff := cmp.Diff(AgingOf(team(), work, now, got.SLE, got.HasSLE), tt.want); diff != "" {
				t.Errorf("AgingOf(...) (-got +want):\n%s", diff)
			}
		})
	}
}

// TestSpanIsSub pins span to time.Time.Sub on instants as the store and
// the APIs give them (no monotonic reading): near and far apart, before
// 1970, with nanoseconds, and past Sub's range, where Sub saturates.
func TestSpanIsSub(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	instants := []time.Time{{}, time.Unix(0, 0), time.Unix(-1, 999_999_999), time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), day(0), day(0.5).Add(time.Nanosecond)}
	for range 200 {
		instants = append(instants, time.Unix(rng.Int64N(1<<36)-1<<35, rng.Int64N(1e9)), day(rng.Float64()*400).Add(time.Duration(rng.IntN(1e6))))
	}
	now := time.Now() // a monotonic reading on one side only: Sub reads the wall clock
	instants = append(instants, now, now.Add(-90*24*time.Hour).Round(0))
	for _, a := range instants {
		for _, b := range instants {
			if got, want := span(a, b), b.Sub(a); got != want {
				t.Fatalf("span(%v, %v) = %v, want %v", a, b, got, want)
			}
		}
	}
}
