package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/integrations/observe"
	"github.com/flowbot/flowbot/integrations/slack"
	"github.com/flowbot/flowbot/store"
)

func runSync(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	quiet := fs.Bool("quiet", false, "print only the summary")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	file, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	timeout, err := httpTimeout(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(stderr, slog.LevelInfo)
	env, err := loadEnv(getenv)
	if err != nil {
		return err
	}
	if env.RedisURL == "" {
		fmt.Fprintln(stdout, "REDIS_URL is unset: this sync checks the connections, but what it fetches is gone when it ends; set REDIS_URL to keep it")
	}
	db, closeDB, err := openStore(ctx, env, logger)
	if err != nil {
		return err
	}
	defer closeDB()
	// The teams set up from Slack are synced too.
	cfg := inEffect(ctx, file, db, logger)
	if _, err := loadEnv(getenv, needsFor(cfg)...); err != nil {
		return err
	}
	src, err := newSources(cfg, env, timeout, logger)
	if err != nil {
		return err
	}
	sy := src.syncer(cfg, db, logger)
	if !*quiet {
		sy.Progress = progressPrinter(stdout)
	}
	sum := sy.SyncAll(ctx)
	printSummary(stdout, sum, src.calls())
	return sum.Err()
}

// progressPrinter prints a line per stored page, at most one a second per
// source, so a long backfill visibly moves without flooding the terminal.
func progressPrinter(w io.Writer) func(team, source, scope string, stored int) {
	var mu sync.Mutex
	last := map[string]time.Time{}
	return func(team, source, scope string, stored int) {
		mu.Lock()
		defer mu.Unlock()
		key := team + "/" + source + "/" + scope
		if time.Since(last[key]) < time.Second {
			return
		}
		last[key] = time.Now()
		what := "items"
		if source == "github" {
			what = "pull requests from " + scope
		}
		fmt.Fprintf(w, "  %s: %d %s stored…\n", team, stored, what)
	}
}

func printSummary(w io.Writer, sum bot.Summary, calls int64) {
	for _, t := range sum.Teams {
		status := "ok"
		if t.Err != nil {
			status = "FAILED: " + t.Err.Error()
		}
		fmt.Fprintf(w, "  %-16s %5d items  %5d pull requests  %4d deployments  %4d incidents  %s\n",
			t.Team, t.Items, t.PRs, t.Deployments, t.Incidents, status)
	}
	fmt.Fprintf(w, "synced %d items and %d pull requests (%d deployments, %d incidents) for %d teams with %d API calls in %s\n",
		sum.Items, sum.PRs, sum.Deployments, sum.Incidents, len(sum.Teams), calls, sum.Duration.Round(time.Millisecond))
}

func needsFor(cfg *config.Config) []string {
	var needs []string
	jira, gh := false, false
	for _, t := range cfg.Teams {
		jira = jira || t.Jira.JQL != ""
		gh = gh || len(t.GitHub.Repos) > 0
	}
	if jira {
		needs = append(needs, "jira:"+cfg.Jira.Flavor)
	}
	if gh {
		needs = append(needs, config.NeedGitHub)
	}
	return needs
}

func runAsk(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	teamID := fs.String("team", "", "team id (optional when the file has one team)")
	nowFlag := fs.String("now", "", "evaluate as of this instant (RFC 3339, e.g. 2026-11-20T12:00:00Z); default: now")
	format := fs.String("format", "text", "text (what Slack shows) or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError{`say which command to answer, e.g. flowbot ask --team payments "cycle-time --since 90d"`}
	}
	if *format != "text" && *format != "json" {
		return usageError{fmt.Sprintf("--format %q: use text or json", *format)}
	}
	now := time.Now()
	if *nowFlag != "" {
		if now, err = time.Parse(time.RFC3339, *nowFlag); err != nil {
			return usageError{fmt.Sprintf("--now %q is not an RFC 3339 time such as 2026-11-20T12:00:00Z", *nowFlag)}
		}
	}
	file, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	logger := newLogger(stderr, slog.LevelWarn)
	env, err := loadEnv(getenv)
	if err != nil {
		return err
	}
	if env.RedisURL == "" {
		return usageError{"REDIS_URL is unset: ask answers from the Redis that \"flowbot sync\" or \"flowbot serve\" fills; set REDIS_URL to it (the demo needs none: flowbot demo)"}
	}
	db, closeDB, err := openStore(ctx, env, logger)
	if err != nil {
		return err
	}
	defer closeDB()
	// Teams set up from Slack are answered for too.
	cfg := inEffect(ctx, file, db, logger)
	if *teamID == "" && len(cfg.Teams) == 1 {
		*teamID = cfg.Teams[0].ID
	}
	text := strings.Join(pos, " ")
	if *teamID == "" && !strings.Contains(text, "team:") && !strings.Contains(text, "--team") {
		ids := make([]string, 0, len(cfg.Teams))
		for _, t := range cfg.Teams {
			ids = append(ids, t.ID)
		}
		return usageError{"say which team with --team (one of: " + strings.Join(ids, ", ") + ")"}
	}
	b := &bot.Bot{Config: cfg, Store: db, Logger: logger, Unavailable: storeUnavailable, Nudges: db.Nudges()}
	var ans bot.Answer
	if isNudges(text) {
		ans, err = askNudges(ctx, b, db, *teamID, text, now)
	} else {
		ans, err = b.Ask(ctx, *teamID, text, now)
	}
	if err != nil {
		var ue *bot.UsageError
		if errors.As(err, &ue) || errors.Is(err, bot.ErrUnknownTeam) {
			return usageError{err.Error()}
		}
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ans.JSON)
	}
	_, err = fmt.Fprintln(stdout, ans.Text)
	return err
}

