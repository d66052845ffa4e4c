package githubtest

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	docGetRepo        = "https://docs.github.com/rest/repos/repos#get-a-repository"
	docPullCommits    = "https://docs.github.com/rest/pulls/pulls#list-commits-on-a-pull-request"
	docTimeline       = "https://docs.github.com/rest/issues/timeline#list-timeline-events-for-an-issue"
	docDeployments    = "https://docs.github.com/rest/deployments/deployments#list-deployments"
	docDeployStatuses = "https://docs.github.com/rest/deployments/statuses#list-deployment-statuses"
	docWorkflowRuns   = "https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow"
	docCompare        = "https://docs.github.com/rest/commits/commits#compare-two-commits"
)

// maxPullCommits is how many commits GitHub lists for a pull request.
const maxPullCommits = 250

// maxCompareCommits is how many commits GitHub's compare lists unpaged.
const maxCompareCommits = 250

// Event is one draft event of a pull request's timeline: Event is
// "ready_for_review" or "convert_to_draft" (GitHub's names).
type Event struct {
	Event string
	At    time.Time
}

// Deployment is one deployment of a repository, with its statuses. Put
// order does not matter; statuses are served newest first, as GitHub
// does.
type Deployment struct {
	Repo        string // owner/name
	ID          int64
	SHA, Ref    string
	Environment string
	Created     time.Time
	Statuses    []DeploymentStatus
}

// DeploymentStatus is one status of a deployment: State is GitHub's
// (queued, in_progress, pending, success, failure, error, inactive).
type DeploymentStatus struct {
	State   string
	Created time.Time
}

// WorkflowRun is one run of a workflow; Workflow is its file name, e.g.
// "deploy.yml". Status is queued, in_progress or completed; Conclusion
// (success, failure, cancelled, …) is set once completed.
type WorkflowRun struct {
	Repo                string
	ID                  int64
	Workflow            string
	HeadSHA, HeadBranch string
	Status, Conclusion  string
	Created, Updated    time.Time
}

// repoLocked returns the repository full names, creating it. It panics on
// a name that is not owner/name. Called with s.mu held.
func (s *Server) repoLocked(full string) *repoState {
	owner, name, ok := strings.Cut(full, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		panic(fmt.Sprintf("githubtest: repo %q is not owner/name", full))
	}
	key := strings.ToLower(full)
	rs := s.repos[key]
	if rs == nil {
		rs = &repoState{
			id: s.nextRepo, owner: owner, name: name, pulls: map[int]*storedPull{},
			defaultBranch: "main", commitIdx: map[string]int{},
			deployments: map[int64]*Deployment{}, runs: map[int64]*WorkflowRun{},
		}
		s.nextRepo++
		s.repos[key] = rs
		s.byID[rs.id] = rs
	}
	return rs
}

// SetDefaultBranch sets repo's default branch ("main" unless set).
func (s *Server) SetDefaultBranch(repo, branch string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repoLocked(repo).defaultBranch = branch
}

// PutCommits appends shas, oldest first, to repo's default-branch history,
// a straight line: compare answers from positions on it. A SHA already on
// it is left where it is.
func (s *Server) PutCommits(repo string, shas ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.repoLocked(repo)
	for _, c := range shas {
		if _, ok := rs.commitIdx[c]; ok {
			continue
		}
		rs.commitIdx[c] = len(rs.commits)
		rs.commits = append(rs.commits, c)
	}
}

// PutDeployments adds deployments or replaces them by (Repo, ID). It
// panics on an ID below 1.
func (s *Server) PutDeployments(deps ...Deployment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range deps {
		if d.ID < 1 {
			panic(fmt.Sprintf("githubtest: PutDeployments: %s deployment id %d is not positive", d.Repo, d.ID))
		}
		rs := s.repoLocked(d.Repo)
		d.Statuses = slices.Clone(d.Statuses)
		slices.SortStableFunc(d.Statuses, func(a, b DeploymentStatus) int { return a.Created.Compare(b.Created) })
		rs.deployments[d.ID] = &d
	}
}

// PutWorkflowRuns adds workflow runs or replaces them by (Repo, ID). It
// panics on an ID below 1. Status defaults to "completed" when Conclusion
// is set, Updated to Created.
func (s *Server) PutWorkflowRuns(runs ...WorkflowRun) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range runs {
		if r.ID < 1 {
			panic(fmt.Sprintf("githubtest: PutWorkflowRuns: %s run id %d is not positive", r.Repo, r.ID))
		}
		if r.Status == "" && r.Conclusion != "" {
			r.Status = "completed"
		}
		if r.Updated.IsZero() {
			r.Updated = r.Created
		}
		s.repoLocked(r.Repo).runs[r.ID] = &r
	}
}

