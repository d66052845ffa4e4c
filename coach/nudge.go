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
)

// Decide says whether n is posted at now, and why (docs/coaching.md,
// "Posting once"). prev is what was last posted for n.Key (nil: never);
// loc and workdays are the team's working days (nil: UTC; all false:
// Monday to Friday).
func Decide(prev *Sent, n Nudge, q Quiet, now time.Time, loc *time.Location, workdays [7]bool) (post bool, reason string) {
	if loc == nil {
		loc = time.UTC
	}
	if workdays == ([7]bool{}) {
		workdays = [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	}
	switch {
	case q.PausedUntil.After(now):
		return false, "paused until " + q.PausedUntil.In(loc).Format("Mon 2 Jan 15:04")
	case q.SnoozedUntil.After(now):
		return false, "snoozed until " + q.SnoozedUntil.In(loc).Format("Mon 2 Jan 15:04")
	case prev != nil && !prev.OnIt.IsZero() && !n.Moved.After(prev.OnIt):
		return false, ReasonOnIt
	case allAway(n.Who, q.Away, now):
		return false, ReasonAway
	case !workdays[now.In(loc).Weekday()]:
		return false, ReasonNotWorkingDay
	case prev == nil || !prev.Since.Equal(n.Since):
		return true, ReasonFirst
	case n.Once:
		return false, ReasonOnce
	case n.Level > prev.Level:
		return true, ReasonEscalated
	case dateOf(now, loc) > dateOf(prev.At, loc):
		return true, ReasonRepeat
	}
	return false, ReasonSameLevel
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
