package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/flowbot/flowbot/bot/config"
)

// NudgeControls is the nudge store as the commands and buttons use it:
// what the flow check reads, and the quiet controls people set.
type NudgeControls interface {
	NudgeStore
	Snooze(ctx context.Context, team, subject string, until time.Time) error
	Pause(ctx context.Context, team string, until time.Time) error
	SetAway(ctx context.Context, team, user string, until time.Time) error
	MarkOnIt(ctx context.Context, team, key string, at time.Time) error
}

// errNoNudgeStore: the bot was built without a nudge store.
var errNoNudgeStore = errors.New("no nudge store")

// maxQuiet bounds a snooze, pause or absence.
const maxQuiet = 90 * 24 * time.Hour

var (
	quietSpan   = regexp.MustCompile(`^([0-9]{1,3})([hdw])$`)
	subjectItem = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,30}-[0-9]{1,9}$`)
	subjectPR   = regexp.MustCompile(`^[A-Za-z0-9-]+/[A-Za-z0-9._-]+#[0-9]{1,9}$`)
)

// quietUntil reads a snooze, pause or absence length as of now for the
// team: Nh and Nd are working hours and days (docs/coaching.md's working
// time, so a day snoozed on Friday ends on Monday), Nw is N calendar
// weeks. "off" is zero: the quiet ends now.
func quietUntil(v string, now time.Time, team *config.Team, usage string) (time.Time, error) {
	if strings.EqualFold(v, "off") {
		return time.Time{}, nil
	}
	m := quietSpan.FindStringSubmatch(strings.ToLower(v))
	if m == nil {
		return time.Time{}, &UsageError{Problem: fmt.Sprintf("`%s` is not a length: use working days (`3d`), working hours (`4h`), weeks (`1w`), or `off`.", truncate(v, 40)), Usage: usage}
	}
	n, _ := strconv.Atoi(m[1])
	var until time.Time
	switch m[2] {
	case "w":
		until = now.AddDate(0, 0, 7*n)
	case "d":
		until = addWorking(now, time.Duration(n)*24*time.Hour, team.Location(), team.Workdays())
	case "h":
		until = addWorking(now, time.Duration(n)*time.Hour, team.Location(), team.Workdays())
	}
	if n == 0 || until.Sub(now) > maxQuiet {
		return time.Time{}, &UsageError{Problem: fmt.Sprintf("`%s` is out of range: use 1h up to 90 days.", v), Usage: usage}
	}
	return until, nil
}

// addWorking is the instant d of working time after from: non-working
// days count nothing (coach.WorkingDuration's reading, inverted).
func addWorking(from time.Time, d time.Duration, loc *time.Location, workdays [7]bool) time.Time {
	t := from.In(loc)
	for range 400 { // a year of days, far past maxQuiet
		y, m, day := t.Date()
		midnight := time.Date(y, m, day+1, 0, 0, 0, 0, loc)
		if workdays[t.Weekday()] {
			if left := midnight.Sub(t); d <= left {
				return t.Add(d)
			} else {
				d -= left
			}
		}
		t = midnight
	}
	return t
}

