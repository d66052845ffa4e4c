package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
)

// IssueSource is what syncing needs from Jira.
type IssueSource interface {
	Statuses(ctx context.Context) ([]coach.Status, error)
	// SyncIssues hands every item matching jql updated at or after since
	// (zero: all) to fn, page by page, and returns the latest update seen
	// and the distinct Jira users those items are assigned to (with the
	// e-mail addresses Jira reveals), for linking people by e-mail.
	SyncIssues(ctx context.Context, jql string, since time.Time, fn func([]coach.Item) error) (latest time.Time, users []JiraUser, err error)
}

// PullRequestSource is what syncing needs from GitHub.
type PullRequestSource interface {
	// Sync hands the repo's pull requests changed since cursor to fn and
	// returns the cursor to store once fn has stored them.
	Sync(ctx context.Context, repo, cursor string, fn func([]coach.PullRequest) error) (next string, n int, err error)
}

// ErrRejectedQuery is what an IssueSource's error wraps when the service
// refused the query itself (for Jira: a 400 naming the JQL's problem), as
// opposed to failing to answer it.
var ErrRejectedQuery = errors.New("query rejected")

// DeploymentSource is what syncing needs to learn a repository's
// production deployments: GitHub's deployments API, or the successful runs
// of a deploy workflow where a team deploys that way.
type DeploymentSource interface {
	SyncDeployments(ctx context.Context, repo string, env *regexp.Regexp, cursor string, fn func([]coach.Deployment) error) (next string, n int, err error)
	SyncWorkflowDeploys(ctx context.Context, repo, workflow, cursor string, fn func([]coach.Deployment) error) (next string, n int, err error)
}

// SyncStore is what syncing needs from the store.
type SyncStore interface {
	indexWriter
	PutDeployments(ctx context.Context, team string, d []coach.Deployment) error
	PutIncidents(ctx context.Context, team string, items []coach.Item) error
	PutItems(ctx context.Context, team string, items []coach.Item) error
	PutPullRequests(ctx context.Context, team string, prs []coach.PullRequest) error
	PutStatuses(ctx context.Context, team string, st []coach.Status) error
	Cursor(ctx context.Context, team, source, scope string) (string, error)
	SetCursor(ctx context.Context, team, source, scope, value string) error
	SetLastSync(ctx context.Context, team string, at time.Time) error
}

// Leases lets one replica at a time do a piece of sync work: the lease on
// (source, project), where source is "jira" (project: the team id, for the
// team's JQL and incident JQL) or "github" (project: the repository
// "owner/name", for its pull requests and deployments). A lease lapses by
// itself after TTL unless renewed. store.Leases implements it.
type Leases interface {
	// Acquire takes the lease, or reports false when another holder has it.
	Acquire(ctx context.Context, source, project string) (token string, ok bool, err error)
	// Renew extends the lease held with token by TTL; it fails when the
	// lease was lost.
	Renew(ctx context.Context, source, project, token string) error
	// Release frees the lease held with token.
	Release(ctx context.Context, source, project, token string) error
	TTL() time.Duration
}

// Fencer stamps the work done under a lease with the lease's token, so the
// store refuses that work's writes once a newer grant of the lease wrote: a
// replica that stalled past its lease (a GC pause, a partition) does not
// know it lost it, and must not write over the new holder's data.
// store.Leases implements it.
type Fencer interface {
	// Fenced returns ctx carrying token; the store fences writes made with
	// it.
	Fenced(ctx context.Context, source, project, token string) (context.Context, error)
	// FencedOff reports whether err is a write the store refused because a
	// newer grant of the lease had written.
	FencedOff(err error) bool
}

// LockLosses counts locks lost while their work ran: a replica losing
// them now and then is a stall or a partition, losing them often is a
// lease TTL too short for the work. observe.Metrics implements it.
type LockLosses interface {
	// LockLost counts one loss of the given kind (LockLostRenewal,
	// LockLostFence).
	LockLost(kind string)
}

// The kinds of lock loss counted.
const (
	// LockLostRenewal: a sync lease could not be renewed, so its work
	// stopped.
	LockLostRenewal = "renewal"
	// LockLostFence: the store refused a sync's write because a newer
	// holder of its lease had written.
	LockLostFence = "fence"
)

