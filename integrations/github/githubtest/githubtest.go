// Package githubtest is a stand-in for the GitHub REST API: an HTTP server
// holding pull requests and their reviews in memory, serving them in
// GitHub's own shapes. Tests use it to drive the real go-github client over
// a real transport, and `flowbot demo` uses it as the GitHub to sync from.
//
// It answers what flowbot reads, the way GitHub does:
//
//   - GET /repos/{owner}/{repo}/pulls: pull-request-simple objects (no
//     sizes), honouring state, sort (created or updated), direction, base,
//     per_page (capped at Options.PerPageMax) and page, with Link
//     (prev/next/last/first, pointing at /repositories/{id}/pulls as
//     GitHub's do) and an ETag.
//   - GET /repos/{owner}/{repo}/pulls/{number}: the full pull request, with
//     additions, deletions, changed_files and commits.
//   - GET /repos/{owner}/{repo}/pulls/{number}/reviews: reviews oldest
//     first, paged. PENDING reviews carry no submitted_at. (GitHub only
//     shows a pending review to its author; the stand-in shows it to all.)
//   - GET /repos/{owner}/{repo}/pulls/{number}/commits: its commits
//     oldest first (at most 250, as GitHub), author-dated by
//     PullRequest.CommitDates.
//   - GET /repos/{owner}/{repo}/issues/{number}/timeline: the pull
//     request's draft events (ready_for_review, convert_to_draft).
//   - GET /repos/{owner}/{repo}: the repository, with its default branch.
//   - GET /repos/{owner}/{repo}/deployments (newest first; sha, ref, task,
//     environment filters) and …/deployments/{id}/statuses (newest first).
//   - GET /repos/{owner}/{repo}/actions/workflows/{file}/runs: newest
//     first, honouring branch and status (a status or a conclusion).
//   - GET /repos/{owner}/{repo}/compare/{base}...{head} on a straight
//     default-branch history (PutCommits): ahead, behind or identical.
//     Commit dates on that history are not modelled (served as null).
//   - The same under /repositories/{id}/..., where Link points.
//   - GET /users/{login}: the public user, whose email is null unless the
//     account made it public (PutUsers); every login seen on a pull
//     request or review is known.
//
// Every 200 carries an ETag computed from its body, and a request whose
// If-None-Match matches gets 304 with no body; like GitHub, a 304 does not
// count against the rate limit. X-RateLimit-* headers count down from 5000
// per hour; an exhausted limit is answered with GitHub's 403. Unknown
// repositories, pull requests and endpoints get GitHub's 404 JSON; a wrong
// or missing token (when Options.Token is set) gets 401. FailNext injects
// the faults a client has to survive.
//
// The stand-in answers sort=popularity and sort=long-running with 422: it
// does not model comments or the ordering GitHub uses for them.
package githubtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PullRequest is one pull request as the stand-in stores it. Put fills
// omitted fields: State from Closed/Merged, UserType from the login
// ("…[bot]" is a Bot), Updated from the latest other timestamp, Closed from
// Merged, Base "main", Head "topic-{number}", Commits 1.
type PullRequest struct {
	Repo         string // owner/name
	Number       int
	Title        string
	User         string // login of the author
	UserType     string // "User" or "Bot"
	State        string // "open" or "closed"
	Draft        bool
	Base, Head   string // branch names
	Created      time.Time
	Updated      time.Time
	Closed       time.Time // zero when open
	Merged       time.Time // zero when not merged
	Additions    int
	Deletions    int
	ChangedFiles int
	Commits      int
	Reviews      []Review

	Body           string
	MergeCommitSHA string // served as merge_commit_sha; "" serves a made-up one
	// RequestedReviewers are logins whose review is requested now.
	RequestedReviewers []string
	// ReadyAt, when set, is when a pull request opened as a draft was
	// marked ready: Put adds a ready_for_review event then, unless Events
	// has one.
	ReadyAt time.Time
	// CommitDates are the author dates of its commits, oldest first,
	// served by pulls/{n}/commits; Commits is len(CommitDates) when 0.
	// Without them every commit is dated Created.
	CommitDates []time.Time
	// Events are its timeline's draft events, served by
	// issues/{n}/timeline oldest first.
	Events []Event
}

// Review is one pull-request review. State is APPROVED, CHANGES_REQUESTED,
// COMMENTED, DISMISSED or PENDING; a PENDING review has no Submitted time.
// Put assigns an ID when it is 0.
type Review struct {
	ID        int64
	User      string
	UserType  string // "User" or "Bot"; Put fills it like PullRequest.UserType
	State     string
	Body      string
	Submitted time.Time
}

