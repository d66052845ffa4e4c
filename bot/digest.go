package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
)

// teamData is one team's synced data read once for the standup prompt,
// the digest, /flow mine and the backtest.
type teamData struct {
	team        *config.Team
	workflow    coach.Workflow
	items       []coach.Item
	prs         []coach.PullRequest
	deployments []coach.Deployment
	incidents   []coach.Item
}

// readTeam reads a team's items and pull requests, and with delivery its
// deployments and incidents too.
func (b *Bot) readTeam(ctx context.Context, teamID string, delivery bool) (*teamData, error) {
	team, ok := b.config().Team(teamID)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownTeam, teamID)
	}
	statuses, err := b.Store.Statuses(ctx, team.ID)
	if err != nil {
		return nil, fmt.Errorf("reading statuses of %s: %w", team.ID, err)
	}
	d := &teamData{team: team, workflow: team.Workflow(statuses, b.config().Jira.ExcludeResolutions)}
	if d.items, err = b.Store.Items(ctx, team.ID); err != nil {
		return nil, fmt.Errorf("reading items of %s: %w", team.ID, err)
	}
	if d.prs, err = b.Store.PullRequests(ctx, team.ID); err != nil {
		return nil, fmt.Errorf("reading pull requests of %s: %w", team.ID, err)
	}
	if delivery {
		if d.deployments, err = b.Store.Deployments(ctx, team.ID); err != nil {
			return nil, fmt.Errorf("reading deployments of %s: %w", team.ID, err)
		}
		if d.incidents, err = b.Store.Incidents(ctx, team.ID); err != nil {
			return nil, fmt.Errorf("reading incidents of %s: %w", team.ID, err)
		}
	}
	return d, nil
}

// rulesInput is coach.Evaluate's input over d, without remembered state,
// in the team's whole working calendar as the flow check reads it.
func (d *teamData) rulesInput() coach.RulesInput {
	cal := d.team.Calendar()
	return coach.RulesInput{Workflow: d.workflow, Items: d.items, PRs: d.prs,
		Location: cal.Location, Workdays: cal.Workdays, Hours: cal.Hours, Holidays: cal.Holidays,
		Config: RulesConfigOf(d.team)}
}

// delivery are the team's delivery options in working time.
func (d *teamData) delivery() coach.DeliveryOptions {
	t := d.team
	return coach.DeliveryOptions{DefaultBranches: defaultBranches, Bots: t.GitHub.Bots,
		Production: t.ProductionEnvironment(), Hotfix: t.HotfixPattern(),
		AttributionWindow: t.DORA.AttributionWindow.Duration, MaxPRLines: t.GitHub.MaxPRLines,
		Repos: t.GitHub.Repos, Location: t.Location(), Clock: t.Clock()}
}

// SentLog is the nudge history the digest reads: every post of the
// team's nudges in [from, to), repeats and escalations each a post of
// their own (NudgeStore.Posts).
type SentLog interface {
	Posts(ctx context.Context, team string, from, to time.Time) ([]coach.Sent, error)
}

// Digest is a team's weekly digest (docs/coaching.md, "The weekly
// digest"): each section is nil when it has nothing to say.
type Digest struct {
	Team       string            `json:"team"`
	Now        time.Time         `json:"now"`
	WeekFrom   time.Time         `json:"week_from"`
	WeekTo     time.Time         `json:"week_to"`
	Throughput *DigestThroughput `json:"throughput"`
	CycleTime  *DigestCycleTime  `json:"cycle_time"`
	WIP        *DigestWIP        `json:"wip"`
	Bottleneck *DigestBottleneck `json:"bottleneck"`
	PRs        *DigestPRs        `json:"prs"`
	DORA       *DigestDORA       `json:"dora"`
	Nudges     *DigestNudges     `json:"nudges"`
	Suggestion string            `json:"suggestion"`
}

