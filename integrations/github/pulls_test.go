package github

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/github/githubtest"
	"github.com/google/go-cmp/cmp"
)

// sink is an fn for Sync that keeps what it was given.
type sink struct {
	batches [][]coach.PullRequest
}

func (s *sink) store(prs []coach.PullRequest) error {
	s.batches = append(s.batches, prs)
	return nil
}

func (s *sink) all() []coach.PullRequest {
	var out []coach.PullRequest
	for _, b := range s.batches {
		out = append(out, b...)
	}
	return out
}

func (s *sink) numbers() []int {
	var out []int
	for _, pr := range s.all() {
		out = append(out, pr.Number)
	}
	return out
}

// listRequests keeps the pull-request list calls of a request log.
func listRequests(reqs []string) []string {
	var out []string
	for _, r := range reqs {
		if strings.Contains(r, "/pulls?") {
			out = append(out, r)
		}
	}
	return out
}

const firstPage = "/repos/o/r/pulls?direction=desc&per_page=100&sort=updated&state=all"

// TestSyncMapsFixtures serves GitHub's own examples for pulls/list,
// pulls/get and pulls/list-reviews and checks the mapping, and that the
// list is asked for exactly as the package comment says.
func TestSyncMapsFixtures(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Add to the example reviews a pending one (no submitted_at) and one
	// by a GitHub App, both made from the example's own review.
	var reviews []map[string]any
	if err := json.Unmarshal(read("pull-request-review-items.json"), &reviews); err != nil {
		t.Fatal(err)
	}
	pending := clone(t, reviews[0])
	pending["id"], pending["state"] = 81, "PENDING"
	delete(pending, "submitted_at")
	bot := clone(t, reviews[0])
	bot["id"], bot["state"], bot["submitted_at"] = 82, "COMMENTED", "2019-11-17T17:40:00Z"
	bot["user"].(map[string]any)["login"] = "github-actions[bot]"
	bot["user"].(map[string]any)["type"] = "Bot"
	reviews = append(reviews, pending, bot)
	reviewsJSON, err := json.Marshal(reviews)
	if err != nil {
		t.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/octocat/Hello-World/pulls", func(w http.ResponseWriter, r *http.Request) {
		if got, want := r.URL.RawQuery, "direction=desc&per_page=100&sort=updated&state=all"; got != want {
			http.Error(w, fmt.Sprintf("query %q, want %q", got, want), http.StatusBadRequest)
			return
		}
		w.Write(read("pull-request-simple-items.json"))
	})
	mux.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347", func(w http.ResponseWriter, r *http.Request) {
		w.Write(read("pull-request.json"))
	})
	mux.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347/reviews", func(w http.ResponseWriter, r *http.Request) {
		w.Write(reviewsJSON)
	})
	mux.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347/commits", func(w http.ResponseWriter, r *http.Request) {
		w.Write(read("commit-items.json"))
	})
	// The timeline example holds no draft event: the PR was ready when
	// created.
	mux.HandleFunc("GET /repos/octocat/Hello-World/issues/1347/timeline", func(w http.ResponseWriter, r *http.Request) {
		w.Write(read("timeline-issue-events.json"))
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer tok" {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	defer srv.Close()

	c := newClient(t, Config{APIURL: srv.URL, Token: "tok"})
	var got sink
	_, n, err := c.Sync(t.Context(), "octocat/Hello-World", "", got.store)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// The example is hand-written and says state "open" and merged false
	// next to a merged_at; the mapping passes GitHub's timestamps through.
	want := []coach.PullRequest{{
		Repo:         "octocat/Hello-World",
		Number:       1347,
		Title:        "Amazing new feature",
		Author:       "octocat",
		State:        "open",
		BaseBranch:   "master",
		Created:      at("2011-01-26T19:01:12Z"),
		Updated:      at("2011-01-26T19:01:12Z"),
		Closed:       at("2011-01-26T19:01:12Z"),
		Merged:       at("2011-01-26T19:01:12Z"),
		Additions:    100,
		Deletions:    3,
		ChangedFiles: 5,
		Reviews: []coach.Review{
			{Author: "github-actions[bot]", AuthorIsBot: true, State: "COMMENTED", Submitted: at("2019-11-17T17:40:00Z")},
			{Author: "octocat", State: "APPROVED", Submitted: at("2019-11-17T17:43:43Z")},
		},
		HeadBranch:     "new-topic",
		Body:           "Please pull these awesome changes in!",
		MergeCommitSHA: "e5bd3914e2e596debea16f433f57875b5b90bcd6",
		Ready:          at("2011-01-26T19:01:12Z"),
		FirstCommit:    at("2011-04-14T16:00:49Z"),
		Commits:        3,
		// The example lists one commit of the three it counts.
		CommitsTruncated:   true,
		RequestedReviewers: []string{"other_user"},
	}}
	if diff := cmp.Diff(got.all(), want); diff != "" {
		t.Errorf("pull requests (-got +want):\n%s", diff)
	}
	if n != 1 {
		t.Errorf("n = %d, want 1", n)
	}
}

func clone(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// putPulls adds pull requests 1..n to o/r, pull request i last updated 2i
// minutes after base: further apart than the overlap.
func putPulls(s *githubtest.Server, n int, base time.Time) {
	var prs []githubtest.PullRequest
	for i := 1; i <= n; i++ {
		prs = append(prs, githubtest.PullRequest{
			Repo: "o/r", Number: i, Title: fmt.Sprintf("change %d", i), User: "ann",
			Created: base, Updated: base.Add(time.Duration(2*i) * time.Minute),
		})
	}
	s.Put(prs...)
}

func TestSyncPagesThenStopsAtCursor(t *testing.T) {
	// Pages of 10 (GitHub caps per_page the same way) keep the test small.
	s := githubtest.NewServer(githubtest.Options{PerPageMax: 10})
	defer s.Close()
	base := now.Add(-24 * time.Hour)
	putPulls(s, 25, base)
	c := newClient(t, Config{APIURL: s.URL()})

	var first sink
	cursor, n, err := c.Sync(t.Context(), "o/r", "", first.store)
	if err != nil {
		t.Fatalf("first Sync: %v", err)
	}
	var sizes []int
	for _, b := range first.batches {
		sizes = append(sizes, len(b))
	}
	var wantOrder []int
	for i := 25; i >= 1; i-- {
		wantOrder = append(wantOrder, i)
	}
	got := []any{n, sizes, first.numbers(), listRequests(s.Requests()), len(s.Requests())}
	want := []any{25, []int{10, 10, 5}, wantOrder, []string{
		"GET " + firstPage + " 200",
		"GET /repos/o/r/pulls?direction=desc&page=2&per_page=100&sort=updated&state=all 200",
		"GET /repos/o/r/pulls?direction=desc&page=3&per_page=100&sort=updated&state=all 200",
	}, 3 + 25*4} // per pull request: itself, reviews, commits, timeline
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("first sync: n, batch sizes, order, list requests, request count (-got +want):\n%s", diff)
	}
	if c, err := ParseCursor(cursor); err != nil || !c.Updated.Equal(base.Add(50*time.Minute)) || c.ETag == "" {
		t.Errorf("cursor %q (%v): want the newest update, %v, and an ETag", cursor, err, base.Add(50*time.Minute))
	}

	// Two pull requests change, one on the last page: one page is read,
	// and only what changed (plus the minute of overlap) is fetched.
	s.Put(githubtest.PullRequest{Repo: "o/r", Number: 7, Title: "reworked", User: "ann", Created: base, Updated: base.Add(60 * time.Minute)})
	s.Put(githubtest.PullRequest{Repo: "o/r", Number: 2, Title: "rebased", User: "ann", Created: base, Updated: base.Add(61 * time.Minute)})
	s.ResetRequests()
	var second sink
	_, n, err = c.Sync(t.Context(), "o/r", cursor, second.store)
	if err != nil {
		t.Fatalf("second Sync: %v", err)
	}
	got = []any{n, second.numbers(), s.Requests()}
	want = []any{3, []int{2, 7, 25}, []string{
		"GET " + firstPage + " 200",
		"GET /repos/o/r/pulls/2 200",
		"GET /repos/o/r/pulls/2/reviews?per_page=100 200",
		"GET /repos/o/r/pulls/2/commits?per_page=100 200",
		"GET /repos/o/r/issues/2/timeline?per_page=100 200",
		"GET /repos/o/r/pulls/7 200",
		"GET /repos/o/r/pulls/7/reviews?per_page=100 200",
		"GET /repos/o/r/pulls/7/commits?per_page=100 200",
		"GET /repos/o/r/issues/7/timeline?per_page=100 200",
		// The newest seen last time: inside the minute of overlap.
		"GET /repos/o/r/pulls/25 200",
		"GET /repos/o/r/pulls/25/reviews?per_page=100 200",
		"GET /repos/o/r/pulls/25/commits?per_page=100 200",
		"GET /repos/o/r/issues/25/timeline?per_page=100 200",
	}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("second sync: n, numbers, requests (-got +want):\n%s", diff)
	}
	if got, want := second.all()[1].Title, "reworked"; got != want {
		t.Errorf("refetched #7 has title %q, want %q", got, want)
	}
}

func TestSyncUnchangedIsOneConditionalRequest(t *testing.T) {
	s := githubtest.NewServer(githubtest.Options{})
	defer s.Close()
	putPulls(s, 3, now.Add(-time.Hour))
	c := newClient(t, Config{APIURL: s.URL()})
	cursor, _, err := c.Sync(t.Context(), "o/r", "", func([]coach.PullRequest) error { return nil })
	if err != nil {
		t.Fatalf("first Sync: %v", err)
	}

	s.ResetRequests()
	calls := 0
	next, n, err := c.Sync(t.Context(), "o/r", cursor, func([]coach.PullRequest) error { calls++; return nil })
	if err != nil {
		t.Fatalf("second Sync: %v", err)
	}
	got := []any{next, n, calls, s.Requests()}
	want := []any{cursor, 0, 0, []string{"GET " + firstPage + " 304"}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("unchanged sync: cursor, n, fn calls, requests (-got +want):\n%s", diff)
	}
}

// TestSyncOverlapCatchesLateWrites: a pull request that shows up with an
// updated_at a little before the newest one already seen is still read.
func TestSyncOverlapCatchesLateWrites(t *testing.T) {
	s := githubtest.NewServer(githubtest.Options{})
	defer s.Close()
	base := now.Add(-time.Hour)
	putPulls(s, 2, base) // updated base+2m, base+4m
	c := newClient(t, Config{APIURL: s.URL()})
	cursor, _, err := c.Sync(t.Context(), "o/r", "", func([]coach.PullRequest) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	s.Put(githubtest.PullRequest{Repo: "o/r", Number: 3, User: "bob", Created: base, Updated: base.Add(4*time.Minute - 30*time.Second)})
	var got sink
	next, n, err := c.Sync(t.Context(), "o/r", cursor, got.store)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{n, got.numbers()}, []any{2, []int{2, 3}}); diff != "" {
		t.Errorf("n, numbers (-got +want):\n%s", diff)
	}
	// The newest update seen has not moved, so neither has the cursor time.
	c1, _ := ParseCursor(cursor)
	c2, _ := ParseCursor(next)
	if !c2.Updated.Equal(c1.Updated) || c2.ETag == c1.ETag {
		t.Errorf("cursor %+v after %+v: want the same time and a new ETag", c2, c1)
	}
}

// TestSyncPullUpdatedMidSync: a pull request updated while Sync pages
// moves to the top of the list. Pages shift; nothing is handed over twice,
// and the next sync picks the moved one up.
func TestSyncPullUpdatedMidSync(t *testing.T) {
	s := githubtest.NewServer(githubtest.Options{PerPageMax: 10})
	defer s.Close()
	base := now.Add(-24 * time.Hour)
	putPulls(s, 15, base)
	c := newClient(t, Config{APIURL: s.URL()})
	var got sink
	cursor, n, err := c.Sync(t.Context(), "o/r", "", func(prs []coach.PullRequest) error {
		if len(got.batches) == 0 {
			// #3 sits on page 2; moving it up shifts #6 from page 1 to 2.
			s.Put(githubtest.PullRequest{Repo: "o/r", Number: 3, User: "ann", Created: base, Updated: now})
		}
		return got.store(prs)
	})
	if err != nil {
		t.Fatal(err)
	}
	numbers := got.numbers()
	seen := map[int]int{}
	for _, num := range numbers {
		seen[num]++
		if seen[num] > 1 {
			t.Errorf("#%d handed over twice", num)
		}
	}
	if n != 14 || len(numbers) != 14 || seen[3] != 0 {
		t.Errorf("n = %d, %d handed over, #3 %d times; want 14, 14, 0", n, len(numbers), seen[3])
	}

	var again sink
	_, n, err = c.Sync(t.Context(), "o/r", cursor, again.store)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("next sync handed over %d pull requests, want 2", n)
	}
	// #15, the newest seen, is inside the overlap.
	if diff := cmp.Diff(again.numbers(), []int{3, 15}); diff != "" {
		t.Errorf("next sync (-got +want):\n%s", diff)
	}
}

