package coach

import (
	"slices"
	"time"
)

// VSMStage is one stage of the value stream map. The percentiles mean
// something only when Items > 0; ShareOfLeadTime only when ShareOK.
type VSMStage struct {
	Stage                string
	Items                int // items that passed through
	ActiveP50, ActiveP85 float64
	WaitP50, WaitP85     float64
	Active, Wait         float64 // summed over the items, days
	ShareOfLeadTime      float64
	ShareOK              bool
	ReworkRate           float64 // meaningful when Items > 0
	Reworked             int     // items that left the stage backwards
	QueuedNow            int     // items in progress now in its wait statuses
}

// Bottleneck is the stage where the finished work waited longest, with the
// evidence.
type Bottleneck struct {
	Stage      string
	WaitShare  float64 // its wait / all wait of the items
	MedianWait float64 // the stage's wait P50, days
	QueuedNow  int
}

// VSMReport is the value stream map of the items delivered in a window
// that have a start (docs/metrics.md, "Value stream map").
type VSMReport struct {
	Window   Window
	N        int
	Excluded map[string]int
	Stages   []VSMStage // the stages that can hold work, in configured order

	LeadTimeP50    float64 // days; meaningful when N > 0
	ProcessTimeP50 float64 // per-item active time P50, days; when N > 0
	Efficiency     EfficiencyReport

	Bottleneck    Bottleneck
	HasBottleneck bool
}

// VSM maps the value stream of the flows delivered in win. flows must have
// been read as of win.To (now), which also decides the items queued now.
// clock measures time (nil: CalendarTime).
func VSM(w Workflow, flows []Flow, win Window, clock Clock) VSMReport {
	return VSMOf(w, timedDeliveries(w, flows, win, clock), WorkIn(flows), win)
}

// VSMOf maps the value stream of the deliveries done in win, each with a
// start carrying its Times; the queues now are those of the work in
// progress, read as of win.To.
func VSMOf(w Workflow, ds []Delivery, work []Work, win Window) VSMReport {
	n := len(w.Stages)
	type perStage struct {
		active, wait []float64
		sumActive    time.Duration
		sumWait      time.Duration
		reworked     int
	}
	stages := make([]perStage, n)
	var leads, process []float64
	var sumLead, sumWait time.Duration
	eff := efficiencyOf(w, ds, win, func(t *ItemTimes) {
		leads = append(leads, daysOf(t.Lead))
		process = append(process, daysOf(t.Active))
		sumLead += t.Lead
		sumWait += t.Wait
		for i := range n {
			if !t.Passed[i] {
				continue
			}
			s := &stages[i]
			s.active = append(s.active, daysOf(t.StageActive[i]))
			s.wait = append(s.wait, daysOf(t.StageWait[i]))
			s.sumActive += t.StageActive[i]
			s.sumWait += t.StageWait[i]
			if t.Rework[i] {
				s.reworked++
			}
		}
	})
	r := VSMReport{Window: win, N: eff.N, Excluded: eff.Excluded, Efficiency: eff}
	if len(leads) > 0 {
		slices.Sort(leads)
		slices.Sort(process)
		r.LeadTimeP50 = nearestRank(leads, 50)
		r.ProcessTimeP50 = nearestRank(process, 50)
	}

	rs := newRoles(w)
	queued := make([]int, n)
	for _, x := range work {
		if !x.InProgress() {
			continue
		}
		if sr := rs.of(x.Status); sr.stage >= 0 && sr.role == roleWait {
			queued[sr.stage]++
		}
	}

	best := -1
	var bestWait time.Duration
	for i, sg := range w.Stages {
		if len(sg.Active)+len(sg.Wait) == 0 {
			continue // a stage of done statuses holds no work
		}
		s := stages[i]
		vs := VSMStage{
			Stage: sg.Name, Items: len(s.active), QueuedNow: queued[i],
			Active: daysOf(s.sumActive), Wait: daysOf(s.sumWait), Reworked: s.reworked,
		}
		if vs.Items > 0 {
			slices.Sort(s.active)
			slices.Sort(s.wait)
			vs.ActiveP50, vs.ActiveP85 = nearestRank(s.active, 50), nearestRank(s.active, 85)
			vs.WaitP50, vs.WaitP85 = nearestRank(s.wait, 50), nearestRank(s.wait, 85)
			vs.ReworkRate = float64(s.reworked) / float64(vs.Items)
		}
		if sumLead > 0 {
			vs.ShareOfLeadTime = float64(s.sumActive+s.sumWait) / float64(sumLead)
			vs.ShareOK = true
		}
		if s.sumWait > bestWait {
			best, bestWait = len(r.Stages), s.sumWait
		}
		r.Stages = append(r.Stages, vs)
	}
	if best >= 0 {
		b := r.Stages[best]
		r.Bottleneck = Bottleneck{
			Stage:      b.Stage,
			WaitShare:  float64(bestWait) / float64(sumWait),
			MedianWait: b.WaitP50,
			QueuedNow:  b.QueuedNow,
		}
		r.HasBottleneck = true
	}
	return r
}
