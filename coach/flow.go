package coach

import (
	"slices"
	"strings"
	"time"
)

// Class reports what status means for flow (docs/metrics.md, "Status
// classes"). A status neither the stages nor Jira's status list know is
// Unknown, which every metric treats as Started; it is reported as Unknown
// so callers can point out the unplaced status to a person.
func (w Workflow) Class(status string) Class {
	return w.place(status).class
}

// StageOf names the stage an item in status belongs to: the configured stage
// listing the status in any role, or else the status name itself, spelled as
// in Workflow.Statuses when it is listed there.
func (w Workflow) StageOf(status string) string {
	return w.place(status).stage
}

// placement is where the workflow puts one status name.
type placement struct {
	class       Class
	stage       string
	stageIndex  int // index into Workflow.Stages; -1 when the stage is the status name
	statusIndex int // index into Workflow.Statuses; -1 when Jira's list does not know it
}

// place is the single definition of how a status name maps to class and
// stage. It scans linearly with strings.EqualFold; placer memoizes it for
// loops over many items.
func (w Workflow) place(status string) placement {
	p := placement{class: Unknown, stage: status, stageIndex: -1, statusIndex: -1}
	for i, st := range w.Statuses {
		if strings.EqualFold(st.Name, status) {
			p.statusIndex = i
			p.stage = st.Name
			switch {
			case strings.EqualFold(st.Category, CategoryNew):
				p.class = Backlog
			case strings.EqualFold(st.Category, CategoryIndeterminate):
				p.class = Started
			case strings.EqualFold(st.Category, CategoryDone):
				p.class = Done
			}
			break
		}
	}
	for i, sg := range w.Stages {
		class := Unknown
		switch {
		case containsFold(sg.Active, status), containsFold(sg.Wait, status):
			class = Started
		case containsFold(sg.Done, status):
			class = Done
		default:
			continue
		}
		p.class, p.stage, p.stageIndex = class, sg.Name, i
		break
	}
	return p
}

func containsFold(names []string, name string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, name) })
}

// placer memoizes Workflow.place by exact status name: a team has a handful
// of statuses and thousands of transitions.
type placer struct {
	w     Workflow
	cache map[string]placement
}

func newPlacer(w Workflow) *placer {
	return &placer{w: w, cache: make(map[string]placement)}
}

func (p *placer) place(status string) placement {
	pl, ok := p.cache[status]
	if !ok {
		pl = p.w.place(status)
		p.cache[status] = pl
	}
	return pl
}

func (p *placer) class(status string) Class { return p.place(status).class }

// Flow is one item's history read as flow, as of an instant.
type Flow struct {
	Item     Item
	Status   string    // status as of now
	Class    Class     // class of Status
	Started  time.Time // zero: never started (or not since it last went back to backlog)
	Done     time.Time // zero: not delivered
	Excluded bool      // current status done with an excluded resolution
	// Times, when set, are the item's times between start and done as the
	// flow index keeps them (Timer.Times in calendar time, set by whoever
	// writes the index); the metrics never read them from a Flow.
	Times *ItemTimes
}

// Flow reads it as of now. It returns false when the item was created after
// now, i.e. did not exist yet.
func (w Workflow) Flow(it Item, now time.Time) (Flow, bool) {
	return flowOf(w.Class, w.ExcludeResolutions, it, now)
}

// Flows reads every item that existed at now, in input order.
func Flows(w Workflow, items []Item, now time.Time) []Flow {
	p := newPlacer(w)
	flows := make([]Flow, 0, len(items))
	for _, it := range items {
		if f, ok := flowOf(p.class, w.ExcludeResolutions, it, now); ok {
			flows = append(flows, f)
		}
	}
	return flows
}

func byAt(a, b Transition) int { return a.At.Compare(b.At) }

