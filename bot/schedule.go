package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/flowbot/flowbot/bot/config"
)

// The scheduled jobs of a team (issue 4), as the scheduler and its metric
// name them.
const (
	JobFlowCheck = "flow-check"
	JobStandup   = "standup"
	JobDigest    = "digest"
)

// Claimer makes a scheduled run happen once across replicas: the store's
// claims (store.Nudges Claim and Release).
type Claimer interface {
	Claim(ctx context.Context, team, name string, ttl time.Duration) (token string, ok bool, err error)
	Release(ctx context.Context, team, name, token string) error
}

// scheduleClaimTTL keeps a run's claim past any catch-up look-back, so a
// restart never runs a fire twice.
const scheduleClaimTTL = 48 * time.Hour

// catchUpLookBack is how far back a start looks for a missed fire: to run
// it (within the team's catch_up) or to log it as skipped.
const catchUpLookBack = 24 * time.Hour

// Scheduler runs each team's flow check, standup prompt and weekly digest
// on robfig/cron, one entry per team job, in the team's time zone (so
// daylight-saving changes keep the local time). The flow check and the
// standup run on the team's working days only. Each fire is claimed by
// team, job and fire time before it runs, so of any number of replicas
// exactly one runs it; a run that fails releases its claim. On start, a
// fire missed by less than the team's catch_up runs once; an older one is
// skipped with a log line.
//
// With Live set the scheduler follows the configuration in effect: a team
// created, re-scheduled or removed from Slack gets its entries added,
// changed or dropped within a minute, without a restart. Only Start's
// catch-up looks back; a schedule changed at run time starts with its
// next fire.
type Scheduler struct {
	Config *config.Config
	// Live is the configuration in effect, shared with Bot and Syncer;
	// when set it is followed and Config is only its fallback.
	Live   *atomic.Pointer[config.Config]
	Claims Claimer
	// Run does one job for a team as scheduled at at.
	Run func(ctx context.Context, team, job string, at time.Time) error
	// Fired, when set, counts each fire: skipped is true when this
	// replica did not run it (not a working day, or claimed elsewhere).
	Fired  func(job string, skipped bool)
	Logger *slog.Logger // nil: slog.Default()
	// Jobs are the jobs to schedule (JobFlowCheck, ...); nil: all three.
	Jobs []string
}

// followEvery is how often a scheduler with Live looks for a changed
// configuration. It looks half-way between minutes, never at second 0
// when cron fires, so an entry added is never added at the instant of its
// own first fire (cron would take the next one).
const followEvery = time.Minute

// teamJob is one cron entry.
type teamJob struct {
	team     *config.Team
	job      string
	spec     string
	schedule cron.Schedule
}

// key names the entry: the same key is the same fires.
func (j teamJob) key() string {
	return j.team.ID + "\x00" + j.job + "\x00" + j.spec + "\x00" + j.team.Location().String()
}

// config is the configuration in effect: Live's when set, else Config.
func (s *Scheduler) config() *config.Config {
	if s.Live != nil {
		if c := s.Live.Load(); c != nil {
			return c
		}
	}
	return s.Config
}

// jobSpec is the cron expression of one of the team's jobs; "" is off.
func jobSpec(t *config.Team, job string) string {
	switch job {
	case JobFlowCheck:
		return t.FlowCheckSpec()
	case JobStandup:
		return t.StandupSpec()
	case JobDigest:
		return t.DigestSpec()
	}
	return ""
}

// jobs are the entries the scheduler runs for cfg: every team's jobs that
// are switched on, with their schedules in the team's zone.
func (s *Scheduler) jobs(cfg *config.Config) ([]teamJob, error) {
	var out []teamJob
	for i := range cfg.Teams {
		t := &cfg.Teams[i]
		if t.Channel == "" {
			continue // nowhere to post
		}
		for _, job := range []string{JobFlowCheck, JobStandup, JobDigest} {
			sp := jobSpec(t, job)
			if sp == "" || (s.Jobs != nil && !slices.Contains(s.Jobs, job)) {
				continue
			}
			sched, err := config.ParseSchedule(sp, t.Location())
			if err != nil {
				return nil, fmt.Errorf("schedule %s of %s: %w", job, t.ID, err)
			}
			out = append(out, teamJob{team: t, job: job, spec: sp, schedule: sched})
		}
	}
	return out, nil
}

