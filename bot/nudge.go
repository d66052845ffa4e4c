package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
)

// NudgeStore is what posting nudges needs from the store: the sent log,
// the claims that make a post happen once across replicas, the quiet
// controls, the rules' state and the day's post.
type NudgeStore interface {
	Sent(ctx context.Context, team string) (map[string]coach.Sent, error)
	RecordSent(ctx context.Context, team string, sent ...coach.Sent) error
	Posts(ctx context.Context, team string, from, to time.Time) ([]coach.Sent, error)
	Claim(ctx context.Context, team, name string, ttl time.Duration) (token string, ok bool, err error)
	Release(ctx context.Context, team, name, token string) error
	Snoozes(ctx context.Context, team string, now time.Time) (map[string]time.Time, error)
	PausedUntil(ctx context.Context, team string, now time.Time) (time.Time, error)
	Away(ctx context.Context, team string, now time.Time) (map[string]time.Time, error)
	State(ctx context.Context, team string) (coach.RulesState, error)
	PutState(ctx context.Context, team string, s coach.RulesState) error
	PostRef(ctx context.Context, team, day string) (channel, ts string, ok bool, err error)
	PutPostRef(ctx context.Context, team, day, channel, ts string) error
}

// FlowCheckPoster puts a team's flow check in its channel: posts the
// day's message, edits it in place, and adds the details to its thread.
type FlowCheckPoster interface {
	PostFlowCheck(ctx context.Context, channel string, fc FlowCheck) (ts string, err error)
	UpdateFlowCheck(ctx context.Context, channel, ts string, fc FlowCheck) error
	PostFlowCheckDetails(ctx context.Context, channel, threadTS string, lines []NudgeLine) error
}

// FlowCheck is one team's flow-check post of one working day: every due
// nudge, one line each.
type FlowCheck struct {
	Team  string
	Day   string // YYYY-MM-DD in the team's time zone
	Title string
	Lines []NudgeLine
}

// NudgeLine is one nudge of a flow check.
type NudgeLine struct {
	Rule    coach.Rule
	Key     string // coach.Nudge.Key: rule:subject
	Subject string
	Title   string
	Level   coach.Level
	// Text is the line: rule, subject, the mentions and why, mrkdwn.
	Text string
	// Detail is the why and the advice, for the thread.
	Detail string
	// Mentions are the Slack user ids the line mentions.
	Mentions []string
	// Moved: the nudge was posted today and no longer holds.
	Moved   bool
	Actions []Action
}

// Button action ids of a nudge line; the value is "<team>|<rule:subject>".
const (
	ActionSnoozeDay  = "nudge_snooze_1d"
	ActionSnoozeWeek = "nudge_snooze_1w"
	ActionOnIt       = "nudge_on_it"
	ActionSplitIt    = "nudge_split_it"
)

// NudgeReport is what a flow check would post now, and what it holds
// back and why: the `nudges` answer and the pipeline's plan.
type NudgeReport struct {
	Team       string
	Now        time.Time
	Due        []coach.Nudge
	Reasons    []string // Decide's reason for each of Due
	Suppressed []Suppressed
	State      coach.RulesState // coach.Observe's, to store after posting
	people     identities
	away       map[coach.Person]time.Time
}

// Suppressed is a nudge that holds but is held back.
type Suppressed struct {
	Nudge coach.Nudge
	Why   string
}

// Nudger runs the flow check: evaluate, drop what is quiet, claim, post
// or edit the day's post, record. Bot gives the configuration, the synced
// data and the clock.
type Nudger struct {
	Bot    *Bot
	Log    NudgeStore
	Poster FlowCheckPoster // nil: Preview only
}

// RulesConfigOf is the team's coach.RulesConfig from its settings.
func RulesConfigOf(t *config.Team) coach.RulesConfig {
	return coach.RulesConfig{
		MaxPRLines:     t.GitHub.MaxPRLines,
		Bots:           slices.Clone(t.GitHub.Bots),
		WIPLimit:       t.WIPLimit,
		StageWIPLimits: t.StageWIPLimits(),
		StalledAfter:   t.StalledAfter.Duration,
		BlockedAfter:   t.BlockedAfter.Duration,
		MaxPoints:      float64(t.MaxPoints),
	}
}

