package coach

import (
	"strings"
	"time"
)

// Sent is what was last posted for one nudge Key.
type Sent struct {
	Key   string
	Level Level
	At    time.Time // when it was posted
	Since time.Time // the episode it was about (Nudge.Since)
	// OnIt is when someone pressed "On it"; zero: nobody did.
	OnIt time.Time
}

// SentOf is the record of posting n at now.
func SentOf(n Nudge, now time.Time) Sent {
	return Sent{Key: n.Key, Level: n.Level, At: now, Since: n.Since}
}

// Quiet are the snoozes that hold a nudge back, as of the decision.
type Quiet struct {
	PausedUntil  time.Time // the team's pause (/flow pause)
	SnoozedUntil time.Time // this nudge's subject (/flow snooze, the Snooze buttons)
	// Away is until when each person is away (/flow away).
	Away map[Person]time.Time
}

// Reasons Decide gives; "snoozed until" and "paused until" are followed by
// the time.
const (
	ReasonFirst         = "first notification"
	ReasonRepeat        = "repeat after a working day"
	ReasonEscalated     = "escalated"
	ReasonSameLevel     = "same level within a working day"
	ReasonOnce          = "sent once"
	ReasonOnIt          = "on it: quiet until the item moves"
	ReasonAway          = "away"
	ReasonNotWorkingDay = "not a working day"
	ReasonOutsideHours  = "outside working hours"
	// ReasonRepeatWait holds a nudge last posted on an earlier working day
	// when repeat_every has not passed since.
	ReasonRepeatWait = "repeated less than repeat_every ago"
)

// DefaultRepeatEvery is how long a nudge waits before it repeats when the
// team does not say (repeat_every): one working day.
const DefaultRepeatEvery = 24 * time.Hour

// Decide says whether n is posted at now, and why (docs/coaching.md,
// "Posting once"). prev is what was last posted for n.Key (nil: never).
// cal is the team's working calendar; as in RulesInput, a nil Location is
// UTC and Workdays all false is Monday to Friday. repeatEvery is the
// team's repeat_every in working time, days of 24 hours as Calendar.Clock
// measures them; 0 or less: DefaultRepeatEvery.
func Decide(prev *Sent, n Nudge, q Quiet, now time.Time, cal Calendar, repeatEvery time.Duration) (post bool, reason string) {
	if cal.Location == nil {
		cal.Location = time.UTC
	}
	if cal.Workdays == ([7]bool{}) {
		cal.Workdays = [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	}
	if repeatEvery <= 0 {
		repeatEvery = DefaultRepeatEvery
	}
	loc := cal.Location
	switch {
	case q.PausedUntil.After(now):
		return false, "paused until " + q.PausedUntil.In(loc).Format("Mon 2 Jan 15:04")
	case q.SnoozedUntil.After(now):
		return false, "snoozed until " + q.SnoozedUntil.In(loc).Format("Mon 2 Jan 15:04")
	case prev != nil && !prev.OnIt.IsZero() && !n.Moved.After(prev.OnIt):
		return false, ReasonOnIt
	case allAway(n.Who, q.Away, now):
		return false, ReasonAway
	case !cal.IsWorkingDay(now):
		return false, ReasonNotWorkingDay
	case !cal.InWorkingHours(now):
		return false, ReasonOutsideHours
	case prev == nil || !prev.Since.Equal(n.Since):
		return true, ReasonFirst
	case n.Once:
		return false, ReasonOnce
	case n.Level > prev.Level:
		return true, ReasonEscalated
	case dateOf(now, loc) <= dateOf(prev.At, loc):
		return false, ReasonSameLevel
	case cal.Clock()(cal.dayStart(prev.At), now) < repeatEvery:
		return false, ReasonRepeatWait
	}
	return true, ReasonRepeat
}

// allAway reports whether who is not empty and every one of them is away
// at now.
func allAway(who []Person, away map[Person]time.Time, now time.Time) bool {
	if len(who) == 0 {
		return false
	}
	for _, p := range who {
		if !awayAt(p, away, now) {
			return false
		}
	}
	return true
}

func awayAt(p Person, away map[Person]time.Time, now time.Time) bool {
	for q, until := range away {
		if q.Source == p.Source && strings.EqualFold(q.Name, p.Name) && until.After(now) {
			return true
		}
	}
	return false
}

// Present are the people of who not away at now, in order: those a
// posted nudge mentions.
func Present(who []Person, away map[Person]time.Time, now time.Time) []Person {
	var out []Person
	for _, p := range who {
		if !awayAt(p, away, now) {
			out = append(out, p)
		}
	}
	return out
}

// dateOf is t's calendar date in loc as a comparable number.
func dateOf(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return y*10000 + int(m)*100 + d
}