func (s *Server) getRepo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rs := s.repoFor(r)
	if rs == nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "Not Found", docGetRepo)
		return
	}
	out := s.repoJSON(rs)
	s.mu.Unlock()
	s.writeJSON(w, r, out)
}

// pullCommits serves a pull request's commits oldest first, at most 250,
// as GitHub does.
func (s *Server) pullCommits(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rs, sp := s.pullFor(r)
	if sp == nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "Not Found", docPullCommits)
		return
	}
	full := rs.owner + "/" + rs.name
	n := min(sp.Commits, maxPullCommits)
	q := r.URL.Query()
	page, last, lo, hi := s.paginate(q.Get("page"), q.Get("per_page"), n)
	rd := s.renderer()
	out := make([]commitJSON, 0, hi-lo)
	for i := lo; i < hi; i++ {
		at := sp.Created
		if i < len(sp.CommitDates) {
			at = sp.CommitDates[i]
		}
		parent := ""
		if i > 0 {
			parent = pullCommitSHA(full, sp.Number, i-1)
		}
		out = append(out, rd.commit(full, pullCommitSHA(full, sp.Number, i), sp.User, fmt.Sprintf("Commit %d of #%d", i+1, sp.Number), at, parent))
	}
	id, number := rs.id, sp.Number
	s.mu.Unlock()
	s.setLink(w, r, fmt.Sprintf("repositories/%d/pulls/%d/commits", id, number), page, last)
	s.writeJSON(w, r, out)
}

func pullCommitSHA(full string, number, i int) string { return sha(full, number, "commit", i) }

// timeline serves the draft events of a pull request's issue timeline,
// oldest first. (GitHub's timeline holds much more; flowbot reads only
// these.)
func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rs, sp := s.pullFor(r)
	if sp == nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "Not Found", docTimeline)
		return
	}
	full := rs.owner + "/" + rs.name
	q := r.URL.Query()
	page, last, lo, hi := s.paginate(q.Get("page"), q.Get("per_page"), len(sp.Events))
	rd := s.renderer()
	out := make([]timelineEventJSON, 0, hi-lo)
	for i := lo; i < hi; i++ {
		ev := sp.Events[i]
		id := sp.id*1000 + int64(i) + 1
		out = append(out, timelineEventJSON{
			ID: id, NodeID: nodeID("ReadyForReviewEvent", id),
			URL:   fmt.Sprintf("%srepos/%s/issues/events/%d", rd.api, full, id),
			Actor: rd.user(sp.User, sp.UserType), Event: ev.Event, CreatedAt: stamp(ev.At),
		})
	}
	id, number := rs.id, sp.Number
	s.mu.Unlock()
	s.setLink(w, r, fmt.Sprintf("repositories/%d/issues/%d/timeline", id, number), page, last)
	s.writeJSON(w, r, out)
}

// listDeployments serves deployments newest first, filtered by sha, ref,
// task and environment as GitHub does.
func (s *Server) listDeployments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	rs := s.repoFor(r)
	if rs == nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "Not Found", docDeployments)
		return
	}
	var deps []*Deployment
	for _, d := range rs.deployments {
		if (q.Get("sha") == "" || q.Get("sha") == d.SHA) && (q.Get("ref") == "" || q.Get("ref") == d.Ref) &&
			(q.Get("environment") == "" || q.Get("environment") == d.Environment) &&
			(q.Get("task") == "" || q.Get("task") == "deploy") {
			deps = append(deps, d)
		}
	}
	slices.SortFunc(deps, func(a, b *Deployment) int { return cmp.Compare(b.ID, a.ID) })
	page, last, lo, hi := s.paginate(q.Get("page"), q.Get("per_page"), len(deps))
	rd := s.renderer()
	full := rs.owner + "/" + rs.name
	out := make([]deploymentJSON, 0, hi-lo)
	for _, d := range deps[lo:hi] {
		out = append(out, rd.deployment(full, rs.owner, d))
	}
	id := rs.id
	s.mu.Unlock()
	s.setLink(w, r, fmt.Sprintf("repositories/%d/deployments", id), page, last)
	s.writeJSON(w, r, out)
}

func (s *Server) listDeploymentStatuses(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rs := s.repoFor(r)
	var d *Deployment
	if rs != nil {
		if n, err := strconv.ParseInt(r.PathValue("deployment"), 10, 64); err == nil {
			d = rs.deployments[n]
		}
	}
	if d == nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "Not Found", docDeployStatuses)
		return
	}
	q := r.URL.Query()
	page, last, lo, hi := s.paginate(q.Get("page"), q.Get("per_page"), len(d.Statuses))
	rd := s.renderer()
	full := rs.owner + "/" + rs.name
	out := make([]deploymentStatusJSON, 0, hi-lo)
	for k := lo; k < hi; k++ {
		out = append(out, rd.deploymentStatus(full, rs.owner, d, len(d.Statuses)-1-k)) // newest first
	}
	id := rs.id
	s.mu.Unlock()
	s.setLink(w, r, fmt.Sprintf("repositories/%d/deployments/%d/statuses", id, d.ID), page, last)
	s.writeJSON(w, r, out)
}

