package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/flowbot/flowbot/coach"
	"github.com/redis/go-redis/v9"
)

type pullRequestRecord struct {
	V            int            `json:"v"`
	Repo         string         `json:"repo"`
	Number       int            `json:"number"`
	Title        string         `json:"title,omitempty"`
	Author       string         `json:"author,omitempty"`
	AuthorIsBot  bool           `json:"author_is_bot,omitempty"`
	State        string         `json:"state,omitempty"`
	Draft        bool           `json:"draft,omitempty"`
	BaseBranch   string         `json:"base_branch,omitempty"`
	Created      string         `json:"created,omitempty"`
	Updated      string         `json:"updated,omitempty"`
	Closed       string         `json:"closed,omitempty"`
	Merged       string         `json:"merged,omitempty"`
	Additions    int            `json:"additions,omitempty"`
	Deletions    int            `json:"deletions,omitempty"`
	ChangedFiles int            `json:"changed_files,omitempty"`
	Reviews      []reviewRecord `json:"reviews,omitempty"`
	// Version 2.
	HeadBranch         string   `json:"head_branch,omitempty"`
	Body               string   `json:"body,omitempty"`
	MergeCommitSHA     string   `json:"merge_commit_sha,omitempty"`
	Ready              string   `json:"ready,omitempty"`
	FirstCommit        string   `json:"first_commit,omitempty"`
	Commits            int      `json:"commits,omitempty"`
	CommitsTruncated   bool     `json:"commits_truncated,omitempty"`
	RequestedReviewers []string `json:"requested_reviewers,omitempty"`
}

type reviewRecord struct {
	Author      string `json:"author,omitempty"`
	AuthorIsBot bool   `json:"author_is_bot,omitempty"`
	State       string `json:"state,omitempty"`
	Submitted   string `json:"submitted,omitempty"`
}

// pullRequestField is a pull request's field in the team's prs hash. '#'
// cannot occur in a GitHub owner or repository name.
func pullRequestField(pr coach.PullRequest) string {
	return pr.Repo + "#" + strconv.Itoa(pr.Number)
}

func encodePullRequest(pr coach.PullRequest) (string, error) {
	var tc timeCodec
	rec := pullRequestRecord{
		V:            pullRequestVersion,
		Repo:         pr.Repo,
		Number:       pr.Number,
		Title:        pr.Title,
		Author:       pr.Author,
		AuthorIsBot:  pr.AuthorIsBot,
		State:        pr.State,
		Draft:        pr.Draft,
		BaseBranch:   pr.BaseBranch,
		Created:      tc.enc(pr.Created),
		Updated:      tc.enc(pr.Updated),
		Closed:       tc.enc(pr.Closed),
		Merged:       tc.enc(pr.Merged),
		Additions:    pr.Additions,
		Deletions:    pr.Deletions,
		ChangedFiles: pr.ChangedFiles,

		HeadBranch:         pr.HeadBranch,
		Body:               pr.Body,
		MergeCommitSHA:     pr.MergeCommitSHA,
		Ready:              tc.enc(pr.Ready),
		FirstCommit:        tc.enc(pr.FirstCommit),
		Commits:            pr.Commits,
		CommitsTruncated:   pr.CommitsTruncated,
		RequestedReviewers: pr.RequestedReviewers,
	}
	for _, r := range pr.Reviews {
		rec.Reviews = append(rec.Reviews, reviewRecord{
			Author:      r.Author,
			AuthorIsBot: r.AuthorIsBot,
			State:       r.State,
			Submitted:   tc.enc(r.Submitted),
		})
	}
	if tc.err != nil {
		return "", tc.err
	}
	b, err := json.Marshal(rec)
	return string(b), err
}

