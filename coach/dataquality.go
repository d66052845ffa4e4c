package coach

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// UnmappedStatus is a status no stage maps, and the items seen in it.
type UnmappedStatus struct {
	Status string
	Keys   []string
}

// DataQualityReport lists what distorts the numbers of a window
// (docs/metrics.md, "Data quality"). Every list is sorted.
type DataQualityReport struct {
	Window               Window
	DoneWithoutStart     []string // item keys
	Reopened             []string // item keys
	UnmappedStatuses     []UnmappedStatus
	TruncatedPRs         []PRRef
	TruncatedDeployments []string // owner/name and deployment id
	Unattributed         []Failure
	NegativeSpans        []NegativeSpan
}

// DataQuality reports the data problems of win as of win.To. flows are the
// team's items read as of win.To.
func DataQuality(w Workflow, flows []Flow, prs []PullRequest, deployments []Deployment, incidents []Item, o DeliveryOptions, win Window) DataQualityReport {
	r := DataQualityReport{Window: win}
	p := newPlacer(w)
	unmapped := func(status string) bool {
		pl := p.place(status)
		if len(w.Stages) > 0 {
			// Stages start at commitment: backlog statuses need none.
			return pl.stageIndex < 0 && pl.class != Backlog
		}
		return pl.class == Unknown
	}
	byStatus := map[string]map[string]bool{} // fold key -> item keys
	spelling := map[string]string{}
	note := func(status, key string) {
		if !unmapped(status) {
			return
		}
		k := foldKey(status)
		if byStatus[k] == nil {
			byStatus[k] = map[string]bool{}
			spelling[k] = status
		}
		spelling[k] = min(spelling[k], status)
		byStatus[k][key] = true
	}
	for _, f := range flows {
		key := f.Item.Key
		if f.Delivered() && win.Contains(f.Done) && f.Started.IsZero() {
			r.DoneWithoutStart = append(r.DoneWithoutStart, key)
		}
		reopened := false
		for _, t := range f.Item.Transitions {
			if !win.Contains(t.At) {
				continue
			}
			if p.class(t.From) == Done && p.class(t.To) != Done {
				reopened = true
			}
			note(t.From, key)
			note(t.To, key)
		}
		if reopened {
			r.Reopened = append(r.Reopened, key)
		}
		if f.Class != Done && f.Class != Backlog {
			note(f.Status, key)
		}
	}
	for k, keys := range byStatus {
		u := UnmappedStatus{Status: spelling[k]}
		for key := range keys {
			u.Keys = append(u.Keys, key)
		}
		slices.Sort(u.Keys)
		r.UnmappedStatuses = append(r.UnmappedStatuses, u)
	}
	slices.SortFunc(r.UnmappedStatuses, func(a, b UnmappedStatus) int {
		return cmp.Compare(strings.ToLower(a.Status), strings.ToLower(b.Status))
	})
	slices.Sort(r.DoneWithoutStart)
	slices.Sort(r.Reopened)

	var truncated []*PullRequest
	for i := range prs {
		if pr := &prs[i]; pr.CommitsTruncated && !pr.Merged.IsZero() && win.Contains(pr.Merged) {
			truncated = append(truncated, pr)
		}
	}
	for _, pr := range sortedPRs(truncated) {
		r.TruncatedPRs = append(r.TruncatedPRs, refOf(*pr))
	}
	for _, d := range deployments {
		if d.CommitsTruncated && !d.Succeeded.IsZero() && win.Contains(d.Succeeded) {
			r.TruncatedDeployments = append(r.TruncatedDeployments, d.Repo+" deployment "+strconv.FormatInt(d.ID, 10))
		}
	}
	slices.Sort(r.TruncatedDeployments)

	pr := PRs(prs, deployments, o, win)
	dora := DORA(prs, deployments, incidents, o, win)
	r.Unattributed = dora.Unattributed
	r.NegativeSpans = append(slices.Clone(pr.NegativeSpans), dora.NegativeSpans...)
	slices.SortStableFunc(r.NegativeSpans, func(a, b NegativeSpan) int {
		return cmp.Or(cmp.Compare(a.PR.Repo, b.PR.Repo), cmp.Compare(a.PR.Number, b.PR.Number), cmp.Compare(a.Span, b.Span))
	})
	return r
}
