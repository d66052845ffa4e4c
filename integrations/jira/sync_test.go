package jira_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/jira"
	"github.com/flowbot/flowbot/integrations/jira/jiratest"
	"github.com/flowbot/flowbot/integrations/retry"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func hours(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }

// flow returns an issue that moved through the given statuses, one an hour
// after creation, each change by Ann Lee.
func flow(key string, statuses ...string) jiratest.Issue {
	is := jiratest.Issue{Key: key, Type: "Story", Summary: "Work on " + key, Status: statuses[0], Created: t0, Updated: t0}
	for i, to := range statuses[1:] {
		at := hours(i + 1)
		is.History = append(is.History, jiratest.Change{At: at, Author: "Ann Lee", Field: "status", From: is.Status, To: to})
		is.Status, is.Updated = to, at
	}
	return is
}

// item is what flow(key, statuses...) should become.
func item(key string, statuses ...string) coach.Item {
	it := coach.Item{Key: key, Title: "Work on " + key, Type: "Story", Status: statuses[0], Created: t0, Updated: t0}
	for i, to := range statuses[1:] {
		it.Transitions = append(it.Transitions, coach.Transition{At: hours(i + 1), From: it.Status, To: to})
		it.Status, it.Updated = to, hours(i+1)
	}
	return it
}

// longFlow returns an issue bouncing between To Do and In Progress n times.
func longFlow(key string, n int) (jiratest.Issue, coach.Item) {
	statuses := []string{"To Do"}
	for i := range n {
		statuses = append(statuses, []string{"In Progress", "To Do"}[i%2])
	}
	return flow(key, statuses...), item(key, statuses...)
}

func newClient(t *testing.T, s *jiratest.Server, cfg jira.Config) *jira.Client {
	t.Helper()
	cfg.BaseURL = s.URL()
	c, err := jira.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// syncPages runs a sync and returns the keys of each page handed over,
// every item by key, and the result.
func syncPages(t *testing.T, c *jira.Client, jql string, since time.Time) ([][]string, map[string]coach.Item, jira.SyncResult) {
	t.Helper()
	var pages [][]string
	items := map[string]coach.Item{}
	res, err := c.Sync(t.Context(), jql, since, func(page []coach.Item) error {
		var keys []string
		for _, it := range page {
			keys = append(keys, it.Key)
			items[it.Key] = it
		}
		pages = append(pages, keys)
		return nil
	})
	if err != nil {
		t.Fatalf("Sync(%q, %v): %v", jql, since, err)
	}
	return pages, items, res
}

// call is one logged request, reduced to what tests assert on.
type call struct {
	Path  string
	Query url.Values
}

func calls(t *testing.T, s *jiratest.Server) []call {
	t.Helper()
	var out []call
	for _, r := range s.Requests() {
		method, target, _ := strings.Cut(r, " ")
		if method != http.MethodGet {
			t.Errorf("request %q is not a GET", r)
		}
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, call{Path: u.Path, Query: u.Query()})
	}
	return out
}

func paths(cs []call) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Path)
	}
	return out
}

