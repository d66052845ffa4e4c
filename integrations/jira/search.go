package jira

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	gojira "github.com/andygrunwald/go-jira"
	"golang.org/x/sync/errgroup"

	"github.com/flowbot/flowbot/coach"
)

// searchFields are the fields a sync asks for besides the custom ones
// (fieldIDs.list). Cloud's enhanced search returns nothing but ids unless
// fields are named.
const searchFields = "summary,status,issuetype,resolution,assignee,created,updated,parent,resolutiondate,issuelinks,comment"

// fieldIDs are the custom fields a sync reads.
type fieldIDs struct {
	points   string // story points; always set
	epicLink string // Data Center's Epic Link; "" when not read
}

// list is the fields parameter of a search.
func (f fieldIDs) list() string {
	s := searchFields + "," + f.points
	if f.epicLink != "" {
		s += "," + f.epicLink
	}
	return s
}

// changelogFetches bounds how many issues' histories are fetched at once
// when a page has several long ones: enough to hide latency, few enough
// to stay clear of Jira's rate limits.
const changelogFetches = 4

// issue is one issue in a search page or an issue GET.
type issue struct {
	ID        string       `json:"id"`
	Key       string       `json:"key"`
	Fields    *issueFields `json:"fields"`
	Changelog *changelog   `json:"changelog"`
}

// issueFields holds the requested fields. go-jira's IssueFields would
// decode every field twice (once more for custom fields) and parse times
// with a layout of its own; only its parts are reused.
type issueFields struct {
	Summary    string             `json:"summary"`
	Status     *gojira.Status     `json:"status"`
	Type       gojira.IssueType   `json:"issuetype"`
	Resolution *gojira.Resolution `json:"resolution"`
	Assignee   *gojira.User       `json:"assignee"`
	Created    jiraTime           `json:"created"`
	Updated    jiraTime           `json:"updated"`
	Resolved   jiraTime           `json:"resolutiondate"`
	Parent     *struct {
		Key string `json:"key"`
	} `json:"parent"`
	Links   []issueLink   `json:"issuelinks"`
	Comment *commentField `json:"comment"`
	// Custom holds every field undecoded, for the custom ones, whose ids
	// are configured.
	Custom map[string]json.RawMessage `json:"-"`
}

func (f *issueFields) UnmarshalJSON(b []byte) error {
	type plain issueFields
	if err := json.Unmarshal(b, (*plain)(f)); err != nil {
		return err
	}
	return json.Unmarshal(b, &f.Custom)
}

// commentField is the comment field: Jira sends
// {"comments":[...],"maxResults":N,"total":M,"startAt":0}, in a search
// only its first page (oldest first); Atlassian's own OpenAPI example
// shows a bare array, which is read too.
type commentField struct {
	Comments []comment `json:"comments"`
	Total    int       `json:"total"`
}

type comment struct {
	Created jiraTime `json:"created"`
	Updated jiraTime `json:"updated"`
}

func (c *commentField) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		c.Total = 0
		return json.Unmarshal(b, &c.Comments)
	}
	type plain commentField
	return json.Unmarshal(b, (*plain)(c))
}

// latest is the latest time a comment Jira sent was added or edited.
func (c *commentField) latest() time.Time {
	var t time.Time
	if c == nil {
		return t
	}
	for _, cm := range c.Comments {
		for _, at := range []time.Time{cm.Created.Time, cm.Updated.Time} {
			if at.After(t) {
				t = at
			}
		}
	}
	return t
}

// truncated reports whether Jira left comments out: then the newest ones
// are the ones missing, and latest is a lower bound.
func (c *commentField) truncated() bool {
	return c != nil && c.Total > len(c.Comments)
}

// issueLink is one entry of issuelinks: the link type and the issue at
// the other end, as inwardIssue or outwardIssue.
type issueLink struct {
	Type struct {
		Name    string `json:"name"`
		Inward  string `json:"inward"`
		Outward string `json:"outward"`
	} `json:"type"`
	InwardIssue  *linkedIssue `json:"inwardIssue"`
	OutwardIssue *linkedIssue `json:"outwardIssue"`
}

type linkedIssue struct {
	Key    string `json:"key"`
	Fields struct {
		Status *gojira.Status `json:"status"`
	} `json:"fields"`
}

// changelog is the changelog inlined in an issue.
type changelog struct {
	StartAt    int                       `json:"startAt"`
	MaxResults int                       `json:"maxResults"`
	Total      int                       `json:"total"`
	Histories  []gojira.ChangelogHistory `json:"histories"`
}

// complete reports whether the inlined changelog holds every history.
func (cl *changelog) complete() bool {
	return cl != nil && len(cl.Histories) >= cl.Total
}

