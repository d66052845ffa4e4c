package coach

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestItemPRs(t *testing.T) {
	pr := func(n int, head, title, body string) PullRequest {
		return PullRequest{Repo: "acme/api", Number: n, HeadBranch: head, Title: title, Body: body, Created: at(float64(n), 0)}
	}
	prs := []PullRequest{
		pr(1, "feature/pay-12-refunds", "Refunds", ""),
		pr(2, "main-fix", "[PAY-12] follow-up", ""),
		pr(3, "x", "y", "Fixes PAY-12."),
		pr(4, "feature/PAY-123", "PAY-123 other", "see XPAY-12 and PAY-12a"),
		pr(5, "pay_12", "PAY12", "pay-1"),
		pr(6, "PAY-12", "", ""),
	}
	tests := []struct {
		key  string
		want []int
	}{
		{"PAY-12", []int{1, 2, 3, 6}},
		{"pay-123", []int{4}},
		{"PAY-1", []int{5}},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			var got []int
			for _, p := range ItemPRs(tt.key, prs) {
				got = append(got, p.Number)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("ItemPRs(%q) (-got +want):\n%s", tt.key, diff)
			}
		})
	}
}

func timelineWorkflow() Workflow {
	return Workflow{
		Stages: []Stage{{Name: "Build", Active: []string{"In Progress"}}, {Name: "Review", Active: []string{"In Review"}}, {Name: "Done", Done: []string{"Done"}}},
		Statuses: []Status{{Name: "To Do", Category: CategoryNew}, {Name: "In Progress", Category: CategoryIndeterminate},
			{Name: "In Review", Category: CategoryIndeterminate}, {Name: "Done", Category: CategoryDone}},
	}
}

func TestItemTimeline(t *testing.T) {
	it := Item{Key: "PAY-12", Title: "Refunds", Created: at(0, 9), Status: "Done", Resolution: "Done",
		Transitions: []Transition{
			{At: at(1, 9), From: "To Do", To: "In Progress"},
			{At: at(3, 9), From: "In Progress", To: "In Review"},
			{At: at(5, 9), From: "In Review", To: "Done"},
			{At: at(20, 0), From: "Done", To: "In Progress"}, // after now: ignored
		}}
	// #10: opened and ready 2 d 09:00; the bot's comment is not a review;
	// bob approves 3 d 03:00; merged 3 d 09:00.
	p10 := PullRequest{Repo: "acme/api", Number: 10, Author: "ana", HeadBranch: "feature/PAY-12-refunds", Title: "Refunds",
		Created: at(2, 9), Ready: at(2, 9), Merged: at(3, 9), Closed: at(3, 9), MergeCommitSHA: sha(10), BaseBranch: "main",
		Reviews: []Review{{Author: "ci[bot]", State: "COMMENTED", Submitted: at(2, 10)}, rv("bob", "APPROVED", at(3, 3))}}
	// #11: mentions the key in its body; ready 3 d 12:00, merged unreviewed
	// 3 d 18:00.
	p11 := PullRequest{Repo: "acme/api", Number: 11, Author: "ana", HeadBranch: "cleanup", Title: "Cleanup", Body: "Follow-up for pay-12.",
		Created: at(3, 12), Ready: at(3, 12), Merged: at(3, 18), Closed: at(3, 18), MergeCommitSHA: sha(11), BaseBranch: "main"}
	other := PullRequest{Repo: "acme/api", Number: 12, Title: "PAY-123", Created: at(2, 0)}
	deps := []Deployment{prodDeploy(1, sha(11), at(4, 15), sha(10), sha(11))}
	now := at(10, 0)

	tl, ok := ItemTimeline(timelineWorkflow(), it, []PullRequest{p10, p11, other}, deps, DeliveryOptions{}, now)
	if !ok {
		t.Fatal("ItemTimeline: item does not exist")
	}
	type stay struct {
		Status, Stage string
		Days          float64
		Current       bool
	}
	var gotStays []stay
	for _, s := range tl.Stays {
		gotStays = append(gotStays, stay{s.Status, s.Stage, s.Days, s.Current})
	}
	wantStays := []stay{
		{"To Do", "To Do", 1, false},
		{"In Progress", "Build", 2, false},
		{"In Review", "Review", 2, false},
		{"Done", "Done", 10 - (5 + 9.0/24), true},
	}
	if diff := cmp.Diff(gotStays, wantStays); diff != "" {
		t.Errorf("stays (-got +want):\n%s", diff)
	}
	want := Split{
		// Started 1 d 09:00, first PR 2 d 09:00.
		BeforeFirstPR: Days{1, true},
		// [2 d 09:00, 3 d 03:00] and [3 d 12:00, 3 d 18:00]: 18 h + 6 h.
		WaitingForReview: Days{1, true},
		// [3 d 03:00, 3 d 09:00].
		InReview: Days{0.25, true},
		// [3 d 09:00, 4 d 15:00] covers [3 d 18:00, 4 d 15:00]: 30 h.
		MergeToDeploy: Days{1.25, true},
	}
	if diff := cmp.Diff(tl.Split, want); diff != "" {
		t.Errorf("split (-got +want):\n%s", diff)
	}
	var kinds []string
	for _, e := range tl.Events {
		kinds = append(kinds, strings.TrimSpace(e.Kind+" "+e.Status)+refOrEmpty(e.PR))
	}
	wantKinds := []string{
		"created To Do", "status In Progress", "pr_opened #10", "review #10", "review #10",
		// 3 d 09:00 holds both: at equal times, the item's status comes first.
		"status In Review", "merged #10", "pr_opened #11", "merged #11", "deployed #10", "deployed #11", "status Done",
	}
	if diff := cmp.Diff(kinds, wantKinds); diff != "" {
		t.Errorf("events (-got +want):\n%s", diff)
	}
}

func refOrEmpty(r PRRef) string {
	if r.Number == 0 {
		return ""
	}
	return " #" + strconv.Itoa(r.Number)
}

func TestItemTimelineUndeployed(t *testing.T) {
	// Never started, PR opened 1 d after creation, merged, not deployed:
	// merge to deploy runs to now and says so; no review wait is missing.
	it := Item{Key: "PAY-1", Created: at(0, 0), Status: "To Do"}
	p := PullRequest{Repo: "acme/api", Number: 1, Author: "ana", Title: "PAY-1", Created: at(1, 0), Ready: at(1, 0),
		Merged: at(1, 12), MergeCommitSHA: sha(1), BaseBranch: "main"}
	other := prodDeploy(1, sha(99), at(0, 1))
	tl, _ := ItemTimeline(timelineWorkflow(), it, []PullRequest{p}, []Deployment{other}, DeliveryOptions{}, at(3, 0))
	want := Split{BeforeFirstPR: Days{1, true}, WaitingForReview: Days{0.5, true}, MergeToDeploy: Days{1.5, true}, Undeployed: true}
	if diff := cmp.Diff(tl.Split, want); diff != "" {
		t.Errorf("split (-got +want):\n%s", diff)
	}
	if _, ok := ItemTimeline(timelineWorkflow(), it, nil, nil, DeliveryOptions{}, at(-1, 0)); ok {
		t.Error("an item created after now exists")
	}
	tl, _ = ItemTimeline(timelineWorkflow(), it, nil, nil, DeliveryOptions{}, at(3, 0))
	if tl.Split != (Split{}) {
		t.Errorf("split without PRs = %+v, want all missing", tl.Split)
	}
}
