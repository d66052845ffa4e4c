package main

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/integrations/observe"
)

// liveSync is serve's background sync. Each run first puts in effect the
// settings stored in Redis (saved on this replica or another), then adds
// the adapters a new team needs, so a team set up or changed in Slack is
// synced without a restart. A save from Slack asks for a run at once
// rather than at the next interval. Runs never overlap, so adapters
// change only between them and no work in flight is dropped.
type liveSync struct {
	file   *config.Config
	live   *atomic.Pointer[config.Config]
	db     settingsReader
	src    *sources
	sy     *bot.Syncer
	env    config.Env
	logger *slog.Logger

	mu   sync.Mutex    // one run at a time
	kick chan struct{} // buffered 1: saves while a run is going ask for one more run
}

func newLiveSync(file *config.Config, live *atomic.Pointer[config.Config], db settingsReader, src *sources, sy *bot.Syncer, env config.Env, logger *slog.Logger) *liveSync {
	return &liveSync{file: file, live: live, db: db, src: src, sy: sy, env: env, logger: logger, kick: make(chan struct{}, 1)}
}

// settingsChanged asks for a run as soon as the one going (if any) ends.
func (l *liveSync) settingsChanged() {
	select {
	case l.kick <- struct{}{}:
	default: // a run is asked for already
	}
}

// loop runs a sync at once, every interval and after every settings
// change, until ctx ends and the run in flight has returned. m counts the
// scheduled runs (nil: not counted).
func (l *liveSync) loop(ctx context.Context, interval time.Duration, m *observe.Metrics) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return observe.RunEvery(ctx, interval, "sync", m, l.logger, func(ctx context.Context) {
			// A run asked for by a save is going: this one would repeat it.
			if !l.mu.TryLock() {
				l.logger.Info("scheduled sync skipped: a sync for changed settings is going")
				return
			}
			defer l.mu.Unlock()
			l.runLocked(ctx)
		})
	})
	g.Go(func() error {
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-l.kick:
				l.run(ctx)
			}
		}
	})
	return g.Wait()
}

// run syncs every team in effect once.
func (l *liveSync) run(ctx context.Context) bot.Summary {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.runLocked(ctx)
}

func (l *liveSync) runLocked(ctx context.Context) bot.Summary {
	cfg := l.refresh(ctx)
	if ps := l.env.CheckFor(needsFor(cfg)...); len(ps) > 0 {
		l.logger.Error("a team in effect needs what the environment does not give; its sync fails until it is set", "err", ps)
	}
	added, err := l.src.cover(cfg)
	if err != nil {
		l.logger.Error("setting up the adapters the teams in effect need", "err", err)
	}
	if added {
		l.logger.Info("set up adapters for teams changed in Slack", "teams", len(cfg.Teams))
	}
	l.src.attach(l.sy)
	sum := l.sy.SyncAll(ctx)
	l.logger.Info("background sync finished", "items", sum.Items, "prs", sum.PRs,
		"duration", sum.Duration.Round(time.Millisecond).String(), "failed", sum.Err() != nil)
	return sum
}

// refresh puts the file with the settings stored in Redis in effect when
// they differ from what is in effect, and returns what is in effect.
func (l *liveSync) refresh(ctx context.Context) *config.Config {
	cur := l.live.Load()
	eff, err := effectiveConfig(ctx, l.file, l.db)
	if err != nil {
		l.logger.Warn("keeping the configuration in effect: the settings made in Slack could not be read or applied", "err", err)
		return cur
	}
	if sameConfig(cur, eff) {
		return cur
	}
	// A save on this replica since cur was read is newer than what was
	// read: keep it.
	if !l.live.CompareAndSwap(cur, eff) {
		return l.live.Load()
	}
	l.logger.Info("settings saved in Slack put in effect", "teams", len(eff.Teams))
	return eff
}

// sameConfig compares two configurations as flowbot config export writes
// them.
func sameConfig(a, b *config.Config) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	ma, errA := config.Marshal(a)
	mb, errB := config.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ma, mb)
}

// liveReadiness checks the readiness of the teams in effect, not of those
// there were when serve started.
type liveReadiness struct {
	observe.Readiness
	live *atomic.Pointer[config.Config]
}

func (r *liveReadiness) Check(ctx context.Context) observe.Report {
	rd := r.Readiness
	cfg := r.live.Load()
	rd.Teams = make([]string, len(cfg.Teams))
	for i, t := range cfg.Teams {
		rd.Teams[i] = t.ID
	}
	return rd.Check(ctx)
}

// kickingSetup is bot.Setup that asks for a sync when a save changed
// something, so a new team's data arrives in minutes, not at the next
// interval.
type kickingSetup struct {
	*bot.Setup
	changed func()
}

func (k kickingSetup) Save(ctx context.Context, user string, sub bot.SetupSubmission) (bot.SaveResult, error) {
	res, err := k.Setup.Save(ctx, user, sub)
	if err == nil && len(res.Problems) == 0 && len(res.Changes) > 0 {
		k.changed()
	}
	return res, err
}
