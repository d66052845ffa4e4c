package coach

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Rule names one coaching rule; the values are the public names of
// `flowbot ask --format json "nudges"`.
type Rule string

// The coaching rules of docs/coaching.md, in the order Evaluate lists them.
const (
	RuleAging             Rule = "aging"
	RuleStalled           Rule = "stalled"
	RuleBlocked           Rule = "blocked"
	RuleOversizedItem     Rule = "oversized-item"
	RuleOversizedPR       Rule = "oversized-pr"
	RuleReviewWaiting     Rule = "review-waiting"
	RuleReviewLong        Rule = "review-long"
	RuleApprovedNotMerged Rule = "approved-not-merged"
	RuleWIPOverLimit      Rule = "wip-over-limit"
	RuleBottleneck        Rule = "bottleneck"
)

// AllRules are every rule, in the order Evaluate lists them.
func AllRules() []Rule {
	return []Rule{RuleAging, RuleStalled, RuleBlocked, RuleOversizedItem, RuleOversizedPR,
		RuleReviewWaiting, RuleReviewLong, RuleApprovedNotMerged, RuleWIPOverLimit, RuleBottleneck}
}

// Level is how loudly a nudge speaks; higher is louder.
type Level int

// Levels.
const (
	LevelQuiet     Level = iota + 1 // listed, nobody mentioned
	LevelMention                    // the people are mentioned
	LevelEscalated                  // mentioned; worse than at mention
)

func (l Level) String() string {
	switch l {
	case LevelQuiet:
		return "quiet"
	case LevelMention:
		return "mention"
	case LevelEscalated:
		return "escalated"
	}
	return "none"
}

// Person is someone a nudge would mention, as the source system names
// them; the bot maps them to Slack users.
type Person struct {
	Source string // PersonJira (Item.Assignee, a display name) or PersonGitHub (a login)
	Name   string
}

// Person sources.
const (
	PersonJira   = "jira"
	PersonGitHub = "github"
)

// SubjectTeam is the subject of the team-wide WIP nudge.
const SubjectTeam = "team"

// Nudge is one thing someone can act on (docs/coaching.md).
type Nudge struct {
	Rule    Rule
	Level   Level
	Subject string // item key, owner/repo#N, stage name, or SubjectTeam
	Title   string // the item's or pull request's title; "" for stages
	Who     []Person
	Why     string
	Advice  string
	// Numbers are the figures Why quotes, by name (docs/coaching.md).
	Numbers map[string]float64
	// Key is Rule:Subject, stable across evaluations, for dedup.
	Key string
	// Since is when the condition's current episode began; a different
	// Since for the same Key is a new episode.
	Since time.Time
	// Moved is the subject's last movement (status change, pull-request
	// event) at or before now; zero for stages and the team.
	Moved time.Time
	// Once: never repeated after the first post.
	Once bool
}

// RulesConfig are a team's overrides; a zero field takes the default of
// docs/coaching.md. Durations are working time.
type RulesConfig struct {
	SLEDays, EscalateDays, SplitAfterDays float64 // 0: the team's P85, P95, P50 working cycle time
	StalledAfter                          time.Duration
	BlockedAfter                          time.Duration
	PickupAfter, ReviewAfter              time.Duration // 0: the team's P85; at least 1 working day either way
	MaxPoints                             float64       // 0: no estimate check
	MaxPRLines                            int           // 0: 400
	EarlyStages                           []string      // nil: the first stage that can hold work
	BlockedStatuses                       []string      // nil: statuses whose name contains "blocked"
	ExcludeTypes                          []string
	Bots                                  []string
	DefaultBranches                       []string       // empty: every base branch
	WIPLimit                              int            // 0: none
	StageWIPLimits                        map[string]int // by stage name; 0: none
	Disabled                              []Rule
}

// Defaults of RulesConfig.
const (
	DefaultStalledAfter = 5 * 24 * time.Hour
	DefaultBlockedAfter = 2 * 24 * time.Hour
	workingDay          = 24 * time.Hour
	historyWindow       = 90 * 24 * time.Hour
	bottleneckWindow    = 14 * 24 * time.Hour
)

// BottleneckState is the bottleneck checkpoint: the stage, since when,
// and its queue age then (days).
type BottleneckState struct {
	Stage        string
	Since        time.Time
	QueueAgeDays float64
}

