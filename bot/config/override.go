package config

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// TeamSettings are the settings of one team that can be made from Slack
// (/flow setup). Stored as an override, they replace the same keys of the
// file's team with that id, or add a team the file does not have; every
// other key keeps the file's value (or its default).
type TeamSettings struct {
	ID          string   `yaml:"id"`
	Name        string   `yaml:"name"`
	Channel     string   `yaml:"channel"`
	JQL         string   `yaml:"jql"`
	Repos       []string `yaml:"repos"`
	Stages      []Stage  `yaml:"stages"`
	WIPLimit    int      `yaml:"wip_limit"`
	Timezone    string   `yaml:"timezone"`
	WorkingDays []string `yaml:"working_days"`
	// Coaching is nil in settings stored before the form edited these
	// keys: the file's values stand for them rather than the defaults.
	Coaching *CoachingSettings `yaml:",inline"`
}

// CoachingSettings are the keys of issue 4's coaching that the setup form
// edits, with the file's meaning: a zero value is the key left out (its
// default), and each schedule keeps its three states (absent: the
// default; "": off; a cron expression). No key is omitted when stored, so
// settings that leave every one out still read back as set.
type CoachingSettings struct {
	Schedules    Schedules    `yaml:"schedules"`
	StalledAfter WorkDuration `yaml:"stalled_after"`
	BlockedAfter WorkDuration `yaml:"blocked_after"`
	RepeatEvery  WorkDuration `yaml:"repeat_every"`
	MaxPoints    int          `yaml:"max_points"`
	// MaxPRLines is github.max_pr_lines; 0 (left empty in the form) is
	// DefaultMaxPRLines, as an absent key is in the file.
	MaxPRLines   int      `yaml:"max_pr_lines"`
	WorkingHours string   `yaml:"working_hours"`
	Holidays     []string `yaml:"holidays"`
}

// Settings returns the team's keys that setup from Slack edits.
func (t *Team) Settings() TeamSettings {
	s := TeamSettings{
		ID:          t.ID,
		Name:        t.Name,
		Channel:     t.Channel,
		JQL:         t.Jira.JQL,
		Repos:       slices.Clone(t.GitHub.Repos),
		WIPLimit:    t.WIPLimit,
		Timezone:    t.Timezone,
		WorkingDays: slices.Clone(t.WorkingDays),
		Coaching: &CoachingSettings{
			Schedules:    t.Schedules,
			StalledAfter: t.StalledAfter,
			BlockedAfter: t.BlockedAfter,
			RepeatEvery:  t.RepeatEvery,
			MaxPoints:    t.MaxPoints,
			MaxPRLines:   t.GitHub.MaxPRLines,
			WorkingHours: t.WorkingHours,
			Holidays:     slices.Clone(t.Holidays),
		},
	}
	s.Stages = cloneStages(t.Stages)
	return s
}

func cloneStages(stages []Stage) []Stage {
	var out []Stage
	for _, st := range stages {
		out = append(out, Stage{Name: st.Name, Active: slices.Clone(st.Active), Wait: slices.Clone(st.Wait),
			Done: slices.Clone(st.Done), WIPLimit: st.WIPLimit})
	}
	return out
}

// apply sets the team's keys that s holds, sharing nothing with s.
func (t *Team) apply(s TeamSettings) {
	t.ID, t.Name, t.Channel, t.Timezone = s.ID, s.Name, s.Channel, s.Timezone
	t.Jira.JQL = s.JQL
	t.GitHub.Repos = slices.Clone(s.Repos)
	t.Stages = cloneStages(s.Stages)
	t.WIPLimit = s.WIPLimit
	t.WorkingDays = slices.Clone(s.WorkingDays)
	if c := s.Coaching; c != nil {
		t.Schedules = c.Schedules
		t.StalledAfter, t.BlockedAfter, t.RepeatEvery = c.StalledAfter, c.BlockedAfter, c.RepeatEvery
		t.MaxPoints = c.MaxPoints
		t.GitHub.MaxPRLines = c.MaxPRLines
		t.WorkingHours = c.WorkingHours
		t.Holidays = slices.Clone(c.Holidays)
	}
}

