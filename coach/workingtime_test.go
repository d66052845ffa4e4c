package coach

import (
	"testing"
	"time"
)

func TestWorkingDuration(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	monFri := [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	every := [7]bool{true, true, true, true, true, true, true}
	sundays := [7]bool{time.Sunday: true}
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		from, to time.Time
		loc      *time.Location
		workdays [7]bool
		want     time.Duration
	}{
		// Friday 12 h + Monday 12 h; the weekend counts nothing.
		{"over a weekend", utc("2024-03-08T12:00:00Z"), utc("2024-03-11T12:00:00Z"), nil, monFri, 24 * time.Hour},
		{"to before from is zero", utc("2024-03-11T12:00:00Z"), utc("2024-03-08T12:00:00Z"), nil, monFri, 0},
		{"to equal from is zero", utc("2024-03-11T12:00:00Z"), utc("2024-03-11T12:00:00Z"), nil, monFri, 0},
		{"every day working is calendar time", utc("2024-03-08T12:00:00Z"), utc("2024-03-11T12:00:00Z"), nil, every, 72 * time.Hour},
		{"no working day is zero", utc("2024-03-08T12:00:00Z"), utc("2024-03-11T12:00:00Z"), nil, [7]bool{}, 0},
		// Friday 23:30 UTC is Saturday 00:30 in Berlin (UTC+1 in March
		// before the change): the whole hour is on Saturday there.
		{"days are read in the zone", utc("2024-03-08T23:30:00Z"), utc("2024-03-09T00:30:00Z"), berlin, monFri, 0},
		{"same hour in UTC is half Friday", utc("2024-03-08T23:30:00Z"), utc("2024-03-09T00:30:00Z"), time.UTC, monFri, 30 * time.Minute},
		// Sunday 2024-03-31 in Berlin has 23 hours (clocks go forward).
		{"a short day counts its 23 hours", utc("2024-03-29T23:00:00Z"), utc("2024-04-01T22:00:00Z"), berlin, sundays, 23 * time.Hour},
		// Saturday midnight to Monday midnight in Berlin is 47 hours.
		{"a daylight-saving weekend", utc("2024-03-29T23:00:00Z"), utc("2024-03-31T22:00:00Z"), berlin, every, 47 * time.Hour},
		{"within one working day", utc("2024-03-05T10:00:00Z"), utc("2024-03-05T11:30:00Z"), nil, monFri, 90 * time.Minute},
		// Two whole weeks: 10 working days.
		{"two weeks", utc("2024-03-04T00:00:00Z"), utc("2024-03-18T00:00:00Z"), nil, monFri, 240 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WorkingDuration(tt.from, tt.to, tt.loc, tt.workdays)
			if got != tt.want {
				t.Errorf("WorkingDuration = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCalendarTime(t *testing.T) {
	if got := CalendarTime(day(2), day(1)); got != 0 {
		t.Errorf("CalendarTime backwards = %v, want 0", got)
	}
	if got := CalendarTime(day(1), day(2.5)); got != 36*time.Hour {
		t.Errorf("CalendarTime = %v, want 36h", got)
	}
}
