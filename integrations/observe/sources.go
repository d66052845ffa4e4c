package observe

import (
	"context"
	"regexp"
	"time"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/coach"
)

// Source names used as the source label.
const (
	SourceJira        = "jira"
	SourceGitHub      = "github"
	SourceDeployments = "github_deployments"
	SourceWorkflows   = "github_workflows"
)

// IssueSource records every SyncIssues as a jira sync run.
type IssueSource struct {
	bot.IssueSource
	Metrics *Metrics
}

// SyncIssues implements bot.IssueSource.
func (s IssueSource) SyncIssues(ctx context.Context, jql string, since time.Time, fn func([]coach.Item) error) (time.Time, []bot.JiraUser, error) {
	start := time.Now()
	t, users, err := s.IssueSource.SyncIssues(ctx, jql, since, fn)
	s.Metrics.syncRun(SourceJira, err, time.Since(start))
	return t, users, err
}

// PullRequestSource records every Sync as a github sync run.
type PullRequestSource struct {
	bot.PullRequestSource
	Metrics *Metrics
}

// Sync implements bot.PullRequestSource.
func (s PullRequestSource) Sync(ctx context.Context, repo, cursor string, fn func([]coach.PullRequest) error) (string, int, error) {
	start := time.Now()
	next, n, err := s.PullRequestSource.Sync(ctx, repo, cursor, fn)
	s.Metrics.syncRun(SourceGitHub, err, time.Since(start))
	return next, n, err
}

// DeploymentSource records deployment and deploy-workflow syncs.
type DeploymentSource struct {
	bot.DeploymentSource
	Metrics *Metrics
}

// SyncDeployments implements bot.DeploymentSource.
func (s DeploymentSource) SyncDeployments(ctx context.Context, repo string, env *regexp.Regexp, cursor string, fn func([]coach.Deployment) error) (string, int, error) {
	start := time.Now()
	next, n, err := s.DeploymentSource.SyncDeployments(ctx, repo, env, cursor, fn)
	s.Metrics.syncRun(SourceDeployments, err, time.Since(start))
	return next, n, err
}

// SyncWorkflowDeploys implements bot.DeploymentSource.
func (s DeploymentSource) SyncWorkflowDeploys(ctx context.Context, repo, workflow, cursor string, fn func([]coach.Deployment) error) (string, int, error) {
	start := time.Now()
	next, n, err := s.DeploymentSource.SyncWorkflowDeploys(ctx, repo, workflow, cursor, fn)
	s.Metrics.syncRun(SourceWorkflows, err, time.Since(start))
	return next, n, err
}

// Counter is what SyncStore reads after a team's sync.
type Counter interface {
	CountItems(ctx context.Context, team string) (int, error)
	CountPullRequests(ctx context.Context, team string) (int, error)
}

// SyncStore is the sync's store, which after each team's successful sync
// (SetLastSync) reads the team's counts into the stored gauges.
type SyncStore struct {
	bot.SyncStore
	Counts  Counter
	Metrics *Metrics
}

// SetLastSync implements bot.SyncStore.
func (s SyncStore) SetLastSync(ctx context.Context, team string, at time.Time) error {
	if err := s.SyncStore.SetLastSync(ctx, team, at); err != nil {
		return err
	}
	items, err := s.Counts.CountItems(ctx, team)
	if err != nil {
		return nil // the sync stored what it read; a gauge can wait for the next one
	}
	prs, err := s.Counts.CountPullRequests(ctx, team)
	if err != nil {
		return nil
	}
	s.Metrics.stored(team, items, prs, at)
	return nil
}
