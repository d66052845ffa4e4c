package github

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/github/githubtest"
	"github.com/google/go-cmp/cmp"
)

var prodRE = regexp.MustCompile(`(?i)^prod`)

type depSink struct{ all []coach.Deployment }

func (s *depSink) store(d []coach.Deployment) error {
	s.all = append(s.all, d...)
	return nil
}

// row is what the tests compare of a deployment.
type row struct {
	ID        int64
	SHA       string
	Succeeded time.Time
	Commits   []string
	Has       bool
	Trunc     bool
	Behind    bool
}

func rows(deps []coach.Deployment) []row {
	var out []row
	for _, d := range deps {
		out = append(out, row{d.ID, d.SHA, d.Succeeded, d.Commits, d.HasCommits, d.CommitsTruncated, d.Behind})
	}
	return out
}

func ok(at time.Time) []githubtest.DeploymentStatus {
	return []githubtest.DeploymentStatus{{State: "in_progress", Created: at}, {State: "success", Created: at.Add(5 * time.Minute)}}
}

func requestsMatching(s *githubtest.Server, part string) []string {
	var out []string
	for _, r := range s.Requests() {
		if strings.Contains(r, part) {
			out = append(out, r)
		}
	}
	return out
}

func TestSyncDeployments(t *testing.T) {
	s := githubtest.NewServer(githubtest.Options{})
	defer s.Close()
	const repo = "o/r"
	s.PutCommits(repo, "c1", "c2", "c3", "c4", "c5", "c6")
	t0 := now.Add(-72 * time.Hour)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	s.PutDeployments(
		githubtest.Deployment{Repo: repo, ID: 1, SHA: "c2", Ref: "main", Environment: "production", Created: at(0), Statuses: ok(at(0))},
		githubtest.Deployment{Repo: repo, ID: 2, SHA: "c3", Ref: "main", Environment: "staging", Created: at(1), Statuses: ok(at(1))},
		// Succeeded is the first success status, not a later inactive.
		githubtest.Deployment{Repo: repo, ID: 3, SHA: "c4", Ref: "main", Environment: "Production", Created: at(2), Statuses: append(ok(at(2)),
			githubtest.DeploymentStatus{State: "inactive", Created: at(10)}, githubtest.DeploymentStatus{State: "success", Created: at(11)})},
		// A rollback to c3.
		githubtest.Deployment{Repo: repo, ID: 4, SHA: "c3", Ref: "c3", Environment: "production", Created: at(3), Statuses: ok(at(3))},
		githubtest.Deployment{Repo: repo, ID: 5, SHA: "c5", Ref: "main", Environment: "production", Created: at(4),
			Statuses: []githubtest.DeploymentStatus{{State: "failure", Created: at(4).Add(time.Minute)}}},
	)
	c := newClient(t, Config{APIURL: s.URL()})

	var first depSink
	cursor, n, err := c.SyncDeployments(t.Context(), repo, prodRE, "", first.store)
	if err != nil {
		t.Fatalf("first SyncDeployments: %v", err)
	}
	want := []row{
		{ID: 1, SHA: "c2", Succeeded: at(0).Add(5 * time.Minute)}, // first known: no commits
		{ID: 3, SHA: "c4", Succeeded: at(2).Add(5 * time.Minute), Commits: []string{"c3", "c4"}, Has: true},
		{ID: 4, SHA: "c3", Succeeded: at(3).Add(5 * time.Minute), Has: true, Behind: true},
		{ID: 5, SHA: "c5"}, // failed: no success, no compare
	}
	if diff := cmp.Diff(rows(first.all), want); diff != "" {
		t.Errorf("first sync (-got +want):\n%s", diff)
	}
	if n != 4 {
		t.Errorf("n = %d, want 4", n)
	}
	if got := requestsMatching(s, "/deployments/2/"); len(got) > 0 {
		t.Errorf("read statuses of a staging deployment: %v", got)
	}
	if d := first.all[1]; d.Source != coach.DeploymentSourceAPI || d.Environment != "Production" || d.Created != at(2) || d.Repo != repo {
		t.Errorf("deployment 3 = %+v", d)
	}

	t.Run("nothing_new_is_one_free_request", func(t *testing.T) {
		s.ResetRequests()
		var again depSink
		next, n, err := c.SyncDeployments(t.Context(), repo, prodRE, cursor, again.store)
		if err != nil {
			t.Fatal(err)
		}
		got := []any{next == cursor, n, s.Requests()}
		if diff := cmp.Diff(got, []any{true, 0, []string{"GET /repos/o/r/deployments?per_page=100 304"}}); diff != "" {
			t.Errorf("cursor kept, n, requests (-got +want):\n%s", diff)
		}
	})

	t.Run("next_deployment_compares_from_the_rollback", func(t *testing.T) {
		s.PutDeployments(githubtest.Deployment{Repo: repo, ID: 6, SHA: "c6", Ref: "main", Environment: "production", Created: at(5), Statuses: ok(at(5))})
		s.ResetRequests()
		var next depSink
		c2, _, err := c.SyncDeployments(t.Context(), repo, prodRE, cursor, next.store)
		if err != nil {
			t.Fatal(err)
		}
		want := []row{{ID: 6, SHA: "c6", Succeeded: at(5).Add(5 * time.Minute), Commits: []string{"c4", "c5", "c6"}, Has: true}}
		if diff := cmp.Diff(rows(next.all), want); diff != "" {
			t.Errorf("incremental sync (-got +want):\n%s", diff)
		}
		if got := requestsMatching(s, "statuses"); len(got) != 1 {
			t.Errorf("statuses read: %v, want only deployment 6's", got)
		}
		cursor = c2
	})

	t.Run("another_environment_pattern_starts_over", func(t *testing.T) {
		var other depSink
		if _, _, err := c.SyncDeployments(t.Context(), repo, regexp.MustCompile(`^staging$`), cursor, other.store); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(rows(other.all), []row{{ID: 2, SHA: "c3", Succeeded: at(1).Add(5 * time.Minute)}}); diff != "" {
			t.Errorf("staging (-got +want):\n%s", diff)
		}
	})
}