// cloudSearchPage is a page of Cloud's enhanced search.
// Issues stay raw until decodeIssues reads them one by one.
type cloudSearchPage struct {
	Issues        []json.RawMessage `json:"issues"`
	NextPageToken string            `json:"nextPageToken"`
	IsLast        bool              `json:"isLast"`
}

// dcSearchPage is a page of Data Center's search.
type dcSearchPage struct {
	StartAt    int               `json:"startAt"`
	MaxResults int               `json:"maxResults"`
	Total      int               `json:"total"`
	Issues     []json.RawMessage `json:"issues"`
}

// changelogPage is a page of Cloud's /issue/{key}/changelog.
type changelogPage struct {
	StartAt    int                       `json:"startAt"`
	MaxResults int                       `json:"maxResults"`
	Total      int                       `json:"total"`
	IsLast     bool                      `json:"isLast"`
	Values     []gojira.ChangelogHistory `json:"values"`
}

func (c *Client) searchCloud(ctx context.Context, jql string, handle func([]issue) error) error {
	token := ""
	for page := 1; ; page++ {
		q := url.Values{
			"jql":        {jql},
			"maxResults": {strconv.Itoa(c.pageSize)},
			"fields":     {c.fields.list()},
			"expand":     {"changelog"},
		}
		if token != "" {
			q.Set("nextPageToken", token)
		}
		var p cloudSearchPage
		if err := c.get(ctx, "rest/api/2/search/jql", q, &p); err != nil {
			return fmt.Errorf("fetching page %d: %w", page, err)
		}
		c.log.Debug("jira search page", "page", page, "issues", len(p.Issues), "last", p.IsLast)
		if err := handle(c.decodeIssues(p.Issues)); err != nil {
			return err
		}
		if p.IsLast || p.NextPageToken == "" {
			return nil
		}
		if p.NextPageToken == token {
			return fmt.Errorf("page %d: jira sent the same next-page token again", page)
		}
		token = p.NextPageToken
	}
}

func (c *Client) searchDataCenter(ctx context.Context, jql string, handle func([]issue) error) error {
	startAt := 0
	for page := 1; ; page++ {
		q := url.Values{
			"jql":        {jql},
			"startAt":    {strconv.Itoa(startAt)},
			"maxResults": {strconv.Itoa(c.pageSize)},
			"fields":     {c.fields.list()},
			"expand":     {"changelog"},
		}
		var p dcSearchPage
		if err := c.get(ctx, "rest/api/2/search", q, &p); err != nil {
			return fmt.Errorf("fetching page %d: %w", page, err)
		}
		c.log.Debug("jira search page", "page", page, "start_at", startAt, "issues", len(p.Issues), "total", p.Total)
		if err := handle(c.decodeIssues(p.Issues)); err != nil {
			return err
		}
		// Jira may send fewer than asked for (its own page cap), so the
		// next page starts after what arrived, not after what was asked.
		startAt += len(p.Issues)
		if len(p.Issues) == 0 || startAt >= p.Total {
			return nil
		}
	}
}

// decodeIssues decodes a page's issues one at a time, so one issue Jira
// sends in a shape flowbot cannot read (a field of the wrong type, no
// fields at all) is skipped with a warning naming it, and the rest of the
// page syncs. The skipped issue is read again when it next changes.
func (c *Client) decodeIssues(raws []json.RawMessage) []issue {
	out := make([]issue, 0, len(raws))
	for i, raw := range raws {
		var is issue
		err := json.Unmarshal(raw, &is)
		if err == nil && is.Fields == nil {
			err = errors.New("the issue has no fields")
		}
		if err != nil {
			c.log.Warn("jira issue skipped: its payload does not decode", "issue", issueName(raw, i), "err", err)
			continue
		}
		out = append(out, is)
	}
	return out
}

// issueName names an issue that does not decode as a whole: its key or id
// when those still read, else its place in the page.
func issueName(raw json.RawMessage, i int) string {
	var id struct {
		Key string `json:"key"`
		ID  string `json:"id"`
	}
	_ = json.Unmarshal(raw, &id) // fills what reads; the rest stays empty
	return cmp.Or(id.Key, id.ID, fmt.Sprintf("#%d of the page", i+1))
}

