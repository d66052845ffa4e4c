// Package jiratest runs a stand-in Jira: an httptest server that speaks the
// parts of Jira's REST API flowbot uses, with payloads shaped like the real
// ones (compare testdata of integrations/jira, recorded from Atlassian's
// documentation and client libraries).
//
// It exists so the adapter can be tested against real HTTP, and so
// `flowbot demo` has something to talk to. It models the behaviour that
// breaks naive clients rather than every endpoint:
//
//   - Cloud and Data Center differ. Cloud answers the old /search with 410
//     Gone and pages /search/jql with opaque next-page tokens, returns only
//     issue ids unless fields are named, refuses unbounded JQL, and caps the
//     changelog inlined in search (most recent first), leaving the rest to
//     /issue/{key}/changelog. Data Center pages /search with startAt and
//     total, has no /search/jql or changelog endpoint, and returns the whole
//     changelog on an issue GET.
//   - JQL dates are read in the API user's time zone, as Jira does.
//   - Timestamps are written in Jira's format (2006-01-02T15:04:05.000-0700)
//     in that same zone.
//   - A JQL mistake is a 400 with Jira's errorMessages body, never a panic.
//
// Every request is logged (Requests) so tests can count calls, and faults
// can be injected per path prefix (FailNext) to exercise retries.
package jiratest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flowbot/flowbot/coach"
)

// Flavors of Jira the server can play.
const (
	Cloud      = "cloud"
	DataCenter = "datacenter"
)

// Options configure a Server. The zero value is a Cloud site with no
// authentication, UTC as the user's zone and a three-status workflow.
type Options struct {
	Flavor   string         // Cloud (default) or DataCenter
	Statuses []coach.Status // served by /rest/api/2/status; empty IDs are assigned
	// UserTimeZone is the API user's profile zone (IANA name), served by
	// /myself and used to read JQL dates. Default "UTC".
	UserTimeZone string
	MaxPageSize  int // caps maxResults on every paged endpoint; default 100
	// InlineChangelogLimit caps the histories inlined per issue in search
	// results (the most recent ones are kept). Default 40 on Cloud, no cap
	// on Data Center.
	InlineChangelogLimit int
	// Credentials. When set, requests must carry them (basic auth for
	// Email/APIToken, a bearer token for PAT) or get a 401.
	Email, APIToken, PAT string
	// Now is the clock relative JQL dates ("-30d") count back from.
	// Default time.Now.
	Now func() time.Time
	// InlineCommentLimit caps the comments a search returns per issue:
	// Jira's search returns the comment field's first page only (oldest
	// first), with a total that says more exist. An issue GET returns
	// them all. Default 20.
	InlineCommentLimit int
}

// Issue is one issue the server holds.
type Issue struct {
	ID         string // numeric id; assigned when empty
	Key        string // e.g. "ABC-12"
	Project    string // project key; derived from Key when empty
	Type       string // issue type name; "Task" (or "Sub-task") when empty
	Subtask    bool
	Summary    string
	Status     string
	Resolution string // "" when unresolved
	Assignee   string // display name; "" when unassigned
	Created    time.Time
	Updated    time.Time
	History    []Change // oldest first; Field "Flagged" (To "Impediment" or "") flags and unflags

	// Parent is the key of the parent (an epic, or the parent of a
	// sub-task); "" when none. Served as the parent field and, on Data
	// Center, as the Epic Link custom field when the parent is an epic.
	Parent string
	// Points is the story-point estimate, served as customfield_10016 when
	// Estimated (null otherwise).
	Points    float64
	Estimated bool
	// Resolved is the resolution date; zero when unresolved.
	Resolved time.Time
	// Links are this issue's links. Each is rendered on both sides: the
	// linked issue shows the reverse link.
	Links []IssueLink
	// Comments are served as the comment field, oldest first.
	Comments []Comment
}

// Comment is one comment on an issue.
type Comment struct {
	Author  string // display name
	Body    string
	Created time.Time
	Updated time.Time // zero: never edited, served as Created
}

// User is how the server draws a person, by display name, wherever one
// appears (assignee, changelog and comment authors). People not put with
// PutUsers get an id derived from their name and, on Cloud, no e-mail.
type User struct {
	DisplayName string
	// AccountID is the Cloud accountId; "": derived from the name.
	AccountID string
	// Name and Key are the Data Center user name and key; "": derived
	// from the name.
	Name, Key string
	// Email is served as emailAddress; "" leaves the field out, as Jira
	// does for a user whose profile keeps the address hidden.
	Email string
}

