package coach

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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

func TestCalendarDuration(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	monFri := [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	every := [7]bool{true, true, true, true, true, true, true}
	nineToFive := WorkingHours{Start: 9 * time.Hour, End: 17 * time.Hour}
	at := func(loc *time.Location, s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		cal      Calendar
		from, to time.Time
		want     time.Duration
	}{
		{"no hours is the whole day as before", Calendar{Workdays: monFri},
			at(time.UTC, "2024-03-08 12:00"), at(time.UTC, "2024-03-11 12:00"), 24 * time.Hour},
		// Friday 12:00-17:00 and Monday 09:00-12:00.
		{"over a weekend within hours", Calendar{Workdays: monFri, Hours: nineToFive},
			at(time.UTC, "2024-03-08 12:00"), at(time.UTC, "2024-03-11 12:00"), 8 * time.Hour},
		{"a night counts nothing", Calendar{Workdays: monFri, Hours: nineToFive},
			at(time.UTC, "2024-03-05 17:00"), at(time.UTC, "2024-03-06 09:00"), 0},
		{"before the hours start counts from the start", Calendar{Workdays: monFri, Hours: nineToFive},
			at(time.UTC, "2024-03-05 06:00"), at(time.UTC, "2024-03-05 10:30"), 90 * time.Minute},
		{"one whole week is five days of eight hours", Calendar{Workdays: monFri, Hours: nineToFive},
			at(time.UTC, "2024-03-04 00:00"), at(time.UTC, "2024-03-11 00:00"), 40 * time.Hour},
		{"a holiday counts nothing", Calendar{Workdays: monFri, Hours: nineToFive, Holidays: []string{"2024-03-06"}},
			at(time.UTC, "2024-03-05 00:00"), at(time.UTC, "2024-03-08 00:00"), 16 * time.Hour},
		{"a holiday on a weekend changes nothing", Calendar{Workdays: monFri, Hours: nineToFive, Holidays: []string{"2024-03-09", "not a date"}},
			at(time.UTC, "2024-03-04 00:00"), at(time.UTC, "2024-03-11 00:00"), 40 * time.Hour},
		{"holidays without hours take the whole day out", Calendar{Workdays: monFri, Holidays: []string{"2024-03-06"}},
			at(time.UTC, "2024-03-05 00:00"), at(time.UTC, "2024-03-08 00:00"), 48 * time.Hour},
		// Holidays are dates in the team's zone: 2024-12-25 in New York
		// is 05:00Z to 05:00Z the next day.
		{"holidays are read in the zone", Calendar{Location: ny, Workdays: every, Holidays: []string{"2024-12-25"}},
			at(time.UTC, "2024-12-25 00:00"), at(time.UTC, "2024-12-26 00:00"), 5 * time.Hour},
		{"hours are read in the zone", Calendar{Location: berlin, Workdays: monFri, Hours: nineToFive},
			at(time.UTC, "2024-03-05 07:00"), at(time.UTC, "2024-03-05 09:00"), time.Hour},
		// 2024-03-31 (Sunday) Berlin: 02:00 becomes 03:00; 09:00-17:00 is
		// still 8 hours, and so is 2024-10-27's.
		{"spring forward outside the hours keeps the day", Calendar{Location: berlin, Workdays: every, Hours: nineToFive},
			at(berlin, "2024-03-31 00:00"), at(berlin, "2024-04-01 00:00"), 8 * time.Hour},
		{"fall back outside the hours keeps the day", Calendar{Location: berlin, Workdays: every, Hours: nineToFive},
			at(berlin, "2024-10-27 00:00"), at(berlin, "2024-10-28 00:00"), 8 * time.Hour},
		// Hours across the change: 01:00-05:00 on the short day lasts 3
		// hours, on the long day 5.
		{"spring forward inside the hours is an hour short", Calendar{Location: berlin, Workdays: every, Hours: WorkingHours{Start: time.Hour, End: 5 * time.Hour}},
			at(berlin, "2024-03-31 00:00"), at(berlin, "2024-04-01 00:00"), 3 * time.Hour},
		{"fall back inside the hours is an hour long", Calendar{Location: berlin, Workdays: every, Hours: WorkingHours{Start: time.Hour, End: 5 * time.Hour}},
			at(berlin, "2024-10-27 00:00"), at(berlin, "2024-10-28 00:00"), 5 * time.Hour},
		{"hours to midnight", Calendar{Workdays: monFri, Hours: WorkingHours{Start: 20 * time.Hour, End: 24 * time.Hour}},
			at(time.UTC, "2024-03-05 00:00"), at(time.UTC, "2024-03-06 00:00"), 4 * time.Hour},
		{"backwards is zero", Calendar{Workdays: monFri, Hours: nineToFive},
			at(time.UTC, "2024-03-06 12:00"), at(time.UTC, "2024-03-05 12:00"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Duration(tt.from, tt.to)
			if got != tt.want {
				t.Errorf("Duration = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCalendarClock(t *testing.T) {
	monFri := [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		cal      Calendar
		from, to time.Time
		want     time.Duration
	}{
		// 8 working hours are one working day: 24h.
		{"a full day of eight hours counts 24h", Calendar{Workdays: monFri, Hours: WorkingHours{Start: 9 * time.Hour, End: 17 * time.Hour}},
			at("2024-03-05 00:00"), at("2024-03-06 00:00"), 24 * time.Hour},
		{"two hours of eight are a quarter day", Calendar{Workdays: monFri, Hours: WorkingHours{Start: 9 * time.Hour, End: 17 * time.Hour}},
			at("2024-03-05 09:00"), at("2024-03-05 11:00"), 6 * time.Hour},
		{"a week and a half day", Calendar{Workdays: monFri, Hours: WorkingHours{Start: 9 * time.Hour, End: 17 * time.Hour}},
			at("2024-03-04 00:00"), at("2024-03-11 13:00"), 5*24*time.Hour + 12*time.Hour},
		// 7.5-hour days: 3 hours are 3/7.5 = 0.4 day = 9.6h.
		{"half-hour hours", Calendar{Workdays: monFri, Hours: WorkingHours{Start: 9*time.Hour + 30*time.Minute, End: 17 * time.Hour}},
			at("2024-03-05 09:30"), at("2024-03-05 12:30"), 9*time.Hour + 36*time.Minute},
		{"the whole day is not scaled", Calendar{Workdays: monFri},
			at("2024-03-05 09:00"), at("2024-03-05 11:00"), 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Clock()(tt.from, tt.to)
			if got != tt.want {
				t.Errorf("Clock = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseWorkingHours(t *testing.T) {
	tests := []struct {
		in      string
		want    WorkingHours
		wantErr bool
	}{
		{in: "09:00-17:00", want: WorkingHours{Start: 9 * time.Hour, End: 17 * time.Hour}},
		{in: "8:30-16:45", want: WorkingHours{Start: 8*time.Hour + 30*time.Minute, End: 16*time.Hour + 45*time.Minute}},
		{in: "20:00-24:00", want: WorkingHours{Start: 20 * time.Hour, End: 24 * time.Hour}},
		{in: "00:00-24:00", want: WorkingHours{}},
		{in: "17:00-09:00", wantErr: true},
		{in: "09:00-09:00", wantErr: true},
		{in: "09:60-17:00", wantErr: true},
		{in: "25:00-26:00", wantErr: true},
		{in: "24:30-24:45", wantErr: true},
		{in: "9-17", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseWorkingHours(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseWorkingHours(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseWorkingHours(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if r, _ := ParseWorkingHours(got.String()); !tt.wantErr && !got.IsZero() && r != got {
				t.Errorf("String %q reads back as %+v", got.String(), r)
			}
		})
	}
}

func TestCalendarDays(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cal := Calendar{Location: berlin, Workdays: [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true},
		Hours: WorkingHours{Start: 9 * time.Hour, End: 17 * time.Hour}, Holidays: []string{"2026-12-25"}}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name            string
		t               time.Time
		workday, inHour bool
	}{
		{"a Thursday morning", at("2026-12-24 09:00"), true, true},
		{"a Thursday at the end of the hours", at("2026-12-24 17:00"), true, false},
		{"a Thursday before the hours", at("2026-12-24 08:59"), true, false},
		{"a holiday", at("2026-12-25 10:00"), false, false},
		{"a Saturday", at("2026-12-26 10:00"), false, false},
		// 2026-12-24 23:30 UTC is already the 25th in Berlin.
		{"days are the zone's", time.Date(2026, 12, 24, 23, 30, 0, 0, time.UTC), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.IsWorkingDay(tt.t); got != tt.workday {
				t.Errorf("IsWorkingDay = %v, want %v", got, tt.workday)
			}
			if got := cal.InWorkingHours(tt.t); got != tt.inHour {
				t.Errorf("InWorkingHours = %v, want %v", got, tt.inHour)
			}
		})
	}
}

// Evaluate measures in the team's hours and holidays: the stalled rule's
// idle days are working hours over the day's length.
func TestEvaluateWorkingHours(t *testing.T) {
	nineToFive := WorkingHours{Start: 9 * time.Hour, End: 17 * time.Hour}
	tests := []struct {
		name     string
		hours    WorkingHours
		holidays []string
		want     []view
	}{
		// Wednesday 18th 09-17 (8h), Thursday to Tuesday (4 x 8h), the
		// 25th 09-12 (3h): 43h of 8-hour days = 5.375 days.
		{name: "idle since Wednesday 00:00 counts 43 working hours, 5.375 days: stalled", hours: nineToFive,
			want: []view{{Key: "stalled:A-1", Level: "mention", Who: []string{ana},
				Numbers: map[string]float64{"idle_days": 5.375, "stalled_after_days": 5}}}},
		{name: "a holiday on Thursday 19th leaves 35 hours, 4.375 days: not stalled", hours: nineToFive,
			holidays: []string{"2026-11-19"}},
		{name: "without hours the same item is 5.5 whole days idle",
			want: []view{{Key: "stalled:A-1", Level: "mention", Who: []string{ana},
				Numbers: map[string]float64{"idle_days": 5.5, "stalled_after_days": 5}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := RulesInput{Workflow: rulesFlow(), Items: append(rulesHistory(), wip("A-1", nov(18, 0))),
				Hours: tt.hours, Holidays: tt.holidays}
			got := viewsOf(Evaluate(in, rnow), RuleStalled)
			if diff := cmp.Diff(got, tt.want, approx); diff != "" {
				t.Errorf("stalled nudges (-got +want):\n%s", diff)
			}
		})
	}
}
