package jiratest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/coach"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	list   []any
	raw    string
}

func get(t *testing.T, s *Server, path string, q url.Values, auth func(*http.Request)) response {
	t.Helper()
	u := s.URL() + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != nil {
		auth(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if strings.HasPrefix(strings.TrimSpace(r.raw), "[") {
			err = json.Unmarshal(raw, &r.list)
		} else {
			err = json.Unmarshal(raw, &r.body)
		}
		if err != nil {
			t.Fatalf("GET %s: decoding %q: %v", path, raw, err)
		}
	}
	return r
}

func errorMessages(r response) []string {
	var out []string
	msgs, _ := r.body["errorMessages"].([]any)
	for _, m := range msgs {
		out = append(out, fmt.Sprint(m))
	}
	return out
}

func issuesOf(t *testing.T, r response) []map[string]any {
	t.Helper()
	raw, ok := r.body["issues"].([]any)
	if !ok {
		t.Fatalf("no issues in %s", r.raw)
	}
	var out []map[string]any
	for _, is := range raw {
		out = append(out, is.(map[string]any))
	}
	return out
}

func keysOf(issues []map[string]any) []string {
	var out []string
	for _, is := range issues {
		out = append(out, fmt.Sprint(is["key"]))
	}
	return out
}

// story returns an issue with n status changes, alternating between In
// Progress and To Do, an hour apart.
func story(key string, n int) Issue {
	is := Issue{Key: key, Type: "Story", Summary: "Story " + key, Status: "To Do", Created: t0, Updated: t0}
	from, to := "To Do", "In Progress"
	for i := range n {
		at := t0.Add(time.Duration(i+1) * time.Hour)
		is.History = append(is.History, Change{At: at, Author: "Ann Lee", Field: "status", From: from, To: to})
		is.Status, is.Updated = to, at
		from, to = to, from
	}
	return is
}

func TestCloudRemovedSearch(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	for _, path := range []string{"/rest/api/2/search", "/rest/api/3/search"} {
		t.Run(path, func(t *testing.T) {
			r := get(t, s, path, url.Values{"jql": {"project = ABC"}}, nil)
			if r.status != http.StatusGone {
				t.Fatalf("status = %d, want 410", r.status)
			}
			if msgs := errorMessages(r); len(msgs) != 1 || !strings.Contains(msgs[0], "/rest/api/3/search/jql") {
				t.Errorf("errorMessages = %q, want the migration notice", msgs)
			}
		})
	}
}

func TestCloudSearchJQL(t *testing.T) {
	s := NewServer(Options{MaxPageSize: 2})
	defer s.Close()
	s.Put(story("ABC-1", 1), story("ABC-2", 1), story("ABC-10", 1), story("ABC-3", 1), story("ABC-4", 1))

	t.Run("ids only without fields", func(t *testing.T) {
		r := get(t, s, "/rest/api/2/search/jql", url.Values{"jql": {"project = ABC"}}, nil)
		for _, is := range issuesOf(t, r) {
			if len(is) != 1 || is["id"] == nil {
				t.Errorf("issue = %v, want only an id", is)
			}
		}
	})

	t.Run("unbounded", func(t *testing.T) {
		r := get(t, s, "/rest/api/2/search/jql", url.Values{"jql": {"ORDER BY key"}}, nil)
		if r.status != http.StatusBadRequest {
			t.Fatalf("status = %d, want 400", r.status)
		}
		want := []string{"Unbounded JQL queries are not allowed here. Please add a search restriction to your query."}
		if diff := cmp.Diff(errorMessages(r), want); diff != "" {
			t.Errorf("errorMessages (-got +want):\n%s", diff)
		}
	})

	t.Run("bad jql", func(t *testing.T) {
		r := get(t, s, "/rest/api/2/search/jql", url.Values{"jql": {"project = NOPE"}}, nil)
		if r.status != http.StatusBadRequest {
			t.Fatalf("status = %d, want 400", r.status)
		}
		want := []string{"The value 'NOPE' does not exist for the field 'project'."}
		if diff := cmp.Diff(errorMessages(r), want); diff != "" {
			t.Errorf("errorMessages (-got +want):\n%s", diff)
		}
	})

	t.Run("pages with tokens", func(t *testing.T) {
		q := url.Values{"jql": {"project = ABC ORDER BY key ASC"}, "fields": {"summary"}, "maxResults": {"50"}}
		var got [][]string
		for range 5 {
			r := get(t, s, "/rest/api/2/search/jql", q, nil)
			if r.status != http.StatusOK {
				t.Fatalf("status = %d: %s", r.status, r.raw)
			}
			if _, hasTotal := r.body["total"]; hasTotal {
				t.Errorf("page has a total; Cloud's enhanced search has none")
			}
			got = append(got, keysOf(issuesOf(t, r)))
			tok, hasTok := r.body["nextPageToken"].(string)
			if r.body["isLast"] == true {
				if hasTok {
					t.Errorf("last page carries nextPageToken %q", tok)
				}
				break
			}
			q.Set("nextPageToken", tok)
		}
		want := [][]string{{"ABC-1", "ABC-2"}, {"ABC-3", "ABC-4"}, {"ABC-10"}}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("pages (-got +want):\n%s", diff)
		}
	})

	t.Run("token for another query", func(t *testing.T) {
		first := get(t, s, "/rest/api/2/search/jql", url.Values{"jql": {"project = ABC"}}, nil)
		tok := first.body["nextPageToken"].(string)
		r := get(t, s, "/rest/api/2/search/jql", url.Values{"jql": {"project = ABC AND status = Done"}, "nextPageToken": {tok}}, nil)
		if r.status != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", r.status)
		}
	})
}

