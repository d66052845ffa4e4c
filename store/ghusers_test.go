package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/store/storetest"
)

func TestGitHubEmail(t *testing.T) {
	ctx := t.Context()
	db := storetest.New(t)
	checked := time.Date(2026, 11, 20, 9, 30, 0, 123, time.FixedZone("CET", 3600))
	puts := []struct {
		login, email string
		at           time.Time
	}{
		{"Ana-Lima", "ana@acme.example", checked},
		{"bokafor", "", checked.Add(time.Hour)}, // asked: no public e-mail
		{"chenwei", "", checked},
		{"chenwei", "chen@acme.example", checked.Add(2 * time.Hour)}, // asked again later: the newer answer wins
	}
	for _, p := range puts {
		if err := db.PutGitHubEmail(ctx, p.login, p.email, p.at); err != nil {
			t.Fatal(err)
		}
	}
	type answer struct {
		Email   string
		Checked time.Time
		OK      bool
	}
	tests := []struct {
		login string
		want  answer
	}{
		{login: "ana-lima", want: answer{"ana@acme.example", checked.UTC(), true}}, // logins are case-insensitive
		{login: "bokafor", want: answer{"", checked.Add(time.Hour).UTC(), true}},
		{login: "ChenWei", want: answer{"chen@acme.example", checked.Add(2 * time.Hour).UTC(), true}},
		{login: "never-asked"},
	}
	for _, tt := range tests {
		t.Run(tt.login, func(t *testing.T) {
			email, at, ok, err := db.GitHubEmail(ctx, tt.login)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(answer{email, at, ok}, tt.want); diff != "" {
				t.Errorf("answer (-got +want):\n%s", diff)
			}
		})
	}
	t.Run("no login", func(t *testing.T) {
		if err := db.PutGitHubEmail(ctx, "", "", checked); err == nil {
			t.Error("storing a profile without a login: no error")
		}
	})
}
