package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
)

// PeopleStore keeps who is who: the identities linked by e-mail or by
// /flow link, and who opted in to direct messages.
type PeopleStore interface {
	People(ctx context.Context, team string) ([]coach.Identity, error)
	LinkPerson(ctx context.Context, team string, p coach.Identity) error
	SetDM(ctx context.Context, team, user string, on bool) error
	DMUsers(ctx context.Context, team string) ([]string, error)
}

// EmailDirectory finds the Slack user with an e-mail address
// (users.lookupByEmail); ok is false when there is none.
type EmailDirectory interface {
	LookupByEmail(ctx context.Context, email string) (user string, ok bool, err error)
}

// JiraUser is a Jira account as Jira's API gives it; Email is "" when
// Jira keeps it hidden.
type JiraUser struct {
	AccountID   string
	DisplayName string
	Email       string
}

// GitHubUser is a GitHub account; Email is its public e-mail, "" when it
// has none.
type GitHubUser struct {
	Login string
	Email string
}

// Identities are the team's people as mentions use them: those of the
// configuration (people:) first, then those stored by e-mail or /flow
// link for Slack users the configuration does not name.
func Identities(ctx context.Context, team *config.Team, ps PeopleStore) ([]config.Person, error) {
	out := slices.Clone(team.People)
	if ps == nil {
		return out, nil
	}
	stored, err := ps.People(ctx, team.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range stored {
		if slices.ContainsFunc(out, func(c config.Person) bool { return c.Slack == p.Slack }) {
			continue
		}
		out = append(out, config.Person{Slack: p.Slack, Jira: p.Jira, GitHub: p.GitHub})
	}
	return out, nil
}

// LinkResult says what MatchByEmail linked.
type LinkResult struct {
	Linked []coach.Identity // records written, in the order written
	// Unmatched counts accounts with an e-mail that no Slack user has.
	Unmatched int
	// Hidden counts accounts whose e-mail the API kept hidden.
	Hidden int
	// Known counts accounts already linked, left without a lookup.
	Known int
}

// MatchByEmail links Slack users to the Jira accounts and GitHub logins
// whose e-mail addresses the APIs reveal, each through dir
// (users.lookupByEmail); an account without a revealed address is left
// alone: nobody is guessed. A link already stored is completed, never
// replaced: a Jira account or login set by /flow link stays. A Jira
// display name is refreshed for the account it belongs to. An account
// already linked to someone is not looked up again: each lookup is a
// Slack API call, and a sync sees the same people over and over.
func MatchByEmail(ctx context.Context, team string, ps PeopleStore, dir EmailDirectory, jira []JiraUser, github []GitHubUser) (LinkResult, error) {
	var res LinkResult
	stored, err := ps.People(ctx, team)
	if err != nil {
		return res, err
	}
	bySlack := map[string]coach.Identity{}
	for _, p := range stored {
		bySlack[p.Slack] = p
	}
	changed := map[string]bool{}
	var order []string
	touch := func(p coach.Identity, old coach.Identity) {
		if p == old {
			return
		}
		bySlack[p.Slack] = p
		if !changed[p.Slack] {
			changed[p.Slack] = true
			order = append(order, p.Slack)
		}
	}
	lookup := func(email string) (string, bool, error) {
		email = strings.TrimSpace(email)
		if email == "" {
			res.Hidden++
			return "", false, nil
		}
		user, ok, err := dir.LookupByEmail(ctx, email)
		if err != nil {
			return "", false, fmt.Errorf("looking up a Slack user by e-mail: %w", err)
		}
		if !ok {
			res.Unmatched++
		}
		return user, ok, nil
	}
	// link gives the Slack user found by email the identity set fills in.
	link := func(email string, set func(*coach.Identity)) error {
		user, ok, err := lookup(email)
		if err != nil || !ok {
			return err
		}
		p := bySlack[user]
		old := p
		p.Slack = user
		set(&p)
		touch(p, old)
		return nil
	}
	for _, u := range jira {
		if u.AccountID == "" {
			continue
		}
		// The display name follows the account wherever it is linked.
		known := false
		for slack, p := range bySlack {
			if p.JiraAccount != u.AccountID {
				continue
			}
			known = true
			if u.DisplayName != "" && p.Jira != u.DisplayName {
				q := p
				q.Jira = u.DisplayName
				touch(q, bySlack[slack])
			}
		}
		if known {
			res.Known++
			continue
		}
		if err := link(u.Email, func(p *coach.Identity) {
			if p.JiraAccount == "" {
				p.JiraAccount, p.Jira = u.AccountID, u.DisplayName
			}
		}); err != nil {
			return res, err
		}
	}
	for _, g := range github {
		if g.Login == "" {
			continue
		}
		if githubLinked(bySlack, g.Login) {
			res.Known++
			continue
		}
		if err := link(g.Email, func(p *coach.Identity) {
			if p.GitHub == "" {
				p.GitHub = g.Login
			}
		}); err != nil {
			return res, err
		}
	}
	for _, slack := range order {
		p := bySlack[slack]
		if err := ps.LinkPerson(ctx, team, p); err != nil {
			return res, err
		}
		res.Linked = append(res.Linked, p)
	}
	return res, nil
}

// githubLinked reports whether login is linked to someone already.
func githubLinked(people map[string]coach.Identity, login string) bool {
	for _, p := range people {
		if strings.EqualFold(p.GitHub, login) {
			return true
		}
	}
	return false
}

// The identity commands' specs: the lead adds them to specs (command.go)
// and routes "dm" and "link" to identityAnswer (answer.go).
var identitySpecs = []spec{
	{name: "dm", usage: "/flow dm on|off [team:<id>]", summary: "your own nudges (your items, your review requests) as one direct message per working day", example: "/flow dm on", maxArgs: 1},
	{name: "link", usage: "/flow link @user jira:<accountId> github:<login> [team:<id>]", summary: "say who a Slack user is in Jira and GitHub, so nudges mention them (admins, or the user themself)", example: "/flow link @ana jira:5b10ac8d82e05b22cc7d4ef5 github:ana-lima", maxArgs: 3},
}

var (
	// Slack escapes a mention in command text as <@U123> or <@U123|name>.
	slackMention = regexp.MustCompile(`^<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>$`)
	slackUserID  = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)
	jiraAccount  = regexp.MustCompile(`^[A-Za-z0-9:_-]{1,128}$`)
	githubLogin  = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
)