// IssueLink is a link from an issue to another.
type IssueLink struct {
	Type string // link type name, e.g. "Blocks", "Relates"
	// Inward says the link points at this issue: with Type "Blocks", this
	// issue "is blocked by" Key. Otherwise this issue "blocks" Key.
	Inward bool
	Key    string // the other issue
}

// Change is one changed field. Consecutive changes with the same time and
// author are served as one changelog history with several items, as Jira
// records a transition that also sets the resolution.
type Change struct {
	At     time.Time
	Author string // display name
	Field  string // e.g. "status", "resolution", "assignee"
	From   string
	To     string
}

// Custom fields the server serves, with the ids Jira Cloud gives them on a
// typical site.
const (
	// PointsField holds Issue.Points (null unless Estimated): Cloud's
	// "Story point estimate".
	PointsField = "customfield_10016"
	// FlaggedField holds Jira Software's Flagged checkbox:
	// [{"value":"Impediment"}] while flagged, null otherwise. It is set by
	// the latest History change whose Field is "Flagged".
	FlaggedField = "customfield_10021"
	// EpicLinkField is the "Epic Link" field Data Center serves for an
	// issue whose Parent is an epic; Cloud serves parent instead.
	EpicLinkField = "customfield_10014"
)

// Server is a running stand-in Jira. Its methods are safe for concurrent use.
type Server struct {
	flavor      string
	loc         *time.Location
	tz          string
	maxPage     int
	inlineLimit int // 0: no cap
	commentCap  int
	email       string
	apiToken    string
	pat         string
	now         func() time.Time
	statuses    []coach.Status
	ts          *httptest.Server
	mux         *http.ServeMux

	mu          sync.Mutex
	issues      map[string]*record // by key
	statusIDs   map[string]string  // lower-case name -> id
	resIDs      map[string]string  // lower-case name -> id
	types       map[string]*issueType
	projectIDs  map[string]string
	lastIssueID int
	lastHistory int
	lastLink    int
	lastComment int
	// reverse holds, by key, the links other issues declare to it: each
	// link is rendered on both sides, as in Jira.
	reverse  map[string][]linkRef
	users    map[string]User // by display name
	requests []string
	faults   []*fault
}

type issueType struct {
	id      string
	name    string
	subtask bool
}

type record struct {
	Issue
	histories  []history
	linkIDs    []string // one per Issue.Links
	commentIDs []string // one per Issue.Comments
}

// linkRef is one link as the issue at its other end sees it.
type linkRef struct {
	id   string
	from string // key of the issue that declares the link
	link IssueLink
}

type history struct {
	id      string
	at      time.Time
	author  string
	changes []Change
}

type fault struct {
	prefix     string
	status     int
	retryAfter string
	left       int
}