// leaseReleaseTimeout bounds releasing a lease once the work is done, even
// when the work ended because ctx did (a shutdown).
const leaseReleaseTimeout = 5 * time.Second

// Syncer moves every team's Jira items and GitHub pull requests into the
// store. A cursor moves only after the data behind it is stored, so a sync
// cut short anywhere is resumed, not lost, by the next one.
type Syncer struct {
	Config *config.Config
	// Live, when set, holds the configuration in effect and wins over
	// Config: settings saved from Slack replace it whole, and each run
	// reads it once.
	Live  *atomic.Pointer[config.Config]
	Store SyncStore
	Jira  IssueSource // nil: no team uses Jira
	// JiraByTeam overrides Jira for the teams it names: teams that read
	// story points from different Jira fields need differently set up
	// sources.
	JiraByTeam  map[string]IssueSource
	GitHub      PullRequestSource // nil: no team uses GitHub
	Deployments DeploymentSource  // nil: deployments are not synced
	// Leases, when set, splits the work between replicas: a project whose
	// lease another replica holds is skipped (it is syncing it), and a
	// lease lost mid-work stops that work.
	Leases Leases
	// Fence, when set, fences the writes of the work done under a lease
	// (see Fencer); a write refused stops that work like a lost lease.
	Fence Fencer
	// LockLosses, when set, counts leases lost mid-work and writes
	// refused for a stale fence.
	LockLosses LockLosses
	// Linker, when set, links the team's people by e-mail after each
	// sync, from the Jira users and pull requests it saw.
	Linker *Linker
	Now    func() time.Time // nil: time.Now
	Logger *slog.Logger
	// Progress, when set, is told about every stored page: it is how
	// `flowbot sync` shows a long backfill moving.
	Progress func(team, source, scope string, stored int)

	// unreleased holds the tokens of leases whose release failed (Redis
	// was down), by source+" "+project: the next attempt at that work
	// releases them first, rather than waiting for them to lapse.
	mu         sync.Mutex
	unreleased map[string]string
}

// TeamResult counts what one team's sync stored.
type TeamResult struct {
	Team        string
	Items       int
	PRs         int
	Deployments int
	Incidents   int
	// Skipped names the work left to another replica that held its lease:
	// "jira" or "github <owner/name>".
	Skipped []string
	Err     error
}

// Summary is the outcome of syncing every team.
type Summary struct {
	Teams       []TeamResult
	Items       int
	PRs         int
	Deployments int
	Incidents   int
	Duration    time.Duration
}

// Err joins the errors of every team that failed.
func (s Summary) Err() error {
	var errs []error
	for _, t := range s.Teams {
		if t.Err != nil {
			errs = append(errs, fmt.Errorf("team %s: %w", t.Team, t.Err))
		}
	}
	return errors.Join(errs...)
}

// SyncAll syncs every team. One team's failure does not stop the others.
func (s *Syncer) SyncAll(ctx context.Context) Summary {
	start := s.now()
	var sum Summary
	var statuses []coach.Status
	var statusErr error
	if s.Jira != nil && s.anyJira() {
		statuses, statusErr = s.Jira.Statuses(ctx)
		if statusErr != nil {
			statusErr = fmt.Errorf("fetching jira statuses: %w", statusErr)
		}
	}
	cfg := s.config() // one configuration for the whole run, even if settings are saved meanwhile
	for i := range cfg.Teams {
		team := &cfg.Teams[i]
		r := s.syncTeam(ctx, team, statuses, statusErr)
		sum.Teams = append(sum.Teams, r)
		sum.Items += r.Items
		sum.PRs += r.PRs
		sum.Deployments += r.Deployments
		sum.Incidents += r.Incidents
		if ctx.Err() != nil {
			break
		}
	}
	sum.Duration = s.now().Sub(start)
	return sum
}

func (s *Syncer) anyJira() bool {
	for _, t := range s.config().Teams {
		if t.Jira.JQL != "" {
			return true
		}
	}
	return false
}