// DigestThroughput is last week's throughput against the 4 weeks before.
type DigestThroughput struct {
	LastWeek       int     `json:"last_week"`
	Before4Weeks   int     `json:"before_4_weeks"`
	BeforePerWeek  float64 `json:"before_per_week"`
	ChangeFraction float64 `json:"change"` // last/before-per-week - 1; 0 when before is 0
}

// DigestCycleTime is the cycle time of the last 4 weeks against the 4
// before, calendar days.
type DigestCycleTime struct {
	N         int      `json:"n"`
	P50       float64  `json:"p50_days"`
	P85       float64  `json:"p85_days"`
	BeforeN   int      `json:"before_n"`
	BeforeP50 *float64 `json:"before_p50_days"`
	BeforeP85 *float64 `json:"before_p85_days"`
	Trend     string   `json:"trend"` // "up", "down", "flat" or "" (nothing before)
}

// DigestWIP is the work in progress now and its oldest items.
type DigestWIP struct {
	Count  int           `json:"count"`
	Limit  int           `json:"limit"`
	SLE    *float64      `json:"sle_days"`
	Oldest []DigestAging `json:"oldest"`
}

// DigestAging is one of the oldest items in progress.
type DigestAging struct {
	Key     string  `json:"key"`
	Title   string  `json:"title,omitempty"` // left out for private teams
	Stage   string  `json:"stage"`
	AgeDays float64 `json:"age_days"`
}

// DigestBottleneck is the stage where the work waited most over the last
// 2 weeks, in working time.
type DigestBottleneck struct {
	Stage         string  `json:"stage"`
	WaitShare     float64 `json:"wait_share"`
	MedianWait    float64 `json:"median_wait_days"`
	QueuedNow     int     `json:"queued_now"`
	PreviousStage string  `json:"previous_stage,omitempty"`
}

// DigestPRs is last week's merged pull requests: pickup and size.
type DigestPRs struct {
	Merged        int      `json:"merged"`
	PickupP50     *float64 `json:"pickup_p50_hours"`
	PickupP85     *float64 `json:"pickup_p85_hours"`
	SizeP50       float64  `json:"size_p50_lines"`
	SizeP85       float64  `json:"size_p85_lines"`
	OverSizeLimit float64  `json:"over_size_limit"`
	MaxPRLines    int      `json:"max_pr_lines"`
}

// DigestDORA is the team's DORA keys over the last 4 weeks.
type DigestDORA struct {
	Deployments       int      `json:"deployments"`
	DeploysPerWeek    float64  `json:"deploys_per_week"`
	LeadTimeP50       *float64 `json:"lead_time_p50_hours"`
	ChangeFailureRate *float64 `json:"change_failure_rate"`
	Failures          int      `json:"failures"`
	RecoveryP50       *float64 `json:"recovery_p50_hours"`
	Source            string   `json:"source"`
}

// DigestNudges is what the flow check posted last week: every post, a
// repeat or an escalation counted again.
type DigestNudges struct {
	Sent int `json:"sent"`
	// Movable are those about an item or a pull request; Moved of them
	// were followed by movement within a working day.
	Movable int            `json:"movable"`
	Moved   int            `json:"moved"`
	ByRule  map[string]int `json:"by_rule"`
}

// digestWeeks is how many weeks before last week the digest compares
// against.
const digestWeeks = 4

// weekStart is Monday 00:00 of t's week in loc.
func weekStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	off := (int(t.Weekday()) + 6) % 7
	return time.Date(y, m, d-off, 0, 0, 0, 0, loc)
}

// Digest builds the team's weekly digest as of now. log is the nudge log
// (nil: the nudges section is left out).
func (b *Bot) Digest(ctx context.Context, teamID string, log SentLog, now time.Time) (Digest, error) {
	d, err := b.readTeam(ctx, teamID, true)
	if err != nil {
		return Digest{}, err
	}
	var posts []coach.Sent
	if log != nil {
		last := lastWeek(now, d.team.Location())
		if posts, err = log.Posts(ctx, d.team.ID, last.From, last.To); err != nil {
			return Digest{}, err
		}
	}
	return digestOf(d, posts, log != nil, now), nil
}

