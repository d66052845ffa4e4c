package config

import (
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/google/go-cmp/cmp"
)

func TestWorkingTimeParse(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	monFri := [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	tests := []struct {
		name       string
		yaml       string
		wantCal    coach.Calendar
		wantLimits map[string]int
	}{
		{
			name: "absent: Monday to Friday, 09:00-17:00, no holidays, no stage limits",
			yaml: `teams:
  - id: payments
    timezone: Europe/Berlin
    jira: {jql: project = PAY}
`,
			wantCal: coach.Calendar{Location: berlin, Workdays: monFri, Hours: coach.WorkingHours{Start: 9 * time.Hour, End: 17 * time.Hour}},
		},
		{
			name: "set: hours, holidays and a stage's limit",
			yaml: `teams:
  - id: payments
    jira: {jql: project = PAY}
    working_days: [mon, tue, wed, thu]
    working_hours: "08:30-16:00"
    holidays: [2026-12-25, 2026-12-31]
    stages:
      - {name: Build, active: [In Progress], wip_limit: 4}
      - {name: Review, wait: [Ready for Review]}
`,
			wantCal: coach.Calendar{Location: time.UTC, Workdays: [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true},
				Hours: coach.WorkingHours{Start: 8*time.Hour + 30*time.Minute, End: 16 * time.Hour}, Holidays: []string{"2026-12-25", "2026-12-31"}},
			wantLimits: map[string]int{"Build": 4},
		},
		{
			name: "the whole day",
			yaml: `teams:
  - id: payments
    jira: {jql: project = PAY}
    working_hours: "00:00-24:00"
`,
			wantCal: coach.Calendar{Location: time.UTC, Workdays: monFri},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			team := &c.Teams[0]
			got := team.Calendar()
			if diff := cmp.Diff(got, tt.wantCal, cmp.Comparer(func(a, b *time.Location) bool { return a.String() == b.String() })); diff != "" {
				t.Errorf("Calendar (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(team.StageWIPLimits(), tt.wantLimits); diff != "" {
				t.Errorf("StageWIPLimits (-got +want):\n%s", diff)
			}
		})
	}
}

// A Team built in code without validation still gets the defaults, and
// skips what does not read.
func TestCalendarWithoutValidate(t *testing.T) {
	team := &Team{WorkingHours: "late", Holidays: []string{"2026-12-25", "xmas"}}
	got := team.Calendar()
	want := coach.Calendar{Location: time.UTC,
		Workdays: [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true},
		Hours:    coach.WorkingHours{Start: 9 * time.Hour, End: 17 * time.Hour}, Holidays: []string{"2026-12-25"}}
	if diff := cmp.Diff(got, want, cmp.Comparer(func(a, b *time.Location) bool { return a.String() == b.String() })); diff != "" {
		t.Errorf("Calendar (-got +want):\n%s", diff)
	}
}

// TestTeamClock pins that the team's Clock counts its working hours and
// skips its holidays, in its zone.
func TestTeamClock(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, berlin) }
	tests := []struct {
		name     string
		team     Team
		from, to time.Time
		want     time.Duration
	}{
		{name: "Thursday 13:00 to Monday 13:00 over a Friday holiday: 4h + 4h of an 8h day, one working day",
			team: Team{Timezone: "Europe/Berlin", Holidays: []string{"2026-12-25"}}, from: at(24, 13), to: at(28, 13), want: 24 * time.Hour},
		{name: "the same span without the holiday: two working days",
			team: Team{Timezone: "Europe/Berlin"}, from: at(24, 13), to: at(28, 13), want: 48 * time.Hour},
		{name: "whole days: Thursday 13:00 to Monday 13:00 is 11h + 24h + 13h",
			team: Team{Timezone: "Europe/Berlin", WorkingHours: "00:00-24:00"}, from: at(24, 13), to: at(28, 13), want: 48 * time.Hour},
		{name: "an evening is no working time",
			team: Team{Timezone: "Europe/Berlin"}, from: at(22, 18), to: at(22, 23), want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.team.Clock()(tt.from, tt.to)
			if got != tt.want {
				t.Errorf("Clock = %v, want %v", got, tt.want)
			}
		})
	}
}