func TestInlineChangelog(t *testing.T) {
	tests := []struct {
		name          string
		opts          Options
		path          string
		wantHistories int
		wantFirst     string // created of the first history listed
	}{
		{
			name: "cloud caps and lists newest first", opts: Options{}, path: "/rest/api/2/search/jql",
			wantHistories: 40, wantFirst: "2026-11-04T06:00:00.000+0000",
		},
		{
			name: "cloud custom cap", opts: Options{InlineChangelogLimit: 5}, path: "/rest/api/2/search/jql",
			wantHistories: 5, wantFirst: "2026-11-04T06:00:00.000+0000",
		},
		{
			name: "data center inlines everything oldest first", opts: Options{Flavor: DataCenter}, path: "/rest/api/2/search",
			wantHistories: 45, wantFirst: "2026-11-02T10:00:00.000+0000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(tt.opts)
			defer s.Close()
			s.Put(story("ABC-1", 45))
			r := get(t, s, tt.path, url.Values{"jql": {"project = ABC"}, "fields": {"status"}, "expand": {"changelog"}}, nil)
			issues := issuesOf(t, r)
			if len(issues) != 1 {
				t.Fatalf("got %d issues, want 1", len(issues))
			}
			cl := issues[0]["changelog"].(map[string]any)
			hs := cl["histories"].([]any)
			if len(hs) != tt.wantHistories || cl["total"] != float64(45) {
				t.Errorf("changelog has %d histories of total %v, want %d of 45", len(hs), cl["total"], tt.wantHistories)
			}
			if got := hs[0].(map[string]any)["created"]; got != tt.wantFirst {
				t.Errorf("first history created %v, want %s", got, tt.wantFirst)
			}
		})
	}
}

func TestChangelogEndpoint(t *testing.T) {
	t.Run("cloud pages oldest first", func(t *testing.T) {
		s := NewServer(Options{})
		defer s.Close()
		s.Put(story("ABC-1", 150))
		var ids []string
		startAt := 0
		for range 5 {
			r := get(t, s, "/rest/api/2/issue/ABC-1/changelog", url.Values{"startAt": {fmt.Sprint(startAt)}, "maxResults": {"500"}}, nil)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			if r.body["maxResults"] != float64(100) || r.body["total"] != float64(150) {
				t.Errorf("maxResults %v total %v, want 100 and 150", r.body["maxResults"], r.body["total"])
			}
			for _, v := range r.body["values"].([]any) {
				ids = append(ids, v.(map[string]any)["id"].(string))
			}
			if r.body["isLast"] == true {
				break
			}
			startAt = len(ids)
		}
		if len(ids) != 150 || !slices.IsSorted(ids) {
			t.Errorf("got %d history ids (sorted: %v), want 150 in order", len(ids), slices.IsSorted(ids))
		}
	})
	t.Run("data center has none", func(t *testing.T) {
		s := NewServer(Options{Flavor: DataCenter})
		defer s.Close()
		s.Put(story("ABC-1", 2))
		if r := get(t, s, "/rest/api/2/issue/ABC-1/changelog", nil, nil); r.status != http.StatusNotFound {
			t.Errorf("status = %d, want 404", r.status)
		}
	})
}

