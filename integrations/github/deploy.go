package github

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	gogithub "github.com/google/go-github/v60/github"

	"github.com/flowbot/flowbot/coach"
)

// unsettledFor is how long a deployment without a final status (success,
// failure, error or inactive) is waited for: while younger, the cursor
// stays before it so the next sync reads it again; older, it is taken as
// never having succeeded.
const unsettledFor = 24 * time.Hour

// DeployCursor is where the last SyncDeployments or SyncWorkflowDeploys of
// a repository stopped. Callers store String() and hand it back; a first
// sync may start at a horizon with DeployCursor{Since: horizon}.String():
// deployments created (runs completed) before it are not read, and the
// first one after it has HasCommits false.
type DeployCursor struct {
	Since time.Time

	filter string            // the environment regexp or workflow the cursor belongs to
	stopID int64             // deployments: ids up to this one are final
	prev   map[string]string // deployments: environment -> SHA of the last success at stopID
	done   time.Time         // workflow: completion of the last run handed over
	lastID int64             // workflow: its id
	sha    string            // workflow: its SHA
	etag   string
}

// String encodes c; the zero DeployCursor encodes as "".
func (c DeployCursor) String() string {
	v := url.Values{}
	if !c.Since.IsZero() {
		v.Set("since", c.Since.UTC().Format(time.RFC3339Nano))
	}
	if c.filter != "" {
		v.Set("filter", c.filter)
	}
	if c.stopID != 0 {
		v.Set("stop", strconv.FormatInt(c.stopID, 10))
	}
	for env, sha := range c.prev {
		v.Set("prev."+env, sha)
	}
	if !c.done.IsZero() {
		v.Set("done", c.done.UTC().Format(time.RFC3339Nano))
	}
	if c.lastID != 0 {
		v.Set("id", strconv.FormatInt(c.lastID, 10))
	}
	if c.sha != "" {
		v.Set("sha", c.sha)
	}
	if c.etag != "" {
		v.Set("etag", c.etag)
	}
	if len(v) == 0 {
		return ""
	}
	v.Set("v", cursorVersion)
	return v.Encode()
}

// ParseDeployCursor decodes what DeployCursor.String produced. "" is the
// zero DeployCursor.
func ParseDeployCursor(s string) (DeployCursor, error) {
	var c DeployCursor
	if s == "" {
		return c, nil
	}
	v, err := url.ParseQuery(s)
	if err != nil {
		return c, fmt.Errorf("parsing github deploy cursor %q: %w", s, err)
	}
	if got := v.Get("v"); got != cursorVersion {
		return c, fmt.Errorf("parsing github deploy cursor %q: version %q, want %q", s, got, cursorVersion)
	}
	bad := func(err error) (DeployCursor, error) {
		return DeployCursor{}, fmt.Errorf("parsing github deploy cursor %q: %w", s, err)
	}
	for _, t := range []struct {
		key string
		to  *time.Time
	}{{"since", &c.Since}, {"done", &c.done}} {
		if x := v.Get(t.key); x != "" {
			if *t.to, err = time.Parse(time.RFC3339Nano, x); err != nil {
				return bad(err)
			}
		}
	}
	for _, t := range []struct {
		key string
		to  *int64
	}{{"stop", &c.stopID}, {"id", &c.lastID}} {
		if x := v.Get(t.key); x != "" {
			if *t.to, err = strconv.ParseInt(x, 10, 64); err != nil {
				return bad(err)
			}
		}
	}
	c.filter, c.sha, c.etag = v.Get("filter"), v.Get("sha"), v.Get("etag")
	for k := range v {
		if env, ok := strings.CutPrefix(k, "prev."); ok {
			if c.prev == nil {
				c.prev = map[string]string{}
			}
			c.prev[env] = v.Get(k)
		}
	}
	return c, nil
}

// restart keeps only the horizon: what a cursor made for another filter
// is worth.
func (c DeployCursor) restart(filter string) DeployCursor {
	return DeployCursor{Since: c.Since, filter: filter}
}

