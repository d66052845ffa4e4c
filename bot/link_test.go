package bot

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/github"
	"github.com/flowbot/flowbot/integrations/github/githubtest"
	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
)

func TestLinker(t *testing.T) {
	srv := githubtest.NewServer(githubtest.Options{Token: "t"})
	defer srv.Close()
	srv.PutUsers(
		githubtest.User{Login: "ana-lima", Email: "ana@example.com"},
		githubtest.User{Login: "bo-chen"}, // private e-mail
		githubtest.User{Login: "cy", Email: "cy@elsewhere.com"},
	)
	gh, err := github.New(github.Config{APIURL: srv.URL(), Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.New(t)
	ps := db.Nudges()
	if err := ps.LinkPerson(t.Context(), "payments", store.Person{Slack: "U0DEE", GitHub: "dee"}); err != nil {
		t.Fatal(err)
	}
	book := emailBook{"ana@example.com": "U0ANA", "bo@example.com": "U0BO"}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	l := &Linker{People: ps, Slack: book, GitHub: gh, Cache: db, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}

	prs := []coach.PullRequest{
		{Repo: "acme/api", Number: 1, Author: "ana-lima", RequestedReviewers: []string{"bo-chen", "dependabot[bot]"},
			Reviews: []coach.Review{{Author: "Cy", State: "APPROVED"}, {Author: "lint-bot", AuthorIsBot: true}}},
		{Repo: "acme/api", Number: 2, Author: "dependabot[bot]", AuthorIsBot: true, Reviews: []coach.Review{{Author: "dee"}}},
	}
	jira := []JiraUser{{AccountID: "acc-bo", DisplayName: "Bo Chen", Email: "bo@example.com"}}
	userRequests := func() int {
		n := 0
		for _, r := range srv.Requests() {
			if strings.HasPrefix(r, "GET /users/") {
				n++
			}
		}
		return n
	}

	steps := []struct {
		name         string
		at           time.Time
		want         LinkResult
		wantRequests int // to /users so far
	}{
		{
			// dee is linked, the bots are never asked about: three logins read.
			name: "first sync reads each unknown login once",
			at:   now,
			want: LinkResult{
				Linked:    []store.Person{{Slack: "U0BO", Jira: "Bo Chen", JiraAccount: "acc-bo"}, {Slack: "U0ANA", GitHub: "ana-lima"}},
				Unmatched: 1, Hidden: 1, Known: 1,
			},
			wantRequests: 3,
		},
		{
			name:         "a day later the remembered answers serve, no private e-mail included",
			at:           now.Add(24 * time.Hour),
			want:         LinkResult{Known: 3, Unmatched: 1, Hidden: 1},
			wantRequests: 3,
		},
		{
			name:         "a week later the logins not linked are read again",
			at:           now.Add(GitHubRecheck),
			want:         LinkResult{Known: 3, Unmatched: 1, Hidden: 1},
			wantRequests: 5,
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			now = st.at
			got, err := l.Link(t.Context(), "payments", jira, prs)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, st.want); diff != "" {
				t.Errorf("result (-got +want):\n%s", diff)
			}
			if n := userRequests(); n != st.wantRequests {
				t.Errorf("%d requests to /users so far, want %d", n, st.wantRequests)
			}
		})
	}
	if strings.Contains(logs.String(), "@") {
		t.Errorf("the log names an address:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "people linked by e-mail") {
		t.Errorf("the log does not say what was linked:\n%s", logs.String())
	}
}

func TestPRLogins(t *testing.T) {
	prs := []coach.PullRequest{
		{Author: "Ana", RequestedReviewers: []string{"bo", "ana"}, Reviews: []coach.Review{{Author: "x[bot]", AuthorIsBot: true}, {Author: "cy"}}},
		{Author: "renovate[bot]", AuthorIsBot: true},
	}
	if diff := cmp.Diff(PRLogins(prs), []string{"Ana", "bo", "cy"}); diff != "" {
		t.Errorf("logins (-got +want):\n%s", diff)
	}
}