func runServe(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	timeout, err := httpTimeout(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(stderr, slog.LevelInfo)
	env, err := loadEnv(getenv, "slack")
	if err != nil {
		return err
	}
	db, closeDB, err := openStore(ctx, env, logger)
	if err != nil {
		return err
	}
	defer closeDB()
	// The sources serve the teams in effect: the file's and those set up
	// from Slack; teams set up later get theirs at the next sync.
	srcCfg := inEffect(ctx, cfg, db, slog.New(slog.DiscardHandler)) // serveWith logs it
	if _, err := loadEnv(getenv, append(needsFor(srcCfg), "slack")...); err != nil {
		return err
	}
	src, err := newSources(srcCfg, env, timeout, logger)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := observe.NewMetrics(reg)
	if err != nil {
		return fmt.Errorf("setting up metrics: %w", err)
	}
	src.instrument(m)
	return serveWith(ctx, cfg, env, db, src, logger, &probes{addr: cfg.HTTPAddress(env), reg: reg, metrics: m})
}

// probes is what `flowbot serve` adds to the demo's serve: /healthz,
// /readyz and /metrics on addr, and metrics recorded where the work is.
type probes struct {
	addr    string
	reg     prometheus.Gatherer
	metrics *observe.Metrics
}

// withHome answers /flow with Handler, builds Home tabs with Home, and
// changes settings from Slack with Setup.
type withHome struct {
	slack.Handler
	*bot.Home
	kickingSetup
	nudgeButtons
}

// serve runs the socket-mode client and the background sync until ctx
// ends, without probes or metrics: the demo's way.
func serve(ctx context.Context, cfg *config.Config, env config.Env, db *store.DB, src *sources, logger *slog.Logger) error {
	return serveWith(ctx, cfg, env, db, src, logger, nil)
}

// serveWith runs the socket-mode client, the background sync and, with
// probes, the HTTP server for probes and metrics, until ctx ends. When ctx
// ends each stops on its own terms (answers in flight are delivered, the
// sync in flight returns, the HTTP server drains) before serveWith
// returns.
func serveWith(ctx context.Context, cfg *config.Config, env config.Env, db *store.DB, src *sources, logger *slog.Logger, p *probes) error {
	// cfg is the file; what is in effect is the file with the settings
	// made in Slack applied, swapped whole whenever someone saves more.
	file := cfg
	eff := inEffect(ctx, file, db, logger)
	cfg = eff
	live := new(atomic.Pointer[config.Config])
	live.Store(eff)
	// The posting schedules run only in real serve (p set), not in the demo.
	b := &bot.Bot{Config: eff, Live: live, Store: db, Logger: logger, Unavailable: storeUnavailable, Scheduled: p != nil}
	sy := src.syncer(cfg, db, logger)
	sy.Live = live
	ls := newLiveSync(file, live, db, src, sy, env, logger)
	setup := kickingSetup{Setup: &bot.Setup{File: file, Live: live, Store: settingsStore{db}, Statuses: db, Logger: logger}, changed: ls.settingsChanged}
	var handler slack.Handler = b
	if p != nil {
		handler = &observe.Commands{Metrics: p.metrics, Logger: logger,
			Answer: func(ctx context.Context, req bot.Request, log *slog.Logger) bot.Reply {
				// A Bot is its settings; a copy per command logs through
				// the logger that tells Commands whether answering failed.
				per := *b
				per.Logger = log
				return per.HandleCommand(ctx, req)
			}}
	}
	// The Home tab is built from the same Bot; the handler answers both.
	b.Nudges = db.Nudges()
	handler = withHome{Handler: handler, Home: &bot.Home{Bot: b}, kickingSetup: setup, nudgeButtons: nudgeButtons{b}}
	sc, err := slack.New(slack.Config{
		AppToken: env.SlackAppToken,
		BotToken: env.SlackBotToken,
		APIURL:   env.SlackAPIURL,
		Logger:   logger,
		// Slack may redeliver an envelope to another connection or replica.
		Deduper: db.Dedup(0),
	}, handler)
	if err != nil {
		return fmt.Errorf("setting up slack: %w", err)
	}
	sy.Linker = src.linker(db, sc, logger)
	interval := cfg.SyncInterval.Duration
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return sc.Run(ctx) })
	var m *observe.Metrics
	if p != nil {
		m = p.metrics
		// The demo runs its flow check itself, once; serve posts on the
		// teams' schedules.
		sch := scheduler(cfg, b, db, sc, p.metrics, logger)
		sch.Live = live // schedules made or changed in Slack apply without a restart
		g.Go(func() error { return sch.Start(ctx) })
		ready := &liveReadiness{Readiness: observe.Readiness{Redis: db, Slack: sc, Syncs: db, Interval: interval}, live: live}
		g.Go(func() error { return observe.Serve(ctx, p.addr, observe.Handler(p.reg, ready, logger), logger) })
	}
	g.Go(func() error { return ls.loop(ctx, interval, m) })
	logger.Info("flowbot serving", "teams", len(cfg.Teams), "sync_interval", interval.String())
	return g.Wait()
}

func runConfigCheck(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		var ps config.Problems
		if errors.As(err, &ps) {
			fmt.Fprintf(stdout, "%s has %d problem(s):\n", *cfgPath, len(ps))
			for _, p := range ps {
				fmt.Fprintf(stdout, "  %s\n", p)
			}
			return fmt.Errorf("%s is not valid", *cfgPath)
		}
		return err
	}
	fmt.Fprintf(stdout, "%s is valid: %d team(s)\n", *cfgPath, len(cfg.Teams))
	env, problems := config.EnvFrom(getenv)
	problems = append(problems, env.CheckFor(append(needsFor(cfg), "slack")...)...)
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "the environment is not ready for \"flowbot serve\" (%d problem(s)):\n", len(problems))
		for _, p := range problems {
			fmt.Fprintf(stdout, "  %s\n", p)
		}
	}
	return nil
}

// storeUnavailable tells the bot which errors mean Redis cannot be reached,
// so the person is asked to try again rather than told something broke.
func storeUnavailable(err error) bool { return errors.Is(err, store.ErrUnavailable) }
