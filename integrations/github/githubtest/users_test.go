package githubtest

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGetUser(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	s.Put(PullRequest{Repo: "octocat/Hello-World", Number: 1, User: "octocat", Created: t0,
		Reviews:            []Review{{User: "hubot", State: "APPROVED", Submitted: t0}},
		RequestedReviewers: []string{"mona"}})
	s.PutUsers(User{Login: "octocat", Name: "The Octocat", Email: "octocat@github.com"})

	// The simple user inside a recorded pull request: a public user has
	// every one of its fields, and the profile's on top.
	recorded := readFixture(t, "pull-request.json").(map[string]any)["user"]
	profile := map[string]bool{}
	for _, k := range []string{"name", "company", "blog", "location", "email", "hireable", "bio", "twitter_username",
		"public_repos", "public_gists", "followers", "following", "created_at", "updated_at"} {
		profile[k] = true
	}

	tests := []struct {
		login      string
		wantStatus int
		want       map[string]any // a few fields
	}{
		{login: "octocat", wantStatus: http.StatusOK,
			want: map[string]any{"login": "octocat", "type": "User", "name": "The Octocat", "email": "octocat@github.com"}},
		{login: "hubot", wantStatus: http.StatusOK, // a reviewer nobody put: private e-mail
			want: map[string]any{"login": "hubot", "type": "User", "name": nil, "email": nil}},
		{login: "MONA", wantStatus: http.StatusOK, // logins are case-insensitive
			want: map[string]any{"login": "mona", "type": "User", "name": nil, "email": nil}},
		{login: "nobody", wantStatus: http.StatusNotFound,
			want: map[string]any{"message": "Not Found", "documentation_url": docGetUser}},
	}
	for _, tt := range tests {
		t.Run(tt.login, func(t *testing.T) {
			r := get(t, s, "users/"+tt.login)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			body := decode[map[string]any](t, r)
			got := map[string]any{}
			for k := range tt.want {
				got[k] = body[k]
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("fields (-got +want):\n%s", diff)
			}
			if r.status == http.StatusOK {
				if diffs := shapeDiff("", body, recorded, profile); len(diffs) > 0 {
					t.Errorf("shape differs from the recorded user: %v", diffs)
				}
			}
		})
	}
}