func TestDataCenterSearch(t *testing.T) {
	s := NewServer(Options{Flavor: DataCenter, MaxPageSize: 2})
	defer s.Close()
	s.Put(story("ABC-1", 1), story("ABC-2", 1), story("ABC-3", 1))

	if r := get(t, s, "/rest/api/2/search/jql", url.Values{"jql": {"project = ABC"}}, nil); r.status != http.StatusNotFound {
		t.Errorf("/search/jql status = %d, want 404", r.status)
	}
	r := get(t, s, "/rest/api/2/search", url.Values{"jql": {"project = ABC"}, "startAt": {"2"}, "maxResults": {"10"}}, nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	got := map[string]any{"startAt": r.body["startAt"], "maxResults": r.body["maxResults"], "total": r.body["total"]}
	want := map[string]any{"startAt": float64(2), "maxResults": float64(2), "total": float64(3)}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("paging (-got +want):\n%s", diff)
	}
	issues := issuesOf(t, r)
	if diff := cmp.Diff(keysOf(issues), []string{"ABC-3"}); diff != "" {
		t.Errorf("keys (-got +want):\n%s", diff)
	}
	if f, ok := issues[0]["fields"].(map[string]any); !ok || f["summary"] != "Story ABC-3" {
		t.Errorf("fields = %v, want every navigable field when none are named", issues[0]["fields"])
	}
}

