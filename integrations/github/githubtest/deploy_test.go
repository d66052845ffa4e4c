package githubtest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// world puts one repository with a pull request, a history, deployments
// and workflow runs, for the tests below.
func world(t *testing.T) *Server {
	t.Helper()
	s := NewServer(Options{})
	t.Cleanup(s.Close)
	s.Put(PullRequest{
		Repo: "octocat/Hello-World", Number: 1347, Title: "PAY-1: amazing", User: "octocat",
		Created: t0, Merged: t0.Add(time.Hour), Draft: false, Head: "pay-1-amazing",
		Body: "Fixes PAY-1", MergeCommitSHA: "c3", RequestedReviewers: []string{"hubot"},
		ReadyAt:     t0.Add(10 * time.Minute),
		CommitDates: []time.Time{t0.Add(-48 * time.Hour), t0.Add(-24 * time.Hour)},
		Events:      []Event{{Event: "convert_to_draft", At: t0.Add(20 * time.Minute)}},
	})
	s.PutCommits("octocat/Hello-World", "c1", "c2", "c3", "c4")
	s.PutDeployments(
		Deployment{Repo: "octocat/Hello-World", ID: 1, SHA: "c2", Ref: "main", Environment: "production", Created: t0,
			Statuses: []DeploymentStatus{{"in_progress", t0.Add(time.Minute)}, {"success", t0.Add(5 * time.Minute)}, {"inactive", t0.Add(time.Hour)}}},
		Deployment{Repo: "octocat/Hello-World", ID: 2, SHA: "c4", Ref: "main", Environment: "staging", Created: t0.Add(time.Hour)},
	)
	s.PutWorkflowRuns(
		WorkflowRun{Repo: "octocat/Hello-World", ID: 30433642, Workflow: "deploy.yml", HeadSHA: "c2", HeadBranch: "main", Conclusion: "success", Created: t0, Updated: t0.Add(3 * time.Minute)},
		WorkflowRun{Repo: "octocat/Hello-World", ID: 30433643, Workflow: "deploy.yml", HeadSHA: "c3", HeadBranch: "main", Conclusion: "failure", Created: t0.Add(time.Hour)},
		WorkflowRun{Repo: "octocat/Hello-World", ID: 30433644, Workflow: "deploy.yml", HeadSHA: "c4", HeadBranch: "feature", Status: "in_progress", Created: t0.Add(2 * time.Hour)},
	)
	return s
}

func TestDeliveryPayloadShapes(t *testing.T) {
	s := world(t)
	// The timeline example's first event is a "locked" one, which carries
	// lock_reason; draft events do not.
	timeline := readFixture(t, "timeline-issue-events.json").([]any)
	delete(timeline[0].(map[string]any), "lock_reason")

	tests := []struct {
		name string
		path string
		want any
		item func(any) any // picks the object to compare
	}{
		{"pull_commits", "repos/octocat/Hello-World/pulls/1347/commits", readFixture(t, "commit-items.json"), first},
		{"timeline", "repos/octocat/Hello-World/issues/1347/timeline", timeline, first},
		{"deployments", "repos/octocat/Hello-World/deployments", readFixture(t, "deployment-items.json"), first},
		{"deployment_statuses", "repos/octocat/Hello-World/deployments/1/statuses", readFixture(t, "deployment-status-items.json"), first},
		{"workflow_runs", "repos/octocat/Hello-World/actions/workflows/deploy.yml/runs", readFixture(t, "workflow-run-paginated.json"), func(v any) any { return v }},
		{"compare", "repos/octocat/Hello-World/compare/c1...c3", readFixture(t, "commit-comparison.json"), func(v any) any { return v }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, s, tt.path)
			if r.status != http.StatusOK {
				t.Fatalf("status %d, body %s", r.status, r.body)
			}
			got := tt.item(decode[any](t, r))
			want := tt.item(tt.want)
			if diffs := shapeDiff("", got, want, nil); len(diffs) > 0 {
				t.Errorf("shape differs from the example:\n%s", strings.Join(diffs, "\n"))
			}
		})
	}
}