// SyncDeployments reads repo's deployments to environments matching env
// that were created since cursor, with their statuses and the commits each
// successful one carried, and hands them to fn oldest first, in batches.
// It returns the cursor to store once fn has stored everything and how
// many deployments fn received; on error, the cursor given.
//
//   - Deployments are listed newest first (GitHub's order) and read down
//     to the cursor. Environments not matching env are skipped without
//     reading their statuses.
//   - Succeeded is the created_at of the earliest success status, not the
//     deployment's updated_at (which moves with every status).
//   - Commits come from GitHub's compare between the previous successful
//     deployment to the same environment (names compared case-insensitively,
//     as GitHub does) and this one: status ahead or
//     diverged -> the commits listed (GitHub lists at most 250 unpaged;
//     CommitsTruncated when
//     total_commits is more); behind -> a rollback: Behind, no commits;
//     identical -> a redeploy, no commits. With no previous successful
//     deployment known (the first one, or the first after Since),
//     HasCommits is false: the caller counts only the deployed SHA, never
//     the history before it. The chain follows creation order.
//   - A deployment with no final status yet, younger than a day, is handed
//     over as not succeeded, and the cursor stays before it so the next
//     sync reads it (and the ones after it) again; fn must replace
//     deployments by (Repo, ID). Older ones are taken as never succeeded.
//   - The first list page is asked for with If-None-Match when nothing was
//     left pending: a 304 returns the cursor as given at no rate cost.
func (c *Client) SyncDeployments(ctx context.Context, repo string, env *regexp.Regexp, cursor string, fn func([]coach.Deployment) error) (next string, n int, err error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return cursor, 0, err
	}
	if env == nil {
		return cursor, 0, fmt.Errorf("syncing deployments of %s: no environment pattern", repo)
	}
	cur, err := ParseDeployCursor(cursor)
	if err != nil {
		return cursor, 0, err
	}
	if cur.filter != env.String() {
		cur = cur.restart(env.String())
	}

	// Read the new deployments, newest first.
	var found []*gogithub.Deployment
	etag := ""
	path := fmt.Sprintf("repos/%s/%s/deployments", url.PathEscape(owner), url.PathEscape(name))
pages:
	for page := 1; page != 0; {
		var list []*gogithub.Deployment
		ifNone := ""
		if page == 1 {
			ifNone = cur.etag
		}
		resp, err := c.getPage(ctx, path, nil, page, ifNone, &list)
		if page == 1 && notModified(err) {
			c.log.Debug("github deployments unchanged", "repo", repo)
			return cursor, 0, nil
		}
		if err != nil {
			return cursor, 0, fmt.Errorf("listing deployments of %s: %w", repo, c.explain(err))
		}
		if page == 1 {
			etag = resp.Header.Get("ETag")
		}
		for _, d := range list {
			if d.GetID() <= cur.stopID || (!cur.Since.IsZero() && d.GetCreatedAt().Time.Before(cur.Since)) {
				break pages
			}
			if env.MatchString(d.GetEnvironment()) {
				found = append(found, d)
			}
		}
		page = resp.NextPage
	}
	slices.Reverse(found) // oldest first

	out := DeployCursor{Since: cur.Since, filter: cur.filter, stopID: cur.stopID, prev: map[string]string{}}
	for e, sha := range cur.prev {
		out.prev[e] = sha
	}
	prev := map[string]string{}
	for e, sha := range out.prev {
		prev[e] = sha
	}
	frozen := false // a deployment is still pending: the cursor stays before it
	var deps []coach.Deployment
	for _, d := range found {
		dep := coach.Deployment{
			Repo: repo, ID: d.GetID(), Source: coach.DeploymentSourceAPI,
			Environment: d.GetEnvironment(), SHA: d.GetSHA(), Ref: d.GetRef(),
			Created: d.GetCreatedAt().Time,
		}
		succeeded, final, err := c.deploymentStatuses(ctx, owner, name, repo, dep.ID)
		if err != nil {
			return cursor, 0, err
		}
		dep.Succeeded = succeeded
		pending := !final && c.now().Sub(dep.Created) < unsettledFor
		frozen = frozen || pending
		// GitHub's environment names are case-insensitive.
		envKey := strings.ToLower(dep.Environment)
		if !dep.Succeeded.IsZero() {
			if base, ok := prev[envKey]; ok {
				if err := c.compare(ctx, owner, name, repo, base, &dep); err != nil {
					return cursor, 0, err
				}
			}
			prev[envKey] = dep.SHA
		}
		if !frozen {
			out.stopID = dep.ID
			if !dep.Succeeded.IsZero() {
				out.prev[envKey] = dep.SHA
			}
		}
		deps = append(deps, dep)
	}
	if !frozen {
		out.etag = etag
	}
	for chunk := range slices.Chunk(deps, perPage) {
		if err := fn(chunk); err != nil {
			return cursor, n, fmt.Errorf("storing deployments of %s: %w", repo, err)
		}
		n += len(chunk)
	}
	return out.String(), n, nil
}