// RulesState is what the stateful rules remember between evaluations.
type RulesState struct {
	WIPOver    map[string]bool // subjects over their WIP limit
	Bottleneck BottleneckState
}

// RulesInput is everything Evaluate reads.
type RulesInput struct {
	Workflow Workflow
	Items    []Item
	PRs      []PullRequest
	Location *time.Location // nil: UTC
	Workdays [7]bool        // by time.Weekday; all false: Monday to Friday
	// Hours and Holidays complete the team's working time (Calendar);
	// zero: whole days, no holidays.
	Hours    WorkingHours
	Holidays []string
	Config   RulesConfig
	Previous RulesState
}

// Evaluate applies every rule of docs/coaching.md as of now and returns
// the nudges that hold, by rule (in AllRules order) then subject.
func Evaluate(in RulesInput, now time.Time) []Nudge {
	e := newEvaluation(in, now)
	var out []Nudge
	add := func(n Nudge) {
		if slices.Contains(in.Config.Disabled, n.Rule) {
			return
		}
		n.Key = string(n.Rule) + ":" + n.Subject
		out = append(out, n)
	}
	for _, f := range e.flows {
		if !f.InProgress() || containsFold(in.Config.ExcludeTypes, f.Item.Type) {
			continue
		}
		for _, n := range e.itemNudges(f) {
			add(n)
		}
	}
	for _, pr := range in.PRs {
		for _, n := range e.prNudges(pr) {
			add(n)
		}
	}
	for _, n := range e.wipNudges() {
		add(n)
	}
	if n, ok := e.bottleneckNudge(); ok {
		add(n)
	}
	order := map[Rule]int{}
	for i, r := range AllRules() {
		order[r] = i
	}
	slices.SortStableFunc(out, func(a, b Nudge) int {
		return cmp.Or(cmp.Compare(order[a.Rule], order[b.Rule]), cmp.Compare(a.Subject, b.Subject))
	})
	return out
}

// Observe is the state to remember after evaluating in at now, to pass as
// RulesInput.Previous next time.
func Observe(in RulesInput, now time.Time) RulesState {
	e := newEvaluation(in, now)
	s := RulesState{WIPOver: map[string]bool{}}
	for subject, w := range e.wipLevels() {
		if w.limit > 0 && w.count > w.limit {
			s.WIPOver[subject] = true
		}
	}
	cur, ok := e.bottleneck()
	prev := in.Previous.Bottleneck
	switch {
	case !ok:
		s.Bottleneck = prev
	case cur.Stage != prev.Stage || now.Sub(prev.Since) >= bottleneckWindow:
		s.Bottleneck = cur
	default:
		s.Bottleneck = prev
	}
	return s
}

// evaluation is one Evaluate: the input, read as of now, with the
// thresholds resolved.
type evaluation struct {
	in       RulesInput
	now      time.Time
	clock    Clock
	delivery DeliveryOptions
	flows    []Flow
	placer   *placer
	roles    *roles

	sle, escalate, split float64 // days; valid when hasSLE / hasSplit
	hasSLE, hasSplit     bool
	pickup, review       time.Duration
}

