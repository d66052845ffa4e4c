package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// Default endpoints, used when their variables are unset.
const (
	DefaultSlackAPIURL  = "https://slack.com/api/"
	DefaultGitHubAPIURL = "https://api.github.com/"
)

// Needs accepted by Env.CheckFor.
const (
	NeedSlack          = "slack"
	NeedJira           = "jira"            // the base URL and either kind of credentials
	NeedJiraCloud      = "jira:cloud"      // the base URL, JIRA_EMAIL and JIRA_API_TOKEN
	NeedJiraDataCenter = "jira:datacenter" // the base URL and JIRA_PAT
	NeedGitHub         = "github"
)

// Env is what flowbot takes from the environment: secrets, which never go in
// the configuration file, and the endpoints of the services it talks to.
// Base URLs end in "/". Printing or logging an Env never shows a secret.
type Env struct {
	SlackAppToken string // SLACK_APP_TOKEN, xapp-...: socket mode
	SlackBotToken string // SLACK_BOT_TOKEN, xoxb-...: the Web API
	SlackAPIURL   string // SLACK_API_URL
	JiraBaseURL   string // JIRA_BASE_URL
	JiraEmail     string // JIRA_EMAIL: Cloud, with JiraAPIToken (basic auth)
	JiraAPIToken  string // JIRA_API_TOKEN
	JiraPAT       string // JIRA_PAT: Data Center personal access token (bearer)
	GitHubAPIURL  string // GITHUB_API_URL
	GitHubToken   string // GITHUB_TOKEN
	RedisURL      string // REDIS_URL; empty: an in-process Redis
}

// EnvFrom reads the environment through getenv (os.Getenv in main, a map in
// tests), fills in default endpoints and checks the form of what is set.
// Values are trimmed, since secrets mounted from files often end in a
// newline. It does not demand anything be set; CheckFor does that for the
// services a command uses.
func EnvFrom(getenv func(string) string) (Env, Problems) {
	get := func(key string) string { return strings.TrimSpace(getenv(key)) }
	e := Env{
		SlackAppToken: get("SLACK_APP_TOKEN"),
		SlackBotToken: get("SLACK_BOT_TOKEN"),
		SlackAPIURL:   get("SLACK_API_URL"),
		JiraBaseURL:   get("JIRA_BASE_URL"),
		JiraEmail:     get("JIRA_EMAIL"),
		JiraAPIToken:  get("JIRA_API_TOKEN"),
		JiraPAT:       get("JIRA_PAT"),
		GitHubAPIURL:  get("GITHUB_API_URL"),
		GitHubToken:   get("GITHUB_TOKEN"),
		RedisURL:      get("REDIS_URL"),
	}
	if e.SlackAPIURL == "" {
		e.SlackAPIURL = DefaultSlackAPIURL
	}
	if e.GitHubAPIURL == "" {
		e.GitHubAPIURL = DefaultGitHubAPIURL
	}

	var ps Problems
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{Path: key, Message: fmt.Sprintf(format, args...)})
	}
	// Messages never quote a token: a wrong one may still be a live secret.
	if e.SlackAppToken != "" && !strings.HasPrefix(e.SlackAppToken, "xapp-") {
		add("SLACK_APP_TOKEN", "does not start with xapp-; use the app-level token with the connections:write scope (your Slack app's Basic Information page)")
	}
	if e.SlackBotToken != "" && !strings.HasPrefix(e.SlackBotToken, "xoxb-") {
		add("SLACK_BOT_TOKEN", "does not start with xoxb-; use the Bot User OAuth Token (your Slack app's OAuth & Permissions page)")
	}
	for _, u := range []struct {
		key     string
		value   *string
		example string
	}{
		{"SLACK_API_URL", &e.SlackAPIURL, DefaultSlackAPIURL},
		{"JIRA_BASE_URL", &e.JiraBaseURL, "https://acme.atlassian.net/"},
		{"GITHUB_API_URL", &e.GitHubAPIURL, DefaultGitHubAPIURL},
	} {
		if *u.value == "" {
			continue
		}
		normal, err := baseURL(*u.value)
		if err != nil {
			add(u.key, "%s; set it like %s", err, u.example)
			continue
		}
		*u.value = normal
	}
	if e.RedisURL != "" {
		if u, err := url.Parse(e.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			add("REDIS_URL", "not a redis://, rediss:// or unix:// URL; set it like redis://redis:6379/0, or leave it unset for an in-process Redis")
		}
	}
	switch {
	case e.JiraEmail != "" && e.JiraAPIToken == "":
		add("JIRA_API_TOKEN", "missing while JIRA_EMAIL is set; Jira Cloud needs both (create a token at https://id.atlassian.com/manage-profile/security/api-tokens)")
	case e.JiraEmail == "" && e.JiraAPIToken != "":
		add("JIRA_EMAIL", "missing while JIRA_API_TOKEN is set; Jira Cloud needs both: set it to the email of the token's account")
	case e.JiraAPIToken != "" && e.JiraPAT != "":
		add("JIRA_PAT", "set together with JIRA_EMAIL and JIRA_API_TOKEN; keep the email and token for Jira Cloud or the PAT for Data Center, not both")
	}
	return e, ps
}

