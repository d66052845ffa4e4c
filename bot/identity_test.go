package bot

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
	"github.com/google/go-cmp/cmp"
)

// emailBook is an EmailDirectory over a fixed book; the Slack adapter's
// real users.lookupByEmail is tested in its package.
type emailBook map[string]string

func (b emailBook) LookupByEmail(_ context.Context, email string) (string, bool, error) {
	if email == "broken@example.com" {
		return "", false, errors.New("users.lookupByEmail: ratelimited")
	}
	u, ok := b[strings.ToLower(email)]
	return u, ok, nil
}

func TestMatchByEmail(t *testing.T) {
	book := emailBook{"ana@example.com": "U0ANA", "bo@example.com": "U0BO", "cy@example.com": "U0CY"}
	tests := []struct {
		name       string
		stored     []store.Person
		jira       []JiraUser
		github     []GitHubUser
		want       []store.Person // every stored person after the match
		wantResult LinkResult
		wantErr    bool
	}{
		{
			name: "accounts whose e-mail Slack knows are linked; hidden and unknown addresses are left alone",
			jira: []JiraUser{{AccountID: "acc-ana", DisplayName: "Ana Lima", Email: "ana@example.com"},
				{AccountID: "acc-bo", DisplayName: "Bo Chen"}, // e-mail hidden by Jira
				{AccountID: "acc-dee", DisplayName: "Dee", Email: "dee@elsewhere.com"}},
			github: []GitHubUser{{Login: "ana-lima", Email: "ana@example.com"}, {Login: "cy"}},
			want:   []store.Person{{Slack: "U0ANA", Jira: "Ana Lima", JiraAccount: "acc-ana", GitHub: "ana-lima"}},
			wantResult: LinkResult{Linked: []store.Person{{Slack: "U0ANA", Jira: "Ana Lima", JiraAccount: "acc-ana", GitHub: "ana-lima"}},
				Unmatched: 1, Hidden: 2},
		},
		{
			name:   "a link made by hand is completed, never replaced",
			stored: []store.Person{{Slack: "U0ANA", JiraAccount: "acc-other", GitHub: "ana-by-hand"}},
			jira:   []JiraUser{{AccountID: "acc-ana", DisplayName: "Ana Lima", Email: "ana@example.com"}},
			github: []GitHubUser{{Login: "ana-lima", Email: "ana@example.com"}},
			want:   []store.Person{{Slack: "U0ANA", JiraAccount: "acc-other", GitHub: "ana-by-hand"}},
		},
		{
			name:   "a linked account gets its display name from Jira, even without an e-mail",
			stored: []store.Person{{Slack: "U0BO", JiraAccount: "acc-bo"}},
			jira:   []JiraUser{{AccountID: "acc-bo", DisplayName: "Bo Chen"}},
			want:   []store.Person{{Slack: "U0BO", Jira: "Bo Chen", JiraAccount: "acc-bo"}},
			wantResult: LinkResult{Linked: []store.Person{{Slack: "U0BO", Jira: "Bo Chen", JiraAccount: "acc-bo"}},
				Known: 1},
		},
		{
			// "broken@" would fail if it were looked up.
			name:       "accounts linked already are not looked up again",
			stored:     []store.Person{{Slack: "U0CY", Jira: "Cy", JiraAccount: "acc-cy", GitHub: "Cy-Dev"}},
			jira:       []JiraUser{{AccountID: "acc-cy", DisplayName: "Cy", Email: "broken@example.com"}},
			github:     []GitHubUser{{Login: "cy-dev", Email: "broken@example.com"}},
			wantResult: LinkResult{Known: 2},
		},
		{
			name:    "a failing lookup is an error",
			jira:    []JiraUser{{AccountID: "acc-x", DisplayName: "X", Email: "broken@example.com"}},
			want:    []store.Person{},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := storetest.New(t).Nudges()
			for _, p := range tt.stored {
				if err := ps.LinkPerson(t.Context(), "payments", p); err != nil {
					t.Fatal(err)
				}
			}
			res, err := MatchByEmail(t.Context(), "payments", ps, book, tt.jira, tt.github)
			if (err != nil) != tt.wantErr {
				t.Fatalf("MatchByEmail error = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr {
				if diff := cmp.Diff(res, tt.wantResult); diff != "" {
					t.Errorf("result (-got +want):\n%s", diff)
				}
			}
			got, err := ps.People(t.Context(), "payments")
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == nil {
				want = tt.stored
			}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("stored people (-got +want):\n%s", diff)
			}
		})
	}
}

func identityBot(t *testing.T) (*Bot, *config.Team) {
	t.Helper()
	cfg, err := config.Parse([]byte(nudgeConfig + "admins: [U0ADMIN]\n"))
	if err != nil {
		t.Fatal(err)
	}
	team, _ := cfg.Team("payments")
	return &Bot{Config: cfg}, team
}