func first(v any) any { return v.([]any)[0] }

func TestPullRequestDetails(t *testing.T) {
	s := world(t)
	pr := decode[map[string]any](t, get(t, s, "repos/octocat/Hello-World/pulls/1347"))
	gotPR := map[string]any{
		"body": pr["body"], "merge_commit_sha": pr["merge_commit_sha"], "commits": pr["commits"],
		"head":     pr["head"].(map[string]any)["ref"],
		"reviewer": pr["requested_reviewers"].([]any)[0].(map[string]any)["login"],
	}
	wantPR := map[string]any{"body": "Fixes PAY-1", "merge_commit_sha": "c3", "commits": 2.0, "head": "pay-1-amazing", "reviewer": "hubot"}
	if diff := cmp.Diff(gotPR, wantPR); diff != "" {
		t.Errorf("pull request (-got +want):\n%s", diff)
	}

	var dates []string
	for _, c := range decode[[]map[string]any](t, get(t, s, "repos/octocat/Hello-World/pulls/1347/commits")) {
		dates = append(dates, c["commit"].(map[string]any)["author"].(map[string]any)["date"].(string))
	}
	if diff := cmp.Diff(dates, []string{"2024-03-02T09:00:00Z", "2024-03-03T09:00:00Z"}); diff != "" {
		t.Errorf("commit author dates (-got +want):\n%s", diff)
	}

	var events []string
	for _, e := range decode[[]map[string]any](t, get(t, s, "repos/octocat/Hello-World/issues/1347/timeline")) {
		events = append(events, e["event"].(string)+"@"+e["created_at"].(string))
	}
	want := []string{"ready_for_review@2024-03-04T09:10:00Z", "convert_to_draft@2024-03-04T09:20:00Z"}
	if diff := cmp.Diff(events, want); diff != "" {
		t.Errorf("timeline: ReadyAt becomes an event, oldest first (-got +want):\n%s", diff)
	}
}

func TestPullCommitsCappedAt250(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	s.Put(PullRequest{Repo: "o/r", Number: 1, User: "u", Created: t0, Commits: 300})
	n := 0
	for page := 1; page <= 4; page++ {
		n += len(decode[[]any](t, get(t, s, "repos/o/r/pulls/1/commits?per_page=100&page="+string(rune('0'+page)))))
	}
	if n != 250 {
		t.Errorf("listed %d commits over all pages, want 250", n)
	}
	pr := decode[map[string]any](t, get(t, s, "repos/o/r/pulls/1"))
	if pr["commits"] != 300.0 {
		t.Errorf("commits = %v, want 300", pr["commits"])
	}
}

func TestCompare(t *testing.T) {
	s := world(t)
	tests := []struct {
		name, basehead string
		status         string
		ahead, behind  float64
		commits        []string
	}{
		{"ahead", "c1...c3", "ahead", 2, 0, []string{"c2", "c3"}},
		{"behind", "c4...c2", "behind", 0, 2, nil},
		{"identical", "c2...c2", "identical", 0, 0, nil},
		{"default_branch_is_the_tip", "c3...main", "ahead", 1, 0, []string{"c4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := decode[map[string]any](t, get(t, s, "repos/octocat/Hello-World/compare/"+tt.basehead))
			var shas []string
			for _, x := range c["commits"].([]any) {
				shas = append(shas, x.(map[string]any)["sha"].(string))
			}
			got := []any{c["status"], c["ahead_by"], c["behind_by"], shas}
			want := []any{tt.status, tt.ahead, tt.behind, tt.commits}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("compare %s (-got +want):\n%s", tt.basehead, diff)
			}
		})
	}
	t.Run("unknown_sha_is_404", func(t *testing.T) {
		if r := get(t, s, "repos/octocat/Hello-World/compare/c1...nope"); r.status != http.StatusNotFound {
			t.Errorf("status %d, want 404", r.status)
		}
	})
	t.Run("truncated_at_250", func(t *testing.T) {
		var shas []string
		for i := range 300 {
			shas = append(shas, sha("big", i))
		}
		s.PutCommits("o/big", shas...)
		c := decode[map[string]any](t, get(t, s, "repos/o/big/compare/"+shas[0]+"..."+shas[299]))
		if got := []any{len(c["commits"].([]any)), c["total_commits"]}; !cmp.Equal(got, []any{250, 299.0}) {
			t.Errorf("commits listed, total = %v, want [250 299]", got)
		}
	})
}

