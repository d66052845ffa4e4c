// Package github reads pull requests and their reviews from GitHub (or
// GitHub Enterprise Server) and maps them to coach.PullRequest.
//
// The GitHub REST API has no "changed since" filter for pull requests, so
// Sync reads the repository's pull requests newest update first
// (sort=updated&direction=desc, both set explicitly: GitHub's default
// direction depends on the sort) and stops at the first one older than
// what the previous run saw. What the previous run saw is the cursor: the
// newest updated_at handed over and the ETag of the first list page. Two
// details keep the incremental read honest:
//
//   - The first page is requested with If-None-Match. GitHub answers 304
//     when nothing in it changed, which means no pull request was updated,
//     and a 304 does not count against the rate limit. A quiet repository
//     costs one free request per sync.
//   - The stop point is the cursor time minus a minute. GitHub's timestamps
//     have one-second resolution and a write can become visible a moment
//     after the time it carries, so a pull request updated in the same
//     second as the newest one seen, or showing up late, would otherwise
//     be skipped for good. Re-reading a minute of updates is cheap; stored pull requests
//     are replaced, not appended.
//
// The list serves pull-request-simple objects, which lack additions,
// deletions and changed_files, so each changed pull request is fetched on
// its own, then its reviews, then (unless it was abandoned or a bot opened
// it) its commits for the first commit's author date and its issue
// timeline for when it was first ready for review: see details.go for why
// the timeline cannot be skipped. Requests go one at a time: GitHub's
// guidance against secondary rate limits is to avoid concurrent requests.
//
// SyncDeployments and SyncWorkflowDeploys read what was delivered: GitHub
// deployments with their statuses, or a deploy workflow's successful runs,
// each with the commits it carried from GitHub's compare (deploy.go).
//
// Rate limits are waited out below this package, in the HTTP transport the
// caller supplies (integrations/retry). A limit that still reaches Sync
// comes back as a *RateLimitError saying when it resets.
package github

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gogithub "github.com/google/go-github/v60/github"
)

// DefaultAPIURL is GitHub's public API.
const DefaultAPIURL = "https://api.github.com/"

// Config configures a Client.
type Config struct {
	// APIURL is the REST API base. "" means DefaultAPIURL. GitHub
	// Enterprise Server serves it under /api/v3/: https://host/api/v3/.
	APIURL string
	// Token is a personal access token or app installation token with read
	// access to pull requests. "" sends requests unauthenticated (public
	// repositories only, 60 requests an hour), unless App is set.
	Token string
	// App authenticates as a GitHub App installation instead of Token: the
	// client signs a JWT with the App's key, trades it for an installation
	// token at APIURL's app/installations/{id}/access_tokens, and renews
	// the token before it expires (github.com/bradleyfalzon/ghinstallation).
	App *App
	// HTTPClient sends the requests; its transport is kept (wrap it in
	// retry.Transport to wait out rate limits). nil: a client with a
	// one-minute timeout.
	HTTPClient *http.Client
	// Logger receives debug lines about pages read. nil: discard.
	Logger *slog.Logger
	// Bots are extra logins to treat as bots, for machine accounts that
	// GitHub reports as ordinary users. Compared case-insensitively.
	Bots []string
}

// App is a GitHub App installation's credentials.
type App struct {
	ID             int64
	InstallationID int64
	PrivateKey     []byte // PEM
}

// Client reads pull requests from one GitHub instance.
type Client struct {
	gh   *gogithub.Client
	log  *slog.Logger
	bots map[string]bool // lower-cased logins
	now  func() time.Time

	mu            sync.Mutex
	defaultBranch map[string]string // lower-cased owner/name -> branch
}