func TestSyncBotsAndReviews(t *testing.T) {
	s := githubtest.NewServer(githubtest.Options{})
	defer s.Close()
	created := now.Add(-48 * time.Hour)
	at := func(h int) time.Time { return created.Add(time.Duration(h) * time.Hour) }
	s.Put(
		githubtest.PullRequest{Repo: "o/r", Number: 1, User: "alice", Created: created, Updated: at(10), Reviews: []githubtest.Review{
			{User: "bob", State: "CHANGES_REQUESTED", Submitted: at(2)},
			{User: "carol", State: "PENDING"},
			{User: "github-actions[bot]", State: "COMMENTED", Submitted: at(1)},
			{User: "bob", State: "DISMISSED", Submitted: at(3)},
			{User: "Merge-Robot", State: "APPROVED", Submitted: at(4)},
		}},
		githubtest.PullRequest{Repo: "o/r", Number: 2, User: "dependabot[bot]", Created: created, Updated: at(9)},
		githubtest.PullRequest{Repo: "o/r", Number: 3, User: "renovate[bot]", UserType: "User", Created: created, Updated: at(8)},
		githubtest.PullRequest{Repo: "o/r", Number: 4, User: "octo-app", UserType: "Bot", Created: created, Updated: at(7)},
		githubtest.PullRequest{Repo: "o/r", Number: 5, User: "ci-robot", Created: created, Updated: at(6)},
	)
	c := newClient(t, Config{APIURL: s.URL(), Bots: []string{"CI-Robot", "merge-robot"}})
	var got sink
	if _, _, err := c.Sync(t.Context(), "o/r", "", got.store); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Author  string
		Bot     bool
		Reviews []coach.Review
	}
	var rows []row
	for _, pr := range got.all() {
		rows = append(rows, row{pr.Author, pr.AuthorIsBot, pr.Reviews})
	}
	want := []row{
		{"alice", false, []coach.Review{
			{Author: "github-actions[bot]", AuthorIsBot: true, State: "COMMENTED", Submitted: at(1)},
			{Author: "bob", State: "CHANGES_REQUESTED", Submitted: at(2)},
			{Author: "bob", State: "DISMISSED", Submitted: at(3)},
			{Author: "Merge-Robot", AuthorIsBot: true, State: "APPROVED", Submitted: at(4)},
		}},
		{"dependabot[bot]", true, nil}, // type Bot and [bot] login
		{"renovate[bot]", true, nil},   // [bot] login alone
		{"octo-app", true, nil},        // type Bot alone
		{"ci-robot", true, nil},        // Config.Bots, any case
	}
	if diff := cmp.Diff(rows, want); diff != "" {
		t.Errorf("authors and reviews (-got +want):\n%s", diff)
	}
}

