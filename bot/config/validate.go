package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

var (
	idPattern      = regexp.MustCompile(`^[a-z0-9-]+$`)
	channelPattern = regexp.MustCompile(`^[CGD][A-Z0-9]+$`)
	repoPattern    = regexp.MustCompile(`^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$`)
	// jqlQuoted matches JQL string literals, which may say "order by"
	// without meaning it.
	jqlQuoted  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	jqlOrderBy = regexp.MustCompile(`(?i)\border\s+by\b`)
)

// Validate checks the configuration and loads each team's time zone. It
// returns every problem found, each naming its path and the fix; Parse has
// already called it. A team without a time zone of its own takes the
// top-level one, and UTC without either.
func (c *Config) Validate() Problems {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}

	defaultLoc := time.UTC
	if c.Timezone != "" {
		if loc, err := loadLocation(c.Timezone); err != nil {
			add("timezone", "%s", zoneMessage(c.Timezone))
		} else {
			defaultLoc = loc
		}
	}
	if d := c.SyncInterval.Duration; d < MinSyncInterval {
		add("sync_interval", "%s is too short; use %s or more (Jira and GitHub limit how often flowbot may ask)", d, shortDuration(MinSyncInterval))
	}
	switch c.Jira.Flavor {
	case FlavorCloud, FlavorDataCenter:
	case "":
		add("jira.flavor", "missing; use %s or %s", FlavorCloud, FlavorDataCenter)
	default:
		add("jira.flavor", "unknown flavor %q; use %s (Atlassian-hosted, *.atlassian.net) or %s (self-hosted Server or Data Center)", c.Jira.Flavor, FlavorCloud, FlavorDataCenter)
	}
	for i, r := range c.Jira.ExcludeResolutions {
		if strings.TrimSpace(r) == "" {
			add(fmt.Sprintf("jira.exclude_resolutions[%d]", i), "empty resolution name; remove it or write the resolution as Jira names it")
		}
	}

	if len(c.Teams) == 0 {
		add("teams", "no teams; add at least one team with an id and a jira.jql or github.repos")
	}
	ids := map[string]int{}
	channels := map[string]int{}
	for i := range c.Teams {
		t := &c.Teams[i]
		path := fmt.Sprintf("teams[%d]", i)

		switch first, dup := ids[t.ID]; {
		case t.ID == "":
			add(path+".id", "missing; give the team a short id such as payments (lowercase letters, digits and dashes)")
		case !idPattern.MatchString(t.ID):
			add(path+".id", "%q is not a valid id; use lowercase letters, digits and dashes, such as %q", t.ID, idFrom(t.ID))
		case dup:
			add(path+".id", "duplicate id %q (also teams[%d]); give each team its own id", t.ID, first)
		default:
			ids[t.ID] = i
		}

		switch first, dup := channels[t.Channel]; {
		case t.Channel == "": // the team is reached by id only
		case !channelPattern.MatchString(t.Channel):
			add(path+".channel", "%q is not a Slack channel ID; copy the ID (such as C0123ABCD) from the bottom of the channel's details in Slack", t.Channel)
		case dup:
			add(path+".channel", "channel %s is already teams[%d]'s; a channel belongs to one team", t.Channel, first)
		default:
			channels[t.Channel] = i
		}

		t.loc = defaultLoc
		if t.Timezone != "" && t.Timezone != c.Timezone { // the top-level zone is checked once, above
			if loc, err := loadLocation(t.Timezone); err != nil {
				add(path+".timezone", "%s", zoneMessage(t.Timezone))
			} else {
				t.loc = loc
			}
		}

		jql := strings.TrimSpace(t.Jira.JQL)
		if jql == "" && len(t.GitHub.Repos) == 0 {
			add(path, "no work source; set jira.jql, github.repos, or both")
		}
		if clause := orderBy(jql); clause != "" {
			add(path+".jira.jql", "remove %q; flowbot adds its own ORDER BY", clause)
		}
		for j, r := range t.GitHub.Repos {
			if !validRepo(r) {
				add(fmt.Sprintf("%s.github.repos[%d]", path, j), "%q is not owner/name; write it as %s", r, repoFrom(r))
			}
		}
		ps = append(ps, validateStages(path, t.Stages)...)
	}
	return ps
}

func validateStages(team string, stages []Stage) Problems {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	names := map[string]int{}
	statuses := map[string]string{} // lowercased status -> where it was first listed
	for i, s := range stages {
		path := fmt.Sprintf("%s.stages[%d]", team, i)
		name := strings.TrimSpace(s.Name)
		switch first, dup := names[strings.ToLower(name)]; {
		case name == "":
			add(path+".name", "missing; name the stage, such as Review")
		case dup:
			add(path+".name", "duplicate stage name %q (also stages[%d]); give each stage its own name", s.Name, first)
		default:
			names[strings.ToLower(name)] = i
		}
		if len(s.Active)+len(s.Wait)+len(s.Done) == 0 {
			label := "this stage"
			if name != "" {
				label = fmt.Sprintf("stage %q", s.Name)
			}
			add(path, "%s lists no statuses; add at least one under active, wait or done", label)
		}
		for _, role := range []struct {
			key  string
			list []string
		}{{"active", s.Active}, {"wait", s.Wait}, {"done", s.Done}} {
			for j, st := range role.list {
				here := fmt.Sprintf("%s.%s[%d]", path, role.key, j)
				key := strings.ToLower(strings.TrimSpace(st))
				if key == "" {
					add(here, "empty status name; remove it or write the status as Jira names it")
					continue
				}
				// Jira status names are unique regardless of case, so
				// "Done" and "done" are the same status listed twice.
				if first, dup := statuses[key]; dup {
					add(here, "status %q is already listed at %s; a status belongs to one stage", st, strings.TrimPrefix(first, team+"."))
					continue
				}
				statuses[key] = here
			}
		}
	}
	return ps
}

func zoneMessage(name string) string {
	return fmt.Sprintf("unknown time zone %q; use an IANA name such as Europe/Berlin", name)
}

// orderBy returns the ORDER BY clause of a JQL query, or "" if it has none.
func orderBy(jql string) string {
	// Blank out string literals, keeping offsets, so a summary search for
	// "order by" is not mistaken for the clause.
	bare := jqlQuoted.ReplaceAllStringFunc(jql, func(s string) string { return strings.Repeat(" ", len(s)) })
	loc := jqlOrderBy.FindStringIndex(bare)
	if loc == nil {
		return ""
	}
	return strings.TrimSpace(jql[loc[0]:])
}

func validRepo(r string) bool {
	owner, name, _ := strings.Cut(r, "/")
	return repoPattern.MatchString(r) && !strings.HasPrefix(owner, "-") && name != "." && name != ".."
}

// repoFrom guesses the owner/name meant by a repository written another
// way, such as its web address, for the fix in a problem.
func repoFrom(r string) string {
	s := strings.TrimSpace(r)
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		s = u.Path
	} else if _, after, ok := strings.Cut(s, "github.com:"); ok { // git@github.com:owner/name.git
		s = after
	} else {
		return "owner/name, such as acme/payments-api"
	}
	s = strings.TrimSuffix(strings.Trim(s, "/"), ".git")
	if parts := strings.Split(s, "/"); len(parts) >= 2 {
		if guess := parts[0] + "/" + parts[1]; validRepo(guess) {
			return guess
		}
	}
	return "owner/name, such as acme/payments-api"
}

// idFrom turns a name into an id, for the fix in a problem: "Pay Ments" ->
// "pay-ments".
func idFrom(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "payments"
	}
	return b.String()
}

// shortDuration writes 1m rather than time.Duration's 1m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
