package githubtest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC)

type response struct {
	status int
	header http.Header
	body   []byte
}

// get sends a GET to the stand-in; path is relative to its URL, or
// absolute (a Link target).
func get(t *testing.T, s *Server, path string, headers ...string) response {
	t.Helper()
	return do(t, s, http.MethodGet, path, headers...)
}

func do(t *testing.T, s *Server, method, path string, headers ...string) response {
	t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = s.URL() + strings.TrimPrefix(path, "/")
	}
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
	return v
}

func readFixture(t *testing.T, name string) any {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// shapeDiff compares the keys of got and want recursively and lists the
// paths where they differ. A null on either side is not compared (the
// stand-in has no milestones, the examples have few nulls), nor are arrays
// empty on either side; only first elements are compared, GitHub's arrays
// being homogeneous. extraOK lists paths got may have that want lacks.
func shapeDiff(path string, got, want any, extraOK map[string]bool) (diffs []string) {
	if got == nil || want == nil {
		return nil
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %T, want an object", path, got)}
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, "missing "+path+k)
				continue
			}
			diffs = append(diffs, shapeDiff(path+k+".", gv, wv, extraOK)...)
		}
		for k := range g {
			if _, ok := w[k]; !ok && !extraOK[path+k] {
				diffs = append(diffs, "extra "+path+k)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %T, want an array", path, got)}
		}
		if len(g) > 0 && len(w) > 0 {
			diffs = append(diffs, shapeDiff(path+"[].", g[0], w[0], extraOK)...)
		}
	}
	sort.Strings(diffs)
	return diffs
}

func TestPayloadShapes(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	s.Put(PullRequest{
		Repo: "octocat/Hello-World", Number: 1347, Title: "Amazing new feature", User: "octocat",
		Created: t0, Merged: t0.Add(time.Hour), Additions: 100, Deletions: 3, ChangedFiles: 5, Commits: 3,
		Reviews: []Review{{User: "other_user", State: "APPROVED", Body: "Here is the body for the review.", Submitted: t0.Add(time.Minute)}},
	})

	// GitHub's own two examples disagree on the repository object inside
	// head and base; either one's keys are fine there.
	repoKeys := map[string]bool{}
	for _, f := range []string{"pull-request.json", "pull-request-simple-items.json"} {
		v := readFixture(t, f)
		if l, ok := v.([]any); ok {
			v = l[0]
		}
		for _, side := range []string{"head", "base"} {
			for k := range v.(map[string]any)[side].(map[string]any)["repo"].(map[string]any) {
				repoKeys["head.repo."+k] = true
				repoKeys["base.repo."+k] = true
			}
		}
	}

	tests := []struct {
		name    string
		path    string
		fixture string
		list    bool
	}{
		{"list_serves_pull_request_simple", "repos/octocat/Hello-World/pulls?state=all", "pull-request-simple-items.json", true},
		{"get_serves_full_pull_request", "repos/octocat/Hello-World/pulls/1347", "pull-request.json", false},
		{"reviews_like_list_reviews", "repos/octocat/Hello-World/pulls/1347/reviews", "pull-request-review-items.json", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, s, tt.path)
			if r.status != http.StatusOK {
				t.Fatalf("status %d, body %s", r.status, r.body)
			}
			got, want := decode[any](t, r), readFixture(t, tt.fixture)
			if tt.list {
				gl, wl := got.([]any), want.([]any)
				if len(gl) != 1 {
					t.Fatalf("got %d items, want 1", len(gl))
				}
				got, want = gl[0], wl[0]
			}
			if diffs := shapeDiff("", got, want, repoKeys); len(diffs) > 0 {
				t.Errorf("shape differs from %s:\n%s", tt.fixture, strings.Join(diffs, "\n"))
			}
		})
	}

	t.Run("list_has_no_sizes", func(t *testing.T) {
		items := decode[[]map[string]any](t, get(t, s, "repos/octocat/Hello-World/pulls?state=all"))
		for _, k := range []string{"additions", "deletions", "changed_files", "commits", "merged"} {
			if _, ok := items[0][k]; ok {
				t.Errorf("list item has %q; GitHub's pull-request-simple does not", k)
			}
		}
	})
	t.Run("values", func(t *testing.T) {
		pr := decode[map[string]any](t, get(t, s, "repos/octocat/Hello-World/pulls/1347"))
		got := map[string]any{
			"state": pr["state"], "merged": pr["merged"], "merged_at": pr["merged_at"], "closed_at": pr["closed_at"],
			"created_at": pr["created_at"], "additions": pr["additions"], "node_id": pr["node_id"],
			"login": pr["user"].(map[string]any)["login"], "base": pr["base"].(map[string]any)["ref"],
		}
		want := map[string]any{
			"state": "closed", "merged": true, "merged_at": "2024-03-04T10:00:00Z", "closed_at": "2024-03-04T10:00:00Z",
			"created_at": "2024-03-04T09:00:00Z", "additions": 100.0, "node_id": "MDExOlB1bGxSZXF1ZXN0MQ==",
			"login": "octocat", "base": "main",
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("pull request values (-got +want):\n%s", diff)
		}
	})
}

