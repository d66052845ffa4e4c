package bot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowbot/flowbot/coach"
)

// Standup is a team's standup prompt (docs/coaching.md, "The standup
// prompt"): the board walked from the stage closest to done, oldest first
// within a stage, the items that need a conversation in full and the rest
// counted, and one question.
type Standup struct {
	Team     string         `json:"team"`
	Now      time.Time      `json:"now"`
	SLEDays  *float64       `json:"sle_days"`
	Stages   []StandupStage `json:"stages"`
	Question string         `json:"question"`
	// Focus is the item the question is about; "" when none.
	Focus string `json:"focus"`
}

// StandupStage is one stage of the walk.
type StandupStage struct {
	Stage  string        `json:"stage"`
	Items  []StandupItem `json:"items"`  // those that need a conversation
	Moving int           `json:"moving"` // the rest, moving fine
}

// StandupItem is one item that needs a conversation.
type StandupItem struct {
	Key          string    `json:"key"`
	Title        string    `json:"title,omitempty"` // left out for private teams
	Status       string    `json:"status"`
	Assignee     string    `json:"assignee"`
	AgeDays      float64   `json:"age_days"`       // working days since started
	InStatusDays float64   `json:"in_status_days"` // working days in the current status
	LastActivity time.Time `json:"last_activity"`
	IdleDays     float64   `json:"idle_days"` // working days since the last activity
	PR           string    `json:"pr"`        // owner/repo#N of its latest pull request; "" when none
	PRState      string    `json:"pr_state"`  // draft, waiting for review, changes requested, in review, approved, merged, closed
	// ReviewWaitDays is the working time the pull request has waited for
	// its first review; nil when it is not waiting.
	ReviewWaitDays *float64 `json:"review_wait_days"`
	// Why are the rules that hold for it or its pull requests.
	Why []string `json:"why"`
}

// standupRules are the rules that make an item need a conversation; the
// pull-request rules count for the items the pull request is linked to.
var standupRules = []coach.Rule{coach.RuleAging, coach.RuleBlocked, coach.RuleStalled,
	coach.RuleReviewWaiting, coach.RuleReviewLong, coach.RuleApprovedNotMerged}

// Standup builds the team's standup prompt as of now.
func (b *Bot) Standup(ctx context.Context, teamID string, now time.Time) (Standup, error) {
	d, err := b.readTeam(ctx, teamID, false)
	if err != nil {
		return Standup{}, err
	}
	return standupOf(d, now), nil
}