// TestSyncDeploymentsPending: a deployment still in progress is handed
// over unsucceeded, and read again (with those after it) until it settles.
func TestSyncDeploymentsPending(t *testing.T) {
	s := githubtest.NewServer(githubtest.Options{})
	defer s.Close()
	const repo = "o/r"
	s.PutCommits(repo, "c1", "c2", "c3")
	s.PutDeployments(
		githubtest.Deployment{Repo: repo, ID: 1, SHA: "c1", Environment: "prod", Created: now.Add(-5 * time.Hour), Statuses: ok(now.Add(-5 * time.Hour))},
		githubtest.Deployment{Repo: repo, ID: 2, SHA: "c2", Environment: "prod", Created: now.Add(-time.Hour),
			Statuses: []githubtest.DeploymentStatus{{State: "in_progress", Created: now.Add(-time.Hour)}}},
		githubtest.Deployment{Repo: repo, ID: 3, SHA: "c3", Environment: "prod", Created: now.Add(-30 * time.Minute), Statuses: ok(now.Add(-30 * time.Minute))},
	)
	c := newClient(t, Config{APIURL: s.URL()})
	var first depSink
	cursor, _, err := c.SyncDeployments(t.Context(), repo, prodRE, "", first.store)
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{ID: 1, SHA: "c1", Succeeded: now.Add(-5*time.Hour + 5*time.Minute)},
		{ID: 2, SHA: "c2"},
		{ID: 3, SHA: "c3", Succeeded: now.Add(-25 * time.Minute), Commits: []string{"c2", "c3"}, Has: true},
	}
	if diff := cmp.Diff(rows(first.all), want); diff != "" {
		t.Errorf("first sync (-got +want):\n%s", diff)
	}

	// Deployment 2 succeeds late: the next sync reads 2 and 3 again.
	s.PutDeployments(githubtest.Deployment{Repo: repo, ID: 2, SHA: "c2", Environment: "prod", Created: now.Add(-time.Hour), Statuses: ok(now.Add(-time.Hour))})
	s.ResetRequests()
	var second depSink
	if _, _, err := c.SyncDeployments(t.Context(), repo, prodRE, cursor, second.store); err != nil {
		t.Fatal(err)
	}
	want = []row{
		{ID: 2, SHA: "c2", Succeeded: now.Add(-55 * time.Minute), Commits: []string{"c2"}, Has: true},
		{ID: 3, SHA: "c3", Succeeded: now.Add(-25 * time.Minute), Commits: []string{"c3"}, Has: true},
	}
	if diff := cmp.Diff(rows(second.all), want); diff != "" {
		t.Errorf("after it settled (-got +want):\n%s", diff)
	}
	if got := requestsMatching(s, "304"); len(got) > 0 {
		t.Errorf("a cursor with a pending deployment must not be conditional: %v", got)
	}

	t.Run("stale_pending_is_not_waited_for", func(t *testing.T) {
		s.PutDeployments(githubtest.Deployment{Repo: repo, ID: 9, SHA: "c3", Environment: "prod", Created: now.Add(-25 * time.Hour)})
		var d depSink
		cur, _, err := c.SyncDeployments(t.Context(), repo, prodRE, "", d.store)
		if err != nil {
			t.Fatal(err)
		}
		pc, err := ParseDeployCursor(cur)
		if err != nil {
			t.Fatal(err)
		}
		if pc.stopID != 9 {
			t.Errorf("cursor stops at %d, want 9 (a day-old pending deployment counts as failed)", pc.stopID)
		}
	})
}