// current is j's team as the configuration in effect has it, or false
// when that no longer schedules j as it was (a change not yet followed):
// such a fire is not run.
func (s *Scheduler) current(j teamJob) (*config.Team, bool) {
	t, ok := s.config().Team(j.team.ID)
	if !ok || t.Channel == "" || jobSpec(t, j.job) != j.spec || t.Location().String() != j.team.Location().String() {
		return nil, false
	}
	return t, true
}

// Start catches up on missed fires and runs every team job on its
// schedule until ctx ends, then waits for the runs in flight.
func (s *Scheduler) Start(ctx context.Context) error {
	if s.Run == nil || s.Claims == nil {
		return errors.New("scheduler: want Run and Claims")
	}
	cfg := s.config()
	if cfg == nil {
		return errors.New("scheduler: want Config or Live")
	}
	jobs, err := s.jobs(cfg)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	log := cronLogger{s.logger()}
	c := cron.New(cron.WithLogger(log), cron.WithChain(cron.Recover(log)))
	entries := map[string]cron.EntryID{}
	now := time.Now()
	for _, j := range jobs {
		if at, ok := latestFire(j.schedule, now.Add(-catchUpLookBack), now); ok {
			late := now.Sub(at)
			wg.Go(func() { s.fire(ctx, j, at, late) })
		}
		entries[j.key()] = c.Schedule(j.schedule, s.entry(ctx, j))
	}
	c.Start()
	s.logger().Info("scheduler started", "entries", len(jobs))
	if s.Live != nil {
		wg.Go(func() { s.follow(ctx, c, cfg, entries) })
	}
	<-ctx.Done()
	<-c.Stop().Done()
	wg.Wait()
	return nil
}

// entry is the cron job of j: its latest fire, on time.
func (s *Scheduler) entry(ctx context.Context, j teamJob) cron.Job {
	return cron.FuncJob(func() {
		at, ok := latestFire(j.schedule, time.Now().Add(-catchUpLookBack), time.Now())
		if !ok {
			return
		}
		s.fire(ctx, j, at, 0)
	})
}

// follow rebuilds c's entries whenever Live holds another configuration
// than seen, until ctx ends: entries whose team, job, expression and zone
// are unchanged stay, the others are removed and added.
func (s *Scheduler) follow(ctx context.Context, c *cron.Cron, seen *config.Config, entries map[string]cron.EntryID) {
	for {
		now := time.Now()
		next := now.Truncate(followEvery).Add(followEvery / 2)
		if !next.After(now) {
			next = next.Add(followEvery)
		}
		t := time.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		cfg := s.config()
		if cfg == seen {
			continue
		}
		jobs, err := s.jobs(cfg)
		if err != nil {
			// Validated configurations parse; keep the entries running.
			s.logger().Error("scheduler: keeping the schedules in effect; the changed configuration does not schedule", "err", err)
			continue
		}
		seen = cfg
		want := make(map[string]teamJob, len(jobs))
		for _, j := range jobs {
			want[j.key()] = j
		}
		removed, added := 0, 0
		for k, id := range entries {
			if _, ok := want[k]; !ok {
				c.Remove(id)
				delete(entries, k)
				removed++
			}
		}
		for k, j := range want {
			if _, ok := entries[k]; !ok {
				entries[k] = c.Schedule(j.schedule, s.entry(ctx, j))
				added++
			}
		}
		if removed+added > 0 {
			s.logger().Info("scheduler: following changed settings", "added", added, "removed", removed, "entries", len(entries))
		}
	}
}

// latestFire is the schedule's last fire in (from, to].
func latestFire(s cron.Schedule, from, to time.Time) (time.Time, bool) {
	var last time.Time
	for t := s.Next(from); !t.IsZero() && !t.After(to); t = s.Next(t) {
		last = t
	}
	return last, !last.IsZero()
}

