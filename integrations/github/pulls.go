package github

import (
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

	gogithub "github.com/google/go-github/v60/github"

	"github.com/flowbot/flowbot/coach"
)

const (
	// perPage is GitHub's maximum page size. The first page's URL must not
	// change between runs, or its ETag would never match.
	perPage = 100
	// overlap is how far before the cursor time a sync keeps reading; see
	// the package comment.
	overlap = time.Minute
)

// Sync lists repo's pull requests updated since cursor, newest update
// first, stopping at the cursor (less a minute of overlap). For each one it
// fetches the full pull request (sizes only come from there) and its
// reviews, and hands them to fn a list page at a time. It returns the
// cursor to store once fn has stored everything, and how many pull requests
// fn received. On error the returned cursor is the one given: store
// nothing new, the next run reads the same range again.
//
// repo is "owner/name". cursor is "" for the first run, else a value Sync
// returned. When GitHub reports that the first page has not changed (304),
// Sync returns cursor as given and reads nothing else.
func (c *Client) Sync(ctx context.Context, repo string, cursor string, fn func([]coach.PullRequest) error) (next string, n int, err error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return cursor, 0, err
	}
	cur, err := ParseCursor(cursor)
	if err != nil {
		return cursor, 0, err
	}
	var stop time.Time
	if !cur.Updated.IsZero() {
		stop = cur.Updated.Add(-overlap)
	}

	out := cur
	seen := map[int]bool{} // a pull request updated mid-sync moves up and can show twice
	for page := 1; page != 0; {
		etag := ""
		if page == 1 {
			etag = cur.ETag
		}
		list, resp, err := c.listPage(ctx, owner, name, repo, page, etag)
		if page == 1 && notModified(err) {
			c.log.Debug("github pull requests unchanged", "repo", repo)
			return cursor, 0, nil
		}
		if err != nil {
			return cursor, n, fmt.Errorf("listing pull requests of %s: %w", repo, c.explain(err))
		}
		if page == 1 {
			out.ETag = resp.Header.Get("ETag")
		}
		c.log.Debug("github pull request page", "repo", repo, "page", page, "count", len(list),
			"rate_remaining", resp.Rate.Remaining)

		var batch []coach.PullRequest
		done := false
		for _, item := range list {
			updated := item.GetUpdatedAt().Time
			if !stop.IsZero() && updated.Before(stop) {
				done = true
				break
			}
			if updated.After(out.Updated) {
				out.Updated = updated
			}
			number := item.GetNumber()
			if seen[number] {
				continue
			}
			seen[number] = true
			pr, err := c.pullRequest(ctx, owner, name, repo, number)
			if malformed(err) {
				// One pull request GitHub sends in a shape flowbot cannot
				// read must not stop the rest; it is read again when it
				// next changes.
				c.log.Warn("github pull request skipped: its payload does not decode", "repo", repo, "pr", number, "err", err)
				continue
			}
			if err != nil {
				return cursor, n, err
			}
			batch = append(batch, pr)
		}
		if len(batch) > 0 {
			if err := fn(batch); err != nil {
				return cursor, n, fmt.Errorf("storing pull requests of %s: %w", repo, err)
			}
			n += len(batch)
		}
		if done {
			break
		}
		page = resp.NextPage // from Link rel="next"; 0 on the last page
	}
	return out.String(), n, nil
}

// listPage reads one page of the repository's pull requests, newest update
// first. etag, when set, makes the request conditional. The entries are
// decoded one at a time: one that does not decode is skipped with a warning
// naming it (see decodePulls).
func (c *Client) listPage(ctx context.Context, owner, name, repo string, page int, etag string) ([]*gogithub.PullRequest, *gogithub.Response, error) {
	q := url.Values{
		"state":     {"all"},
		"sort":      {"updated"},
		"direction": {"desc"},
		"per_page":  {strconv.Itoa(perPage)},
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	u := fmt.Sprintf("repos/%s/%s/pulls?%s", url.PathEscape(owner), url.PathEscape(name), q.Encode())
	req, err := c.gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	var raws []json.RawMessage
	resp, err := c.gh.Do(ctx, req, &raws)
	if err != nil {
		return nil, resp, err
	}
	return c.decodePulls(repo, page, raws), resp, nil
}

// decodePulls decodes a list page's pull requests one by one, skipping
// with a warning each one that does not decode, or has no number.
func (c *Client) decodePulls(repo string, page int, raws []json.RawMessage) []*gogithub.PullRequest {
	list := make([]*gogithub.PullRequest, 0, len(raws))
	for i, raw := range raws {
		var p gogithub.PullRequest
		err := json.Unmarshal(raw, &p)
		if err == nil && p.GetNumber() == 0 {
			err = errors.New("the pull request has no number")
		}
		if err != nil {
			var id struct {
				Number int `json:"number"`
			}
			_ = json.Unmarshal(raw, &id) // the number, when it still reads
			c.log.Warn("github pull request skipped: its payload does not decode", "repo", repo,
				"pr", id.Number, "page", page, "index", i, "err", err)
			continue
		}
		list = append(list, &p)
	}
	return list
}

// malformed reports an answer GitHub sent complete but in a shape that does
// not decode. A body cut short is not one of them: it reads like a dropped
// connection, and the sync fails and is retried instead.
func malformed(err error) bool {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syntax) || errors.As(err, &typ)
}