// New returns a Client for cfg. It does no I/O.
func New(cfg Config) (*Client, error) {
	base := cfg.APIURL
	if base == "" {
		base = DefaultAPIURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("github api url %q: want an absolute http(s) URL such as %s or https://github.example.com/api/v3/", base, DefaultAPIURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		// go-github resolves paths against the base: without the slash
		// the last segment (v3 in /api/v3) would be dropped.
		u.Path += "/"
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	if cfg.App != nil {
		if cfg.Token != "" {
			return nil, errors.New("github: both a token and an app are configured; use one")
		}
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		itr, err := ghinstallation.New(base, cfg.App.ID, cfg.App.InstallationID, cfg.App.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("github app %d: reading its private key: %w", cfg.App.ID, err)
		}
		// Without the trailing slash: ghinstallation appends "/app/...".
		itr.BaseURL = strings.TrimSuffix(u.String(), "/")
		withApp := *hc
		withApp.Transport = itr
		hc = &withApp
	}
	gh := gogithub.NewClient(hc)
	if cfg.Token != "" {
		gh = gh.WithAuthToken(cfg.Token)
	}
	gh.BaseURL = u
	gh.UserAgent = "flowbot"
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bots := make(map[string]bool, len(cfg.Bots))
	for _, b := range cfg.Bots {
		bots[strings.ToLower(b)] = true
	}
	return &Client{gh: gh, log: logger, bots: bots, now: time.Now, defaultBranch: map[string]string{}}, nil
}

// Errors a caller may want to tell apart with errors.Is. The underlying
// *gogithub.ErrorResponse stays reachable with errors.As.
var (
	// ErrNotFound: GitHub answers 404 both for a repository that does not
	// exist and for one the token may not read.
	ErrNotFound = errors.New("not found: the repository does not exist or the token cannot read it")
	// ErrBadCredentials: the token was refused.
	ErrBadCredentials = errors.New("bad credentials: the github token is wrong, expired or revoked")
)

// RateLimitError reports a rate limit that was still exhausted after the
// transport's retries.
type RateLimitError struct {
	// Reset is when GitHub accepts requests again; zero when it did not say.
	Reset time.Time
	// Secondary is true for GitHub's secondary (abuse) limits.
	Secondary bool
	err       error
}

func (e *RateLimitError) Error() string {
	kind := "rate limited by github"
	if e.Secondary {
		kind = "rate limited by github (secondary limit)"
	}
	if e.Reset.IsZero() {
		return kind + ", reset time unknown"
	}
	return kind + " until " + e.Reset.UTC().Format(time.RFC3339)
}

func (e *RateLimitError) Unwrap() error { return e.err }

// apiError gives a GitHub error response a short message while keeping
// both a sentinel and the go-github error reachable.
type apiError struct {
	msg   string
	kind  error // a sentinel, or nil
	cause error
}

func (e *apiError) Error() string { return e.msg }

func (e *apiError) Unwrap() []error {
	if e.kind == nil {
		return []error{e.cause}
	}
	return []error{e.kind, e.cause}
}

// explain turns go-github's errors into ones that read well in a log line:
// go-github's own messages repeat the whole URL and an empty error list.
func (c *Client) explain(err error) error {
	var rl *gogithub.RateLimitError
	if errors.As(err, &rl) {
		return &RateLimitError{Reset: rl.Rate.Reset.Time, err: err}
	}
	var abuse *gogithub.AbuseRateLimitError
	if errors.As(err, &abuse) {
		e := &RateLimitError{Secondary: true, err: err}
		if abuse.RetryAfter != nil {
			e.Reset = c.now().Add(*abuse.RetryAfter).Truncate(time.Second)
		}
		return e
	}
	var er *gogithub.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return err
	}
	switch status := er.Response.StatusCode; status {
	case http.StatusTooManyRequests:
		// go-github does not map 429 to its rate-limit types.
		return &RateLimitError{Reset: c.resetOf(er.Response.Header), Secondary: true, err: err}
	case http.StatusUnauthorized:
		return &apiError{msg: ErrBadCredentials.Error(), kind: ErrBadCredentials, cause: err}
	case http.StatusNotFound:
		return &apiError{msg: ErrNotFound.Error(), kind: ErrNotFound, cause: err}
	default:
		msg := fmt.Sprintf("github answered %d", status)
		if er.Message != "" {
			msg += ": " + er.Message
		}
		return &apiError{msg: msg, cause: err}
	}
}

// resetOf reads when a limit lifts: Retry-After (seconds) first, then
// X-RateLimit-Reset (Unix seconds).
func (c *Client) resetOf(h http.Header) time.Time {
	if secs, err := strconv.Atoi(h.Get("Retry-After")); err == nil && secs >= 0 {
		return c.now().Add(time.Duration(secs) * time.Second).Truncate(time.Second)
	}
	if at, err := http.ParseTime(h.Get("Retry-After")); err == nil {
		return at
	}
	if epoch, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		return time.Unix(epoch, 0)
	}
	return time.Time{}
}

var (
	// GitHub logins: letters, digits and single hyphens, at most 39.
	ownerRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	// Repository names: letters, digits, '.', '-', '_', at most 100.
	nameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// splitRepo validates "owner/name".
func splitRepo(repo string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || !ownerRE.MatchString(owner) || !nameRE.MatchString(name) || name == "." || name == ".." {
		return "", "", fmt.Errorf("invalid repository %q: want owner/name, e.g. octocat/Hello-World", repo)
	}
	return owner, name, nil
}