func TestPendingReviewHasNoSubmittedAt(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	s.Put(PullRequest{Repo: "o/r", Number: 1, User: "a", Created: t0, Reviews: []Review{
		{User: "b", State: "PENDING"},
		{User: "c", State: "approved", Submitted: t0.Add(time.Hour)},
	}})
	reviews := decode[[]map[string]any](t, get(t, s, "repos/o/r/pulls/1/reviews"))
	var got []string
	for _, r := range reviews {
		_, has := r["submitted_at"]
		got = append(got, fmt.Sprintf("%v %v submitted_at=%v", r["user"].(map[string]any)["login"], r["state"], has))
	}
	want := []string{"c APPROVED submitted_at=true", "b PENDING submitted_at=false"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("reviews (-got +want):\n%s", diff)
	}
}

// TestLinkHeadersLikeGitHub pages through 13 items 3 at a time, following
// each Link rel="next" as sent, and compares every Link header with the
// ones GitHub sent in octokit's recorded paginate-issues scenario (13
// issues, per_page=3).
func TestLinkHeadersLikeGitHub(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	for i := 1; i <= 13; i++ {
		s.Put(PullRequest{Repo: "octokit-fixture-org/paginate", Number: i, User: "u", Created: t0.Add(time.Duration(i) * time.Minute)})
	}
	f, err := os.Open("testdata/paginate-issues-links.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		_, link, _ := strings.Cut(sc.Text(), "\t")
		want = append(want, link)
	}

	var got []string
	next := s.URL() + "repos/octokit-fixture-org/paginate/pulls?per_page=3"
	for next != "" && len(got) < 10 {
		r := get(t, s, next)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: status %d", next, r.status)
		}
		link := r.header.Get("Link")
		// Put the recording's host, repository id and endpoint in.
		norm := strings.ReplaceAll(link, s.URL(), "https://api.github.com/")
		norm = strings.ReplaceAll(norm, "repositories/1296269/pulls", "repositories/515435940/issues")
		got = append(got, norm)
		next = ""
		for _, l := range strings.Split(link, ", ") {
			if u, ok := strings.CutSuffix(l, `>; rel="next"`); ok {
				next = strings.TrimPrefix(u, "<")
			}
		}
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Link headers (-got +want):\n%s", diff)
	}
}

