package github

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/github/githubtest"
	"github.com/flowbot/flowbot/integrations/retry"
	"github.com/google/go-cmp/cmp"
)

// now is the fixed clock of the tests.
var now = time.Date(2024, 3, 4, 12, 0, 0, 0, time.UTC)

func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.now = func() time.Time { return now }
	return c
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		apiURL  string
		want    string // base URL, or the error
		wantErr bool
	}{
		{"default", "", "https://api.github.com/", false},
		{"enterprise_server", "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3/", false},
		{"slash_added", "https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/", false},
		{"no_scheme", "ghe.example.com/api/v3", `github api url "ghe.example.com/api/v3": want an absolute http(s) URL such as https://api.github.com/ or https://github.example.com/api/v3/`, true},
		{"wrong_scheme", "ftp://ghe.example.com/", `github api url "ftp://ghe.example.com/": want an absolute http(s) URL such as https://api.github.com/ or https://github.example.com/api/v3/`, true},
		{"unparsable", "http://[::1", `github api url "http://[::1": want an absolute http(s) URL such as https://api.github.com/ or https://github.example.com/api/v3/`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Config{APIURL: tt.apiURL})
			var got string
			if err != nil {
				got = err.Error()
			} else {
				got = c.gh.BaseURL.String()
			}
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("New(APIURL %q) = %q (err %v), want %q", tt.apiURL, got, err != nil, tt.want)
			}
		})
	}
}