// Options configure a Server. The zero value serves without
// authentication, 100 items per page at most, at the root path.
type Options struct {
	// Token, when set, must arrive as "Authorization: Bearer <token>" (or
	// GitHub's older "token <token>"); anything else gets 401.
	Token string
	// PerPageMax caps per_page. 0: 100, GitHub's cap.
	PerPageMax int
	// PathPrefix mounts the API under a path, as GitHub Enterprise Server
	// does with "/api/v3". "" serves at the root like api.github.com.
	PathPrefix string
	// App, when set, makes the stand-in serve a GitHub App installation:
	// see App. Every other call then needs a token (Token or one the App
	// was issued).
	App *App
}

// Server is a running stand-in. Its methods are safe for concurrent use.
type Server struct {
	srv    *httptest.Server
	prefix string
	token  string
	maxPer int
	limit  int // requests an hour; tests lower it

	mu        sync.Mutex
	repos     map[string]*repoState // by lower-cased owner/name
	users     map[string]User       // by lower-cased login
	byID      map[int64]*repoState
	nextRepo  int64
	nextPull  int64
	nextRev   int64
	requests  []string
	faults    []*fault
	rateUsed  int
	rateReset time.Time
	requestID int

	app         *App
	appTokens   map[string]time.Time // installation token -> expiry
	nextToken   int
	tokenIssued int
}

type repoState struct {
	id            int64
	owner, name   string
	pulls         map[int]*storedPull
	defaultBranch string
	commits       []string       // the default branch's history, oldest first
	commitIdx     map[string]int // SHA -> position in commits
	deployments   map[int64]*Deployment
	runs          map[int64]*WorkflowRun
}

type storedPull struct {
	PullRequest
	id int64
}

type fault struct {
	prefix  string
	status  int
	headers map[string]string
	left    int
}

// rateLimit is GitHub's primary limit for an authenticated user. The
// stand-in uses it with or without a token: demo runs need the headroom.
const rateLimit = 5000

// NewServer starts a stand-in on a loopback port. Close it when done.
func NewServer(opts Options) *Server {
	s := &Server{
		prefix:    strings.TrimSuffix(opts.PathPrefix, "/"),
		token:     opts.Token,
		maxPer:    opts.PerPageMax,
		repos:     map[string]*repoState{},
		byID:      map[int64]*repoState{},
		nextRepo:  1296269,
		nextPull:  1,
		nextRev:   80,
		limit:     rateLimit,
		app:       opts.App,
		appTokens: map[string]time.Time{},
	}
	if s.maxPer <= 0 {
		s.maxPer = 100
	}
	if s.prefix != "" && !strings.HasPrefix(s.prefix, "/") {
		s.prefix = "/" + s.prefix
	}
	mux := http.NewServeMux()
	for _, root := range []string{"/repos/{owner}/{repo}", "/repositories/{id}"} {
		mux.HandleFunc("GET "+s.prefix+root+"/pulls", s.listPulls)
		mux.HandleFunc("GET "+s.prefix+root+"/pulls/{number}", s.getPull)
		mux.HandleFunc("GET "+s.prefix+root+"/pulls/{number}/reviews", s.listReviews)
		mux.HandleFunc("GET "+s.prefix+root+"/pulls/{number}/commits", s.pullCommits)
		mux.HandleFunc("GET "+s.prefix+root+"/issues/{number}/timeline", s.timeline)
		mux.HandleFunc("GET "+s.prefix+root+"/deployments", s.listDeployments)
		mux.HandleFunc("GET "+s.prefix+root+"/deployments/{deployment}/statuses", s.listDeploymentStatuses)
		mux.HandleFunc("GET "+s.prefix+root+"/actions/workflows/{workflow}/runs", s.listWorkflowRuns)
		mux.HandleFunc("GET "+s.prefix+root+"/compare/{basehead}", s.compare)
		mux.HandleFunc("GET "+s.prefix+root, s.getRepo)
	}
	mux.HandleFunc("GET "+s.prefix+"/users/{login}", s.getUser)
	mux.HandleFunc("POST "+s.prefix+"/app/installations/{installation}/access_tokens", s.accessToken)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
	})
	s.srv = httptest.NewServer(s.middleware(mux))
	return s
}