// errNoPeopleStore: the bot was built without a people store.
var errNoPeopleStore = errors.New("no people store")

// identityAnswer answers `dm` and `link`. admin says whether the asker is
// a workspace admin or owner (the chat platform knows); the configured
// admins are checked here.
func (b *Bot) identityAnswer(ctx context.Context, ps PeopleStore, team *config.Team, cmd Command, admin bool) (Answer, error) {
	if ps == nil {
		return Answer{}, fmt.Errorf("%s: %w", cmd.Name, errNoPeopleStore)
	}
	sp := identitySpecs[0]
	if cmd.Name == "link" {
		sp = identitySpecs[1]
	}
	if cmd.User == "" {
		return Answer{}, &UsageError{Problem: "`" + cmd.Name + "` is about the person asking: ask from Slack.", Usage: sp.usage}
	}
	var text string
	switch cmd.Name {
	case "dm":
		if len(cmd.Args) != 1 || (!strings.EqualFold(cmd.Args[0], "on") && !strings.EqualFold(cmd.Args[0], "off")) {
			return Answer{}, &UsageError{Problem: "Say `on` or `off`, e.g. `/flow dm on`.", Usage: sp.usage}
		}
		on := strings.EqualFold(cmd.Args[0], "on")
		if err := ps.SetDM(ctx, team.ID, cmd.User, on); err != nil {
			return Answer{}, err
		}
		text = fmt.Sprintf("Direct messages are on: once per working day at %s's flow check, you get the nudges about your own items and the reviews waiting for you (none while Slack's do-not-disturb is on).", escape(team.Name))
		if !on {
			text = fmt.Sprintf("Direct messages from %s are off.", escape(team.Name))
		}
		if on {
			ids, err := Identities(ctx, team, ps)
			if err != nil {
				return Answer{}, err
			}
			if !slices.ContainsFunc(ids, func(p config.Person) bool { return p.Slack == cmd.User && (p.Jira != "" || p.GitHub != "") }) {
				text += " I don't know who you are in Jira or GitHub yet, so there is nothing to send: `/flow link` yourself first."
			}
		}
	case "link":
		p, err := parseLink(cmd.Args, sp.usage)
		if err != nil {
			return Answer{}, err
		}
		if p.Slack != cmd.User && !admin && !b.config().IsAdmin(cmd.User) {
			return Answer{}, &UsageError{Problem: "Only an admin, or the person themself, can link a Slack user.", Usage: sp.usage}
		}
		stored, err := ps.People(ctx, team.ID)
		if err != nil {
			return Answer{}, err
		}
		for _, q := range stored {
			if q.Slack == p.Slack {
				// Complete the record: what the command leaves out stays.
				if p.JiraAccount == "" {
					p.JiraAccount, p.Jira = q.JiraAccount, q.Jira
				} else if p.JiraAccount == q.JiraAccount {
					p.Jira = q.Jira
				}
				if p.GitHub == "" {
					p.GitHub = q.GitHub
				}
			}
		}
		if err := ps.LinkPerson(ctx, team.ID, p); err != nil {
			return Answer{}, err
		}
		var parts []string
		if p.JiraAccount != "" {
			parts = append(parts, "Jira account `"+p.JiraAccount+"`")
		}
		if p.GitHub != "" {
			parts = append(parts, "GitHub `"+p.GitHub+"`")
		}
		text = fmt.Sprintf("Linked <@%s> to %s in %s.", p.Slack, strings.Join(parts, " and "), escape(team.Name))
		if p.JiraAccount != "" && p.Jira == "" {
			text += " Nudges about Jira items mention them once a sync has seen that account's display name."
		}
	default:
		return Answer{}, fmt.Errorf("command %q has no answer", cmd.Name)
	}
	return Answer{Text: text, JSON: map[string]string{"command": cmd.Name, "team": team.ID, "result": text},
		Message: &Message{Title: "/flow " + cmd.Name, Reading: text}}, nil
}

