package coach

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// CFD column names besides the stages.
const (
	ColumnBacklog = "Backlog"
	ColumnDone    = "Done"
)

// CFDDay is one day of the cumulative flow diagram: the items in each
// column at the end of the day, aligned with CFDReport.Columns.
type CFDDay struct {
	Date   time.Time // midnight in the team's zone
	Counts []int
}

// CFDReport is the data behind a cumulative flow diagram (docs/metrics.md,
// "Cumulative flow").
type CFDReport struct {
	Window   Window
	N        int // items counted on the last day
	Excluded map[string]int
	Columns  []string // Backlog, the stages, Done
	Days     []CFDDay // oldest first

	AvgWIP           float64 // mean items in the stage columns per day
	ThroughputPerDay float64 // delivered in the window / window length in days
	Delivered        int
	CycleTime        float64 // AvgWIP / ThroughputPerDay, days, approximate
	CycleOK          bool
}

// CFD counts the items in each column at the end of every day of win in
// loc (nil: UTC).
func CFD(w Workflow, items []Item, win Window, loc *time.Location) CFDReport {
	r := cfdDays(w, items, win, loc)
	if len(r.Days) == 0 {
		return r
	}
	for _, f := range Flows(w, items, win.To) {
		if f.Delivered() && win.Contains(f.Done) {
			r.Delivered++
		}
	}
	r.ThroughputPerDay = float64(r.Delivered) / daysOf(win.To.Sub(win.From))
	if r.Delivered > 0 {
		r.CycleTime = r.AvgWIP / r.ThroughputPerDay
		r.CycleOK = true
	}
	return r
}

// cfdDays is CFD without the throughput and cycle time that read every
// item's flow: the columns, the days and AvgWIP.
func cfdDays(w Workflow, items []Item, win Window, loc *time.Location) CFDReport {
	if loc == nil {
		loc = time.UTC
	}
	r := CFDReport{Window: win, Excluded: map[string]int{}}
	if !win.From.Before(win.To) {
		return r
	}
	// The instants each day is read at: just before the next midnight, or
	// win.To for the day holding it.
	var dates, ends []time.Time
	y, m, d := win.From.In(loc).Date()
	for start := time.Date(y, m, d, 0, 0, 0, 0, loc); start.Before(win.To); {
		next := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		dates = append(dates, start)
		ends = append(ends, earlier(next, win.To))
		y, m, d = next.Date()
		start = next
	}
	nd := len(dates)

	p := newPlacer(w)
	// Columns: 0 backlog, 1..len(Stages) the configured stages, then
	// status-name stages as met, then done (kept apart until the end).
	type extraCol struct {
		name        string
		statusIndex int
		counts      []int
	}
	backlog := make([]int, nd)
	done := make([]int, nd)
	configured := make([][]int, len(w.Stages))
	for i := range configured {
		configured[i] = make([]int, nd)
	}
	extra := map[string]*extraCol{}
	column := func(status string) []int {
		pl := p.place(status)
		switch pl.class {
		case Backlog:
			return backlog
		case Done:
			return done
		}
		if pl.stageIndex >= 0 {
			return configured[pl.stageIndex]
		}
		key := foldKey(pl.stage)
		c, ok := extra[key]
		if !ok {
			c = &extraCol{name: pl.stage, statusIndex: pl.statusIndex, counts: make([]int, nd)}
			extra[key] = c
		}
		c.name = min(c.name, pl.stage)
		return c.counts
	}

	excludedNow := false
	for _, it := range items {
		ts := it.Transitions
		if !slices.IsSortedFunc(ts, byAt) {
			ts = slices.Clone(ts)
			slices.SortStableFunc(ts, byAt)
		}
		excluded := it.Resolution != "" && containsFold(w.ExcludeResolutions, it.Resolution)
		status := it.Status
		if len(ts) > 0 {
			status = ts[0].From
		}
		// The column is looked up when the status changes, not every day
		// (a long window counts each item on many days), and not before the
		// item is first counted: an extra column exists only once something
		// is counted in it.
		var col []int
		var gone bool // done with an excluded resolution
		placed := false
		k := 0 // next transition to apply
		for di, end := range ends {
			last := di == nd-1
			if it.Created.After(end) || (it.Created.Equal(end) && !last) {
				continue // not created yet
			}
			for k < len(ts) {
				at := later(ts[k].At, it.Created)
				if at.Before(end) || (last && at.Equal(end)) {
					status = ts[k].To
					k++
					placed = false
					continue
				}
				break
			}
			if !placed {
				gone = excluded && p.class(status) == Done
				if !gone {
					col = column(status)
				}
				placed = true
			}
			if gone {
				if di == nd-1 {
					excludedNow = true
				}
				continue
			}
			col[di]++
		}
		if excludedNow {
			r.Excluded["excluded resolution"]++
			excludedNow = false
		}
	}

	r.Columns = append(r.Columns, ColumnBacklog)
	cols := [][]int{backlog}
	for i, sg := range w.Stages {
		if len(sg.Active)+len(sg.Wait) > 0 || slices.ContainsFunc(configured[i], func(c int) bool { return c > 0 }) {
			r.Columns = append(r.Columns, sg.Name)
			cols = append(cols, configured[i])
		}
	}
	extras := make([]*extraCol, 0, len(extra))
	for _, c := range extra {
		extras = append(extras, c)
	}
	slices.SortFunc(extras, func(a, b *extraCol) int {
		ai, bi := a.statusIndex, b.statusIndex
		if ai < 0 {
			ai = math.MaxInt
		}
		if bi < 0 {
			bi = math.MaxInt
		}
		return cmp.Or(cmp.Compare(ai, bi), cmp.Compare(a.name, b.name))
	})
	for _, c := range extras {
		r.Columns = append(r.Columns, c.name)
		cols = append(cols, c.counts)
	}
	r.Columns = append(r.Columns, ColumnDone)
	cols = append(cols, done)

	var wipSum int
	for di := range nd {
		day := CFDDay{Date: dates[di], Counts: make([]int, len(cols))}
		for ci, c := range cols {
			day.Counts[ci] = c[di]
			if ci > 0 && ci < len(cols)-1 {
				wipSum += c[di]
			}
		}
		r.Days = append(r.Days, day)
	}
	for _, c := range r.Days[nd-1].Counts {
		r.N += c
	}
	r.AvgWIP = float64(wipSum) / float64(nd)
	return r
}

// AvgWIP is CFD(w, items, win, loc).AvgWIP, with ok as len(Days) > 0,
// read from only the items that can sit in a stage column on some day of
// win. An item created after win.To, or whose every status change came
// before win.From and left it in a backlog or done status, stays out of
// the stage columns the whole window, so leaving it out changes no day's
// count: a team's long history is mostly such items.
func AvgWIP(w Workflow, items []Item, win Window, loc *time.Location) (avg float64, ok bool) {
	p := newPlacer(w)
	var keep []Item
	for i := range items {
		it := &items[i]
		if it.Created.After(win.To) {
			continue
		}
		final, last := it.Status, it.Created
		if len(it.Transitions) > 0 {
			ts := it.Transitions
			if !slices.IsSortedFunc(ts, byAt) {
				ts = slices.Clone(ts)
				slices.SortStableFunc(ts, byAt)
			}
			final = ts[len(ts)-1].To
			last = later(ts[len(ts)-1].At, it.Created)
		}
		if last.Before(win.From) {
			if c := p.class(final); c == Backlog || c == Done {
				continue
			}
		}
		keep = append(keep, *it)
	}
	r := cfdDays(w, keep, win, loc)
	return r.AvgWIP, len(r.Days) > 0
}