func (s *Syncer) syncTeam(ctx context.Context, team *config.Team, statuses []coach.Status, statusErr error) TeamResult {
	r := TeamResult{Team: team.ID}
	started := s.now()
	var errs []error
	did := false
	var seen seenPeople
	if team.Jira.JQL != "" {
		ran, err := s.withLease(ctx, team.ID, "jira", team.ID, func(ctx context.Context) error {
			n, err := s.syncJira(ctx, team, statuses, statusErr, &seen)
			r.Items = n
			if s.fencedOff(err) {
				return err // the lease is another replica's now, and so is the rest
			}
			if err != nil {
				errs = append(errs, err)
			}
			if team.Jira.IncidentJQL != "" && s.Jira != nil {
				n, err := s.syncIncidents(ctx, team)
				r.Incidents = n
				if s.fencedOff(err) {
					return err
				}
				if err != nil {
					errs = append(errs, err)
				}
			}
			return nil
		})
		did = did || ran
		if err != nil {
			errs = append(errs, err)
		}
		if !ran && err == nil {
			r.Skipped = append(r.Skipped, "jira")
		}
	}
	for _, repo := range team.GitHub.Repos {
		ran, err := s.withLease(ctx, team.ID, "github", repo, func(ctx context.Context) error {
			n, err := s.syncRepo(ctx, team, repo, &seen)
			r.PRs += n
			if s.fencedOff(err) {
				return err
			}
			if err != nil {
				errs = append(errs, err)
			}
			if s.Deployments != nil {
				n, err := s.syncDeployments(ctx, team, repo)
				r.Deployments += n
				if s.fencedOff(err) {
					return err
				}
				if err != nil {
					errs = append(errs, err)
				}
			}
			return nil
		})
		did = did || ran
		if err != nil {
			errs = append(errs, err)
		}
		if !ran && err == nil {
			r.Skipped = append(r.Skipped, "github "+repo)
		}
	}
	r.Err = errors.Join(errs...)
	// Work left to another replica is that replica's to record; a team
	// synced here in part is recorded when its part succeeded.
	if r.Err == nil && (did || len(r.Skipped) == 0) {
		if err := s.Store.SetLastSync(ctx, team.ID, s.now()); err != nil {
			r.Err = fmt.Errorf("recording sync time: %w", err)
		}
	}
	s.link(ctx, team.ID, &seen)
	log := s.logger().With("team", team.ID, "items", r.Items, "prs", r.PRs, "deployments", r.Deployments, "incidents", r.Incidents, "duration", s.now().Sub(started).Round(time.Millisecond).String())
	if len(r.Skipped) > 0 {
		log = log.With("skipped", r.Skipped)
	}
	if r.Err != nil {
		log.Error("sync failed", "err", r.Err)
	} else {
		log.Info("sync done")
	}
	return r
}

// withLease runs work under the lease on (source, project), renewing it
// every third of its TTL while work runs and releasing it after. It
// reports false, without running work, when another holder has the lease.
// A lease lost (or not renewable) mid-work cancels work's ctx, and the
// error says why. With Fence, work's ctx carries the lease's token, and a
// write the store refused for it, which work returns, is counted and
// logged as a lost lease. Without Leases, work just runs.
func (s *Syncer) withLease(ctx context.Context, team, source, project string, work func(context.Context) error) (bool, error) {
	if s.Leases == nil {
		return true, work(ctx)
	}
	if err := ctx.Err(); err != nil {
		return false, err // shutting down: take no more work
	}
	log := s.logger().With("team", team, "source", source, "project", project)
	if old, ok := s.takeUnreleased(source, project); ok {
		if err := s.Leases.Release(ctx, source, project, old); err != nil {
			log.Info("releasing a sync lease left from an earlier run", "err", err)
		}
	}
	token, ok, err := s.Leases.Acquire(ctx, source, project)
	if err != nil {
		return false, fmt.Errorf("taking the sync lease on %s %s: %w", source, project, err)
	}
	if !ok {
		log.Info("sync skipped: another replica holds the lease")
		return false, nil
	}
	workCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	fencedCtx := workCtx
	if s.Fence != nil {
		if fencedCtx, err = s.Fence.Fenced(workCtx, source, project, token); err != nil {
			err = fmt.Errorf("fencing the writes under the sync lease on %s %s: %w", source, project, err)
		}
	}
	if err == nil {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { s.renewLease(workCtx, log, source, project, token, stop, cancel) })
		err = work(fencedCtx)
		close(stop)
		wg.Wait()
		if cause := context.Cause(workCtx); cause != nil && ctx.Err() == nil {
			// The lease, not the caller, stopped the work.
			err = errors.Join(err, cause)
		}
	}
	if s.fencedOff(err) {
		log.Warn("sync stopped: this replica's lease lapsed and a newer holder has written since, so its writes are refused", "err", err)
		s.lockLost(LockLostFence)
		// A newer grant exists, so this token's lease is over: there is
		// nothing to release.
		return true, err
	}
	relCtx, relCancel := context.WithTimeout(context.WithoutCancel(ctx), leaseReleaseTimeout)
	defer relCancel()
	if rerr := s.Leases.Release(relCtx, source, project, token); rerr != nil {
		log.Warn("releasing the sync lease", "err", rerr)
		s.mu.Lock()
		if s.unreleased == nil {
			s.unreleased = map[string]string{}
		}
		s.unreleased[source+" "+project] = token
		s.mu.Unlock()
	}
	return true, err
}

