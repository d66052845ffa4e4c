package chart

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
)

var berlin = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// now is the instant the hand-made team is looked at.
var now = time.Date(2024, 5, 15, 9, 0, 0, 0, berlin)

// deliveredFlows is a team's last 60 days: n items, each started and done
// with a skewed cycle time, as coach reads them. The same seed gives the
// same items.
func deliveredFlows(n int, seed uint64) []coach.Flow {
	rng := rand.New(rand.NewPCG(seed, 0))
	flows := make([]coach.Flow, 0, n)
	for i := range n {
		done := now.Add(-time.Duration(rng.Float64()*60*24) * time.Hour)
		cycle := math.Exp(rng.NormFloat64()*0.7 + 1.2) // days, median about 3.3
		started := done.Add(-time.Duration(cycle * 24 * float64(time.Hour)))
		flows = append(flows, coach.Flow{
			Item:    coach.Item{Key: fmt.Sprintf("PAY-%d", 100+i), Created: started.Add(-48 * time.Hour)},
			Status:  "Done",
			Class:   coach.Done,
			Started: started,
			Done:    done,
		})
	}
	return flows
}

var last60 = coach.Window{From: time.Date(2024, 3, 16, 0, 0, 0, 0, berlin), To: now}

func TestRender(t *testing.T) {
	flows := deliveredFlows(45, 1)
	tests := []struct {
		name   string
		render func() ([]byte, error)
	}{
		{"cycle-time", func() ([]byte, error) {
			return CycleTime(coach.Deliveries(flows), coach.CycleTime(flows, last60), berlin)
		}},
		{"cycle-time-one-item", func() ([]byte, error) {
			return CycleTime(coach.Deliveries(flows[:1]), coach.CycleTime(flows[:1], last60), berlin)
		}},
		{"aging", func() ([]byte, error) {
			return Aging(agingReport(true), []string{"Build", "Review", "Test", "Deploy"})
		}},
		{"aging-no-sle", func() ([]byte, error) {
			return Aging(agingReport(false), []string{"Build", "Review", "Test", "Deploy"})
		}},
		{"aging-empty", func() ([]byte, error) {
			return Aging(coach.AgingReport{SLE: 8, HasSLE: true}, []string{"Build", "Review"})
		}},
		{"throughput", func() ([]byte, error) {
			return Throughput(coach.Throughput(flows, last60, berlin), berlin)
		}},
		{"throughput-empty", func() ([]byte, error) {
			return Throughput(coach.Throughput(nil, last60, berlin), berlin)
		}},
		{"cfd", func() ([]byte, error) {
			return CFD(coach.CFD(workflow, teamItems(), last60, berlin), berlin)
		}},
		{"cfd-one-day", func() ([]byte, error) {
			return CFD(coach.CFD(workflow, teamItems(), coach.Window{From: now.Add(-3 * time.Hour), To: now}, berlin), berlin)
		}},
		{"cfd-empty", func() ([]byte, error) {
			return CFD(coach.CFD(workflow, nil, last60, berlin), berlin)
		}},
		{"vsm", func() ([]byte, error) {
			return VSM(coach.VSM(workflow, coach.Flows(workflow, teamItems(), now), last60, nil))
		}},
		{"vsm-empty", func() ([]byte, error) {
			return VSM(coach.VSM(workflow, nil, last60, nil))
		}},
		{"forecast-when", func() ([]byte, error) {
			return Forecast(coach.ForecastWhen(flows, now, 40, coach.ForecastOptions{Loc: berlin, Seed: 1}))
		}},
		{"forecast-how-many", func() ([]byte, error) {
			return Forecast(coach.ForecastHowMany(flows, now, time.Date(2024, 6, 30, 0, 0, 0, 0, berlin), coach.ForecastOptions{Loc: berlin, Seed: 1}))
		}},
		{"forecast-too-little-data", func() ([]byte, error) {
			return Forecast(coach.ForecastWhen(flows[:5], now, 40, coach.ForecastOptions{Loc: berlin, Seed: 1}))
		}},
		{"cycle-time-empty", func() ([]byte, error) {
			return CycleTime(nil, coach.CycleTime(nil, last60), berlin)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.render()
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(got))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if cfg.Width != Width || cfg.Height != Height {
				t.Errorf("size %dx%d, want %dx%d", cfg.Width, cfg.Height, Width, Height)
			}
			golden(t, tt.name, got)
		})
	}
}