// lastWeek is Monday 00:00 to Monday 00:00 of the week before now's, in
// loc.
func lastWeek(now time.Time, loc *time.Location) coach.Window {
	thisWeek := weekStart(now, loc)
	return coach.Window{From: thisWeek.AddDate(0, 0, -7), To: thisWeek}
}

// digestOf computes the digest of d as of now (docs/coaching.md); posts
// are the nudges posted last week, hasLog whether there is a nudge
// history at all.
func digestOf(d *teamData, posts []coach.Sent, hasLog bool, now time.Time) Digest {
	loc := d.team.Location()
	thisWeek := weekStart(now, loc)
	last := lastWeek(now, loc)
	before := coach.Window{From: last.From.AddDate(0, 0, -7*digestWeeks), To: last.From}
	recent := coach.Window{From: thisWeek.AddDate(0, 0, -7*digestWeeks), To: thisWeek}
	earlier := coach.Window{From: recent.From.AddDate(0, 0, -7*digestWeeks), To: recent.From}
	flows := coach.Flows(d.workflow, d.items, now)
	dg := Digest{Team: d.team.ID, Now: now, WeekFrom: last.From, WeekTo: last.To}

	// Throughput.
	lw := coach.Throughput(flows, last, loc).Total
	bw := coach.Throughput(flows, before, loc).Total
	if lw > 0 || bw > 0 {
		t := &DigestThroughput{LastWeek: lw, Before4Weeks: bw, BeforePerWeek: float64(bw) / digestWeeks}
		if bw > 0 {
			t.ChangeFraction = float64(lw)/t.BeforePerWeek - 1
		}
		dg.Throughput = t
	}

	// Cycle time.
	if ct := coach.CycleTime(flows, recent); ct.OK {
		c := &DigestCycleTime{N: ct.Count, P50: ct.P50, P85: ct.P85}
		if prev := coach.CycleTime(flows, earlier); prev.OK {
			c.BeforeN, c.BeforeP50, c.BeforeP85 = prev.Count, ptr(prev.P50, true), ptr(prev.P85, true)
			switch r := ct.P85 / prev.P85; {
			case r >= 1.1:
				c.Trend = "up"
			case r <= 0.9:
				c.Trend = "down"
			default:
				c.Trend = "flat"
			}
		}
		dg.CycleTime = c
	}

	// WIP and the oldest items.
	aging := coach.Aging(d.workflow, flows, now)
	if len(aging.Items) > 0 {
		w := &DigestWIP{Count: len(aging.Items), Limit: d.team.WIPLimit, SLE: ptr(aging.SLE, aging.HasSLE), Oldest: []DigestAging{}}
		for _, it := range aging.Items[:min(3, len(aging.Items))] {
			a := DigestAging{Key: it.Key, Stage: it.Stage, AgeDays: it.AgeDays}
			if !d.team.Private {
				a.Title = it.Title
			}
			w.Oldest = append(w.Oldest, a)
		}
		dg.WIP = w
	}

	// The bottleneck of the last 2 weeks, in working time.
	clock := d.team.Clock()
	v := coach.VSM(d.workflow, flows, coach.Window{From: now.AddDate(0, 0, -14), To: now}, clock)
	if v.HasBottleneck {
		bn := &DigestBottleneck{Stage: v.Bottleneck.Stage, WaitShare: v.Bottleneck.WaitShare,
			MedianWait: v.Bottleneck.MedianWait, QueuedNow: v.Bottleneck.QueuedNow}
		prevFlows := coach.Flows(d.workflow, d.items, last.From)
		pv := coach.VSM(d.workflow, prevFlows, coach.Window{From: last.From.AddDate(0, 0, -14), To: last.From}, clock)
		if pv.HasBottleneck && !strings.EqualFold(pv.Bottleneck.Stage, bn.Stage) {
			bn.PreviousStage = pv.Bottleneck.Stage
		}
		dg.Bottleneck = bn
	}

	// Pull requests merged last week.
	opts := d.delivery()
	if pr := coach.PRs(d.prs, d.deployments, opts, last); len(pr.PRs) > 0 {
		p := &DigestPRs{Merged: len(pr.PRs), SizeP50: pr.Size.P50, SizeP85: pr.Size.P85,
			OverSizeLimit: pr.OverSizeLimit, MaxPRLines: pr.MaxPRLines}
		if pr.Pickup.OK() {
			p.PickupP50, p.PickupP85 = ptr(pr.Pickup.P50, true), ptr(pr.Pickup.P85, true)
		}
		dg.PRs = p
	}

	// DORA keys over the last 4 weeks, calendar time.
	opts.Clock = nil
	dora := coach.DORA(d.prs, d.deployments, d.incidents, opts, recent).Team
	if dora.Deployments > 0 || dora.Failures > 0 {
		k := &DigestDORA{Deployments: dora.Deployments, DeploysPerWeek: dora.DeploysPerWeek,
			LeadTimeP50: ptr(dora.LeadTime.P50, dora.LeadTime.OK()), Failures: dora.Failures,
			RecoveryP50: ptr(dora.Recovery.P50, dora.Recovery.OK()), Source: dora.Source}
		if dora.Deployments > 0 {
			k.ChangeFailureRate = ptr(dora.ChangeFailureRate, true)
		}
		dg.DORA = k
	}

	// Nudges posted last week.
	if hasLog {
		dg.Nudges = nudgesOfWeek(d, posts, last)
	}
	dg.Suggestion = suggestion(dg, aging)
	return dg
}

