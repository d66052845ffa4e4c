package bot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
)

// Mine is the asker's own work (docs/coaching.md, "/flow mine"): the
// items assigned to them in progress, with their age against the SLE, and
// the pull requests waiting for their review.
type Mine struct {
	Team    string       `json:"team"`
	User    string       `json:"user"`
	Now     time.Time    `json:"now"`
	SLEDays *float64     `json:"sle_days"`
	Items   []MineItem   `json:"items"`
	Reviews []MineReview `json:"reviews"`
}

// MineItem is one of the asker's items in progress.
type MineItem struct {
	Key     string  `json:"key"`
	Title   string  `json:"title"`
	Stage   string  `json:"stage"`
	Status  string  `json:"status"`
	AgeDays float64 `json:"age_days"`
	OverSLE bool    `json:"over_sle"`
}

// MineReview is one pull request whose review is requested of the asker.
type MineReview struct {
	PR          string  `json:"pr"`
	Title       string  `json:"title"`
	Author      string  `json:"author"`
	WaitingDays float64 `json:"waiting_days"` // working time since it was ready
}

// unknownPersonError: the asker is not in the team's people.
type unknownPersonError struct{ team string }

func (e unknownPersonError) Error() string {
	return "I don't know who you are in Jira or GitHub for team `" + e.team + "`. An admin can add you under the team's `people:` (slack, jira, github) in flowbot.yaml."
}

// person is the team's identity of the Slack user; false when unknown.
func person(team *config.Team, user string) (config.Person, bool) {
	for _, p := range team.People {
		if user != "" && p.Slack == user {
			return p, true
		}
	}
	return config.Person{}, false
}

// Mine reads the asker's own items and review requests as of now.
func (b *Bot) Mine(ctx context.Context, teamID, user string, now time.Time) (Mine, error) {
	d, err := b.readTeam(ctx, teamID, false)
	if err != nil {
		return Mine{}, err
	}
	p, ok := person(d.team, user)
	if !ok {
		return Mine{}, &UsageError{Problem: unknownPersonError{d.team.ID}.Error()}
	}
	return mineOf(d, p, now), nil
}

func mineOf(d *teamData, p config.Person, now time.Time) Mine {
	flows := coach.Flows(d.workflow, d.items, now)
	aging := coach.Aging(d.workflow, flows, now)
	m := Mine{Team: d.team.ID, User: p.Slack, Now: now, SLEDays: ptr(aging.SLE, aging.HasSLE), Items: []MineItem{}, Reviews: []MineReview{}}
	if p.Jira != "" {
		for _, it := range aging.Items {
			if strings.EqualFold(it.Assignee, p.Jira) {
				m.Items = append(m.Items, MineItem{Key: it.Key, Title: it.Title, Stage: it.Stage, Status: it.Status, AgeDays: it.AgeDays, OverSLE: it.OverSLE})
			}
		}
	}
	if p.GitHub != "" {
		clock := d.team.Clock()
		for _, pr := range d.prs {
			open := !pr.Created.After(now) && (pr.Closed.IsZero() || pr.Closed.After(now)) && (pr.Merged.IsZero() || pr.Merged.After(now))
			ready := !pr.Draft && !pr.Ready.IsZero() && !pr.Ready.After(now)
			asked := slices.ContainsFunc(pr.RequestedReviewers, func(l string) bool { return strings.EqualFold(l, p.GitHub) })
			if open && ready && asked && !strings.EqualFold(pr.Author, p.GitHub) {
				m.Reviews = append(m.Reviews, MineReview{PR: coach.PRRef{Repo: pr.Repo, Number: pr.Number}.String(), Title: pr.Title,
					Author: pr.Author, WaitingDays: daysOf(clock(pr.Ready, now))})
			}
		}
		slices.SortStableFunc(m.Reviews, func(a, b MineReview) int {
			return cmp.Or(cmp.Compare(b.WaitingDays, a.WaitingDays), cmp.Compare(a.PR, b.PR))
		})
	}
	return m
}

// MineMessage lays out the asker's work.
func MineMessage(m Mine, teamName string) *Message {
	msg := &Message{Title: "Your work · " + teamName}
	over := 0
	var lines []string
	for _, it := range m.Items {
		mark := "•"
		if it.OverSLE {
			mark = ":warning:"
			over++
		}
		l := fmt.Sprintf("%s *%s* %s, %s in %s (%s)", mark, it.Key, escape(truncate(it.Title, 60)), days(it.AgeDays), escape(it.Status), escape(it.Stage))
		if m.SLEDays != nil {
			l += fmt.Sprintf(" · %.0f%% of the SLE", 100*it.AgeDays / *m.SLEDays)
		}
		lines = append(lines, l)
	}
	if len(lines) > 0 {
		msg.Body = append(msg.Body, "*Your items in progress*, oldest first\n"+strings.Join(lines, "\n"))
	}
	lines = nil
	for _, r := range m.Reviews {
		lines = append(lines, fmt.Sprintf("• *%s* %s by %s, waiting %s", r.PR, escape(truncate(r.Title, 60)), escape(r.Author), workdays(r.WaitingDays)))
	}
	if len(lines) > 0 {
		msg.Body = append(msg.Body, "*Waiting for your review*, longest first\n"+strings.Join(lines, "\n"))
	}
	msg.Fields = []Field{{"Items in progress", fmt.Sprint(len(m.Items))}, {"Reviews requested", fmt.Sprint(len(m.Reviews))}}
	switch {
	case len(m.Items) == 0 && len(m.Reviews) == 0:
		msg.Reading = "Nothing in progress is assigned to you, and no review is waiting for you."
	case m.SLEDays != nil:
		msg.Fields = append(msg.Fields, Field{"SLE (85%)", days(*m.SLEDays)})
		msg.Reading = fmt.Sprintf("85%% of the team's items finish within %s; %s of yours %s older than that.", days(*m.SLEDays), plural(over, "item", "items"), isAre(over))
		if len(m.Reviews) > 0 {
			msg.Reading += " " + plural(len(m.Reviews), "pull request waits", "pull requests wait") + " for your review."
		}
	default:
		msg.Reading = fmt.Sprintf("%s in progress; %s waiting for your review.", plural(len(m.Items), "item", "items"), plural(len(m.Reviews), "pull request", "pull requests"))
	}
	msg.Context = "Only you see this · " + teamName
	return msg
}

// mineJSON is the `mine` answer of `flowbot ask --format json`.
type mineJSON struct {
	Command string `json:"command"`
	Mine
}

// MineAnswer is the `mine` command for the asking Slack user.
func (b *Bot) MineAnswer(ctx context.Context, teamID, user string, now time.Time) (Answer, error) {
	m, err := b.Mine(ctx, teamID, user, now)
	if err != nil {
		return Answer{}, err
	}
	team, _ := b.config().Team(teamID)
	msg := MineMessage(m, cmp.Or(team.Name, team.ID))
	return Answer{Text: messageText(msg), JSON: mineJSON{Command: "mine", Mine: m}, Message: msg}, nil
}
