// Package coach is flowbot's domain core: the vocabulary every other package
// speaks (work items and their status history, the team's workflow, pull
// requests and reviews) and every flow metric computed from them.
//
// coach is pure. It imports only the standard library, does no I/O, never
// reads the clock (the instant a question is asked as of is always an
// argument) and starts no goroutines, so every definition in docs/metrics.md
// can be pinned by a table of hand-made histories.
package coach

import "time"

// Class is what a status means for flow: not committed to yet, being worked
// on (including waiting inside the process), or finished.
type Class int

const (
	// Unknown is a status that neither the team's stages nor Jira's status
	// list know. It is treated as started: Jira only creates unlisted
	// statuses through workflow edits, and work in them is still in flight.
	Unknown Class = iota
	Backlog
	Started
	Done
)

func (c Class) String() string {
	switch c {
	case Backlog:
		return "backlog"
	case Started:
		return "started"
	case Done:
		return "done"
	}
	return "unknown"
}

// Jira's status category keys, as /rest/api/2/status returns them.
const (
	CategoryNew           = "new"
	CategoryIndeterminate = "indeterminate"
	CategoryDone          = "done"
)

// Status is one Jira status and the category Jira files it under.
type Status struct {
	ID       string
	Name     string
	Category string // CategoryNew, CategoryIndeterminate or CategoryDone
}

// Transition is one status change of an item.
type Transition struct {
	At   time.Time
	From string // status name before the change
	To   string // status name after it
}

// Item is one work item: a Jira issue matched by its team's JQL, sub-tasks
// excluded.
type Item struct {
	Key        string
	Title      string
	Type       string // issue type name, e.g. "Story"
	Status     string // current status name
	Resolution string // "" when unresolved
	Assignee   string // display name; "" when unassigned
	Created    time.Time
	Updated    time.Time
	// Transitions are the item's status changes, oldest first.
	Transitions []Transition
}

// Stage is one step of the team's value stream. A status belongs to at most
// one stage, in one of three roles.
type Stage struct {
	Name   string
	Active []string // statuses where the work is being worked on
	Wait   []string // statuses where the work waits inside the process
	Done   []string // statuses that mean delivered
}

// Workflow is everything needed to read an item's history as flow: the
// team's stages (optional), Jira's status list with categories (the
// fallback for statuses no stage lists), and the resolutions that mean the
// work was dropped rather than delivered.
type Workflow struct {
	Stages             []Stage
	Statuses           []Status
	ExcludeResolutions []string
}

// PullRequest is one GitHub pull request with what flow metrics need of it.
type PullRequest struct {
	Repo         string // owner/name
	Number       int
	Title        string
	Author       string // login
	AuthorIsBot  bool
	State        string // "open" or "closed"
	Draft        bool
	BaseBranch   string
	Created      time.Time
	Updated      time.Time
	Closed       time.Time // zero when open
	Merged       time.Time // zero when not merged
	Additions    int
	Deletions    int
	ChangedFiles int
	Reviews      []Review // oldest first
}

// Review is one submitted pull-request review.
type Review struct {
	Author      string // login
	AuthorIsBot bool
	State       string // APPROVED, CHANGES_REQUESTED, COMMENTED or DISMISSED
	Submitted   time.Time
}