func TestIssueShape(t *testing.T) {
	s := NewServer(Options{UserTimeZone: "America/New_York"})
	defer s.Close()
	done := t0.Add(48 * time.Hour)
	s.Put(Issue{
		Key: "ABC-7", Type: "Bug", Summary: "Crash", Status: "Done", Resolution: "Done", Assignee: "Ann Lee",
		Created: t0, Updated: done,
		History: []Change{
			{At: done, Author: "Ann Lee", Field: "status", From: "To Do", To: "Done"},
			{At: done, Author: "Ann Lee", Field: "resolution", To: "Done"},
		},
	})
	r := get(t, s, "/rest/api/2/issue/ABC-7", url.Values{"expand": {"changelog"}}, nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	f := r.body["fields"].(map[string]any)
	got := map[string]any{
		"created":    f["created"],
		"updated":    f["updated"],
		"status":     f["status"].(map[string]any)["name"],
		"category":   f["status"].(map[string]any)["statusCategory"].(map[string]any)["key"],
		"resolution": f["resolution"].(map[string]any)["name"],
		"assignee":   f["assignee"].(map[string]any)["displayName"],
		"subtask":    f["issuetype"].(map[string]any)["subtask"],
	}
	want := map[string]any{
		"created":    "2026-11-02T04:00:00.000-0500",
		"updated":    "2026-11-04T04:00:00.000-0500",
		"status":     "Done",
		"category":   "done",
		"resolution": "Done",
		"assignee":   "Ann Lee",
		"subtask":    false,
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("fields (-got +want):\n%s", diff)
	}
	hs := r.body["changelog"].(map[string]any)["histories"].([]any)
	if len(hs) != 1 {
		t.Fatalf("got %d histories, want the status and resolution change as one", len(hs))
	}
	items := hs[0].(map[string]any)["items"].([]any)
	status := items[0].(map[string]any)
	wantItem := map[string]any{
		"field": "status", "fieldtype": "jira", "fieldId": "status",
		"from": "10000", "fromString": "To Do", "to": "10001", "toString": "Done",
	}
	if diff := cmp.Diff(status, wantItem); diff != "" || len(items) != 2 {
		t.Errorf("got %d items; status item (-got +want):\n%s", len(items), diff)
	}
}

func TestMyselfAndStatuses(t *testing.T) {
	s := NewServer(Options{
		UserTimeZone: "Europe/Berlin",
		Statuses: []coach.Status{
			{ID: "1", Name: "Open", Category: coach.CategoryNew},
			{Name: "Review", Category: coach.CategoryIndeterminate},
			{ID: "6", Name: "Closed", Category: coach.CategoryDone},
		},
	})
	defer s.Close()
	if r := get(t, s, "/rest/api/2/myself", nil, nil); r.body["timeZone"] != "Europe/Berlin" {
		t.Errorf("myself timeZone = %v, want Europe/Berlin", r.body["timeZone"])
	}
	r := get(t, s, "/rest/api/2/status", nil, nil)
	var got []string
	for _, v := range r.list {
		st := v.(map[string]any)
		got = append(got, fmt.Sprintf("%s %s %s", st["id"], st["name"], st["statusCategory"].(map[string]any)["key"]))
	}
	want := []string{"1 Open new", "20002 Review indeterminate", "6 Closed done"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("statuses (-got +want):\n%s", diff)
	}
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		auth       func(*http.Request)
		wantStatus int
		wantType   string
	}{
		{name: "cloud basic ok", opts: Options{Email: "bot@example.com", APIToken: "tok"},
			auth: func(r *http.Request) { r.SetBasicAuth("bot@example.com", "tok") }, wantStatus: 200},
		{name: "cloud wrong token", opts: Options{Email: "bot@example.com", APIToken: "tok"},
			auth: func(r *http.Request) { r.SetBasicAuth("bot@example.com", "nope") }, wantStatus: 401, wantType: "text/plain"},
		{name: "cloud none", opts: Options{Email: "bot@example.com", APIToken: "tok"}, wantStatus: 401, wantType: "text/plain"},
		{name: "data center pat ok", opts: Options{Flavor: DataCenter, PAT: "pat"},
			auth: func(r *http.Request) { r.Header.Set("Authorization", "Bearer pat") }, wantStatus: 200},
		{name: "data center pat wrong", opts: Options{Flavor: DataCenter, PAT: "pat"},
			auth: func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") }, wantStatus: 401, wantType: "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(tt.opts)
			defer s.Close()
			r := get(t, s, "/rest/api/2/myself", nil, tt.auth)
			if r.status != tt.wantStatus {
				t.Errorf("status = %d, want %d", r.status, tt.wantStatus)
			}
			if tt.wantType != "" && !strings.HasPrefix(r.header.Get("Content-Type"), tt.wantType) {
				t.Errorf("Content-Type = %q, want %s", r.header.Get("Content-Type"), tt.wantType)
			}
		})
	}
}

func TestFailNextAndRequests(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	s.FailNext("/rest/api/2/status", http.StatusTooManyRequests, "3", 2)
	var got []string
	for range 3 {
		r := get(t, s, "/rest/api/2/status", nil, nil)
		got = append(got, fmt.Sprintf("%d %s", r.status, r.header.Get("Retry-After")))
	}
	want := []string{"429 3", "429 3", "200 "}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("answers (-got +want):\n%s", diff)
	}
	get(t, s, "/rest/api/2/myself", url.Values{"x": {"a b"}}, nil)
	wantReqs := []string{
		"GET /rest/api/2/status", "GET /rest/api/2/status", "GET /rest/api/2/status", "GET /rest/api/2/myself?x=a+b",
	}
	if diff := cmp.Diff(s.Requests(), wantReqs); diff != "" {
		t.Errorf("Requests (-got +want):\n%s", diff)
	}
	s.ResetRequests()
	if got := s.Requests(); len(got) != 0 {
		t.Errorf("Requests after reset = %q, want none", got)
	}
}

func TestUnknownPathAndVersion(t *testing.T) {
	s := NewServer(Options{Flavor: DataCenter})
	defer s.Close()
	for _, path := range []string{"/rest/api/3/status", "/rest/agile/1.0/board", "/nothing"} {
		t.Run(path, func(t *testing.T) {
			if r := get(t, s, path, nil, nil); r.status != http.StatusNotFound {
				t.Errorf("status = %d, want 404", r.status)
			}
		})
	}
}

