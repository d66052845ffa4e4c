package jira

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	gojira "github.com/andygrunwald/go-jira"
	"golang.org/x/sync/errgroup"

	"github.com/flowbot/flowbot/coach"
)

// searchFields are the fields a sync asks for. Cloud's enhanced search
// returns nothing but ids unless fields are named.
const searchFields = "summary,status,issuetype,resolution,assignee,created,updated"

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
type cloudSearchPage struct {
	Issues        []issue `json:"issues"`
	NextPageToken string  `json:"nextPageToken"`
	IsLast        bool    `json:"isLast"`
}

// dcSearchPage is a page of Data Center's search.
type dcSearchPage struct {
	StartAt    int     `json:"startAt"`
	MaxResults int     `json:"maxResults"`
	Total      int     `json:"total"`
	Issues     []issue `json:"issues"`
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
			"fields":     {searchFields},
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
		if err := handle(p.Issues); err != nil {
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
			"fields":     {searchFields},
			"expand":     {"changelog"},
		}
		var p dcSearchPage
		if err := c.get(ctx, "rest/api/2/search", q, &p); err != nil {
			return fmt.Errorf("fetching page %d: %w", page, err)
		}
		c.log.Debug("jira search page", "page", page, "start_at", startAt, "issues", len(p.Issues), "total", p.Total)
		if err := handle(p.Issues); err != nil {
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

// items completes the changelogs of one page and maps it to coach items,
// sub-tasks left out.
func (c *Client) items(ctx context.Context, issues []issue) ([]coach.Item, error) {
	var keep []*issue
	for i := range issues {
		is := &issues[i]
		if is.Fields == nil {
			return nil, fmt.Errorf("jira sent issue %s without fields", cmp.Or(is.Key, is.ID))
		}
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
	for _, is := range keep {
		it, err := toItem(is)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
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

// toItem maps an issue whose changelog is as complete as Jira lets it be.
func toItem(is *issue) (coach.Item, error) {
	f := is.Fields
	it := coach.Item{
		Key:     is.Key,
		Title:   f.Summary,
		Type:    f.Type.Name,
		Created: f.Created.Time,
		Updated: f.Updated.Time,
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
	if is.Changelog == nil {
		return it, nil
	}
	ts, err := transitions(is.Changelog.Histories)
	if err != nil {
		return coach.Item{}, fmt.Errorf("reading changelog of %s: %w", is.Key, err)
	}
	it.Transitions = ts
	return it, nil
}

// transitions picks the status changes out of a changelog, oldest first.
// Jira sends histories newest first in some places and oldest first in
// others, and pages can overlap, so they are deduplicated and sorted here;
// histories at the same millisecond keep the order of their ids, which
// Jira hands out increasingly.
func transitions(hs []gojira.ChangelogHistory) ([]coach.Transition, error) {
	type dated struct {
		id string
		at coach.Transition
	}
	seen := map[string]bool{}
	var out []dated
	for _, h := range hs {
		if h.Id != "" {
			if seen[h.Id] {
				continue
			}
			seen[h.Id] = true
		}
		at, err := parseTime(h.Created)
		if err != nil {
			return nil, fmt.Errorf("history %s: %w", h.Id, err)
		}
		for _, item := range h.Items {
			if item.Field != "status" || (item.FieldType != "" && item.FieldType != "jira") {
				continue
			}
			out = append(out, dated{id: h.Id, at: coach.Transition{At: at, From: item.FromString, To: item.ToString}})
		}
	}
	slices.SortStableFunc(out, func(a, b dated) int {
		if c := a.at.At.Compare(b.at.At); c != 0 {
			return c
		}
		return compareIDs(a.id, b.id)
	})
	var ts []coach.Transition
	for _, d := range out {
		ts = append(ts, d.at)
	}
	return ts, nil
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