// items completes the changelogs of one page and maps it to coach items,
// sub-tasks left out. An issue whose changelog does not read is skipped
// with a warning, like one that does not decode.
func (c *Client) items(ctx context.Context, issues []issue) ([]coach.Item, error) {
	var keep []*issue
	for i := range issues {
		is := &issues[i]
		// The JQL already excludes sub-tasks; this catches sites where
		// subTaskIssueTypes() matches nothing (sub-tasks disabled, or
		// renamed types on old Data Center versions).
		if is.Fields.Type.Subtask {
			continue
		}
		keep = append(keep, is)
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(changelogFetches)
	for _, is := range keep {
		if is.Changelog.complete() {
			continue
		}
		g.Go(func() error {
			hs, err := c.fullChangelog(gctx, is.Key)
			var jerr *Error
			if errors.As(err, &jerr) && jerr.StatusCode == http.StatusNotFound {
				// Deleted or moved since the search: what was inlined is
				// the best there is, and the next sync sees the change.
				c.log.Warn("jira issue vanished while reading its changelog", "issue", is.Key)
				return nil
			}
			if err != nil {
				return err
			}
			is.Changelog = &changelog{Total: len(hs), MaxResults: len(hs), Histories: hs}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	out := make([]coach.Item, 0, len(keep))
	var odd []string
	truncated := 0
	for _, is := range keep {
		if is.Fields.Comment.truncated() {
			truncated++
		}
		it, err := toItem(is, c.fields)
		var ferr *fieldError
		if errors.As(err, &ferr) {
			odd = append(odd, ferr.Error())
			err = nil
		}
		if err != nil {
			c.log.Warn("jira issue skipped: its changelog does not read", "issue", is.Key, "err", err)
			continue
		}
		out = append(out, it)
	}
	if truncated > 0 {
		// Their latest comment time is a lower bound (docs/coaching.md).
		c.log.Debug("jira comments beyond the first page not read", "issues", truncated)
	}
	if len(odd) > 0 {
		// A misconfigured field id should not stop the sync, but must not
		// go unnoticed either. Once per page: values, not credentials.
		c.log.Warn("jira custom field values ignored", "count", len(odd), "first", odd[0])
	}
	return out, nil
}

// fullChangelog fetches every history of one issue.
func (c *Client) fullChangelog(ctx context.Context, key string) ([]gojira.ChangelogHistory, error) {
	if c.flavor == FlavorDataCenter {
		// Data Center has no changelog endpoint, but its issue GET returns
		// the whole history.
		var is issue
		q := url.Values{"expand": {"changelog"}, "fields": {"status"}}
		if err := c.get(ctx, "rest/api/2/issue/"+url.PathEscape(key), q, &is); err != nil {
			return nil, fmt.Errorf("fetching changelog of %s: %w", key, err)
		}
		if is.Changelog == nil {
			return nil, fmt.Errorf("fetching changelog of %s: jira sent no changelog", key)
		}
		if !is.Changelog.complete() {
			c.log.Warn("jira sent a partial changelog", "issue", key,
				"histories", len(is.Changelog.Histories), "total", is.Changelog.Total)
		}
		return is.Changelog.Histories, nil
	}

	var all []gojira.ChangelogHistory
	startAt := 0
	for {
		q := url.Values{"startAt": {strconv.Itoa(startAt)}, "maxResults": {strconv.Itoa(c.pageSize)}}
		var p changelogPage
		if err := c.get(ctx, "rest/api/2/issue/"+url.PathEscape(key)+"/changelog", q, &p); err != nil {
			return nil, fmt.Errorf("fetching changelog of %s from %d: %w", key, startAt, err)
		}
		all = append(all, p.Values...)
		next := p.StartAt + len(p.Values)
		if p.IsLast || len(p.Values) == 0 || (p.Total > 0 && next >= p.Total) {
			return all, nil
		}
		if next <= startAt {
			return nil, fmt.Errorf("fetching changelog of %s: jira's page at %d did not move forward", key, startAt)
		}
		startAt = next
	}
}

// fieldError is a custom field value of the wrong kind: the item is
// mapped without it.
type fieldError struct{ key, field, value string }

func (e *fieldError) Error() string {
	return fmt.Sprintf("%s: field %s holds %s, not what flowbot reads there", e.key, e.field, e.value)
}

// toItem maps an issue whose changelog is as complete as Jira lets it be.
//
//   - Parent is the parent field's key (Cloud: any parent, epics
//     included), else the Epic Link field when one is configured.
//   - Points and Estimated come from the points field: a number is an
//     estimate (0 included), null or absent is none. Any other value leaves
//     the item unestimated and returns a *fieldError along with the item.
//   - Links keep the link type name and the description read from this
//     issue: the type's inward text when the other issue is the
//     inwardIssue (Inward true: with Blocks, this "is blocked by" it), its
//     outward text otherwise. Entries without a key are dropped.
//   - Flagged spans come from the changelog only (see readChangelog).
//   - Commented is the latest created or updated time among the comments
//     Jira sent: a search sends only the first, oldest, page of them.
func toItem(is *issue, fids fieldIDs) (coach.Item, error) {
	f := is.Fields
	it := coach.Item{
		Key:      is.Key,
		Title:    f.Summary,
		Type:     f.Type.Name,
		Created:  f.Created.Time,
		Updated:  f.Updated.Time,
		Resolved: f.Resolved.Time,
	}
	if f.Status != nil {
		it.Status = f.Status.Name
	}
	if f.Resolution != nil {
		it.Resolution = f.Resolution.Name
	}
	if f.Assignee != nil {
		it.Assignee = f.Assignee.DisplayName
	}
	it.Commented = f.Comment.latest()
	for _, l := range f.Links {
		other, desc, inward := l.OutwardIssue, l.Type.Outward, false
		if l.InwardIssue != nil {
			other, desc, inward = l.InwardIssue, l.Type.Inward, true
		}
		if other == nil || other.Key == "" {
			continue
		}
		link := coach.Link{Type: l.Type.Name, Description: desc, Inward: inward, Key: other.Key}
		if st := other.Fields.Status; st != nil {
			link.OtherCategory = st.StatusCategory.Key
		}
		it.Links = append(it.Links, link)
	}
	var ferr error
	if f.Parent != nil && f.Parent.Key != "" {
		it.Parent = f.Parent.Key
	} else if raw := f.Custom[fids.epicLink]; fids.epicLink != "" && !isNull(raw) {
		if err := json.Unmarshal(raw, &it.Parent); err != nil {
			ferr = &fieldError{key: is.Key, field: fids.epicLink, value: abbreviate(raw)}
		}
	}
	if raw := f.Custom[fids.points]; !isNull(raw) {
		if err := json.Unmarshal(raw, &it.Points); err == nil {
			it.Estimated = true
		} else {
			ferr = &fieldError{key: is.Key, field: fids.points, value: abbreviate(raw)}
		}
	}
	if is.Changelog != nil {
		var err error
		if it.Transitions, it.Flagged, err = readChangelog(is.Changelog.Histories); err != nil {
			return coach.Item{}, fmt.Errorf("reading changelog of %s: %w", is.Key, err)
		}
	}
	return it, ferr
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// abbreviate shows a value in a log line without flooding it.
func abbreviate(raw json.RawMessage) string {
	if len(raw) > 40 {
		return string(raw[:40]) + "..."
	}
	return string(raw)
}

// readChangelog picks the status changes and the Flagged spans out of a
// changelog, oldest first. Jira sends histories newest first in some
// places and oldest first in others, and pages can overlap, so they are
// deduplicated and sorted here; histories at the same millisecond keep the
// order of their ids, which Jira hands out increasingly.
//
// Flagged is Jira Software's impediment checkbox: a change of the field
// named "Flagged" to a value ("Impediment") starts a span, a change to
// nothing ends it, and a span still open has a zero To. A repeated start
// or an end with no start (the flag set before the recorded history, as
// after an import) adds nothing: when it began is unknown, and a guessed
// start would count made-up blocked time. For the same reason an issue
// whose Flagged field is set but whose history never shows it set gets no
// span; the current value is not read.
func readChangelog(hs []gojira.ChangelogHistory) ([]coach.Transition, []coach.Span, error) {
	type event struct {
		id      string
		at      time.Time
		flag    bool // a Flagged change, not a status one
		from    string
		to      string
		flagged bool
	}
	seen := map[string]bool{}
	var events []event
	for _, h := range hs {
		if h.Id != "" {
			if seen[h.Id] {
				continue
			}
			seen[h.Id] = true
		}
		at, err := parseTime(h.Created)
		if err != nil {
			return nil, nil, fmt.Errorf("history %s: %w", h.Id, err)
		}
		for _, item := range h.Items {
			switch {
			case item.Field == "status" && (item.FieldType == "" || item.FieldType == "jira"):
				events = append(events, event{id: h.Id, at: at, from: item.FromString, to: item.ToString})
			case strings.EqualFold(item.Field, "Flagged") && item.FieldType != "jira":
				events = append(events, event{id: h.Id, at: at, flag: true, flagged: strings.TrimSpace(item.ToString) != ""})
			}
		}
	}
	slices.SortStableFunc(events, func(a, b event) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return compareIDs(a.id, b.id)
	})
	var ts []coach.Transition
	var spans []coach.Span
	open := false
	for _, e := range events {
		switch {
		case !e.flag:
			ts = append(ts, coach.Transition{At: e.at, From: e.from, To: e.to})
		case e.flagged && !open:
			spans = append(spans, coach.Span{From: e.at})
			open = true
		case !e.flagged && open:
			spans[len(spans)-1].To = e.at
			open = false
		}
	}
	return ts, spans, nil
}

// compareIDs orders numeric ids by value ("99" before "100"), and
// anything else as text.
func compareIDs(a, b string) int {
	an, aerr := strconv.ParseUint(a, 10, 64)
	bn, berr := strconv.ParseUint(b, 10, 64)
	if aerr == nil && berr == nil {
		return cmp.Compare(an, bn)
	}
	return cmp.Compare(a, b)
}
