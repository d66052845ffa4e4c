// Package config reads flowbot's configuration: the YAML file that says which
// teams exist, where their work lives and how their workflow reads as flow,
// and the environment that holds secrets and service endpoints.
//
// The file is decoded strictly by walking the YAML node tree rather than with
// yaml.Unmarshal, for two reasons: an operator who runs `flowbot config check`
// should see every mistake at once, not the first one, and each mistake should
// name the exact key (teams[1].timezone), its line, and the fix. Unknown keys
// are mistakes too, with a "did you mean" taken from the keys valid at that
// spot. Defaults are applied after decoding and before validation, so a
// validated Config never needs nil checks: every team has a name, a time zone
// and a loaded *time.Location.
//
// Secrets never live in the file. Env carries them from the environment and
// redacts them wherever it is printed or logged.
package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"time"
	_ "time/tzdata" // time zones must load on images without /usr/share/zoneinfo

	"gopkg.in/yaml.v3"

	"github.com/flowbot/flowbot/coach"
)

// Jira flavors.
const (
	FlavorCloud      = "cloud"
	FlavorDataCenter = "datacenter"
)

// Defaults applied by Parse when a key is absent.
const (
	DefaultTimezone     = "UTC"
	DefaultSyncInterval = 10 * time.Minute
	// MinSyncInterval keeps a fleet of teams inside Jira's and GitHub's rate
	// limits; a shorter interval buys nothing for metrics measured in days.
	MinSyncInterval = time.Minute
)

// DefaultExcludeResolutions are the resolutions that mean work was dropped
// rather than delivered, used when jira.exclude_resolutions is absent. An
// explicit empty list keeps every resolution.
func DefaultExcludeResolutions() []string {
	return []string{"Won't Do", "Duplicate", "Cannot Reproduce"}
}

// Config is the configuration file.
type Config struct {
	Timezone     string   `yaml:"timezone"`
	SyncInterval Duration `yaml:"sync_interval"`
	// HTTPAddr is where `flowbot serve` serves /healthz, /readyz and
	// /metrics (host:port). Empty when absent; see HTTPAddress.
	HTTPAddr string `yaml:"http_addr"`
	Jira     Jira   `yaml:"jira"`
	Teams    []Team `yaml:"teams"`
	// Admins are the Slack user IDs (U… or W…) who may change settings
	// from Slack besides the workspace's admins and owners.
	Admins []string `yaml:"admins,omitempty"`
}

// Jira holds settings shared by every team's Jira source.
type Jira struct {
	Flavor             string   `yaml:"flavor"`
	ExcludeResolutions []string `yaml:"exclude_resolutions"`
}

// Team is one team: where its work comes from, where it talks, and how its
// statuses map onto its value stream.
type Team struct {
	ID       string     `yaml:"id"`
	Name     string     `yaml:"name"`
	Channel  string     `yaml:"channel"` // optional: without one the team is reached by id only
	Timezone string     `yaml:"timezone"`
	Jira     TeamJira   `yaml:"jira"`
	GitHub   TeamGitHub `yaml:"github"`
	Stages   []Stage    `yaml:"stages"`
	DORA     TeamDORA   `yaml:"dora"`
	// Kinds maps Jira issue types (any case) to feature, defect, risk or
	// debt, over DefaultKinds; see KindOf.
	Kinds map[string]string `yaml:"kinds"`
	// WorkingDays are the days that count as working time, such as Mon or
	// Monday; DefaultWorkingDays when absent. See Workdays.
	WorkingDays []string `yaml:"working_days"`
	// Private keeps the team's answers in its own channel: a command
	// naming the team from anywhere else is refused. A private team needs
	// a channel.
	Private bool `yaml:"private"`
	// WIPLimit is the most items the team means to have in progress at
	// once; 0 when the team has none.
	WIPLimit int `yaml:"wip_limit,omitempty"`
	// People map the team's Slack users to who they are in Jira (display
	// name) and GitHub (login), so nudges mention them; nobody else is
	// mentioned, by name only.
	People []Person `yaml:"people,omitempty"`
	// Schedules are when the flow check, standup prompt and weekly digest
	// are posted (cron in the team's zone); see FlowCheckSpec.
	Schedules Schedules `yaml:"schedules,omitempty"`
	// StalledAfter and BlockedAfter are the stalled and blocked rules'
	// thresholds in working time; zero: the defaults of docs/coaching.md.
	StalledAfter WorkDuration `yaml:"stalled_after,omitempty"`
	BlockedAfter WorkDuration `yaml:"blocked_after,omitempty"`
	// RepeatEvery is how much working time passes before a nudge that
	// still holds is posted again (at most once per working day);
	// coach.DefaultRepeatEvery (1d) when absent. See RepeatInterval.
	RepeatEvery WorkDuration `yaml:"repeat_every,omitempty"`
	// MaxPoints is the estimate above which an item in an early stage is
	// oversized; 0: no estimate check.
	MaxPoints int `yaml:"max_points,omitempty"`
	// CatchUp is how late a scheduled post missed during a restart may
	// still go out; DefaultCatchUp when absent. See CatchUpWindow.
	CatchUp Duration `yaml:"catch_up,omitempty"`
	// WorkingHours are the hours of a working day in the team's zone,
	// "09:00-17:00"; DefaultWorkingHours when absent. See Hours.
	WorkingHours string `yaml:"working_hours,omitempty"`
	// Holidays are dates (YYYY-MM-DD, in the team's zone) that are not
	// working days. See Calendar.
	Holidays []string `yaml:"holidays,omitempty"`

	loc     *time.Location // set by Validate
	prodEnv *regexp.Regexp // set by Validate
	hotfix  *regexp.Regexp // set by Validate
}

