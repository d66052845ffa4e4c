package github

import (
	"context"
	"fmt"
	"strings"
	"time"

	gogithub "github.com/google/go-github/v60/github"

	"github.com/flowbot/flowbot/coach"
)

// maxPullCommits is how many commits GitHub lists for a pull request at
// most; a pull request with more has CommitsTruncated set.
const maxPullCommits = 250

// Timeline events that change whether a pull request is a draft. GitHub's
// timeline names the second convert_to_draft; converted_to_draft is
// accepted too, as some tools and older docs spell it.
const (
	eventReady   = "ready_for_review"
	eventToDraft = "convert_to_draft"
)

// needsDetails reports whether a pull request's commits and timeline are
// worth fetching. They feed coding time, draft time and pickup time, none
// of which is measured for pull requests closed without merging
// (abandoned) or opened by bots: both are left out of those numbers, so
// the two or more requests each would cost are saved. Their FirstCommit,
// Commits and Ready stay zero.
func (c *Client) needsDetails(p *gogithub.PullRequest) bool {
	abandoned := p.GetState() == "closed" && p.MergedAt == nil
	return !abandoned && !c.isBot(p.GetUser())
}

// firstCommit lists a pull request's commits (oldest first, at most 250 as
// GitHub caps them) and returns the earliest author date among them and
// how many were listed. The earliest author date, not the first commit's:
// a rebase keeps author dates but may reorder commits.
func (c *Client) firstCommit(ctx context.Context, owner, name, repo string, number int) (first time.Time, listed int, err error) {
	opts := &gogithub.ListOptions{PerPage: perPage}
	for {
		page, resp, err := c.gh.PullRequests.ListCommits(ctx, owner, name, number, opts)
		if err != nil {
			return time.Time{}, 0, fmt.Errorf("listing commits of %s#%d: %w", repo, number, c.explain(err))
		}
		for _, rc := range page {
			at := rc.GetCommit().GetAuthor().GetDate().Time
			if !at.IsZero() && (first.IsZero() || at.Before(first)) {
				first = at
			}
		}
		listed += len(page)
		if resp.NextPage == 0 || listed >= maxPullCommits {
			return first, listed, nil
		}
		opts.Page = resp.NextPage
	}
}

// readyAt reads when a pull request was first ready for review from its
// issue timeline (oldest first). The first draft event settles it:
//
//   - ready_for_review first: it was opened as a draft and became ready
//     then;
//   - convert_to_draft first: it was opened ready, so it was ready at
//     creation;
//   - neither: it never changed, so it was ready at creation unless it is
//     a draft now (opened as a draft and never ready: zero).
//
// Paging stops at the first draft event, so a pull request that was ever
// a draft usually costs one request. The PR object alone cannot tell
// "opened ready" from "opened as a draft, marked ready later" (draft is
// false in both), so the timeline is read for every pull request whose
// details are fetched; see needsDetails for those that are skipped.
func (c *Client) readyAt(ctx context.Context, owner, name, repo string, p *gogithub.PullRequest) (time.Time, error) {
	number := p.GetNumber()
	created := p.GetCreatedAt().Time
	opts := &gogithub.ListOptions{PerPage: perPage}
	for {
		page, resp, err := c.gh.Issues.ListIssueTimeline(ctx, owner, name, number, opts)
		if err != nil {
			return time.Time{}, fmt.Errorf("reading the timeline of %s#%d: %w", repo, number, c.explain(err))
		}
		for _, ev := range page {
			switch strings.ToLower(ev.GetEvent()) {
			case eventReady:
				return ev.GetCreatedAt().Time, nil
			case eventToDraft, "converted_to_draft":
				return created, nil
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if p.GetDraft() {
		return time.Time{}, nil
	}
	return created, nil
}

// details fills the fields that need requests beyond the pull request
// itself: FirstCommit, CommitsTruncated and Ready.
func (c *Client) details(ctx context.Context, owner, name, repo string, p *gogithub.PullRequest, pr *coach.PullRequest) error {
	first, listed, err := c.firstCommit(ctx, owner, name, repo, pr.Number)
	if err != nil {
		return err
	}
	pr.FirstCommit = first
	pr.CommitsTruncated = pr.Commits > listed
	ready, err := c.readyAt(ctx, owner, name, repo, p)
	if err != nil {
		return err
	}
	pr.Ready = ready
	return nil
}
