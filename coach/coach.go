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
	Resolved   time.Time // Jira's resolutiondate; zero when unresolved
	// Transitions are the item's status changes, oldest first.
	Transitions []Transition

	Parent    string  // key of the parent item (the epic); "" when none
	Points    float64 // the estimate in story points, when Estimated
	Estimated bool
	// Flagged are the spans the item carried Jira's Flagged impediment,
	// oldest first; an open span has a zero To.
	Flagged []Span
	Links   []Link
	// Commented is the latest time a comment was added or edited, among
	// the comments Jira sent (the first page only: see docs/coaching.md);
	// zero when none.
	Commented time.Time
}

// Span is a stretch of time; a zero To means it has not ended.
type Span struct {
	From, To time.Time
}

// Link is one Jira issue link seen from the item that holds it.
type Link struct {
	Type        string // link type name, e.g. "Blocks"
	Description string // as read from this item, e.g. "is blocked by"
	Inward      bool   // the other item is on the inward side ("is blocked by" it)
	Key         string // the other item
	// OtherCategory is the other item's status category (CategoryNew,
	// CategoryIndeterminate, CategoryDone) when the link was read.
	OtherCategory string
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

	HeadBranch     string
	Body           string
	MergeCommitSHA string // "" when not merged
	// Ready is when the pull request was first ready for review: its first
	// ready_for_review event, or Created when it was opened ready. Zero
	// while it has only ever been a draft.
	Ready time.Time
	// FirstCommit is the author date of its earliest commit; zero when
	// unknown.
	FirstCommit time.Time
	Commits     int
	// CommitsTruncated: GitHub lists at most 250 commits of a pull request,
	// so FirstCommit may be later than the true first commit.
	CommitsTruncated   bool
	RequestedReviewers []string // logins whose review is requested now
}

// Deployment is one deployment of a repository to an environment, from
// GitHub's deployments API or, where a team deploys by workflow, a
// successful run of its deploy workflow.
type Deployment struct {
	Repo        string
	ID          int64  // deployment id, or workflow run id
	Source      string // DeploymentSourceAPI or DeploymentSourceWorkflow
	Environment string
	SHA         string
	Ref         string
	Created     time.Time
	// Succeeded is the created_at of the first success status (API) or the
	// run's completion (workflow); zero when it never succeeded.
	Succeeded time.Time
	// Commits are the SHAs this deployment carried beyond the previous
	// successful deployment of the repository to the same environment
	// (GitHub compare). HasCommits is false when that is unknown, e.g. for
	// the first deployment seen: then only the deployed SHA itself counts.
	Commits          []string
	HasCommits       bool
	CommitsTruncated bool
	// Behind: the deployed commit is behind the previous deployment's, so
	// it is a rollback.
	Behind bool
}

// Identity is one person as each service knows them. The bot mentions a
// person only through an identity someone linked: never a guess.
type Identity struct {
	Slack       string // Slack user id
	Jira        string // Jira display name
	JiraAccount string // Jira account id
	GitHub      string // GitHub login
}

// Deployment sources.
const (
	DeploymentSourceAPI      = "deployments"
	DeploymentSourceWorkflow = "workflow"
)

// Review is one submitted pull-request review.
type Review struct {
	Author      string // login
	AuthorIsBot bool
	State       string // APPROVED, CHANGES_REQUESTED, COMMENTED or DISMISSED
	Submitted   time.Time
}