// takeUnreleased returns and forgets the token of a lease on (source,
// project) whose release failed.
func (s *Syncer) takeUnreleased(source, project string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	token, ok := s.unreleased[source+" "+project]
	delete(s.unreleased, source+" "+project)
	return token, ok
}

// renewLease renews the lease every third of its TTL until stop closes,
// and cancels the work when a renewal fails: past its TTL the lease may be
// another replica's.
func (s *Syncer) renewLease(ctx context.Context, log *slog.Logger, source, project, token string, stop <-chan struct{}, cancel context.CancelCauseFunc) {
	every := max(s.Leases.TTL()/3, time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Leases.Renew(ctx, source, project, token); err != nil {
				if ctx.Err() == nil {
					log.Warn("sync stopped: renewing its lease failed, so another replica may take the work", "err", err)
					s.lockLost(LockLostRenewal)
					cancel(fmt.Errorf("sync lease on %s %s lost: %w", source, project, err))
				}
				return
			}
		}
	}
}

// seenPeople are the people one team's sync saw, for linking by e-mail.
type seenPeople struct {
	jira []JiraUser
	// prs keep only who is on each pull request.
	prs []coach.PullRequest
}

func (p *seenPeople) addPRs(prs []coach.PullRequest) {
	for _, pr := range prs {
		p.prs = append(p.prs, coach.PullRequest{Author: pr.Author, AuthorIsBot: pr.AuthorIsBot,
			Reviews: pr.Reviews, RequestedReviewers: pr.RequestedReviewers})
	}
}

// link links the people seen by e-mail. It never fails the sync: people
// stay unlinked until the next one, and mentions use plain names.
func (s *Syncer) link(ctx context.Context, team string, seen *seenPeople) {
	if s.Linker == nil || (len(seen.jira) == 0 && len(seen.prs) == 0) || ctx.Err() != nil {
		return
	}
	if _, err := s.Linker.Link(ctx, team, seen.jira, seen.prs); err != nil {
		s.logger().Warn("linking people by e-mail failed; retried at the next sync", "team", team, "err", err)
	}
}