// NewServer starts a server. Close it when done. It panics if
// UserTimeZone is not a known zone, like httptest.NewServer panics when it
// cannot listen: both are mistakes in the test, not conditions to handle.
func NewServer(opts Options) *Server {
	s := &Server{
		flavor:      opts.Flavor,
		tz:          opts.UserTimeZone,
		maxPage:     opts.MaxPageSize,
		inlineLimit: opts.InlineChangelogLimit,
		commentCap:  opts.InlineCommentLimit,
		email:       opts.Email,
		apiToken:    opts.APIToken,
		pat:         opts.PAT,
		now:         opts.Now,
		issues:      map[string]*record{},
		statusIDs:   map[string]string{},
		resIDs:      map[string]string{},
		types:       map[string]*issueType{},
		projectIDs:  map[string]string{},
		reverse:     map[string][]linkRef{},
		users:       map[string]User{},
	}
	if s.commentCap <= 0 {
		s.commentCap = 20
	}
	if s.flavor == "" {
		s.flavor = Cloud
	}
	if s.flavor != Cloud && s.flavor != DataCenter {
		panic(fmt.Sprintf("jiratest: unknown Flavor %q (want %q or %q)", s.flavor, Cloud, DataCenter))
	}
	if s.tz == "" {
		s.tz = "UTC"
	}
	loc, err := time.LoadLocation(s.tz)
	if err != nil {
		panic(fmt.Sprintf("jiratest: UserTimeZone: %v", err))
	}
	s.loc = loc
	if s.maxPage <= 0 {
		s.maxPage = 100
	}
	if s.inlineLimit <= 0 && s.flavor == Cloud {
		s.inlineLimit = 40
	}
	if s.now == nil {
		s.now = time.Now
	}
	for i, t := range []struct {
		name    string
		subtask bool
	}{{"Epic", false}, {"Story", false}, {"Task", false}, {"Sub-task", true}, {"Bug", false}, {"Incident", false}} {
		s.types[strings.ToLower(t.name)] = &issueType{id: strconv.Itoa(10000 + i), name: t.name, subtask: t.subtask}
	}
	for i, r := range []string{"Done", "Won't Do", "Duplicate", "Cannot Reproduce"} {
		s.resIDs[strings.ToLower(r)] = strconv.Itoa(10000 + i)
	}
	statuses := opts.Statuses
	if len(statuses) == 0 {
		statuses = []coach.Status{
			{ID: "10000", Name: "To Do", Category: coach.CategoryNew},
			{ID: "3", Name: "In Progress", Category: coach.CategoryIndeterminate},
			{ID: "10001", Name: "Done", Category: coach.CategoryDone},
		}
	}
	for _, st := range statuses {
		if st.ID != "" {
			s.statusIDs[strings.ToLower(st.Name)] = st.ID
		}
	}
	for _, st := range statuses {
		st.ID = s.statusID(st.Name)
		if st.Category == "" {
			st.Category = coach.CategoryIndeterminate
		}
		s.statuses = append(s.statuses, st)
	}

	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /rest/api/{v}/status", s.handleStatuses)
	s.mux.HandleFunc("GET /rest/api/{v}/myself", s.handleMyself)
	s.mux.HandleFunc("GET /rest/api/{v}/search", s.handleSearch)
	s.mux.HandleFunc("GET /rest/api/{v}/search/jql", s.handleSearchJQL)
	s.mux.HandleFunc("GET /rest/api/{v}/issue/{key}", s.handleIssue)
	s.mux.HandleFunc("GET /rest/api/{v}/issue/{key}/changelog", s.handleChangelog)
	s.mux.HandleFunc("/", s.notFound)
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the base URL of the server, without a trailing slash.
func (s *Server) URL() string { return s.ts.URL }

// Close shuts the server down.
func (s *Server) Close() { s.ts.Close() }

// Put adds issues, replacing any with the same key.
func (s *Server) Put(issues ...Issue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, is := range issues {
		is.History = slices.Clone(is.History)
		slices.SortStableFunc(is.History, func(a, b Change) int { return a.At.Compare(b.At) })
		if old, ok := s.issues[is.Key]; ok && is.ID == "" {
			is.ID = old.ID
		}
		if is.ID == "" {
			s.lastIssueID++
			is.ID = strconv.Itoa(10000 + s.lastIssueID)
		}
		if is.Project == "" {
			is.Project, _ = splitKey(is.Key)
		}
		if _, ok := s.projectIDs[is.Project]; !ok {
			s.projectIDs[is.Project] = strconv.Itoa(10000 + len(s.projectIDs))
		}
		if is.Type == "" {
			is.Type = "Task"
			if is.Subtask {
				is.Type = "Sub-task"
			}
		}
		if _, ok := s.types[strings.ToLower(is.Type)]; !ok {
			s.types[strings.ToLower(is.Type)] = &issueType{id: strconv.Itoa(10000 + len(s.types)), name: is.Type, subtask: is.Subtask}
		}
		s.statusID(is.Status)
		is.Links = slices.Clone(is.Links)
		is.Comments = slices.Clone(is.Comments)
		slices.SortStableFunc(is.Comments, func(a, b Comment) int { return a.Created.Compare(b.Created) })
		rec := &record{Issue: is}
		for range is.Comments {
			s.lastComment++
			rec.commentIDs = append(rec.commentIDs, strconv.Itoa(10000+s.lastComment))
		}
		for range is.Links {
			s.lastLink++
			rec.linkIDs = append(rec.linkIDs, strconv.Itoa(10000+s.lastLink))
		}
		for i, ch := range is.History {
			if ch.Field == "status" {
				s.statusID(ch.From)
				s.statusID(ch.To)
			}
			if i > 0 {
				last := &rec.histories[len(rec.histories)-1]
				if last.at.Equal(ch.At) && last.author == ch.Author {
					last.changes = append(last.changes, ch)
					continue
				}
			}
			s.lastHistory++
			rec.histories = append(rec.histories, history{
				id: strconv.Itoa(100000 + s.lastHistory), at: ch.At, author: ch.Author, changes: []Change{ch},
			})
		}
		s.issues[is.Key] = rec
	}
	s.reverse = map[string][]linkRef{}
	for _, rec := range s.issues {
		for i, l := range rec.Links {
			s.reverse[strings.ToUpper(l.Key)] = append(s.reverse[strings.ToUpper(l.Key)], linkRef{id: rec.linkIDs[i], from: rec.Key, link: l})
		}
	}
	for _, refs := range s.reverse {
		slices.SortFunc(refs, func(a, b linkRef) int { return compareIDs(a.id, b.id) })
	}
}

// PutUsers sets how people are drawn, replacing any with the same
// display name.
func (s *Server) PutUsers(users ...User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range users {
		s.users[u.DisplayName] = u
	}
}

// Requests lists the requests received so far, oldest first, as
// "METHOD /path?query" (the query as sent). Requests refused by FailNext
// or for lack of credentials are included.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// FailNext makes the next n requests whose URL path starts with path fail
// with status, carrying a Retry-After header when retryAfter is not empty.
// Faults are used in the order they were added.
func (s *Server) FailNext(path string, status int, retryAfter string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{prefix: path, status: status, retryAfter: retryAfter, left: n})
}