// notModified reports a 304, which go-github returns as an error.
func notModified(err error) bool {
	var er *gogithub.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotModified
}

// pullRequest fetches one pull request, its reviews and, when worth it
// (see needsDetails), its commits and timeline.
func (c *Client) pullRequest(ctx context.Context, owner, name, repo string, number int) (coach.PullRequest, error) {
	p, _, err := c.gh.PullRequests.Get(ctx, owner, name, number)
	if err != nil {
		return coach.PullRequest{}, fmt.Errorf("getting pull request %s#%d: %w", repo, number, c.explain(err))
	}
	var reviews []*gogithub.PullRequestReview
	opts := &gogithub.ListOptions{PerPage: perPage}
	for {
		page, resp, err := c.gh.PullRequests.ListReviews(ctx, owner, name, number, opts)
		if err != nil {
			return coach.PullRequest{}, fmt.Errorf("listing reviews of %s#%d: %w", repo, number, c.explain(err))
		}
		reviews = append(reviews, page...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	pr := c.mapPullRequest(repo, p, reviews)
	if c.needsDetails(p) {
		if err := c.details(ctx, owner, name, repo, p, &pr); err != nil {
			return coach.PullRequest{}, err
		}
	}
	return pr, nil
}

// mapPullRequest turns GitHub's pull request and reviews into coach's.
// Reviews not yet submitted (PENDING, no submitted_at) are left out: they
// are invisible to the author and say nothing about flow yet.
func (c *Client) mapPullRequest(repo string, p *gogithub.PullRequest, reviews []*gogithub.PullRequestReview) coach.PullRequest {
	pr := coach.PullRequest{
		Repo:         repo,
		Number:       p.GetNumber(),
		Title:        p.GetTitle(),
		Author:       p.GetUser().GetLogin(),
		AuthorIsBot:  c.isBot(p.GetUser()),
		State:        p.GetState(),
		Draft:        p.GetDraft(),
		BaseBranch:   p.GetBase().GetRef(),
		Created:      p.GetCreatedAt().Time,
		Updated:      p.GetUpdatedAt().Time,
		Closed:       p.GetClosedAt().Time,
		Merged:       p.GetMergedAt().Time,
		Additions:    p.GetAdditions(),
		Deletions:    p.GetDeletions(),
		ChangedFiles: p.GetChangedFiles(),
		HeadBranch:   p.GetHead().GetRef(),
		Body:         p.GetBody(),
		Commits:      p.GetCommits(),
	}
	// GitHub fills merge_commit_sha for open pull requests too (a test
	// merge); only a merged pull request's names a commit on the base.
	if p.MergedAt != nil {
		pr.MergeCommitSHA = p.GetMergeCommitSHA()
	}
	for _, u := range p.RequestedReviewers {
		pr.RequestedReviewers = append(pr.RequestedReviewers, u.GetLogin())
	}
	for _, r := range reviews {
		state := strings.ToUpper(r.GetState())
		switch {
		case r.SubmittedAt == nil || state == "PENDING":
			continue
		case state != "APPROVED" && state != "CHANGES_REQUESTED" && state != "COMMENTED" && state != "DISMISSED":
			c.log.Debug("skipping github review in unknown state", "repo", repo, "number", pr.Number, "state", state)
			continue
		}
		pr.Reviews = append(pr.Reviews, coach.Review{
			Author:      r.GetUser().GetLogin(),
			AuthorIsBot: c.isBot(r.GetUser()),
			State:       state,
			Submitted:   r.GetSubmittedAt().Time,
		})
	}
	// GitHub lists reviews oldest first already; sorting makes it a
	// guarantee rather than an observation.
	slices.SortStableFunc(pr.Reviews, func(a, b coach.Review) int { return a.Submitted.Compare(b.Submitted) })
	return pr
}

// isBot reports whether a user is a machine: GitHub Apps are type "Bot"
// and log in as "name[bot]"; Config.Bots names the rest.
func (c *Client) isBot(u *gogithub.User) bool {
	login := strings.ToLower(u.GetLogin())
	return u.GetType() == "Bot" || strings.HasSuffix(login, "[bot]") || c.bots[login]
}