func decodePullRequest(data string) (coach.PullRequest, error) {
	var rec pullRequestRecord
	if err := decode(data, &rec, pullRequestVersion); err != nil {
		return coach.PullRequest{}, err
	}
	var tc timeCodec
	pr := coach.PullRequest{
		Repo:         rec.Repo,
		Number:       rec.Number,
		Title:        rec.Title,
		Author:       rec.Author,
		AuthorIsBot:  rec.AuthorIsBot,
		State:        rec.State,
		Draft:        rec.Draft,
		BaseBranch:   rec.BaseBranch,
		Created:      tc.dec(rec.Created),
		Updated:      tc.dec(rec.Updated),
		Closed:       tc.dec(rec.Closed),
		Merged:       tc.dec(rec.Merged),
		Additions:    rec.Additions,
		Deletions:    rec.Deletions,
		ChangedFiles: rec.ChangedFiles,

		HeadBranch:         rec.HeadBranch,
		Body:               rec.Body,
		MergeCommitSHA:     rec.MergeCommitSHA,
		Ready:              tc.dec(rec.Ready),
		FirstCommit:        tc.dec(rec.FirstCommit),
		Commits:            rec.Commits,
		CommitsTruncated:   rec.CommitsTruncated,
		RequestedReviewers: rec.RequestedReviewers,
	}
	for _, r := range rec.Reviews {
		pr.Reviews = append(pr.Reviews, coach.Review{
			Author:      r.Author,
			AuthorIsBot: r.AuthorIsBot,
			State:       r.State,
			Submitted:   tc.dec(r.Submitted),
		})
	}
	return pr, tc.err
}

// PutPullRequests stores prs for team, replacing any stored pull request
// with the same Repo and Number. The batch is written atomically.
func (db *DB) PutPullRequests(ctx context.Context, team string, prs []coach.PullRequest) error {
	k, err := db.keys(team)
	if err != nil {
		return fmt.Errorf("storing pull requests of %s: %w", team, err)
	}
	if len(prs) == 0 {
		return nil
	}
	fields := make([]any, 0, 2*len(prs))
	for _, pr := range prs {
		if pr.Repo == "" {
			return fmt.Errorf("storing pull requests of %s: pull request #%d without a repository", team, pr.Number)
		}
		rec, err := encodePullRequest(pr)
		if err != nil {
			return fmt.Errorf("storing pull request %s of %s: %w", pullRequestField(pr), team, err)
		}
		fields = append(fields, pullRequestField(pr), rec)
	}
	err = db.write(ctx, k, func(p redis.Pipeliner) {
		p.HSet(ctx, k.prs, fields...)
	})
	if err != nil {
		return fmt.Errorf("storing pull requests of %s: %w", team, err)
	}
	return nil
}

// PullRequests returns team's pull requests sorted by Repo, then Number.
func (db *DB) PullRequests(ctx context.Context, team string) ([]coach.PullRequest, error) {
	k, err := db.keys(team)
	if err != nil {
		return nil, fmt.Errorf("reading pull requests of %s: %w", team, err)
	}
	var all *redis.MapStringStringCmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		all = p.HGetAll(ctx, k.prs)
	})
	if err != nil {
		return nil, fmt.Errorf("reading pull requests of %s: %w", team, err)
	}
	var prs []coach.PullRequest
	for field, data := range all.Val() {
		pr, err := decodePullRequest(data)
		if err != nil {
			return nil, fmt.Errorf("reading pull request %s of %s: %w", field, team, err)
		}
		prs = append(prs, pr)
	}
	slices.SortFunc(prs, func(a, b coach.PullRequest) int {
		return cmp.Or(cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.Number, b.Number))
	})
	return prs, nil
}

// CountPullRequests returns how many pull requests team has stored.
func (db *DB) CountPullRequests(ctx context.Context, team string) (int, error) {
	n, err := db.count(ctx, team, func(k teamKeys) string { return k.prs })
	if err != nil {
		return 0, fmt.Errorf("counting pull requests of %s: %w", team, err)
	}
	return n, nil
}