// statusID returns the id of a status, assigning one to a name seen for
// the first time. Such statuses are not added to the served list: a real
// Jira can hold issues in statuses its list does not (or no longer) show.
func (s *Server) statusID(name string) string {
	if name == "" {
		return ""
	}
	k := strings.ToLower(name)
	if id, ok := s.statusIDs[k]; ok {
		return id
	}
	id := strconv.Itoa(20000 + len(s.statusIDs))
	s.statusIDs[k] = id
	return id
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI())
	var f *fault
	for _, x := range s.faults {
		if x.left > 0 && strings.HasPrefix(r.URL.Path, x.prefix) {
			x.left--
			f = x
			break
		}
	}
	s.mu.Unlock()
	if f != nil {
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		msg := http.StatusText(f.status)
		if f.status == http.StatusTooManyRequests {
			msg = "Rate limit exceeded."
		}
		writeError(w, f.status, msg)
		return
	}
	if !s.authorized(r) {
		if s.flavor == Cloud {
			// Cloud answers bad credentials in plain text, not JSON.
			w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, "Client must be authenticated to access this resource.")
			return
		}
		writeError(w, http.StatusUnauthorized, "You are not authenticated. Authentication required to perform this operation.")
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	if s.email == "" && s.apiToken == "" && s.pat == "" {
		return true
	}
	if s.pat != "" && r.Header.Get("Authorization") == "Bearer "+s.pat {
		return true
	}
	if s.email != "" || s.apiToken != "" {
		u, p, ok := r.BasicAuth()
		return ok && u == s.email && p == s.apiToken
	}
	return false
}

// apiVersion reports whether the {v} path segment names an API version the
// flavor serves.
func (s *Server) apiVersion(r *http.Request) bool {
	switch r.PathValue("v") {
	case "2", "latest":
		return true
	case "3":
		return s.flavor == Cloud
	}
	return false
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	// Jira's REST layer (Jersey) answers unknown resources like this.
	writeJSON(w, http.StatusNotFound, map[string]any{
		"message":     "null for uri: " + baseURL(r) + r.URL.RequestURI(),
		"status-code": http.StatusNotFound,
	})
}

