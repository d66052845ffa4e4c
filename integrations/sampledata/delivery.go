package sampledata

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/flowbot/flowbot/integrations/github/githubtest"
	"github.com/flowbot/flowbot/integrations/jira/jiratest"
)

// slug makes a branch-name tail of a summary: "Fix rounding in tax
// totals" -> "fix-rounding-in-tax-totals".
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// resolvedAt is when an item last entered a done status (Done or Closed)
// from a status that was not done: Jira's resolution date.
func resolvedAt(history []jiratest.Change) time.Time {
	var at time.Time
	done := func(s string) bool { return s == "Done" || s == "Closed" }
	for _, ch := range history {
		if ch.Field == "status" && done(ch.To) && !done(ch.From) {
			at = ch.At
		}
	}
	return at
}

// mergeSHA is the merge commit of a merged pull request.
func mergeSHA(repo string, number int) string {
	sum := sha1.Sum(fmt.Appendf(nil, "%s#%d merge", repo, number))
	return hex.EncodeToString(sum[:])
}

var pointScale = []float64{1, 2, 3, 5, 8, 13}

// estimate gives most stories and bugs story points.
func (g *gen) estimate(is *jiratest.Issue) {
	if (is.Type == "Story" || is.Type == "Bug") && g.rng.Float64() < 0.7 {
		is.Points = pointScale[g.rng.IntN(len(pointScale))]
		is.Estimated = true
	}
}

// epicFor opens a new epic every six weeks or so; stories created while it
// is the newest may belong to it.
func (g *gen) epicFor(created time.Time) {
	if n := len(g.epics); n > 0 && created.Sub(g.epics[n-1].Created) < 42*24*time.Hour {
		return
	}
	ep := g.newIssue(created.Add(-2*time.Hour), "Epic")
	ep.Summary = "Revamp " + nouns[g.rng.IntN(len(nouns))] + " handling"
	ep.Status = "To Do"
	g.epics = append(g.epics, ep)
}

// finishEpics gives each epic its history from its children: in progress
// when the first child started, done when the last child was resolved,
// unless it is the newest epic (still collecting work).
func (g *gen) finishEpics() {
	for k, ep := range g.epics {
		var started, resolved time.Time
		children, open := 0, 0
		for _, is := range g.issues {
			if is.Parent != ep.Key {
				continue
			}
			children++
			for _, ch := range is.History {
				if ch.Field == "status" && ch.To == "In Progress" {
					if started.IsZero() || ch.At.Before(started) {
						started = ch.At
					}
					break
				}
			}
			if is.Resolution == "" {
				open++
			} else if is.Resolved.After(resolved) {
				resolved = is.Resolved
			}
		}
		w := &walker{g: g, issue: ep, at: ep.Created, status: "To Do"}
		if !started.IsZero() {
			w.move(started.Sub(w.at), "In Progress")
			if k < len(g.epics)-1 && open == 0 && children > 0 && resolved.After(started) {
				if w.move(resolved.Sub(w.at)+time.Hour, "Done") {
					ep.Resolution = "Done"
				}
			}
		}
		g.finish(ep, w)
	}
}

// blockLinks makes a few items blocked by an earlier one ("is blocked by").
func (g *gen) blockLinks() {
	for i := range g.issues {
		is := &g.issues[i]
		if i == 0 || is.Subtask || is.Type == "Epic" || g.rng.Float64() >= 0.05 {
			continue
		}
		other := g.issues[g.rng.IntN(i)]
		if other.Subtask || other.Type == "Epic" || other.Key == is.Key {
			continue
		}
		is.Links = append(is.Links, jiratest.IssueLink{Type: "Blocks", Inward: true, Key: other.Key})
	}
}