// identities map coach people to Slack user ids from the team's people.
type identities []config.Person

func (ids identities) slackOf(p coach.Person) (string, bool) {
	for _, id := range ids {
		switch {
		case id.Slack == "":
		case p.Source == coach.PersonJira && id.Jira != "" && strings.EqualFold(id.Jira, p.Name),
			p.Source == coach.PersonGitHub && id.GitHub != "" && strings.EqualFold(id.GitHub, p.Name):
			return id.Slack, true
		}
	}
	return "", false
}

// awayPeople turns Slack users away into the coach people they are.
func (ids identities) awayPeople(away map[string]time.Time) map[coach.Person]time.Time {
	out := map[coach.Person]time.Time{}
	for _, id := range ids {
		until, ok := away[id.Slack]
		if !ok {
			continue
		}
		if id.Jira != "" {
			out[coach.Person{Source: coach.PersonJira, Name: id.Jira}] = until
		}
		if id.GitHub != "" {
			out[coach.Person{Source: coach.PersonGitHub, Name: id.GitHub}] = until
		}
	}
	return out
}

// Preview evaluates every rule for the team as of now and decides each
// nudge against the sent log and the quiet controls, without posting.
func (n *Nudger) Preview(ctx context.Context, teamID string, now time.Time) (NudgeReport, error) {
	team, ok := n.Bot.config().Team(teamID)
	if !ok {
		return NudgeReport{}, fmt.Errorf("%w %q", ErrUnknownTeam, teamID)
	}
	in, err := n.rulesInput(ctx, team)
	if err != nil {
		return NudgeReport{}, err
	}
	nudges := coach.Evaluate(in, now)
	// Mentions use the file's people and the identities linked since.
	ps, _ := n.Bot.Nudges.(PeopleStore)
	people, err := Identities(ctx, team, ps)
	if err != nil {
		return NudgeReport{}, err
	}
	rep := NudgeReport{Team: team.ID, Now: now, State: coach.Observe(in, now), people: people}
	return rep, n.decide(ctx, team, nudges, &rep)
}

// rulesInput reads what Evaluate needs: the team's items, pull requests,
// workflow and stored state.
func (n *Nudger) rulesInput(ctx context.Context, team *config.Team) (coach.RulesInput, error) {
	st := n.Bot.Store
	statuses, err := st.Statuses(ctx, team.ID)
	if err != nil {
		return coach.RulesInput{}, fmt.Errorf("reading statuses of %s: %w", team.ID, err)
	}
	items, err := st.Items(ctx, team.ID)
	if err != nil {
		return coach.RulesInput{}, fmt.Errorf("reading items of %s: %w", team.ID, err)
	}
	prs, err := st.PullRequests(ctx, team.ID)
	if err != nil {
		return coach.RulesInput{}, fmt.Errorf("reading pull requests of %s: %w", team.ID, err)
	}
	prev, err := n.Log.State(ctx, team.ID)
	if err != nil {
		return coach.RulesInput{}, err
	}
	return coach.RulesInput{
		Workflow: team.Workflow(statuses, n.Bot.config().Jira.ExcludeResolutions),
		Items:    items, PRs: prs,
		Location: team.Location(), Workdays: team.Workdays(),
		Hours: team.Hours(), Holidays: team.Calendar().Holidays,
		Config: RulesConfigOf(team), Previous: prev,
	}, nil
}

// decide is the dedup stage: each nudge against what was sent, the
// team's pause, snoozes and who is away (coach.Decide).
func (n *Nudger) decide(ctx context.Context, team *config.Team, nudges []coach.Nudge, rep *NudgeReport) error {
	sent, err := n.Log.Sent(ctx, team.ID)
	if err != nil {
		return err
	}
	paused, err := n.Log.PausedUntil(ctx, team.ID, rep.Now)
	if err != nil {
		return err
	}
	snoozes, err := n.Log.Snoozes(ctx, team.ID, rep.Now)
	if err != nil {
		return err
	}
	away, err := n.Log.Away(ctx, team.ID, rep.Now)
	if err != nil {
		return err
	}
	rep.away = rep.people.awayPeople(away)
	cal, every := team.Calendar(), team.RepeatInterval()
	for _, nu := range nudges {
		q := coach.Quiet{PausedUntil: paused, SnoozedUntil: snoozes[nu.Subject], Away: rep.away}
		var prev *coach.Sent
		if s, ok := sent[nu.Key]; ok {
			prev = &s
		}
		post, why := coach.Decide(prev, nu, q, rep.Now, cal, every)
		if post {
			rep.Due = append(rep.Due, nu)
			rep.Reasons = append(rep.Reasons, why)
		} else {
			rep.Suppressed = append(rep.Suppressed, Suppressed{Nudge: nu, Why: why})
		}
	}
	return nil
}

