// Package jira reads work items and their status history from Jira Cloud or
// Jira Data Center and hands them over as coach types.
//
// The adapter is built around one operation, Sync: page through every
// issue a team's JQL matches (or only those updated since a cursor), make
// sure each carries its whole status history, and pass them on a page at a
// time so the caller can store them before the next page is fetched. The
// design follows from how Jira behaves rather than from go-jira's API:
//
//   - Cloud removed /rest/api/2/search (410 Gone); its enhanced search
//     /rest/api/2/search/jql pages with opaque next-page tokens and no
//     total. Data Center still pages /rest/api/2/search with startAt and
//     total. go-jira v1.17.0 drops the token, so pages are requested with
//     go-jira's NewRequestWithContext and decoded into our own page types;
//     go-jira's model types are reused for the parts of a payload that fit.
//   - The changelog inlined in a search result is capped (Cloud keeps the
//     most recent 40 or so). When its total says more exist, the whole
//     history is fetched again: from /issue/{key}/changelog, paged, on
//     Cloud; from the issue itself on Data Center, which has no changelog
//     endpoint but returns the full history on an issue GET.
//   - JQL dates have minute precision and are read in the time zone of the
//     API user's profile, so the incremental clause is written in that zone
//     (fetched once from /myself) with a two-minute overlap, and pages are
//     ordered by key, which does not move while we page, never by updated.
//   - The v2 API is used throughout: v3 returns rich text as ADF documents
//     go-jira cannot decode, and nothing here needs v3.
//
// Retries are not this package's business: put a retrying RoundTripper
// (integrations/retry) in Config.HTTPClient and it sits under the
// credentials, so a retried request carries them too.
package jira

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/flowbot/flowbot/coach"
)

// Flavors of Jira.
const (
	FlavorCloud      = "cloud"
	FlavorDataCenter = "datacenter"
)

// Config says where Jira is and how to sign in.
type Config struct {
	// BaseURL is the site, e.g. https://acme.atlassian.net/, or a Data
	// Center URL, which may carry a context path (https://host/jira/).
	// Required.
	BaseURL string
	// Flavor is FlavorCloud (the default when empty) or FlavorDataCenter.
	Flavor string
	// Email and APIToken sign in with basic auth (Cloud; on Data Center,
	// a user name and password). Set both or neither.
	Email, APIToken string
	// PAT is a Data Center personal access token, sent as a bearer token.
	PAT string
	// HTTPClient is used for every request when set; its Transport (a
	// retrying one in production) is wrapped by the one that adds
	// credentials. The caller's client is not modified.
	HTTPClient *http.Client
	Logger     *slog.Logger // nil: logs are discarded
	PageSize   int          // issues or histories asked for per page; 0: 100
	// PointsField is the id of the custom field holding story points,
	// read into Item.Points and Item.Estimated. "": DefaultPointsField,
	// Cloud's "Story point estimate" on most sites. Data Center sites
	// usually call theirs "Story Points", with an id of their own.
	PointsField string
	// EpicLinkField is the id of Data Center's "Epic Link" custom field,
	// e.g. customfield_10100, read into Item.Parent when the issue has no
	// parent field (Data Center gives parent to sub-tasks only). "": not
	// read; Cloud needs none, its parent field covers epics' children.
	EpicLinkField string
}

// DefaultPointsField is the story points field read when
// Config.PointsField is empty.
const DefaultPointsField = "customfield_10016"

// customFieldID is what a custom field id looks like: Jira names custom
// fields in the fields parameter and in payloads by id, never by name.
var customFieldID = regexp.MustCompile(`^customfield_[0-9]+$`)

// Client reads issues from one Jira site. It is safe for concurrent use.
type Client struct {
	api      *gojira.Client
	flavor   string
	pageSize int
	fields   fieldIDs
	log      *slog.Logger
	// authHint says which credential to check when Jira refuses them.
	authHint string

	mu  sync.Mutex
	loc *time.Location // the API user's zone, once fetched
}