// delivery adds what happens after merge: merge commits on a straight
// main history per repository, a few reverts, and daily production
// deployments (or deploy workflow runs) with some failures and one
// rollback per team that uses GitHub deployments.
func (g *gen) delivery(start time.Time, w *World) {
	for i := range g.prs {
		if pr := &g.prs[i]; !pr.Merged.IsZero() {
			pr.MergeCommitSHA = mergeSHA(pr.Repo, pr.Number)
		}
	}
	g.reverts()
	for ri, repo := range g.team.Repos {
		var merged []githubtest.PullRequest
		for _, pr := range g.prs {
			if pr.Repo == repo && !pr.Merged.IsZero() {
				merged = append(merged, pr)
			}
		}
		sort.Slice(merged, func(i, j int) bool {
			if !merged[i].Merged.Equal(merged[j].Merged) {
				return merged[i].Merged.Before(merged[j].Merged)
			}
			return merged[i].Number < merged[j].Number
		})
		var history []string
		for _, pr := range merged {
			history = append(history, pr.MergeCommitSHA)
		}
		w.Commits[repo] = history
		g.deployments(start, repo, ri == 0, merged, w)
	}
}

// reverts reverts about one merged pull request in forty, a day or so
// after it merged.
func (g *gen) reverts() {
	n := len(g.prs)
	for i := 0; i < n; i++ {
		orig := g.prs[i]
		if orig.Merged.IsZero() || orig.UserType == "Bot" || g.rng.Float64() >= 0.025 {
			continue
		}
		created := orig.Merged.Add(g.days(0.6, 0.6))
		merged := created.Add(time.Duration(30+g.rng.IntN(120)) * time.Minute)
		if !merged.Before(g.now) {
			continue
		}
		author := g.otherThan(g.personByLogin(orig.User))
		reviewer := g.otherThan(author)
		g.prNum[orig.Repo]++
		pr := githubtest.PullRequest{
			Repo: orig.Repo, Number: g.prNum[orig.Repo], User: author.Login,
			Title:     fmt.Sprintf("Revert %q", orig.Title),
			Head:      fmt.Sprintf("revert-%d-%s", orig.Number, orig.Head),
			Body:      fmt.Sprintf("Reverts %s#%d\n\nThis reverts commit %s.", orig.Repo, orig.Number, orig.MergeCommitSHA),
			Created:   created,
			Merged:    merged,
			Additions: orig.Deletions, Deletions: orig.Additions, ChangedFiles: orig.ChangedFiles,
			CommitDates: []time.Time{created.Add(-5 * time.Minute)},
			Reviews:     []githubtest.Review{{User: reviewer.Login, State: "APPROVED", Submitted: merged.Add(-10 * time.Minute)}},
		}
		pr.MergeCommitSHA = mergeSHA(pr.Repo, pr.Number)
		g.prs = append(g.prs, pr)
	}
}

func (g *gen) personByLogin(login string) Person {
	for _, p := range g.team.People {
		if p.Login == login {
			return p
		}
	}
	return g.team.People[0]
}

// deployments deploys repo most working afternoons: the newest merge on
// main, when there is one not yet deployed. About one attempt in fifteen
// fails (the next one carries its changes); withRollback makes one
// deployment, two thirds into the period, go back to the one before.
func (g *gen) deployments(start time.Time, repo string, withRollback bool, merged []githubtest.PullRequest, w *World) {
	var last, before string // SHAs of the last two successful deployments
	rolledBack := !withRollback || g.team.DeployWorkflow != ""
	rollbackAfter := start.Add(g.now.Sub(start) * 2 / 3)
	for day := start; day.Before(g.now); day = day.Add(24 * time.Hour) {
		local := day.In(g.loc)
		if wd := local.Weekday(); wd == time.Saturday || wd == time.Sunday || g.rng.Float64() >= 0.85 {
			continue
		}
		y, m, d := local.Date()
		at := time.Date(y, m, d, 15, 0, 0, 0, g.loc).Add(time.Duration(g.rng.IntN(120)) * time.Minute).UTC()
		done := at.Add(time.Duration(4+g.rng.IntN(8)) * time.Minute)
		if !done.Before(g.now) {
			break
		}
		sha := ""
		for _, pr := range merged {
			if pr.Merged.Before(at) {
				sha = pr.MergeCommitSHA
			}
		}
		rollback := false
		if !rolledBack && at.After(rollbackAfter) && before != "" {
			sha, rollback, rolledBack = before, true, true
		}
		if sha == "" || sha == last && !rollback {
			continue
		}
		failed := !rollback && g.rng.Float64() < 0.07
		if g.team.DeployWorkflow != "" {
			g.runID++
			run := githubtest.WorkflowRun{
				Repo: repo, ID: g.runID, Workflow: g.team.DeployWorkflow, HeadSHA: sha, HeadBranch: "main",
				Status: "completed", Conclusion: "success", Created: at, Updated: done,
			}
			if failed {
				run.Conclusion = "failure"
			}
			w.WorkflowRuns = append(w.WorkflowRuns, run)
		} else {
			g.deployID++
			dep := githubtest.Deployment{
				Repo: repo, ID: g.deployID, SHA: sha, Ref: "main", Environment: ProductionEnvironment, Created: at,
				Statuses: []githubtest.DeploymentStatus{{State: "queued", Created: at}, {State: "in_progress", Created: at.Add(time.Minute)}},
			}
			if rollback {
				dep.Ref = sha
			}
			final := "success"
			if failed {
				final = "failure"
			}
			dep.Statuses = append(dep.Statuses, githubtest.DeploymentStatus{State: final, Created: done})
			w.Deployments = append(w.Deployments, dep)
		}
		if !failed {
			before, last = last, sha
		}
	}
}

