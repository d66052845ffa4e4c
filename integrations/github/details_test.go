package github

import (
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/integrations/github/githubtest"
	"github.com/google/go-cmp/cmp"
)

// TestPullRequestReadyAndFirstCommit pins when a pull request counts as
// ready for review, and its first commit, over the draft histories GitHub
// can produce.
func TestPullRequestReadyAndFirstCommit(t *testing.T) {
	created := now.Add(-48 * time.Hour)
	at := func(h int) time.Time { return created.Add(time.Duration(h) * time.Hour) }
	tests := []struct {
		name      string
		pr        githubtest.PullRequest
		wantReady time.Time
		wantFirst time.Time
		wantTrunc bool
	}{
		{
			name:      "opened_ready",
			pr:        githubtest.PullRequest{CommitDates: []time.Time{at(-30), at(-2)}},
			wantReady: created, wantFirst: at(-30),
		},
		{
			name:      "opened_as_draft_then_ready",
			pr:        githubtest.PullRequest{ReadyAt: at(5), CommitDates: []time.Time{at(-1)}},
			wantReady: at(5), wantFirst: at(-1),
		},
		{
			name:      "draft_never_ready",
			pr:        githubtest.PullRequest{Draft: true},
			wantReady: time.Time{}, wantFirst: created,
		},
		{
			name: "opened_ready_then_converted_to_draft",
			pr: githubtest.PullRequest{Draft: true, Events: []githubtest.Event{
				{Event: "convert_to_draft", At: at(2)},
			}},
			wantReady: created, wantFirst: created,
		},
		{
			name: "draft_ready_draft_ready_keeps_the_first",
			pr: githubtest.PullRequest{Events: []githubtest.Event{
				{Event: "ready_for_review", At: at(3)}, {Event: "convert_to_draft", At: at(4)}, {Event: "ready_for_review", At: at(9)},
			}},
			wantReady: at(3), wantFirst: created,
		},
		{
			name:      "rebased_commits_out_of_order",
			pr:        githubtest.PullRequest{CommitDates: []time.Time{at(-5), at(-20), at(-1)}},
			wantReady: created, wantFirst: at(-20),
		},
		{
			name:      "over_250_commits_is_truncated",
			pr:        githubtest.PullRequest{Commits: 260},
			wantReady: created, wantFirst: created, wantTrunc: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := githubtest.NewServer(githubtest.Options{})
			defer s.Close()
			tt.pr.Repo, tt.pr.Number, tt.pr.User, tt.pr.Created = "o/r", 1, "ann", created
			s.Put(tt.pr)
			var got sink
			if _, _, err := newClient(t, Config{APIURL: s.URL()}).Sync(t.Context(), "o/r", "", got.store); err != nil {
				t.Fatalf("Sync: %v", err)
			}
			pr := got.all()[0]
			if diff := cmp.Diff([]any{pr.Ready, pr.FirstCommit, pr.CommitsTruncated}, []any{tt.wantReady, tt.wantFirst, tt.wantTrunc}); diff != "" {
				t.Errorf("ready, first commit, truncated (-got +want):\n%s", diff)
			}
		})
	}
}

// TestDetailsSkippedWhereUnused: abandoned and bot pull requests are not
// timed, so their commits and timeline are not read.
func TestDetailsSkippedWhereUnused(t *testing.T) {
	s := githubtest.NewServer(githubtest.Options{})
	defer s.Close()
	created := now.Add(-48 * time.Hour)
	s.Put(
		githubtest.PullRequest{Repo: "o/r", Number: 1, User: "ann", Created: created, Closed: created.Add(time.Hour)},
		githubtest.PullRequest{Repo: "o/r", Number: 2, User: "dependabot[bot]", Created: created, Merged: created.Add(time.Hour)},
		githubtest.PullRequest{Repo: "o/r", Number: 3, User: "deploy-robot", Created: created},
		githubtest.PullRequest{Repo: "o/r", Number: 4, User: "ann", Created: created, Merged: created.Add(2 * time.Hour), MergeCommitSHA: "abc"},
	)
	var got sink
	if _, _, err := newClient(t, Config{APIURL: s.URL(), Bots: []string{"Deploy-Robot"}}).Sync(t.Context(), "o/r", "", got.store); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	var detailed []string
	for _, r := range s.Requests() {
		if strings.Contains(r, "/commits") || strings.Contains(r, "/timeline") {
			detailed = append(detailed, r)
		}
	}
	want := []string{"GET /repos/o/r/pulls/4/commits?per_page=100 200", "GET /repos/o/r/issues/4/timeline?per_page=100 200"}
	if diff := cmp.Diff(detailed, want); diff != "" {
		t.Errorf("detail requests (-got +want):\n%s", diff)
	}
	shas := map[int]bool{}
	for _, pr := range got.all() {
		shas[pr.Number] = pr.MergeCommitSHA != ""
	}
	// Only merged pull requests carry a merge commit SHA; GitHub's test
	// merge SHA of the others is dropped.
	if diff := cmp.Diff(shas, map[int]bool{1: false, 2: true, 3: false, 4: true}); diff != "" {
		t.Errorf("has a merge commit SHA (-got +want):\n%s", diff)
	}
}
