package config

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io/fs"
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
	secrets := []string{"s3cr3t-app", "s3cr3t-bot", "s3cr3t-api", "s3cr3t-pat", "s3cr3t-gh", "s3cr3t-redis", "s3cr3t-query", "s3cr3t-jirapw", "s3cr3t-pem"}
	e := Env{
		SlackAppToken:       "xapp-s3cr3t-app",
		SlackBotToken:       "xoxb-s3cr3t-bot",
		SlackAPIURL:         "https://slack.com/api/",
		JiraBaseURL:         "https://bot:s3cr3t-jirapw@jira.acme.example/",
		JiraEmail:           "bot@acme.example",
		JiraAPIToken:        "s3cr3t-api",
		JiraPAT:             "s3cr3t-pat",
		GitHubAPIURL:        "https://api.github.com/",
		GitHubToken:         "ghp_s3cr3t-gh",
		GitHubAppPrivateKey: "-----BEGIN RSA PRIVATE KEY-----\ns3cr3t-pem\n-----END RSA PRIVATE KEY-----",
		RedisURL:            "rediss://default:s3cr3t-redis@redis.acme.example:6380/0?token=s3cr3t-query",
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
	want := "Env{SLACK_APP_TOKEN= SLACK_BOT_TOKEN= SLACK_API_URL=https://slack.com/api/ JIRA_BASE_URL= JIRA_EMAIL= JIRA_API_TOKEN= JIRA_PAT= GITHUB_API_URL=https://api.github.com/ GITHUB_TOKEN=[redacted] GITHUB_APP_ID= GITHUB_APP_INSTALLATION_ID= GITHUB_APP_PRIVATE_KEY= REDIS_URL= FLOWBOT_HTTP_ADDR=}"
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

// testKey is a throwaway 1024-bit RSA key, small to keep the test fast.
func testKey(t *testing.T, pkcs8 bool) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if pkcs8 {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

func TestEnvSecretsFromFiles(t *testing.T) {
	key := testKey(t, false)
	files := map[string]string{
		"/run/secrets/slack-app":  "xapp-1-file\n",
		"/run/secrets/slack-bot":  "xoxb-file\r\n",
		"/run/secrets/jira-token": "jira-file-token\n",
		"/run/secrets/jira-pat":   "pat-file\n",
		"/run/secrets/github":     "ghp_file\n\n",
		"/run/secrets/redis":      "redis://:pw@redis:6379/0\n",
		"/run/secrets/app.pem":    key,
		"/run/secrets/empty":      "\n",
	}
	readFile := func(path string) ([]byte, error) {
		if v, ok := files[path]; ok {
			return []byte(v), nil
		}
		if path == "/run/secrets/locked" {
			return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission}
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	base := Env{SlackAPIURL: DefaultSlackAPIURL, GitHubAPIURL: DefaultGitHubAPIURL}
	with := func(f func(*Env)) Env { e := base; f(&e); return e }
	tests := []struct {
		name      string
		env       map[string]string
		want      Env
		wantProbs []string
	}{
		{
			name: "every secret from a file, trailing newlines trimmed",
			env: map[string]string{
				"SLACK_APP_TOKEN_FILE": "/run/secrets/slack-app", "SLACK_BOT_TOKEN_FILE": "/run/secrets/slack-bot",
				"JIRA_EMAIL": "bot@acme.example", "JIRA_API_TOKEN_FILE": "/run/secrets/jira-token",
				"GITHUB_TOKEN_FILE": "/run/secrets/github", "REDIS_URL_FILE": "/run/secrets/redis",
			},
			want: with(func(e *Env) {
				e.SlackAppToken, e.SlackBotToken = "xapp-1-file", "xoxb-file"
				e.JiraEmail, e.JiraAPIToken = "bot@acme.example", "jira-file-token"
				e.GitHubToken, e.RedisURL = "ghp_file", "redis://:pw@redis:6379/0"
			}),
		},
		{
			name: "a PAT from a file",
			env:  map[string]string{"JIRA_PAT_FILE": "/run/secrets/jira-pat"},
			want: with(func(e *Env) { e.JiraPAT = "pat-file" }),
		},
		{
			name: "both the variable and its file",
			env:  map[string]string{"GITHUB_TOKEN": "ghp_env", "GITHUB_TOKEN_FILE": "/run/secrets/github"},
			want: with(func(e *Env) {}),
			wantProbs: []string{
				"GITHUB_TOKEN_FILE: set together with GITHUB_TOKEN; set one of them: the value itself or the path of a file holding it",
			},
		},
		{
			name: "unreadable and missing files name the variable and the path",
			env:  map[string]string{"SLACK_BOT_TOKEN_FILE": "/run/secrets/locked", "JIRA_PAT_FILE": "/run/secrets/nope"},
			want: with(func(e *Env) {}),
			wantProbs: []string{
				"SLACK_BOT_TOKEN_FILE: cannot read /run/secrets/locked: permission denied",
				"JIRA_PAT_FILE: cannot read /run/secrets/nope: file does not exist",
			},
		},
		{
			name: "an empty file",
			env:  map[string]string{"JIRA_PAT_FILE": "/run/secrets/empty"},
			want: with(func(e *Env) {}),
			wantProbs: []string{
				"JIRA_PAT_FILE: /run/secrets/empty is empty; it should hold the value of JIRA_PAT",
			},
		},
		{
			name: "a wrong token read from a file is checked like one from the variable",
			env:  map[string]string{"SLACK_APP_TOKEN_FILE": "/run/secrets/slack-bot"},
			want: with(func(e *Env) { e.SlackAppToken = "xoxb-file" }),
			wantProbs: []string{
				"SLACK_APP_TOKEN: does not start with xapp-; use the app-level token with the connections:write scope (your Slack app's Basic Information page)",
			},
		},
		{
			name: "FLOWBOT_HTTP_ADDR",
			env:  map[string]string{"FLOWBOT_HTTP_ADDR": "127.0.0.1:9090"},
			want: with(func(e *Env) { e.HTTPAddr = "127.0.0.1:9090" }),
		},
		{
			name:      "FLOWBOT_HTTP_ADDR without a port",
			env:       map[string]string{"FLOWBOT_HTTP_ADDR": "localhost"},
			want:      with(func(e *Env) { e.HTTPAddr = "localhost" }),
			wantProbs: []string{"FLOWBOT_HTTP_ADDR: not a host:port address; set it like :8080 or 127.0.0.1:9090"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, probs := ReadEnv(envOf(tt.env), readFile)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Env (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(problemStrings(probs), tt.wantProbs); diff != "" {
				t.Errorf("problems (-got +want):\n%s", diff)
			}
			for _, p := range probs {
				for _, content := range files {
					if c := strings.TrimSpace(content); c != "" && strings.Contains(p.String(), c) {
						t.Errorf("problem %q shows a file's contents", p)
					}
				}
			}
		})
	}
}

func TestEnvGitHubApp(t *testing.T) {
	pkcs1, pkcs8 := testKey(t, false), testKey(t, true)
	oneLine := strings.ReplaceAll(strings.TrimSpace(pkcs1), "\n", `\n`)
	readFile := func(path string) ([]byte, error) {
		if path == "/keys/app.pem" {
			return []byte(pkcs8), nil
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	base := Env{SlackAPIURL: DefaultSlackAPIURL, GitHubAPIURL: DefaultGitHubAPIURL}
	with := func(f func(*Env)) Env { e := base; f(&e); return e }
	const missingKey = "GITHUB_APP_PRIVATE_KEY: missing while GITHUB_APP_ID or GITHUB_APP_INSTALLATION_ID is set; set GITHUB_APP_PRIVATE_KEY to the app's private key (PEM), or GITHUB_APP_PRIVATE_KEY_FILE to the .pem file GitHub gave you"
	tests := []struct {
		name      string
		env       map[string]string
		want      Env
		wantProbs []string
	}{
		{
			name: "the app with its key in the variable",
			env:  map[string]string{"GITHUB_APP_ID": "12345", "GITHUB_APP_INSTALLATION_ID": "678", "GITHUB_APP_PRIVATE_KEY": pkcs1},
			want: with(func(e *Env) {
				e.GitHubAppID, e.GitHubAppInstallationID, e.GitHubAppPrivateKey = 12345, 678, strings.TrimSpace(pkcs1)
			}),
		},
		{
			name: "the key from a file, PKCS #8",
			env:  map[string]string{"GITHUB_APP_ID": "12345", "GITHUB_APP_INSTALLATION_ID": "678", "GITHUB_APP_PRIVATE_KEY_FILE": "/keys/app.pem"},
			want: with(func(e *Env) {
				e.GitHubAppID, e.GitHubAppInstallationID, e.GitHubAppPrivateKey = 12345, 678, strings.TrimSpace(pkcs8)
			}),
		},
		{
			name: "a key pasted on one line with \\n escapes",
			env:  map[string]string{"GITHUB_APP_ID": "12345", "GITHUB_APP_INSTALLATION_ID": "678", "GITHUB_APP_PRIVATE_KEY": oneLine},
			want: with(func(e *Env) {
				e.GitHubAppID, e.GitHubAppInstallationID, e.GitHubAppPrivateKey = 12345, 678, strings.TrimSpace(pkcs1)
			}),
		},
		{
			name: "a token and the app",
			env:  map[string]string{"GITHUB_TOKEN": "ghp_x", "GITHUB_APP_ID": "12345", "GITHUB_APP_INSTALLATION_ID": "678", "GITHUB_APP_PRIVATE_KEY": pkcs1},
			want: with(func(e *Env) {
				e.GitHubToken, e.GitHubAppID, e.GitHubAppInstallationID, e.GitHubAppPrivateKey = "ghp_x", 12345, 678, strings.TrimSpace(pkcs1)
			}),
			wantProbs: []string{"GITHUB_TOKEN: set together with a GitHub App (GITHUB_APP_ID); use either a token or the App, not both"},
		},
		{
			name:      "an app id alone",
			env:       map[string]string{"GITHUB_APP_ID": "12345"},
			want:      with(func(e *Env) { e.GitHubAppID = 12345 }),
			wantProbs: []string{"GITHUB_APP_INSTALLATION_ID: missing while other GITHUB_APP_ settings are set; a GitHub App needs GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and its private key", missingKey},
		},
		{
			name:      "a key alone",
			env:       map[string]string{"GITHUB_APP_PRIVATE_KEY": pkcs1},
			want:      with(func(e *Env) { e.GitHubAppPrivateKey = strings.TrimSpace(pkcs1) }),
			wantProbs: []string{"GITHUB_APP_ID: missing while other GITHUB_APP_ settings are set; a GitHub App needs GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and its private key"},
		},
		{
			name: "ids that are not numbers, and a key that is not one",
			env:  map[string]string{"GITHUB_APP_ID": "my-app", "GITHUB_APP_INSTALLATION_ID": "-1", "GITHUB_APP_PRIVATE_KEY": "s3cr3t"},
			want: with(func(e *Env) { e.GitHubAppPrivateKey = "s3cr3t" }),
			wantProbs: []string{
				"GITHUB_APP_ID: not a positive number; set it to the App ID on your GitHub App's settings page",
				"GITHUB_APP_INSTALLATION_ID: not a positive number; set it to the number at the end of the installation's settings URL (…/installations/NUMBER)",
				"GITHUB_APP_PRIVATE_KEY: not an RSA private key in PEM (-----BEGIN RSA PRIVATE KEY-----); set GITHUB_APP_PRIVATE_KEY to the app's private key (PEM), or GITHUB_APP_PRIVATE_KEY_FILE to the .pem file GitHub gave you",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, probs := ReadEnv(envOf(tt.env), readFile)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Env (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(problemStrings(probs), tt.wantProbs); diff != "" {
				t.Errorf("problems (-got +want):\n%s", diff)
			}
		})
	}
}

func TestCheckForGitHubAcceptsTheApp(t *testing.T) {
	app := Env{GitHubAppID: 1, GitHubAppInstallationID: 2, GitHubAppPrivateKey: "pem"}
	if ps := app.CheckFor(NeedGitHub); len(ps) != 0 {
		t.Errorf("CheckFor(github) with an App = %v, want none", ps)
	}
	if ps := (Env{}).CheckFor(NeedGitHub); len(ps) != 1 || !strings.Contains(ps[0].Message, "GITHUB_APP_ID") {
		t.Errorf("CheckFor(github) with nothing = %v, want one problem naming both ways", ps)
	}
}

func TestHTTPAddress(t *testing.T) {
	tests := []struct {
		name      string
		file, env string
		want      string
	}{
		{"default", "", "", ":8080"},
		{"the file's http_addr", "127.0.0.1:9090", "", "127.0.0.1:9090"},
		{"FLOWBOT_HTTP_ADDR wins", "127.0.0.1:9090", ":9100", ":9100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Config{HTTPAddr: tt.file}
			if got := c.HTTPAddress(Env{HTTPAddr: tt.env}); got != tt.want {
				t.Errorf("HTTPAddress = %q, want %q", got, tt.want)
			}
		})
	}
}
