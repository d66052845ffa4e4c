package sampledata

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/github"
	"github.com/flowbot/flowbot/integrations/github/githubtest"
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

// TestGenerateHasDeliveryCases pins what issue 3's metrics need of the
// world: drafts, reverts, hotfixes, deployments with failures and a
// rollback, a workflow-only repository, incidents, flags, epics, links,
// points, and a consistent history.
func TestGenerateHasDeliveryCases(t *testing.T) {
	w, err := Generate(42, now, 180, DefaultTeams())
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	ids, keys := map[string]bool{}, map[string]bool{}
	parents := map[string]bool{}
	for _, is := range w.Issues {
		if ids[is.ID] || keys[is.Key] {
			t.Fatalf("issue id %s or key %s is not unique", is.ID, is.Key)
		}
		ids[is.ID], keys[is.Key] = true, true
		if is.Parent != "" {
			parents[is.Parent] = true
		}
		switch {
		case is.Type == "Epic":
			count["epics"]++
		case is.Type == "Incident" && is.Project == IncidentProject:
			count["incidents"]++
			if !is.Resolved.IsZero() {
				count["resolved incidents"]++
			}
			if strings.Contains(is.Summary, "/pull/") {
				count["incidents naming a PR"]++
			}
		}
		if is.Resolution != "" && is.Resolved.IsZero() {
			t.Errorf("%s is resolved without a resolution date", is.Key)
		}
		if is.Estimated {
			count["estimated items"]++
		}
		for _, l := range is.Links {
			if l.Type == "Blocks" && l.Inward {
				count["blocked-by links"]++
			}
		}
		for _, ch := range is.History {
			if ch.Field == "Flagged" && ch.To == "Impediment" {
				count["flagged spans"]++
			}
		}
	}
	count["epics with children"] = len(parents)

	onMain := map[string]bool{}
	for _, shas := range w.Commits {
		for _, s := range shas {
			onMain[s] = true
		}
	}
	for _, pr := range w.PRs {
		if !pr.Merged.IsZero() && !onMain[pr.MergeCommitSHA] {
			t.Errorf("%s#%d merged but its merge commit is not on main", pr.Repo, pr.Number)
		}
		switch {
		case strings.HasPrefix(pr.Head, "revert-") && strings.Contains(pr.Body, "This reverts commit "):
			count["reverts"]++
		case strings.HasPrefix(pr.Head, "hotfix/"):
			count["hotfixes"]++
		}
		if !pr.ReadyAt.IsZero() && pr.ReadyAt.After(pr.Created) {
			count["drafts made ready"]++
		}
		if len(pr.CommitDates) > 0 && pr.CommitDates[0].Before(pr.Created) {
			count["first commits before the PR"]++
		}
		if pr.UserType != "Bot" && strings.Contains(pr.Head, "-") && strings.Contains(strings.ToUpper(pr.Head), strings.SplitN(pr.Title, ":", 2)[0]) {
			count["branches naming the item"]++
		}
	}

	last := map[string]int{} // repo -> position on main of the last success
	pos := func(repo, sha string) int { return slices.Index(w.Commits[repo], sha) }
	for _, d := range w.Deployments {
		if pos(d.Repo, d.SHA) < 0 {
			t.Errorf("deployment %d deploys %s, not on main", d.ID, d.SHA)
		}
		switch d.Statuses[len(d.Statuses)-1].State {
		case "failure":
			count["failed deployments"]++
		case "success":
			count["deployments"]++
			if p, ok := last[d.Repo]; ok && pos(d.Repo, d.SHA) < p {
				count["rollbacks"]++
			}
			last[d.Repo] = pos(d.Repo, d.SHA)
		}
	}
	for _, r := range w.WorkflowRuns {
		if r.Repo != "acme/platform-infra" || r.Workflow != "deploy.yml" {
			t.Errorf("workflow run %d in %s (%s); only platform-infra deploys by workflow", r.ID, r.Repo, r.Workflow)
		}
		count["workflow deploys"]++
	}
	for _, d := range w.Deployments {
		if d.Repo == "acme/platform-infra" {
			t.Errorf("platform-infra has GitHub deployment %d; it deploys by workflow only", d.ID)
		}
	}
	for _, name := range []string{
		"epics", "epics with children", "incidents", "resolved incidents", "incidents naming a PR", "estimated items",
		"blocked-by links", "flagged spans", "reverts", "hotfixes", "drafts made ready", "first commits before the PR",
		"branches naming the item", "failed deployments", "deployments", "rollbacks", "workflow deploys",
	} {
		if count[name] == 0 {
			t.Errorf("the world has no %s", name)
		}
	}
	if count["deployments"] < 100 {
		t.Errorf("%d successful deployments over 180 days in 3 repositories; want most working days", count["deployments"])
	}
}

// TestWorldServesDeliveries serves the world from the GitHub stand-in and
// reads it back through the real client: deployments carry commits, and
// the rollback comes back as one.
func TestWorldServesDeliveries(t *testing.T) {
	w, err := Generate(42, now, 120, DefaultTeams())
	if err != nil {
		t.Fatal(err)
	}
	s := githubtest.NewServer(githubtest.Options{})
	defer s.Close()
	s.Put(w.PRs...)
	for repo, shas := range w.Commits {
		s.PutCommits(repo, shas...)
	}
	s.PutDeployments(w.Deployments...)
	s.PutWorkflowRuns(w.WorkflowRuns...)
	c, err := github.New(github.Config{APIURL: s.URL()})
	if err != nil {
		t.Fatal(err)
	}
	var deps []coach.Deployment
	keep := func(d []coach.Deployment) error { deps = append(deps, d...); return nil }
	if _, _, err := c.SyncDeployments(t.Context(), "acme/payments-api", regexp.MustCompile(`(?i)^prod`), "", keep); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.SyncWorkflowDeploys(t.Context(), "acme/platform-infra", "deploy.yml", "", "", keep); err != nil {
		t.Fatal(err)
	}
	var behind, withCommits, workflow int
	for _, d := range deps {
		if d.Behind {
			behind++
		}
		if len(d.Commits) > 0 {
			withCommits++
		}
		if d.Source == coach.DeploymentSourceWorkflow {
			workflow++
		}
	}
	if behind != 1 || withCommits < 20 || workflow < 20 {
		t.Errorf("rollbacks %d, deployments with commits %d, workflow deployments %d; want 1, >= 20, >= 20", behind, withCommits, workflow)
	}
}
