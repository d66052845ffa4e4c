package main

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/integrations/github/githubtest"
	"github.com/flowbot/flowbot/integrations/jira/jiratest"
	"github.com/flowbot/flowbot/integrations/sampledata"
	"github.com/flowbot/flowbot/integrations/slack"
	"github.com/flowbot/flowbot/integrations/slack/slacktest"
	"github.com/flowbot/flowbot/store"
)

//go:embed demo.yaml
var demoConfig []byte

// Credentials the demo's stand-ins demand, so the demo exercises the same
// authentication code as production. They open nothing real.
const (
	demoAppToken  = "xapp-1-A0DEMO-demo"
	demoBotToken  = "xoxb-demo"
	demoJiraEmail = "flowbot-demo@example.com"
	demoJiraToken = "demo-jira-token"
	demoGHToken   = "demo-github-token"
	demoUser      = "U0DEMO"
)

func runDemo(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", 42, "seed of the generated sample data")
	days := fs.Int("days", 180, "days of history to generate")
	outDir := fs.String("out", "", "folder for the demo's log (default: a new temporary folder)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *days < 14 || *days > 3650 {
		return usageError{"--days must be between 14 and 3650"}
	}
	dir := *outDir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "flowbot-demo-"); err != nil {
			return fmt.Errorf("creating the demo's folder: %w", err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	logPath := filepath.Join(dir, "flowbot.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("creating the demo's log: %w", err)
	}
	defer logFile.Close()
	logger := slog.New(slog.NewJSONHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))

	fmt.Fprintf(stdout, "flowbot demo: sample data, an in-process Redis, and local stand-ins for Jira, GitHub and Slack.\n")
	fmt.Fprintf(stdout, "Log: %s\n", logPath)

	now := time.Now()
	world, err := sampledata.Generate(*seed, now, *days, sampledata.DefaultTeams())
	if err != nil {
		return fmt.Errorf("generating sample data: %w", err)
	}
	jiraSrv := jiratest.NewServer(jiratest.Options{
		Statuses: world.Statuses, UserTimeZone: "Europe/Berlin",
		Email: demoJiraEmail, APIToken: demoJiraToken,
	})
	defer jiraSrv.Close()
	jiraSrv.Put(world.Issues...)
	jiraSrv.PutUsers(world.JiraUsers...)
	ghSrv := githubtest.NewServer(githubtest.Options{Token: demoGHToken})
	defer ghSrv.Close()
	ghSrv.Put(world.PRs...)
	for repo, shas := range world.Commits {
		ghSrv.PutCommits(repo, shas...)
	}
	ghSrv.PutDeployments(world.Deployments...)
	ghSrv.PutWorkflowRuns(world.WorkflowRuns...)
	ghSrv.PutUsers(world.GitHubUsers...)
	slackSrv := slacktest.NewServer(slacktest.Options{AppToken: demoAppToken, BotToken: demoBotToken})
	defer slackSrv.Close()
	// The sample company's people are workspace members, found by e-mail
	// where Jira and GitHub reveal it.
	for _, m := range world.SlackMembers {
		slackSrv.AddUser(m.User, m.Channel)
	}

	cfg, err := config.Parse(demoConfig)
	if err != nil {
		return fmt.Errorf("the demo's own configuration is invalid: %w", err)
	}
	env, problems := config.EnvFrom(func(k string) string {
		return map[string]string{
			"SLACK_APP_TOKEN": demoAppToken, "SLACK_BOT_TOKEN": demoBotToken, "SLACK_API_URL": slackSrv.APIURL(),
			"JIRA_BASE_URL": jiraSrv.URL(), "JIRA_EMAIL": demoJiraEmail, "JIRA_API_TOKEN": demoJiraToken,
			"GITHUB_API_URL": ghSrv.URL(), "GITHUB_TOKEN": demoGHToken,
		}[k]
	})
	if len(problems) > 0 {
		return fmt.Errorf("the demo's environment is invalid: %w", problems)
	}
	db, src, closeDB, err := connect(ctx, cfg, env, 0, logger)
	if err != nil {
		return err
	}
	defer closeDB()

	fmt.Fprintf(stdout, "Generated %d Jira issues and %d pull requests over %d days (seed %d). Syncing…\n",
		len(world.Issues), len(world.PRs), *days, *seed)
	sy := src.syncer(cfg, db, logger)
	// A Slack client for users.lookupByEmail only: the socket opens in
	// serve below.
	lookup, err := slack.New(slack.Config{AppToken: env.SlackAppToken, BotToken: env.SlackBotToken, APIURL: env.SlackAPIURL, Logger: logger},
		&bot.Bot{Config: cfg, Store: db, Logger: logger})
	if err != nil {
		return err
	}
	sy.Linker = src.linker(db, lookup, logger)
	sum := sy.SyncAll(ctx)
	printSummary(stdout, sum, src.calls())
	if err := sum.Err(); err != nil {
		return fmt.Errorf("the demo's sync failed: %w", err)
	}
	if err := demoFlowChecks(ctx, stdout, cfg, env, db, logger, now); err != nil {
		return err
	}
	if err := demoCoaching(ctx, stdout, cfg, env, db, slackSrv, logger, now); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- serve(ctx, cfg, env, db, src, logger) }()
	if err := waitConnected(ctx, slackSrv, served); err != nil {
		return err
	}
	err = repl(ctx, stdin, stdout, slackSrv, cfg, filepath.Join(dir, "charts"))
	cancel()
	if serr := <-served; serr != nil && ctx.Err() == nil {
		return serr
	}
	return err
}