func TestSyncPagesReviews(t *testing.T) {
	s := githubtest.NewServer(githubtest.Options{})
	defer s.Close()
	var reviews []githubtest.Review
	for i := range 230 {
		reviews = append(reviews, githubtest.Review{User: "bob", State: "COMMENTED", Submitted: now.Add(time.Duration(i-300) * time.Minute)})
	}
	s.Put(githubtest.PullRequest{Repo: "o/r", Number: 1, User: "ann", Created: now.Add(-24 * time.Hour), Reviews: reviews})
	c := newClient(t, Config{APIURL: s.URL()})
	var got sink
	if _, _, err := c.Sync(t.Context(), "o/r", "", got.store); err != nil {
		t.Fatal(err)
	}
	rs := got.all()[0].Reviews
	sorted := slices.IsSortedFunc(rs, func(a, b coach.Review) int { return a.Submitted.Compare(b.Submitted) })
	var reviewCalls []string
	for _, r := range s.Requests() {
		if strings.Contains(r, "/reviews") {
			reviewCalls = append(reviewCalls, r)
		}
	}
	got2 := []any{len(rs), sorted, reviewCalls}
	want := []any{230, true, []string{
		"GET /repos/o/r/pulls/1/reviews?per_page=100 200",
		"GET /repos/o/r/pulls/1/reviews?page=2&per_page=100 200",
		"GET /repos/o/r/pulls/1/reviews?page=3&per_page=100 200",
	}}
	if diff := cmp.Diff(got2, want); diff != "" {
		t.Errorf("reviews, oldest first, review requests (-got +want):\n%s", diff)
	}
}

