package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"golang.org/x/term"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/github"
	"github.com/flowbot/flowbot/integrations/jira"
	"github.com/flowbot/flowbot/integrations/observe"
	"github.com/flowbot/flowbot/integrations/retry"
	"github.com/flowbot/flowbot/store"
)

// newLogger logs text to a terminal and JSON elsewhere, so people read it
// and log pipelines parse it.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "flowbot.yaml", "path of the configuration file")
}

func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s:\n%w\n(run \"flowbot config check --config %s\" to see every problem)", path, err, path)
	}
	return cfg, nil
}

func loadEnv(getenv func(string) string, needs ...string) (config.Env, error) {
	env, problems := config.EnvFrom(getenv)
	problems = append(problems, env.CheckFor(needs...)...)
	if len(problems) > 0 {
		return env, fmt.Errorf("environment:\n%w", problems)
	}
	return env, nil
}

// openStore connects to REDIS_URL, or starts an in-process Redis when it is
// unset. The in-process one keeps its data in memory only: say so, loudly.
// REDIS_URL names one node, a Sentinel set or a Cluster (see redisClient).
func openStore(ctx context.Context, env config.Env, logger *slog.Logger) (*store.DB, func(), error) {
	if env.RedisURL == "" {
		mr := miniredis.NewMiniRedis()
		if err := mr.Start(); err != nil {
			return nil, nil, fmt.Errorf("starting in-process redis: %w", err)
		}
		logger.Warn("REDIS_URL is unset: using an in-process Redis; its data lives only as long as this process")
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		return store.New(rdb, store.Options{}), func() { rdb.Close(); mr.Close() }, nil
	}
	rdb, kind, addrs, err := redisClient(env.RedisURL)
	if err != nil {
		return nil, nil, err
	}
	redis.SetLogger(redisLogger{logger})
	db := store.New(rdb, store.Options{})
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.Ping(pingCtx); err != nil {
		rdb.Close()
		return nil, nil, fmt.Errorf("connecting to redis (%s) at %s: %w", kind, strings.Join(addrs, ","), err)
	}
	logger.Info("connected to redis", "kind", kind, "addr", strings.Join(addrs, ","))
	return db, func() { rdb.Close() }, nil
}

// Kinds of Redis deployment REDIS_URL can name.
const (
	redisNode     = "node"
	redisSentinel = "sentinel"
	redisCluster  = "cluster"
)

// redisClient builds the client REDIS_URL names, without connecting:
//
//	redis://[user:password@]host:port[/db]      one node (rediss:// for TLS)
//	redis://[user:password@]host:port?addr=host2:port&addr=host3:port
//	                                            a Cluster, from its seed nodes
//	redis://[user:password@]host:port?cluster=true
//	                                            a Cluster, from one seed node
//	redis://[sentinel-user:sentinel-password@]host:26379?master_name=mymaster&addr=host2:26379[&password=...]
//	                                            a Sentinel set (password= is the master's)
//
// Other query parameters are go-redis's options (dial_timeout=3s, ...). It
// returns the kind and the addresses, which name no password, for logs.
func redisClient(rawURL string) (redis.UniversalClient, string, []string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		// url.Parse's error quotes the URL, which may carry a password.
		return nil, "", nil, errors.New("REDIS_URL is not a redis:// or rediss:// URL")
	}
	q := u.Query()
	cluster := q.Get("cluster")
	q.Del("cluster")
	u.RawQuery = q.Encode()
	// Report an outage within a second rather than after go-redis's
	// default of five dial retries on every call.
	const dialerRetries = 2
	switch {
	case q.Has("master_name"):
		opts, err := redis.ParseFailoverURL(u.String())
		if err != nil {
			return nil, "", nil, fmt.Errorf("REDIS_URL names a Sentinel set (master_name=) but: %w", err)
		}
		if opts.DialerRetries == 0 {
			opts.DialerRetries = dialerRetries
		}
		return redis.NewFailoverClient(opts), redisSentinel, opts.SentinelAddrs, nil
	case q.Has("addr") || cluster == "true":
		opts, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, "", nil, fmt.Errorf("REDIS_URL names a Cluster (addr= or cluster=true) but: %w", err)
		}
		if opts.DialerRetries == 0 {
			opts.DialerRetries = dialerRetries
		}
		return redis.NewClusterClient(opts), redisCluster, opts.Addrs, nil
	case cluster != "" && cluster != "false":
		return nil, "", nil, fmt.Errorf("REDIS_URL: cluster=%q, want true or false", cluster)
	}
	opts, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, "", nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	if opts.DialerRetries == 0 {
		opts.DialerRetries = dialerRetries
	}
	return redis.NewClient(opts), redisNode, []string{opts.Addr}, nil
}

// connect opens the store and builds the sources: what sync, serve and the
// demo share. timeout bounds each HTTP attempt to Jira and GitHub (0: the
// default).
func connect(ctx context.Context, cfg *config.Config, env config.Env, timeout time.Duration, logger *slog.Logger) (*store.DB, *sources, func(), error) {
	db, closeDB, err := openStore(ctx, env, logger)
	if err != nil {
		return nil, nil, nil, err
	}
	src, err := newSources(cfg, env, timeout, logger)
	if err != nil {
		closeDB()
		return nil, nil, nil, err
	}
	return db, src, closeDB, nil
}

