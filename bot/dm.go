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

// DMSender sends a person's daily direct message: whether Slack's
// do-not-disturb is on for them now (dnd.info), and the message itself
// (conversations.open, then chat.postMessage).
type DMSender interface {
	DoNotDisturb(ctx context.Context, user string, now time.Time) (bool, error)
	SendDM(ctx context.Context, user string, dm DM) error
}

// DM is one person's direct message of one working day: the nudges about
// their own items and the reviews waiting for them.
type DM struct {
	Team  string
	User  string // Slack user id
	Day   string // YYYY-MM-DD in the team's time zone
	Title string
	Lines []NudgeLine // Text and Detail; no buttons, no mentions
}

// DMClaims are the claims that make each DM go out once across replicas
// (the nudge store's).
type DMClaims interface {
	Claim(ctx context.Context, team, name string, ttl time.Duration) (token string, ok bool, err error)
	Release(ctx context.Context, team, name, token string) error
}

// DMRun says what RunDMs did for each opted-in person.
type DMRun struct {
	Sent    []DM
	Skipped map[string]string // Slack user id -> why no DM went out
}

// Why a person got no DM.
const (
	DMSkipNotWorkingDay = "not a working day"
	DMSkipUnknown       = "not linked to a Jira or GitHub account"
	DMSkipNothing       = "nothing due"
	DMSkipDND           = "do not disturb"
	DMSkipClaimed       = "claimed elsewhere"
	DMSkipAway          = "away"
)

// dmClaimTTL outlasts the day in any zone: a DM that went out is never
// claimed again that day.
const dmClaimTTL = 36 * time.Hour

// RunDMs sends each person of the team who opted in (/flow dm on) their
// own nudges as one direct message, at most once per working day: the
// nudges that hold now and mention them, as the flow check decides them
// (snoozed, paused, "on it" and away are respected; a nudge the channel
// already carried today is still in the DM). Nobody is messaged on a
// non-working day or holiday, while do-not-disturb is on, or when nothing
// is due. Each DM is claimed (team, person, day) before sending and the
// claim released when sending fails, so the next run retries.
func (n *Nudger) RunDMs(ctx context.Context, teamID string, ps PeopleStore, claims DMClaims, send DMSender, now time.Time) (DMRun, error) {
	run := DMRun{Skipped: map[string]string{}}
	team, ok := n.Bot.config().Team(teamID)
	if !ok {
		return run, fmt.Errorf("%w %q", ErrUnknownTeam, teamID)
	}
	users, err := ps.DMUsers(ctx, team.ID)
	if err != nil || len(users) == 0 {
		return run, err
	}
	if !team.Calendar().IsWorkingDay(now) {
		for _, u := range users {
			run.Skipped[u] = DMSkipNotWorkingDay
		}
		return run, nil
	}
	ids, err := Identities(ctx, team, ps)
	if err != nil {
		return run, err
	}
	rep, err := n.Preview(ctx, team.ID, now)
	if err != nil {
		return run, err
	}
	away, err := n.Log.Away(ctx, team.ID, now)
	if err != nil {
		return run, err
	}
	day := now.In(team.Location()).Format(time.DateOnly)
	var errs []error
	for _, user := range users {
		dm, why := dmOf(team, user, identities(ids), rep, day)
		if why == "" && away[user].After(now) {
			why = DMSkipAway
		}
		if why != "" {
			run.Skipped[user] = why
			continue
		}
		dnd, err := send.DoNotDisturb(ctx, user, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("reading do-not-disturb of %s: %w", user, err))
			continue
		}
		if dnd {
			run.Skipped[user] = DMSkipDND
			continue
		}
		name := "dm:" + user + ":" + day
		token, got, err := claims.Claim(ctx, team.ID, name, dmClaimTTL)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !got {
			run.Skipped[user] = DMSkipClaimed
			continue
		}
		if err := send.SendDM(ctx, user, dm); err != nil {
			if rerr := claims.Release(context.WithoutCancel(ctx), team.ID, name, token); rerr != nil {
				err = errors.Join(err, rerr)
			}
			errs = append(errs, fmt.Errorf("sending the direct message of %s: %w", user, err))
			continue
		}
		run.Sent = append(run.Sent, dm)
	}
	return run, errors.Join(errs...)
}

// dmOf is user's DM from the report: the nudges that mention them (their
// items, their pull requests, the reviews asked of them), due now or held
// back only because the channel already had them today. why is set when
// there is nothing to send.
func dmOf(team *config.Team, user string, ids identities, rep NudgeReport, day string) (DM, string) {
	if !slices.ContainsFunc(ids, func(p config.Person) bool { return p.Slack == user && (p.Jira != "" || p.GitHub != "") }) {
		return DM{}, DMSkipUnknown
	}
	mine := func(nu coach.Nudge) bool {
		if nu.Level < coach.LevelMention {
			return false
		}
		for _, p := range nu.Who {
			if id, ok := ids.slackOf(p); ok && id == user {
				return true
			}
		}
		return false
	}
	var nudges []coach.Nudge
	for _, nu := range rep.Due {
		if mine(nu) {
			nudges = append(nudges, nu)
		}
	}
	for _, s := range rep.Suppressed {
		if (s.Why == coach.ReasonSameLevel) && mine(s.Nudge) {
			nudges = append(nudges, s.Nudge)
		}
	}
	if len(nudges) == 0 {
		return DM{}, DMSkipNothing
	}
	order := map[coach.Rule]int{}
	for i, r := range coach.AllRules() {
		order[r] = i
	}
	slices.SortStableFunc(nudges, func(a, b coach.Nudge) int {
		if c := order[a.Rule] - order[b.Rule]; c != 0 {
			return c
		}
		return strings.Compare(a.Subject, b.Subject)
	})
	name := team.Name
	if name == "" {
		name = team.ID
	}
	dm := DM{Team: team.ID, User: user, Day: day, Title: "Your flow check · " + name + " · " + day}
	for _, nu := range nudges {
		l := rep.line(team.ID, nu)
		l.Text = fmt.Sprintf("%s *%s* %s", ruleEmoji(nu.Rule), nu.Rule, nu.Why) // no mentions in a DM
		l.Mentions, l.Actions = nil, nil
		dm.Lines = append(dm.Lines, l)
	}
	return dm, ""
}