// nudgesOfWeek counts the posts that fell in week, and of those about an
// item or a pull request, how many were followed by movement within a
// working day of the post, in the team's working time (Team.Clock): a
// post on Friday at 15:00 has until Monday at 15:00.
func nudgesOfWeek(d *teamData, posts []coach.Sent, week coach.Window) *DigestNudges {
	n := &DigestNudges{ByRule: map[string]int{}}
	clock := d.team.Clock()
	for _, s := range posts {
		if !week.Contains(s.At) {
			continue
		}
		rule, subject, _ := strings.Cut(s.Key, ":")
		n.Sent++
		n.ByRule[rule]++
		within := func(t time.Time) bool { return t.After(s.At) && clock(s.At, t) <= 24*time.Hour }
		moved, movable := movedWithin(d, subject, within)
		if movable {
			n.Movable++
			if moved {
				n.Moved++
			}
		}
	}
	if n.Sent == 0 {
		return nil
	}
	return n
}

// movedWithin reports whether subject (an item key or owner/repo#N)
// moved at a time in accepts: a status change or flag change of the
// item, or a review, merge, close or update of the pull request. movable
// is false for stages and the team, and for subjects no longer in the
// data.
func movedWithin(d *teamData, subject string, in func(time.Time) bool) (moved, movable bool) {
	if repo, num, ok := strings.Cut(subject, "#"); ok {
		for _, pr := range d.prs {
			if !strings.EqualFold(pr.Repo, repo) || fmt.Sprint(pr.Number) != num {
				continue
			}
			if in(pr.Merged) || in(pr.Closed) || in(pr.Updated) {
				return true, true
			}
			return slices.ContainsFunc(pr.Reviews, func(r coach.Review) bool { return in(r.Submitted) }), true
		}
		return false, false
	}
	for _, it := range d.items {
		if it.Key != subject {
			continue
		}
		for _, t := range it.Transitions {
			if in(t.At) {
				return true, true
			}
		}
		for _, s := range it.Flagged {
			if in(s.From) || in(s.To) {
				return true, true
			}
		}
		return false, true
	}
	return false, false
}

