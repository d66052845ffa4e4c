package main

import (
	"testing"
	"time"

	"github.com/flowbot/flowbot/bot/config"
)

func TestLastFlowCheck(t *testing.T) {
	cfg, err := config.Parse([]byte(`
teams:
  - id: payments
    jira: {jql: project = PAY}
    timezone: Europe/Berlin
    holidays: [2026-11-20]
  - id: quiet
    jira: {jql: project = QUI}
    schedules: {flow_check: ""}
`))
	if err != nil {
		t.Fatal(err)
	}
	payments, _ := cfg.Team("payments")
	quiet, _ := cfg.Team("quiet")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name   string
		team   *config.Team
		now    time.Time
		want   time.Time
		wantOK bool
	}{
		{name: "after today's check", team: payments, now: at("2026-11-18 10:00"), want: at("2026-11-18 09:15"), wantOK: true},
		{name: "at the check", team: payments, now: at("2026-11-18 09:15"), want: at("2026-11-18 09:15"), wantOK: true},
		{name: "before today's check", team: payments, now: at("2026-11-18 08:00"), want: at("2026-11-17 09:15"), wantOK: true},
		{name: "weekend after a holiday Friday", team: payments, now: at("2026-11-22 12:00"), want: at("2026-11-19 09:15"), wantOK: true},
		{name: "switched off", team: quiet, now: at("2026-11-18 10:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := lastFlowCheck(tt.team, tt.now)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("lastFlowCheck = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
