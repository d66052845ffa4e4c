package coach

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// WorkingDuration is the part of [from, to) that falls on working days in
// loc (nil means UTC). workdays is indexed by time.Weekday. A working day
// counts whole, midnight to midnight in loc (23 or 25 hours across a
// daylight-saving change); a non-working day counts nothing. It is 0 when
// to is not after from. It is Calendar{Location: loc, Workdays:
// workdays}.Duration.
func WorkingDuration(from, to time.Time, loc *time.Location, workdays [7]bool) time.Duration {
	return Calendar{Location: loc, Workdays: workdays}.Duration(from, to)
}

// WorkingHours are the hours of a working day, as offsets from midnight
// in the team's zone: [Start, End). The zero value is the whole day.
type WorkingHours struct {
	Start, End time.Duration
}

// IsZero reports the whole day.
func (h WorkingHours) IsZero() bool { return h == WorkingHours{} }

// Length is the hours' span: End - Start, or 24h for the whole day.
func (h WorkingHours) Length() time.Duration {
	if h.IsZero() {
		return 24 * time.Hour
	}
	return h.End - h.Start
}

// String is "HH:MM-HH:MM", or "" for the whole day.
func (h WorkingHours) String() string {
	if h.IsZero() {
		return ""
	}
	hm := func(d time.Duration) string {
		return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return hm(h.Start) + "-" + hm(h.End)
}

var hoursPattern = regexp.MustCompile(`^([0-9]{1,2}):([0-9]{2})-([0-9]{1,2}):([0-9]{2})$`)

// ParseWorkingHours reads "09:00-17:00": a start and an end on the same
// day, 00:00 to 24:00, the start before the end, whole minutes.
// "00:00-24:00" is the whole day (the zero WorkingHours).
func ParseWorkingHours(s string) (WorkingHours, error) {
	m := hoursPattern.FindStringSubmatch(s)
	if m == nil {
		return WorkingHours{}, fmt.Errorf("working hours %q: want HH:MM-HH:MM such as 09:00-17:00", s)
	}
	var v [4]int
	for i := range v {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	if v[1] > 59 || v[3] > 59 || v[0] > 24 || v[2] > 24 || (v[0] == 24 && v[1] > 0) || (v[2] == 24 && v[3] > 0) {
		return WorkingHours{}, fmt.Errorf("working hours %q: a time of day is out of range", s)
	}
	h := WorkingHours{
		Start: time.Duration(v[0])*time.Hour + time.Duration(v[1])*time.Minute,
		End:   time.Duration(v[2])*time.Hour + time.Duration(v[3])*time.Minute,
	}
	if h.End <= h.Start {
		return WorkingHours{}, fmt.Errorf("working hours %q: the start is not before the end", s)
	}
	if h.Start == 0 && h.End == 24*time.Hour {
		return WorkingHours{}, nil
	}
	return h, nil
}

// Calendar is a team's working time: its zone, working days, working
// hours and holidays (docs/coaching.md, "Working time").
type Calendar struct {
	Location *time.Location // nil: UTC
	Workdays [7]bool        // by time.Weekday; taken as given (all false: no working day)
	Hours    WorkingHours   // zero: the whole day
	// Holidays are dates (YYYY-MM-DD) in Location that are not working
	// days whatever their weekday; entries that do not read as dates are
	// ignored.
	Holidays []string
}

func (c Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

func (c Calendar) holidays() map[string]bool {
	if len(c.Holidays) == 0 {
		return nil
	}
	out := make(map[string]bool, len(c.Holidays))
	for _, d := range c.Holidays {
		out[d] = true
	}
	return out
}

// dayBounds are the working hours of the calendar day starting at
// midnight y-m-d in loc, as instants. Wall-clock times that a
// daylight-saving change skips or repeats are resolved as time.Date does,
// so the span is the elapsed time between the two wall-clock readings.
func (c Calendar) dayBounds(y int, m time.Month, d int, loc *time.Location) (lo, hi time.Time) {
	if c.Hours.IsZero() {
		return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	at := func(off time.Duration) time.Time {
		if off == 24*time.Hour {
			return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		}
		return time.Date(y, m, d, int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, loc)
	}
	return at(c.Hours.Start), at(c.Hours.End)
}

// Duration is the working time in [from, to): the part of it inside the
// working hours of working days that are not holidays, in the calendar's
// zone. 0 when to is not after from.
func (c Calendar) Duration(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	loc := c.loc()
	hol := c.holidays()
	var total time.Duration
	y, m, d := from.In(loc).Date()
	for start := time.Date(y, m, d, 0, 0, 0, 0, loc); start.Before(to); {
		next := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		if c.Workdays[start.Weekday()] && !hol[start.Format(time.DateOnly)] {
			wlo, whi := c.dayBounds(y, m, d, loc)
			lo, hi := later(wlo, from), earlier(whi, to)
			if hi.After(lo) {
				total += hi.Sub(lo)
			}
		}
		y, m, d = next.Date()
		start = next
	}
	return total
}

// IsWorkingDay reports whether t falls on a working day that is not a
// holiday, in the calendar's zone.
func (c Calendar) IsWorkingDay(t time.Time) bool {
	t = t.In(c.loc())
	if !c.Workdays[t.Weekday()] {
		return false
	}
	return !c.holidays()[t.Format(time.DateOnly)]
}

// InWorkingHours reports whether t is working time: on a working day and
// within its working hours.
func (c Calendar) InWorkingHours(t time.Time) bool {
	if !c.IsWorkingDay(t) {
		return false
	}
	y, m, d := t.In(c.loc()).Date()
	lo, hi := c.dayBounds(y, m, d, c.loc())
	return !t.Before(lo) && t.Before(hi)
}

// dayStart is the start of the working hours of t's date in the
// calendar's zone, or t when that is earlier. A repeat counts from it, so
// a post that went out a few minutes late one day does not hold back the
// next day's at the usual time.
func (c Calendar) dayStart(t time.Time) time.Time {
	loc := c.loc()
	y, m, d := t.In(loc).Date()
	lo, _ := c.dayBounds(y, m, d, loc)
	return earlier(lo, t)
}

// Clock is the calendar's working time in working days of 24 hours: the
// Duration scaled by 24h / Hours.Length(), so a full working day counts
// 24h whatever its hours, and the thresholds and days of docs/coaching.md
// ("5 working days", daysOf) keep one meaning. With the whole day it is
// Duration itself.
func (c Calendar) Clock() Clock {
	day := c.Hours.Length()
	return func(from, to time.Time) time.Duration {
		return scaleToDay(c.Duration(from, to), day)
	}
}

// scaleToDay is d * 24h / day without overflow: whole days exactly, the
// rest in minutes (working hours are whole minutes).
func scaleToDay(d, day time.Duration) time.Duration {
	const full = 24 * time.Hour
	if day == full || day <= 0 {
		return d
	}
	whole, rest := d/day, d%day
	if day%time.Minute != 0 {
		return whole*full + time.Duration(float64(rest)*float64(full)/float64(day))
	}
	return whole*full + time.Duration(int64(rest)*int64(full/time.Minute)/int64(day/time.Minute))
}

// Clock measures the time between two instants: calendar time, or working
// time. It returns 0 when to is not after from.
type Clock func(from, to time.Time) time.Duration

// CalendarTime is the Clock of elapsed time.
func CalendarTime(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	return to.Sub(from)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
