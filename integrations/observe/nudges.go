package observe

import (
	"slices"
	"strings"

	"github.com/flowbot/flowbot/bot"
)

// SchedulerFire counts one fire of a scheduled job (the flow check, the
// standup, the digest) in flowbot_scheduler_fires_total; skipped is true
// when this replica did not run it. It has the shape of bot.Scheduler's
// Fired hook.
func (m *Metrics) SchedulerFire(job string, skipped bool) { m.fired(job, skipped) }

// NudgePosted counts a nudge posted for team by rule.
func (m *Metrics) NudgePosted(team, rule string) {
	if m == nil {
		return
	}
	m.nudgesPosted.WithLabelValues(team, rule).Inc()
}

// NudgeSuppressed counts a nudge held back for team. why is coach.Decide's
// reason; the times of "snoozed until …" and "paused until …" are cut off
// and "on it: …" is cut to "on it", so the label's values stay few.
func (m *Metrics) NudgeSuppressed(team, why string) {
	if m == nil {
		return
	}
	m.nudgesHeld.WithLabelValues(team, suppressedReason(why)).Inc()
}

func suppressedReason(why string) string {
	why, _, _ = strings.Cut(why, " until ")
	why, _, _ = strings.Cut(why, ":")
	switch why {
	case "paused", "snoozed", "on it", "away", "not a working day", "sent once", "outside working hours":
		return why
	case "same level within a working day":
		return "same level"
	case "repeated less than repeat_every ago":
		return "repeated"
	}
	return "other"
}

// lockLossKinds are the kinds of lock loss the bot reports.
var lockLossKinds = []string{bot.LockLostRenewal, bot.LockLostFence}

// LockLost counts a lease or claim lost while its work was running, by
// kind (bot.LockLostRenewal, bot.LockLostFence; any other is counted as
// "other", so the label's values stay few). It implements bot.LockLosses.
func (m *Metrics) LockLost(kind string) {
	if m == nil {
		return
	}
	if !slices.Contains(lockLossKinds, kind) {
		kind = "other"
	}
	m.lockLosses.WithLabelValues(kind).Inc()
}
