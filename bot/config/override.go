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
	}
	for _, st := range t.Stages {
		s.Stages = append(s.Stages, Stage{Name: st.Name, Active: slices.Clone(st.Active), Wait: slices.Clone(st.Wait), Done: slices.Clone(st.Done)})
	}
	return s
}

// apply sets the team's keys that s holds.
func (t *Team) apply(s TeamSettings) {
	n := s.Settings()
	t.ID, t.Name, t.Channel, t.Timezone = n.ID, n.Name, n.Channel, n.Timezone
	t.Jira.JQL = n.JQL
	t.GitHub.Repos = n.Repos
	t.Stages = n.Stages
	t.WIPLimit = n.WIPLimit
	t.WorkingDays = n.WorkingDays
}

// Settings returns a copy of s, sharing nothing with it.
func (s TeamSettings) Settings() TeamSettings {
	t := Team{ID: s.ID, Name: s.Name, Channel: s.Channel, Timezone: s.Timezone, WIPLimit: s.WIPLimit,
		Jira: TeamJira{JQL: s.JQL}, GitHub: TeamGitHub{Repos: s.Repos}, Stages: s.Stages, WorkingDays: s.WorkingDays}
	return t.Settings()
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
			t.apply(o)
			t.setDefaults(positions{lines: map[string]int{}}, "")
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
	add("id", old.ID, new.ID)
	add("name", old.Name, new.Name)
	add("channel", old.Channel, new.Channel)
	add("jira.jql", old.JQL, new.JQL)
	add("github.repos", list(old.Repos), list(new.Repos))
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
	}
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	add("wip_limit", num(old.WIPLimit), num(new.WIPLimit))
	add("timezone", old.Timezone, new.Timezone)
	add("working_days", list(old.WorkingDays), list(new.WorkingDays))
	return cs
}
