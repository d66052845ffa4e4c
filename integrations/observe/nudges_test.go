package observe

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flowbot/flowbot/bot"
)

func TestNudgeMetrics(t *testing.T) {
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	m.NudgePosted("payments", "aging")
	m.NudgePosted("payments", "aging")
	for _, why := range []string{"snoozed until Mon 2 Jan 09:15", "paused until Tue 3 Jan 10:00", "on it: quiet until the item moves",
		"away", "not a working day", "sent once", "same level within a working day", "outside working hours",
		"repeated less than repeat_every ago", "something new"} {
		m.NudgeSuppressed("payments", why)
	}
	m.LockLost(bot.LockLostFence)
	m.LockLost("something new")
	m.SchedulerFire("flow-check", true)
	tests := []struct {
		name string
		got  prometheus.Collector
		want float64
	}{
		{"posted", m.nudgesPosted.WithLabelValues("payments", "aging"), 2},
		{"snoozed", m.nudgesHeld.WithLabelValues("payments", "snoozed"), 1},
		{"paused", m.nudgesHeld.WithLabelValues("payments", "paused"), 1},
		{"on it", m.nudgesHeld.WithLabelValues("payments", "on it"), 1},
		{"away", m.nudgesHeld.WithLabelValues("payments", "away"), 1},
		{"not a working day", m.nudgesHeld.WithLabelValues("payments", "not a working day"), 1},
		{"sent once", m.nudgesHeld.WithLabelValues("payments", "sent once"), 1},
		{"same level", m.nudgesHeld.WithLabelValues("payments", "same level"), 1},
		{"outside working hours", m.nudgesHeld.WithLabelValues("payments", "outside working hours"), 1},
		{"repeated", m.nudgesHeld.WithLabelValues("payments", "repeated"), 1},
		{"other", m.nudgesHeld.WithLabelValues("payments", "other"), 1},
		{"lock losses: fence", m.lockLosses.WithLabelValues(bot.LockLostFence), 1},
		{"lock losses: renewal", m.lockLosses.WithLabelValues(bot.LockLostRenewal), 0},
		{"lock losses: other", m.lockLosses.WithLabelValues("other"), 1},
		{"fires", m.schedulerFires.WithLabelValues("flow-check", "true"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testutil.ToFloat64(tt.got); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	var nilM *Metrics
	nilM.NudgePosted("payments", "aging") // a nil *Metrics records nothing
	nilM.NudgeSuppressed("payments", "away")
	nilM.LockLost(bot.LockLostFence)
}