// fire runs one team job scheduled at at, late by late (0: on time).
func (s *Scheduler) fire(ctx context.Context, j teamJob, at time.Time, late time.Duration) {
	log := s.logger().With("team", j.team.ID, "job", j.job, "at", at.In(j.team.Location()).Format(time.RFC3339))
	team, ok := s.current(j)
	if !ok {
		log.Info("scheduler: not run; the team's settings changed and no longer schedule it")
		return
	}
	// The working days, catch-up window and the rest as they are now.
	j.team = team
	if j.job != JobDigest && !j.team.Workdays()[at.In(j.team.Location()).Weekday()] {
		if late == 0 {
			s.fired(j.job, true)
			log.Debug("scheduler: not a working day, not run")
		}
		return
	}
	name := "sched:" + j.job + ":" + at.UTC().Format("20060102T150405Z")
	token, ok, err := s.Claims.Claim(ctx, j.team.ID, name, scheduleClaimTTL)
	if err != nil {
		s.fired(j.job, true)
		log.Error("scheduler: claiming the run failed; not run", "err", err)
		return
	}
	if !ok {
		if late == 0 {
			s.fired(j.job, true)
			log.Debug("scheduler: run claimed elsewhere")
		}
		return
	}
	if late > j.team.CatchUpWindow() {
		// The claim stays: the skip is logged once, by one replica.
		log.Info("scheduler: missed a run while stopped; too late to catch up, skipped", "late", late.Round(time.Second).String(), "catch_up", j.team.CatchUpWindow().String())
		return
	}
	s.fired(j.job, false)
	if late > 0 {
		log.Info("scheduler: catching up on a run missed while stopped", "late", late.Round(time.Second).String())
	}
	if err := s.Run(ctx, j.team.ID, j.job, at); err != nil {
		log.Error("scheduler: run failed; released for a retry", "err", err)
		if rerr := s.Claims.Release(context.WithoutCancel(ctx), j.team.ID, name, token); rerr != nil {
			log.Error("scheduler: releasing the failed run's claim", "err", rerr)
		}
	}
}

func (s *Scheduler) fired(job string, skipped bool) {
	if s.Fired != nil {
		s.Fired(job, skipped)
	}
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// FlowCheckJob is the scheduler's Run for the flow check: it runs the
// team's flow check as of the moment it runs, and reports what was posted
// and held back to counted (nil: not counted).
func FlowCheckJob(n *Nudger, counted func(team string, res FlowCheckResult)) func(ctx context.Context, team, job string, at time.Time) error {
	return func(ctx context.Context, team, job string, _ time.Time) error {
		if job != JobFlowCheck {
			return fmt.Errorf("scheduler: no job %q", job)
		}
		res, err := n.RunFlowCheck(ctx, team, n.Bot.now())
		if counted != nil {
			counted(team, res)
		}
		return err
	}
}

// CoachingPoster posts a standup prompt or a weekly digest in a channel.
type CoachingPoster interface {
	PostCoaching(ctx context.Context, channel string, m *Message) (ts string, err error)
}

// CoachingJobs is the scheduler's Run for all three jobs: the flow check
// (FlowCheckJob, counted as there), and the standup prompt and the weekly
// digest posted through p as of the moment they run. The scheduler's
// claim makes each post happen once across replicas; a failed post
// returns its error, so the claim is released for a retry.
// directMessages sends the opted-in people their DMs after the day's flow
// check, when the poster can send DMs and the nudge log keeps people.
func directMessages(ctx context.Context, n *Nudger, p CoachingPoster, team string) error {
	send, canSend := p.(DMSender)
	ps, hasPeople := n.Log.(PeopleStore)
	claims, canClaim := n.Log.(DMClaims)
	if !canSend || !hasPeople || !canClaim {
		return nil
	}
	run, err := n.RunDMs(ctx, team, ps, claims, send, n.Bot.now())
	if err != nil {
		return fmt.Errorf("sending direct messages: %w", err)
	}
	if len(run.Sent)+len(run.Skipped) > 0 {
		n.Bot.logger().Info("direct messages", "team", team, "sent", len(run.Sent), "skipped", len(run.Skipped))
	}
	return nil
}

func CoachingJobs(n *Nudger, p CoachingPoster, counted func(team string, res FlowCheckResult)) func(ctx context.Context, team, job string, at time.Time) error {
	flow := FlowCheckJob(n, counted)
	return func(ctx context.Context, team, job string, at time.Time) error {
		switch job {
		case JobFlowCheck:
			if err := flow(ctx, team, job, at); err != nil {
				return err
			}
			return directMessages(ctx, n, p, team)
		case JobStandup:
			_, err := n.Bot.PostStandup(ctx, p, team, n.Bot.now())
			return err
		case JobDigest:
			_, err := n.Bot.PostDigest(ctx, p, n.Log, team, n.Bot.now())
			return err
		}
		return fmt.Errorf("scheduler: no job %q", job)
	}
}