func (s *Server) handleStatuses(w http.ResponseWriter, r *http.Request) {
	if !s.apiVersion(r) {
		s.notFound(w, r)
		return
	}
	base := baseURL(r)
	out := make([]statusJSON, 0, len(s.statuses))
	for _, st := range s.statuses {
		out = append(out, renderStatus(base, st.ID, st.Name, st.Category))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleMyself(w http.ResponseWriter, r *http.Request) {
	if !s.apiVersion(r) {
		s.notFound(w, r)
		return
	}
	name := "Flowbot"
	s.mu.Lock()
	u := s.user(baseURL(r), name)
	s.mu.Unlock()
	if s.email != "" {
		u["emailAddress"] = s.email
	}
	u["locale"] = "en_US"
	u["groups"] = map[string]any{"size": 1, "items": []any{}}
	u["applicationRoles"] = map[string]any{"size": 1, "items": []any{}}
	u["expand"] = "groups,applicationRoles"
	writeJSON(w, http.StatusOK, u)
}

// handleSearch is Data Center's search, and Cloud's removed one.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	if !s.apiVersion(r) {
		s.notFound(w, r)
		return
	}
	if s.flavor == Cloud {
		writeError(w, http.StatusGone, "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046")
		return
	}
	q := r.URL.Query()
	startAt, maxResults, err := pageParams(q, 50)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	maxResults = min(max(maxResults, 0), s.maxPage)
	startAt = max(startAt, 0)

	s.mu.Lock()
	defer s.mu.Unlock()
	matched, err := s.search(q.Get("jql"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	end := min(startAt+maxResults, len(matched))
	page := matched[min(startAt, len(matched)):end]
	fields := parseFields(q, true)
	changelog := listParam(q, "expand")["changelog"]
	issues := make([]issueJSON, 0, len(page))
	for _, rec := range page {
		issues = append(issues, s.renderIssue(baseURL(r), rec, fields, changelog, s.inlineLimit, s.commentCap))
	}
	writeJSON(w, http.StatusOK, dcSearchJSON{
		Expand: "schema,names", StartAt: startAt, MaxResults: maxResults, Total: len(matched), Issues: issues,
	})
}

// handleSearchJQL is Cloud's enhanced search.
func (s *Server) handleSearchJQL(w http.ResponseWriter, r *http.Request) {
	if !s.apiVersion(r) || s.flavor != Cloud {
		s.notFound(w, r)
		return
	}
	q := r.URL.Query()
	maxResults, err := intParam(q, "maxResults", 50)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	maxResults = min(max(maxResults, 1), s.maxPage)
	jql := q.Get("jql")

	s.mu.Lock()
	defer s.mu.Unlock()
	parsed, err := s.parse(jql)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if parsed.where == nil {
		writeError(w, http.StatusBadRequest, "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")
		return
	}
	matched := s.match(parsed)
	offset := 0
	if tok := q.Get("nextPageToken"); tok != "" {
		if offset, err = decodeToken(tok, jql); err != nil {
			writeError(w, http.StatusBadRequest, "The provided next page token is invalid or expired.")
			return
		}
	}
	end := min(offset+maxResults, len(matched))
	page := matched[min(offset, len(matched)):end]
	// Without fields, Cloud returns nothing but ids.
	fields := parseFields(q, false)
	changelog := listParam(q, "expand")["changelog"]
	out := cloudSearchJSON{Issues: make([]issueJSON, 0, len(page)), IsLast: end >= len(matched)}
	for _, rec := range page {
		out.Issues = append(out.Issues, s.renderIssue(baseURL(r), rec, fields, changelog, s.inlineLimit, s.commentCap))
	}
	if !out.IsLast {
		out.NextPageToken = encodeToken(jql, end)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleIssue(w http.ResponseWriter, r *http.Request) {
	if !s.apiVersion(r) {
		s.notFound(w, r)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.lookup(r.PathValue("key"))
	if rec == nil {
		writeError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
		return
	}
	q := r.URL.Query()
	// Cloud caps the changelog of an issue GET at 100 histories; Data
	// Center returns it whole.
	limit := 0
	if s.flavor == Cloud {
		limit = 100
	}
	writeJSON(w, http.StatusOK, s.renderIssue(baseURL(r), rec, parseFields(q, true), listParam(q, "expand")["changelog"], limit, 0))
}

// handleChangelog is Cloud's paged changelog, oldest first.
func (s *Server) handleChangelog(w http.ResponseWriter, r *http.Request) {
	if !s.apiVersion(r) || s.flavor != Cloud {
		s.notFound(w, r)
		return
	}
	q := r.URL.Query()
	startAt, maxResults, err := pageParams(q, 100)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	maxResults = min(max(maxResults, 1), s.maxPage, 100)
	startAt = max(startAt, 0)

	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.lookup(r.PathValue("key"))
	if rec == nil {
		writeError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
		return
	}
	base := baseURL(r)
	total := len(rec.histories)
	end := min(startAt+maxResults, total)
	out := changelogPageJSON{
		Self:       fmt.Sprintf("%s%s?startAt=%d&maxResults=%d", base, r.URL.Path, startAt, maxResults),
		MaxResults: maxResults,
		StartAt:    startAt,
		Total:      total,
		IsLast:     end >= total,
		Values:     []historyJSON{},
	}
	if !out.IsLast {
		out.NextPage = fmt.Sprintf("%s%s?startAt=%d&maxResults=%d", base, r.URL.Path, end, maxResults)
	}
	for _, h := range rec.histories[min(startAt, total):end] {
		out.Values = append(out.Values, s.renderHistory(base, h))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) lookup(keyOrID string) *record {
	if rec, ok := s.issues[strings.ToUpper(keyOrID)]; ok {
		return rec
	}
	for _, rec := range s.issues {
		if rec.ID == keyOrID {
			return rec
		}
	}
	return nil
}

func (s *Server) catalog() *catalog {
	c := &catalog{
		loc:      s.loc,
		now:      s.now(),
		cloud:    s.flavor == Cloud,
		projects: map[string]bool{},
		types:    map[string]bool{},
		statuses: map[string]bool{},
		keys:     map[string]bool{},
	}
	for _, rec := range s.issues {
		c.projects[strings.ToUpper(rec.Project)] = true
		c.keys[strings.ToUpper(rec.Key)] = true
	}
	for k := range s.types {
		c.types[k] = true
	}
	for k := range s.statusIDs {
		c.statuses[k] = true
	}
	return c
}

func (s *Server) parse(jql string) (*query, error) {
	return parseJQL(jql, s.catalog())
}

func (s *Server) search(jql string) ([]*record, error) {
	q, err := s.parse(jql)
	if err != nil {
		return nil, err
	}
	return s.match(q), nil
}

func (s *Server) match(q *query) []*record {
	var out []*record
	for _, rec := range s.issues {
		v := &issueView{
			Key: rec.Key, Project: rec.Project, Type: rec.Type, Summary: rec.Summary, Status: rec.Status,
			Resolution: rec.Resolution, Assignee: rec.Assignee, Subtask: rec.Subtask,
			Created: rec.Created, Updated: rec.Updated,
			Parent: strings.ToUpper(rec.Parent), ParentIsEpic: s.isEpic(rec.Parent),
		}
		if q.where == nil || q.where(v) {
			out = append(out, rec)
		}
	}
	slices.SortFunc(out, func(a, b *record) int {
		for _, k := range q.orderBy {
			var c int
			switch k.field {
			case "key":
				c = compareKeys(a.Key, b.Key)
			case "project":
				c = strings.Compare(a.Project, b.Project)
			case "created":
				c = a.Created.Compare(b.Created)
			case "updated":
				c = a.Updated.Compare(b.Updated)
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return compareKeys(a.Key, b.Key)
	})
	return out
}

// isEpic reports whether key is an issue of type Epic held here.
func (s *Server) isEpic(key string) bool {
	rec := s.issues[strings.ToUpper(key)]
	return rec != nil && strings.EqualFold(rec.Type, "Epic")
}

// compareIDs orders numeric ids by value.
func compareIDs(a, b string) int {
	an, _ := strconv.Atoi(a)
	bn, _ := strconv.Atoi(b)
	return an - bn
}

// Next-page tokens are opaque to clients; this one carries the offset and
// a hash of the query, so a token cannot be replayed against another JQL.
func encodeToken(jql string, offset int) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d:%x", offset, jqlHash(jql)))
}

func decodeToken(tok, jql string) (int, error) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, err
	}
	off, hash, ok := strings.Cut(string(raw), ":")
	if !ok || hash != fmt.Sprintf("%x", jqlHash(jql)) {
		return 0, fmt.Errorf("token for another query")
	}
	return strconv.Atoi(off)
}

func jqlHash(jql string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(jql))
	return h.Sum64()
}

func intParam(q map[string][]string, name string, def int) (int, error) {
	v := ""
	if vs := q[name]; len(vs) > 0 {
		v = vs[0]
	}
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		//lint:ignore ST1005 Jira's own wording, served to clients as is
		return 0, fmt.Errorf("The value '%s' is invalid for the parameter '%s'.", v, name)
	}
	return n, nil
}

// listParam reads a parameter that may be repeated and comma-separated.
func listParam(q map[string][]string, name string) map[string]bool {
	out := map[string]bool{}
	for _, v := range q[name] {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out[f] = true
			}
		}
	}
	return out
}

func baseURL(r *http.Request) string { return "http://" + r.Host }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msgs ...string) {
	writeJSON(w, status, map[string]any{"errorMessages": msgs, "errors": map[string]string{}})
}

// pageParams reads startAt and maxResults, the paging of Jira's older
// endpoints.
func pageParams(q url.Values, defMax int) (startAt, maxResults int, err error) {
	if startAt, err = intParam(q, "startAt", 0); err != nil {
		return 0, 0, err
	}
	if maxResults, err = intParam(q, "maxResults", defMax); err != nil {
		return 0, 0, err
	}
	return startAt, maxResults, nil
}
