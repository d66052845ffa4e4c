package github

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/integrations/github/githubtest"
)

// rewritingProxy forwards to target and lets rewrite change the body of
// every 200 answer whose path matches path.
func rewritingProxy(t *testing.T, target string, path *regexp.Regexp, rewrite func(body []byte) []byte) *httptest.Server {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = ""
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.StatusCode != http.StatusOK || !path.MatchString(resp.Request.URL.Path) {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		body = rewrite(body)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Del("Content-Length")
		resp.Header.Del("ETag")
		return nil
	}
	ps := httptest.NewServer(rp)
	t.Cleanup(ps.Close)
	return ps
}

// editList changes the entry of a JSON list whose number is n.
func editList(t *testing.T, n int, edit func(pr map[string]any)) func([]byte) []byte {
	return func(body []byte) []byte {
		var list []map[string]any
		if err := json.Unmarshal(body, &list); err != nil {
			t.Errorf("the list does not decode: %v", err)
			return body
		}
		for _, pr := range list {
			if pr["number"] == float64(n) {
				edit(pr)
			}
		}
		out, err := json.Marshal(list)
		if err != nil {
			t.Error(err)
		}
		return out
	}
}

// TestSyncSkipsPullRequestsThatDoNotDecode: a pull request GitHub sends in
// a shape flowbot cannot read is skipped with a warning naming it, and the
// rest of the repository syncs.
func TestSyncSkipsPullRequestsThatDoNotDecode(t *testing.T) {
	tests := []struct {
		name    string
		path    string // regexp of the paths whose answers are rewritten
		rewrite func(t *testing.T) func([]byte) []byte
	}{
		{
			name: "a list entry with a field of the wrong type",
			path: `/pulls$`,
			rewrite: func(t *testing.T) func([]byte) []byte {
				return editList(t, 2, func(pr map[string]any) { pr["user"] = "ann" })
			},
		},
		{
			name: "a list entry that is not an object",
			path: `/pulls$`,
			rewrite: func(t *testing.T) func([]byte) []byte {
				return func(body []byte) []byte {
					var list []json.RawMessage
					if err := json.Unmarshal(body, &list); err != nil {
						t.Fatal(err)
					}
					list[1] = json.RawMessage(`"#2"`)
					out, _ := json.Marshal(list)
					return out
				}
			},
		},
		{
			name: "the pull request itself is not JSON",
			path: `/pulls/2$`,
			rewrite: func(*testing.T) func([]byte) []byte {
				return func([]byte) []byte { return []byte("<html>upstream error</html>") }
			},
		},
		{
			name: "the pull request's reviews have a field of the wrong type",
			path: `/pulls/2/reviews$`,
			rewrite: func(t *testing.T) func([]byte) []byte {
				return func([]byte) []byte { return []byte(`[{"id":"not a number"}]`) }
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := githubtest.NewServer(githubtest.Options{})
			defer s.Close()
			base := now.Add(-time.Hour)
			for n := 1; n <= 3; n++ {
				s.Put(githubtest.PullRequest{Repo: "o/r", Number: n, Title: "change", User: "ann",
					Created: base, Updated: base.Add(time.Duration(n) * time.Minute)})
			}
			proxy := rewritingProxy(t, s.URL(), regexp.MustCompile(tt.path), tt.rewrite(t))
			var logs bytes.Buffer
			c := newClient(t, Config{APIURL: proxy.URL + "/", Logger: slog.New(slog.NewJSONHandler(&logs, nil))})

			var got sink
			next, n, err := c.Sync(t.Context(), "o/r", "", got.store)
			if err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if diff := cmp.Diff(got.numbers(), []int{3, 1}); diff != "" {
				t.Errorf("pull requests synced (-got +want):\n%s", diff)
			}
			if n != 2 || next == "" {
				t.Errorf("Sync = (%q, %d), want a cursor and 2", next, n)
			}
			var warned bool
			for line := range strings.Lines(logs.String()) {
				var rec struct {
					Level, Msg, Repo string
					PR               int
				}
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line %q: %v", line, err)
				}
				if rec.Level == "WARN" && rec.Repo == "o/r" && strings.Contains(rec.Msg, "skipped") &&
					(rec.PR == 2 || strings.Contains(tt.name, "not an object")) {
					warned = true
				}
			}
			if !warned {
				t.Errorf("no warning naming o/r#2; log:\n%s", logs.String())
			}
		})
	}
}
