package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestEnvFrom(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		want      Env
		wantProbs []string
	}{
		{
			name: "nothing set gives the default endpoints",
			env:  nil,
			want: Env{SlackAPIURL: "https://slack.com/api/", GitHubAPIURL: "https://api.github.com/"},
		},
		{
			name: "cloud setup, values trimmed, base URLs end in a slash",
			env: map[string]string{
				"SLACK_APP_TOKEN": "xapp-1-A\n",
				"SLACK_BOT_TOKEN": " xoxb-2",
				"SLACK_API_URL":   "http://127.0.0.1:8080/api",
				"JIRA_BASE_URL":   "https://acme.atlassian.net",
				"JIRA_EMAIL":      "bot@acme.example",
				"JIRA_API_TOKEN":  "tok",
				"GITHUB_API_URL":  "https://ghe.acme.example/api/v3",
				"GITHUB_TOKEN":    "ghp_x",
				"REDIS_URL":       "redis://redis:6379/0",
			},
			want: Env{
				SlackAppToken: "xapp-1-A", SlackBotToken: "xoxb-2", SlackAPIURL: "http://127.0.0.1:8080/api/",
				JiraBaseURL: "https://acme.atlassian.net/", JiraEmail: "bot@acme.example", JiraAPIToken: "tok",
				GitHubAPIURL: "https://ghe.acme.example/api/v3/", GitHubToken: "ghp_x", RedisURL: "redis://redis:6379/0",
			},
		},
		{
			name: "data center with a PAT and a context path",
			env:  map[string]string{"JIRA_BASE_URL": "https://jira.acme.example/jira/", "JIRA_PAT": "pat"},
			want: Env{SlackAPIURL: "https://slack.com/api/", JiraBaseURL: "https://jira.acme.example/jira/", JiraPAT: "pat", GitHubAPIURL: "https://api.github.com/"},
		},
		{
			name: "tokens of the wrong kind",
			env:  map[string]string{"SLACK_APP_TOKEN": "xoxb-swapped", "SLACK_BOT_TOKEN": "xapp-swapped"},
			want: Env{SlackAppToken: "xoxb-swapped", SlackBotToken: "xapp-swapped", SlackAPIURL: "https://slack.com/api/", GitHubAPIURL: "https://api.github.com/"},
			wantProbs: []string{
				"SLACK_APP_TOKEN: does not start with xapp-; use the app-level token with the connections:write scope (your Slack app's Basic Information page)",
				"SLACK_BOT_TOKEN: does not start with xoxb-; use the Bot User OAuth Token (your Slack app's OAuth & Permissions page)",
			},
		},
		{
			name: "bad URLs",
			env: map[string]string{
				"SLACK_API_URL":  "slack.com/api",
				"JIRA_BASE_URL":  "https://acme.atlassian.net/?x=1",
				"GITHUB_API_URL": "ftp://github.example/",
				"REDIS_URL":      "localhost:6379",
			},
			want: Env{
				SlackAPIURL: "slack.com/api", JiraBaseURL: "https://acme.atlassian.net/?x=1",
				GitHubAPIURL: "ftp://github.example/", RedisURL: "localhost:6379",
			},
			wantProbs: []string{
				"SLACK_API_URL: not an http or https URL; set it like https://slack.com/api/",
				"JIRA_BASE_URL: has a query or fragment, which a base URL cannot keep; set it like https://acme.atlassian.net/",
				"GITHUB_API_URL: not an http or https URL; set it like https://api.github.com/",
				"REDIS_URL: not a redis://, rediss:// or unix:// URL; set it like redis://redis:6379/0, or leave it unset for an in-process Redis",
			},
		},
		{
			name: "URL without a host",
			env:  map[string]string{"JIRA_BASE_URL": "https:///rest"},
			want: Env{SlackAPIURL: "https://slack.com/api/", JiraBaseURL: "https:///rest", GitHubAPIURL: "https://api.github.com/"},
			wantProbs: []string{
				"JIRA_BASE_URL: has no host; set it like https://acme.atlassian.net/",
			},
		},
		{
			name: "email without its token",
			env:  map[string]string{"JIRA_EMAIL": "bot@acme.example"},
			want: Env{SlackAPIURL: "https://slack.com/api/", JiraEmail: "bot@acme.example", GitHubAPIURL: "https://api.github.com/"},
			wantProbs: []string{
				"JIRA_API_TOKEN: missing while JIRA_EMAIL is set; Jira Cloud needs both (create a token at https://id.atlassian.com/manage-profile/security/api-tokens)",
			},
		},
		{
			name: "token without its email",
			env:  map[string]string{"JIRA_API_TOKEN": "tok"},
			want: Env{SlackAPIURL: "https://slack.com/api/", JiraAPIToken: "tok", GitHubAPIURL: "https://api.github.com/"},
			wantProbs: []string{
				"JIRA_EMAIL: missing while JIRA_API_TOKEN is set; Jira Cloud needs both: set it to the email of the token's account",
			},
		},
		{
			name: "both kinds of Jira credentials",
			env:  map[string]string{"JIRA_EMAIL": "bot@acme.example", "JIRA_API_TOKEN": "tok", "JIRA_PAT": "pat"},
			want: Env{SlackAPIURL: "https://slack.com/api/", JiraEmail: "bot@acme.example", JiraAPIToken: "tok", JiraPAT: "pat", GitHubAPIURL: "https://api.github.com/"},
			wantProbs: []string{
				"JIRA_PAT: set together with JIRA_EMAIL and JIRA_API_TOKEN; keep the email and token for Jira Cloud or the PAT for Data Center, not both",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, probs := EnvFrom(envOf(tt.env))
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Env (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(problemStrings(probs), tt.wantProbs); diff != "" {
				t.Errorf("problems (-got +want):\n%s", diff)
			}
		})
	}
}