func flowOf(classOf func(string) Class, exclude []string, it Item, now time.Time) (Flow, bool) {
	if it.Created.After(now) {
		return Flow{}, false
	}
	ts := it.Transitions
	if !slices.IsSortedFunc(ts, byAt) {
		ts = slices.Clone(ts)
		slices.SortStableFunc(ts, byAt)
	}

	status := it.Status
	if len(ts) > 0 {
		status = ts[0].From
	}

	// Walk the history one status at a time. Booleans rather than zero
	// times mark "set", so an item created at the zero time still reads
	// correctly.
	var (
		started, doneSince time.Time
		hasStarted, inDone bool
	)
	enter := func(c Class, at time.Time) {
		switch c {
		case Backlog:
			// Sent back: not committed to, so the clock starts again.
			hasStarted, inDone = false, false
		case Done:
			if !inDone {
				doneSince, inDone = at, true
			}
		default: // Started, and Unknown which counts as started
			inDone = false
			if !hasStarted {
				started, hasStarted = at, true
			}
		}
	}
	enter(classOf(status), it.Created)
	for _, t := range ts {
		if t.At.After(now) {
			break
		}
		// A transition stamped before creation (clock skew, imports) counts
		// as at creation, so no duration comes out negative.
		at := t.At
		if at.Before(it.Created) {
			at = it.Created
		}
		status = t.To
		enter(classOf(status), at)
	}

	f := Flow{Item: it, Status: status, Class: classOf(status)}
	if hasStarted {
		f.Started = started
	}
	if f.Class == Done {
		if it.Resolution != "" && containsFold(exclude, it.Resolution) {
			f.Excluded = true
		} else {
			f.Done = doneSince
		}
	}
	return f, true
}

// Delivered reports whether the item was done, with a resolution that counts,
// as of the instant the flow was read.
func (f Flow) Delivered() bool { return !f.Done.IsZero() }

// InProgress reports whether the item is work in progress: started, and
// neither done nor excluded.
func (f Flow) InProgress() bool { return inProgress(f.Class, f.Started) }

func inProgress(c Class, started time.Time) bool {
	return !started.IsZero() && c != Done && c != Backlog
}

// Work is an item in progress as aging lists it: what Aging reads of its
// flow, without the item's history, so a windowed read of thousands of
// items in progress carries a few names and numbers each.
type Work struct {
	Key, Title, Assignee string
	Status               string // as of now
	Class                Class  // of Status
	Started              time.Time
}

// WorkOf is f as aging lists it.
func WorkOf(f Flow) Work {
	return Work{Key: f.Item.Key, Title: f.Item.Title, Assignee: f.Item.Assignee, Status: f.Status, Class: f.Class, Started: f.Started}
}

// WorkIn is the work in progress among flows, in their order.
func WorkIn(flows []Flow) []Work {
	n := 0
	for i := range flows {
		if flows[i].InProgress() {
			n++
		}
	}
	work := make([]Work, 0, n)
	for i := range flows {
		if flows[i].InProgress() {
			work = append(work, WorkOf(flows[i]))
		}
	}
	return work
}

// InProgress is Flow.InProgress.
func (x Work) InProgress() bool { return inProgress(x.Class, x.Started) }

// CycleTime is done - started in days of 24 hours; false unless the item was
// delivered after starting.
func (f Flow) CycleTime() (days float64, ok bool) {
	if !f.Delivered() || f.Started.IsZero() {
		return 0, false
	}
	return daysOf(span(f.Started, f.Done)), true
}

// LeadTime is done - created in days of 24 hours; false unless delivered.
func (f Flow) LeadTime() (days float64, ok bool) {
	if !f.Delivered() {
		return 0, false
	}
	return daysOf(f.Done.Sub(f.Item.Created)), true
}

// Age is now - started in days of 24 hours; false unless in progress. now
// should be the instant the flow was read as of.
func (f Flow) Age(now time.Time) (days float64, ok bool) {
	if !f.InProgress() {
		return 0, false
	}
	return AgeSince(f.Started, now), true
}

// AgeSince is the age at now of work in progress since started, in days
// of 24 hours, as Flow.Age.
func AgeSince(started, now time.Time) float64 {
	return daysOf(span(started, now))
}

func daysOf(d time.Duration) float64 {
	return float64(d) / float64(24*time.Hour)
}