// New checks cfg and returns a Client. It does no I/O.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("jira BaseURL %q: want an absolute http(s) URL such as https://acme.atlassian.net/", cfg.BaseURL)
	}
	flavor := cfg.Flavor
	if flavor == "" {
		flavor = FlavorCloud
	}
	if flavor != FlavorCloud && flavor != FlavorDataCenter {
		return nil, fmt.Errorf("jira Flavor %q: want %q or %q", cfg.Flavor, FlavorCloud, FlavorDataCenter)
	}
	if (cfg.Email == "") != (cfg.APIToken == "") {
		return nil, errors.New("jira Email and APIToken: set both for basic auth, or neither")
	}
	if cfg.PAT != "" && cfg.Email != "" {
		return nil, errors.New("jira PAT and Email/APIToken are both set: use one way to sign in")
	}
	for name, id := range map[string]string{"PointsField": cfg.PointsField, "EpicLinkField": cfg.EpicLinkField} {
		if id != "" && !customFieldID.MatchString(id) {
			return nil, fmt.Errorf("jira %s %q: want a custom field id such as customfield_10016", name, id)
		}
	}
	if cfg.PageSize < 0 {
		return nil, fmt.Errorf("jira PageSize %d: want a positive number, or 0 for the default of 100", cfg.PageSize)
	}

	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	auth := &authTransport{base: base, host: u.Host}
	var hint string
	switch {
	case cfg.PAT != "":
		auth.bearer = cfg.PAT
		hint = "check the Jira personal access token (PAT)"
	case cfg.Email != "" && flavor == FlavorCloud:
		auth.user, auth.password = cfg.Email, cfg.APIToken
		hint = "check the Jira email and API token"
	case cfg.Email != "":
		auth.user, auth.password = cfg.Email, cfg.APIToken
		hint = "check the Jira user name and password"
	default:
		hint = "no Jira credentials are configured: set the email and API token (Cloud) or a PAT (Data Center)"
	}
	hc.Transport = auth

	api, err := gojira.NewClient(hc, cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("jira BaseURL %q: %w", cfg.BaseURL, err)
	}
	c := &Client{
		api: api, flavor: flavor, pageSize: cfg.PageSize, log: cfg.Logger, authHint: hint,
		fields: fieldIDs{points: cmp.Or(cfg.PointsField, DefaultPointsField), epicLink: cfg.EpicLinkField},
	}
	if c.pageSize == 0 {
		c.pageSize = 100
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Statuses lists every status of the site with its category key
// (coach.CategoryNew, CategoryIndeterminate, CategoryDone, or whatever
// else Jira answers, such as "undefined", passed through as is).
func (c *Client) Statuses(ctx context.Context) ([]coach.Status, error) {
	var list []gojira.Status
	if err := c.get(ctx, "rest/api/2/status", nil, &list); err != nil {
		return nil, fmt.Errorf("listing jira statuses: %w", err)
	}
	out := make([]coach.Status, 0, len(list))
	for _, s := range list {
		out = append(out, coach.Status{ID: s.ID, Name: s.Name, Category: s.StatusCategory.Key})
	}
	return out, nil
}

// SyncResult sums up one Sync.
type SyncResult struct {
	Issues int // items handed to fn
	// MaxUpdated is the next cursor: the latest Updated among the items
	// handed to fn, or since when none was later (zero when both are).
	MaxUpdated time.Time
	// Users are the distinct assignees of the items handed to fn, by
	// AccountID, for matching people by e-mail.
	Users []User
}

// Sync fetches every issue matching jql that was updated at or after since
// (everything when since is zero), sub-tasks left out, each with its whole
// status history, and hands them to fn a page at a time, in key order. An
// error from fn stops the sync and is returned. A trailing ORDER BY in jql
// is dropped: pages are always ordered by key.
//
// Each item also carries its parent, resolution date, story points, issue
// links and the spans it was flagged (see toItem). The same Sync reads a
// team's incidents from its incident_jql: the sub-task filter and the
// ordering it adds change nothing for them (an incident is not a
// sub-task), and the query is otherwise run as written, never combined
// with the work-item JQL.
//
// On error the result counts what fn accepted before it, but its
// MaxUpdated is no cursor: pages run in key order, not in time order, so
// keep the previous cursor and sync again.
func (c *Client) Sync(ctx context.Context, jql string, since time.Time, fn func([]coach.Item) error) (SyncResult, error) {
	var loc *time.Location
	if !since.IsZero() {
		var err error
		if loc, err = c.userLocation(ctx); err != nil {
			return SyncResult{}, fmt.Errorf("syncing jira issues: %w", err)
		}
	}
	q, err := searchJQL(jql, since, loc)
	if err != nil {
		return SyncResult{}, err
	}
	res := SyncResult{MaxUpdated: since}
	users := userSet{}
	handle := func(issues []issue) error {
		items, err := c.items(ctx, issues)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		if err := fn(items); err != nil {
			return fmt.Errorf("handling %d jira issues: %w", len(items), err)
		}
		res.Issues += len(items)
		for _, is := range issues {
			if !is.Fields.Type.Subtask {
				users.add(is.Fields.Assignee)
			}
		}
		for _, it := range items {
			if it.Updated.After(res.MaxUpdated) {
				res.MaxUpdated = it.Updated
			}
		}
		return nil
	}
	if c.flavor == FlavorCloud {
		err = c.searchCloud(ctx, q, handle)
	} else {
		err = c.searchDataCenter(ctx, q, handle)
	}
	res.Users = users.list()
	if err != nil {
		return res, fmt.Errorf("syncing jira issues for jql %q: %w", q, err)
	}
	return res, nil
}

// userLocation is the zone Jira reads JQL dates in: the API user's
// profile zone. It is fetched once per Client.
func (c *Client) userLocation(ctx context.Context) (*time.Location, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loc != nil {
		return c.loc, nil
	}
	var me gojira.User
	if err := c.get(ctx, "rest/api/2/myself", nil, &me); err != nil {
		return nil, fmt.Errorf("reading the jira user's time zone: %w", err)
	}
	loc := time.UTC
	if me.TimeZone == "" {
		c.log.Warn("jira user has no time zone; reading JQL dates as UTC")
	} else {
		var err error
		if loc, err = time.LoadLocation(me.TimeZone); err != nil {
			return nil, fmt.Errorf("loading the jira user's time zone %q: %w", me.TimeZone, err)
		}
	}
	c.loc = loc
	return loc, nil
}
