package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	idPattern      = regexp.MustCompile(`^[a-z0-9-]+$`)
	channelPattern = regexp.MustCompile(`^[CGD][A-Z0-9]+$`)
	userPattern    = regexp.MustCompile(`^[UW][A-Z0-9]+$`)
	repoPattern    = regexp.MustCompile(`^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$`)
	// jqlQuoted matches JQL string literals, which may say "order by"
	// without meaning it.
	jqlQuoted  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	jqlOrderBy = regexp.MustCompile(`(?i)\border\s+by\b`)
	// loginPattern matches GitHub logins, with the [bot] suffix of apps.
	loginPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\[bot\])?$`)
	// fieldIDPattern matches Jira field ids such as customfield_10016.
	fieldIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
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
	if c.HTTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
			add("http_addr", "%q is not a host:port address; write it like \":8080\" (every interface) or \"127.0.0.1:9090\"", c.HTTPAddr)
		}
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

	for i, a := range c.Admins {
		if !userPattern.MatchString(a) {
			add(fmt.Sprintf("admins[%d]", i), "%q is not a Slack user ID; copy the member ID (such as U0123ABCD) from the person's profile in Slack", a)
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
		if t.Private && t.Channel == "" {
			add(path+".private", "a private team answers only in its own channel; set its channel, or remove private: true")
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
		if t.WIPLimit < 0 {
			add(path+".wip_limit", "%d is negative; use a number of items such as 6, or leave it out for no limit", t.WIPLimit)
		}
		ps = append(ps, validateStages(path, t.Stages)...)
		ps = append(ps, t.validateFlow(path)...)
		ps = append(ps, t.validateNudges(path)...)
		ps = append(ps, t.validateWorkingTime(path)...)
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

// validateFlow checks the team keys of issue 3 and compiles the team's
// patterns. An empty pattern, as a Team built in code may have, is the
// default one.
func (t *Team) validateFlow(team string) Problems {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}

	if f := t.Jira.PointsField; f != "" && !fieldIDPattern.MatchString(f) {
		add(team+".jira.points_field", "%q is not a Jira field id; use the field's id, such as %s, not its name (Jira lists ids at /rest/api/2/field)", f, DefaultPointsField)
	}

	var msg string
	t.prodEnv, msg = compilePattern(t.GitHub.ProductionEnvironment, defaultProdEnv, "(?i)^(prod|production)$")
	if msg != "" {
		add(team+".github.production_environment", "%s", msg)
	}
	t.hotfix, msg = compilePattern(t.GitHub.HotfixPattern, defaultHotfix, "(?i)^hotfix[/-]")
	if msg != "" {
		add(team+".github.hotfix_pattern", "%s", msg)
	}
	if n := t.GitHub.MaxPRLines; n < 1 {
		add(team+".github.max_pr_lines", "%d is too small; use 1 or more, such as %d (lines added plus lines deleted)", n, DefaultMaxPRLines)
	}
	for i, b := range t.GitHub.Bots {
		if !loginPattern.MatchString(b) {
			add(fmt.Sprintf("%s.github.bots[%d]", team, i), "%q is not a GitHub login; write it as %s", b, loginFrom(b))
		}
	}

	if d := t.DORA.AttributionWindow.Duration; d <= 0 {
		add(team+".dora.attribution_window", "%s is not a window; use a positive duration such as %s", shortDuration(d), shortDuration(DefaultAttributionWindow))
	}

	keys := make([]string, 0, len(t.Kinds))
	for k := range t.Kinds {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	types := map[string]string{} // lowercased issue type -> as first written
	for _, k := range keys {
		here := mapPath(team+".kinds", k)
		key := kindKey(k)
		if key == "" {
			add(here, "empty issue type; write the issue type as Jira names it, such as Story")
			continue
		}
		if first, dup := types[key]; dup {
			add(here, "%q is the same issue type as %q (issue types match regardless of case); keep one", k, first)
			continue
		}
		types[key] = k
		if v := t.Kinds[k]; !validKind(v) {
			kinds := []string{KindFeature, KindDefect, KindRisk, KindDebt, KindOther}
			if s := suggestKind(v, kinds); s != "" {
				add(here, "unknown kind %q; did you mean %s? Use feature, defect, risk, debt or other", v, s)
			} else {
				add(here, "unknown kind %q; use feature, defect, risk, debt or other", v)
			}
		}
	}

	if t.WorkingDays != nil && len(t.WorkingDays) == 0 {
		add(team+".working_days", "no working days; list them, such as [Mon, Tue, Wed, Thu, Fri], or remove the key for Monday to Friday")
	}
	days := map[time.Weekday]int{}
	for i, name := range t.WorkingDays {
		here := fmt.Sprintf("%s.working_days[%d]", team, i)
		d, ok := parseWeekday(name)
		if !ok {
			add(here, "%q is not a day; use a day name such as Mon or Monday", name)
			continue
		}
		if first, dup := days[d]; dup {
			add(here, "%s is already listed at working_days[%d]; list each day once", d, first)
			continue
		}
		days[d] = i
	}
	return ps
}

// suggestKind returns the kind v most likely abbreviates or misspells, or "".
func suggestKind(v string, kinds []string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return ""
	}
	if len(v) >= 3 {
		for _, k := range kinds {
			if strings.HasPrefix(k, v) {
				return k
			}
		}
	}
	return suggest(v, kinds)
}

// compilePattern compiles a regular expression from the file, the default
// when it is empty. On failure it returns the default and the problem.
func compilePattern(expr string, def *regexp.Regexp, example string) (*regexp.Regexp, string) {
	if expr == "" {
		return def, ""
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return def, fmt.Sprintf("%q is not a valid regular expression (%s); fix it, such as %s, or remove the key for the default %s",
			expr, strings.TrimPrefix(err.Error(), "error parsing regexp: "), example, def)
	}
	return re, ""
}

// loginFrom guesses the login meant by a bot written another way, such as
// "@renovate" or its profile address, for the fix in a problem.
func loginFrom(b string) string {
	s := strings.TrimSpace(b)
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		s = u.Path
	}
	s = strings.TrimPrefix(strings.Trim(s, "/"), "@")
	if loginPattern.MatchString(s) {
		return s
	}
	return "a login such as renovate[bot] or acme-deploy-bot"
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