// quietAnswer answers the nudge commands: snooze, pause, away and nudges.
func (b *Bot) quietAnswer(ctx context.Context, team *config.Team, cmd Command, now time.Time) (Answer, error) {
	if b.Nudges == nil {
		return Answer{}, fmt.Errorf("%s: %w", cmd.Name, errNoNudgeStore)
	}
	sp, _ := lookup(cmd.Name)
	loc := team.Location()
	when := func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 15:04") }
	var text string
	switch cmd.Name {
	case "nudges":
		n := &Nudger{Bot: b, Log: b.Nudges}
		return n.NudgesAnswer(ctx, team.ID, now)
	case "snooze":
		if len(cmd.Args) != 2 {
			return Answer{}, &UsageError{Problem: "Say what to snooze and for how long, e.g. `/flow snooze PAY-123 3d`.", Usage: sp.usage}
		}
		subject := cmd.Args[0]
		if stage, ok := stageNamed(team, subject); ok {
			subject = stage
		} else if !subjectItem.MatchString(subject) && !subjectPR.MatchString(subject) {
			return Answer{}, &UsageError{Problem: fmt.Sprintf("`%s` is not an item key (`PAY-123`), a pull request (`acme/api#42`) or one of the team's stages.", truncate(subject, 40)), Usage: sp.usage}
		}
		until, err := quietUntil(cmd.Args[1], now, team, sp.usage)
		if err != nil {
			return Answer{}, err
		}
		if err := b.Nudges.Snooze(ctx, team.ID, subject, until); err != nil {
			return Answer{}, err
		}
		text = fmt.Sprintf("Snoozed *%s* until %s: no nudges about it until then.", escape(subject), when(until))
		if until.IsZero() {
			text = fmt.Sprintf("*%s* is no longer snoozed: it is nudged again when a rule holds.", escape(subject))
		}
	case "pause":
		if len(cmd.Args) != 1 {
			return Answer{}, &UsageError{Problem: "Say for how long, e.g. `/flow pause 2d`, or `/flow pause off`.", Usage: sp.usage}
		}
		until, err := quietUntil(cmd.Args[0], now, team, sp.usage)
		if err != nil {
			return Answer{}, err
		}
		if err := b.Nudges.Pause(ctx, team.ID, until); err != nil {
			return Answer{}, err
		}
		text = fmt.Sprintf("Paused the nudges of %s until %s: no flow check posts them until then.", escape(team.Name), when(until))
		if until.IsZero() {
			text = fmt.Sprintf("The nudges of %s are back on.", escape(team.Name))
		}
	case "away":
		if cmd.User == "" {
			return Answer{}, &UsageError{Problem: "`away` marks the person asking: ask from Slack.", Usage: sp.usage}
		}
		if len(cmd.Args) != 1 {
			return Answer{}, &UsageError{Problem: "Say for how long, e.g. `/flow away 1w`, or `/flow away off`.", Usage: sp.usage}
		}
		until, err := quietUntil(cmd.Args[0], now, team, sp.usage)
		if err != nil {
			return Answer{}, err
		}
		if err := b.Nudges.SetAway(ctx, team.ID, cmd.User, until); err != nil {
			return Answer{}, err
		}
		text = fmt.Sprintf("You are away until %s: nudges in %s do not mention you until then.", when(until), escape(team.Name))
		if until.IsZero() {
			text = fmt.Sprintf("Welcome back: nudges in %s mention you again.", escape(team.Name))
		}
	default:
		return Answer{}, fmt.Errorf("command %q has no answer", cmd.Name)
	}
	return Answer{Text: text, JSON: map[string]string{"command": cmd.Name, "team": team.ID, "result": text},
		Message: &Message{Title: "/flow " + cmd.Name, Reading: text}}, nil
}

// stageNamed is the team's stage called name, in any case, as the team
// spells it.
func stageNamed(team *config.Team, name string) (string, bool) {
	for _, s := range team.Stages {
		if strings.EqualFold(s.Name, name) {
			return s.Name, true
		}
	}
	return "", false
}

// quietDefinition is the help text of the nudge commands.
func quietDefinition(name string) string {
	switch name {
	case "nudges":
		return "Nudges shows the nudges a flow check would post now, each with why it fired in numbers, and those held back and why (paused, snoozed, on it, away, not a working day, outside working hours, repeated too soon, already sent); every rule is defined in docs/coaching.md. It posts nothing."
	case "snooze":
		return "Snooze holds back every nudge about one item, pull request or stage until the time it names; `3d` is three working days in the team's calendar, `1w` a calendar week, `off` ends it."
	case "pause":
		return "Pause holds back every nudge of the team until the time it names: flow checks post nothing meanwhile; `off` ends it."
	case "away":
		return "Away keeps nudges from mentioning you until the time it names; a nudge that would mention only people who are away is held back."
	}
	return ""
}

