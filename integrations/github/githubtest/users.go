package githubtest

import (
	"net/http"
	"strings"
	"time"
)

// User is a GitHub account as GET /users/{login} shows it. Logins that
// appear on pull requests and reviews are served whether or not they were
// put; PutUsers adds what the public profile reveals.
type User struct {
	Login string
	Name  string // the profile's display name; "" served as null
	// Email is the public e-mail; "" is served as null, as GitHub does
	// for the many accounts that keep their address private.
	Email string
	Type  string // "User" (default) or "Bot"; logins ending in [bot] are bots
}

const docGetUser = "https://docs.github.com/rest/users/users#get-a-user"

// userCreated is when every stand-in account was created: a fixed date
// keeps payloads reproducible.
var userCreated = time.Date(2019, 3, 4, 10, 0, 0, 0, time.UTC)

// PutUsers adds accounts or replaces them by login (case-insensitively).
func (s *Server) PutUsers(users ...User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users == nil {
		s.users = map[string]User{}
	}
	for _, u := range users {
		u.Type = userType(u.Login, u.Type)
		s.users[strings.ToLower(u.Login)] = u
	}
}

// knownLocked finds an account: put, or seen on a pull request or review.
// Called with s.mu held.
func (s *Server) knownLocked(login string) (User, bool) {
	if u, ok := s.users[strings.ToLower(login)]; ok {
		return u, true
	}
	for _, rs := range s.repos {
		for _, p := range rs.pulls {
			if strings.EqualFold(p.User, login) {
				return User{Login: p.User, Type: p.UserType}, true
			}
			for _, rv := range p.Reviews {
				if strings.EqualFold(rv.User, login) {
					return User{Login: rv.User, Type: rv.UserType}, true
				}
			}
			for _, rr := range p.RequestedReviewers {
				if strings.EqualFold(rr, login) {
					return User{Login: rr, Type: "User"}, true
				}
			}
		}
	}
	return User{}, false
}

// getUser serves GET /users/{login}: the public user (private-user
// fields need the user's own token and are left out).
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u, ok := s.knownLocked(r.PathValue("login"))
	s.mu.Unlock()
	if !ok {
		s.writeError(w, http.StatusNotFound, "Not Found", docGetUser)
		return
	}
	rd := s.renderer()
	base := rd.user(u.Login, u.Type)
	out := struct {
		userJSON
		Name            *string `json:"name"`
		Company         *string `json:"company"`
		Blog            string  `json:"blog"`
		Location        *string `json:"location"`
		Email           *string `json:"email"`
		Hireable        *bool   `json:"hireable"`
		Bio             *string `json:"bio"`
		TwitterUsername *string `json:"twitter_username"`
		PublicRepos     int     `json:"public_repos"`
		PublicGists     int     `json:"public_gists"`
		Followers       int     `json:"followers"`
		Following       int     `json:"following"`
		Created         stamp   `json:"created_at"`
		Updated         stamp   `json:"updated_at"`
	}{
		userJSON: base,
		Name:     nullable(u.Name),
		Email:    nullable(u.Email),
		Created:  stamp(userCreated),
		Updated:  stamp(userCreated),
	}
	s.writeJSON(w, r, out)
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