func newEvaluation(in RulesInput, now time.Time) *evaluation {
	if in.Workdays == ([7]bool{}) {
		in.Workdays = [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	}
	if in.Location == nil {
		in.Location = time.UTC
	}
	c := in.Config
	e := &evaluation{
		in: in, now: now, clock: Calendar{Location: in.Location, Workdays: in.Workdays, Hours: in.Hours, Holidays: in.Holidays}.Clock(),
		placer: newPlacer(in.Workflow), roles: newRoles(in.Workflow),
	}
	e.delivery = DeliveryOptions{DefaultBranches: c.DefaultBranches, Bots: c.Bots, MaxPRLines: c.MaxPRLines,
		Location: in.Location, Clock: e.clock}
	e.flows = Flows(in.Workflow, in.Items, now)

	// The team's working cycle times over the last 90 days.
	var cts []float64
	win := Window{From: now.Add(-historyWindow), To: now}
	for _, f := range e.flows {
		if f.Delivered() && !f.Started.IsZero() && win.Contains(f.Done) && !containsFold(c.ExcludeTypes, f.Item.Type) {
			cts = append(cts, daysOf(e.clock(f.Started, f.Done)))
		}
	}
	slices.Sort(cts)
	if len(cts) > 0 {
		e.sle, e.escalate, e.split = nearestRank(cts, 85), nearestRank(cts, 95), nearestRank(cts, 50)
		e.hasSLE, e.hasSplit = true, true
	}
	if c.SLEDays > 0 {
		e.sle, e.hasSLE = c.SLEDays, true
		if c.EscalateDays == 0 && len(cts) == 0 {
			e.escalate = c.SLEDays
		}
	}
	if c.EscalateDays > 0 {
		e.escalate = c.EscalateDays
	}
	if c.SplitAfterDays > 0 {
		e.split, e.hasSplit = c.SplitAfterDays, true
	}

	e.pickup, e.review = c.PickupAfter, c.ReviewAfter
	if e.pickup == 0 || e.review == 0 {
		r := PRs(in.PRs, nil, e.delivery, win)
		if e.pickup == 0 && r.Pickup.OK() {
			e.pickup = time.Duration(r.Pickup.P85 * float64(time.Hour))
		}
		if e.review == 0 && r.Review.OK() {
			e.review = time.Duration(r.Review.P85 * float64(time.Hour))
		}
	}
	e.pickup, e.review = max(e.pickup, workingDay), max(e.review, workingDay)
	return e
}

func (e *evaluation) days(from time.Time) float64 { return daysOf(e.clock(from, e.now)) }

func (e *evaluation) stalledAfter() time.Duration {
	return cmp.Or(e.in.Config.StalledAfter, DefaultStalledAfter)
}

func (e *evaluation) blockedAfter() time.Duration {
	return cmp.Or(e.in.Config.BlockedAfter, DefaultBlockedAfter)
}

// transitions are it's transitions at or before now, oldest first.
func (e *evaluation) transitions(it Item) []Transition {
	ts := slices.Clone(it.Transitions)
	slices.SortStableFunc(ts, byAt)
	i := 0
	for i < len(ts) && !ts[i].At.After(e.now) {
		i++
	}
	return ts[:i]
}

func assignee(it Item) []Person {
	if it.Assignee == "" {
		return nil
	}
	return []Person{{Source: PersonJira, Name: it.Assignee}}
}

func (e *evaluation) itemNudges(f Flow) []Nudge {
	it := f.Item
	ts := e.transitions(it)
	moved := f.Started
	if len(ts) > 0 {
		moved = later(moved, ts[len(ts)-1].At)
	}
	age := e.days(f.Started)
	stage := e.placer.place(f.Status).stage
	base := Nudge{Subject: it.Key, Title: it.Title, Moved: moved}
	var out []Nudge

	// aging
	if e.hasSLE && age > 0.75*e.sle {
		n := base
		n.Rule, n.Since, n.Level = RuleAging, f.Started, LevelQuiet
		switch {
		case age > e.sle && age > e.escalate:
			n.Level, n.Who = LevelEscalated, assignee(it)
		case age > e.sle:
			n.Level, n.Who = LevelMention, assignee(it)
		}
		n.Why = fmt.Sprintf("%s has been in progress %.1f working days (now in %s); 85%% of your items finish within %.1f.",
			it.Key, age, stage, e.sle)
		n.Advice = "Finish it before starting anything new: swarm or pair on it. What would it take to finish it today?"
		n.Numbers = map[string]float64{"age_days": age, "sle_days": e.sle, "escalate_days": e.escalate}
		out = append(out, n)
	}

	// blocked, and stalled when not blocked
	blockedSince, blocked := e.blockedSince(f, ts, moved)
	if blocked {
		if d := e.clock(blockedSince, e.now); d >= e.blockedAfter() {
			n := base
			n.Rule, n.Since, n.Level, n.Who = RuleBlocked, blockedSince, LevelMention, assignee(it)
			n.Why = fmt.Sprintf("%s has been blocked for %.1f working days (in %s).", it.Key, daysOf(d), f.Status)
			n.Advice = "Say what it waits for and who can unblock it today; if nobody can, put it aside and pull other work."
			n.Numbers = map[string]float64{"blocked_days": daysOf(d), "blocked_after_days": daysOf(e.blockedAfter())}
			out = append(out, n)
		}
	} else {
		last := LastActivity(it, f.Started, ItemPRs(it.Key, e.in.PRs), e.now)
		if d := e.clock(last, e.now); d >= e.stalledAfter() {
			n := base
			n.Rule, n.Since, n.Level, n.Who = RuleStalled, last, LevelMention, assignee(it)
			n.Why = fmt.Sprintf("Nothing has happened on %s for %.1f working days (in %s).", it.Key, daysOf(d), f.Status)
			n.Advice = "Is anyone still working on it? Move it, pick it up, or send it back to the backlog so the board tells the truth."
			n.Numbers = map[string]float64{"idle_days": daysOf(d), "stalled_after_days": daysOf(e.stalledAfter())}
			out = append(out, n)
		}
	}

	// oversized item
	if e.early(stage) {
		c := e.in.Config
		tooOld := e.hasSplit && age > e.split
		tooBig := c.MaxPoints > 0 && it.Estimated && it.Points > c.MaxPoints
		if tooOld || tooBig {
			n := base
			n.Rule, n.Since, n.Level, n.Who = RuleOversizedItem, f.Started, LevelMention, assignee(it)
			n.Numbers = map[string]float64{"age_days": age}
			var why []string
			if tooOld {
				why = append(why, fmt.Sprintf("still in %s after %.1f working days; half of your items finish within %.1f", stage, age, e.split))
				n.Numbers["split_after_days"] = e.split
			}
			if tooBig {
				why = append(why, fmt.Sprintf("estimated at %g points, over the %g-point limit", it.Points, c.MaxPoints))
				n.Numbers["points"], n.Numbers["max_points"] = it.Points, c.MaxPoints
			}
			n.Why = it.Key + " is " + strings.Join(why, ", and ") + "."
			n.Advice = "Work that cannot be finished in a day or two wants breaking down: split it into pieces that can each be delivered."
			out = append(out, n)
		}
	}
	return out
}

// blockedSince reports whether f is blocked at now and since when: the
// earliest start among the conditions that hold (docs/coaching.md).
func (e *evaluation) blockedSince(f Flow, ts []Transition, moved time.Time) (time.Time, bool) {
	var since time.Time
	found := false
	hold := func(t time.Time) {
		if !found || t.Before(since) {
			since, found = t, true
		}
	}
	for _, s := range f.Item.Flagged {
		if !s.From.After(e.now) && (s.To.IsZero() || s.To.After(e.now)) {
			hold(s.From)
		}
	}
	if e.isBlockedStatus(f.Status) {
		entered := f.Item.Created
		for i := len(ts) - 1; i >= 0; i-- {
			if !e.isBlockedStatus(ts[i].From) {
				entered = ts[i].At
				break
			}
		}
		hold(later(entered, f.Item.Created))
	}
	for _, l := range f.Item.Links {
		if strings.EqualFold(strings.TrimSpace(l.Description), "is blocked by") && !strings.EqualFold(l.OtherCategory, CategoryDone) {
			hold(moved)
		}
	}
	return since, found
}

func (e *evaluation) isBlockedStatus(status string) bool {
	if e.in.Config.BlockedStatuses != nil {
		return containsFold(e.in.Config.BlockedStatuses, status)
	}
	return strings.Contains(strings.ToLower(status), "blocked")
}

// LastActivity is the stalled rule's one definition of activity
// (docs/coaching.md): the latest of started, the item's status changes,
// its flags set or cleared, its latest comment, and the events of prs
// (its pull requests: opened, ready, first commit, pushed or otherwise
// updated, reviewed, merged, closed), counting only what happened at or
// before now. A pull request opened after now is left out whole: its
// first commit may predate now, but nobody could see it yet.
func LastActivity(it Item, started time.Time, prs []PullRequest, now time.Time) time.Time {
	last := started
	seen := func(t time.Time) {
		if !t.IsZero() && !t.After(now) && t.After(last) {
			last = t
		}
	}
	for _, t := range it.Transitions {
		seen(t.At)
	}
	for _, s := range it.Flagged {
		seen(s.From)
		seen(s.To)
	}
	// Only the latest comment is kept: in a backtest, one made after now
	// hides the earlier ones, so the item looks idler than it was.
	seen(it.Commented)
	for _, pr := range prs {
		if pr.Created.After(now) {
			continue
		}
		for _, t := range []time.Time{pr.Created, pr.Ready, pr.FirstCommit, pr.Merged, pr.Closed, pr.Updated} {
			seen(t)
		}
		for _, r := range pr.Reviews {
			seen(r.Submitted)
		}
	}
	return last
}

// early reports whether stage is one of the team's early stages.
func (e *evaluation) early(stage string) bool {
	if e.in.Config.EarlyStages != nil {
		return containsFold(e.in.Config.EarlyStages, stage)
	}
	for _, sg := range e.in.Workflow.Stages {
		if len(sg.Active)+len(sg.Wait) > 0 {
			return strings.EqualFold(sg.Name, stage)
		}
	}
	return false
}

// reviewState is a pull request's review state as of now.
type reviewState struct {
	first         time.Time // first review; zero: none
	approved      bool
	approvedSince time.Time
	changesBy     []string // reviewers whose latest state is changes requested
	reviewers     []string // humans who reviewed, first review first
}

func (e *evaluation) reviewState(pr PullRequest) reviewState {
	rs := slices.Clone(pr.Reviews)
	slices.SortStableFunc(rs, func(a, b Review) int { return a.Submitted.Compare(b.Submitted) })
	var s reviewState
	latest := map[string]string{} // by lower-case login: APPROVED or CHANGES_REQUESTED
	var order []string
	for _, r := range rs {
		if r.Submitted.After(e.now) || !e.delivery.reviewed(pr, r) {
			continue
		}
		login := strings.ToLower(r.Author)
		if s.first.IsZero() {
			s.first = r.Submitted
		}
		if !slices.Contains(order, login) {
			order = append(order, login)
			s.reviewers = append(s.reviewers, r.Author)
		}
		switch r.State {
		case "APPROVED", "CHANGES_REQUESTED":
			latest[login] = r.State
		case "DISMISSED":
			delete(latest, login)
		}
		was := s.approved
		s.approved = false
		for _, st := range latest {
			if st == "CHANGES_REQUESTED" {
				s.approved = false
				break
			}
			if st == "APPROVED" {
				s.approved = true
			}
		}
		if s.approved && !was {
			s.approvedSince = r.Submitted
		}
	}
	for i, login := range order {
		if latest[login] == "CHANGES_REQUESTED" {
			s.changesBy = append(s.changesBy, s.reviewers[i])
		}
	}
	return s
}

// people are the logins as GitHub people, bots and the author left out,
// each once.
func (e *evaluation) people(pr PullRequest, logins []string) []Person {
	var out []Person
	for _, l := range logins {
		if l == "" || e.delivery.IsBot(l, false) || strings.EqualFold(l, pr.Author) ||
			slices.ContainsFunc(out, func(p Person) bool { return strings.EqualFold(p.Name, l) }) {
			continue
		}
		out = append(out, Person{Source: PersonGitHub, Name: l})
	}
	return out
}

func (e *evaluation) prNudges(pr PullRequest) []Nudge {
	o := e.delivery
	open := !pr.Created.After(e.now) &&
		(pr.Closed.IsZero() || pr.Closed.After(e.now)) && (pr.Merged.IsZero() || pr.Merged.After(e.now))
	ready := !pr.Draft && !pr.Ready.IsZero() && !pr.Ready.After(e.now)
	if !open || !ready || o.IsBot(pr.Author, pr.AuthorIsBot) || !o.onDefaultBranch(pr) {
		return nil
	}
	ref := refOf(pr).String()
	s := e.reviewState(pr)
	moved := later(pr.Ready, pr.Created)
	if !pr.Updated.After(e.now) {
		moved = later(moved, pr.Updated)
	}
	for _, r := range pr.Reviews {
		if !r.Submitted.After(e.now) {
			moved = later(moved, r.Submitted)
		}
	}
	author := []Person{{Source: PersonGitHub, Name: pr.Author}}
	base := Nudge{Subject: ref, Title: pr.Title, Moved: moved}
	var out []Nudge

	if lines, limit := pr.Additions+pr.Deletions, o.maxPRLines(); lines > limit {
		n := base
		n.Rule, n.Since, n.Level, n.Who, n.Once = RuleOversizedPR, pr.Ready, LevelMention, author, true
		n.Why = fmt.Sprintf("%s changes %d lines, over the %d-line limit.", ref, lines, limit)
		n.Advice = "Split it into smaller pull requests that can each be reviewed in one sitting."
		n.Numbers = map[string]float64{"lines": float64(lines), "max_pr_lines": float64(limit)}
		out = append(out, n)
	}

	switch {
	case s.first.IsZero():
		reviewers := e.people(pr, pr.RequestedReviewers)
		if d := e.clock(pr.Ready, e.now); len(reviewers) > 0 && d >= e.pickup {
			n := base
			n.Rule, n.Since, n.Level, n.Who = RuleReviewWaiting, pr.Ready, LevelMention, reviewers
			n.Why = fmt.Sprintf("%s has waited %.1f working days for a first review; 85%% of your pull requests are picked up within %.1f.",
				ref, daysOf(d), daysOf(e.pickup))
			n.Advice = "Review it before starting new work, or say who should."
			n.Numbers = map[string]float64{"waiting_days": daysOf(d), "pickup_days": daysOf(e.pickup)}
			out = append(out, n)
		}
	case s.approved:
		if d := e.clock(s.approvedSince, e.now); d >= workingDay {
			n := base
			n.Rule, n.Since, n.Level, n.Who = RuleApprovedNotMerged, s.approvedSince, LevelMention, author
			n.Why = fmt.Sprintf("%s was approved %.1f working days ago and is not merged.", ref, daysOf(d))
			n.Advice = "Merge it, or say what it still waits for."
			n.Numbers = map[string]float64{"approved_days": daysOf(d)}
			out = append(out, n)
		}
	default:
		if d := e.clock(s.first, e.now); d >= e.review {
			n := base
			n.Rule, n.Since, n.Level = RuleReviewLong, s.first, LevelMention
			waiting := slices.ContainsFunc(s.changesBy, func(l string) bool {
				return !slices.ContainsFunc(pr.RequestedReviewers, func(r string) bool { return strings.EqualFold(r, l) })
			})
			switch {
			case waiting:
				n.Who = author
				n.Advice = "Changes were requested: address them, or talk it through with the reviewer."
			case len(e.people(pr, pr.RequestedReviewers)) > 0:
				n.Who = e.people(pr, pr.RequestedReviewers)
				n.Advice = "Finish the review: approve it, or say what blocks it."
			default:
				n.Who = e.people(pr, s.reviewers)
				n.Advice = "Finish the review: approve it, or say what blocks it."
			}
			n.Why = fmt.Sprintf("%s has been in review %.1f working days without an approval; 85%% of your reviews finish within %.1f.",
				ref, daysOf(d), daysOf(e.review))
			n.Numbers = map[string]float64{"in_review_days": daysOf(d), "review_days": daysOf(e.review)}
			out = append(out, n)
		}
	}
	return out
}

// wipLevel is one WIP count and its limit.
type wipLevel struct{ count, limit int }

// wipLevels are the team's and each limited stage's WIP, by subject.
func (e *evaluation) wipLevels() map[string]wipLevel {
	c := e.in.Config
	var flows []Flow
	for _, f := range e.flows {
		if !containsFold(c.ExcludeTypes, f.Item.Type) {
			flows = append(flows, f)
		}
	}
	r := WIP(e.in.Workflow, flows)
	out := map[string]wipLevel{SubjectTeam: {r.Count, c.WIPLimit}}
	for name, limit := range c.StageWIPLimits {
		w := wipLevel{limit: limit}
		for _, sc := range r.ByStage {
			if strings.EqualFold(sc.Stage, name) {
				w.count = sc.Count
			}
		}
		out[name] = w
	}
	return out
}

func (e *evaluation) wipNudges() []Nudge {
	var out []Nudge
	for subject, w := range e.wipLevels() {
		over := w.limit > 0 && w.count > w.limit
		was := e.in.Previous.WIPOver[subject]
		if over == was {
			continue
		}
		where := "The team's"
		if subject != SubjectTeam {
			where = subject + "'s"
		}
		n := Nudge{Rule: RuleWIPOverLimit, Level: LevelQuiet, Subject: subject, Since: e.now,
			Numbers: map[string]float64{"wip": float64(w.count), "limit": float64(w.limit)}}
		if over {
			n.Why = fmt.Sprintf("%s work in progress is %d, over its limit of %d.", where, w.count, w.limit)
			n.Advice = "Stop starting, start finishing: help move an item on before pulling a new one."
		} else {
			n.Why = fmt.Sprintf("%s work in progress is back to %d, within its limit of %d.", where, w.count, w.limit)
			n.Advice = "Keep it there: finish before starting."
		}
		out = append(out, n)
	}
	return out
}

// bottleneck reads the current bottleneck: the VSM's over the last two
// weeks, with its queue age at now.
func (e *evaluation) bottleneck() (BottleneckState, bool) {
	_, st, ok := e.bottleneckReport()
	return st, ok
}

// bottleneckReport is the bottleneck evidence, the state, and the oldest
// item waiting in the stage ("" when none).
func (e *evaluation) bottleneckReport() (Bottleneck, BottleneckState, bool) {
	v := VSM(e.in.Workflow, e.flows, Window{From: e.now.Add(-bottleneckWindow), To: e.now}, e.clock)
	if !v.HasBottleneck {
		return Bottleneck{}, BottleneckState{}, false
	}
	st := BottleneckState{Stage: v.Bottleneck.Stage, Since: e.now}
	st.QueueAgeDays, _ = e.queueAge(v.Bottleneck.Stage)
	return v.Bottleneck, st, true
}

// queueAge is the longest time (days) an item in progress has sat in its
// current status among the stage's wait statuses, and that item's key.
func (e *evaluation) queueAge(stage string) (float64, string) {
	var age float64
	var key string
	for _, f := range e.flows {
		if !f.InProgress() {
			continue
		}
		sr := e.roles.of(f.Status)
		if sr.stage < 0 || sr.role != roleWait || !strings.EqualFold(e.in.Workflow.Stages[sr.stage].Name, stage) {
			continue
		}
		entered := f.Item.Created
		if ts := e.transitions(f.Item); len(ts) > 0 {
			entered = later(entered, ts[len(ts)-1].At)
		}
		if d := e.days(entered); key == "" || d > age || (d == age && f.Item.Key < key) {
			age, key = d, f.Item.Key
		}
	}
	return age, key
}

func (e *evaluation) bottleneckNudge() (Nudge, bool) {
	b, cur, ok := e.bottleneckReport()
	prev := e.in.Previous.Bottleneck
	if !ok || prev.Stage == "" {
		return Nudge{}, false
	}
	_, oldest := e.queueAge(cur.Stage)
	n := Nudge{Rule: RuleBottleneck, Level: LevelQuiet, Subject: cur.Stage,
		Numbers: map[string]float64{"wait_share": b.WaitShare, "median_wait_days": b.MedianWait,
			"queued": float64(b.QueuedNow), "queue_age_days": cur.QueueAgeDays}}
	evidence := fmt.Sprintf("%.0f%% of the waiting in the last 2 weeks was in %s (median wait %.1f working days; %d waiting now)",
		100*b.WaitShare, cur.Stage, b.MedianWait, b.QueuedNow)
	switch {
	case !strings.EqualFold(cur.Stage, prev.Stage):
		n.Since = e.now
		n.Why = fmt.Sprintf("The bottleneck moved from %s to %s: %s.", prev.Stage, cur.Stage, evidence)
	case e.now.Sub(prev.Since) >= bottleneckWindow && cur.QueueAgeDays > prev.QueueAgeDays:
		n.Since = prev.Since
		n.Why = fmt.Sprintf("%s has been the bottleneck for 2 weeks and its queue is getting older (%.1f working days, from %.1f): %s.",
			cur.Stage, cur.QueueAgeDays, prev.QueueAgeDays, evidence)
		n.Numbers["previous_queue_age_days"] = prev.QueueAgeDays
	default:
		return Nudge{}, false
	}
	if oldest != "" {
		n.Advice = fmt.Sprintf("Before starting anything new, help move %s, the oldest item waiting in %s.", oldest, cur.Stage)
	} else {
		n.Advice = fmt.Sprintf("Before starting anything new, ask what the work waiting in %s needs to move on.", cur.Stage)
	}
	return n, true
}
