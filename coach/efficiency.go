package coach

import (
	"slices"
	"time"
)

// role is what a status means inside a stage.
type role int

const (
	roleNone   role = iota // listed by no stage
	roleActive             // a stage's active status
	roleWait               // a stage's wait status
	roleDone               // a stage's done status
)

// stageRole is where the stages put one status: the first stage listing it
// and in which role (active, wait, done in that order), as Workflow.Class
// reads the stages.
type stageRole struct {
	stage int // index into Workflow.Stages; -1 when none lists it
	role  role
}

// roles memoizes stageRole and the status class by exact status name.
type roles struct {
	p     *placer
	cache map[string]stageRole
}

func newRoles(w Workflow) *roles {
	return &roles{p: newPlacer(w), cache: make(map[string]stageRole)}
}

func (r *roles) of(status string) stageRole {
	sr, ok := r.cache[status]
	if ok {
		return sr
	}
	sr = stageRole{stage: -1}
	for i, sg := range r.p.w.Stages {
		switch {
		case containsFold(sg.Active, status):
			sr = stageRole{stage: i, role: roleActive}
		case containsFold(sg.Wait, status):
			sr = stageRole{stage: i, role: roleWait}
		case containsFold(sg.Done, status):
			sr = stageRole{stage: i, role: roleDone}
		default:
			continue
		}
		break
	}
	r.cache[status] = sr
	return sr
}

// hasWait reports whether any stage lists a wait status.
func hasWait(w Workflow) bool {
	return slices.ContainsFunc(w.Stages, func(s Stage) bool { return len(s.Wait) > 0 })
}

// timesOf splits f's time between started and done (docs/metrics.md,
// "Active and wait time"). f must be delivered with a start.
func timesOf(r *roles, f Flow, clock Clock) ItemTimes {
	n := len(r.p.w.Stages)
	// One allocation for the four per-stage slices.
	durs := make([]time.Duration, 2*n)
	flags := make([]bool, 2*n)
	t := ItemTimes{
		StageActive: durs[:n:n], StageWait: durs[n:],
		Passed: flags[:n:n], Rework: flags[n:],
		Lead: clock(f.Item.Created, f.Done),
	}
	it := f.Item
	ts := it.Transitions
	if !slices.IsSortedFunc(ts, byAt) {
		ts = slices.Clone(ts)
		slices.SortStableFunc(ts, byAt)
	}
	flagged := mergeSpans(it.Flagged, f.Done)
	start, done := f.Started, f.Done

	status := it.Status
	if len(ts) > 0 {
		status = ts[0].From
	}
	lastStage := -1 // the last stage visited in range, for rework
	segStart := it.Created
	visit := func(status string, a, b time.Time) {
		// The visit [a, b) is in range when it begins in [start, done) or
		// holds start.
		if !((!a.Before(start) && a.Before(done)) || (a.Before(start) && b.After(start))) {
			return
		}
		lo, hi := later(a, start), earlier(b, done)
		sr := r.of(status)
		if sr.stage >= 0 {
			if lastStage >= 0 && sr.stage < lastStage {
				t.Rework[lastStage] = true
			}
			lastStage = sr.stage
		}
		if r.p.class(status) == Done {
			return // time in done before a reopen is neither
		}
		var active, wait time.Duration
		if sr.role == roleWait {
			wait = clock(lo, hi)
		} else {
			f := overlap(flagged, lo, hi, clock)
			wait = f
			active = clock(lo, hi) - f
		}
		t.Active += active
		t.Wait += wait
		if sr.stage >= 0 {
			t.Passed[sr.stage] = true
			t.StageActive[sr.stage] += active
			t.StageWait[sr.stage] += wait
		}
	}
	for _, tr := range ts {
		at := later(tr.At, it.Created)
		visit(status, segStart, at)
		status, segStart = tr.To, at
		if !segStart.Before(done) {
			break // later visits begin at or after done: out of range
		}
	}
	if segStart.Before(done) {
		visit(status, segStart, done)
	}
	return t
}