// URL is the API base URL, ending in "/" (with the path prefix, if any):
// what a client is configured with.
func (s *Server) URL() string { return s.srv.URL + s.prefix + "/" }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Put adds pull requests or replaces them by (Repo, Number). It panics on a
// Repo that is not owner/name or a Number below 1: those are mistakes in
// the calling test or demo data, not conditions to handle.
func (s *Server) Put(prs ...PullRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pr := range prs {
		if pr.Number < 1 {
			panic(fmt.Sprintf("githubtest: Put: %s pull request number %d is not positive", pr.Repo, pr.Number))
		}
		rs := s.repoLocked(pr.Repo)
		sp := &storedPull{PullRequest: s.fill(pr)}
		if old := rs.pulls[pr.Number]; old != nil {
			sp.id = old.id
		} else {
			sp.id = s.nextPull
			s.nextPull++
		}
		rs.pulls[pr.Number] = sp
	}
}

// fill applies Put's defaults and copies the reviews, so the caller's
// slice can be reused. Called with s.mu held.
func (s *Server) fill(pr PullRequest) PullRequest {
	pr.UserType = userType(pr.User, pr.UserType)
	if pr.Closed.IsZero() && !pr.Merged.IsZero() {
		pr.Closed = pr.Merged
	}
	if pr.State == "" {
		pr.State = "open"
		if !pr.Closed.IsZero() {
			pr.State = "closed"
		}
	}
	if pr.Base == "" {
		pr.Base = "main"
	}
	if pr.Head == "" {
		pr.Head = fmt.Sprintf("topic-%d", pr.Number)
	}
	pr.CommitDates = slices.Clone(pr.CommitDates)
	if pr.Commits == 0 {
		pr.Commits = max(len(pr.CommitDates), 1)
	}
	pr.RequestedReviewers = slices.Clone(pr.RequestedReviewers)
	pr.Events = slices.Clone(pr.Events)
	if !pr.ReadyAt.IsZero() && !slices.ContainsFunc(pr.Events, func(e Event) bool { return e.Event == "ready_for_review" }) {
		pr.Events = append(pr.Events, Event{Event: "ready_for_review", At: pr.ReadyAt})
	}
	slices.SortStableFunc(pr.Events, func(a, b Event) int { return a.At.Compare(b.At) })
	pr.Reviews = slices.Clone(pr.Reviews)
	for i := range pr.Reviews {
		rv := &pr.Reviews[i]
		if rv.ID == 0 {
			rv.ID = s.nextRev
			s.nextRev++
		}
		rv.UserType = userType(rv.User, rv.UserType)
		rv.State = strings.ToUpper(rv.State)
	}
	slices.SortStableFunc(pr.Reviews, func(a, b Review) int {
		// Pending reviews are not submitted yet: they sort last.
		switch {
		case a.Submitted.IsZero() && b.Submitted.IsZero():
			return 0
		case a.Submitted.IsZero():
			return 1
		case b.Submitted.IsZero():
			return -1
		}
		return a.Submitted.Compare(b.Submitted)
	})
	if pr.Updated.IsZero() {
		pr.Updated = pr.Created
		for _, t := range []time.Time{pr.Closed, pr.Merged} {
			if t.After(pr.Updated) {
				pr.Updated = t
			}
		}
		for _, rv := range pr.Reviews {
			if rv.Submitted.After(pr.Updated) {
				pr.Updated = rv.Submitted
			}
		}
		for _, ev := range pr.Events {
			if ev.At.After(pr.Updated) {
				pr.Updated = ev.At
			}
		}
	}
	return pr
}

func userType(login, typ string) string {
	if typ != "" {
		return typ
	}
	if strings.HasSuffix(login, "[bot]") {
		return "Bot"
	}
	return "User"
}

// Requests lists the requests served so far, oldest first, each as
// "METHOD /path?query STATUS", e.g.
// "GET /repos/o/r/pulls?direction=desc&per_page=100&sort=updated&state=all 304".
// The path includes Options.PathPrefix and the query is as sent.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ResetRequests forgets the requests served so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// FailNext makes the next n requests whose path (below Options.PathPrefix)
// starts with pathPrefix fail with status and the given headers, with the
// JSON body GitHub sends for that status. Useful faults:
//
//	s.FailNext("/repos/o/r/pulls", 429, map[string]string{"Retry-After": "30"}, 1)
//	s.FailNext("/repos/o/r/pulls", 403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000000"}, 1)
//	s.FailNext("/repos/o/r/pulls", 502, nil, 2)
//
// Faults queue: each request uses the oldest matching one that has
// failures left. Faults do not count against the rate limit.
func (s *Server) FailNext(pathPrefix string, status int, headers map[string]string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{prefix: pathPrefix, status: status, headers: headers, left: n})
}

