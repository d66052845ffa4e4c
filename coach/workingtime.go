package coach

import "time"

// WorkingDuration is the part of [from, to) that falls on working days in
// loc (nil means UTC). workdays is indexed by time.Weekday. A working day
// counts whole, midnight to midnight in loc (23 or 25 hours across a
// daylight-saving change); a non-working day counts nothing. It is 0 when
// to is not after from.
func WorkingDuration(from, to time.Time, loc *time.Location, workdays [7]bool) time.Duration {
	if !to.After(from) {
		return 0
	}
	if loc == nil {
		loc = time.UTC
	}
	var total time.Duration
	y, m, d := from.In(loc).Date()
	for start := time.Date(y, m, d, 0, 0, 0, 0, loc); start.Before(to); {
		next := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		if workdays[start.Weekday()] {
			lo, hi := later(start, from), earlier(next, to)
			if hi.After(lo) {
				total += hi.Sub(lo)
			}
		}
		y, m, d = next.Date()
		start = next
	}
	return total
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

// WorkingTime is the Clock of WorkingDuration in loc with workdays.
func WorkingTime(loc *time.Location, workdays [7]bool) Clock {
	return func(from, to time.Time) time.Duration { return WorkingDuration(from, to, loc, workdays) }
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