func TestCheckFor(t *testing.T) {
	cloud := Env{JiraBaseURL: "https://acme.atlassian.net/", JiraEmail: "bot@acme.example", JiraAPIToken: "tok"}
	dc := Env{JiraBaseURL: "https://jira.acme.example/", JiraPAT: "pat"}
	full := Env{SlackAppToken: "xapp-1", SlackBotToken: "xoxb-1", JiraBaseURL: "https://acme.atlassian.net/", JiraPAT: "pat", GitHubToken: "ghp"}
	tests := []struct {
		name  string
		env   Env
		needs []string
		want  []string // problem paths
	}{
		{"nothing needed", Env{}, nil, nil},
		{"everything present", full, []string{"slack", "jira", "github"}, nil},
		{"slack missing", Env{}, []string{"slack"}, []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN"}},
		{"github missing", Env{}, []string{"github"}, []string{"GITHUB_TOKEN"}},
		{"jira missing entirely", Env{}, []string{"jira"}, []string{"JIRA_BASE_URL", "JIRA_API_TOKEN or JIRA_PAT"}},
		{"jira cloud credentials suffice", cloud, []string{"jira"}, nil},
		{"jira data center credentials suffice", dc, []string{"jira"}, nil},
		{"half of the cloud pair", Env{JiraBaseURL: "https://x/", JiraEmail: "a@b"}, []string{"jira"}, []string{"JIRA_API_TOKEN"}},
		{"cloud flavor wants the cloud pair", dc, []string{"jira:cloud"}, []string{"JIRA_EMAIL", "JIRA_API_TOKEN"}},
		{"data center flavor wants the PAT", cloud, []string{"jira:datacenter"}, []string{"JIRA_PAT"}},
		{"unknown need", full, []string{"confluence"}, []string{"confluence"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probs := tt.env.CheckFor(tt.needs...)
			var got []string
			for _, p := range probs {
				got = append(got, p.Path)
				if !strings.HasPrefix(p.Message, "missing; ") && p.Path != "confluence" {
					t.Errorf("%s: message %q does not say it is missing", p.Path, p.Message)
				}
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("problem paths (-got +want):\n%s", diff)
			}
		})
	}
}

// No way of printing or logging an Env may show a secret, including those
// hidden in URLs.
func TestEnvRedaction(t *testing.T) {
	secrets := []string{"s3cr3t-app", "s3cr3t-bot", "s3cr3t-api", "s3cr3t-pat", "s3cr3t-gh", "s3cr3t-redis", "s3cr3t-query", "s3cr3t-jirapw"}
	e := Env{
		SlackAppToken: "xapp-s3cr3t-app",
		SlackBotToken: "xoxb-s3cr3t-bot",
		SlackAPIURL:   "https://slack.com/api/",
		JiraBaseURL:   "https://bot:s3cr3t-jirapw@jira.acme.example/",
		JiraEmail:     "bot@acme.example",
		JiraAPIToken:  "s3cr3t-api",
		JiraPAT:       "s3cr3t-pat",
		GitHubAPIURL:  "https://api.github.com/",
		GitHubToken:   "ghp_s3cr3t-gh",
		RedisURL:      "rediss://default:s3cr3t-redis@redis.acme.example:6380/0?token=s3cr3t-query",
	}
	renders := map[string]func() string{
		"String": e.String,
		"%v":     func() string { return fmt.Sprintf("%v", e) },
		"%+v":    func() string { return fmt.Sprintf("%+v", e) },
		"%#v":    func() string { return fmt.Sprintf("%#v", e) },
		//lint:ignore S1025 the point is how fmt's %s verb prints a *Env
		"%s ptr": func() string { return fmt.Sprintf("%s", &e) },
		"slog text": func() string {
			var b bytes.Buffer
			slog.New(slog.NewTextHandler(&b, nil)).Info("starting", "env", e)
			return b.String()
		},
		"slog json": func() string {
			var b bytes.Buffer
			slog.New(slog.NewJSONHandler(&b, nil)).Info("starting", slog.Any("env", e))
			return b.String()
		},
	}
	for name, render := range renders {
		t.Run(name, func(t *testing.T) {
			out := render()
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("output shows secret %q:\n%s", s, out)
				}
			}
			// What is not secret stays readable, or the test would pass on
			// an empty rendering.
			for _, want := range []string{"bot@acme.example", "jira.acme.example", "redis.acme.example:6380", "redacted"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestEnvStringShowsWhatIsUnset(t *testing.T) {
	e, _ := EnvFrom(envOf(map[string]string{"GITHUB_TOKEN": "ghp_x"}))
	got := e.String()
	want := "Env{SLACK_APP_TOKEN= SLACK_BOT_TOKEN= SLACK_API_URL=https://slack.com/api/ JIRA_BASE_URL= JIRA_EMAIL= JIRA_API_TOKEN= JIRA_PAT= GITHUB_API_URL=https://api.github.com/ GITHUB_TOKEN=[redacted] REDIS_URL=}"
	if got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}

func problemStrings(ps Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}
