package coach

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// benchItems builds n items of about eight transitions each, with rework
// (review sent back), some sent back to the backlog and some still open.
func benchItems(n int) []Item {
	r := rand.New(rand.NewPCG(1, 2))
	path := []string{"To Do", "In Progress", "In Review", "In Progress", "In Review", "QA", "Done", "Closed", "Done"}
	items := make([]Item, n)
	for i := range items {
		created := day(r.Float64() * 300)
		at := created
		it := Item{Key: "B-" + strconv.Itoa(i), Created: created}
		steps := 4 + r.IntN(5) // 4..8 transitions
		for s := 1; s <= steps; s++ {
			at = at.Add(time.Duration(r.IntN(72)+1) * time.Hour)
			it.Transitions = append(it.Transitions, Transition{At: at, From: path[s-1], To: path[s]})
		}
		it.Status = path[steps]
		items[i] = it
	}
	return items
}

func BenchmarkFlows(b *testing.B) {
	w, items, now := team(), benchItems(10_000), day(330)
	for b.Loop() {
		Flows(w, items, now)
	}
}

func BenchmarkCycleTime(b *testing.B) {
	now := day(330)
	flows := Flows(team(), benchItems(10_000), now)
	win := Window{From: now.Add(-90 * 24 * time.Hour), To: now}
	for b.Loop() {
		CycleTime(flows, win)
	}
}

// BenchmarkCycleTimeOf is cycle time over the deliveries of a 90-day
// window, as a windowed answer reads them.
func BenchmarkCycleTimeOf(b *testing.B) {
	now := day(330)
	win := Window{From: now.Add(-90 * 24 * time.Hour), To: now}
	ds := make([]Delivery, 7600)
	for i := range ds {
		done := win.From.Add(time.Duration(i) * 17 * time.Minute)
		ds[i] = Delivery{Key: "B-" + strconv.Itoa(i), Started: done.Add(-time.Duration(i%200) * time.Hour), Done: done}
	}
	b.ReportAllocs()
	for b.Loop() {
		CycleTimeOf(ds, win)
	}
}

func BenchmarkThroughput(b *testing.B) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatalf("loading Europe/Berlin: %v", err)
	}
	now := day(330)
	flows := Flows(team(), benchItems(10_000), now)
	win := Window{From: now.Add(-365 * 24 * time.Hour), To: now}
	for b.Loop() {
		Throughput(flows, win, berlin)
	}
}

// BenchmarkReport is what one /flow answer costs: read every item, then
// the cycle time and throughput of the last 90 days.
func BenchmarkReport(b *testing.B) {
	w, items, now := team(), benchItems(10_000), day(330)
	win := Window{From: now.Add(-90 * 24 * time.Hour), To: now}
	for b.Loop() {
		flows := Flows(w, items, now)
		CycleTime(flows, win)
		Throughput(flows, win, time.UTC)
	}
}