// suggestion is the digest's one coaching suggestion: the first of
// docs/coaching.md's list whose condition the numbers meet.
func suggestion(dg Digest, aging coach.AgingReport) string {
	oldest := ""
	if len(aging.Items) > 0 {
		it := aging.Items[0]
		oldest = fmt.Sprintf("%s (%s in %s)", it.Key, days(it.AgeDays), it.Stage)
	}
	w, c, bn, p, t := dg.WIP, dg.CycleTime, dg.Bottleneck, dg.PRs, dg.Throughput
	switch {
	case w != nil && w.Limit > 0 && w.Count > w.Limit:
		return fmt.Sprintf("Work in progress is %d, over your limit of %d: stop starting and finish first, beginning with the oldest, %s.", w.Count, w.Limit, oldest)
	case c != nil && c.BeforeP85 != nil && c.P85 >= 1.2**c.BeforeP85:
		s := fmt.Sprintf("85%% of items now finish within %s, up from %s in the 4 weeks before: items are taking longer.", days(c.P85), days(*c.BeforeP85))
		if oldest != "" {
			s += " Before pulling new work, ask what it would take to finish the oldest, " + oldest + "."
		}
		return s
	case bn != nil && bn.WaitShare >= 0.4:
		return fmt.Sprintf("%s of the waiting in the last 2 weeks was in %s (%d waiting now): help move work out of %s before starting anything new.",
			percent(bn.WaitShare), bn.Stage, bn.QueuedNow, bn.Stage)
	case p != nil && p.PickupP85 != nil && *p.PickupP85 > 24:
		return fmt.Sprintf("85%% of last week's pull requests waited up to %s of working time for a first review: review before starting new work, and say who should review when you open one.", hours(*p.PickupP85))
	case p != nil && p.OverSizeLimit >= 0.25:
		return fmt.Sprintf("%s of last week's merged pull requests were over %d lines: smaller pull requests get reviewed sooner; split by step, not by layer.", percent(p.OverSizeLimit), p.MaxPRLines)
	case t != nil && w != nil && t.Before4Weeks > 0 && float64(t.LastWeek) < 0.75*t.BeforePerWeek:
		return fmt.Sprintf("%d items were finished last week against %.1f a week before, with %d in progress: finish before starting, so the work in progress goes down rather than up.", t.LastWeek, t.BeforePerWeek, w.Count)
	case t != nil && w != nil && t.BeforePerWeek > 0:
		per := (float64(t.LastWeek) + float64(t.Before4Weeks)) / (digestWeeks + 1)
		return fmt.Sprintf("With %d items in progress and about %.1f finished a week, new work waits about %.1f weeks before it is done (Little's law): keep the work in progress where it is, or lower.", w.Count, per, float64(w.Count)/per)
	}
	return ""
}