func TestListPulls(t *testing.T) {
	s := NewServer(Options{PerPageMax: 4})
	defer s.Close()
	// Created in number order; updated in reverse; 3 and 5 closed; 6 on another base.
	for i := 1; i <= 6; i++ {
		pr := PullRequest{Repo: "o/r", Number: i, User: "u", Created: t0.Add(time.Duration(i) * time.Hour),
			Updated: t0.Add(time.Duration(100-i) * time.Hour)}
		if i == 3 || i == 5 {
			pr.Closed = pr.Updated
		}
		if i == 6 {
			pr.Base = "release"
		}
		s.Put(pr)
	}
	tests := []struct {
		name   string
		query  string
		status int
		want   []int
	}{
		{"defaults_open_created_desc", "", 200, []int{6, 4, 2, 1}},
		{"state_all_sort_updated_defaults_to_asc", "?state=all&sort=updated", 200, []int{6, 5, 4, 3}},
		{"sort_updated_desc", "?state=all&sort=updated&direction=desc", 200, []int{1, 2, 3, 4}},
		{"second_page", "?state=all&sort=updated&direction=desc&page=2", 200, []int{5, 6}},
		{"past_the_end", "?state=all&page=9", 200, []int{}},
		{"closed", "?state=closed&direction=asc", 200, []int{3, 5}},
		{"per_page_below_cap", "?state=all&per_page=2&direction=asc", 200, []int{1, 2}},
		{"per_page_capped", "?state=all&per_page=100&direction=asc", 200, []int{1, 2, 3, 4}},
		{"base_filter", "?base=release", 200, []int{6}},
		{"invalid_state", "?state=merged", 422, nil},
		{"unmodelled_sort", "?sort=popularity", 422, nil},
		{"invalid_direction", "?direction=up", 422, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, s, "repos/o/r/pulls"+tt.query)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
			if tt.status != 200 {
				e := decode[map[string]any](t, r)
				if e["message"] != "Validation Failed" {
					t.Errorf("message %v, want Validation Failed", e["message"])
				}
				return
			}
			got := []int{}
			for _, it := range decode[[]map[string]any](t, r) {
				got = append(got, int(it["number"].(float64)))
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("numbers (-got +want):\n%s", diff)
			}
		})
	}
}

func TestConditionalRequests(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	s.Put(PullRequest{Repo: "o/r", Number: 1, User: "u", Created: t0})
	const path = "repos/o/r/pulls?state=all&sort=updated&direction=desc"

	first := get(t, s, path)
	etag := first.header.Get("ETag")
	if first.status != 200 || etag == "" {
		t.Fatalf("first: status %d, ETag %q", first.status, etag)
	}
	again := get(t, s, path, "If-None-Match", etag)
	if again.status != http.StatusNotModified || len(again.body) != 0 {
		t.Errorf("unchanged: status %d, %d body bytes; want 304 and none", again.status, len(again.body))
	}
	if got, want := again.header.Get("X-RateLimit-Remaining"), first.header.Get("X-RateLimit-Remaining"); got != want {
		t.Errorf("a 304 used the rate limit: remaining %s after, %s before", got, want)
	}
	weak := get(t, s, path, "If-None-Match", `"other", W/`+etag)
	if weak.status != http.StatusNotModified {
		t.Errorf("weak tag in a list: status %d, want 304", weak.status)
	}

	s.Put(PullRequest{Repo: "o/r", Number: 1, User: "u", Title: "renamed", Created: t0, Updated: t0.Add(time.Hour)})
	changed := get(t, s, path, "If-None-Match", etag)
	if changed.status != 200 || changed.header.Get("ETag") == etag {
		t.Errorf("changed: status %d, ETag %q (old %q); want 200 and a new tag", changed.status, changed.header.Get("ETag"), etag)
	}
}

func TestErrors(t *testing.T) {
	s := NewServer(Options{Token: "s3cret"})
	defer s.Close()
	s.Put(PullRequest{Repo: "o/r", Number: 1, User: "u", Created: t0})
	auth := []string{"Authorization", "Bearer s3cret"}
	tests := []struct {
		name    string
		method  string
		path    string
		headers []string
		status  int
		message string
	}{
		{"bearer_token", "GET", "repos/o/r/pulls/1", auth, 200, ""},
		{"legacy_token_scheme", "GET", "repos/o/r/pulls/1", []string{"Authorization", "token s3cret"}, 200, ""},
		{"repo_names_ignore_case", "GET", "repos/O/R/pulls/1", auth, 200, ""},
		{"wrong_token", "GET", "repos/o/r/pulls/1", []string{"Authorization", "Bearer nope"}, 401, "Bad credentials"},
		{"no_token", "GET", "repos/o/r/pulls/1", nil, 401, "Requires authentication"},
		{"unknown_repo", "GET", "repos/o/missing/pulls", auth, 404, "Not Found"},
		{"unknown_pull", "GET", "repos/o/r/pulls/2", auth, 404, "Not Found"},
		{"unknown_pull_reviews", "GET", "repos/o/r/pulls/2/reviews", auth, 404, "Not Found"},
		{"number_not_a_number", "GET", "repos/o/r/pulls/abc", auth, 404, "Not Found"},
		{"unknown_repository_id", "GET", "repositories/99/pulls", auth, 404, "Not Found"},
		{"unknown_endpoint", "GET", "repos/o/r/issues", auth, 404, "Not Found"},
		{"root", "GET", "", auth, 404, "Not Found"},
		{"unsupported_method", "POST", "repos/o/r/pulls", auth, 404, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, tt.method, tt.path, tt.headers...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
			if tt.status == 200 {
				return
			}
			e := decode[map[string]string](t, r)
			got := []string{e["message"], e["status"], strconv.FormatBool(strings.HasPrefix(e["documentation_url"], "https://docs.github.com/rest"))}
			want := []string{tt.message, strconv.Itoa(tt.status), "true"}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("error body %s (-got +want):\n%s", r.body, diff)
			}
		})
	}
}

