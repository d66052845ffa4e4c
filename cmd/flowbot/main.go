// Command flowbot is a flow coach for engineering teams that lives in Slack.
//
// main only wires: it reads flags, the environment and the configuration
// file, builds the adapters and hands them to package bot.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // every team's week and schedule depend on its zone, also on images without zoneinfo
)

const usage = `flowbot: a flow coach for engineering teams, in Slack.

Usage:
  flowbot demo                         run the whole bot on bundled sample data (no tokens needed)
  flowbot serve  --config flowbot.yaml connect to Slack (socket mode), answer /flow, sync in the background
  flowbot sync   --config flowbot.yaml pull every team's Jira issues and GitHub pull requests into Redis
  flowbot ask    --config flowbot.yaml --team ID [--now TIME] [--format text|json] "COMMAND"
                                       answer a /flow command from the store, e.g. "cycle-time --since 90d"
  flowbot config check --config flowbot.yaml
  flowbot config export --config flowbot.yaml   the effective configuration (file + settings made in Slack) as YAML
                                       validate the configuration file and the environment

Environment: SLACK_APP_TOKEN, SLACK_BOT_TOKEN, SLACK_API_URL, JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN,
JIRA_PAT, GITHUB_API_URL, GITHUB_TOKEN (or GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID,
GITHUB_APP_PRIVATE_KEY), REDIS_URL (unset: an in-process Redis), FLOWBOT_HTTP_ADDR, FLOWBOT_HTTP_TIMEOUT
(one request to Jira or GitHub, default 1m); every secret also as NAME_FILE. flowbot serve answers /healthz, /readyz and /metrics on http_addr (default :8080).
Run "flowbot COMMAND -h" for a command's flags.
`

// exit codes
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is main without the process: tests drive it with their own streams
// and environment.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "demo":
		err = runDemo(ctx, args[1:], stdin, stdout, stderr)
	case "serve":
		err = runServe(ctx, args[1:], stderr, getenv)
	case "sync":
		err = runSync(ctx, args[1:], stdout, stderr, getenv)
	case "ask":
		err = runAsk(ctx, args[1:], stdout, stderr, getenv)
	case "config":
		switch {
		case len(args) >= 2 && args[1] == "check":
			err = runConfigCheck(args[2:], stdout, stderr, getenv)
		case len(args) >= 2 && args[1] == "export":
			err = runConfigExport(ctx, args[2:], stdout, stderr, getenv)
		default:
			fmt.Fprintln(stderr, `flowbot config: say "flowbot config check --config flowbot.yaml" or "flowbot config export --config flowbot.yaml"`)
			return exitUsage
		}
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "flowbot: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "flowbot %s: %s\n", args[0], ue.msg)
		return exitUsage
	case errors.Is(err, context.Canceled):
		return exitOK
	}
	fmt.Fprintf(stderr, "flowbot %s: %s\n", args[0], strings.TrimSpace(err.Error()))
	return exitFail
}

// usageError is a mistake in how flowbot was invoked.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// parseFlags parses flags that may stand before or after positional
// arguments, as people type them: flowbot ask "wip" --team payments.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
