package githubtest

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	docListPulls   = "https://docs.github.com/rest/pulls/pulls#list-pull-requests"
	docGetPull     = "https://docs.github.com/rest/pulls/pulls#get-a-pull-request"
	docListReviews = "https://docs.github.com/rest/pulls/reviews#list-reviews-for-a-pull-request"
)

// repoFor finds the repository a request names, by owner/name or by id.
// Called with s.mu held.
func (s *Server) repoFor(r *http.Request) *repoState {
	if id := r.PathValue("id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil
		}
		return s.byID[n]
	}
	return s.repos[strings.ToLower(r.PathValue("owner")+"/"+r.PathValue("repo"))]
}

// renderer builds payload URLs from the server's own address. Called with
// s.mu held or not: it reads only immutable fields.
func (s *Server) renderer() renderer {
	return newRenderer(s.URL(), s.srv.URL+"/")
}

// repoJSON renders rs with times spanning its pull requests. Called with
// s.mu held.
func (s *Server) repoJSON(rs *repoState) repoJSON {
	var created, pushed time.Time
	for _, sp := range rs.pulls {
		if created.IsZero() || sp.Created.Before(created) {
			created = sp.Created
		}
		if sp.Updated.After(pushed) {
			pushed = sp.Updated
		}
	}
	return s.renderer().repo(rs, created, pushed)
}

func (s *Server) listPulls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := cmp.Or(q.Get("state"), "open")
	if state != "open" && state != "closed" && state != "all" {
		s.writeInvalid(w, "state", docListPulls)
		return
	}
	sortBy := cmp.Or(q.Get("sort"), "created")
	if sortBy != "created" && sortBy != "updated" {
		// popularity and long-running are GitHub's too; the stand-in does
		// not model what they order by.
		s.writeInvalid(w, "sort", docListPulls)
		return
	}
	// GitHub: "Default: desc when sort is created or sort is not
	// specified, otherwise asc."
	dir := q.Get("direction")
	if dir == "" {
		dir = "asc"
		if sortBy == "created" {
			dir = "desc"
		}
	}
	if dir != "asc" && dir != "desc" {
		s.writeInvalid(w, "direction", docListPulls)
		return
	}
	base := q.Get("base")

	s.mu.Lock()
	rs := s.repoFor(r)
	if rs == nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "Not Found", docListPulls)
		return
	}
	var pulls []*storedPull
	for _, sp := range rs.pulls {
		if (state == "all" || sp.State == state) && (base == "" || sp.Base == base) {
			pulls = append(pulls, sp)
		}
	}
	slices.SortFunc(pulls, func(a, b *storedPull) int {
		ka, kb := a.Created, b.Created
		if sortBy == "updated" {
			ka, kb = a.Updated, b.Updated
		}
		c := cmp.Or(ka.Compare(kb), cmp.Compare(a.Number, b.Number))
		if dir == "desc" {
			return -c
		}
		return c
	})
	page, last, lo, hi := s.paginate(q.Get("page"), q.Get("per_page"), len(pulls))
	repo := s.repoJSON(rs)
	rd := s.renderer()
	out := make([]pullSimpleJSON, 0, hi-lo)
	for _, sp := range pulls[lo:hi] {
		out = append(out, rd.pullSimple(rs, sp, repo))
	}
	id := rs.id
	s.mu.Unlock()

	s.setLink(w, r, fmt.Sprintf("repositories/%d/pulls", id), page, last)
	s.writeJSON(w, r, out)
}

func (s *Server) getPull(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rs, sp := s.pullFor(r)
	if sp == nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "Not Found", docGetPull)
		return
	}
	out := s.renderer().pull(rs, sp, s.repoJSON(rs))
	s.mu.Unlock()
	s.writeJSON(w, r, out)
}

func (s *Server) listReviews(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rs, sp := s.pullFor(r)
	if sp == nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "Not Found", docListReviews)
		return
	}
	q := r.URL.Query()
	page, last, lo, hi := s.paginate(q.Get("page"), q.Get("per_page"), len(sp.Reviews))
	rd := s.renderer()
	out := make([]reviewJSON, 0, hi-lo)
	for _, rv := range sp.Reviews[lo:hi] {
		out = append(out, rd.review(rs, sp.PullRequest, rv))
	}
	id, number := rs.id, sp.Number
	s.mu.Unlock()

	s.setLink(w, r, fmt.Sprintf("repositories/%d/pulls/%d/reviews", id, number), page, last)
	s.writeJSON(w, r, out)
}

// pullFor finds the pull request a request names. Called with s.mu held.
func (s *Server) pullFor(r *http.Request) (*repoState, *storedPull) {
	rs := s.repoFor(r)
	if rs == nil {
		return nil, nil
	}
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil {
		return nil, nil
	}
	return rs, rs.pulls[n]
}

// paginate reads page and per_page as GitHub does (per_page defaults to 30
// and is capped; nonsense falls back to the defaults) and returns the page,
// the last page and the slice bounds of n items.
func (s *Server) paginate(pageParam, perPageParam string, n int) (page, last, lo, hi int) {
	per, err := strconv.Atoi(perPageParam)
	if err != nil || per < 1 {
		per = 30
	}
	per = min(per, s.maxPer)
	page, err = strconv.Atoi(pageParam)
	if err != nil || page < 1 {
		page = 1
	}
	last = max((n+per-1)/per, 1)
	lo = min((page-1)*per, n)
	hi = min(lo+per, n)
	return page, last, lo, hi
}

// setLink writes GitHub's Link header: prev, next, last, first, in that
// order, each the request's own query with page replaced, on the
// /repositories/{id} form of the path as GitHub writes them.
func (s *Server) setLink(w http.ResponseWriter, r *http.Request, path string, page, last int) {
	var params []string
	for _, p := range strings.Split(r.URL.RawQuery, "&") {
		if p != "" && !strings.HasPrefix(p, "page=") {
			params = append(params, p)
		}
	}
	link := func(n int, rel string) string {
		q := strings.Join(append(slices.Clone(params), "page="+strconv.Itoa(n)), "&")
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, s.URL(), path, q, rel)
	}
	var links []string
	if page > 1 {
		links = append(links, link(page-1, "prev"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
}

// writeInvalid answers an unusable query parameter with GitHub's 422.
func (s *Server) writeInvalid(w http.ResponseWriter, field, doc string) {
	body, _ := marshal(struct {
		Message          string              `json:"message"`
		Errors           []map[string]string `json:"errors"`
		DocumentationURL string              `json:"documentation_url"`
		Status           string              `json:"status"`
	}{
		Message:          "Validation Failed",
		Errors:           []map[string]string{{"resource": "PullRequest", "code": "invalid", "field": field}},
		DocumentationURL: doc,
		Status:           "422",
	})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusUnprocessableEntity)
	_, _ = w.Write(body)
}
