package coach

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDataQuality(t *testing.T) {
	w := timelineWorkflow()
	w.Statuses = append(w.Statuses, Status{Name: "QA", Category: CategoryIndeterminate})
	now := at(14, 0)
	win := Window{From: at(0, 0), To: now}
	tr := func(d float64, from, to string) Transition { return Transition{At: at(d, 0), From: from, To: to} }
	items := []Item{
		// Straight from To Do to Done in the window: done without starting.
		{Key: "PAY-1", Created: at(-1, 0), Status: "Done", Resolution: "Done", Transitions: []Transition{tr(2, "To Do", "Done")}},
		// Done, reopened, done again, in the window.
		{Key: "PAY-2", Created: at(-1, 0), Status: "Done", Resolution: "Done", Transitions: []Transition{
			tr(1, "To Do", "In Progress"), tr(2, "In Progress", "Done"), tr(3, "Done", "In Progress"), tr(4, "In Progress", "Done")}},
		// QA is a status Jira knows but no stage lists: unmapped; so is the
		// unknown "Parked", held now.
		{Key: "PAY-3", Created: at(-1, 0), Status: "Parked", Transitions: []Transition{
			tr(1, "To Do", "In Progress"), tr(2, "In Progress", "qa"), tr(3, "QA", "Parked")}},
		// Reopened before the window: not this window's problem.
		{Key: "PAY-4", Created: at(-9, 0), Status: "In Progress", Transitions: []Transition{
			tr(-8, "To Do", "In Progress"), tr(-7, "In Progress", "Done"), tr(-6, "Done", "In Progress")}},
	}
	flows := Flows(w, items, now)
	truncated := mergedPR(1, at(1, 0), at(1, 5))
	truncated.CommitsTruncated = true
	skewed := mergedPR(2, at(2, 0), at(2, 5))
	skewed.FirstCommit = at(3, 0) // after ready and after the merge
	deps := []Deployment{prodDeploy(1, sha(2), at(2, 6), sha(1), sha(2))}
	deps[0].CommitsTruncated = true
	incidents := []Item{{Key: "INC-1", Title: "Down", Created: at(5, 0)}}
	o := DeliveryOptions{Repos: []string{"acme/api", "acme/web"}}

	r := DataQuality(w, flows, []PullRequest{truncated, skewed}, deps, incidents, o, win)
	var unattributed []string
	for _, f := range r.Unattributed {
		unattributed = append(unattributed, f.ID+": "+f.How)
	}
	type summary struct {
		DoneWithoutStart, Reopened []string
		Unmapped                   []UnmappedStatus
		TruncatedPRs               []PRRef
		TruncatedDeployments       []string
		Unattributed               []string
		Negative                   []NegativeSpan
	}
	got := summary{r.DoneWithoutStart, r.Reopened, r.UnmappedStatuses, r.TruncatedPRs, r.TruncatedDeployments, unattributed, r.NegativeSpans}
	want := summary{
		DoneWithoutStart:     []string{"PAY-1"},
		Reopened:             []string{"PAY-2"},
		Unmapped:             []UnmappedStatus{{Status: "Parked", Keys: []string{"PAY-3"}}, {Status: "QA", Keys: []string{"PAY-3"}}},
		TruncatedPRs:         []PRRef{{"acme/api", 1, "change"}},
		TruncatedDeployments: []string{"acme/api deployment 1"},
		Unattributed:         []string{"INC-1: no repository"},
		Negative:             []NegativeSpan{{PR: PRRef{"acme/api", 2, "change"}, Span: "coding"}, {PR: PRRef{"acme/api", 2, "change"}, Span: "lead_time"}},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("data quality (-got +want):\n%s", diff)
	}
}
