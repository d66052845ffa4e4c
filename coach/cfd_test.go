package coach

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCFD(t *testing.T) {
	// t0 is Monday 09:00 UTC; the window runs to Thursday 09:00, so the
	// days are Monday to Thursday, read at Tuesday, Wednesday and Thursday
	// 00:00 and at Thursday 09:00.
	win := Window{From: day(0), To: day(3)}
	thu0 := day(2.625) // Thursday 00:00
	excluded := walk("I3", -10, "To Do", -9.0, "Done")
	excluded.Resolution = "Won't Do"
	items := []Item{
		// Build Monday, Review Tuesday and Wednesday (its move to Done at
		// Thursday 00:00 belongs to Thursday), Done Thursday.
		{Key: "I1", Created: day(-5), Status: "Done", Resolution: "Done", Transitions: []Transition{
			tr(day(0.5), "To Do", "In Progress"), tr(day(1.5), "In Progress", "In Review"), tr(thu0, "In Review", "Done"),
		}},
		// Created Tuesday in QA, a status no stage lists: its own column.
		{Key: "I2", Created: day(1.2), Status: "QA"},
		excluded,
		{Key: "I4", Created: day(-10), Status: "Backlog"},
		// Created at Thursday 00:00: Thursday's, not Wednesday's.
		{Key: "I5", Created: thu0, Status: "To Do"},
		// Started exactly at the window's end: that counts on the last day.
		walk("I6", -3, "To Do", 3.0, "In Progress"),
	}
	got := CFD(team(), items, win, time.UTC)
	date := func(d int) time.Time { return time.Date(2024, 3, 4+d, 0, 0, 0, 0, time.UTC) }
	want := CFDReport{
		Window: win, N: 5, Excluded: map[string]int{"excluded resolution": 1},
		Columns: []string{"Backlog", "Build", "Review", "Ship", "QA", "Done"},
		Days: []CFDDay{
			{Date: date(0), Counts: []int{2, 1, 0, 0, 0, 0}},
			{Date: date(1), Counts: []int{2, 0, 1, 0, 1, 0}},
			{Date: date(2), Counts: []int{2, 0, 1, 0, 1, 0}},
			{Date: date(3), Counts: []int{2, 1, 0, 0, 1, 1}},
		},
		// WIP 1, 2, 2, 2: 1.75 a day. 1 delivered in 3 days: 1/3 a day.
		// 1.75 / (1/3) = 5.25 days.
		AvgWIP: 1.75, ThroughputPerDay: 1.0 / 3, Delivered: 1, CycleTime: 5.25, CycleOK: true,
	}
	if diff := cmp.Diff(got, want, approx); diff != "" {
		t.Errorf("CFD (-got +want):\n%s", diff)
	}

	t.Run("days are the team's", func(t *testing.T) {
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Fatal(err)
		}
		// Done Tuesday 02:00 UTC is Monday 21:00 in New York (UTC-5):
		// Monday's column there, Tuesday's in UTC.
		it := walk("N", -1, "In Progress", 0.7083333333333334, "Done") // Tuesday 02:00 UTC
		win := Window{From: day(0), To: day(1)}                        // Monday 09:00 to Tuesday 09:00 UTC
		got := CFD(team(), []Item{it}, win, ny)
		if got.Days[0].Date.Weekday() != time.Monday || got.Days[0].Counts[len(got.Columns)-1] != 1 {
			t.Errorf("New York days = %+v, want Monday done", got.Days)
		}
		got = CFD(team(), []Item{it}, win, time.UTC)
		if got.Days[0].Counts[len(got.Columns)-1] != 0 || got.Days[1].Counts[len(got.Columns)-1] != 1 {
			t.Errorf("UTC days = %+v, want Tuesday done", got.Days)
		}
	})
	t.Run("nothing delivered: no cycle time", func(t *testing.T) {
		got := CFD(team(), []Item{{Key: "I4", Created: day(-10), Status: "In Progress"}}, win, nil)
		if got.CycleOK || got.AvgWIP != 1 {
			t.Errorf("CFD = %+v, want WIP 1 and no cycle time", got)
		}
	})
	t.Run("empty window", func(t *testing.T) {
		got := CFD(team(), items, Window{From: day(1), To: day(1)}, nil)
		if len(got.Days) != 0 || got.CycleOK {
			t.Errorf("CFD of an empty window = %+v", got)
		}
	})
}

// AvgWIP reads only the items that can sit in a stage column during the
// window, and must agree with the whole diagram's average on any history:
// random ones, with transitions out of order, before creation, in every
// class, with excluded resolutions, over windows before, across and after
// them.
func TestAvgWIPMatchesCFD(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	base := time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for trial := range 200 {
		items := make([]Item, 1+r.IntN(60))
		for i := range items {
			history := make([]byte, 4*r.IntN(6))
			for j := range history {
				history[j] = byte(r.IntN(256))
			}
			resolution := []string{"", "Done", "Won't Do"}[r.IntN(3)]
			items[i] = fuzzItem(base.Add(time.Duration(r.IntN(24*90))*time.Hour), byte(r.IntN(256)), resolution, history)
			items[i].Key = fmt.Sprintf("F-%d", i)
		}
		from := base.Add(time.Duration(r.IntN(24*120)-24*15) * time.Hour)
		win := Window{From: from, To: from.Add(time.Duration(1+r.IntN(24*40)) * time.Hour)}
		w := team()
		w.ExcludeResolutions = []string{"Won't Do"}
		loc := []*time.Location{time.UTC, berlin}[trial%2]
		want := CFD(w, items, win, loc)
		got, ok := AvgWIP(w, items, win, loc)
		if got != want.AvgWIP || ok != (len(want.Days) > 0) {
			t.Fatalf("trial %d: AvgWIP = %v, %v; CFD says %v over %d days", trial, got, ok, want.AvgWIP, len(want.Days))
		}
	}
}