// mergeSpans sorts and merges the flagged spans, an open one running to
// end.
func mergeSpans(spans []Span, end time.Time) []Span {
	if len(spans) == 0 {
		return nil
	}
	out := make([]Span, 0, len(spans))
	for _, s := range spans {
		if s.To.IsZero() || s.To.After(end) {
			s.To = end
		}
		if s.To.After(s.From) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Span) int { return a.From.Compare(b.From) })
	merged := out[:0]
	for _, s := range out {
		if k := len(merged) - 1; k >= 0 && !s.From.After(merged[k].To) {
			merged[k].To = later(merged[k].To, s.To)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// overlap measures the part of [lo, hi) covered by the merged spans.
func overlap(spans []Span, lo, hi time.Time, clock Clock) time.Duration {
	var d time.Duration
	for _, s := range spans {
		d += clock(later(s.From, lo), earlier(s.To, hi))
	}
	return d
}

// EfficiencyReport is flow efficiency over the items delivered in a window
// that have a start (docs/metrics.md, "Flow efficiency"). Efficiency means
// something only when OK; the per-item percentiles only when ItemOK.
type EfficiencyReport struct {
	Window   Window
	N        int            // items delivered in the window with a start
	Excluded map[string]int // reason -> count
	Active   float64        // summed, days
	Wait     float64        // summed, days

	Efficiency float64
	OK         bool
	Reason     string // why not OK

	ItemN                     int // items in the per-item distribution
	ItemP15, ItemP50, ItemP85 float64
	ItemOK                    bool
}

// Efficiency reasons.
const (
	ReasonNoWaitStatuses = "no wait statuses configured"
	ReasonNoItems        = "no item finished in the window after starting"
	ReasonNoTime         = "no active or wait time"
)

// Exclusion reasons shared by the reports.
const (
	ExcludedNotStarted = "done without starting"
	ExcludedNoTime     = "no time between start and done"
)

// Efficiency computes flow efficiency over the flows delivered in win,
// measuring time with clock (nil: CalendarTime).
func Efficiency(w Workflow, flows []Flow, win Window, clock Clock) EfficiencyReport {
	return EfficiencyOf(w, timedDeliveries(w, flows, win, clock), win)
}

// timedDeliveries are the deliveries of the flows delivered in win, each
// with a start carrying its Times measured by clock.
func timedDeliveries(w Workflow, flows []Flow, win Window, clock Clock) []Delivery {
	return NewTimer(w, clock).DeliveriesIn(flows, win)
}

// EfficiencyOf computes flow efficiency over the deliveries done in win;
// each of them with a start must carry its Times.
func EfficiencyOf(w Workflow, ds []Delivery, win Window) EfficiencyReport {
	return efficiencyOf(w, ds, win, nil)
}

// efficiencyOf also hands each item's times to each, for vsm.
func efficiencyOf(w Workflow, ds []Delivery, win Window, each func(*ItemTimes)) EfficiencyReport {
	r := EfficiencyReport{Window: win, Excluded: map[string]int{}}
	var active, wait time.Duration
	var per []float64
	for i := range ds {
		d := &ds[i]
		if !win.Contains(d.Done) {
			continue
		}
		if d.Started.IsZero() {
			r.Excluded[ExcludedNotStarted]++
			continue
		}
		t := d.Times
		if t == nil {
			// A caller bug, not a data problem: a number computed
			// without this item's times would be silently wrong.
			panic("coach: delivery " + d.Key + " has a start but no Times")
		}
		r.N++
		active += t.Active
		wait += t.Wait
		if sum := t.Active + t.Wait; sum > 0 {
			per = append(per, float64(t.Active)/float64(sum))
		} else {
			r.Excluded[ExcludedNoTime]++
		}
		if each != nil {
			each(t)
		}
	}
	r.Active, r.Wait = daysOf(active), daysOf(wait)
	switch {
	case !hasWait(w):
		r.Reason = ReasonNoWaitStatuses
	case r.N == 0:
		r.Reason = ReasonNoItems
	case active+wait == 0:
		r.Reason = ReasonNoTime
	default:
		r.Efficiency = float64(active) / float64(active+wait)
		r.OK = true
	}
	if len(per) > 0 && hasWait(w) {
		slices.Sort(per)
		r.ItemN = len(per)
		r.ItemP15 = nearestRank(per, 15)
		r.ItemP50 = nearestRank(per, 50)
		r.ItemP85 = nearestRank(per, 85)
		r.ItemOK = true
	}
	return r
}