// DigestMessage lays the digest out; private leaves titles out.
func DigestMessage(dg Digest, teamName string, loc *time.Location) *Message {
	m := &Message{Title: "Weekly digest · " + teamName + " · week of " + dg.WeekFrom.In(loc).Format("Jan 2")}
	if t := dg.Throughput; t != nil {
		m.Fields = append(m.Fields, Field{"Finished last week", fmt.Sprintf("%d (%.1f a week before)", t.LastWeek, t.BeforePerWeek)})
		m.Body = append(m.Body, fmt.Sprintf("*Throughput* %s finished last week; %d in the 4 weeks before, %.1f a week.", plural(t.LastWeek, "item", "items"), t.Before4Weeks, t.BeforePerWeek))
	}
	if c := dg.CycleTime; c != nil {
		m.Fields = append(m.Fields, Field{"Cycle time 50% / 85%", days(c.P50) + " / " + days(c.P85)})
		s := fmt.Sprintf("*Cycle time* over the last 4 weeks (%s): 50%% within %s, 85%% within %s", plural(c.N, "item", "items"), days(c.P50), days(c.P85))
		if c.BeforeP85 != nil {
			s += fmt.Sprintf("; the 4 weeks before: %s and %s (%s).", days(*c.BeforeP50), days(*c.BeforeP85), map[string]string{"up": "slower", "down": "faster", "flat": "about the same"}[c.Trend])
		} else {
			s += "."
		}
		m.Body = append(m.Body, s)
	}
	if w := dg.WIP; w != nil {
		v := fmt.Sprint(w.Count)
		if w.Limit > 0 {
			v += fmt.Sprintf(" (limit %d)", w.Limit)
		}
		m.Fields = append(m.Fields, Field{"In progress", v})
		var lines []string
		for _, a := range w.Oldest {
			l := fmt.Sprintf("• *%s* %s in %s", a.Key, days(a.AgeDays), escape(a.Stage))
			if a.Title != "" {
				l = fmt.Sprintf("• *%s* %s, %s in %s", a.Key, escape(truncate(a.Title, 60)), days(a.AgeDays), escape(a.Stage))
			}
			if w.SLE != nil && a.AgeDays > *w.SLE {
				l += " :warning: over the SLE of " + days(*w.SLE)
			}
			lines = append(lines, l)
		}
		m.Body = append(m.Body, fmt.Sprintf("*Work in progress* %s now; the oldest:\n%s", plural(w.Count, "item", "items"), strings.Join(lines, "\n")))
	}
	if bn := dg.Bottleneck; bn != nil {
		s := fmt.Sprintf("*Bottleneck* %s: %s of the waiting in the last 2 weeks, median wait %s of working time, %d waiting now.",
			escape(bn.Stage), percent(bn.WaitShare), days(bn.MedianWait), bn.QueuedNow)
		if bn.PreviousStage != "" {
			s += " It moved from " + escape(bn.PreviousStage) + " since last week."
		}
		m.Body = append(m.Body, s)
	}
	if p := dg.PRs; p != nil {
		s := fmt.Sprintf("*Pull requests* %d merged last week", p.Merged)
		if p.PickupP85 != nil {
			s += fmt.Sprintf("; first review within %s for half, %s for 85%% (working time)", hours(*p.PickupP50), hours(*p.PickupP85))
			m.Fields = append(m.Fields, Field{"PR pickup 85%", hours(*p.PickupP85)})
		}
		s += fmt.Sprintf("; size %.0f lines for half, %.0f for 85%%; %s over %d lines.", p.SizeP50, p.SizeP85, percent(p.OverSizeLimit), p.MaxPRLines)
		m.Body = append(m.Body, s)
	}
	if k := dg.DORA; k != nil {
		parts := []string{fmt.Sprintf("%.1f deployments a week", k.DeploysPerWeek)}
		if k.LeadTimeP50 != nil {
			parts = append(parts, "lead time for changes "+hours(*k.LeadTimeP50)+" (median)")
		}
		if k.ChangeFailureRate != nil {
			parts = append(parts, "change failure rate "+percent(*k.ChangeFailureRate))
		}
		if k.RecoveryP50 != nil {
			parts = append(parts, "recovery "+hours(*k.RecoveryP50)+" (median)")
		}
		m.Body = append(m.Body, "*DORA keys* over the last 4 weeks: "+strings.Join(parts, ", ")+".")
	}
	if n := dg.Nudges; n != nil {
		s := fmt.Sprintf("*Nudges* %s posted last week", plural(n.Sent, "nudge", "nudges"))
		if n.Movable > 0 {
			s += fmt.Sprintf("; %d of the %d about items and pull requests were followed by movement within a working day", n.Moved, n.Movable)
		}
		m.Body = append(m.Body, s+".")
	}
	if dg.Suggestion != "" {
		m.Reading = ":bulb: " + dg.Suggestion
	} else if len(m.Body) == 0 {
		m.Reading = "Nothing to report: no work finished, started or reviewed in the last 5 weeks."
	}
	m.Context = "Week of " + dg.WeekFrom.In(loc).Format("Mon 2 Jan") + " – " + dg.WeekTo.Add(-time.Nanosecond).In(loc).Format("Sun 2 Jan") + " · " + teamName + " · definitions: docs/coaching.md"
	return m
}

