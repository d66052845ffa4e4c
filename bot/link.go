package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/flowbot/flowbot/coach"
)

// GitHubProfiles reads what GitHub's public profiles reveal.
// integrations/github's Client implements it.
type GitHubProfiles interface {
	// PublicEmail is login's public e-mail (GET /users/{login}), "" when
	// private; ok is false when GitHub knows no such account.
	PublicEmail(ctx context.Context, login string) (email string, ok bool, err error)
	// IsBot reports whether login is a machine by its name alone.
	IsBot(login string) bool
}

// GitHubEmailCache remembers GitHub's answers, "no public e-mail"
// included, so each login costs one request per GitHubRecheck.
// store.DB implements it.
type GitHubEmailCache interface {
	GitHubEmail(ctx context.Context, login string) (email string, checked time.Time, ok bool, err error)
	PutGitHubEmail(ctx context.Context, login, email string, checked time.Time) error
}

// GitHubRecheck is how long GitHub's answer about a login is trusted: an
// address made public later is found within a week.
const GitHubRecheck = 7 * 24 * time.Hour

// Linker links a team's people by e-mail after its sync: the Jira
// assignees the sync saw and the GitHub logins on its pull requests, each
// to the Slack user with the same address (MatchByEmail). Nobody is
// guessed: an account without a revealed address stays unlinked until
// `/flow link`.
type Linker struct {
	People PeopleStore
	Slack  EmailDirectory // users.lookupByEmail
	// GitHub and Cache, when both set, let logins be matched too; nil:
	// only Jira accounts are.
	GitHub GitHubProfiles
	Cache  GitHubEmailCache
	Now    func() time.Time // nil: time.Now
	Logger *slog.Logger     // nil: discarded
}

// Link matches the Jira users and the people of prs (authors, reviewers,
// requested reviewers; bots left out) for team, and logs what it linked,
// as counts only: addresses are never logged.
func (l *Linker) Link(ctx context.Context, team string, jira []JiraUser, prs []coach.PullRequest) (LinkResult, error) {
	var gh []GitHubUser
	asked := 0
	if l.GitHub != nil && l.Cache != nil {
		var err error
		if gh, asked, err = l.githubUsers(ctx, team, prs); err != nil {
			return LinkResult{}, err
		}
	}
	res, err := MatchByEmail(ctx, team, l.People, l.Slack, jira, gh)
	if err != nil {
		return res, fmt.Errorf("linking people of %s by e-mail: %w", team, err)
	}
	log := l.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log.Info("people linked by e-mail", "team", team, "linked", len(res.Linked), "known", res.Known,
		"unmatched", res.Unmatched, "hidden", res.Hidden, "github_profiles_read", asked)
	return res, nil
}

// githubUsers are the logins of prs, bots left out, each not yet linked
// with the public e-mail GitHub gave for it: a remembered answer when
// fresh, else one GET /users/{login}. asked counts those requests.
func (l *Linker) githubUsers(ctx context.Context, team string, prs []coach.PullRequest) (users []GitHubUser, asked int, err error) {
	people, err := l.People.People(ctx, team)
	if err != nil {
		return nil, 0, err
	}
	linked := map[string]bool{}
	for _, p := range people {
		linked[strings.ToLower(p.GitHub)] = true
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	for _, login := range PRLogins(prs) {
		if l.GitHub.IsBot(login) {
			continue
		}
		if linked[strings.ToLower(login)] {
			users = append(users, GitHubUser{Login: login}) // counted as known, never read
			continue
		}
		email, checked, ok, err := l.Cache.GitHubEmail(ctx, login)
		if err != nil {
			return nil, asked, err
		}
		if !ok || now().Sub(checked) >= GitHubRecheck {
			var found bool
			if email, found, err = l.GitHub.PublicEmail(ctx, login); err != nil {
				return nil, asked, fmt.Errorf("reading the public e-mail of github user %s: %w", login, err)
			}
			asked++
			if !found {
				email = "" // renamed or deleted: remembered as no address
			}
			if err := l.Cache.PutGitHubEmail(ctx, login, email, now()); err != nil {
				return nil, asked, err
			}
		}
		users = append(users, GitHubUser{Login: login, Email: email})
	}
	return users, asked, nil
}

// PRLogins are the distinct people of prs: authors, reviewers and
// requested reviewers, bots GitHub marks as such left out, sorted.
func PRLogins(prs []coach.PullRequest) []string {
	seen := map[string]string{} // lower-cased -> as GitHub spells it
	add := func(login string, bot bool) {
		if login != "" && !bot {
			if _, ok := seen[strings.ToLower(login)]; !ok {
				seen[strings.ToLower(login)] = login
			}
		}
	}
	for _, pr := range prs {
		add(pr.Author, pr.AuthorIsBot)
		for _, r := range pr.Reviews {
			add(r.Author, r.AuthorIsBot)
		}
		for _, r := range pr.RequestedReviewers {
			add(r, false)
		}
	}
	out := make([]string, 0, len(seen))
	for _, l := range seen {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}
