package jira_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/integrations/jira"
	"github.com/flowbot/flowbot/integrations/jira/jiratest"
)

// corruptingProxy forwards to target and passes every search page through
// corrupt, which edits the page's issues as decoded JSON values.
func corruptingProxy(t *testing.T, target string, corrupt func(issue map[string]any)) *httptest.Server {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if !strings.HasPrefix(resp.Request.URL.Path, "/rest/api/2/search") || resp.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var page map[string]any
		if err := json.Unmarshal(body, &page); err != nil {
			return err
		}
		issues, _ := page["issues"].([]any)
		for _, is := range issues {
			corrupt(is.(map[string]any))
		}
		if body, err = json.Marshal(page); err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Del("Content-Length")
		return nil
	}
	ps := httptest.NewServer(rp)
	t.Cleanup(ps.Close)
	return ps
}

// TestSyncSkipsIssuesThatDoNotDecode: an issue Jira sends in a shape
// flowbot cannot read is skipped with a warning naming it, and the rest
// of its page and the following pages sync.
func TestSyncSkipsIssuesThatDoNotDecode(t *testing.T) {
	tests := []struct {
		name    string
		flavor  string
		corrupt func(is map[string]any)
		wantLog string // a fragment of the warning
	}{
		{
			name:   "cloud: a field of the wrong type",
			flavor: jiratest.Cloud,
			corrupt: func(is map[string]any) {
				if is["key"] == "ABC-2" {
					is["fields"].(map[string]any)["created"] = 12345
				}
			},
			wantLog: "its payload does not decode",
		},
		{
			name:   "data center: no fields at all",
			flavor: jiratest.DataCenter,
			corrupt: func(is map[string]any) {
				if is["key"] == "ABC-2" {
					delete(is, "fields")
				}
			},
			wantLog: "the issue has no fields",
		},
		{
			name:   "cloud: fields is not an object",
			flavor: jiratest.Cloud,
			corrupt: func(is map[string]any) {
				if is["key"] == "ABC-2" {
					is["fields"] = "truncated"
				}
			},
			wantLog: "its payload does not decode",
		},
		{
			name:   "cloud: a changelog date that does not read",
			flavor: jiratest.Cloud,
			corrupt: func(is map[string]any) {
				if is["key"] != "ABC-2" {
					return
				}
				hs := is["changelog"].(map[string]any)["histories"].([]any)
				hs[0].(map[string]any)["created"] = "yesterday"
			},
			wantLog: "its changelog does not read",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := jiratest.NewServer(jiratest.Options{Flavor: tt.flavor, MaxPageSize: 2})
			defer s.Close()
			for _, k := range []string{"ABC-1", "ABC-2", "ABC-3", "ABC-4"} {
				s.Put(flow(k, "To Do", "In Progress"))
			}
			proxy := corruptingProxy(t, s.URL(), tt.corrupt)
			var logs bytes.Buffer
			c, err := jira.New(jira.Config{
				BaseURL: proxy.URL, Flavor: tt.flavor, PageSize: 2,
				Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			_, items, res := syncPages(t, c, "project = ABC", time.Time{})

			keys := make([]string, 0, len(items))
			for k := range items {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if diff := cmp.Diff(keys, []string{"ABC-1", "ABC-3", "ABC-4"}); diff != "" {
				t.Errorf("items synced (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(items["ABC-3"], item("ABC-3", "To Do", "In Progress")); diff != "" {
				t.Errorf("ABC-3 (-got +want):\n%s", diff)
			}
			if res.Issues != 3 {
				t.Errorf("result counts %d issues, want 3", res.Issues)
			}
			var warned bool
			for line := range strings.Lines(logs.String()) {
				var rec struct{ Level, Msg, Issue string }
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line %q: %v", line, err)
				}
				if rec.Level == "WARN" && rec.Issue == "ABC-2" && strings.Contains(line, tt.wantLog) {
					warned = true
				}
			}
			if !warned {
				t.Errorf("no warning naming ABC-2 with %q; log:\n%s", tt.wantLog, logs.String())
			}
		})
	}
}
