package observe

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// RunEvery runs fn at once and then every interval until ctx ends,
// counting each fire as job in flowbot_scheduler_fires_total. A fire that
// comes while the previous run is still going is skipped, not queued, and
// counted with skipped="true". A panic in fn is logged and the schedule
// goes on. RunEvery returns nil once ctx has ended and the run in flight
// has returned.
func RunEvery(ctx context.Context, interval time.Duration, job string, m *Metrics, logger *slog.Logger, fn func(context.Context)) error {
	if logger == nil {
		logger = slog.Default()
	}
	var running atomic.Bool
	var wg sync.WaitGroup
	fire := func() {
		if !running.CompareAndSwap(false, true) {
			m.fired(job, true)
			logger.Warn("scheduler: previous run still going, skipping this one", "job", job)
			return
		}
		m.fired(job, false)
		wg.Go(func() {
			defer running.Store(false)
			defer func() {
				if p := recover(); p != nil {
					logger.Error("scheduler: job panicked", "job", job, "panic", p)
				}
			}()
			fn(ctx)
		})
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	fire()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-tick.C:
			fire()
		}
	}
}
