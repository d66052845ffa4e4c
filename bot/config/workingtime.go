package config

import (
	"fmt"
	"time"

	"github.com/flowbot/flowbot/coach"
)

// DefaultWorkingHours are the working hours when working_hours is absent.
const DefaultWorkingHours = "09:00-17:00"

// Hours are the team's working hours (docs/coaching.md, "Working time"):
// working_hours, or DefaultWorkingHours when absent or unreadable (Validate
// reports the unreadable).
func (t *Team) Hours() coach.WorkingHours {
	if t.WorkingHours != "" {
		if h, err := coach.ParseWorkingHours(t.WorkingHours); err == nil {
			return h
		}
	}
	h, _ := coach.ParseWorkingHours(DefaultWorkingHours)
	return h
}

// Calendar is the team's working time: its zone, working days, working
// hours and holidays.
func (t *Team) Calendar() coach.Calendar {
	var hol []string
	for _, d := range t.Holidays {
		if _, err := time.Parse(time.DateOnly, d); err == nil {
			hol = append(hol, d)
		}
	}
	return coach.Calendar{Location: t.Location(), Workdays: t.Workdays(), Hours: t.Hours(), Holidays: hol}
}

// Clock is the team's working time as the coaching and the answers
// measure it: Calendar().Clock(), days of 24 hours of working time within
// its working days, hours and holidays.
func (t *Team) Clock() coach.Clock {
	return t.Calendar().Clock()
}

// StageWIPLimits are the stages' wip_limit by stage name, those set only;
// nil when none is.
func (t *Team) StageWIPLimits() map[string]int {
	var out map[string]int
	for _, s := range t.Stages {
		if s.WIPLimit > 0 {
			if out == nil {
				out = map[string]int{}
			}
			out[s.Name] = s.WIPLimit
		}
	}
	return out
}

// validateWorkingTime checks working_hours, holidays and the stages'
// wip_limit.
func (t *Team) validateWorkingTime(team string) Problems {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if t.WorkingHours != "" {
		if _, err := coach.ParseWorkingHours(t.WorkingHours); err != nil {
			add(team+".working_hours", "%v; write the start and end such as %q", err, DefaultWorkingHours)
		}
	}
	seen := map[string]int{}
	for i, d := range t.Holidays {
		here := fmt.Sprintf("%s.holidays[%d]", team, i)
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			add(here, "%q is not a date; write it as YYYY-MM-DD, such as 2026-12-25", d)
			continue
		}
		if first, dup := seen[d]; dup {
			add(here, "%s is already listed at holidays[%d]; list each date once", d, first)
			continue
		}
		seen[d] = i
	}
	for i, s := range t.Stages {
		if s.WIPLimit < 0 {
			add(fmt.Sprintf("%s.stages[%d].wip_limit", team, i), "%d is negative; use a number of items such as 3, or leave it out for no limit", s.WIPLimit)
		}
	}
	return ps
}