func (s *Syncer) syncJira(ctx context.Context, team *config.Team, statuses []coach.Status, statusErr error, seen *seenPeople) (int, error) {
	if s.Jira == nil {
		return 0, errors.New("team has a jql but no Jira connection is configured: set JIRA_BASE_URL")
	}
	if statusErr != nil {
		return 0, statusErr
	}
	if err := s.Store.PutStatuses(ctx, team.ID, statuses); err != nil {
		return 0, fmt.Errorf("storing jira statuses: %w", err)
	}
	cursor, err := s.Store.Cursor(ctx, team.ID, "jira", "")
	if err != nil {
		return 0, fmt.Errorf("reading jira cursor: %w", err)
	}
	var since time.Time
	if cursor != "" {
		if since, err = time.Parse(time.RFC3339Nano, cursor); err != nil {
			return 0, fmt.Errorf("reading jira cursor %q: %w", cursor, err)
		}
	}
	stored := 0
	startedAt := s.now()
	wf := team.Workflow(statuses, s.config().Jira.ExcludeResolutions)
	// A workflow edited since the last sync leaves the index stale even
	// when no item changed: rebuild it now rather than on the next change.
	if err := updateFlowIndex(ctx, s.Store, team.ID, wf, nil); err != nil {
		return 0, fmt.Errorf("updating the flow index: %w", err)
	}
	latest, users, err := s.jiraFor(team.ID).SyncIssues(ctx, team.Jira.JQL, since, func(items []coach.Item) error {
		if err := s.Store.PutItems(ctx, team.ID, items); err != nil {
			return fmt.Errorf("storing items: %w", err)
		}
		// In step with the items, before the cursor moves past them.
		if err := updateFlowIndex(ctx, s.Store, team.ID, wf, items); err != nil {
			return fmt.Errorf("updating the flow index: %w", err)
		}
		stored += len(items)
		s.progress(team.ID, "jira", "", stored)
		return nil
	})
	seen.jira = append(seen.jira, users...)
	if err != nil {
		return stored, fmt.Errorf("syncing jira: %w", err)
	}
	// Jira pages by key, not by update time: an item on an early page that
	// changed while later pages were read has an update older than the
	// latest one seen. Never move the cursor past the moment this sync
	// began, so the next run reads such changes.
	if latest.After(startedAt) {
		latest = startedAt
	}
	if latest.After(since) {
		if err := s.Store.SetCursor(ctx, team.ID, "jira", "", latest.UTC().Format(time.RFC3339Nano)); err != nil {
			return stored, fmt.Errorf("storing jira cursor: %w", err)
		}
	}
	return stored, nil
}

// syncIncidents runs the team's incident JQL as written: incidents are
// often filed outside the team's project.
func (s *Syncer) syncIncidents(ctx context.Context, team *config.Team) (int, error) {
	cursor, err := s.Store.Cursor(ctx, team.ID, "jira-incidents", "")
	if err != nil {
		return 0, fmt.Errorf("reading incident cursor: %w", err)
	}
	var since time.Time
	if cursor != "" {
		if since, err = time.Parse(time.RFC3339Nano, cursor); err != nil {
			return 0, fmt.Errorf("reading incident cursor %q: %w", cursor, err)
		}
	}
	stored := 0
	startedAt := s.now()
	// Incidents' assignees are not the team's people: not linked.
	latest, _, err := s.jiraFor(team.ID).SyncIssues(ctx, team.Jira.IncidentJQL, since, func(items []coach.Item) error {
		if err := s.Store.PutIncidents(ctx, team.ID, items); err != nil {
			return fmt.Errorf("storing incidents: %w", err)
		}
		stored += len(items)
		s.progress(team.ID, "jira-incidents", "", stored)
		return nil
	})
	if err != nil {
		// Many Jira sites have no Incident issue type. The default query
		// failing there means "no incidents here", not a broken sync; a
		// query the team wrote itself failing is a mistake to report.
		if errors.Is(err, ErrRejectedQuery) && team.Jira.IncidentJQL == config.DefaultIncidentJQL {
			s.logger().Warn("default incident query rejected by Jira: DORA failures will come from reverts and hotfixes only; set jira.incident_jql to your incidents",
				"team", team.ID, "jql", team.Jira.IncidentJQL, "err", err)
			return 0, nil
		}
		return stored, fmt.Errorf("syncing incidents (%s): %w", team.Jira.IncidentJQL, err)
	}
	if latest.After(startedAt) {
		latest = startedAt
	}
	if latest.After(since) {
		if err := s.Store.SetCursor(ctx, team.ID, "jira-incidents", "", latest.UTC().Format(time.RFC3339Nano)); err != nil {
			return stored, fmt.Errorf("storing incident cursor: %w", err)
		}
	}
	return stored, nil
}

