package config

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Default endpoints, used when their variables are unset.
const (
	DefaultSlackAPIURL  = "https://slack.com/api/"
	DefaultGitHubAPIURL = "https://api.github.com/"
	// DefaultHTTPAddr is where `flowbot serve` serves /healthz, /readyz and
	// /metrics when neither FLOWBOT_HTTP_ADDR nor http_addr says.
	DefaultHTTPAddr = ":8080"
)

// SecretVariables are the variables that hold secrets. Each may instead be
// given as a file: NAME_FILE holds the path, as Kubernetes mounts secrets.
var secretVariables = []string{
	"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "JIRA_API_TOKEN", "JIRA_PAT",
	"GITHUB_TOKEN", "GITHUB_APP_PRIVATE_KEY", "REDIS_URL",
}

// SecretVariables lists the variables that may be given as NAME_FILE.
func SecretVariables() []string { return append([]string(nil), secretVariables...) }

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
	// GitHub App authentication, instead of GitHubToken: all three or none.
	GitHubAppID             int64  // GITHUB_APP_ID
	GitHubAppInstallationID int64  // GITHUB_APP_INSTALLATION_ID
	GitHubAppPrivateKey     string // GITHUB_APP_PRIVATE_KEY: the app's private key, PEM
	RedisURL                string // REDIS_URL; empty: an in-process Redis
	// HTTPAddr is FLOWBOT_HTTP_ADDR: where `flowbot serve` serves probes and
	// metrics, over the file's http_addr. Empty when unset.
	HTTPAddr string
}

// HTTPAddress is where `flowbot serve` serves probes and metrics:
// FLOWBOT_HTTP_ADDR when set, else the file's http_addr, else
// DefaultHTTPAddr.
func (c *Config) HTTPAddress(env Env) string {
	switch {
	case env.HTTPAddr != "":
		return env.HTTPAddr
	case c.HTTPAddr != "":
		return c.HTTPAddr
	}
	return DefaultHTTPAddr
}

// GitHubApp reports whether GitHub is reached as a GitHub App.
func (e Env) GitHubApp() bool { return e.GitHubAppID != 0 }

// EnvFrom is ReadEnv with secret files read from the file system.
func EnvFrom(getenv func(string) string) (Env, Problems) {
	return ReadEnv(getenv, os.ReadFile)
}

