package coach

import (
	"cmp"
	"slices"
)

// standardKinds are the kinds of work every distribution lists, in order.
var standardKinds = [...]string{"feature", "defect", "risk", "debt"}

// KindCount is the items of one kind delivered in a window and in progress
// now.
type KindCount struct {
	Kind string
	Done int
	WIP  int
}

// DistributionReport splits delivered work and work in progress by kind
// (docs/metrics.md, "Distribution").
type DistributionReport struct {
	Window   Window
	N        int // items delivered in the window
	WIP      int // items in progress now
	Excluded map[string]int
	Kinds    []KindCount // feature, defect, risk, debt, then others by name
}

// Distribution groups the flows delivered in win and those in progress by
// kindOf(issue type). flows must have been read as of win.To.
func Distribution(flows []Flow, win Window, kindOf func(issueType string) string) DistributionReport {
	r := DistributionReport{Window: win, Excluded: map[string]int{}}
	byKind := map[string]*KindCount{}
	for _, k := range standardKinds {
		byKind[k] = &KindCount{Kind: k}
	}
	get := func(f Flow) *KindCount {
		k := kindOf(f.Item.Type)
		c, ok := byKind[k]
		if !ok {
			c = &KindCount{Kind: k}
			byKind[k] = c
		}
		return c
	}
	for _, f := range flows {
		switch {
		case f.Delivered() && win.Contains(f.Done):
			r.N++
			get(f).Done++
		case f.InProgress():
			r.WIP++
			get(f).WIP++
		}
	}
	for _, k := range standardKinds {
		r.Kinds = append(r.Kinds, *byKind[k])
		delete(byKind, k)
	}
	others := make([]KindCount, 0, len(byKind))
	for _, c := range byKind {
		others = append(others, *c)
	}
	slices.SortFunc(others, func(a, b KindCount) int { return cmp.Compare(a.Kind, b.Kind) })
	r.Kinds = append(r.Kinds, others...)
	return r
}
