package main

import (
	"context"
	"log/slog"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/integrations/observe"
	"github.com/flowbot/flowbot/integrations/slack"
	"github.com/flowbot/flowbot/store"
)

// nudgeButtons answers the flow-check post's buttons with the bot.
type nudgeButtons struct{ b *bot.Bot }

func (n nudgeButtons) PressNudge(ctx context.Context, p bot.NudgePress) (bot.NudgeOutcome, error) {
	return n.b.PressNudge(ctx, p)
}

// scheduler posts each team's flow check, standup prompt and weekly
// digest on their schedules, through sc, once across replicas (claims in
// db), counting fires and nudges in m (nil: not counted).
func scheduler(cfg *config.Config, b *bot.Bot, db *store.DB, sc *slack.Client, m *observe.Metrics, logger *slog.Logger) *bot.Scheduler {
	n := &bot.Nudger{Bot: b, Log: db.Nudges(), Poster: sc}
	count := func(team string, res bot.FlowCheckResult) {
		if res.Posted || res.Updated {
			for _, nu := range res.Report.Due {
				m.NudgePosted(team, string(nu.Rule))
			}
		}
		for _, s := range res.Report.Suppressed {
			m.NudgeSuppressed(team, s.Why)
		}
	}
	return &bot.Scheduler{Config: cfg, Claims: db.Nudges(), Run: bot.CoachingJobs(n, sc, count),
		Fired: m.SchedulerFire, Logger: logger}
}