// finalStates end a deployment: it will get no further status that
// changes whether it succeeded.
var finalStates = map[string]bool{"success": true, "failure": true, "error": true, "inactive": true}

// deploymentStatuses reads every status of a deployment and returns the
// created_at of its earliest success (zero if none) and whether it has a
// final status.
func (c *Client) deploymentStatuses(ctx context.Context, owner, name, repo string, id int64) (succeeded time.Time, final bool, err error) {
	opts := &gogithub.ListOptions{PerPage: perPage}
	for {
		page, resp, err := c.gh.Repositories.ListDeploymentStatuses(ctx, owner, name, id, opts)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("listing statuses of deployment %d of %s: %w", id, repo, c.explain(err))
		}
		for _, st := range page {
			state := strings.ToLower(st.GetState())
			final = final || finalStates[state]
			if at := st.GetCreatedAt().Time; state == "success" && (succeeded.IsZero() || at.Before(succeeded)) {
				succeeded = at
			}
		}
		if resp.NextPage == 0 {
			return succeeded, final, nil
		}
		opts.Page = resp.NextPage
	}
}

// compare fills dep's commits from GitHub's compare of base...dep.SHA.
func (c *Client) compare(ctx context.Context, owner, name, repo, base string, dep *coach.Deployment) error {
	cmp, _, err := c.gh.Repositories.CompareCommits(ctx, owner, name, base, dep.SHA, nil)
	if err != nil {
		return fmt.Errorf("comparing %s...%s in %s: %w", short(base), short(dep.SHA), repo, c.explain(err))
	}
	dep.HasCommits = true
	switch cmp.GetStatus() {
	case "behind":
		dep.Behind = true
		return nil
	case "identical":
		return nil
	}
	for _, rc := range cmp.Commits {
		dep.Commits = append(dep.Commits, rc.GetSHA())
	}
	dep.CommitsTruncated = cmp.GetTotalCommits() > len(dep.Commits)
	return nil
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// SyncWorkflowDeploys reads the successful runs of a deploy workflow on a
// branch as deployments (Source coach.DeploymentSourceWorkflow), for teams
// that deploy from GitHub Actions without GitHub's deployments API, and
// hands the ones completed since cursor to fn, oldest completion first.
//
// workflow is the workflow's file name (deploy.yml) or id; branch ""
// means the repository's default branch. Runs come from
// GET /repos/{owner}/{repo}/actions/workflows/{workflow}/runs with
// status=success, so only completed, successful runs are listed; a run
// listed once per id (a re-run keeps the id and counts once). Each maps to
// a deployment with ID the run id, SHA the head_sha, Ref the head_branch,
// Environment the workflow as given, Created the run's created_at and
// Succeeded its updated_at: the REST run object has no completed_at, and
// a completed run is not updated afterwards but by a re-run, which is the
// same deployment done again. Commits are compared between consecutive
// runs in completion order, as for SyncDeployments; the first run known
// has HasCommits false.
//
// Runs are listed newest created first; a run created before the last
// one handed over may complete after it, so reading goes on to runs
// created up to a day (unsettledFor) before the last completion handed
// over, and keeps those completed after it.
func (c *Client) SyncWorkflowDeploys(ctx context.Context, repo, workflow, branch, cursor string, fn func([]coach.Deployment) error) (next string, n int, err error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return cursor, 0, err
	}
	if workflow == "" || strings.Contains(workflow, "/") {
		return cursor, 0, fmt.Errorf("syncing deploy workflow of %s: workflow %q: want a file name such as deploy.yml or an id", repo, workflow)
	}
	cur, err := ParseDeployCursor(cursor)
	if err != nil {
		return cursor, 0, err
	}
	if branch == "" {
		if branch, err = c.DefaultBranch(ctx, repo); err != nil {
			return cursor, 0, err
		}
	}
	filter := workflow + "@" + branch
	if cur.filter != filter {
		cur = cur.restart(filter)
	}
	readTo := cur.Since
	if !cur.done.IsZero() {
		readTo = cur.done.Add(-unsettledFor)
	}

	path := fmt.Sprintf("repos/%s/%s/actions/workflows/%s/runs", url.PathEscape(owner), url.PathEscape(name), url.PathEscape(workflow))
	q := url.Values{"branch": {branch}, "status": {"success"}}
	var runs []*gogithub.WorkflowRun
	seen := map[int64]bool{}
	etag := ""
pages:
	for page := 1; page != 0; {
		var list gogithub.WorkflowRuns
		ifNone := ""
		if page == 1 {
			ifNone = cur.etag
		}
		resp, err := c.getPage(ctx, path, q, page, ifNone, &list)
		if page == 1 && notModified(err) {
			c.log.Debug("github deploy workflow runs unchanged", "repo", repo, "workflow", workflow)
			return cursor, 0, nil
		}
		if err != nil {
			return cursor, 0, fmt.Errorf("listing runs of workflow %s in %s: %w", workflow, repo, c.explain(err))
		}
		if page == 1 {
			etag = resp.Header.Get("ETag")
		}
		for _, r := range list.WorkflowRuns {
			if !readTo.IsZero() && r.GetCreatedAt().Time.Before(readTo) {
				break pages
			}
			done := r.GetUpdatedAt().Time
			switch {
			case seen[r.GetID()], r.GetStatus() != "completed", r.GetConclusion() != "success":
				continue
			case !cur.Since.IsZero() && done.Before(cur.Since):
				continue
			case !cur.done.IsZero() && (done.Before(cur.done) || done.Equal(cur.done) && r.GetID() <= cur.lastID):
				continue // handed over already
			}
			seen[r.GetID()] = true
			runs = append(runs, r)
		}
		page = resp.NextPage
	}
	slices.SortFunc(runs, func(a, b *gogithub.WorkflowRun) int {
		if c := a.GetUpdatedAt().Time.Compare(b.GetUpdatedAt().Time); c != 0 {
			return c
		}
		return int(a.GetID() - b.GetID())
	})

	out := cur
	out.etag = etag
	var deps []coach.Deployment
	for _, r := range runs {
		dep := coach.Deployment{
			Repo: repo, ID: r.GetID(), Source: coach.DeploymentSourceWorkflow,
			Environment: workflow, SHA: r.GetHeadSHA(), Ref: r.GetHeadBranch(),
			Created: r.GetCreatedAt().Time, Succeeded: r.GetUpdatedAt().Time,
		}
		if out.sha != "" {
			if err := c.compare(ctx, owner, name, repo, out.sha, &dep); err != nil {
				return cursor, 0, err
			}
		}
		out.sha, out.done, out.lastID = dep.SHA, dep.Succeeded, dep.ID
		deps = append(deps, dep)
	}
	for chunk := range slices.Chunk(deps, perPage) {
		if err := fn(chunk); err != nil {
			return cursor, n, fmt.Errorf("storing deploy workflow runs of %s: %w", repo, err)
		}
		n += len(chunk)
	}
	return out.String(), n, nil
}