// Settings returns a copy of s, sharing nothing with it.
func (s TeamSettings) Settings() TeamSettings {
	var t Team
	t.apply(s)
	out := t.Settings()
	if s.Coaching == nil {
		out.Coaching = nil
	}
	return out
}

// ParseWorkDuration reads working time as the file's stalled_after,
// blocked_after and repeat_every are read (5d, 1.5d, 36h), with the same
// message for what does not read; "" is the zero (absent) duration.
func ParseWorkDuration(text string) (WorkDuration, error) {
	var d WorkDuration
	if strings.TrimSpace(text) == "" {
		return d, nil
	}
	err := d.UnmarshalYAML(&yaml.Node{Kind: yaml.ScalarNode, Value: text})
	return d, err
}

// Apply returns the effective configuration: file with the overrides
// applied in order, validated exactly as Parse validates a file. file is
// not changed. On failure the error is Problems, with paths into the
// effective configuration (teams[3].channel); TeamIndex says which team an
// override became.
func Apply(file *Config, overrides []TeamSettings) (*Config, error) {
	c := *file
	c.Admins = slices.Clone(file.Admins)
	c.Jira.ExcludeResolutions = slices.Clone(file.Jira.ExcludeResolutions)
	c.Teams = make([]Team, len(file.Teams))
	copy(c.Teams, file.Teams)
	for _, o := range overrides {
		t, ok := c.Team(o.ID)
		if !ok {
			c.Teams = append(c.Teams, Team{})
			t = &c.Teams[len(c.Teams)-1]
			// Defaults first: the override's own keys win over them.
			t.setDefaults(positions{lines: map[string]int{}}, "")
			t.apply(o)
		} else {
			t.apply(o)
		}
		// Left empty in the form: the defaults a file gets when it leaves
		// the key out.
		if t.Name == "" {
			t.Name = t.ID
		}
		if t.Timezone == "" {
			t.Timezone = c.Timezone
		}
		if len(t.WorkingDays) == 0 {
			t.WorkingDays = DefaultWorkingDays()
		}
		if t.GitHub.MaxPRLines == 0 {
			t.GitHub.MaxPRLines = DefaultMaxPRLines
		}
	}
	if ps := c.Validate(); len(ps) > 0 {
		ps.sort()
		return nil, ps
	}
	return &c, nil
}

// TeamIndex is the index of the team with the given id in c.Teams, or -1.
func (c *Config) TeamIndex(id string) int {
	for i := range c.Teams {
		if c.Teams[i].ID == id {
			return i
		}
	}
	return -1
}

// IsAdmin reports whether a Slack user is listed under admins.
func (c *Config) IsAdmin(user string) bool {
	return user != "" && slices.Contains(c.Admins, user)
}

// Marshal writes the configuration as YAML that Parse reads back to the
// same configuration: `flowbot config export`.
func Marshal(c *Config) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# flowbot configuration: the file with the settings made in Slack applied.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("encoding config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding config: %w", err)
	}
	return buf.Bytes(), nil
}

// MarshalSettings encodes team settings for storage.
func MarshalSettings(s TeamSettings) ([]byte, error) {
	b, err := yaml.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encoding team settings: %w", err)
	}
	return b, nil
}

// ParseSettings decodes team settings written by MarshalSettings; unknown
// keys are an error.
func ParseSettings(data []byte) (TeamSettings, error) {
	var s TeamSettings
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return TeamSettings{}, fmt.Errorf("decoding team settings: %w", err)
	}
	if s.ID == "" {
		return TeamSettings{}, errors.New("decoding team settings: no id")
	}
	return s, nil
}

// Change is one setting changed: its path in the team's settings and its
// value before and after, as text ("" for absent).
type Change struct {
	Path string
	Old  string
	New  string
}