func TestLinkCommand(t *testing.T) {
	tests := []struct {
		name      string
		stored    []store.Person
		cmd       Command
		admin     bool
		want      []store.Person
		wantUsage string // a part of the UsageError's problem; "" for success
	}{
		{name: "a user links themself, escaped mention and both accounts",
			cmd:  Command{Name: "link", User: "U0BO", Args: []string{"<@U0BO|bo>", "jira:acc-bo", "github:@bo-chen"}},
			want: []store.Person{{Slack: "U0BO", JiraAccount: "acc-bo", GitHub: "bo-chen"}}},
		{name: "an admin from the configuration links someone else",
			cmd:  Command{Name: "link", User: "U0ADMIN", Args: []string{"<@U0BO>", "github:bo-chen"}},
			want: []store.Person{{Slack: "U0BO", GitHub: "bo-chen"}}},
		{name: "a workspace admin links someone else",
			cmd: Command{Name: "link", User: "U0WS", Args: []string{"U0BO", "jira:acc-bo"}}, admin: true,
			want: []store.Person{{Slack: "U0BO", JiraAccount: "acc-bo"}}},
		{name: "anyone else may not",
			cmd:       Command{Name: "link", User: "U0ANA", Args: []string{"<@U0BO>", "jira:acc-bo"}},
			wantUsage: "Only an admin"},
		{name: "linking one account keeps the other and the known display name",
			stored: []store.Person{{Slack: "U0BO", Jira: "Bo Chen", JiraAccount: "acc-bo", GitHub: "old"}},
			cmd:    Command{Name: "link", User: "U0BO", Args: []string{"<@U0BO>", "github:bo-chen"}},
			want:   []store.Person{{Slack: "U0BO", Jira: "Bo Chen", JiraAccount: "acc-bo", GitHub: "bo-chen"}}},
		{name: "another Jira account drops the old display name",
			stored: []store.Person{{Slack: "U0BO", Jira: "Bo Chen", JiraAccount: "acc-bo"}},
			cmd:    Command{Name: "link", User: "U0BO", Args: []string{"<@U0BO>", "jira:acc-new"}},
			want:   []store.Person{{Slack: "U0BO", JiraAccount: "acc-new"}}},
		{name: "a plain name is not a Slack user",
			cmd:       Command{Name: "link", User: "U0BO", Args: []string{"@bo", "jira:acc-bo"}},
			wantUsage: "is not a Slack user"},
		{name: "no account", cmd: Command{Name: "link", User: "U0BO", Args: []string{"<@U0BO>"}},
			wantUsage: "at least one account"},
		{name: "an unknown kind of account", cmd: Command{Name: "link", User: "U0BO", Args: []string{"<@U0BO>", "gitlab:bo"}},
			wantUsage: "write accounts as"},
		{name: "a login GitHub would not allow", cmd: Command{Name: "link", User: "U0BO", Args: []string{"<@U0BO>", "github:bo_chen!"}},
			wantUsage: "is not one GitHub login"},
		{name: "from flowbot ask there is nobody asking", cmd: Command{Name: "link", Args: []string{"<@U0BO>", "github:bo"}},
			wantUsage: "ask from Slack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, team := identityBot(t)
			ps := storetest.New(t).Nudges()
			for _, p := range tt.stored {
				if err := ps.LinkPerson(t.Context(), "payments", p); err != nil {
					t.Fatal(err)
				}
			}
			_, err := b.identityAnswer(t.Context(), ps, team, tt.cmd, tt.admin)
			var ue *UsageError
			switch {
			case tt.wantUsage == "" && err != nil:
				t.Fatalf("identityAnswer: %v", err)
			case tt.wantUsage != "" && (!errors.As(err, &ue) || !strings.Contains(ue.Problem, tt.wantUsage)):
				t.Fatalf("identityAnswer error = %v, want a usage error with %q", err, tt.wantUsage)
			}
			got, err := ps.People(t.Context(), "payments")
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == nil {
				want = append([]store.Person{}, tt.stored...)
			}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("stored people (-got +want):\n%s", diff)
			}
		})
	}
}

func TestDMCommand(t *testing.T) {
	b, team := identityBot(t)
	ps := storetest.New(t).Nudges()
	steps := []struct {
		name     string
		cmd      Command
		wantText string
		wantDM   []string
	}{
		{"Ana, in the configuration's people, opts in", Command{Name: "dm", User: "U0ANA", Args: []string{"on"}}, "Direct messages are on", []string{"U0ANA"}},
		{"someone unknown opts in and is told to link first", Command{Name: "dm", User: "U0NEW", Args: []string{"ON"}}, "`/flow link` yourself first", []string{"U0ANA", "U0NEW"}},
		{"Ana opts out", Command{Name: "dm", User: "U0ANA", Args: []string{"off"}}, "are off", []string{"U0NEW"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			a, err := b.identityAnswer(t.Context(), ps, team, s.cmd, false)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(a.Text, s.wantText) {
				t.Errorf("answer %q, want it to say %q", a.Text, s.wantText)
			}
			got, err := ps.DMUsers(t.Context(), "payments")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, s.wantDM); diff != "" {
				t.Errorf("DM users (-got +want):\n%s", diff)
			}
		})
	}
	t.Run("neither on nor off", func(t *testing.T) {
		_, err := b.identityAnswer(t.Context(), ps, team, Command{Name: "dm", User: "U0ANA", Args: []string{"maybe"}}, false)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("error = %v, want a usage error", err)
		}
	})
}

func TestIdentities(t *testing.T) {
	_, team := identityBot(t)
	ps := storetest.New(t).Nudges()
	for _, p := range []store.Person{{Slack: "U0ANA", Jira: "Someone Else"}, {Slack: "U0BO", Jira: "Bo Chen", JiraAccount: "acc-bo", GitHub: "bo"}} {
		if err := ps.LinkPerson(t.Context(), "payments", p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Identities(t.Context(), team, ps)
	if err != nil {
		t.Fatal(err)
	}
	// The configuration's Ana wins over the stored record for U0ANA.
	want := []config.Person{{Slack: "U0ANA", Jira: "Ana Lima", GitHub: "ana-lima"}, {Slack: "U0BO", Jira: "Bo Chen", GitHub: "bo"}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Identities (-got +want):\n%s", diff)
	}
}