// waitConnected waits for the bot's socket-mode connection to the Slack
// stand-in, so the first command does not race the handshake.
func waitConnected(ctx context.Context, srv *slacktest.Server, served <-chan error) error {
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for srv.Connections() == 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-served:
			return fmt.Errorf("the bot stopped before connecting to Slack: %w", err)
		case <-deadline.C:
			return fmt.Errorf("the bot did not connect to the Slack stand-in within 15s (see the log)")
		case <-tick.C:
		}
	}
	return nil
}

// repl reads /flow commands and sends each, as a person in the first team's
// channel, through the Slack stand-in's socket: the bot answers exactly as
// it answers Slack. Answers are drawn from their blocks, and every chart
// the bot uploads is written to chartDir.
func repl(ctx context.Context, stdin io.Reader, stdout io.Writer, srv *slacktest.Server, cfg *config.Config, chartDir string) error {
	interactive := false
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		interactive = true
	}
	team := cfg.Teams[0]
	if interactive {
		fmt.Fprintf(stdout, "\nYou are in #%s (team %s). Type a /flow command, e.g. /flow cycle-time, /flow aging, /flow help.\n", team.ID, team.ID)
		fmt.Fprintf(stdout, "Other teams: add team:<id> (%s). Add \"chart\" for a picture (written to %s).\n", teamIDs(cfg), chartDir)
		fmt.Fprintf(stdout, "You are a workspace admin: /flow setup opens the team's settings form, /flow settings history lists changes.\n")
		fmt.Fprintf(stdout, "Ctrl-D or \"exit\" ends the demo.\n")
	}
	// The demo user is in every team's channel, so the Home tab shows them all.
	var channels []string
	for _, t := range cfg.Teams {
		if t.Channel != "" {
			channels = append(channels, t.Channel)
		}
	}
	// and a workspace admin, as whoever installs an app usually is: Slack's
	// users.info says so, which is what flowbot asks before /flow setup.
	srv.AddUser(slacktest.User{ID: demoUser, Name: "demo", TZ: "UTC", IsAdmin: true}, channels...)
	if err := printHome(ctx, stdout, srv, interactive); err != nil {
		return err
	}
	seenFiles := 0
	sc := bufio.NewScanner(stdin)
	for {
		if interactive {
			fmt.Fprint(stdout, "\n/flow › ")
		}
		if !sc.Scan() {
			if interactive {
				fmt.Fprintln(stdout)
			}
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if line == "exit" || line == "quit" {
			return nil
		}
		if line == ":home" { // demo only: open the App Home tab again
			if err := printHome(ctx, stdout, srv, interactive); err != nil {
				return err
			}
			continue
		}
		text := strings.TrimSpace(strings.TrimPrefix(line, "/flow"))
		if !interactive {
			fmt.Fprintf(stdout, "\n> /flow %s\n", text)
		}
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		msg, err := srv.SlashCommand(cctx, slacktest.SlashCommand{
			Command: "/flow", Text: text, ChannelID: team.Channel, UserID: demoUser, UserName: "demo",
		})
		cancel()
		if err != nil {
			return fmt.Errorf("sending /flow %s: %w", text, err)
		}
		if msg.Via == "views.open" { // /flow setup: the bot opened a form
			more, err := fillForm(ctx, sc, stdout, srv, msg.ViewID, interactive)
			if err != nil || !more {
				return err
			}
			continue
		}
		if out, ok := renderBlocks(msg.Blocks, interactive); ok {
			fmt.Fprintln(stdout, out)
		} else {
			fmt.Fprintln(stdout, renderMrkdwn(msg.Text, interactive))
		}
		if err := saveCharts(srv, chartDir, &seenFiles, stdout); err != nil {
			return err
		}
		who := "only you"
		if !msg.Ephemeral {
			who = "everyone in the channel"
		}
		fmt.Fprintf(stdout, "(visible to %s; delivered via %s)\n", who, msg.Via)
	}
}

func teamIDs(cfg *config.Config) string {
	ids := make([]string, 0, len(cfg.Teams))
	for _, t := range cfg.Teams {
		ids = append(ids, t.ID)
	}
	return strings.Join(ids, ", ")
}

