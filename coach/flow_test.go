package coach

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// t0 is a Monday, 09:00 UTC; histories are written in days after it.
var t0 = time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC)

func day(n float64) time.Time { return t0.Add(time.Duration(n * float64(24*time.Hour))) }

func tr(at time.Time, from, to string) Transition { return Transition{At: at, From: from, To: to} }

// team is the workflow most tests read histories with. Stages override
// Jira's categories ("Deployed" is indeterminate in Jira but done here,
// "Selected" is new in Jira but waiting here) and are typed in odd case
// on purpose; Backlog, To Do, QA, Analysis and Resolved are placed by
// their category only.
func team() Workflow {
	return Workflow{
		Stages: []Stage{
			{Name: "Build", Active: []string{"In Progress"}, Wait: []string{"Blocked", "selected"}},
			{Name: "Review", Active: []string{"in review"}},
			{Name: "Ship", Wait: []string{"Ready to Deploy"}, Done: []string{"Done", "Closed", "DEPLOYED"}},
		},
		Statuses: []Status{
			{Name: "Backlog", Category: CategoryNew},
			{Name: "To Do", Category: CategoryNew},
			{Name: "Selected", Category: CategoryNew},
			{Name: "In Progress", Category: CategoryIndeterminate},
			{Name: "Blocked", Category: CategoryIndeterminate},
			{Name: "In Review", Category: CategoryIndeterminate},
			{Name: "QA", Category: CategoryIndeterminate},
			{Name: "Deployed", Category: CategoryIndeterminate},
			{Name: "Done", Category: CategoryDone},
			{Name: "Closed", Category: CategoryDone},
			{Name: "Resolved", Category: "DONE"},
			{Name: "Analysis", Category: CategoryIndeterminate},
		},
		ExcludeResolutions: []string{"Won't Do", "Duplicate"},
	}
}

func TestClass(t *testing.T) {
	tests := []struct {
		name   string
		w      Workflow
		status string
		want   Class
	}{
		{"active in a stage is started", team(), "In Progress", Started},
		{"wait in a stage is started", team(), "Blocked", Started},
		{"done in a stage is done", team(), "Closed", Done},
		{"stage listing only, unknown to jira", team(), "Ready to Deploy", Started},
		{"stage wins over jira category indeterminate", team(), "Deployed", Done},
		{"stage wins over jira category new", team(), "Selected", Started},
		{"stage listing matched case-insensitively", team(), "IN REVIEW", Started},
		{"category new is backlog", team(), "To Do", Backlog},
		{"category indeterminate is started", team(), "QA", Started},
		{"category key matched case-insensitively", team(), "Resolved", Done},
		{"status list matched case-insensitively", team(), "to do", Backlog},
		{"known to neither", team(), "Triage Hold", Unknown},
		{"empty workflow knows nothing", Workflow{}, "Done", Unknown},
		{"no stages: categories alone", Workflow{Statuses: team().Statuses}, "Deployed", Started},
		{
			"first stage listing wins",
			Workflow{Stages: []Stage{
				{Name: "A", Done: []string{"X"}},
				{Name: "B", Active: []string{"X"}},
			}},
			"x", Done,
		},
		{
			"within a stage active wins over done",
			Workflow{Stages: []Stage{{Name: "A", Active: []string{"X"}, Done: []string{"X"}}}},
			"X", Started,
		},
		{
			"unknown category",
			Workflow{Statuses: []Status{{Name: "Odd", Category: "undefined"}}},
			"Odd", Unknown,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.w.Class(tt.status)
			if got != tt.want {
				t.Errorf("Class(%q) = %v, want %v", tt.status, got, tt.want)
			}
		})
	}
}

func TestStageOf(t *testing.T) {
	tests := []struct {
		name   string
		w      Workflow
		status string
		want   string
	}{
		{"listed as active", team(), "In Progress", "Build"},
		{"listed as wait, other case", team(), "SELECTED", "Build"},
		{"listed as done", team(), "closed", "Ship"},
		{"unlisted: status name as jira spells it", team(), "qa", "QA"},
		{"known to neither: as given", team(), "Triage Hold", "Triage Hold"},
		{"no stages", Workflow{Statuses: team().Statuses}, "in progress", "In Progress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.w.StageOf(tt.status)
			if got != tt.want {
				t.Errorf("StageOf(%q) = %q, want %q", tt.status, got, tt.want)
			}
		})
	}
}

// days is an optional duration in days, as CycleTime, LeadTime and Age
// return it.
type days struct {
	V  float64
	OK bool
}

func some(v float64) days { return days{V: v, OK: true} }

var none = days{}

// flowSummary is everything a Flow says, measures included.
type flowSummary struct {
	Status              string
	Class               Class
	Started, Done       time.Time
	Excluded            bool
	Delivered, Progress bool
	Cycle, Lead, Age    days
}