// middleware records every request, then applies faults, authentication
// and the rate limit before routing.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The request is logged when its status is decided, before any
		// byte reaches the client: a test that reads Requests() right after
		// its call returns must find it there.
		rec := &statusRecorder{ResponseWriter: w, log: func(status int) {
			s.mu.Lock()
			s.requests = append(s.requests, fmt.Sprintf("%s %s %d", r.Method, r.URL.RequestURI(), status))
			s.mu.Unlock()
		}}
		defer rec.finish()
		w = rec

		s.mu.Lock()
		s.requestID++
		w.Header().Set("X-GitHub-Request-Id", fmt.Sprintf("0683:13C7:%X", s.requestID))
		f := s.takeFault(strings.TrimPrefix(r.URL.Path, s.prefix))
		now := time.Now()
		if !now.Before(s.rateReset) {
			s.rateUsed = 0
			s.rateReset = now.Add(time.Hour).Truncate(time.Second)
		}
		s.mu.Unlock()

		if f != nil {
			s.setRateHeaders(w, false)
			for k, v := range f.headers {
				w.Header().Set(k, v)
			}
			msg, doc := faultMessage(f.status, w.Header())
			s.writeError(w, f.status, msg, doc)
			return
		}
		// An App's token request carries the App's JWT; its handler checks it.
		if !s.isAccessTokenRequest(r) {
			if msg, ok := s.authorized(r.Header.Get("Authorization")); !ok {
				s.writeError(w, http.StatusUnauthorized, msg, "https://docs.github.com/rest")
				return
			}
		}
		if !s.setRateHeaders(w, true) {
			s.writeError(w, http.StatusForbidden, "API rate limit exceeded for user ID 1.",
				"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// takeFault returns the fault to apply to path, if any. Called with s.mu held.
func (s *Server) takeFault(path string) *fault {
	for i, f := range s.faults {
		if strings.HasPrefix(path, f.prefix) {
			f.left--
			if f.left <= 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
			return f
		}
	}
	return nil
}

// setRateHeaders sets X-RateLimit-*. With count, the request uses one unit
// of the limit; it reports false when none was left.
func (s *Server) setRateHeaders(w http.ResponseWriter, count bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := s.rateUsed < s.limit
	if count && ok {
		s.rateUsed++
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.limit-s.rateUsed))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.rateReset.Unix(), 10))
	h.Set("X-RateLimit-Used", strconv.Itoa(s.rateUsed))
	h.Set("X-RateLimit-Resource", "core")
	return ok
}

// unspend gives back the unit a request used: GitHub does not count a 304.
func (s *Server) unspend(w http.ResponseWriter) {
	s.mu.Lock()
	if s.rateUsed > 0 {
		s.rateUsed--
	}
	s.mu.Unlock()
	s.setRateHeaders(w, false)
}

func faultMessage(status int, h http.Header) (msg, doc string) {
	switch {
	case status == http.StatusForbidden && h.Get("X-RateLimit-Remaining") == "0":
		return "API rate limit exceeded for user ID 1.", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
	case status == http.StatusForbidden || status == http.StatusTooManyRequests:
		return "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	case status == http.StatusUnauthorized:
		return "Bad credentials", "https://docs.github.com/rest"
	case status == http.StatusNotFound:
		return "Not Found", "https://docs.github.com/rest"
	}
	return http.StatusText(status), "https://docs.github.com/rest"
}

// statusRecorder calls log with the status as the header is written.
type statusRecorder struct {
	http.ResponseWriter
	log   func(status int)
	wrote bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.wrote = true
		r.log(code)
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.WriteHeader(http.StatusOK)
	}
	return r.ResponseWriter.Write(b)
}

// finish logs a handler that wrote nothing at all.
func (r *statusRecorder) finish() {
	if !r.wrote {
		r.WriteHeader(http.StatusOK)
	}
}

// writeError writes GitHub's error body:
// {"message":…,"documentation_url":…,"status":"404"}.
func (s *Server) writeError(w http.ResponseWriter, status int, message, doc string) {
	body, _ := marshal(struct {
		Message          string `json:"message"`
		DocumentationURL string `json:"documentation_url"`
		Status           string `json:"status"`
	}{message, doc, strconv.Itoa(status)})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-GitHub-Media-Type", "github.v3; format=json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeJSON answers a GET with v, its ETag and, when the client already has
// that ETag, 304 with no body.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	body, err := marshal(v)
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "Server Error", "https://docs.github.com/rest")
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age=60, s-maxage=60")
	h.Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		s.unspend(w)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// etagMatches applies If-None-Match's weak comparison: W/ prefixes are
// ignored and the header may list several tags.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