func TestSyncDeploymentsPagesAndTruncates(t *testing.T) {
	s := githubtest.NewServer(githubtest.Options{})
	defer s.Close()
	const repo = "o/r"
	var shas []string
	for i := range 400 {
		shas = append(shas, fmt.Sprintf("s%03d", i))
	}
	s.PutCommits(repo, shas...)
	var deps []githubtest.Deployment
	for i := range 150 {
		at := now.Add(time.Duration(i-200) * time.Hour)
		d := githubtest.Deployment{Repo: repo, ID: int64(i + 1), SHA: shas[i], Environment: "production", Created: at, Statuses: ok(at)}
		if i == 149 {
			d.SHA = shas[399] // 250 commits past s148 and more
		}
		deps = append(deps, d)
	}
	s.PutDeployments(deps...)
	var got depSink
	_, n, err := newClient(t, Config{APIURL: s.URL()}).SyncDeployments(t.Context(), repo, prodRE, "", got.store)
	if err != nil {
		t.Fatal(err)
	}
	if n != 150 || len(requestsMatching(s, "/deployments?")) != 2 {
		t.Errorf("n = %d over %v, want 150 over 2 pages", n, requestsMatching(s, "/deployments?"))
	}
	last := got.all[149]
	if diff := cmp.Diff([]any{len(last.Commits), last.CommitsTruncated, last.Commits[0]}, []any{250, true, "s149"}); diff != "" {
		t.Errorf("last deployment commits, truncated, first (-got +want):\n%s", diff)
	}
	if !slices.IsSortedFunc(got.all, func(a, b coach.Deployment) int { return int(a.ID - b.ID) }) {
		t.Error("deployments not handed over oldest first")
	}

	t.Run("since_horizon", func(t *testing.T) {
		var d depSink
		horizon := now.Add(-60 * time.Hour) // deployments 141..150
		_, n, err := newClient(t, Config{APIURL: s.URL()}).SyncDeployments(t.Context(), repo, prodRE, DeployCursor{Since: horizon}.String(), d.store)
		if err != nil {
			t.Fatal(err)
		}
		if n != 10 || d.all[0].ID != 141 || d.all[0].HasCommits {
			t.Errorf("n = %d, first = %+v; want 10 from #141, which has no known predecessor", n, d.all[0])
		}
	})
}

