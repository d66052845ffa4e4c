package coach

import "time"

// Delivery is one delivered item as the answers over delivered work read it:
// cycle time, throughput, the SLE, flow efficiency and the value stream map
// need these few values, not the item's history. The store keeps them
// precomputed (with Times) in its flow index, so such an answer reads a few
// numbers per item; DeliveryOf derives them from a flow, so both readings
// share every definition below.
type Delivery struct {
	Key     string
	Started time.Time // zero: done without being started
	Done    time.Time
	// Times splits the time between Started and Done (TimesOf); nil when
	// it was not read, and always nil when Started is zero.
	Times *ItemTimes
}

// DeliveryOf is f's delivery, without Times. f must be delivered.
func DeliveryOf(f Flow) Delivery {
	return Delivery{Key: f.Item.Key, Started: f.Started, Done: f.Done}
}

// Deliveries are the deliveries of the delivered flows, in their order,
// without Times.
func Deliveries(flows []Flow) []Delivery {
	n := 0
	for i := range flows {
		if flows[i].Delivered() {
			n++
		}
	}
	ds := make([]Delivery, 0, n)
	for i := range flows {
		if flows[i].Delivered() {
			ds = append(ds, DeliveryOf(flows[i]))
		}
	}
	return ds
}

// CycleTime is done - started in days of 24 hours; false when the item was
// done without being started.
func (d Delivery) CycleTime() (days float64, ok bool) {
	if d.Started.IsZero() {
		return 0, false
	}
	return daysOf(span(d.Started, d.Done)), true
}

// span is to.Sub(from) read off the wall clock, as Sub reads instants
// that carry no monotonic reading (every instant from Jira, GitHub or the
// store). It skips Sub's overflow check for instants within two centuries
// of each other, which is most of what cycle time over thousands of items
// costs.
func span(from, to time.Time) time.Duration {
	if s := to.Unix() - from.Unix(); s > -1<<32 && s < 1<<32 {
		return time.Duration(s)*time.Second + time.Duration(to.Nanosecond()-from.Nanosecond())
	}
	return to.Sub(from)
}

// ItemTimes is one delivered item's time between started and done, split
// into active and wait, in total and per stage (docs/metrics.md, "Active and
// wait time").
type ItemTimes struct {
	Active, Wait time.Duration
	Lead         time.Duration // created -> done
	// Per stage index (Workflow.Stages): time in the stage's statuses,
	// whether the item passed through it (a visit to an active or wait
	// status) and whether it left the stage backwards.
	StageActive, StageWait []time.Duration
	Passed, Rework         []bool
}

// Timer measures the times of delivered flows of one workflow with one
// clock; it memoizes where each status sits, so one Timer serves many
// flows.
type Timer struct {
	roles *roles
	clock Clock
}

// NewTimer measures with clock (nil: CalendarTime).
func NewTimer(w Workflow, clock Clock) *Timer {
	if clock == nil {
		clock = CalendarTime
	}
	return &Timer{roles: newRoles(w), clock: clock}
}

// Times splits f's time between started and done. f must be delivered
// with a start, and carry its history.
func (t *Timer) Times(f Flow) ItemTimes { return timesOf(t.roles, f, t.clock) }

// DeliveriesIn are the deliveries of the flows done in win, each with a
// start carrying its Times. The flows must carry their histories.
func (t *Timer) DeliveriesIn(flows []Flow, win Window) []Delivery {
	var ds []Delivery
	for i := range flows {
		f := &flows[i]
		if !f.Delivered() || !win.Contains(f.Done) {
			continue
		}
		d := DeliveryOf(*f)
		if !f.Started.IsZero() {
			times := t.Times(*f)
			d.Times = &times
		}
		ds = append(ds, d)
	}
	return ds
}