func summarize(f Flow, now time.Time) flowSummary {
	s := flowSummary{
		Status: f.Status, Class: f.Class, Started: f.Started, Done: f.Done,
		Excluded: f.Excluded, Delivered: f.Delivered(), Progress: f.InProgress(),
	}
	s.Cycle.V, s.Cycle.OK = f.CycleTime()
	s.Lead.V, s.Lead.OK = f.LeadTime()
	s.Age.V, s.Age.OK = f.Age(now)
	return s
}

func TestFlow(t *testing.T) {
	// delivered builds the expected summary of a delivered item.
	delivered := func(status string, started, done time.Time, cycle days, lead float64) flowSummary {
		return flowSummary{Status: status, Class: Done, Started: started, Done: done,
			Delivered: true, Cycle: cycle, Lead: some(lead)}
	}
	wip := func(status string, class Class, started time.Time, age float64) flowSummary {
		return flowSummary{Status: status, Class: class, Started: started, Progress: true, Age: some(age)}
	}
	tests := []struct {
		name string
		item Item
		now  time.Time
		want flowSummary
	}{
		{
			name: "straight through",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(1), "To Do", "In Progress"),
				tr(day(2), "In Progress", "In Review"),
				tr(day(2.5), "In Review", "Done"),
			}},
			now: day(10),
			// cycle = 2.5 - 1 = 1.5 days (36 hours); lead = 2.5 - 0.
			want: delivered("Done", day(1), day(2.5), some(1.5), 2.5),
		},
		{
			name: "reopened and done again: new done, same start",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(1), "To Do", "In Progress"),
				tr(day(3), "In Progress", "Done"),
				tr(day(5), "Done", "In Progress"),
				tr(day(6), "In Progress", "Done"),
			}},
			now: day(10),
			// started stays day 1; done is the last entry, day 6: cycle 6 - 1 = 5.
			want: delivered("Done", day(1), day(6), some(5), 6),
		},
		{
			name: "reopened and still open is work in progress",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(1), "To Do", "In Progress"),
				tr(day(3), "In Progress", "Done"),
				tr(day(5), "Done", "In Progress"),
				tr(day(6), "In Progress", "Done"),
			}},
			now: day(5.5),
			// as of day 5.5 it is In Progress again, started day 1: age 4.5.
			want: wip("In Progress", Started, day(1), 4.5),
		},
		{
			name: "sent back to backlog and picked up again: start resets",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(1), "To Do", "In Progress"),
				tr(day(2), "In Progress", "Backlog"),
				tr(day(4), "Backlog", "In Progress"),
				tr(day(7), "In Progress", "Done"),
			}},
			now: day(10),
			// the clock restarts at day 4: cycle 7 - 4 = 3; lead still from creation: 7.
			want: delivered("Done", day(4), day(7), some(3), 7),
		},
		{
			name: "sent back to backlog and left there",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(1), "To Do", "In Progress"),
				tr(day(2), "In Progress", "Backlog"),
				tr(day(4), "Backlog", "In Progress"),
			}},
			now:  day(3),
			want: flowSummary{Status: "Backlog", Class: Backlog},
		},
		{
			name: "backlog straight to done: lead time, no cycle time",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(2), "To Do", "Done"),
			}},
			now:  day(5),
			want: delivered("Done", time.Time{}, day(2), none, 2),
		},
		{
			name: "done without starting, then reopened: starts at the reopen",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(1), "To Do", "Done"),
				tr(day(2), "Done", "In Progress"),
				tr(day(4), "In Progress", "Done"),
			}},
			now: day(5),
			// started day 2 (first started status after backlog); done day 4: cycle 2.
			want: delivered("Done", day(2), day(4), some(2), 4),
		},
		{
			name: "backwards moves between started statuses change nothing",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(1), "To Do", "In Progress"),
				tr(day(2), "In Progress", "In Review"),
				tr(day(3), "In Review", "In Progress"),
				tr(day(3.25), "In Progress", "Blocked"),
				tr(day(4), "Blocked", "In Review"),
				tr(day(5), "In Review", "Done"),
			}},
			now: day(6),
			// started at the first entry, day 1; cycle 5 - 1 = 4.
			want: delivered("Done", day(1), day(5), some(4), 5),
		},
		{
			name: "done then closed a week later: done time unchanged",
			item: Item{Created: day(0), Status: "Closed", Transitions: []Transition{
				tr(day(1), "To Do", "In Progress"),
				tr(day(2), "In Progress", "Done"),
				tr(day(9), "Done", "Closed"),
			}},
			now: day(10),
			// one unbroken stay in done statuses since day 2: cycle 1.
			want: delivered("Closed", day(1), day(2), some(1), 2),
		},
		{
			name: "excluded resolution: neither delivered nor in progress",
			item: Item{Created: day(0), Status: "Done", Resolution: "won't do", Transitions: []Transition{
				tr(day(1), "To Do", "In Progress"),
				tr(day(2), "In Progress", "Done"),
			}},
			now:  day(3),
			want: flowSummary{Status: "Done", Class: Done, Started: day(1), Excluded: true},
		},
		{
			name: "resolution not excluded",
			item: Item{Created: day(0), Status: "Done", Resolution: "Fixed", Transitions: []Transition{
				tr(day(1), "To Do", "In Progress"),
				tr(day(2), "In Progress", "Done"),
			}},
			now:  day(3),
			want: delivered("Done", day(1), day(2), some(1), 2),
		},
		{
			name: "excluded resolution but not done as of now: resolution ignored",
			item: Item{Created: day(0), Status: "Done", Resolution: "Duplicate", Transitions: []Transition{
				tr(day(1), "To Do", "In Progress"),
				tr(day(2), "In Progress", "Done"),
			}},
			now:  day(1.5),
			want: wip("In Progress", Started, day(1), 0.5),
		},
		{
			name: "created directly in a started status",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(2), "In Progress", "Done"),
			}},
			now: day(3),
			// started at creation, day 0: cycle 2.
			want: delivered("Done", day(0), day(2), some(2), 2),
		},
		{
			name: "created in a started status, no transitions",
			item: Item{Created: day(0), Status: "In Review"},
			now:  day(3),
			want: wip("In Review", Started, day(0), 3),
		},
		{
			name: "created in a done status",
			item: Item{Created: day(0), Status: "Done"},
			now:  day(1),
			// done at creation; never started.
			want: delivered("Done", time.Time{}, day(0), none, 0),
		},
		{
			name: "transitions after now ignored",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(1), "To Do", "In Progress"),
				tr(day(5), "In Progress", "Done"),
			}},
			now:  day(3),
			want: wip("In Progress", Started, day(1), 2),
		},
		{
			name: "every transition after now: the status created in",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(1), "To Do", "In Progress"),
				tr(day(5), "In Progress", "Done"),
			}},
			now:  day(0.5),
			want: flowSummary{Status: "To Do", Class: Backlog},
		},
		{
			name: "transition at now counts",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(1), "To Do", "In Progress"),
				tr(day(5), "In Progress", "Done"),
			}},
			now:  day(5),
			want: delivered("Done", day(1), day(5), some(4), 5),
		},
		{
			name: "status-category fallback",
			item: Item{Created: day(0), Status: "Resolved", Transitions: []Transition{
				tr(day(1), "To Do", "QA"),
				tr(day(3), "QA", "Resolved"),
			}},
			now: day(4),
			// QA is indeterminate (started), Resolved is done: cycle 3 - 1 = 2.
			want: delivered("Resolved", day(1), day(3), some(2), 3),
		},
		{
			name: "case-insensitive names",
			item: Item{Created: day(0), Status: "DONE", Transitions: []Transition{
				tr(day(1), "to do", "IN PROGRESS"),
				tr(day(2), "IN PROGRESS", "done"),
			}},
			now:  day(4),
			want: delivered("done", day(1), day(2), some(1), 2),
		},
		{
			name: "status known to neither counts as started",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(1), "To Do", "Triage Hold"),
				tr(day(4), "Triage Hold", "Done"),
			}},
			now:  day(2),
			want: wip("Triage Hold", Unknown, day(1), 1),
		},
		{
			name: "transitions out of order are ordered",
			item: Item{Created: day(0), Status: "Done", Transitions: []Transition{
				tr(day(3), "In Progress", "Done"),
				tr(day(1), "To Do", "In Progress"),
			}},
			now:  day(4),
			want: delivered("Done", day(1), day(3), some(2), 3),
		},
		{
			name: "transition stamped before creation counts at creation",
			item: Item{Created: day(1), Status: "Done", Transitions: []Transition{
				tr(day(0), "To Do", "In Progress"),
				tr(day(3), "In Progress", "Done"),
			}},
			now: day(4),
			// started is clamped to creation, day 1: cycle 3 - 1 = 2, lead 2.
			want: delivered("Done", day(1), day(3), some(2), 2),
		},
		{
			name: "created at now exists",
			item: Item{Created: day(2), Status: "In Progress"},
			now:  day(2),
			want: wip("In Progress", Started, day(2), 0),
		},
	}
	w := team()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := w.Flow(tt.item, tt.now)
			if !ok {
				t.Fatalf("Flow(...) reports the item did not exist at %v", tt.now)
			}
			got := summarize(f, tt.now)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Flow(...) (-got +want):\n%s", diff)
			}
		})
	}
}

func TestFlows(t *testing.T) {
	items := []Item{
		{Key: "A-1", Created: day(0), Status: "In Progress"},
		{Key: "A-2", Created: day(3), Status: "In Progress"}, // created after now
		{Key: "A-3", Created: day(1), Status: "To Do"},
	}
	now := day(2)
	got := Flows(team(), items, now)
	var keys []string
	for _, f := range got {
		keys = append(keys, f.Item.Key)
	}
	if diff := cmp.Diff(keys, []string{"A-1", "A-3"}); diff != "" {
		t.Errorf("Flows(...) keys (-got +want):\n%s", diff)
	}
	if _, ok := team().Flow(items[1], now); ok {
		t.Errorf("Flow(item created after now) reports it existed")
	}
}