// redisLogger sends go-redis's own messages (failed dials, pool
// trouble) to slog instead of the standard logger.
type redisLogger struct{ l *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.l.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// sources are the Jira and GitHub adapters with the transports that count
// their calls.
type sources struct {
	jira        *jiraSource            // statuses, and teams not in jiraByTeam
	jiraByTeam  map[string]*jiraSource // by team id
	github      *githubSource
	jiraCalls   *retry.Transport
	githubCalls *retry.Transport
	metrics     *observe.Metrics // nil: not recorded

	// What cover needs to build adapters for teams that arrive later.
	env      config.Env
	flavor   string
	timeout  time.Duration
	logger   *slog.Logger
	jiraByPF map[string]*jiraSource // by story-points field
}

// instrument records every API call, rate-limit wait and sync run in m
// from now on, also of adapters cover adds later. Call it before the first
// sync.
func (s *sources) instrument(m *observe.Metrics) {
	s.metrics = m
	s.instrumentTransport(s.jiraCalls, "jira")
	s.instrumentTransport(s.githubCalls, "github")
}

func (s *sources) instrumentTransport(t *retry.Transport, service string) {
	m := s.metrics
	if t == nil || m == nil {
		return
	}
	t.Base = &observe.Transport{Base: t.Base, Service: service, Metrics: m}
	t.OnWait = func(kind string, d time.Duration) { m.RateLimitWait(service, kind, d) }
}

func (s *sources) calls() int64 {
	var n int64
	if s.jiraCalls != nil {
		n += s.jiraCalls.Calls()
	}
	if s.githubCalls != nil {
		n += s.githubCalls.Calls()
	}
	return n
}

// newSources builds the adapters the teams of cfg use. timeout bounds each
// HTTP attempt (0: defaultHTTPTimeout).
func newSources(cfg *config.Config, env config.Env, timeout time.Duration, logger *slog.Logger) (*sources, error) {
	if timeout <= 0 {
		timeout = defaultHTTPTimeout
	}
	s := &sources{env: env, flavor: cfg.Jira.Flavor, timeout: timeout, logger: logger}
	if _, err := s.cover(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// cover adds the adapters that cfg's teams use and s lacks: a team set up
// from Slack may bring Jira or GitHub to a process that started without
// them, or read story points from another field. Adapters already built
// stay, with their transports, call counts and instrumentation. It
// reports whether it added any.
func (s *sources) cover(cfg *config.Config) (bool, error) {
	added := false
	byTeam := map[string]*jiraSource{}
	for _, t := range cfg.Teams {
		if t.Jira.JQL == "" {
			continue
		}
		if s.jiraCalls == nil {
			s.jiraCalls = &retry.Transport{Service: "jira", Logger: s.logger, Base: timeoutTransport{d: s.timeout}}
			s.instrumentTransport(s.jiraCalls, "jira")
			s.jiraByPF = map[string]*jiraSource{}
		}
		// One client per story-points field the teams name; most sites
		// have one.
		src, ok := s.jiraByPF[t.Jira.PointsField]
		if !ok {
			c, err := jira.New(jira.Config{
				BaseURL:     s.env.JiraBaseURL,
				Flavor:      s.flavor,
				Email:       s.env.JiraEmail,
				APIToken:    s.env.JiraAPIToken,
				PAT:         s.env.JiraPAT,
				HTTPClient:  &http.Client{Transport: s.jiraCalls},
				Logger:      s.logger,
				PointsField: t.Jira.PointsField,
			})
			if err != nil {
				return added, fmt.Errorf("setting up jira: %w", err)
			}
			src = &jiraSource{c}
			s.jiraByPF[t.Jira.PointsField] = src
			added = true
		}
		byTeam[t.ID] = src
		if s.jira == nil {
			s.jira = src
		}
	}
	if s.jiraCalls != nil {
		s.jiraByTeam = byTeam
	}
	if s.github == nil && usesGitHub(cfg) {
		s.githubCalls = &retry.Transport{Service: "github", Logger: s.logger, Base: timeoutTransport{d: s.timeout}}
		s.instrumentTransport(s.githubCalls, "github")
		ghc := github.Config{
			APIURL:     s.env.GitHubAPIURL,
			Token:      s.env.GitHubToken,
			HTTPClient: &http.Client{Transport: s.githubCalls},
			Logger:     s.logger,
		}
		if s.env.GitHubApp() {
			ghc.App = &github.App{
				ID:             s.env.GitHubAppID,
				InstallationID: s.env.GitHubAppInstallationID,
				PrivateKey:     []byte(s.env.GitHubAppPrivateKey),
			}
			s.logger.Info("github: authenticating as a GitHub App", "app_id", s.env.GitHubAppID, "installation_id", s.env.GitHubAppInstallationID)
		}
		c, err := github.New(ghc)
		if err != nil {
			return added, fmt.Errorf("setting up github: %w", err)
		}
		s.github = &githubSource{c: c, now: time.Now}
		added = true
	}
	return added, nil
}

func usesGitHub(cfg *config.Config) bool {
	for _, t := range cfg.Teams {
		if len(t.GitHub.Repos) > 0 {
			return true
		}
	}
	return false
}

func (s *sources) syncer(cfg *config.Config, db *store.DB, logger *slog.Logger) *bot.Syncer {
	// Replicas on one Redis split the work by lease; one process alone
	// always gets them.
	// Writes made under a lease are fenced, so a replica whose lease was
	// taken over cannot overwrite the new holder's work.
	leases := db.Leases(0)
	sy := &bot.Syncer{Config: cfg, Store: db, Logger: logger, Leases: leases, Fence: leases}
	if s.metrics != nil {
		sy.Store = observe.SyncStore{SyncStore: db, Counts: db, Metrics: s.metrics}
		sy.LockLosses = s.metrics
	}
	s.attach(sy)
	return sy
}

// linker links people by e-mail after each sync: Jira assignees and, with
// GitHub, the public e-mails of the people on pull requests, each to the
// Slack user of dir (users.lookupByEmail) with the same address.
func (s *sources) linker(db *store.DB, dir bot.EmailDirectory, logger *slog.Logger) *bot.Linker {
	l := &bot.Linker{People: db.Nudges(), Slack: dir, Logger: logger}
	if s.github != nil {
		l.GitHub, l.Cache = s.github.c, db
	}
	return l
}

// attach hands sy the adapters s has now. Call it between syncs, never
// during one: sy's fields are not guarded.
func (s *sources) attach(sy *bot.Syncer) {
	m := s.metrics
	issues := func(src *jiraSource) bot.IssueSource {
		if m == nil {
			return src
		}
		return observe.IssueSource{IssueSource: src, Metrics: m}
	}
	// Assigning a nil *T to an interface field would make it non-nil.
	if s.jira != nil {
		sy.Jira = issues(s.jira)
		sy.JiraByTeam = map[string]bot.IssueSource{}
		for id, src := range s.jiraByTeam {
			sy.JiraByTeam[id] = issues(src)
		}
	}
	if s.github != nil {
		sy.GitHub = s.github
		sy.Deployments = s.github
		if m != nil {
			sy.GitHub = observe.PullRequestSource{PullRequestSource: s.github, Metrics: m}
			sy.Deployments = observe.DeploymentSource{DeploymentSource: s.github, Metrics: m}
		}
	}
}

// githubBackfill is how far back the first sync of a repository reads.
// GitHub lists pull requests without a `since`, and sizes and reviews cost
// two requests per pull request: a repository's whole history could take
// more than an hour of rate limit before the first answer.
const githubBackfill = 365 * 24 * time.Hour

// githubSource starts a repository's first sync at the backfill horizon.
type githubSource struct {
	c   *github.Client
	now func() time.Time
}

func (g *githubSource) Sync(ctx context.Context, repo, cursor string, fn func([]coach.PullRequest) error) (string, int, error) {
	if cursor == "" {
		cursor = github.Cursor{Updated: g.now().Add(-githubBackfill)}.String()
	}
	return g.c.Sync(ctx, repo, cursor, fn)
}

func (g *githubSource) SyncDeployments(ctx context.Context, repo string, env *regexp.Regexp, cursor string, fn func([]coach.Deployment) error) (string, int, error) {
	if cursor == "" {
		cursor = github.DeployCursor{Since: g.now().Add(-githubBackfill)}.String()
	}
	return g.c.SyncDeployments(ctx, repo, env, cursor, fn)
}

func (g *githubSource) SyncWorkflowDeploys(ctx context.Context, repo, workflow, cursor string, fn func([]coach.Deployment) error) (string, int, error) {
	if cursor == "" {
		cursor = github.DeployCursor{Since: g.now().Add(-githubBackfill)}.String()
	}
	return g.c.SyncWorkflowDeploys(ctx, repo, workflow, "", cursor, fn)
}

// jiraSource adapts jira.Client to bot.IssueSource.
type jiraSource struct{ c *jira.Client }

func (j *jiraSource) Statuses(ctx context.Context) ([]coach.Status, error) {
	return j.c.Statuses(ctx)
}

func (j *jiraSource) SyncIssues(ctx context.Context, jql string, since time.Time, fn func([]coach.Item) error) (time.Time, []bot.JiraUser, error) {
	r, err := j.c.Sync(ctx, jql, since, fn)
	var je *jira.Error
	if errors.As(err, &je) && je.StatusCode == http.StatusBadRequest {
		err = fmt.Errorf("%w: %w", bot.ErrRejectedQuery, err)
	}
	users := make([]bot.JiraUser, 0, len(r.Users))
	for _, u := range r.Users {
		users = append(users, bot.JiraUser{AccountID: u.AccountID, DisplayName: u.DisplayName, Email: u.Email})
	}
	return r.MaxUpdated, users, err
}