func TestSyncWorkflowDeploys(t *testing.T) {
	s := githubtest.NewServer(githubtest.Options{})
	defer s.Close()
	const repo = "acme/infra"
	s.SetDefaultBranch(repo, "trunk")
	s.PutCommits(repo, "c1", "c2", "c3", "c4", "c5")
	run := func(id int64, sha, branch, conclusion string, created, updated time.Time) githubtest.WorkflowRun {
		return githubtest.WorkflowRun{Repo: repo, ID: id, Workflow: "deploy.yml", HeadSHA: sha, HeadBranch: branch,
			Conclusion: conclusion, Created: created, Updated: updated}
	}
	h := func(n int) time.Time { return now.Add(time.Duration(n-48) * time.Hour) }
	s.PutWorkflowRuns(
		run(10, "c1", "trunk", "success", h(0), h(0).Add(4*time.Minute)),
		run(11, "c2", "trunk", "failure", h(1), h(1).Add(4*time.Minute)),
		run(12, "c3", "feature", "success", h(2), h(2).Add(4*time.Minute)),
		run(13, "c3", "trunk", "success", h(3), h(3).Add(4*time.Minute)),
		githubtest.WorkflowRun{Repo: repo, ID: 14, Workflow: "deploy.yml", HeadSHA: "c4", HeadBranch: "trunk", Status: "in_progress", Created: h(4)},
		run(15, "c5", "trunk", "success", h(5), h(5).Add(4*time.Minute)),
	)
	c := newClient(t, Config{APIURL: s.URL()})
	var first depSink
	cursor, _, err := c.SyncWorkflowDeploys(t.Context(), repo, "deploy.yml", "", "", first.store)
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{ID: 10, SHA: "c1", Succeeded: h(0).Add(4 * time.Minute)},
		{ID: 13, SHA: "c3", Succeeded: h(3).Add(4 * time.Minute), Commits: []string{"c2", "c3"}, Has: true},
		{ID: 15, SHA: "c5", Succeeded: h(5).Add(4 * time.Minute), Commits: []string{"c4", "c5"}, Has: true},
	}
	if diff := cmp.Diff(rows(first.all), want); diff != "" {
		t.Errorf("first sync (-got +want):\n%s", diff)
	}
	if d := first.all[0]; d.Source != coach.DeploymentSourceWorkflow || d.Ref != "trunk" || d.Environment != "deploy.yml" || d.Created != h(0) {
		t.Errorf("run 10 = %+v", d)
	}

	// Run 14 completes after 15: it is the newest deployment, and the
	// second sync reads back far enough to find it.
	s.PutWorkflowRuns(run(14, "c4", "trunk", "success", h(4), h(6)))
	s.ResetRequests()
	var second depSink
	cursor, _, err = c.SyncWorkflowDeploys(t.Context(), repo, "deploy.yml", "", cursor, second.store)
	if err != nil {
		t.Fatal(err)
	}
	want = []row{{ID: 14, SHA: "c4", Succeeded: h(6), Has: true, Behind: true}}
	if diff := cmp.Diff(rows(second.all), want); diff != "" {
		t.Errorf("late completion (-got +want):\n%s", diff)
	}
	if got := requestsMatching(s, "GET /repos/acme/infra "); len(got) != 0 {
		t.Errorf("default branch read again: %v", got)
	}

	s.ResetRequests()
	var third depSink
	if _, n, err := c.SyncWorkflowDeploys(t.Context(), repo, "deploy.yml", "", cursor, third.store); err != nil || n != 0 {
		t.Errorf("third sync: n = %d, err = %v, want 0, nil", n, err)
	}
	if diff := cmp.Diff(s.Requests(), []string{"GET /repos/acme/infra/actions/workflows/deploy.yml/runs?branch=trunk&per_page=100&status=success 304"}); diff != "" {
		t.Errorf("unchanged runs (-got +want):\n%s", diff)
	}
}

func TestDeployCursorRoundTrip(t *testing.T) {
	c := DeployCursor{Since: now, filter: "(?i)^prod", stopID: 7, prev: map[string]string{"production": "abc", "prod-eu": "def"}, etag: `"x"`}
	got, err := ParseDeployCursor(c.String())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, c, cmp.AllowUnexported(DeployCursor{})); diff != "" {
		t.Errorf("round trip (-got +want):\n%s", diff)
	}
	for _, bad := range []string{"v=0", "v=1&stop=x", "v=1&since=yesterday", "%zz"} {
		if _, err := ParseDeployCursor(bad); err == nil {
			t.Errorf("ParseDeployCursor(%q) accepted it", bad)
		}
	}
}
