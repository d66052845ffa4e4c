package coach

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDistribution(t *testing.T) {
	kinds := map[string]string{"Story": "feature", "Bug": "defect", "Chore": "debt", "Ops": "other"}
	kindOf := func(issueType string) string { return kinds[issueType] }
	typed := func(it Item, typ string) Item { it.Type = typ; return it }
	dropped := typed(walk("X", 0, "To Do", 1.0, "In Progress", 2.0, "Done"), "Bug")
	dropped.Resolution = "Won't Do"
	items := []Item{
		typed(walk("S1", 0, "To Do", 1.0, "In Progress", 2.0, "Done"), "Story"),
		typed(walk("S2", 0, "To Do", 3.0, "Done"), "Story"), // never started: still delivered
		typed(walk("B1", 0, "To Do", 1.0, "In Progress", 4.0, "Done"), "Bug"),
		typed(walk("O1", 0, "To Do", 1.0, "In Progress", 4.0, "Done"), "Ops"),
		typed(walk("B2", 0, "To Do", 1.0, "In Progress"), "Bug"),
		typed(walk("C1", 0, "To Do", 1.0, "Blocked"), "Chore"),
		typed(walk("S3", -20, "To Do", -19.0, "In Progress", -18.0, "Done"), "Story"), // before the window
		typed(walk("S4", 0, "To Do"), "Story"),                                        // backlog: neither
		dropped,
	}
	win := Window{From: day(0), To: day(10)}
	got := Distribution(Flows(team(), items, day(10)), win, kindOf)
	want := DistributionReport{
		Window: win, N: 4, WIP: 2, Excluded: map[string]int{},
		Kinds: []KindCount{
			{Kind: "feature", Done: 2}, {Kind: "defect", Done: 1, WIP: 1}, {Kind: "risk"}, {Kind: "debt", WIP: 1},
			{Kind: "other", Done: 1},
		},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Distribution (-got +want):\n%s", diff)
	}
}
