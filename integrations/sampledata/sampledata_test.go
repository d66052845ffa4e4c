package sampledata

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := Generate(42, now, 90, DefaultTeams())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(42, now, 90, DefaultTeams())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed and now gave different worlds (-a +b):\n%s", diff)
	}
	c, err := Generate(43, now, 90, DefaultTeams())
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Equal(a.Issues, c.Issues) {
		t.Error("another seed gave the same issues")
	}
}

// The demo is only worth running if the world has the situations flow
// metrics must handle; this pins that it does.
func TestGenerateHasTheHardCases(t *testing.T) {
	w, err := Generate(42, now, 180, DefaultTeams())
	if err != nil {
		t.Fatal(err)
	}
	var reopened, backToBacklog, blocked, wontDo, subtasks, longHistory, inProgress int
	for _, is := range w.Issues {
		if is.Subtask {
			subtasks++
		}
		if is.Resolution == "Won't Do" {
			wontDo++
		}
		if is.Status == "In Progress" {
			inProgress++
		}
		statusChanges := 0
		for i, ch := range is.History {
			if ch.At.After(now) {
				t.Fatalf("%s has a change after now: %v", is.Key, ch.At)
			}
			if i > 0 && ch.At.Before(is.History[i-1].At) {
				t.Fatalf("%s history is not in time order", is.Key)
			}
			if ch.Field != "status" {
				continue
			}
			statusChanges++
			switch {
			case ch.From == "Done" && ch.To == "In Progress":
				reopened++
			case ch.From == "In Progress" && ch.To == "Backlog":
				backToBacklog++
			case ch.To == "Blocked":
				blocked++
			}
		}
		if statusChanges > 100 {
			longHistory++
		}
	}
	var botPRs, abandoned, reviewed, merged int
	for _, pr := range w.PRs {
		if pr.UserType == "Bot" {
			botPRs++
		}
		if !pr.Closed.IsZero() && pr.Merged.IsZero() {
			abandoned++
		}
		if len(pr.Reviews) > 0 {
			reviewed++
		}
		if !pr.Merged.IsZero() {
			merged++
		}
	}
	for name, n := range map[string]int{
		"reopened items": reopened, "items sent back to the backlog": backToBacklog, "blocked spells": blocked,
		"Won't Do items": wontDo, "sub-tasks": subtasks, "items with >100 status changes": longHistory,
		"items in progress": inProgress, "bot pull requests": botPRs, "abandoned pull requests": abandoned,
		"reviewed pull requests": reviewed, "merged pull requests": merged,
	} {
		if n == 0 {
			t.Errorf("the world has no %s", name)
		}
	}
}
