package coach

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Window is the half-open interval [From, To).
type Window struct{ From, To time.Time }

// Contains reports whether t is in [From, To).
func (w Window) Contains(t time.Time) bool {
	return !t.Before(w.From) && t.Before(w.To)
}

// Percentile is the nearest-rank p-th percentile of values: the
// ceil(p/100 * n)-th smallest, with the rank kept within [1, n]. It returns
// false for no values (or a NaN p) rather than a made-up 0. values is not
// modified.
func Percentile(values []float64, p float64) (float64, bool) {
	if len(values) == 0 || math.IsNaN(p) {
		return 0, false
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return nearestRank(sorted, p), true
}

// nearestRank reads the p-th percentile off sorted, which is not empty.
func nearestRank(sorted []float64, p float64) float64 {
	return sorted[rankIndex(len(sorted), p)]
}

// rankIndex is the index of the p-th percentile in n sorted values: the
// ceil(p/100 * n)-th, kept within [1, n].
func rankIndex(n int, p float64) int {
	// p*n before /100 keeps whole-number p exact: 85*20/100 is 17, where
	// 0.85*20 need not be.
	rank := int(math.Ceil(p * float64(n) / 100))
	return min(max(rank, 1), n) - 1
}

// nearestRanks returns what nearestRank returns for each p of ps on values
// sorted, ps ascending, values not empty. It selects rather than sorts
// (reordering values): an answer over a long window wants three ranks of
// thousands of values, not their order.
func nearestRanks(values []float64, ps ...float64) []float64 {
	out := make([]float64, len(ps))
	lo := 0 // values[:lo] are the lo smallest, in place
	for i, p := range ps {
		k := rankIndex(len(values), p)
		if k >= lo {
			selectNth(values[lo:], k-lo)
			lo = k + 1
		}
		out[i] = values[k]
	}
	return out
}

// selectNth reorders v so that v[k] is the value sorting would put there,
// with none greater before it and none smaller after it. It is quickselect
// with three-way partitions (many equal durations cost nothing) and, past
// a depth that only adversarial orders reach, a sort.
func selectNth(v []float64, k int) {
	depth := 2 * bits.Len(uint(len(v)))
	for len(v) > 12 {
		if depth == 0 {
			slices.Sort(v)
			return
		}
		depth--
		p := median3(v[0], v[len(v)/2], v[len(v)-1])
		lt, i, gt := 0, 0, len(v)
		for i < gt {
			switch x := v[i]; {
			case x < p:
				v[lt], v[i] = x, v[lt]
				lt++
				i++
			case x > p:
				gt--
				v[i], v[gt] = v[gt], x
			default:
				i++
			}
		}
		switch {
		case k < lt:
			v = v[:lt]
		case k >= gt:
			v, k = v[gt:], k-gt
		default:
			return // v[lt:gt] all equal p
		}
	}
	slices.Sort(v)
}

func median3(a, b, c float64) float64 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	return max(a, b)
}

// CycleTimeReport summarises the cycle times of the items delivered in a
// window. The numbers mean something only when OK.
type CycleTimeReport struct {
	Window        Window
	Count         int
	P50, P85, P95 float64
	Max           float64
	OK            bool // Count > 0
}

// CycleTime reports over the items delivered in win that have a cycle time;
// items done without starting count in throughput, not here.
func CycleTime(flows []Flow, win Window) CycleTimeReport {
	return CycleTimeOf(Deliveries(flows), win)
}

// CycleTimeOf is CycleTime over deliveries.
func CycleTimeOf(ds []Delivery, win Window) CycleTimeReport {
	r := CycleTimeReport{Window: win}
	values := cycleTimes(ds, win)
	if len(values) == 0 {
		return r
	}
	r.Count = len(values)
	ps := nearestRanks(values, 50, 85, 95, 100)
	r.P50, r.P85, r.P95, r.Max = ps[0], ps[1], ps[2], ps[3]
	r.OK = true
	return r
}