// TestSyncErrors checks that what reaches a log line reads well, that the
// caller can tell the cases apart, and that a failed sync hands back the
// cursor it was given.
func TestSyncErrors(t *testing.T) {
	errDisk := errors.New("disk full")
	tests := []struct {
		name    string
		repo    string
		token   string // the client's; the server wants "right"
		fault   func(s *githubtest.Server)
		fn      func([]coach.PullRequest) error
		want    string
		wantIs  error
		wantRL  *RateLimitError
		cursor  string
		noCalls bool
	}{
		{
			name: "invalid_repo", repo: "octocat", noCalls: true,
			want: `invalid repository "octocat": want owner/name, e.g. octocat/Hello-World`,
		},
		{
			name: "invalid_repo_owner", repo: "-octo/cat", noCalls: true,
			want: `invalid repository "-octo/cat": want owner/name, e.g. octocat/Hello-World`,
		},
		{
			name: "invalid_repo_extra_segment", repo: "octo/cat/pulls", noCalls: true,
			want: `invalid repository "octo/cat/pulls": want owner/name, e.g. octocat/Hello-World`,
		},
		{
			name: "invalid_cursor", cursor: "garbage", noCalls: true,
			want: `parsing github cursor "garbage": version "", want "1"`,
		},
		{
			name: "unknown_repo", repo: "o/missing",
			want:   "listing pull requests of o/missing: not found: the repository does not exist or the token cannot read it",
			wantIs: ErrNotFound,
		},
		{
			name: "bad_token", token: "wrong",
			want:   "listing pull requests of o/r: bad credentials: the github token is wrong, expired or revoked",
			wantIs: ErrBadCredentials,
		},
		{
			name: "429_retry_after",
			fault: func(s *githubtest.Server) {
				s.FailNext("/repos/o/r/pulls", 429, map[string]string{"Retry-After": "30"}, 1)
			},
			want:   "listing pull requests of o/r: rate limited by github (secondary limit) until 2024-03-04T12:00:30Z",
			wantRL: &RateLimitError{Reset: now.Add(30 * time.Second), Secondary: true},
		},
		{
			name: "403_primary_limit_on_single_pull",
			fault: func(s *githubtest.Server) {
				s.FailNext("/repos/o/r/pulls/1", 403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1709557200"}, 1)
			},
			want:   "getting pull request o/r#1: rate limited by github until 2024-03-04T13:00:00Z",
			wantRL: &RateLimitError{Reset: time.Unix(1709557200, 0)},
		},
		{
			name: "403_secondary_limit",
			fault: func(s *githubtest.Server) {
				s.FailNext("/repos/o/r/pulls", 403, map[string]string{"Retry-After": "60"}, 1)
			},
			want:   "listing pull requests of o/r: rate limited by github (secondary limit) until 2024-03-04T12:01:00Z",
			wantRL: &RateLimitError{Reset: now.Add(time.Minute), Secondary: true},
		},
		{
			name: "502_on_reviews",
			fault: func(s *githubtest.Server) {
				s.FailNext("/repos/o/r/pulls/1/reviews", 502, nil, 1)
			},
			want: "listing reviews of o/r#1: github answered 502: Bad Gateway",
		},
		{
			name: "store_fails",
			fn:   func([]coach.PullRequest) error { return errDisk },
			want: "storing pull requests of o/r: disk full", wantIs: errDisk,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := githubtest.NewServer(githubtest.Options{Token: "right"})
			defer s.Close()
			s.Put(githubtest.PullRequest{Repo: "o/r", Number: 1, User: "ann", Created: now.Add(-time.Hour)})
			if tt.fault != nil {
				tt.fault(s)
			}
			c := newClient(t, Config{APIURL: s.URL(), Token: cmpOr(tt.token, "right")})
			fn := tt.fn
			if fn == nil {
				fn = func([]coach.PullRequest) error { return nil }
			}
			next, _, err := c.Sync(t.Context(), cmpOr(tt.repo, "o/r"), tt.cursor, fn)
			if err == nil {
				t.Fatal("Sync succeeded")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\ngot  %s\nwant %s", got, tt.want)
			}
			if next != tt.cursor {
				t.Errorf("cursor after a failure = %q, want the one given (%q)", next, tt.cursor)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(err, %v) = false", tt.wantIs)
			}
			if tt.wantRL != nil {
				var rl *RateLimitError
				if !errors.As(err, &rl) {
					t.Fatalf("errors.As(err, *RateLimitError) = false")
				}
				got := RateLimitError{Reset: rl.Reset, Secondary: rl.Secondary}
				if !got.Reset.Equal(tt.wantRL.Reset) || got.Secondary != tt.wantRL.Secondary {
					t.Errorf("rate limit = %+v, want %+v", got, *tt.wantRL)
				}
			}
			if calls := s.Requests(); tt.noCalls && len(calls) > 0 {
				t.Errorf("sent requests for invalid input: %v", calls)
			}
		})
	}
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// TestSyncThroughRetryTransport wires the client the way cmd/flowbot does:
// a 429 is waited out below the client and Sync never sees it.
func TestSyncThroughRetryTransport(t *testing.T) {
	s := githubtest.NewServer(githubtest.Options{})
	defer s.Close()
	s.Put(githubtest.PullRequest{Repo: "o/r", Number: 1, User: "ann", Created: now.Add(-time.Hour)})
	s.FailNext("/repos/o/r/pulls", 429, map[string]string{"Retry-After": "7"}, 1)
	var waits []time.Duration
	rt := &retry.Transport{
		Service: "github",
		Logger:  slog.New(slog.DiscardHandler),
		Sleep: func(_ context.Context, d time.Duration) error {
			waits = append(waits, d)
			return nil
		},
	}
	c := newClient(t, Config{APIURL: s.URL(), HTTPClient: &http.Client{Transport: rt}})
	_, n, err := c.Sync(t.Context(), "o/r", "", func([]coach.PullRequest) error { return nil })
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	got := []any{n, waits, rt.Calls()}
	want := []any{1, []time.Duration{7 * time.Second}, int64(6)} // 429, list, pull, reviews, commits, timeline
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("n, waits, calls (-got +want):\n%s", diff)
	}
}

func TestSyncCanceled(t *testing.T) {
	s := githubtest.NewServer(githubtest.Options{})
	defer s.Close()
	s.Put(githubtest.PullRequest{Repo: "o/r", Number: 1, User: "ann", Created: now})
	c := newClient(t, Config{APIURL: s.URL()})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := c.Sync(ctx, "o/r", "", func([]coach.PullRequest) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Sync with a canceled context: %v, want context.Canceled", err)
	}
	if !strings.HasPrefix(err.Error(), "listing pull requests of o/r: ") {
		t.Errorf("error %q does not say what was being done", err)
	}
}