// saveCharts writes the files uploaded to the Slack stand-in since the
// last call (*seen of them were already written) to dir, and prints where.
func saveCharts(srv *slacktest.Server, dir string, seen *int, stdout io.Writer) error {
	files := srv.Files()
	for _, f := range files[min(*seen, len(files)):] {
		if !f.Complete {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("creating the charts folder: %w", err)
		}
		path := filepath.Join(dir, filepath.Base(f.Name))
		if err := os.WriteFile(path, f.Bytes, 0o644); err != nil {
			return fmt.Errorf("writing chart %s: %w", f.Name, err)
		}
		where := "shown in the answer"
		if f.Channel != "" {
			where = "shared in the channel"
		}
		fmt.Fprintf(stdout, "Chart (%s): %s\n", where, path)
	}
	*seen = len(files)
	return nil
}

// printHome opens the demo user's App Home tab through the Slack stand-in
// (app_home_opened) and prints the blocks the bot publishes. The bot
// rebuilds a tab at most once a minute per user: when it leaves the tab as
// it is, the tab last published is printed.
func printHome(ctx context.Context, stdout io.Writer, srv *slacktest.Server, interactive bool) error {
	fmt.Fprintln(stdout, "\n> App Home tab (type :home to open it again)")
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	view, err := srv.OpenHome(cctx, demoUser)
	cancel()
	if err != nil {
		last, ok := srv.HomeView(demoUser)
		if !ok || ctx.Err() != nil {
			return fmt.Errorf("opening the home tab: %w", err)
		}
		fmt.Fprintln(stdout, "(not rebuilt: a Home tab refreshes at most once a minute; this is the one last published)")
		view = last
	}
	var v struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(view, &v); err != nil {
		return fmt.Errorf("reading the home tab: %w", err)
	}
	if out, ok := renderBlocks(v.Blocks, interactive); ok {
		fmt.Fprintln(stdout, out)
	}
	return nil
}

// lastMondayMorning is the latest Monday 09:30 in loc at or before now:
// a working-day morning the demo's standup, digest and backtest are
// computed as of, so there is always something to show, even on a
// Sunday.
func lastMondayMorning(now time.Time, loc *time.Location) time.Time {
	t := now.In(loc)
	y, m, d := t.Date()
	back := (int(t.Weekday()) + 6) % 7 // days since Monday
	at := time.Date(y, m, d-back, 9, 30, 0, 0, loc)
	if at.After(now) {
		at = time.Date(y, m, d-back-7, 9, 30, 0, 0, loc)
	}
	return at
}

// demoCoaching posts each team's standup prompt and weekly digest through
// the Slack stand-in (the real path) and prints what the channel got,
// then prints the team's nudges backtest over 4 weeks; all as of the
// team's last Monday 09:30.
func demoCoaching(ctx context.Context, stdout io.Writer, cfg *config.Config, env config.Env, db *store.DB, srv *slacktest.Server, logger *slog.Logger, now time.Time) error {
	b := &bot.Bot{Config: cfg, Store: db, Logger: logger, Nudges: db.Nudges()}
	sc, err := slack.New(slack.Config{AppToken: env.SlackAppToken, BotToken: env.SlackBotToken, APIURL: env.SlackAPIURL, Logger: logger}, b)
	if err != nil {
		return err
	}
	show := func(what, team string) {
		msgs := srv.Messages()
		if len(msgs) == 0 || msgs[len(msgs)-1].Channel != team {
			fmt.Fprintf(stdout, "(%s: nothing to post)\n", what)
			return
		}
		last := msgs[len(msgs)-1]
		out, ok := renderBlocks(last.Blocks, false)
		if !ok {
			out = renderMrkdwn(last.Text, false)
		}
		fmt.Fprintf(stdout, "%s (posted in %s via %s):\n%s\n", what, last.Channel, last.Via, out)
	}
	for _, t := range cfg.Teams {
		if t.Channel == "" {
			continue
		}
		at := lastMondayMorning(now, t.Location())
		fmt.Fprintf(stdout, "\n%s as of %s:\n", t.ID, at.Format("Mon 2 Jan 15:04 MST"))
		before := len(srv.Messages())
		if _, err := b.PostStandup(ctx, sc, t.ID, at); err != nil {
			return fmt.Errorf("the demo's standup of %s: %w", t.ID, err)
		}
		if len(srv.Messages()) > before {
			show("Standup prompt", t.Channel)
		}
		before = len(srv.Messages())
		if _, err := b.PostDigest(ctx, sc, db.Nudges(), t.ID, at); err != nil {
			return fmt.Errorf("the demo's digest of %s: %w", t.ID, err)
		}
		if len(srv.Messages()) > before {
			show("Weekly digest", t.Channel)
		}
		a, err := b.BacktestAnswer(ctx, t.ID, bot.Since{Days: 28, Raw: "4w"}, at)
		if err != nil {
			return fmt.Errorf("the demo's backtest of %s: %w", t.ID, err)
		}
		fmt.Fprintf(stdout, "/flow nudges --backtest 4w:\n%s\n", renderMrkdwn(a.Text, false))
	}
	return nil
}
