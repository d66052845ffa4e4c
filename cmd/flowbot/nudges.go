package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/integrations/slack"
	"github.com/flowbot/flowbot/store"
	"github.com/robfig/cron/v3"
)

// isNudges reports whether an ask's text is the nudges preview; a
// backtest is an ordinary answer.
func isNudges(text string) bool {
	f := strings.Fields(text)
	return len(f) > 0 && f[0] == "nudges" && !strings.Contains(text, "--backtest")
}

// askNudges answers `flowbot ask nudges`: what a flow check would post
// now, and what it holds back and why. It posts nothing.
func askNudges(ctx context.Context, b *bot.Bot, db *store.DB, teamID, text string, now time.Time) (bot.Answer, error) {
	for _, f := range strings.Fields(text)[1:] {
		if id, ok := strings.CutPrefix(f, "team:"); ok {
			teamID = id
		}
	}
	n := &bot.Nudger{Bot: b, Log: db.Nudges()}
	return n.NudgesAnswer(ctx, teamID, now)
}

// demoFlowChecks runs one flow check for each team as of now, posting
// through the Slack stand-in (the real path), and prints what went out.
func demoFlowChecks(ctx context.Context, stdout io.Writer, cfg *config.Config, env config.Env, db *store.DB, logger *slog.Logger, now time.Time) error {
	b := &bot.Bot{Config: cfg, Store: db, Logger: logger, Nudges: db.Nudges()}
	sc, err := slack.New(slack.Config{AppToken: env.SlackAppToken, BotToken: env.SlackBotToken, APIURL: env.SlackAPIURL, Logger: logger}, b)
	if err != nil {
		return err
	}
	n := &bot.Nudger{Bot: b, Log: db.Nudges(), Poster: sc}
	fmt.Fprintln(stdout, "\nFlow check:")
	for _, t := range cfg.Teams {
		if t.Channel == "" {
			continue
		}
		// The demo shows the flow check the channel got last: its latest
		// fire on a working day, at the team's scheduled time (a flow
		// check run at 22:00 would hold everything back as outside
		// working hours).
		at, ok := lastFlowCheck(&t, now)
		if !ok {
			fmt.Fprintf(stdout, "(%s: its flow check is switched off)\n", t.ID)
			continue
		}
		fmt.Fprintf(stdout, "(%s, as of %s)\n", t.ID, at.In(t.Location()).Format("Mon Jan 2 15:04 MST"))
		res, err := n.RunFlowCheck(ctx, t.ID, at)
		if err != nil {
			return fmt.Errorf("the demo's flow check of %s: %w", t.ID, err)
		}
		switch {
		case res.Posted || res.Updated:
			fmt.Fprintf(stdout, "%s (posted in %s, %d held back):\n", res.Check.Title, t.Channel, len(res.Report.Suppressed))
			for _, l := range res.Check.Lines {
				fmt.Fprintf(stdout, "  %s\n", renderMrkdwn(l.Text, false))
			}
		default:
			whys := map[string]int{}
			for _, h := range res.Report.Suppressed {
				whys[h.Why]++
			}
			var held []string
			for why, n := range whys {
				held = append(held, fmt.Sprintf("%d %s", n, why))
			}
			slices.Sort(held)
			fmt.Fprintf(stdout, "%s: nothing due; held back: %s\n", t.ID, strings.Join(append(held, "none")[:max(1, len(held))], ", "))
		}
	}
	return nil
}

// lastFlowCheck is the latest fire of t's flow-check schedule at or before
// now on one of its working days (holidays excluded), looking back three
// weeks; false when the schedule is off or never fired in that time.
func lastFlowCheck(t *config.Team, now time.Time) (time.Time, bool) {
	spec := t.FlowCheckSpec()
	if spec == "" {
		return time.Time{}, false
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return time.Time{}, false // config check refuses such a schedule
	}
	cal := t.Calendar()
	loc := t.Location()
	var last time.Time
	for at := sched.Next(now.Add(-21 * 24 * time.Hour).In(loc)); !at.IsZero() && !at.After(now); at = sched.Next(at) {
		if cal.IsWorkingDay(at) {
			last = at
		}
	}
	return last, !last.IsZero()
}