func TestDeploymentsAndStatuses(t *testing.T) {
	s := world(t)
	ids := func(path string) []string {
		var out []string
		for _, d := range decode[[]map[string]any](t, get(t, s, path)) {
			out = append(out, d["environment"].(string))
		}
		return out
	}
	if diff := cmp.Diff(ids("repos/octocat/Hello-World/deployments"), []string{"staging", "production"}); diff != "" {
		t.Errorf("deployments newest first (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(ids("repos/octocat/Hello-World/deployments?environment=production"), []string{"production"}); diff != "" {
		t.Errorf("environment filter (-got +want):\n%s", diff)
	}
	var states []string
	for _, st := range decode[[]map[string]any](t, get(t, s, "repos/octocat/Hello-World/deployments/1/statuses")) {
		states = append(states, st["state"].(string)+"@"+st["created_at"].(string))
	}
	want := []string{"inactive@2024-03-04T10:00:00Z", "success@2024-03-04T09:05:00Z", "in_progress@2024-03-04T09:01:00Z"}
	if diff := cmp.Diff(states, want); diff != "" {
		t.Errorf("statuses newest first (-got +want):\n%s", diff)
	}
	if r := get(t, s, "repos/octocat/Hello-World/deployments/99/statuses"); r.status != http.StatusNotFound {
		t.Errorf("unknown deployment: status %d, want 404", r.status)
	}
	dep := decode[[]map[string]any](t, get(t, s, "repos/octocat/Hello-World/deployments?environment=production"))[0]
	if dep["updated_at"] != "2024-03-04T10:00:00Z" {
		t.Errorf("updated_at = %v, want the latest status's time", dep["updated_at"])
	}
}

func TestWorkflowRuns(t *testing.T) {
	s := world(t)
	tests := []struct {
		name, query string
		want        []float64
	}{
		{"all_newest_first", "", []float64{30433644, 30433643, 30433642}},
		{"branch", "?branch=main", []float64{30433643, 30433642}},
		{"conclusion", "?branch=main&status=success", []float64{30433642}},
		{"status", "?status=completed", []float64{30433643, 30433642}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decode[map[string]any](t, get(t, s, "repos/octocat/Hello-World/actions/workflows/deploy.yml/runs"+tt.query))
			var ids []float64
			for _, r := range got["workflow_runs"].([]any) {
				ids = append(ids, r.(map[string]any)["id"].(float64))
			}
			if diff := cmp.Diff(ids, tt.want); diff != "" {
				t.Errorf("run ids (-got +want):\n%s", diff)
			}
			if got["total_count"] != float64(len(tt.want)) {
				t.Errorf("total_count = %v, want %d", got["total_count"], len(tt.want))
			}
		})
	}
	if r := get(t, s, "repos/octocat/Hello-World/actions/workflows/nope.yml/runs"); r.status != http.StatusNotFound {
		t.Errorf("unknown workflow: status %d, want 404", r.status)
	}
}

func TestRepoDefaultBranch(t *testing.T) {
	s := world(t)
	s.SetDefaultBranch("octocat/Hello-World", "trunk")
	got := decode[map[string]any](t, get(t, s, "repos/octocat/Hello-World"))
	if got["default_branch"] != "trunk" || got["full_name"] != "octocat/Hello-World" {
		t.Errorf("repo = %v/%v, want octocat/Hello-World on trunk", got["full_name"], got["default_branch"])
	}
	r := get(t, s, "repos/octocat/Hello-World")
	if again := get(t, s, "repos/octocat/Hello-World", "If-None-Match", r.header.Get("ETag")); again.status != http.StatusNotModified {
		t.Errorf("conditional repo GET: status %d, want 304", again.status)
	}
}