// Person is one identity of a team: a Slack user id (U… or W…) and the
// same person's Jira display name and GitHub login, either may be empty.
type Person struct {
	Slack  string `yaml:"slack"`
	Jira   string `yaml:"jira"`
	GitHub string `yaml:"github"`
}

// TeamJira selects the team's issues.
type TeamJira struct {
	JQL string `yaml:"jql"`
	// IncidentJQL selects the team's incidents; it is run as written, never
	// combined with JQL. DefaultIncidentJQL when absent.
	IncidentJQL string `yaml:"incident_jql"`
	// PointsField is the id of the Jira field holding story points.
	// DefaultPointsField when absent.
	PointsField string `yaml:"points_field"`
}

// TeamGitHub lists the team's repositories and says how to read its pull
// requests and deployments.
type TeamGitHub struct {
	Repos []string `yaml:"repos"` // owner/name
	// ProductionEnvironment is a regular expression matching the names of
	// the deployment environments that are production.
	// DefaultProductionEnvironment when absent; see Team.ProductionEnvironment.
	ProductionEnvironment string `yaml:"production_environment"`
	// DeployWorkflow names the GitHub Actions workflow (its file name, such
	// as deploy.yml, or its name) whose successful runs on the default
	// branch are deployments. Empty when unset: there is no default.
	DeployWorkflow string `yaml:"deploy_workflow"`
	// MaxPRLines is the size (additions + deletions) above which a pull
	// request counts as too big. DefaultMaxPRLines when absent.
	MaxPRLines int `yaml:"max_pr_lines"`
	// HotfixPattern is a regular expression matching the head branch or
	// title of hotfix pull requests. DefaultHotfixPattern when absent; see
	// Team.HotfixPattern.
	HotfixPattern string `yaml:"hotfix_pattern"`
	// Bots are logins of bot accounts besides those GitHub marks as bots
	// (user type Bot, or logins ending in [bot]).
	Bots []string `yaml:"bots"`
}

// TeamDORA tunes the DORA metrics.
type TeamDORA struct {
	// AttributionWindow is how long before a failure a production
	// deployment of the same repository may be blamed for it, when nothing
	// links the two. DefaultAttributionWindow when absent.
	AttributionWindow Duration `yaml:"attribution_window"`
}

// Stage is one step of the team's value stream, in order.
type Stage struct {
	Name   string   `yaml:"name"`
	Active []string `yaml:"active"`
	Wait   []string `yaml:"wait"`
	Done   []string `yaml:"done"`
	// WIPLimit is the most items the stage means to hold at once; 0 when
	// it has none.
	WIPLimit int `yaml:"wip_limit,omitempty"`
}

// Duration is a time.Duration written in YAML as a Go duration string ("10m").
type Duration struct{ time.Duration }

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("expected a duration such as 10m or 1h30m")
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("invalid duration %q; use a Go duration such as 10m or 1h30m", n.Value)
	}
	d.Duration = v
	return nil
}

// MarshalYAML writes the duration as a Go duration string, so a Config
// written out (say, with its defaults filled in) parses back to itself.
func (d Duration) MarshalYAML() (any, error) {
	return d.String(), nil
}

// Parse decodes a configuration file strictly, applies defaults and
// validates the result. On failure the error is Problems listing every
// problem found, with YAML line numbers where the file has them.
func Parse(data []byte) (*Config, error) {
	c, pos, probs := decode(data)
	if c == nil { // the YAML itself is unreadable; nothing to validate
		return nil, probs
	}
	probs = append(probs, pos.locate(c.Validate())...)
	if len(probs) > 0 {
		probs.sort()
		return nil, probs
	}
	return c, nil
}

// Load reads and parses the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return Parse(data)
}

// Team returns the team with the given id.
func (c *Config) Team(id string) (*Team, bool) {
	for i := range c.Teams {
		if c.Teams[i].ID == id {
			return &c.Teams[i], true
		}
	}
	return nil, false
}

// TeamByChannel returns the team bound to a Slack channel ID.
func (c *Config) TeamByChannel(channel string) (*Team, bool) {
	if channel == "" {
		return nil, false
	}
	for i := range c.Teams {
		if c.Teams[i].Channel == channel {
			return &c.Teams[i], true
		}
	}
	return nil, false
}

// Location is the team's time zone. After Parse (or a clean Validate) it is
// the zone loaded at validation. A Team built in code and never validated
// gets its zone loaded on each call, and UTC if the name does not load.
func (t *Team) Location() *time.Location {
	if t.loc != nil {
		return t.loc
	}
	if loc, err := loadLocation(t.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// Workflow is the team's workflow for coach: its stages, the statuses Jira
// reports (the fallback for statuses no stage lists) and the resolutions that
// mean dropped work. Slices are copied, so the result can be kept and changed
// freely.
func (t *Team) Workflow(statuses []coach.Status, exclude []string) coach.Workflow {
	w := coach.Workflow{
		Statuses:           slices.Clone(statuses),
		ExcludeResolutions: slices.Clone(exclude),
	}
	for _, s := range t.Stages {
		w.Stages = append(w.Stages, coach.Stage{
			Name:   s.Name,
			Active: slices.Clone(s.Active),
			Wait:   slices.Clone(s.Wait),
			Done:   slices.Clone(s.Done),
		})
	}
	return w
}

// loadLocation loads an IANA zone. "Local" is refused: it names whatever
// zone the host happens to run in, which a config file cannot know.
func loadLocation(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, errors.New("local time zone")
	}
	return time.LoadLocation(name)
}
