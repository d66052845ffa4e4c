package jira

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// authTransport adds credentials to requests for the Jira host only, so a
// redirect elsewhere (an attachment store, a login page) never carries
// them.
type authTransport struct {
	base           http.RoundTripper
	host           string
	user, password string
	bearer         string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != t.host || (t.user == "" && t.bearer == "") {
		return t.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	if t.bearer != "" {
		r.Header.Set("Authorization", "Bearer "+t.bearer)
	} else {
		r.SetBasicAuth(t.user, t.password)
	}
	return t.base.RoundTrip(r)
}

// Error is Jira refusing a request: a status outside 2xx and what Jira
// said about it. Match it with errors.As to tell, say, bad credentials
// (401) from a bad query (400).
type Error struct {
	StatusCode int
	Method     string
	Path       string   // URL path, without the query
	Messages   []string // Jira's errorMessages, then its per-field errors
	Hint       string   // what to check, when the status has a usual cause
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "jira answered %d %s to %s %s", e.StatusCode, http.StatusText(e.StatusCode), e.Method, e.Path)
	if len(e.Messages) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Messages, "; "))
	}
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// get sends a GET for path (relative to the base URL, so a context path is
// kept) and decodes the JSON answer into v.
func (c *Client) get(ctx context.Context, path string, q url.Values, v any) error {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	req, err := c.api.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if err != nil {
		return fmt.Errorf("building request for %s: %w", path, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.api.Do(req, v)
	switch {
	case err == nil:
		return nil
	case resp == nil:
		return fmt.Errorf("calling jira: %w", err)
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return fmt.Errorf("decoding jira's answer to GET %s: %w", req.URL.Path, err)
	}
	return c.apiError(req, resp.Response)
}

// apiError reads Jira's error body: JSON with errorMessages and errors
// from the REST layer, a JSON message from the servlet layer, or plain
// text (Cloud's 401). HTML pages say nothing useful and are left out.
func (c *Client) apiError(req *http.Request, resp *http.Response) error {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &Error{StatusCode: resp.StatusCode, Method: req.Method, Path: req.URL.Path}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case mt == "application/json" || json.Valid(body):
		var jb struct {
			ErrorMessages []string          `json:"errorMessages"`
			Errors        map[string]string `json:"errors"`
			Message       string            `json:"message"`
		}
		if json.Unmarshal(body, &jb) == nil {
			e.Messages = append(e.Messages, jb.ErrorMessages...)
			keys := make([]string, 0, len(jb.Errors))
			for k := range jb.Errors {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				e.Messages = append(e.Messages, k+": "+jb.Errors[k])
			}
			if jb.Message != "" {
				e.Messages = append(e.Messages, jb.Message)
			}
		}
	case mt == "text/plain":
		if s := strings.TrimSpace(string(body)); s != "" {
			if len(s) > 300 {
				s = s[:300] + "…"
			}
			e.Messages = append(e.Messages, s)
		}
	}
	switch {
	case e.StatusCode == http.StatusUnauthorized:
		e.Hint = c.authHint
	case e.StatusCode == http.StatusForbidden:
		e.Hint = "the Jira user may lack permission to browse these projects; otherwise " + c.authHint
	case e.StatusCode == http.StatusGone && strings.HasSuffix(e.Path, "/search"):
		e.Hint = "this looks like Jira Cloud, which removed this search: set the flavor to cloud"
	case e.StatusCode == http.StatusNotFound && strings.HasSuffix(e.Path, "/search/jql"):
		e.Hint = "this Jira has no enhanced search, so it looks like Data Center: set the flavor to datacenter"
	case e.StatusCode == http.StatusTooManyRequests:
		e.Hint = "Jira's rate limit: try again later"
	}
	return e
}