// dig walks a decoded payload: a string step indexes an object, an int an
// array. It returns nil when the path does not exist.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[p]
		case int:
			l, ok := v.([]any)
			if !ok || p >= len(l) {
				return nil
			}
			v = l[p]
		}
	}
	return v
}

func TestIssue3Fields(t *testing.T) {
	resolved := t0.Add(5 * time.Hour)
	site := []Issue{
		{Key: "PAY-1", Type: "Epic", Summary: "Payments", Status: "In Progress", Created: t0, Updated: t0},
		{
			Key: "PAY-2", Type: "Story", Summary: "Card form", Status: "Done", Resolution: "Done", Created: t0, Updated: resolved,
			Resolved: resolved, Parent: "PAY-1", Points: 2.5, Estimated: true,
			History: []Change{
				{At: t0.Add(time.Hour), Author: "Ann Lee", Field: "Flagged", To: "Impediment"},
				{At: t0.Add(2 * time.Hour), Author: "Ann Lee", Field: "Flagged", From: "Impediment"},
			},
			Links: []IssueLink{{Type: "Blocks", Inward: true, Key: "PAY-3"}, {Type: "Blocks", Key: "PAY-404"}},
		},
		{
			Key: "PAY-3", Type: "Story", Summary: "Gateway", Status: "To Do", Created: t0, Updated: t0,
			History: []Change{{At: t0.Add(time.Hour), Author: "Ann Lee", Field: "Flagged", To: "Impediment"}},
			// The same link declared again from this side: drawn once.
			Links: []IssueLink{{Type: "Blocks", Key: "PAY-2"}, {Type: "Fixes", Key: "PAY-1"}},
		},
		{Key: "PAY-4", Type: "Sub-task", Subtask: true, Summary: "Tests", Status: "To Do", Created: t0, Updated: t0, Parent: "PAY-2"},
	}
	fieldsOf := func(t *testing.T, s *Server, key string) map[string]any {
		t.Helper()
		r := get(t, s, "/rest/api/2/issue/"+key, url.Values{"expand": {"changelog"}}, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", key, r.status, r.raw)
		}
		return r.body["fields"].(map[string]any)
	}

	t.Run("cloud", func(t *testing.T) {
		s := NewServer(Options{})
		defer s.Close()
		s.Put(site...)
		f2, f3, f1 := fieldsOf(t, s, "PAY-2"), fieldsOf(t, s, "PAY-3"), fieldsOf(t, s, "PAY-1")
		got := map[string]any{
			"parent key":         dig(f2, "parent", "key"),
			"parent summary":     dig(f2, "parent", "fields", "summary"),
			"parent type":        dig(f2, "parent", "fields", "issuetype", "name"),
			"resolutiondate":     f2["resolutiondate"],
			"points":             f2[PointsField],
			"unflagged":          f2[FlaggedField],
			"flagged":            dig(f3, FlaggedField, 0, "value"),
			"unresolved":         f3["resolutiondate"],
			"unestimated":        f3[PointsField],
			"no parent":          f1["parent"],
			"epic link on cloud": f2[EpicLinkField],
		}
		want := map[string]any{
			"parent key":         "PAY-1",
			"parent summary":     "Payments",
			"parent type":        "Epic",
			"resolutiondate":     "2026-11-02T14:00:00.000+0000",
			"points":             2.5,
			"unflagged":          nil,
			"flagged":            "Impediment",
			"unresolved":         nil,
			"unestimated":        nil,
			"no parent":          nil,
			"epic link on cloud": nil,
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("fields (-got +want):\n%s", diff)
		}
		if _, ok := f1["parent"]; ok {
			t.Error("an issue without parent has a parent field; Jira leaves it out")
		}

		// Links: PAY-2 "is blocked by" PAY-3; the link to a missing issue
		// is left out. PAY-3 sees the reverse once, PAY-1 the Fixes link.
		type link struct {
			ID, Type, Inward, Outward, Side, Key, Category string
		}
		links := func(f map[string]any) []link {
			var out []link
			for _, l := range f["issuelinks"].([]any) {
				side := "inwardIssue"
				if dig(l, side) == nil {
					side = "outwardIssue"
				}
				out = append(out, link{
					ID: fmt.Sprint(dig(l, "id")), Type: fmt.Sprint(dig(l, "type", "name")),
					Inward: fmt.Sprint(dig(l, "type", "inward")), Outward: fmt.Sprint(dig(l, "type", "outward")),
					Side: side, Key: fmt.Sprint(dig(l, side, "key")),
					Category: fmt.Sprint(dig(l, side, "fields", "status", "statusCategory", "key")),
				})
			}
			return out
		}
		got2, got3, got1 := links(f2), links(f3), links(f1)
		want2 := []link{{ID: got2[0].ID, Type: "Blocks", Inward: "is blocked by", Outward: "blocks", Side: "inwardIssue", Key: "PAY-3", Category: "new"}}
		if diff := cmp.Diff(got2, want2); diff != "" {
			t.Errorf("PAY-2 links (-got +want):\n%s", diff)
		}
		want3 := []link{
			{ID: got3[0].ID, Type: "Blocks", Inward: "is blocked by", Outward: "blocks", Side: "outwardIssue", Key: "PAY-2", Category: "done"},
			{ID: got3[1].ID, Type: "Fixes", Inward: "fixes", Outward: "fixes", Side: "outwardIssue", Key: "PAY-1", Category: "indeterminate"},
		}
		if diff := cmp.Diff(got3, want3); diff != "" {
			t.Errorf("PAY-3 links (-got +want):\n%s", diff)
		}
		// One link, one id, on both sides.
		want1 := []link{{ID: got3[1].ID, Type: "Fixes", Inward: "fixes", Outward: "fixes", Side: "inwardIssue", Key: "PAY-3", Category: "new"}}
		if diff := cmp.Diff(got1, want1); diff != "" {
			t.Errorf("PAY-1 links (-got +want):\n%s", diff)
		}

		// The Flagged change as Cloud records it.
		r := get(t, s, "/rest/api/2/issue/PAY-2/changelog", nil, nil)
		items := dig(r.body, "values", 0, "items", 0)
		wantItem := map[string]any{
			"field": "Flagged", "fieldtype": "custom", "fieldId": FlaggedField,
			"from": nil, "fromString": nil, "to": "[10019]", "toString": "Impediment",
		}
		if diff := cmp.Diff(items, any(wantItem)); diff != "" {
			t.Errorf("Flagged change (-got +want):\n%s", diff)
		}
	})

	t.Run("data center", func(t *testing.T) {
		s := NewServer(Options{Flavor: DataCenter})
		defer s.Close()
		s.Put(site...)
		f2, f4, f1 := fieldsOf(t, s, "PAY-2"), fieldsOf(t, s, "PAY-4"), fieldsOf(t, s, "PAY-1")
		got := map[string]any{
			"epic child parent":    f2["parent"],
			"epic child epic link": f2[EpicLinkField],
			"sub-task parent":      dig(f4, "parent", "key"),
			"sub-task epic link":   f4[EpicLinkField],
			"epic epic link":       f1[EpicLinkField],
		}
		want := map[string]any{
			"epic child parent":    nil,
			"epic child epic link": "PAY-1",
			"sub-task parent":      "PAY-2",
			"sub-task epic link":   nil,
			"epic epic link":       nil,
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("fields (-got +want):\n%s", diff)
		}
	})

	t.Run("fields on request only", func(t *testing.T) {
		s := NewServer(Options{})
		defer s.Close()
		s.Put(site...)
		r := get(t, s, "/rest/api/2/search/jql", url.Values{"jql": {"key = PAY-2"}, "fields": {"summary," + PointsField}}, nil)
		f := issuesOf(t, r)[0]["fields"].(map[string]any)
		if diff := cmp.Diff(f, map[string]any{"summary": "Card form", PointsField: 2.5}); diff != "" {
			t.Errorf("fields (-got +want):\n%s", diff)
		}
	})
}