func cycleTimes(ds []Delivery, win Window) []float64 {
	// Counted first, so the values take one allocation of their size.
	n := 0
	for i := range ds {
		d := &ds[i]
		if !d.Started.IsZero() && win.Contains(d.Done) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	values := make([]float64, 0, n)
	for i := range ds {
		d := &ds[i]
		if !d.Started.IsZero() && win.Contains(d.Done) {
			values = append(values, daysOf(span(d.Started, d.Done)))
		}
	}
	return values
}

// WeekCount is the number of items delivered in one week.
type WeekCount struct {
	Start time.Time // Monday 00:00 in the team's time zone
	Count int
}

// ThroughputReport counts the items delivered in a window, in total and per
// week.
type ThroughputReport struct {
	Window Window
	Total  int
	Weeks  []WeekCount // every week overlapping Window, oldest first, zeros included
}

// Throughput counts the items delivered in win. Weeks start Monday 00:00 in
// loc (nil means UTC) and are calendar weeks, so one with a daylight-saving
// change is 167 or 169 hours long.
func Throughput(flows []Flow, win Window, loc *time.Location) ThroughputReport {
	return ThroughputOf(Deliveries(flows), win, loc)
}

// ThroughputOf is Throughput over deliveries.
func ThroughputOf(ds []Delivery, win Window, loc *time.Location) ThroughputReport {
	if loc == nil {
		loc = time.UTC
	}
	r := ThroughputReport{Window: win}
	if !win.From.Before(win.To) {
		return r
	}
	for s := weekStart(win.From, loc); s.Before(win.To); s = nextWeek(s, loc) {
		r.Weeks = append(r.Weeks, WeekCount{Start: s})
	}
	for i := range ds {
		f := &ds[i]
		if !win.Contains(f.Done) {
			continue
		}
		r.Total++
		// The week holding Done is the last one starting at or before it;
		// searching rather than recomputing Monday keeps the two in step
		// even where a zone skips or repeats midnight.
		i, found := slices.BinarySearchFunc(r.Weeks, f.Done, func(w WeekCount, t time.Time) int {
			return w.Start.Compare(t)
		})
		if !found {
			i--
		}
		r.Weeks[i].Count++
	}
	return r
}

// weekStart is Monday 00:00 in loc of the week holding t.
func weekStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	sinceMonday := (int(t.Weekday()) + 6) % 7
	return time.Date(y, m, d-sinceMonday, 0, 0, 0, 0, loc)
}

// nextWeek steps by calendar date, not by 168 hours, so weeks stay on
// Monday midnight across daylight-saving changes.
func nextWeek(s time.Time, loc *time.Location) time.Time {
	y, m, d := s.In(loc).Date()
	return time.Date(y, m, d+7, 0, 0, 0, 0, loc)
}

// StageCount is the number of WIP items in one stage.
type StageCount struct {
	Stage string
	Count int
}

// WIPReport counts the work in progress, in total and by stage.
type WIPReport struct {
	Count   int
	ByStage []StageCount
}

// WIP counts the flows in progress. ByStage lists every configured stage that
// can hold work (one with active or wait statuses) in order, zeros included, then the status-name stages that hold items in
// Workflow.Statuses order and then by name.
func WIP(w Workflow, flows []Flow) WIPReport {
	counts := map[string]int{}
	for i := range flows {
		if flows[i].InProgress() {
			counts[flows[i].Status]++
		}
	}
	return WIPOf(w, counts)
}

