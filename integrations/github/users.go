package github

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gogithub "github.com/google/go-github/v60/github"
)

// User is a GitHub account as its public profile shows it.
type User struct {
	Login string
	// Email is the public e-mail, "" when the account keeps it private
	// (most do): GitHub reveals an address through no other endpoint a
	// token can read for someone else.
	Email string
	Bot   bool
}

// User reads login's public profile (GET /users/{login}); ok is false
// when GitHub knows no such account (renamed or deleted). One request.
func (c *Client) User(ctx context.Context, login string) (u User, ok bool, err error) {
	if !ownerRE.MatchString(login) {
		return User{}, false, fmt.Errorf("reading github user %q: not a login", login)
	}
	gu, _, err := c.gh.Users.Get(ctx, login)
	if err != nil {
		err = c.explain(err)
		if errors.Is(err, ErrNotFound) {
			return User{}, false, nil
		}
		return User{}, false, fmt.Errorf("reading github user %s: %w", login, err)
	}
	u = User{Login: gu.GetLogin(), Email: strings.TrimSpace(gu.GetEmail())}
	u.Bot = c.isBot(gu)
	if u.Bot {
		u.Email = ""
	}
	return u, true, nil
}

// IsBot reports whether login is a machine by its name alone: a GitHub
// App ("name[bot]") or a login configured as a bot. Callers skip those
// before asking GitHub about them.
func (c *Client) IsBot(login string) bool {
	return c.isBot(&gogithub.User{Login: &login})
}

// PublicEmail is login's public e-mail, "" when private or a bot's; ok
// is false when GitHub knows no such account. It is User for callers that
// need the address alone (bot.Linker).
func (c *Client) PublicEmail(ctx context.Context, login string) (string, bool, error) {
	u, ok, err := c.User(ctx, login)
	return u.Email, ok, err
}
