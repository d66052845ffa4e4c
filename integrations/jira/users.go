package jira

import (
	"cmp"
	"slices"
	"strings"

	gojira "github.com/andygrunwald/go-jira"
)

// User is a Jira account a sync saw as an assignee, for matching people
// by e-mail. Jira reveals an address only where the user's profile
// visibility allows it (Cloud) or the site shows addresses (Data Center),
// so Email is often "".
type User struct {
	// AccountID identifies the account: Cloud's accountId; on Data
	// Center, which has none, the user key (the name when there is no
	// key).
	AccountID   string
	Name        string // Data Center's user name; "" on Cloud
	DisplayName string
	Email       string // "" when Jira keeps it hidden
}

// userSet collects the distinct users a sync sees.
type userSet map[string]User

// add records u, keeping what an earlier sighting revealed when this one
// is poorer (the same account seen with and without its address).
func (s userSet) add(u *gojira.User) {
	if u == nil {
		return
	}
	id := cmp.Or(u.AccountID, u.Key, u.Name)
	if id == "" {
		return
	}
	old := s[id]
	s[id] = User{
		AccountID:   id,
		Name:        cmp.Or(u.Name, old.Name),
		DisplayName: cmp.Or(u.DisplayName, old.DisplayName),
		Email:       cmp.Or(strings.TrimSpace(u.EmailAddress), old.Email),
	}
}

// list is the users by account id.
func (s userSet) list() []User {
	if len(s) == 0 {
		return nil
	}
	out := make([]User, 0, len(s))
	for _, u := range s {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.AccountID, b.AccountID) })
	return out
}