func standupOf(d *teamData, now time.Time) Standup {
	clock := d.team.Clock()
	flows := coach.Flows(d.workflow, d.items, now)
	aging := coach.Aging(d.workflow, flows, now)
	su := Standup{Team: d.team.ID, Now: now}

	// Why each subject needs a conversation, from the coaching rules.
	why := map[string][]string{}
	for _, n := range coach.Evaluate(d.rulesInput(), now) {
		if !slices.Contains(standupRules, n.Rule) {
			continue
		}
		if n.Rule == coach.RuleAging {
			su.SLEDays = ptr(n.Numbers["sle_days"], true)
		}
		why[n.Subject] = append(why[n.Subject], string(n.Rule))
	}

	// Stage order: the order WIP lists them, done-most last.
	order := map[string]int{}
	for i, sc := range coach.WIP(d.workflow, flows).ByStage {
		order[sc.Stage] = i
	}
	byKey := map[string]coach.Flow{}
	for _, f := range flows {
		byKey[f.Item.Key] = f
	}
	items := slices.Clone(aging.Items) // oldest first
	slices.SortStableFunc(items, func(a, b coach.AgingItem) int { return cmp.Compare(order[b.Stage], order[a.Stage]) })

	for _, it := range items {
		f := byKey[it.Key]
		if len(su.Stages) == 0 || su.Stages[len(su.Stages)-1].Stage != it.Stage {
			su.Stages = append(su.Stages, StandupStage{Stage: it.Stage, Items: []StandupItem{}})
		}
		st := &su.Stages[len(su.Stages)-1]
		prs := itemPRsAt(it.Key, d.prs, now)
		reasons := slices.Clone(why[it.Key])
		for _, pr := range prs {
			for _, r := range why[coach.PRRef{Repo: pr.Repo, Number: pr.Number}.String()] {
				if !slices.Contains(reasons, r) {
					reasons = append(reasons, r)
				}
			}
		}
		if len(reasons) == 0 {
			st.Moving++
			continue
		}
		si := StandupItem{Key: it.Key, Status: it.Status, Assignee: it.Assignee, Why: reasons,
			AgeDays: daysOf(clock(f.Started, now))}
		if !d.team.Private {
			si.Title = it.Title
		}
		si.InStatusDays = daysOf(clock(enteredStatus(f.Item, now), now))
		si.LastActivity = coach.LastActivity(f.Item, f.Started, prs, now)
		si.IdleDays = daysOf(clock(si.LastActivity, now))
		if len(prs) > 0 {
			pr := prs[len(prs)-1]
			si.PR = coach.PRRef{Repo: pr.Repo, Number: pr.Number}.String()
			si.PRState = prState(pr, now)
			if si.PRState == "waiting for review" {
				si.ReviewWaitDays = ptr(daysOf(clock(pr.Ready, now)), true)
			}
		}
		st.Items = append(st.Items, si)
		if su.Focus == "" {
			su.Focus = it.Key
		}
	}
	switch {
	case su.Focus != "":
		su.Question = fmt.Sprintf("What would it take to finish %s today?", su.Focus)
	case len(items) > 0:
		su.Focus = items[0].Key
		su.Question = fmt.Sprintf("Everything is moving: what would it take to finish %s today?", su.Focus)
	}
	return su
}

func daysOf(d time.Duration) float64 { return d.Hours() / 24 }

// itemPRsAt are the item's pull requests opened at or before now.
func itemPRsAt(key string, prs []coach.PullRequest, now time.Time) []coach.PullRequest {
	var out []coach.PullRequest
	for _, pr := range coach.ItemPRs(key, prs) {
		if !pr.Created.After(now) {
			out = append(out, pr)
		}
	}
	return out
}

// enteredStatus is when the item entered its status as of now: its last
// transition at or before now, else its creation.
func enteredStatus(it coach.Item, now time.Time) time.Time {
	at := it.Created
	for _, t := range it.Transitions {
		if !t.At.After(now) && t.At.After(at) {
			at = t.At
		}
	}
	return at
}

// prState is a pull request's review state as of now.
func prState(pr coach.PullRequest, now time.Time) string {
	switch {
	case !pr.Merged.IsZero() && !pr.Merged.After(now):
		return "merged"
	case !pr.Closed.IsZero() && !pr.Closed.After(now):
		return "closed"
	case pr.Draft || pr.Ready.IsZero() || pr.Ready.After(now):
		return "draft"
	}
	latest := map[string]string{}
	reviewed := false
	for _, r := range pr.Reviews {
		if r.Submitted.After(now) || r.AuthorIsBot || strings.EqualFold(r.Author, pr.Author) {
			continue
		}
		reviewed = true
		switch r.State {
		case "APPROVED", "CHANGES_REQUESTED":
			latest[strings.ToLower(r.Author)] = r.State
		case "DISMISSED":
			delete(latest, strings.ToLower(r.Author))
		}
	}
	approved := false
	for _, s := range latest {
		if s == "CHANGES_REQUESTED" {
			return "changes requested"
		}
		approved = true
	}
	switch {
	case approved:
		return "approved"
	case reviewed:
		return "in review"
	}
	return "waiting for review"
}