// DefaultBranch returns repo's default branch, read once per Client.
func (c *Client) DefaultBranch(ctx context.Context, repo string) (string, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return "", err
	}
	key := strings.ToLower(repo)
	c.mu.Lock()
	b, ok := c.defaultBranch[key]
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	r, _, err := c.gh.Repositories.Get(ctx, owner, name)
	if err != nil {
		return "", fmt.Errorf("reading repository %s: %w", repo, c.explain(err))
	}
	b = r.GetDefaultBranch()
	if b == "" {
		return "", fmt.Errorf("reading repository %s: github named no default branch", repo)
	}
	c.mu.Lock()
	c.defaultBranch[key] = b
	c.mu.Unlock()
	return b, nil
}

// getPage GETs one page of a list at path with query q (per_page set
// here), conditionally when etag is set, decoding into v.
func (c *Client) getPage(ctx context.Context, path string, q url.Values, page int, etag string, v any) (*gogithub.Response, error) {
	qq := url.Values{"per_page": {strconv.Itoa(perPage)}}
	for k, vs := range q {
		qq[k] = vs
	}
	if page > 1 {
		qq.Set("page", strconv.Itoa(page))
	}
	req, err := c.gh.NewRequest(http.MethodGet, path+"?"+qq.Encode(), nil)
	if err != nil {
		return nil, err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	return c.gh.Do(ctx, req, v)
}