// NudgePress is a press of a nudge button on a flow-check post.
type NudgePress struct {
	ActionID string // ActionSnoozeDay, ActionSnoozeWeek, ActionOnIt, ActionSplitIt
	Value    string // "<team>|<rule:subject>"
	User     string // the Slack user who pressed it
}

// NudgeOutcome is what a press did: Reply answers the presser (only they
// see it); Note, when set, replaces the nudge's buttons on the post (who
// did what), so the channel sees it was taken care of.
type NudgeOutcome struct {
	Reply string
	Note  string
}

// splitHowTo is the "Split it" answer, by rule.
func splitHowTo(rule, subject string) string {
	if rule == "oversized-pr" {
		return "*Splitting " + subject + "*\n" +
			"1. Pull out what can merge on its own first: renames, refactors, moved files, new tests for old code.\n" +
			"2. Split the rest by behaviour, one reviewable change each, stacked or behind a flag.\n" +
			"3. Aim for changes a reviewer can read in one sitting (a few hundred lines at most)."
	}
	return "*Splitting " + subject + "*\n" +
		"1. Write down what \"done\" needs, then find the thinnest slice that is useful on its own: one path end to end, not one layer.\n" +
		"2. Make that slice this item; put the rest back in the backlog as new items.\n" +
		"3. Aim for pieces that can each be finished in a day or two, and finish the first before starting the next."
}

// PressNudge handles a nudge button: Snooze 1 day (a working day) and
// Snooze 1 week hold the subject back, On it holds the nudge back until
// the subject moves, Split it answers with a short how-to.
func (b *Bot) PressNudge(ctx context.Context, p NudgePress) (NudgeOutcome, error) {
	if b.Nudges == nil {
		return NudgeOutcome{}, fmt.Errorf("nudge button: %w", errNoNudgeStore)
	}
	teamID, key, _ := strings.Cut(p.Value, "|")
	rule, subject, ok := strings.Cut(key, ":")
	team, known := b.config().Team(teamID)
	if !ok || !known || rule == "" || subject == "" {
		return NudgeOutcome{}, fmt.Errorf("nudge button %s: malformed value %q", p.ActionID, truncate(p.Value, 80))
	}
	now := b.now()
	when := func(t time.Time) string { return t.In(team.Location()).Format("Mon 2 Jan 15:04") }
	who := "someone"
	if p.User != "" {
		who = "<@" + p.User + ">"
	}
	switch p.ActionID {
	case ActionSnoozeDay, ActionSnoozeWeek:
		until := addWorking(now, 24*time.Hour, team.Location(), team.Workdays())
		if p.ActionID == ActionSnoozeWeek {
			until = now.AddDate(0, 0, 7)
		}
		if err := b.Nudges.Snooze(ctx, team.ID, subject, until); err != nil {
			return NudgeOutcome{}, err
		}
		return NudgeOutcome{
			Reply: fmt.Sprintf("Snoozed *%s* until %s: no nudges about it until then. `/flow snooze %s off` ends it.", escape(subject), when(until), subject),
			Note:  fmt.Sprintf(":zzz: snoozed by %s until %s", who, when(until)),
		}, nil
	case ActionOnIt:
		if err := b.Nudges.MarkOnIt(ctx, team.ID, key, now); err != nil {
			return NudgeOutcome{}, err
		}
		return NudgeOutcome{
			Reply: fmt.Sprintf("Thanks: no more %s nudges about *%s* until it moves.", rule, escape(subject)),
			Note:  fmt.Sprintf(":raised_hand: %s is on it", who),
		}, nil
	case ActionSplitIt:
		return NudgeOutcome{Reply: splitHowTo(rule, escape(subject))}, nil
	}
	return NudgeOutcome{}, fmt.Errorf("nudge button: unknown action %q", truncate(p.ActionID, 40))
}