// Mentions are the Slack user ids a posted nudge mentions: the people
// present and known; nobody unknown is mentioned.
func (r NudgeReport) Mentions(nu coach.Nudge) []string {
	out := []string{}
	for _, p := range coach.Present(nu.Who, r.away, r.Now) {
		if id, ok := r.people.slackOf(p); ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// line is the flow-check line of a due nudge.
func (r NudgeReport) line(team string, nu coach.Nudge) NudgeLine {
	l := NudgeLine{Rule: nu.Rule, Key: nu.Key, Subject: nu.Subject, Title: nu.Title, Level: nu.Level}
	var who []string
	if nu.Level >= coach.LevelMention {
		l.Mentions = r.Mentions(nu)
		for _, id := range l.Mentions {
			who = append(who, "<@"+id+">")
		}
		// Known people are mentioned; the rest by plain name.
		for _, p := range coach.Present(nu.Who, r.away, r.Now) {
			if _, ok := r.people.slackOf(p); !ok {
				who = append(who, p.Name)
			}
		}
	}
	l.Text = fmt.Sprintf("%s *%s* %s", ruleEmoji(nu.Rule), nu.Rule, nu.Why)
	if len(who) > 0 {
		l.Text += " " + strings.Join(who, ", ")
	}
	l.Detail = fmt.Sprintf("*%s %s*", nu.Rule, nu.Subject)
	if nu.Title != "" {
		l.Detail += " " + nu.Title
	}
	l.Detail += "\n" + nu.Why + "\n" + nu.Advice
	value := team + "|" + nu.Key
	l.Actions = []Action{
		{ActionID: ActionSnoozeDay, Text: "Snooze 1 day", Value: value},
		{ActionID: ActionSnoozeWeek, Text: "Snooze 1 week", Value: value},
		{ActionID: ActionOnIt, Text: "On it", Value: value},
	}
	if nu.Rule == coach.RuleOversizedItem || nu.Rule == coach.RuleOversizedPR {
		l.Actions = append(l.Actions, Action{ActionID: ActionSplitIt, Text: "Split it", Value: value})
	}
	return l
}

func ruleEmoji(r coach.Rule) string {
	switch r {
	case coach.RuleAging:
		return ":hourglass_flowing_sand:"
	case coach.RuleStalled:
		return ":zzz:"
	case coach.RuleBlocked:
		return ":no_entry:"
	case coach.RuleOversizedItem, coach.RuleOversizedPR:
		return ":scissors:"
	case coach.RuleReviewWaiting, coach.RuleReviewLong:
		return ":eyes:"
	case coach.RuleApprovedNotMerged:
		return ":white_check_mark:"
	case coach.RuleWIPOverLimit:
		return ":construction:"
	case coach.RuleBottleneck:
		return ":vertical_traffic_light:"
	}
	return ":bell:"
}

// FlowCheckResult says what RunFlowCheck did.
type FlowCheckResult struct {
	Posted  bool   // a new post went out
	Updated bool   // the day's post was edited
	TS      string // the day's post
	Check   FlowCheck
	Report  NudgeReport
}

// flowCheckClaimTTL keeps the day's first-post claim past the day's end
// in any zone: after a successful post it is never released.
const flowCheckClaimTTL = 36 * time.Hour

// errNoChannel: the team has no channel to post in.
var errNoChannel = errors.New("team has no channel")

// RunFlowCheck runs the flow check for the team as of now: evaluate, drop
// the quiet, and post the day's flow check (claimed, so once across
// replicas) or edit it in place when it was already posted; then record
// what went out. Nothing is posted when nothing is due.
func (n *Nudger) RunFlowCheck(ctx context.Context, teamID string, now time.Time) (FlowCheckResult, error) {
	team, ok := n.Bot.config().Team(teamID)
	if !ok {
		return FlowCheckResult{}, fmt.Errorf("%w %q", ErrUnknownTeam, teamID)
	}
	if team.Channel == "" {
		return FlowCheckResult{}, fmt.Errorf("flow check of %s: %w", team.ID, errNoChannel)
	}
	if n.Poster == nil {
		return FlowCheckResult{}, errors.New("flow check: no poster")
	}
	rep, err := n.Preview(ctx, team.ID, now)
	if err != nil {
		return FlowCheckResult{}, err
	}
	res := FlowCheckResult{Report: rep}
	loc := team.Location()
	day := now.In(loc).Format(time.DateOnly)
	channel, ts, posted, err := n.Log.PostRef(ctx, team.ID, day)
	if err != nil {
		return res, err
	}
	sent, err := n.Log.Sent(ctx, team.ID)
	if err != nil {
		return res, err
	}
	res.Check = n.flowCheck(team, day, rep, sent, loc)
	if len(rep.Due) == 0 && (!posted || !res.Check.hasMoved()) {
		// Nothing due, and nothing in today's post to mark as moved.
		return res, n.Log.PutState(ctx, team.ID, rep.State)
	}
	if !posted {
		name := "flow-check-post:" + day
		token, got, err := n.Log.Claim(ctx, team.ID, name, flowCheckClaimTTL)
		if err != nil {
			return res, err
		}
		if !got {
			// Another replica is posting today's flow check.
			n.Bot.logger().Info("flow check claimed elsewhere", "team", team.ID, "day", day)
			return res, nil
		}
		channel = team.Channel
		if ts, err = n.Poster.PostFlowCheck(ctx, channel, res.Check); err != nil {
			if rerr := n.Log.Release(context.WithoutCancel(ctx), team.ID, name, token); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return res, fmt.Errorf("posting the flow check of %s: %w", team.ID, err)
		}
		res.Posted = true
		if err := n.Log.PutPostRef(ctx, team.ID, day, channel, ts); err != nil {
			return res, err
		}
	} else {
		if err := n.Poster.UpdateFlowCheck(ctx, channel, ts, res.Check); err != nil {
			return res, fmt.Errorf("updating the flow check of %s: %w", team.ID, err)
		}
		res.Updated = true
	}
	res.TS = ts
	var details []NudgeLine
	records := make([]coach.Sent, 0, len(rep.Due))
	for _, nu := range rep.Due {
		details = append(details, rep.line(team.ID, nu))
		records = append(records, coach.SentOf(nu, now))
	}
	if len(records) > 0 {
		if err := n.Log.RecordSent(ctx, team.ID, records...); err != nil {
			return res, err
		}
		if err := n.Poster.PostFlowCheckDetails(ctx, channel, ts, details); err != nil {
			// The post and the log are right; only the thread misses them.
			n.Bot.logger().Warn("posting flow-check details failed", "team", team.ID, "err", err)
		}
	}
	return res, n.Log.PutState(ctx, team.ID, rep.State)
}

// hasMoved reports whether the post shows a line that moved: then the
// day's post is edited even when nothing new is due.
func (fc FlowCheck) hasMoved() bool {
	return slices.ContainsFunc(fc.Lines, func(l NudgeLine) bool { return l.Moved })
}

// flowCheck is the day's post: the nudges due now, those posted earlier
// today that still hold, and those posted today that no longer hold
// (moved), in rule order.
func (n *Nudger) flowCheck(team *config.Team, day string, rep NudgeReport, sent map[string]coach.Sent, loc *time.Location) FlowCheck {
	name := team.Name
	if name == "" {
		name = team.ID
	}
	fc := FlowCheck{Team: team.ID, Day: day, Title: "Flow check · " + name + " · " + rep.Now.In(loc).Format("Mon 2 Jan")}
	shown := map[string]bool{}
	for _, nu := range rep.Due {
		fc.Lines = append(fc.Lines, rep.line(team.ID, nu))
		shown[nu.Key] = true
	}
	today := func(t time.Time) bool { return t.In(loc).Format(time.DateOnly) == day }
	for _, s := range rep.Suppressed {
		if prev, ok := sent[s.Nudge.Key]; ok && today(prev.At) && !shown[s.Nudge.Key] {
			l := rep.line(team.ID, s.Nudge)
			l.Mentions = nil // already mentioned today
			fc.Lines = append(fc.Lines, l)
			shown[s.Nudge.Key] = true
		}
	}
	var gone []string
	for key, s := range sent {
		if today(s.At) && !shown[key] {
			gone = append(gone, key)
		}
	}
	slices.Sort(gone)
	for _, key := range gone {
		rule, subject, _ := strings.Cut(key, ":")
		fc.Lines = append(fc.Lines, NudgeLine{Rule: coach.Rule(rule), Key: key, Subject: subject, Moved: true,
			Text: fmt.Sprintf(":white_check_mark: ~%s %s~ moved", rule, subject)})
	}
	order := map[coach.Rule]int{}
	for i, r := range coach.AllRules() {
		order[r] = i
	}
	slices.SortStableFunc(fc.Lines, func(a, b NudgeLine) int {
		if c := order[a.Rule] - order[b.Rule]; c != 0 {
			return c
		}
		return strings.Compare(a.Subject, b.Subject)
	})
	return fc
}

// NudgesJSON is the `nudges` answer as `flowbot ask --format json`
// gives it (issue 4's public names).
type NudgesJSON struct {
	Command    string           `json:"command"`
	Team       string           `json:"team"`
	Now        time.Time        `json:"now"`
	Nudges     []NudgeJSON      `json:"nudges"`
	Suppressed []SuppressedJSON `json:"suppressed"`
}

// NudgeJSON is one nudge that would be posted.
type NudgeJSON struct {
	Rule    string             `json:"rule"`
	Key     string             `json:"key"`
	People  []string           `json:"people"`
	Reason  string             `json:"reason"`
	Numbers map[string]float64 `json:"numbers"`
}

// SuppressedJSON is one nudge held back.
type SuppressedJSON struct {
	Rule string `json:"rule"`
	Key  string `json:"key"`
	Why  string `json:"why"`
}

// JSON is the report in the public JSON shape.
func (r NudgeReport) JSON() NudgesJSON {
	out := NudgesJSON{Command: "nudges", Team: r.Team, Now: r.Now, Nudges: []NudgeJSON{}, Suppressed: []SuppressedJSON{}}
	for _, nu := range r.Due {
		people := []string{}
		if nu.Level >= coach.LevelMention {
			people = r.Mentions(nu)
		}
		out.Nudges = append(out.Nudges, NudgeJSON{Rule: string(nu.Rule), Key: nu.Subject, People: people, Reason: nu.Why, Numbers: nu.Numbers})
	}
	for _, s := range r.Suppressed {
		out.Suppressed = append(out.Suppressed, SuppressedJSON{Rule: string(s.Nudge.Rule), Key: s.Nudge.Subject, Why: s.Why})
	}
	return out
}

// NudgesAnswer is the `nudges` command: what a flow check would post now,
// and what it holds back and why. It posts nothing.
func (n *Nudger) NudgesAnswer(ctx context.Context, teamID string, now time.Time) (Answer, error) {
	rep, err := n.Preview(ctx, teamID, now)
	if err != nil {
		return Answer{}, err
	}
	var b strings.Builder
	m := &Message{Title: "Nudges for " + rep.Team + " now"}
	if len(rep.Due) == 0 {
		m.Reading = "Nothing is due: a flow check now would post nothing."
	} else {
		m.Reading = fmt.Sprintf("A flow check now would post %d nudge(s).", len(rep.Due))
		var lines []string
		for _, nu := range rep.Due {
			lines = append(lines, rep.line(rep.Team, nu).Text)
		}
		m.Body = append(m.Body, strings.Join(lines, "\n"))
	}
	if len(rep.Suppressed) > 0 {
		var lines []string
		for _, s := range rep.Suppressed {
			lines = append(lines, fmt.Sprintf("• %s %s: %s", s.Nudge.Rule, s.Nudge.Subject, s.Why))
		}
		m.Body = append(m.Body, "*Held back*\n"+strings.Join(lines, "\n"))
	}
	fmt.Fprintf(&b, "*%s*\n%s", m.Title, m.Reading)
	for _, s := range m.Body {
		b.WriteString("\n" + s)
	}
	return Answer{Text: b.String(), JSON: rep.JSON(), Message: m}, nil
}