// WIPOf is WIP over the statuses of the items in progress, each with how
// many items are in it (the counts alone decide the report).
func WIPOf(w Workflow, counts map[string]int) WIPReport {
	p := newPlacer(w)
	configured := make([]StageCount, len(w.Stages))
	for i, sg := range w.Stages {
		configured[i].Stage = sg.Name
	}
	type statusStage struct {
		name        string
		statusIndex int
		count       int
	}
	// Keyed by case fold: names that differ only in case are one status.
	byFold := make(map[string]*statusStage)
	var r WIPReport
	for status, n := range counts {
		if n <= 0 {
			continue
		}
		r.Count += n
		pl := p.place(status)
		if pl.stageIndex >= 0 {
			configured[pl.stageIndex].Count += n
			continue
		}
		key := foldKey(pl.stage)
		s, ok := byFold[key]
		if !ok {
			s = &statusStage{name: pl.stage, statusIndex: pl.statusIndex}
			byFold[key] = s
		}
		// The smallest spelling wins, so the name does not depend on
		// the order of flows.
		s.name = min(s.name, pl.stage)
		s.count += n
	}
	extra := make([]*statusStage, 0, len(byFold))
	for _, s := range byFold {
		extra = append(extra, s)
	}
	slices.SortFunc(extra, func(a, b *statusStage) int {
		// Statuses Jira lists (index >= 0) first, in its order.
		ai, bi := a.statusIndex, b.statusIndex
		if ai < 0 {
			ai = math.MaxInt
		}
		if bi < 0 {
			bi = math.MaxInt
		}
		return cmp.Or(cmp.Compare(ai, bi), cmp.Compare(a.name, b.name))
	})
	// A stage of done statuses alone can never hold work in progress:
	// listing it with 0 would only be noise.
	for i, sg := range w.Stages {
		if len(sg.Active)+len(sg.Wait) > 0 || configured[i].Count > 0 {
			r.ByStage = append(r.ByStage, configured[i])
		}
	}
	for _, s := range extra {
		r.ByStage = append(r.ByStage, StageCount{Stage: s.name, Count: s.count})
	}
	return r
}

// foldKey maps s to a key equal for exactly the strings strings.EqualFold
// calls equal: every rune becomes the smallest rune of its case-fold orbit.
func foldKey(s string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, s)
}

// sleWindow is the span SLE looks back over.
const sleWindow = 90 * 24 * time.Hour

// SLE is the service level expectation: the 85th percentile cycle time of
// the items delivered in [now-90d, now). False when there is none.
func SLE(flows []Flow, now time.Time) (days float64, ok bool) {
	return SLEOf(Deliveries(flows), now)
}

// SLEOf is SLE over deliveries.
func SLEOf(ds []Delivery, now time.Time) (days float64, ok bool) {
	r := CycleTimeOf(ds, Window{From: now.Add(-sleWindow), To: now})
	return r.P85, r.OK
}

// AgingItem is one WIP item and how old it is.
type AgingItem struct {
	Key, Title, Stage, Status, Assignee string
	AgeDays                             float64
	OverSLE                             bool
}

// AgingReport lists the work in progress oldest first against the SLE.
type AgingReport struct {
	SLE    float64
	HasSLE bool
	Items  []AgingItem
}

// Aging lists the flows in progress at now, oldest first (ties by key), each
// marked OverSLE when its age exceeds the SLE. flows should have been read
// as of now.
func Aging(w Workflow, flows []Flow, now time.Time) AgingReport {
	sle, ok := SLE(flows, now)
	return AgingOf(w, WorkIn(flows), now, sle, ok)
}

// AgingOf is Aging over the work in progress against a given SLE (hasSLE
// false: none), for a caller that read the SLE's deliveries apart from the
// work in progress; any of work not in progress is left out.
func AgingOf(w Workflow, work []Work, now time.Time, sle float64, hasSLE bool) AgingReport {
	r := AgingReport{SLE: sle, HasSLE: hasSLE}
	p := newPlacer(w)
	wip := make([]int, 0, len(work))
	for i := range work {
		if work[i].InProgress() {
			wip = append(wip, i)
		}
	}
	// Oldest first is earliest start first; comparing instants avoids
	// comparing rounded float ages.
	slices.SortFunc(wip, func(i, j int) int {
		a, b := &work[i], &work[j]
		return cmp.Or(a.Started.Compare(b.Started), cmp.Compare(a.Key, b.Key))
	})
	r.Items = make([]AgingItem, 0, len(wip))
	for _, i := range wip {
		x := &work[i]
		age := AgeSince(x.Started, now)
		r.Items = append(r.Items, AgingItem{
			Key:      x.Key,
			Title:    x.Title,
			Stage:    p.place(x.Status).stage,
			Status:   x.Status,
			Assignee: x.Assignee,
			AgeDays:  age,
			OverSLE:  r.HasSLE && age > r.SLE,
		})
	}
	return r
}