// Empty reports whether the digest has nothing to say: then nothing is
// posted.
func (dg Digest) Empty() bool {
	return dg.Throughput == nil && dg.CycleTime == nil && dg.WIP == nil && dg.Bottleneck == nil &&
		dg.PRs == nil && dg.DORA == nil && dg.Nudges == nil
}

// digestJSON is the `digest` answer of `flowbot ask --format json`.
type digestJSON struct {
	Command string `json:"command"`
	Digest
}

// DigestAnswer is the `digest` command: the digest as it would be posted
// now.
func (b *Bot) DigestAnswer(ctx context.Context, teamID string, now time.Time) (Answer, error) {
	var log SentLog
	if b.Nudges != nil {
		log = b.Nudges
	}
	dg, err := b.Digest(ctx, teamID, log, now)
	if err != nil {
		return Answer{}, err
	}
	team, _ := b.config().Team(teamID)
	name := team.Name
	if name == "" {
		name = team.ID
	}
	m := DigestMessage(dg, name, team.Location())
	return Answer{Text: messageText(m), JSON: digestJSON{Command: "digest", Digest: dg}, Message: m}, nil
}

// messageText is a Message as mrkdwn text, the fallback of a post.
func messageText(m *Message) string {
	var b strings.Builder
	b.WriteString("*" + m.Title + "*")
	for _, f := range m.Fields {
		b.WriteString("\n" + f.Label + ": " + f.Value)
	}
	if m.Reading != "" {
		b.WriteString("\n" + m.Reading)
	}
	for _, s := range m.Body {
		b.WriteString("\n" + s)
	}
	if m.Context != "" {
		b.WriteString("\n_" + m.Context + "_")
	}
	return b.String()
}

// coachingDefinition is what `/flow help` says the numbers of the
// standup prompt, the digest and /flow mine mean (docs/coaching.md).
func coachingDefinition(name string) string {
	switch name {
	case "standup":
		return "The standup prompt walks the work in progress from the stage closest to done, oldest first within a stage. An item is shown in full when a coaching rule holds for it or its pull request (aging past 75% of the SLE, blocked, stalled, review waiting, review long, approved not merged), with its time in status, last activity and its pull request's state, in working days; the rest are counted as moving fine. It ends with one question about the first item shown."
	case "digest":
		return "The weekly digest compares last week (Monday to Monday, team time) with the 4 weeks before: throughput, cycle time (50th and 85th percentile over the last 4 weeks against the 4 before), work in progress and its oldest items, the bottleneck of the last 2 weeks, last week's pull-request pickup and size, the DORA keys of the last 4 weeks, the nudges posted last week and how many were followed by movement within a working day, and one suggestion. Sections with nothing to say are left out. Definitions: docs/coaching.md."
	case "mine":
		return "Mine lists the work in progress assigned to you (your Jira name under the team's `people:`) oldest first, each age in calendar days against the team's SLE (85th percentile cycle time over 90 days, as `/flow aging`), and the ready pull requests whose review is requested of you (your GitHub login), with how long they have waited in working days."
	}
	return ""
}

// PostDigest posts the team's weekly digest as of now in its channel and
// returns it; nothing is posted when it has nothing to say. log is the
// nudge log (nil: no nudges section).
func (b *Bot) PostDigest(ctx context.Context, p CoachingPoster, log SentLog, teamID string, now time.Time) (*Message, error) {
	team, ok := b.config().Team(teamID)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownTeam, teamID)
	}
	if team.Channel == "" {
		return nil, fmt.Errorf("digest of %s: %w", team.ID, errNoChannel)
	}
	dg, err := b.Digest(ctx, team.ID, log, now)
	if err != nil {
		return nil, err
	}
	name := team.Name
	if name == "" {
		name = team.ID
	}
	m := DigestMessage(dg, name, team.Location())
	if dg.Empty() {
		b.logger().Info("digest: nothing to say, not posted", "team", team.ID)
		return m, nil
	}
	if _, err := p.PostCoaching(ctx, team.Channel, m); err != nil {
		return m, fmt.Errorf("posting the digest of %s: %w", team.ID, err)
	}
	return m, nil
}