// StandupMessage lays the prompt out: a section per stage with work,
// right to left, then the question.
func StandupMessage(su Standup, teamName string, loc *time.Location) *Message {
	m := &Message{Title: "Standup · " + teamName + " · " + su.Now.In(loc).Format("Mon 2 Jan")}
	full, moving := 0, 0
	for _, st := range su.Stages {
		var lines []string
		for _, it := range st.Items {
			lines = append(lines, standupLine(it, su.SLEDays))
		}
		switch {
		case st.Moving > 0 && len(st.Items) == 0:
			lines = append(lines, fmt.Sprintf("_%s moving fine_", plural(st.Moving, "item", "items")))
		case st.Moving > 0:
			lines = append(lines, fmt.Sprintf("_and %d more moving fine_", st.Moving))
		}
		m.Body = append(m.Body, "*"+escape(st.Stage)+"*\n"+strings.Join(lines, "\n"))
		full += len(st.Items)
		moving += st.Moving
	}
	switch {
	case len(su.Stages) == 0:
		m.Reading = "Nothing is in progress."
	case full == 0:
		m.Reading = fmt.Sprintf("All %d items in progress are moving fine, right to left:", moving)
	default:
		m.Reading = fmt.Sprintf("Walking the board right to left: %s to talk about, %d moving fine.", plural(full, "item", "items"), moving)
	}
	if su.Question != "" {
		m.Body = append(m.Body, ":speech_balloon: *"+su.Question+"*")
	}
	m.Fields = []Field{{"To talk about", fmt.Sprint(full)}, {"Moving fine", fmt.Sprint(moving)}}
	m.Context = "Standup prompt · " + teamName + " · definitions: docs/coaching.md"
	return m
}

func standupLine(it StandupItem, sle *float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "• *%s*", it.Key)
	if it.Title != "" {
		b.WriteString(" " + escape(truncate(it.Title, 60)))
	}
	who := it.Assignee
	if who == "" {
		who = "unassigned"
	}
	fmt.Fprintf(&b, " (%s) · %s for %s", escape(who), escape(it.Status), workdays(it.InStatusDays))
	age := "age " + workdays(it.AgeDays)
	if sle != nil {
		age += " of an SLE of " + workdays(*sle)
	}
	fmt.Fprintf(&b, " · %s · last activity %s ago", age, workdays(it.IdleDays))
	if it.PR != "" {
		fmt.Fprintf(&b, " · PR %s %s", it.PR, it.PRState)
		if it.ReviewWaitDays != nil {
			fmt.Fprintf(&b, " for %s", workdays(*it.ReviewWaitDays))
		}
	}
	b.WriteString(" · :warning: " + strings.Join(it.Why, ", "))
	return b.String()
}

// workdays shows working days with one decimal.
func workdays(d float64) string { return strconv.FormatFloat(d, 'f', 1, 64) + " working days" }

// standupJSON is the `standup` answer of `flowbot ask --format json`.
type standupJSON struct {
	Command string `json:"command"`
	Standup
}

// StandupAnswer is the `standup` command: the prompt as it would be
// posted now.
func (b *Bot) StandupAnswer(ctx context.Context, teamID string, now time.Time) (Answer, error) {
	su, err := b.Standup(ctx, teamID, now)
	if err != nil {
		return Answer{}, err
	}
	team, _ := b.config().Team(teamID)
	name := cmp.Or(team.Name, team.ID)
	m := StandupMessage(su, name, team.Location())
	if su.Stages == nil {
		su.Stages = []StandupStage{}
	}
	return Answer{Text: messageText(m), JSON: standupJSON{Command: "standup", Standup: su}, Message: m}, nil
}

// PostStandup posts the team's standup prompt as of now in its channel
// and returns it; nothing is posted when nothing is in progress.
func (b *Bot) PostStandup(ctx context.Context, p CoachingPoster, teamID string, now time.Time) (*Message, error) {
	team, ok := b.config().Team(teamID)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownTeam, teamID)
	}
	if team.Channel == "" {
		return nil, fmt.Errorf("standup of %s: %w", team.ID, errNoChannel)
	}
	su, err := b.Standup(ctx, team.ID, now)
	if err != nil {
		return nil, err
	}
	m := StandupMessage(su, cmp.Or(team.Name, team.ID), team.Location())
	if len(su.Stages) == 0 {
		b.logger().Info("standup: nothing in progress, not posted", "team", team.ID)
		return m, nil
	}
	if _, err := p.PostCoaching(ctx, team.Channel, m); err != nil {
		return m, fmt.Errorf("posting the standup prompt of %s: %w", team.ID, err)
	}
	return m, nil
}