// ReadEnv reads the environment through getenv (os.Getenv in main, a map in
// tests), fills in default endpoints and checks the form of what is set.
// Every secret variable may instead name a file, NAME_FILE, read through
// readFile (os.ReadFile in main); setting both is a problem, and so is a
// file that cannot be read (the problem names the variable and the path,
// never what the file holds). Values are trimmed, since secrets mounted
// from files often end in a newline. It does not demand anything be set;
// CheckFor does that for the services a command uses.
func ReadEnv(getenv func(string) string, readFile func(string) ([]byte, error)) (Env, Problems) {
	var ps Problems
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{Path: key, Message: fmt.Sprintf(format, args...)})
	}
	get := func(key string) string { return strings.TrimSpace(getenv(key)) }
	secrets := map[string]string{}
	for _, key := range secretVariables {
		v := get(key)
		path := get(key + "_FILE")
		switch {
		case path == "":
		case v != "":
			add(key+"_FILE", "set together with %s; set one of them: the value itself or the path of a file holding it", key)
			continue
		default:
			data, err := readFile(path)
			if err != nil {
				add(key+"_FILE", "cannot read %s: %s", path, fileError(err))
				continue
			}
			v = strings.TrimSpace(string(data))
			if v == "" {
				add(key+"_FILE", "%s is empty; it should hold the value of %s", path, key)
				continue
			}
		}
		secrets[key] = v
	}
	e := Env{
		SlackAppToken:       secrets["SLACK_APP_TOKEN"],
		SlackBotToken:       secrets["SLACK_BOT_TOKEN"],
		SlackAPIURL:         get("SLACK_API_URL"),
		JiraBaseURL:         get("JIRA_BASE_URL"),
		JiraEmail:           get("JIRA_EMAIL"),
		JiraAPIToken:        secrets["JIRA_API_TOKEN"],
		JiraPAT:             secrets["JIRA_PAT"],
		GitHubAPIURL:        get("GITHUB_API_URL"),
		GitHubToken:         secrets["GITHUB_TOKEN"],
		GitHubAppPrivateKey: pemValue(secrets["GITHUB_APP_PRIVATE_KEY"]),
		RedisURL:            secrets["REDIS_URL"],
		HTTPAddr:            get("FLOWBOT_HTTP_ADDR"),
	}
	if e.SlackAPIURL == "" {
		e.SlackAPIURL = DefaultSlackAPIURL
	}
	if e.GitHubAPIURL == "" {
		e.GitHubAPIURL = DefaultGitHubAPIURL
	}
	for _, id := range []struct {
		key   string
		value *int64
		how   string
	}{
		{"GITHUB_APP_ID", &e.GitHubAppID, "the App ID on your GitHub App's settings page"},
		{"GITHUB_APP_INSTALLATION_ID", &e.GitHubAppInstallationID, "the number at the end of the installation's settings URL (…/installations/NUMBER)"},
	} {
		v := get(id.key)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			add(id.key, "not a positive number; set it to %s", id.how)
			continue
		}
		*id.value = n
	}
	ps = append(ps, e.checkGitHubApp(get("GITHUB_APP_ID") != "", get("GITHUB_APP_INSTALLATION_ID") != "")...)
	if e.HTTPAddr != "" {
		if _, _, err := net.SplitHostPort(e.HTTPAddr); err != nil {
			add("FLOWBOT_HTTP_ADDR", "not a host:port address; set it like :8080 or 127.0.0.1:9090")
		}
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

// checkGitHubApp checks that the App's three settings come together, that
// the key is an RSA private key in PEM, and that the App and a token are not
// both set. appSet and installSet say whether the IDs were given at all,
// even when they did not parse.
func (e Env) checkGitHubApp(appSet, installSet bool) Problems {
	var ps Problems
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{Path: key, Message: fmt.Sprintf(format, args...)})
	}
	keySet := e.GitHubAppPrivateKey != ""
	if !appSet && !installSet && !keySet {
		return nil
	}
	const keyHow = "set GITHUB_APP_PRIVATE_KEY to the app's private key (PEM), or GITHUB_APP_PRIVATE_KEY_FILE to the .pem file GitHub gave you"
	switch {
	case !appSet:
		add("GITHUB_APP_ID", "missing while other GITHUB_APP_ settings are set; a GitHub App needs GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and its private key")
	case !installSet:
		add("GITHUB_APP_INSTALLATION_ID", "missing while other GITHUB_APP_ settings are set; a GitHub App needs GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and its private key")
	}
	if !keySet {
		add("GITHUB_APP_PRIVATE_KEY", "missing while GITHUB_APP_ID or GITHUB_APP_INSTALLATION_ID is set; %s", keyHow)
	} else if !rsaPrivateKey(e.GitHubAppPrivateKey) {
		add("GITHUB_APP_PRIVATE_KEY", "not an RSA private key in PEM (-----BEGIN RSA PRIVATE KEY-----); %s", keyHow)
	}
	if e.GitHubToken != "" {
		add("GITHUB_TOKEN", "set together with a GitHub App (GITHUB_APP_ID); use either a token or the App, not both")
	}
	return ps
}

// pemValue turns the \n escapes of a PEM pasted into one line (as some
// secret stores and env files keep it) back into newlines.
func pemValue(s string) string {
	if strings.Contains(s, "\n") || !strings.Contains(s, `\n`) {
		return s
	}
	return strings.ReplaceAll(s, `\n`, "\n")
}

func rsaPrivateKey(s string) bool {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return false
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return true
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	_, ok := k.(*rsa.PrivateKey)
	return err == nil && ok
}

// fileError is why a file could not be read, without repeating the path.
func fileError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
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
			if !e.GitHubApp() {
				missing("GITHUB_TOKEN", e.GitHubToken, "set it to a GitHub token that can read the teams' repositories (fine-grained: Pull requests and Contents, read-only), or authenticate as a GitHub App with GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY")
			}
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
		{"GITHUB_APP_ID", number(e.GitHubAppID)},
		{"GITHUB_APP_INSTALLATION_ID", number(e.GitHubAppInstallationID)},
		{"GITHUB_APP_PRIVATE_KEY", secret(e.GitHubAppPrivateKey)},
		{"REDIS_URL", redactURL(e.RedisURL)},
		{"FLOWBOT_HTTP_ADDR", e.HTTPAddr},
	}
}

func number(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
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
