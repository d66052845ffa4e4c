package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
)

// The default schedules of issue 4, cron in the team's time zone.
const (
	DefaultFlowCheckSchedule = "15 9 * * 1-5"
	DefaultStandupSchedule   = "30 9 * * 1-5"
	DefaultDigestSchedule    = "0 9 * * 1"
	// DefaultCatchUp is how late a missed scheduled run may still run
	// after a restart.
	DefaultCatchUp = 30 * time.Minute
)

// Schedules are the team's posting jobs, each a cron expression (five
// fields) read in the team's time zone. A job that is absent takes its
// default; one set to "" is switched off.
type Schedules struct {
	FlowCheck Schedule `yaml:"flow_check,omitempty"`
	Standup   Schedule `yaml:"standup,omitempty"`
	Digest    Schedule `yaml:"digest,omitempty"`
}

// Schedule is one job's cron expression as the file gives it; the zero
// Schedule is "absent".
type Schedule struct {
	Spec string
	Set  bool // the file gives the key, perhaps as "" (off)
}

// UnmarshalYAML reads a cron expression, or "" for off.
func (s *Schedule) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New(`expected a cron expression such as "15 9 * * 1-5", or "" to switch the job off`)
	}
	s.Spec, s.Set = strings.TrimSpace(n.Value), true
	return nil
}

// MarshalYAML writes the expression as given.
func (s Schedule) MarshalYAML() (any, error) { return s.Spec, nil }

// IsZero reports an absent schedule, so it is left out when written.
func (s Schedule) IsZero() bool { return !s.Set }

// Or is the expression to run: the file's, or def when absent; "" is off.
func (s Schedule) Or(def string) string {
	if !s.Set {
		return def
	}
	return s.Spec
}

// FlowCheckSpec, StandupSpec and DigestSpec are the team's cron
// expressions with the defaults applied; "" means the job is off.
func (t *Team) FlowCheckSpec() string { return t.Schedules.FlowCheck.Or(DefaultFlowCheckSchedule) }

// StandupSpec: see FlowCheckSpec.
func (t *Team) StandupSpec() string { return t.Schedules.Standup.Or(DefaultStandupSchedule) }

// DigestSpec: see FlowCheckSpec.
func (t *Team) DigestSpec() string { return t.Schedules.Digest.Or(DefaultDigestSchedule) }

// CatchUpWindow is catch_up, or DefaultCatchUp when absent.
func (t *Team) CatchUpWindow() time.Duration {
	if t.CatchUp.Duration == 0 {
		return DefaultCatchUp
	}
	return t.CatchUp.Duration
}

// RepeatInterval is repeat_every, or coach.DefaultRepeatEvery when absent:
// the working time after which a nudge that still holds is posted again.
func (t *Team) RepeatInterval() time.Duration {
	if t.RepeatEvery.Duration == 0 {
		return coach.DefaultRepeatEvery
	}
	return t.RepeatEvery.Duration
}

// WorkDuration is a span of working time written as days or hours, such
// as 5d, 1.5d or 36h ("working day" as docs/coaching.md counts it: 24h of
// working time). The zero value is "absent": the rule's default.
type WorkDuration struct{ time.Duration }

var workDurationPattern = regexp.MustCompile(`^([0-9]{1,4}(?:\.[0-9]{1,3})?)([dh])$`)

// UnmarshalYAML reads 5d, 1.5d or 36h.
func (d *WorkDuration) UnmarshalYAML(n *yaml.Node) error {
	const msg = "expected working time such as 5d (working days) or 36h"
	if n.Kind != yaml.ScalarNode {
		return errors.New(msg)
	}
	m := workDurationPattern.FindStringSubmatch(strings.TrimSpace(n.Value))
	if m == nil {
		return fmt.Errorf("%s, found %q", msg, n.Value)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	unit := time.Hour
	if m[2] == "d" {
		unit = 24 * time.Hour
	}
	d.Duration = time.Duration(v * float64(unit))
	return nil
}

// MarshalYAML writes whole days as 5d, anything else in hours.
func (d WorkDuration) MarshalYAML() (any, error) {
	if d.Duration%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d.Duration/(24*time.Hour)), nil
	}
	return strconv.FormatFloat(d.Hours(), 'f', -1, 64) + "h", nil
}

// IsZero reports an absent duration.
func (d WorkDuration) IsZero() bool { return d.Duration == 0 }

// cronParser reads the five standard fields and the descriptors
// (@daily); the zone is always the team's.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule reads a team's cron expression in loc.
func ParseSchedule(spec string, loc *time.Location) (cron.Schedule, error) {
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		return nil, errors.New("the time zone comes from the team's timezone; leave CRON_TZ out")
	}
	if strings.HasPrefix(spec, "@every") {
		return nil, errors.New("@every is not a time of day; use five cron fields such as \"15 9 * * 1-5\"")
	}
	s, err := cronParser.Parse(spec)
	if err != nil {
		return nil, err
	}
	if ss, ok := s.(*cron.SpecSchedule); ok {
		ss.Location = loc
	}
	return s, nil
}

// validateNudges checks the keys of issue 4's coaching.
func (t *Team) validateNudges(team string) Problems {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	for _, j := range []struct {
		key string
		s   Schedule
		def string
	}{{"flow_check", t.Schedules.FlowCheck, DefaultFlowCheckSchedule}, {"standup", t.Schedules.Standup, DefaultStandupSchedule}, {"digest", t.Schedules.Digest, DefaultDigestSchedule}} {
		if j.s.Spec == "" {
			continue
		}
		if _, err := ParseSchedule(j.s.Spec, time.UTC); err != nil {
			add(team+".schedules."+j.key, "%q is not a schedule (%v); write five cron fields in the team's time zone, such as %q, or \"\" to switch it off (off in the /flow setup form)", j.s.Spec, err, j.def)
		}
	}
	for _, d := range []struct {
		key, example string
		v            WorkDuration
	}{{"stalled_after", "5d", t.StalledAfter}, {"blocked_after", "2d", t.BlockedAfter}, {"repeat_every", "1d", t.RepeatEvery}} {
		if d.v.Duration < 0 || (d.v.Duration > 0 && d.v.Duration < time.Hour) {
			add(team+"."+d.key, "%s is too short; use working days such as %s, or leave it out for the default", d.v.Duration, d.example)
		}
	}
	if t.MaxPoints < 0 {
		add(team+".max_points", "%d is negative; use an estimate such as 8, or leave it out for no estimate check", t.MaxPoints)
	}
	if c := t.CatchUp.Duration; c < 0 || c > 24*time.Hour {
		add(team+".catch_up", "%s is out of range; use up to 24h, such as 30m", c)
	}
	return ps
}