// agingReport is a hand-made team's work in progress: most items young,
// a few far older than the SLE of 8 days, one in a status no stage lists.
func agingReport(withSLE bool) coach.AgingReport {
	items := []struct {
		key, stage string
		age        float64
	}{
		{"PAY-7", "Review", 23.5}, {"PAY-12", "Build", 17.2}, {"PAY-31", "Waiting for Vendor", 12.4},
		{"PAY-40", "Review", 9.1}, {"PAY-44", "Build", 7.9}, {"PAY-45", "Test", 6.0},
		{"PAY-47", "Build", 5.2}, {"PAY-48", "Review", 4.8}, {"PAY-50", "Build", 3.1},
		{"PAY-51", "Build", 3.0}, {"PAY-52", "Test", 2.2}, {"PAY-53", "Build", 1.4},
		{"PAY-54", "Review", 1.1}, {"PAY-55", "Build", 0.6}, {"PAY-56", "Build", 0.2},
	}
	r := coach.AgingReport{SLE: 8, HasSLE: withSLE}
	if !withSLE {
		r.SLE = 0
	}
	for _, it := range items {
		r.Items = append(r.Items, coach.AgingItem{
			Key: it.key, Title: "Work on " + it.key, Stage: it.stage, Status: it.stage,
			AgeDays: it.age, OverSLE: withSLE && it.age > r.SLE,
		})
	}
	return r
}

// workflow is the hand-made team's: build, wait for review, review, test.
var workflow = coach.Workflow{
	Stages: []coach.Stage{
		{Name: "Build", Active: []string{"In Progress"}, Wait: []string{"Blocked"}},
		{Name: "Review", Wait: []string{"Ready for Review"}, Active: []string{"In Review"}},
		{Name: "Test", Wait: []string{"Ready for Test"}, Active: []string{"Testing"}},
		{Name: "Done", Done: []string{"Done"}},
	},
	Statuses: []coach.Status{
		{Name: "To Do", Category: coach.CategoryNew},
		{Name: "In Progress", Category: coach.CategoryIndeterminate},
		{Name: "Blocked", Category: coach.CategoryIndeterminate},
		{Name: "Ready for Review", Category: coach.CategoryIndeterminate},
		{Name: "In Review", Category: coach.CategoryIndeterminate},
		{Name: "Ready for Test", Category: coach.CategoryIndeterminate},
		{Name: "Testing", Category: coach.CategoryIndeterminate},
		{Name: "Done", Category: coach.CategoryDone},
	},
}

// teamItems are 70 items created over 80 days that walk the workflow, the
// wait for review the longest step; the later ones are still on their way.
func teamItems() []coach.Item {
	rng := rand.New(rand.NewPCG(2, 0))
	path := []struct {
		status string
		median float64 // days
	}{
		{"In Progress", 2.0}, {"Ready for Review", 3.0}, {"In Review", 0.5},
		{"Ready for Test", 1.0}, {"Testing", 0.7}, {"Done", 0},
	}
	start := now.Add(-80 * 24 * time.Hour)
	var items []coach.Item
	for i := range 70 {
		created := start.Add(time.Duration(float64(i)*80/70*24) * time.Hour)
		it := coach.Item{Key: fmt.Sprintf("PAY-%d", i+1), Type: "Story", Status: "To Do", Created: created}
		at := created.Add(time.Duration(rng.Float64()*72) * time.Hour)
		from := "To Do"
		for _, step := range path {
			if at.After(now) {
				break
			}
			it.Transitions = append(it.Transitions, coach.Transition{At: at, From: from, To: step.status})
			it.Status, from = step.status, step.status
			at = at.Add(time.Duration(step.median * math.Exp(rng.NormFloat64()*0.6) * 24 * float64(time.Hour)))
		}
		if it.Status == "Done" {
			it.Resolution = "Done"
		}
		items = append(items, it)
	}
	return items
}