func TestFailNext(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	s.Put(PullRequest{Repo: "o/r", Number: 1, User: "u", Created: t0})
	s.FailNext("/repos/o/r/pulls/1/reviews", 502, nil, 1)
	s.FailNext("/repos/o/r/pulls", 429, map[string]string{"Retry-After": "30"}, 2)
	s.FailNext("/repos/o/r/pulls", 403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000000"}, 1)

	type result struct {
		Status             int
		Message            string
		RetryAfter         string
		Remaining, Reset   string
		SecondaryLimitDocs bool
	}
	var got []result
	for _, path := range []string{
		"repos/o/r/pulls/1/reviews", // 502
		"repos/o/r/pulls/1/reviews", // 429: the 502 is used up, the pulls prefix matches
		"repos/o/r/pulls",           // 429
		"repos/o/r/pulls",           // 403
		"repos/o/r/pulls",           // 200
	} {
		r := get(t, s, path)
		var e struct {
			Message          string `json:"message"`
			DocumentationURL string `json:"documentation_url"`
		}
		_ = json.Unmarshal(r.body, &e)
		if r.status == 200 {
			e.Message = ""
		}
		res := result{Status: r.status, Message: e.Message, RetryAfter: r.header.Get("Retry-After"),
			SecondaryLimitDocs: strings.HasSuffix(e.DocumentationURL, "secondary-rate-limits")}
		if r.status == 403 {
			res.Remaining, res.Reset = r.header.Get("X-RateLimit-Remaining"), r.header.Get("X-RateLimit-Reset")
		}
		got = append(got, res)
	}
	secondary := "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
	want := []result{
		{Status: 502, Message: "Bad Gateway"},
		{Status: 429, Message: secondary, RetryAfter: "30", SecondaryLimitDocs: true},
		{Status: 429, Message: secondary, RetryAfter: "30", SecondaryLimitDocs: true},
		{Status: 403, Message: "API rate limit exceeded for user ID 1.", Remaining: "0", Reset: "1700000000"},
		{Status: 200},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("responses (-got +want):\n%s", diff)
	}
	wantLog := []string{
		"GET /repos/o/r/pulls/1/reviews 502",
		"GET /repos/o/r/pulls/1/reviews 429",
		"GET /repos/o/r/pulls 429",
		"GET /repos/o/r/pulls 403",
		"GET /repos/o/r/pulls 200",
	}
	if diff := cmp.Diff(s.Requests(), wantLog); diff != "" {
		t.Errorf("Requests (-got +want):\n%s", diff)
	}
	s.ResetRequests()
	if got := s.Requests(); len(got) != 0 {
		t.Errorf("after ResetRequests: %v", got)
	}
}

func TestRateLimitExhausted(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	s.limit = 2
	s.Put(PullRequest{Repo: "o/r", Number: 1, User: "u", Created: t0})
	var got []string
	for range 3 {
		r := get(t, s, "repos/o/r/pulls/1")
		got = append(got, fmt.Sprintf("%d remaining=%s", r.status, r.header.Get("X-RateLimit-Remaining")))
	}
	want := []string{"200 remaining=1", "200 remaining=0", "403 remaining=0"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
}

func TestPathPrefix(t *testing.T) {
	s := NewServer(Options{PathPrefix: "/api/v3"})
	defer s.Close()
	s.Put(PullRequest{Repo: "o/r", Number: 1, User: "u", Created: t0})
	if !strings.HasSuffix(s.URL(), "/api/v3/") {
		t.Errorf("URL() = %q, want it to end in /api/v3/", s.URL())
	}
	pr := decode[map[string]any](t, get(t, s, "repos/o/r/pulls/1"))
	if got, want := pr["url"], s.URL()+"repos/o/r/pulls/1"; got != want {
		t.Errorf("url = %v, want %v", got, want)
	}
	root := strings.TrimSuffix(s.URL(), "api/v3/")
	if r := get(t, s, root+"repos/o/r/pulls/1"); r.status != 404 {
		t.Errorf("outside the prefix: status %d, want 404", r.status)
	}
	want := []string{"GET /api/v3/repos/o/r/pulls/1 200", "GET /repos/o/r/pulls/1 404"}
	if diff := cmp.Diff(s.Requests(), want); diff != "" {
		t.Errorf("Requests (-got +want):\n%s", diff)
	}
}

func TestPutDefaultsAndReplaces(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	s.Put(PullRequest{Repo: "o/r", Number: 7, User: "dependabot[bot]", Created: t0, Merged: t0.Add(2 * time.Hour),
		Reviews: []Review{{User: "ann", State: "COMMENTED", Submitted: t0.Add(3 * time.Hour)}}})
	read := func() string {
		pr := decode[map[string]any](t, get(t, s, "repos/o/r/pulls/7"))
		u := pr["user"].(map[string]any)
		return fmt.Sprintf("id=%v state=%v closed=%v updated=%v head=%v user=%v/%v html=%v commits=%v title=%v",
			pr["id"], pr["state"], pr["closed_at"], pr["updated_at"], pr["head"].(map[string]any)["ref"],
			u["login"], u["type"], strings.TrimPrefix(u["html_url"].(string), strings.TrimSuffix(s.URL(), "/")), pr["commits"], pr["title"])
	}
	got := []string{read()}
	s.Put(PullRequest{Repo: "o/r", Number: 7, User: "dependabot[bot]", Title: "again", Created: t0})
	got = append(got, read())
	want := []string{
		"id=1 state=closed closed=2024-03-04T11:00:00Z updated=2024-03-04T12:00:00Z head=topic-7 user=dependabot[bot]/Bot html=/apps/dependabot commits=1 title=",
		"id=1 state=open closed=<nil> updated=2024-03-04T09:00:00Z head=topic-7 user=dependabot[bot]/Bot html=/apps/dependabot commits=1 title=again",
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
}

func TestPutPanicsOnBadInput(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	for _, pr := range []PullRequest{{Repo: "norepo", Number: 1}, {Repo: "o/r/x", Number: 1}, {Repo: "o/r", Number: 0}} {
		t.Run(fmt.Sprintf("%s#%d", pr.Repo, pr.Number), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Put(%+v) did not panic", pr)
				}
			}()
			s.Put(pr)
		})
	}
}

// TestConcurrentUse lets the race detector watch Put, requests and the
// request log at once.
func TestConcurrentUse(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	s.Put(PullRequest{Repo: "o/r", Number: 1, User: "u", Created: t0})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 10 {
				s.Put(PullRequest{Repo: "o/r", Number: 1 + (i+j)%3, User: "u", Created: t0.Add(time.Duration(j) * time.Minute)})
				if r := get(t, s, "repos/o/r/pulls?state=all"); r.status != 200 {
					t.Errorf("status %d", r.status)
				}
				_ = s.Requests()
			}
		})
	}
	wg.Wait()
	if got := len(s.Requests()); got != 40 {
		t.Errorf("%d requests logged, want 40", got)
	}
	if !slices.ContainsFunc(s.Requests(), func(r string) bool { return strings.HasSuffix(r, " 200") }) {
		t.Errorf("no 200 in %v", s.Requests())
	}
}
