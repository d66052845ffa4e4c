package coach

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestVSM(t *testing.T) {
	win := Window{From: day(0), To: day(10)}
	// flowItems, worked out per stage (see its comments):
	//   Build: A active 3 wait 1, B active 2 wait 1, H active 2 wait 0.
	//     active [2 2 3]: P50 rank 2 = 2, P85 rank ceil(2.55) = 3 = 3.
	//     wait [0 1 1]: P50 1, P85 1. Stage time 9 of lead 6+9+5+5 = 25.
	//     No move back from Build.
	//   Review: A active 1, H active 2. Stage time 3 of 25. H went back.
	//   Ship: B wait 3 (Ready to Deploy), and Ship (its Done) went back to
	//     Build. Stage time 3 of 25. W waits in Ready to Deploy now.
	// All wait: A 1 + B 4 + H 0 + D 0 = 5; Ship holds 3 of it: the
	// bottleneck, ahead of Build's 2. Lead times [5 5 6 9]: P50 5.
	// Active per item [0 2 4 4]: process time P50 2.
	want := VSMReport{
		Window: win, N: 4, Excluded: map[string]int{ExcludedNotStarted: 1, ExcludedNoTime: 1},
		Stages: []VSMStage{
			{Stage: "Build", Items: 3, ActiveP50: 2, ActiveP85: 3, WaitP50: 1, WaitP85: 1, Active: 7, Wait: 2,
				ShareOfLeadTime: 9.0 / 25, ShareOK: true, QueuedNow: 1},
			{Stage: "Review", Items: 2, ActiveP50: 1, ActiveP85: 2, Active: 3,
				ShareOfLeadTime: 3.0 / 25, ShareOK: true, ReworkRate: 0.5, Reworked: 1},
			{Stage: "Ship", Items: 1, WaitP50: 3, WaitP85: 3, Wait: 3,
				ShareOfLeadTime: 3.0 / 25, ShareOK: true, ReworkRate: 1, Reworked: 1, QueuedNow: 1},
		},
		LeadTimeP50: 5, ProcessTimeP50: 2,
		Bottleneck: Bottleneck{Stage: "Ship", WaitShare: 0.6, MedianWait: 3, QueuedNow: 1}, HasBottleneck: true,
	}
	got := VSM(team(), Flows(team(), flowItems(), day(10)), win, nil)
	if diff := cmp.Diff(got, want, approx, cmpopts.IgnoreFields(VSMReport{}, "Efficiency")); diff != "" {
		t.Errorf("VSM (-got +want):\n%s", diff)
	}
	if !got.Efficiency.OK || got.Efficiency.Efficiency != 10.0/15 {
		t.Errorf("VSM efficiency = %v (ok %v), want 10/15", got.Efficiency.Efficiency, got.Efficiency.OK)
	}

	t.Run("a stage of done statuses alone is not listed", func(t *testing.T) {
		w := team()
		w.Stages = append(w.Stages, Stage{Name: "Archive", Done: []string{"Archived"}})
		got := VSM(w, Flows(w, flowItems(), day(10)), win, nil)
		if len(got.Stages) != 3 {
			t.Errorf("stages = %d, want 3", len(got.Stages))
		}
	})
	t.Run("no wait time: no bottleneck", func(t *testing.T) {
		items := []Item{walk("H", 0, "To Do", 1.0, "In Progress", 2.0, "In Review", 3.0, "Done")}
		got := VSM(team(), Flows(team(), items, day(10)), win, nil)
		if got.HasBottleneck {
			t.Errorf("bottleneck = %+v, want none", got.Bottleneck)
		}
		// Ship was not passed through: its percentiles are missing.
		if s := got.Stages[2]; s.Items != 0 || s.ReworkRate != 0 {
			t.Errorf("Ship = %+v, want no items", s)
		}
	})
	t.Run("equal waits: the earlier stage", func(t *testing.T) {
		items := []Item{walk("X", 0, "To Do", 1.0, "Blocked", 2.0, "Ready to Deploy", 3.0, "Done")}
		got := VSM(team(), Flows(team(), items, day(10)), win, nil)
		if got.Bottleneck.Stage != "Build" || got.Bottleneck.WaitShare != 0.5 {
			t.Errorf("bottleneck = %+v, want Build with half the wait", got.Bottleneck)
		}
	})
	t.Run("nothing done", func(t *testing.T) {
		got := VSM(team(), nil, win, nil)
		if got.N != 0 || got.HasBottleneck || got.Stages[0].ShareOK {
			t.Errorf("VSM of nothing = %+v", got)
		}
	})
}
