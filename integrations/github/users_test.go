package github

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/integrations/github/githubtest"
)

func TestUser(t *testing.T) {
	s := githubtest.NewServer(githubtest.Options{Token: "t"})
	defer s.Close()
	s.PutUsers(
		githubtest.User{Login: "ana-lima", Name: "Ana Lima", Email: " ana@acme.example "},
		githubtest.User{Login: "bokafor"}, // e-mail private
		githubtest.User{Login: "ci-robot", Email: "ci@acme.example"},
		githubtest.User{Login: "renovate", Type: "Bot", Email: "bot@renovate.example"},
	)
	c := newClient(t, Config{APIURL: s.URL(), Token: "t", Bots: []string{"CI-Robot"}})
	tests := []struct {
		login  string
		want   User
		wantOK bool
	}{
		{login: "ana-lima", want: User{Login: "ana-lima", Email: "ana@acme.example"}, wantOK: true},
		{login: "bokafor", want: User{Login: "bokafor"}, wantOK: true},
		// A bot's address is never used, whatever its profile says.
		{login: "ci-robot", want: User{Login: "ci-robot", Bot: true}, wantOK: true},
		{login: "renovate", want: User{Login: "renovate", Bot: true}, wantOK: true},
		{login: "gone-user"},
	}
	for _, tt := range tests {
		t.Run(tt.login, func(t *testing.T) {
			got, ok, err := c.User(t.Context(), tt.login)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("user (-got +want):\n%s", diff)
			}
		})
	}
	t.Run("one request each", func(t *testing.T) {
		var users int
		for _, r := range s.Requests() {
			if len(r) > 11 && r[:11] == "GET /users/" {
				users++
			}
		}
		if users != len(tests) {
			t.Errorf("%d requests to /users, want %d", users, len(tests))
		}
	})
	t.Run("bots by name", func(t *testing.T) {
		for login, want := range map[string]bool{"dependabot[bot]": true, "ci-robot": true, "ana-lima": false} {
			if got := c.IsBot(login); got != want {
				t.Errorf("IsBot(%q) = %v, want %v", login, got, want)
			}
		}
	})
	t.Run("not a login", func(t *testing.T) {
		if _, _, err := c.User(t.Context(), "dependabot[bot]"); err == nil {
			t.Error("User(dependabot[bot]): no error")
		}
	})
}