// Diff lists what changed from old to new, field by field, in a fixed
// order; stages are compared one by one.
func Diff(old, new TeamSettings) []Change {
	var cs []Change
	add := func(path, o, n string) {
		if o != n {
			cs = append(cs, Change{Path: path, Old: o, New: n})
		}
	}
	list := func(l []string) string { return strings.Join(l, ", ") }
	// Settings stored before the form edited coaching keys compare as
	// leaving them out.
	var oc, nc CoachingSettings
	if old.Coaching != nil {
		oc = *old.Coaching
	}
	if new.Coaching != nil {
		nc = *new.Coaching
	}
	add("id", old.ID, new.ID)
	add("name", old.Name, new.Name)
	add("channel", old.Channel, new.Channel)
	add("jira.jql", old.JQL, new.JQL)
	add("github.repos", list(old.Repos), list(new.Repos))
	add("github.max_pr_lines", num(oc.MaxPRLines), num(nc.MaxPRLines))
	for i := range max(len(old.Stages), len(new.Stages)) {
		var o, n Stage
		if i < len(old.Stages) {
			o = old.Stages[i]
		}
		if i < len(new.Stages) {
			n = new.Stages[i]
		}
		p := "stages[" + strconv.Itoa(i) + "]"
		add(p+".name", o.Name, n.Name)
		add(p+".active", list(o.Active), list(n.Active))
		add(p+".wait", list(o.Wait), list(n.Wait))
		add(p+".done", list(o.Done), list(n.Done))
		add(p+".wip_limit", num(o.WIPLimit), num(n.WIPLimit))
	}
	add("wip_limit", num(old.WIPLimit), num(new.WIPLimit))
	add("timezone", old.Timezone, new.Timezone)
	add("working_days", list(old.WorkingDays), list(new.WorkingDays))
	add("working_hours", oc.WorkingHours, nc.WorkingHours)
	add("holidays", list(oc.Holidays), list(nc.Holidays))
	add("schedules.flow_check", ScheduleText(oc.Schedules.FlowCheck), ScheduleText(nc.Schedules.FlowCheck))
	add("schedules.standup", ScheduleText(oc.Schedules.Standup), ScheduleText(nc.Schedules.Standup))
	add("schedules.digest", ScheduleText(oc.Schedules.Digest), ScheduleText(nc.Schedules.Digest))
	add("stalled_after", WorkDurationText(oc.StalledAfter), WorkDurationText(nc.StalledAfter))
	add("blocked_after", WorkDurationText(oc.BlockedAfter), WorkDurationText(nc.BlockedAfter))
	add("repeat_every", WorkDurationText(oc.RepeatEvery), WorkDurationText(nc.RepeatEvery))
	add("max_points", num(oc.MaxPoints), num(nc.MaxPoints))
	return cs
}

// ScheduleOff is how a schedule switched off ("" in the file) is written
// where an empty text would read as absent: in the setup form and in
// Diff.
const ScheduleOff = "off"

// ScheduleText writes a schedule as the setup form shows it: "" when
// absent (the default), ScheduleOff when switched off, else the cron
// expression.
func ScheduleText(s Schedule) string {
	switch {
	case !s.Set:
		return ""
	case s.Spec == "":
		return ScheduleOff
	}
	return s.Spec
}

// ParseScheduleText reads a schedule as ScheduleText writes it; ScheduleOff
// may be in any case. The expression is checked by Validate, as the
// file's is.
func ParseScheduleText(text string) Schedule {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return Schedule{}
	case strings.EqualFold(text, ScheduleOff):
		return Schedule{Set: true}
	}
	return Schedule{Spec: text, Set: true}
}

// WorkDurationText writes working time as the file does (5d, 36h); "" for
// the zero (absent) duration.
func WorkDurationText(d WorkDuration) string {
	if d.IsZero() {
		return ""
	}
	v, _ := d.MarshalYAML()
	return v.(string)
}

func num(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