// incidents files production incidents in the OPS project after some
// deployments: some name the pull request or the commit they blame, some
// name nothing, and the rollback gets the incident that caused it.
func (g *gen) incidents(w *World) []jiratest.Issue {
	prBySHA := map[string]githubtest.PullRequest{}
	for _, pr := range w.PRs {
		if pr.MergeCommitSHA != "" {
			prBySHA[pr.MergeCommitSHA] = pr
		}
	}
	type shipped struct {
		repo, sha string
		at        time.Time
	}
	var deps []shipped
	for _, d := range w.Deployments {
		if st := d.Statuses[len(d.Statuses)-1]; st.State == "success" {
			deps = append(deps, shipped{d.Repo, d.SHA, st.Created})
		}
	}
	for _, r := range w.WorkflowRuns {
		if r.Conclusion == "success" {
			deps = append(deps, shipped{r.Repo, r.HeadSHA, r.Updated})
		}
	}
	sort.SliceStable(deps, func(i, j int) bool { return deps[i].at.Before(deps[j].at) })

	pos := func(repo, sha string) int {
		for i, s := range w.Commits[repo] {
			if s == sha {
				return i
			}
		}
		return -1
	}
	lastSHA := map[string]string{}
	file := func(created time.Time, summary string) {
		is := g.newIssue(created, "Incident")
		is.Summary = summary
		is.Assignee = ""
		wk := &walker{g: g, issue: is, at: created, status: "To Do"}
		if wk.move(10*time.Minute, "In Progress") && wk.move(time.Duration(1+g.rng.IntN(8))*time.Hour, "Done") {
			is.Resolution = "Done"
		}
		g.finish(is, wk)
	}
	for i, d := range deps {
		prev := lastSHA[d.repo]
		lastSHA[d.repo] = d.sha
		if prev != "" && pos(d.repo, d.sha) < pos(d.repo, prev) {
			// A rollback: the deployment it undid caused an incident.
			var badAt time.Time
			for _, e := range deps[:i] {
				if e.repo == d.repo && e.sha == prev {
					badAt = e.at
				}
			}
			file(badAt.Add(d.at.Sub(badAt)/3), fmt.Sprintf("Checkout errors since deploy of %s to %s", prev, d.repo))
			continue
		}
		if g.rng.Float64() >= 0.08 {
			continue
		}
		created := d.at.Add(time.Duration(1+g.rng.IntN(20)) * time.Hour)
		if !created.Before(g.now) {
			continue
		}
		switch r := g.rng.Float64(); {
		case r < 0.4 && prBySHA[d.sha].Number != 0:
			pr := prBySHA[d.sha]
			file(created, fmt.Sprintf("Errors after https://github.com/%s/pull/%d", pr.Repo, pr.Number))
		case r < 0.7:
			file(created, fmt.Sprintf("Elevated 5xx in %s since %s", d.repo, d.sha))
		default:
			file(created, fmt.Sprintf("Latency spike in %s", d.repo))
		}
	}
	return g.issues
}