// syncDeployments reads a repository's production deployments, from its
// deploy workflow when the team names one, else from the deployments API.
func (s *Syncer) syncDeployments(ctx context.Context, team *config.Team, repo string) (int, error) {
	source := "github-deployments"
	if team.GitHub.DeployWorkflow != "" {
		source = "github-workflow"
	}
	cursor, err := s.Store.Cursor(ctx, team.ID, source, repo)
	if err != nil {
		return 0, fmt.Errorf("reading deployment cursor of %s: %w", repo, err)
	}
	stored := 0
	store := func(ds []coach.Deployment) error {
		if err := s.Store.PutDeployments(ctx, team.ID, ds); err != nil {
			return fmt.Errorf("storing deployments: %w", err)
		}
		stored += len(ds)
		s.progress(team.ID, "deployments", repo, stored)
		return nil
	}
	var next string
	if team.GitHub.DeployWorkflow != "" {
		next, _, err = s.Deployments.SyncWorkflowDeploys(ctx, repo, team.GitHub.DeployWorkflow, cursor, store)
	} else {
		next, _, err = s.Deployments.SyncDeployments(ctx, repo, team.ProductionEnvironment(), cursor, store)
	}
	if err != nil {
		return stored, fmt.Errorf("syncing deployments of %s: %w", repo, err)
	}
	if next != cursor {
		if err := s.Store.SetCursor(ctx, team.ID, source, repo, next); err != nil {
			return stored, fmt.Errorf("storing deployment cursor of %s: %w", repo, err)
		}
	}
	return stored, nil
}

func (s *Syncer) syncRepo(ctx context.Context, team *config.Team, repo string, seen *seenPeople) (int, error) {
	if s.GitHub == nil {
		return 0, errors.New("team has github repos but no GitHub connection is configured: set GITHUB_TOKEN")
	}
	cursor, err := s.Store.Cursor(ctx, team.ID, "github", repo)
	if err != nil {
		return 0, fmt.Errorf("reading cursor of %s: %w", repo, err)
	}
	stored := 0
	next, _, err := s.GitHub.Sync(ctx, repo, cursor, func(prs []coach.PullRequest) error {
		if err := s.Store.PutPullRequests(ctx, team.ID, prs); err != nil {
			return fmt.Errorf("storing pull requests: %w", err)
		}
		stored += len(prs)
		seen.addPRs(prs)
		s.progress(team.ID, "github", repo, stored)
		return nil
	})
	if err != nil {
		return stored, fmt.Errorf("syncing %s: %w", repo, err)
	}
	if next != cursor {
		if err := s.Store.SetCursor(ctx, team.ID, "github", repo, next); err != nil {
			return stored, fmt.Errorf("storing cursor of %s: %w", repo, err)
		}
	}
	return stored, nil
}

// Run syncs every interval until ctx ends, starting at once. Failures are
// logged and retried at the next run. A sync still running when the next
// is due is not doubled up: the due one is skipped.
func (s *Syncer) Run(ctx context.Context, interval time.Duration) error {
	log := cronLogger{s.logger()}
	job := cron.NewChain(cron.Recover(log), cron.SkipIfStillRunning(log)).Then(cron.FuncJob(func() {
		sum := s.SyncAll(ctx)
		s.logger().Info("background sync finished", "items", sum.Items, "prs", sum.PRs,
			"duration", sum.Duration.Round(time.Millisecond).String(), "failed", sum.Err() != nil)
	}))
	c := cron.New(cron.WithLogger(log))
	c.Schedule(cron.Every(interval), job)
	c.Start()
	first := make(chan struct{})
	go func() {
		defer close(first)
		job.Run()
	}()
	<-ctx.Done()
	<-c.Stop().Done() // waits for a scheduled sync in flight
	<-first
	return nil
}

// cronLogger sends robfig/cron's messages to slog.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("scheduler: "+msg, kv...) }

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("scheduler: "+msg, append(kv, "err", err)...)
}

// fencedOff reports whether err is a write the store refused for a stale
// fence.
func (s *Syncer) fencedOff(err error) bool {
	return err != nil && s.Fence != nil && s.Fence.FencedOff(err)
}

func (s *Syncer) lockLost(kind string) {
	if s.LockLosses != nil {
		s.LockLosses.LockLost(kind)
	}
}

func (s *Syncer) jiraFor(team string) IssueSource {
	if src, ok := s.JiraByTeam[team]; ok {
		return src
	}
	return s.Jira
}

func (s *Syncer) progress(team, source, scope string, stored int) {
	if s.Progress != nil {
		s.Progress(team, source, scope, stored)
	}
}

func (s *Syncer) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Syncer) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}