// TestSyncEnterpriseServer runs against an API mounted under /api/v3/, as
// GitHub Enterprise Server serves it, with and without the trailing slash.
func TestSyncEnterpriseServer(t *testing.T) {
	for _, trim := range []bool{false, true} {
		t.Run(fmt.Sprintf("trailing_slash_trimmed=%v", trim), func(t *testing.T) {
			s := githubtest.NewServer(githubtest.Options{PathPrefix: "/api/v3", Token: "ghe-token"})
			defer s.Close()
			putPulls(s, 1, now.Add(-time.Hour))
			apiURL := s.URL()
			if trim {
				apiURL = strings.TrimSuffix(apiURL, "/")
			}
			c := newClient(t, Config{APIURL: apiURL, Token: "ghe-token"})
			cursor, n, err := c.Sync(t.Context(), "o/r", "", func([]coach.PullRequest) error { return nil })
			if err != nil || n != 1 {
				t.Fatalf("Sync: n %d, err %v", n, err)
			}
			if _, _, err := c.Sync(t.Context(), "o/r", cursor, func([]coach.PullRequest) error { return nil }); err != nil {
				t.Fatal(err)
			}
			want := []string{
				"GET /api/v3" + firstPage + " 200",
				"GET /api/v3/repos/o/r/pulls/1 200",
				"GET /api/v3/repos/o/r/pulls/1/reviews?per_page=100 200",
				"GET /api/v3/repos/o/r/pulls/1/commits?per_page=100 200",
				"GET /api/v3/repos/o/r/issues/1/timeline?per_page=100 200",
				"GET /api/v3" + firstPage + " 304",
			}
			if diff := cmp.Diff(s.Requests(), want); diff != "" {
				t.Errorf("requests (-got +want):\n%s", diff)
			}
		})
	}
}