// baseURL checks that s is an absolute http(s) URL fit to resolve API paths
// against, and ends it in "/".
func baseURL(s string) (string, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", fmt.Errorf("not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("not an http or https URL")
	case u.Host == "":
		return "", fmt.Errorf("has no host")
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("has a query or fragment, which a base URL cannot keep")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u.String(), nil
}

// CheckFor reports what the given services (NeedSlack, NeedJira,
// NeedJiraCloud, NeedJiraDataCenter, NeedGitHub) are missing from the
// environment, and how to set it.
func (e Env) CheckFor(needs ...string) Problems {
	var ps Problems
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{Path: key, Message: fmt.Sprintf(format, args...)})
	}
	missing := func(key, value, how string) {
		if value == "" {
			add(key, "missing; %s", how)
		}
	}
	const (
		apiTokenHow = "create an API token at https://id.atlassian.com/manage-profile/security/api-tokens"
		emailHow    = "set it to the email of the Jira account the API token belongs to"
		patHow      = "create a personal access token under your Jira profile's Personal Access Tokens"
	)
	for _, need := range needs {
		switch need {
		case NeedSlack:
			missing("SLACK_APP_TOKEN", e.SlackAppToken, "set it to the app-level token (xapp-...) with connections:write, from your Slack app's Basic Information page")
			missing("SLACK_BOT_TOKEN", e.SlackBotToken, "set it to the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & Permissions page")
		case NeedJira, NeedJiraCloud, NeedJiraDataCenter:
			missing("JIRA_BASE_URL", e.JiraBaseURL, "set it to your Jira's address, such as https://acme.atlassian.net/")
			cloud := e.JiraEmail != "" || e.JiraAPIToken != ""
			switch {
			case need == NeedJiraCloud || need == NeedJira && cloud:
				missing("JIRA_EMAIL", e.JiraEmail, emailHow)
				missing("JIRA_API_TOKEN", e.JiraAPIToken, apiTokenHow)
			case need == NeedJiraDataCenter:
				missing("JIRA_PAT", e.JiraPAT, patHow)
			case e.JiraPAT == "":
				add("JIRA_API_TOKEN or JIRA_PAT", "missing; for Jira Cloud set JIRA_EMAIL and JIRA_API_TOKEN (%s), for Data Center set JIRA_PAT (%s)", apiTokenHow, patHow)
			}
		case NeedGitHub:
			missing("GITHUB_TOKEN", e.GitHubToken, "set it to a GitHub token that can read the teams' repositories (fine-grained: Pull requests and Contents, read-only)")
		default:
			add(need, "unknown need; use %s, %s, %s, %s or %s", NeedSlack, NeedJira, NeedJiraCloud, NeedJiraDataCenter, NeedGitHub)
		}
	}
	return ps
}

// String shows the environment with every secret replaced by [redacted].
func (e Env) String() string {
	var b strings.Builder
	b.WriteString("Env{")
	for i, f := range e.fields() {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", f.key, f.value)
	}
	b.WriteByte('}')
	return b.String()
}

// GoString keeps %#v, which would otherwise print the fields raw, redacted.
func (e Env) GoString() string { return e.String() }

// LogValue logs the environment as a group, every secret redacted.
func (e Env) LogValue() slog.Value {
	fs := e.fields()
	attrs := make([]slog.Attr, len(fs))
	for i, f := range fs {
		attrs[i] = slog.String(f.key, f.value)
	}
	return slog.GroupValue(attrs...)
}

type envField struct{ key, value string }

// fields lists the environment as it may be shown: secrets as [redacted]
// when set, and URLs without passwords or query strings.
func (e Env) fields() []envField {
	return []envField{
		{"SLACK_APP_TOKEN", secret(e.SlackAppToken)},
		{"SLACK_BOT_TOKEN", secret(e.SlackBotToken)},
		{"SLACK_API_URL", redactURL(e.SlackAPIURL)},
		{"JIRA_BASE_URL", redactURL(e.JiraBaseURL)},
		{"JIRA_EMAIL", e.JiraEmail},
		{"JIRA_API_TOKEN", secret(e.JiraAPIToken)},
		{"JIRA_PAT", secret(e.JiraPAT)},
		{"GITHUB_API_URL", redactURL(e.GitHubAPIURL)},
		{"GITHUB_TOKEN", secret(e.GitHubToken)},
		{"REDIS_URL", redactURL(e.RedisURL)},
	}
}

func secret(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// redactURL hides a URL's password and query, where a Redis URL or a
// carelessly written base URL may carry credentials. What does not parse is
// hidden whole.
func redactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "[redacted]"
	}
	hidden := u.RawQuery != "" || u.Fragment != ""
	u.RawQuery, u.Fragment, u.RawFragment, u.ForceQuery = "", "", "", false
	if hidden {
		return u.Redacted() + "?[redacted]"
	}
	return u.Redacted()
}