func TestSyncCloudPages(t *testing.T) {
	s := jiratest.NewServer(jiratest.Options{})
	defer s.Close()
	s.Put(
		flow("ABC-1", "To Do", "In Progress", "Done"),
		flow("ABC-2", "To Do"),
		flow("ABC-3", "To Do", "In Progress"),
		flow("ABC-4", "To Do", "In Progress"),
		flow("ABC-10", "To Do", "In Progress", "In Review"),
		jiratest.Issue{Key: "ABC-5", Type: "Sub-task", Subtask: true, Status: "To Do", Created: t0, Updated: t0},
		flow("XYZ-1", "To Do", "In Progress"),
	)
	// A done issue with everything a mapping can get wrong.
	done := flow("ABC-1", "To Do", "In Progress", "Done")
	done.Type, done.Resolution, done.Assignee = "Bug", "Done", "Ann Lee"
	done.History = append(done.History, jiratest.Change{At: hours(2), Author: "Ann Lee", Field: "resolution", To: "Done"})
	s.Put(done)
	s.PutUsers(jiratest.User{DisplayName: "Ann Lee", AccountID: "5b10a2844c20165700ede21g"})

	c := newClient(t, s, jira.Config{PageSize: 2})
	pages, items, res := syncPages(t, c, "project = ABC ORDER BY Rank ASC", time.Time{})

	wantPages := [][]string{{"ABC-1", "ABC-2"}, {"ABC-3", "ABC-4"}, {"ABC-10"}}
	if diff := cmp.Diff(pages, wantPages); diff != "" {
		t.Errorf("pages (-got +want):\n%s", diff)
	}
	wantDone := item("ABC-1", "To Do", "In Progress", "Done")
	wantDone.Type, wantDone.Resolution, wantDone.Assignee = "Bug", "Done", "Ann Lee"
	if diff := cmp.Diff(items["ABC-1"], wantDone); diff != "" {
		t.Errorf("ABC-1 (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(items["ABC-10"], item("ABC-10", "To Do", "In Progress", "In Review")); diff != "" {
		t.Errorf("ABC-10 (-got +want):\n%s", diff)
	}
	wantRes := jira.SyncResult{Issues: 5, MaxUpdated: hours(2), Users: []jira.User{{AccountID: "5b10a2844c20165700ede21g", DisplayName: "Ann Lee"}}}
	if diff := cmp.Diff(res, wantRes); diff != "" {
		t.Errorf("result (-got +want):\n%s", diff)
	}

	cs := calls(t, s)
	wantPaths := []string{"/rest/api/2/search/jql", "/rest/api/2/search/jql", "/rest/api/2/search/jql"}
	if diff := cmp.Diff(paths(cs), wantPaths); diff != "" {
		t.Fatalf("requests (-got +want):\n%s", diff)
	}
	for i, c := range cs {
		want := url.Values{
			"jql":        {"(project = ABC) AND issuetype not in subTaskIssueTypes() ORDER BY key ASC"},
			"fields":     {"summary,status,issuetype,resolution,assignee,created,updated,parent,resolutiondate,issuelinks,comment,customfield_10016"},
			"expand":     {"changelog"},
			"maxResults": {"2"},
		}
		if i > 0 {
			want["nextPageToken"] = c.Query["nextPageToken"]
			if c.Query.Get("nextPageToken") == "" {
				t.Errorf("request %d has no nextPageToken", i)
			}
		}
		if diff := cmp.Diff(c.Query, want); diff != "" {
			t.Errorf("request %d query (-got +want):\n%s", i, diff)
		}
	}
}

func TestSyncLongChangelog(t *testing.T) {
	long, wantLong := longFlow("ABC-1", 150)
	short, wantShort := longFlow("ABC-2", 3)
	tests := []struct {
		name      string
		opts      jiratest.Options
		wantPaths []string
	}{
		{
			name: "cloud pages the changelog endpoint",
			opts: jiratest.Options{},
			wantPaths: []string{
				"/rest/api/2/search/jql",
				"/rest/api/2/issue/ABC-1/changelog",
				"/rest/api/2/issue/ABC-1/changelog",
			},
		},
		{
			name:      "data center reads the issue",
			opts:      jiratest.Options{Flavor: jiratest.DataCenter, InlineChangelogLimit: 20},
			wantPaths: []string{"/rest/api/2/search", "/rest/api/2/issue/ABC-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := jiratest.NewServer(tt.opts)
			defer s.Close()
			s.Put(long, short)
			c := newClient(t, s, jira.Config{Flavor: tt.opts.Flavor})
			_, items, _ := syncPages(t, c, "project = ABC", time.Time{})
			if diff := cmp.Diff(items["ABC-1"], wantLong); diff != "" {
				t.Errorf("ABC-1 (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(items["ABC-2"], wantShort); diff != "" {
				t.Errorf("ABC-2 (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(paths(calls(t, s)), tt.wantPaths); diff != "" {
				t.Errorf("requests (-got +want):\n%s", diff)
			}
		})
	}
}

func TestSyncDataCenterPages(t *testing.T) {
	// The server caps pages at 2 although the client asks for 100: the
	// next page must start after what arrived.
	s := jiratest.NewServer(jiratest.Options{Flavor: jiratest.DataCenter, MaxPageSize: 2, PAT: "pat-123"})
	defer s.Close()
	for _, k := range []string{"ABC-1", "ABC-2", "ABC-3", "ABC-4", "ABC-10"} {
		s.Put(flow(k, "To Do", "In Progress"))
	}
	c := newClient(t, s, jira.Config{Flavor: jira.FlavorDataCenter, PAT: "pat-123"})
	pages, items, _ := syncPages(t, c, "project = ABC", time.Time{})
	wantPages := [][]string{{"ABC-1", "ABC-2"}, {"ABC-3", "ABC-4"}, {"ABC-10"}}
	if diff := cmp.Diff(pages, wantPages); diff != "" {
		t.Errorf("pages (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(items["ABC-3"], item("ABC-3", "To Do", "In Progress")); diff != "" {
		t.Errorf("ABC-3 (-got +want):\n%s", diff)
	}
	var starts []string
	for _, c := range calls(t, s) {
		starts = append(starts, c.Path+" startAt="+c.Query.Get("startAt")+" maxResults="+c.Query.Get("maxResults"))
	}
	want := []string{
		"/rest/api/2/search startAt=0 maxResults=100",
		"/rest/api/2/search startAt=2 maxResults=100",
		"/rest/api/2/search startAt=4 maxResults=100",
	}
	if diff := cmp.Diff(starts, want); diff != "" {
		t.Errorf("requests (-got +want):\n%s", diff)
	}
}

func TestSyncIncremental(t *testing.T) {
	s := jiratest.NewServer(jiratest.Options{UserTimeZone: "Europe/Berlin"})
	defer s.Close()
	s.Put(
		flow("ABC-1", "To Do", "In Progress", "Done"),
		flow("ABC-2", "To Do", "In Progress"),
		flow("ABC-3", "To Do"),
	)
	c := newClient(t, s, jira.Config{})

	_, _, first := syncPages(t, c, "project = ABC", time.Time{})
	if first.Issues != 3 || !first.MaxUpdated.Equal(hours(2)) {
		t.Fatalf("first sync = %+v, want 3 issues up to %v", first, hours(2))
	}

	// A day later ABC-2 moves on; nothing else changes.
	moved := flow("ABC-2", "To Do", "In Progress")
	moved.History = append(moved.History, jiratest.Change{At: hours(26), Author: "Bo Chen", Field: "status", From: "In Progress", To: "In Review"})
	moved.Status, moved.Updated = "In Review", hours(26)
	s.Put(moved)
	s.ResetRequests()

	pages, items, second := syncPages(t, c, "project = ABC", first.MaxUpdated)
	// ABC-1 was the latest change of the first sync: the overlap reads it
	// again. ABC-3 is not read.
	if diff := cmp.Diff(pages, [][]string{{"ABC-1", "ABC-2"}}); diff != "" {
		t.Errorf("second sync pages (-got +want):\n%s", diff)
	}
	wantMoved := item("ABC-2", "To Do", "In Progress")
	wantMoved.Transitions = append(wantMoved.Transitions, coach.Transition{At: hours(26), From: "In Progress", To: "In Review"})
	wantMoved.Status, wantMoved.Updated = "In Review", hours(26)
	if diff := cmp.Diff(items["ABC-2"], wantMoved); diff != "" {
		t.Errorf("ABC-2 (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(second, jira.SyncResult{Issues: 2, MaxUpdated: hours(26)}); diff != "" {
		t.Errorf("second result (-got +want):\n%s", diff)
	}
	cs := calls(t, s)
	if diff := cmp.Diff(paths(cs), []string{"/rest/api/2/myself", "/rest/api/2/search/jql"}); diff != "" {
		t.Fatalf("second sync requests (-got +want):\n%s", diff)
	}
	// The cursor, 2026-11-02 11:00 UTC, minus two minutes, in Berlin (UTC+1).
	wantJQL := `(project = ABC) AND issuetype not in subTaskIssueTypes() AND updated >= "2026/11/02 11:58" ORDER BY key ASC`
	if got := cs[1].Query.Get("jql"); got != wantJQL {
		t.Errorf("second sync jql = %q, want %q", got, wantJQL)
	}

	// The user's zone is fetched once per client.
	s.ResetRequests()
	pages, _, third := syncPages(t, c, "project = ABC", second.MaxUpdated)
	if diff := cmp.Diff(paths(calls(t, s)), []string{"/rest/api/2/search/jql"}); diff != "" {
		t.Errorf("third sync requests (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(pages, [][]string{{"ABC-2"}}); diff != "" {
		t.Errorf("third sync pages (-got +want):\n%s", diff)
	}
	if !third.MaxUpdated.Equal(hours(26)) {
		t.Errorf("third sync MaxUpdated = %v, want %v", third.MaxUpdated, hours(26))
	}
}

func TestSyncDateInUserZone(t *testing.T) {
	// Jira reads "2026/11/20 10:15" in the user's zone: 15:15 UTC in New
	// York. Written in UTC, the clause would mean 20:15 UTC and miss ABC-1.
	s := jiratest.NewServer(jiratest.Options{UserTimeZone: "America/New_York"})
	defer s.Close()
	at := func(hh, mm int) time.Time { return time.Date(2026, 11, 20, hh, mm, 0, 0, time.UTC) }
	s.Put(
		jiratest.Issue{Key: "ABC-1", Status: "To Do", Created: t0, Updated: at(15, 16)},
		jiratest.Issue{Key: "ABC-2", Status: "To Do", Created: t0, Updated: at(15, 14)},
	)
	c := newClient(t, s, jira.Config{})
	pages, _, res := syncPages(t, c, "project = ABC", at(15, 17).Add(30*time.Second))
	if diff := cmp.Diff(pages, [][]string{{"ABC-1"}}); diff != "" {
		t.Errorf("pages (-got +want):\n%s", diff)
	}
	cs := calls(t, s)
	if got := cs[len(cs)-1].Query.Get("jql"); !strings.Contains(got, `updated >= "2026/11/20 10:15"`) {
		t.Errorf("jql = %q, want the date in New York time", got)
	}
	// The cursor never goes back, even when only the overlap matched.
	if want := at(15, 17).Add(30 * time.Second); !res.MaxUpdated.Equal(want) {
		t.Errorf("MaxUpdated = %v, want %v", res.MaxUpdated, want)
	}
}

func TestSyncErrors(t *testing.T) {
	tests := []struct {
		name     string
		server   jiratest.Options
		client   jira.Config
		jql      string
		wantCode int      // 0: no *jira.Error expected
		wantText []string // all must appear in the error
		notText  string   // must not appear (a secret)
	}{
		{
			name:     "bad team jql",
			jql:      "project = NOPE",
			wantCode: http.StatusBadRequest,
			wantText: []string{"The value 'NOPE' does not exist for the field 'project'.", "(project = NOPE)"},
		},
		{
			name:     "jql syntax",
			jql:      "project = ABC AND",
			wantCode: http.StatusBadRequest,
			wantText: []string{"Error in the JQL Query"},
		},
		{
			name:     "data center client on cloud",
			client:   jira.Config{Flavor: jira.FlavorDataCenter},
			jql:      "project = ABC",
			wantCode: http.StatusGone,
			wantText: []string{"The requested API has been removed", "set the flavor to cloud"},
		},
		{
			name:     "cloud client on data center",
			server:   jiratest.Options{Flavor: jiratest.DataCenter},
			jql:      "project = ABC",
			wantCode: http.StatusNotFound,
			wantText: []string{"set the flavor to datacenter"},
		},
		{
			name:     "wrong api token",
			server:   jiratest.Options{Email: "bot@example.com", APIToken: "right-token"},
			client:   jira.Config{Email: "bot@example.com", APIToken: "wrong-token"},
			jql:      "project = ABC",
			wantCode: http.StatusUnauthorized,
			wantText: []string{"Client must be authenticated", "check the Jira email and API token"},
			notText:  "wrong-token",
		},
		{
			name:     "wrong pat",
			server:   jiratest.Options{Flavor: jiratest.DataCenter, PAT: "right-pat"},
			client:   jira.Config{Flavor: jira.FlavorDataCenter, PAT: "wrong-pat"},
			jql:      "project = ABC",
			wantCode: http.StatusUnauthorized,
			wantText: []string{"check the Jira personal access token"},
			notText:  "wrong-pat",
		},
		{
			name:     "jql without a condition",
			jql:      "ORDER BY created",
			wantText: []string{"team jql has no search condition"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := jiratest.NewServer(tt.server)
			defer s.Close()
			s.Put(flow("ABC-1", "To Do"))
			c := newClient(t, s, tt.client)
			_, err := c.Sync(t.Context(), tt.jql, time.Time{}, func([]coach.Item) error {
				t.Error("fn called on a failing sync")
				return nil
			})
			if err == nil {
				t.Fatal("Sync succeeded, want an error")
			}
			var jerr *jira.Error
			if got := errors.As(err, &jerr); got != (tt.wantCode != 0) || (got && jerr.StatusCode != tt.wantCode) {
				t.Errorf("error %v: want a *jira.Error with status %d", err, tt.wantCode)
			}
			for _, want := range tt.wantText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if tt.notText != "" && strings.Contains(err.Error(), tt.notText) {
				t.Errorf("error %q reveals the credential", err)
			}
		})
	}
}

func TestSyncRetriesThroughRetryTransport(t *testing.T) {
	s := jiratest.NewServer(jiratest.Options{InlineChangelogLimit: 1})
	defer s.Close()
	s.Put(flow("ABC-1", "To Do", "In Progress", "Done"), flow("ABC-2", "To Do"))
	s.FailNext("/rest/api/2/search/jql", http.StatusTooManyRequests, "7", 2)
	s.FailNext("/rest/api/2/issue/ABC-1/changelog", http.StatusServiceUnavailable, "", 1)

	var mu sync.Mutex
	var waits []time.Duration
	rt := &retry.Transport{
		Base:    http.DefaultTransport,
		Service: "jira",
		Logger:  slog.New(slog.DiscardHandler),
		Sleep: func(_ context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			waits = append(waits, d)
			return nil
		},
	}
	c := newClient(t, s, jira.Config{HTTPClient: &http.Client{Transport: rt}})
	_, items, res := syncPages(t, c, "project = ABC", time.Time{})
	if res.Issues != 2 {
		t.Errorf("synced %d issues, want 2", res.Issues)
	}
	if diff := cmp.Diff(items["ABC-1"], item("ABC-1", "To Do", "In Progress", "Done")); diff != "" {
		t.Errorf("ABC-1 (-got +want):\n%s", diff)
	}
	if len(waits) != 3 || waits[0] != 7*time.Second || waits[1] != 7*time.Second {
		t.Errorf("waits = %v, want 7s, 7s (Retry-After) and one backoff", waits)
	}
	wantPaths := []string{
		"/rest/api/2/search/jql", "/rest/api/2/search/jql", "/rest/api/2/search/jql",
		"/rest/api/2/issue/ABC-1/changelog", "/rest/api/2/issue/ABC-1/changelog",
	}
	if diff := cmp.Diff(paths(calls(t, s)), wantPaths); diff != "" {
		t.Errorf("requests (-got +want):\n%s", diff)
	}
	if got := rt.Calls(); got != int64(len(wantPaths)) {
		t.Errorf("retry transport counted %d calls, want %d", got, len(wantPaths))
	}
}

func TestSyncFnErrorStops(t *testing.T) {
	s := jiratest.NewServer(jiratest.Options{})
	defer s.Close()
	s.Put(flow("ABC-1", "To Do"), flow("ABC-2", "To Do"), flow("ABC-3", "To Do"))
	c := newClient(t, s, jira.Config{PageSize: 1})
	errFull := errors.New("store full")
	calledFn := 0
	_, err := c.Sync(t.Context(), "project = ABC", time.Time{}, func([]coach.Item) error {
		calledFn++
		return errFull
	})
	if !errors.Is(err, errFull) {
		t.Errorf("Sync error = %v, want it to wrap %v", err, errFull)
	}
	if calledFn != 1 || len(s.Requests()) != 1 {
		t.Errorf("fn called %d times after %d requests, want 1 and 1", calledFn, len(s.Requests()))
	}
}

func TestSyncCanceled(t *testing.T) {
	s := jiratest.NewServer(jiratest.Options{})
	defer s.Close()
	s.Put(flow("ABC-1", "To Do"))
	c := newClient(t, s, jira.Config{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Sync(ctx, "project = ABC", time.Time{}, func([]coach.Item) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Sync error = %v, want context.Canceled", err)
	}
}

func TestStatuses(t *testing.T) {
	s := jiratest.NewServer(jiratest.Options{Statuses: []coach.Status{
		{ID: "1", Name: "Open", Category: coach.CategoryNew},
		{ID: "3", Name: "In Progress", Category: coach.CategoryIndeterminate},
		{ID: "6", Name: "Closed", Category: coach.CategoryDone},
	}})
	defer s.Close()
	got, err := newClient(t, s, jira.Config{}).Statuses(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []coach.Status{
		{ID: "1", Name: "Open", Category: coach.CategoryNew},
		{ID: "3", Name: "In Progress", Category: coach.CategoryIndeterminate},
		{ID: "6", Name: "Closed", Category: coach.CategoryDone},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Statuses (-got +want):\n%s", diff)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		cfg     jira.Config
		wantErr string
	}{
		{name: "cloud", cfg: jira.Config{BaseURL: "https://acme.atlassian.net", Email: "a@b.c", APIToken: "t"}},
		{name: "data center with context path", cfg: jira.Config{BaseURL: "https://host/jira/", Flavor: "datacenter", PAT: "p"}},
		{name: "anonymous", cfg: jira.Config{BaseURL: "http://localhost:8080"}},
		{name: "missing url", cfg: jira.Config{}, wantErr: "jira BaseURL"},
		{name: "relative url", cfg: jira.Config{BaseURL: "acme.atlassian.net"}, wantErr: "absolute http(s) URL"},
		{name: "unknown flavor", cfg: jira.Config{BaseURL: "https://x", Flavor: "server"}, wantErr: `jira Flavor "server"`},
		{name: "email without token", cfg: jira.Config{BaseURL: "https://x", Email: "a@b.c"}, wantErr: "jira Email and APIToken"},
		{name: "both ways", cfg: jira.Config{BaseURL: "https://x", Email: "a", APIToken: "t", PAT: "p"}, wantErr: "jira PAT and Email/APIToken"},
		{name: "negative page", cfg: jira.Config{BaseURL: "https://x", PageSize: -1}, wantErr: "jira PageSize"},
		{name: "points field by id", cfg: jira.Config{BaseURL: "https://x", PointsField: "customfield_10105", EpicLinkField: "customfield_10700"}},
		{name: "points field by name", cfg: jira.Config{BaseURL: "https://x", PointsField: "Story Points"}, wantErr: `jira PointsField "Story Points"`},
		{name: "epic link by name", cfg: jira.Config{BaseURL: "https://x", EpicLinkField: "Epic Link"}, wantErr: `jira EpicLinkField "Epic Link"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jira.New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New error = %v, want one naming %q", err, tt.wantErr)
			}
		})
	}
}

func TestCredentialsStayOnJiraHost(t *testing.T) {
	var mu sync.Mutex
	var elsewhere, atJira []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		elsewhere = append(elsewhere, r.Header.Get("Authorization"))
		fmt.Fprint(w, "[]")
	}))
	defer other.Close()
	jiraSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		atJira = append(atJira, r.Header.Get("Authorization"))
		http.Redirect(w, r, other.URL+"/status", http.StatusFound)
	}))
	defer jiraSrv.Close()

	hc := &http.Client{}
	c, err := jira.New(jira.Config{BaseURL: jiraSrv.URL, Email: "bot@example.com", APIToken: "secret", HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Statuses(t.Context()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(atJira) != 1 || !strings.HasPrefix(atJira[0], "Basic ") {
		t.Errorf("Authorization at jira = %q, want basic credentials", atJira)
	}
	if diff := cmp.Diff(elsewhere, []string{""}); diff != "" {
		t.Errorf("Authorization after redirect to another host (-got +want):\n%s", diff)
	}
	if hc.Transport != nil {
		t.Errorf("New modified the caller's http.Client")
	}
}