// parseLink reads `@user jira:<accountId> github:<login>`: the user first,
// then either or both accounts.
func parseLink(args []string, usage string) (coach.Identity, error) {
	if len(args) < 2 {
		return coach.Identity{}, &UsageError{Problem: "Name the Slack user and at least one account, e.g. `/flow link @ana jira:5b10ac8d82e05b22cc7d4ef5 github:ana-lima`.", Usage: usage}
	}
	var p coach.Identity
	if m := slackMention.FindStringSubmatch(args[0]); m != nil {
		p.Slack = m[1]
	} else if slackUserID.MatchString(args[0]) {
		p.Slack = args[0]
	} else {
		return coach.Identity{}, &UsageError{Problem: fmt.Sprintf("`%s` is not a Slack user: mention them, e.g. `@ana`, so Slack sends their id.", truncate(args[0], 40)), Usage: usage}
	}
	for _, a := range args[1:] {
		kind, v, _ := strings.Cut(a, ":")
		switch strings.ToLower(kind) {
		case "jira":
			if !jiraAccount.MatchString(v) || p.JiraAccount != "" {
				return coach.Identity{}, &UsageError{Problem: fmt.Sprintf("`%s` is not one Jira account id, such as `jira:5b10ac8d82e05b22cc7d4ef5`.", truncate(a, 60)), Usage: usage}
			}
			p.JiraAccount = v
		case "github":
			v = strings.TrimPrefix(v, "@")
			if !githubLogin.MatchString(v) || p.GitHub != "" {
				return coach.Identity{}, &UsageError{Problem: fmt.Sprintf("`%s` is not one GitHub login, such as `github:ana-lima`.", truncate(a, 60)), Usage: usage}
			}
			p.GitHub = v
		default:
			return coach.Identity{}, &UsageError{Problem: fmt.Sprintf("`%s`: write accounts as `jira:<accountId>` or `github:<login>`.", truncate(a, 60)), Usage: usage}
		}
	}
	return p, nil
}