// runStatuses are the values GitHub's status parameter takes that filter
// by status; the others filter by conclusion.
var runStatuses = map[string]bool{"completed": true, "in_progress": true, "queued": true, "requested": true, "waiting": true, "pending": true}

// listWorkflowRuns serves a workflow's runs newest first, filtered by
// branch and status (a status or a conclusion, as GitHub's parameter).
// The workflow is named by its file name; one with no runs is 404.
func (s *Server) listWorkflowRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	wf := r.PathValue("workflow")
	s.mu.Lock()
	rs := s.repoFor(r)
	var runs []*WorkflowRun
	known := false
	if rs != nil {
		for _, run := range rs.runs {
			if run.Workflow != wf {
				continue
			}
			known = true
			st := q.Get("status")
			switch {
			case q.Get("branch") != "" && q.Get("branch") != run.HeadBranch:
			case st != "" && runStatuses[st] && st != run.Status:
			case st != "" && !runStatuses[st] && st != run.Conclusion:
			default:
				runs = append(runs, run)
			}
		}
	}
	if !known {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "Not Found", docWorkflowRuns)
		return
	}
	slices.SortFunc(runs, func(a, b *WorkflowRun) int {
		return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(b.ID, a.ID))
	})
	page, last, lo, hi := s.paginate(q.Get("page"), q.Get("per_page"), len(runs))
	rd := s.renderer()
	full := rs.owner + "/" + rs.name
	repo := s.repoJSON(rs)
	out := workflowRunsJSON{TotalCount: len(runs), WorkflowRuns: make([]workflowRunJSON, 0, hi-lo)}
	for _, run := range runs[lo:hi] {
		out.WorkflowRuns = append(out.WorkflowRuns, rd.workflowRun(full, rs.owner, repo, run))
	}
	id := rs.id
	s.mu.Unlock()
	s.setLink(w, r, fmt.Sprintf("repositories/%d/actions/workflows/%s/runs", id, wf), page, last)
	s.writeJSON(w, r, out)
}

// compare answers GET …/compare/{base}...{head} on the repository's
// straight history: ahead (head after base, the commits between, oldest
// first, at most 250 listed), behind, or identical. A branch name
// resolves to the tip of the history when it is the default branch.
func (s *Server) compare(w http.ResponseWriter, r *http.Request) {
	base, head, ok := strings.Cut(r.PathValue("basehead"), "...")
	if !ok {
		s.writeError(w, http.StatusNotFound, "Not Found", docCompare)
		return
	}
	s.mu.Lock()
	rs := s.repoFor(r)
	if rs == nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "Not Found", docCompare)
		return
	}
	bi, bok := rs.resolve(base)
	hi, hok := rs.resolve(head)
	if !bok || !hok {
		missing := base
		if bok {
			missing = head
		}
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "No commit found for SHA: "+missing, docCompare)
		return
	}
	full := rs.owner + "/" + rs.name
	rd := s.renderer()
	c := func(i int) commitJSON {
		parent := ""
		if i > 0 {
			parent = rs.commits[i-1]
		}
		return rd.commit(full, rs.commits[i], rs.owner, "Merge "+short(rs.commits[i]), time.Time{}, parent)
	}
	html := rd.web + full + "/compare/" + base + "..." + head
	out := compareJSON{
		URL: rd.api + "repos/" + full + "/compare/" + base + "..." + head, HTMLURL: html,
		PermalinkURL: rd.web + full + "/compare/" + rs.owner + ":" + rs.commits[bi] + "..." + rs.owner + ":" + rs.commits[hi],
		DiffURL:      html + ".diff", PatchURL: html + ".patch",
		BaseCommit: c(bi), MergeBaseCommit: c(min(bi, hi)),
		Commits: []commitJSON{}, Files: []any{},
	}
	switch {
	case hi > bi:
		out.Status, out.AheadBy, out.TotalCommits = "ahead", hi-bi, hi-bi
		for i := bi + 1; i <= hi && len(out.Commits) < maxCompareCommits; i++ {
			out.Commits = append(out.Commits, c(i))
		}
	case hi < bi:
		out.Status, out.BehindBy = "behind", bi-hi
	default:
		out.Status = "identical"
	}
	s.mu.Unlock()
	s.writeJSON(w, r, out)
}

// resolve finds ref on the history: a SHA, or the default branch (its
// tip). Called with s.mu held.
func (rs *repoState) resolve(ref string) (int, bool) {
	if i, ok := rs.commitIdx[ref]; ok {
		return i, true
	}
	if ref == rs.defaultBranch && len(rs.commits) > 0 {
		return len(rs.commits) - 1, true
	}
	return 0, false
}
