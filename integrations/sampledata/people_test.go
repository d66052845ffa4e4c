package sampledata

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/github"
	"github.com/flowbot/flowbot/integrations/github/githubtest"
	"github.com/flowbot/flowbot/integrations/jira"
	"github.com/flowbot/flowbot/integrations/jira/jiratest"
	"github.com/flowbot/flowbot/store/storetest"
)

// directory answers users.lookupByEmail from the world's Slack members
// (the Slack adapter's own lookup is tested over slacktest in its package).
type directory []SlackMember

func (d directory) LookupByEmail(_ context.Context, email string) (string, bool, error) {
	for _, m := range d {
		if strings.EqualFold(m.User.Email, email) {
			return m.User.ID, true, nil
		}
	}
	return "", false, nil
}

// The demo's people link by e-mail through the real Jira and GitHub
// adapters, except the one whose address Jira hides.
func TestPeopleLinkByEmail(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	w, err := Generate(7, now, 60, DefaultTeams())
	if err != nil {
		t.Fatal(err)
	}
	js := jiratest.NewServer(jiratest.Options{Statuses: w.Statuses})
	defer js.Close()
	js.Put(w.Issues...)
	js.PutUsers(w.JiraUsers...)
	gs := githubtest.NewServer(githubtest.Options{})
	defer gs.Close()
	gs.Put(w.PRs...)
	gs.PutUsers(w.GitHubUsers...)
	jc, err := jira.New(jira.Config{BaseURL: js.URL()})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := github.New(github.Config{APIURL: gs.URL()})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.New(t)
	l := &bot.Linker{People: db.Nudges(), Slack: directory(w.SlackMembers), GitHub: gc, Cache: db, Now: func() time.Time { return now }}

	team := w.Teams[0] // Payments: Dara's address is hidden
	res, err := jc.Sync(t.Context(), "project = "+team.Project, time.Time{}, func([]coach.Item) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var jusers []bot.JiraUser
	for _, u := range res.Users {
		jusers = append(jusers, bot.JiraUser{AccountID: u.AccountID, DisplayName: u.DisplayName, Email: u.Email})
	}
	var prs []coach.PullRequest
	for _, repo := range team.Repos {
		if _, _, err := gc.Sync(t.Context(), repo, "", func(p []coach.PullRequest) error { prs = append(prs, p...); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	got, err := l.Link(t.Context(), team.ID, jusers, prs)
	if err != nil {
		t.Fatal(err)
	}
	linked := map[string]bool{}
	for _, p := range got.Linked {
		linked[p.Slack] = p.JiraAccount != ""
	}
	for _, p := range team.People {
		if want := !p.HideEmail; linked[p.SlackID()] != want {
			t.Errorf("%s linked to a Jira account: %v, want %v", p.Name, linked[p.SlackID()], want)
		}
	}
	if got.Hidden == 0 {
		t.Errorf("result %+v: want the hidden address counted", got)
	}
}
