// Package slack is flowbot's face in Slack: it receives /flow slash commands
// over Socket Mode and posts the answers through the Web API.
//
// Socket Mode gives Slack 3 seconds to hear an ack for every envelope, and
// redelivers what it does not hear about. Answers take longer than that (they
// read the store and compute metrics), so a slash command is acked at once,
// empty, and answered from its own goroutine through the command's
// response_url (or chat.postEphemeral / chat.postMessage when there is none).
// Every other envelope is acked too, including the ones slack-go cannot
// parse: v0.35.0 hands those over as an error_bad_message event with the raw
// bytes and no Request, so the envelope_id is dug out of the raw message.
//
// Answers are posted at most once. A delivery is retried only when Slack
// says it did not take it (429, 503, or an error code that means the request
// was not processed) or the connection was refused before anything was
// sent; an ambiguous failure such as a timeout is logged, not retried.
// Slash commands are remembered by trigger_id for a while, so a redelivered
// envelope is acked but not answered again.
//
// Connection handling is slack-go's socketmode client: it reconnects after a
// dropped websocket, a missed ping or a disconnect envelope, and backs off on
// apps.connections.open failures, honouring Retry-After on a 429. Run wraps
// it so that only a rejected token (or a ctx that ends) stops the bot.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/flowbot/flowbot/bot"
)

// Defaults for Config fields left empty.
const (
	DefaultAPIURL  = "https://slack.com/api/"
	DefaultCommand = "/flow"
)

// ErrTokenRejected means Slack refused a token (invalid_auth, not_authed,
// account_inactive or token_revoked): retrying cannot help.
var ErrTokenRejected = errors.New("slack rejected the token")

// Handler answers one /flow request. bot's answerer implements it.
type Handler interface {
	HandleCommand(ctx context.Context, req bot.Request) bot.Reply
}

// Config configures a Client.
type Config struct {
	AppToken string // required: app-level token (xapp-...) with connections:write
	BotToken string // required: bot token (xoxb-...) with chat:write and commands
	// APIURL is the Web API base, e.g. for GovSlack or a stand-in. Default
	// DefaultAPIURL.
	APIURL string
	// Command is the slash command answered. Default DefaultCommand.
	Command string
	// Logger receives one line per command and connection changes. Default
	// slog.Default().
	Logger *slog.Logger
	// HTTPClient makes every Web API call and response_url post. Default: a
	// client with a 30s timeout.
	HTTPClient *http.Client
}

// Client connects a Handler to Slack.
type Client struct {
	handler   Handler
	command   string
	log       *slog.Logger
	http      *http.Client
	api       *slackapi.Client
	connected atomic.Bool

	// sleep waits between retries; tests replace it to run without waiting.
	sleep func(ctx context.Context, d time.Duration) error
}

// New checks cfg and returns a Client for h. It does no I/O: a token of the
// right kind that Slack rejects is reported by Run.
func New(cfg Config, h Handler) (*Client, error) {
	if h == nil {
		return nil, errors.New("slack: handler is nil")
	}
	if err := checkToken("AppToken", cfg.AppToken, "xapp-", "an app-level token (Basic Information > App-Level Tokens, scope connections:write)"); err != nil {
		return nil, err
	}
	if err := checkToken("BotToken", cfg.BotToken, "xoxb-", "a bot token (OAuth & Permissions > Bot User OAuth Token)"); err != nil {
		return nil, err
	}
	apiURL := cfg.APIURL
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("slack config: APIURL %q must be an absolute http(s) URL such as %s", apiURL, DefaultAPIURL)
	}
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/" // slack-go appends method names directly
	}
	command := cfg.Command
	if command == "" {
		command = DefaultCommand
	}
	if !strings.HasPrefix(command, "/") || strings.ContainsAny(command, " \t\n") {
		return nil, fmt.Errorf("slack config: Command %q must be one word starting with \"/\", such as %s", command, DefaultCommand)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	api := slackapi.New(cfg.BotToken,
		slackapi.OptionAPIURL(apiURL),
		slackapi.OptionAppLevelToken(cfg.AppToken),
		slackapi.OptionHTTPClient(httpClient),
		slackapi.OptionLog(slog.NewLogLogger(logger.Handler(), slog.LevelDebug)),
	)
	return &Client{
		handler: h,
		command: command,
		log:     logger,
		http:    httpClient,
		api:     api,
		sleep:   sleepCtx,
	}, nil
}

// checkToken tells the operator which token is wrong and where to find the
// right one, showing at most the token's kind, never the token.
func checkToken(field, token, prefix, what string) error {
	if token == "" {
		return fmt.Errorf("slack config: %s is required: %s, starting with %q", field, what, prefix)
	}
	if !strings.HasPrefix(token, prefix) {
		kind, _, found := strings.Cut(token, "-")
		if !found || len(kind) > 5 {
			return fmt.Errorf("slack config: %s must be %s, starting with %q; it does not look like a Slack token", field, what, prefix)
		}
		return fmt.Errorf("slack config: %s must be %s, starting with %q; got a %q token", field, what, prefix, kind+"-")
	}
	return nil
}

// Connected reports whether a socket-mode connection is open and Slack has
// said hello on it.
func (c *Client) Connected() bool { return c.connected.Load() }

// Run checks the bot token, connects, and serves slash commands until ctx
// ends, reconnecting as often as needed. When ctx ends, handlers in flight
// see it cancelled, and what they return is still delivered (within a
// bounded time) before Run returns nil. Run returns an error wrapping
// ErrTokenRejected when Slack refuses a token.
func (c *Client) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer c.connected.Store(false)

	if err := c.checkBotToken(ctx); err != nil {
		return err
	}
	sm := socketmode.New(c.api, socketmode.OptionLog(slog.NewLogLogger(c.log.Handler(), slog.LevelDebug)))

	var wg sync.WaitGroup
	wg.Go(func() { c.serve(ctx, sm, &wg) })
	err := c.runSocket(ctx, sm)
	cancel()
	wg.Wait()
	return err
}

// checkBotToken calls auth.test so that a wrong bot token stops Run at once
// instead of failing every answer. Other failures are left to the answers:
// Slack may be briefly unreachable at start.
func (c *Client) checkBotToken(ctx context.Context) error {
	id, err := c.api.AuthTestContext(ctx)
	if err == nil {
		c.log.Info("slack bot token accepted", "team", id.Team, "team_id", id.TeamID, "bot_user_id", id.UserID)
		return nil
	}
	if code, ok := rejectedToken(err); ok {
		return fmt.Errorf("checking BotToken with auth.test: %w (%s)", ErrTokenRejected, code)
	}
	if ctx.Err() == nil {
		c.log.Warn("checking bot token with auth.test", "err", err)
	}
	return nil
}

// runSocket keeps slack-go's socket-mode loop running. That loop reconnects
// by itself and returns only on a rejected app token, a 404 from
// apps.connections.open, or a cancelled context (which it can also report
// when one of its own goroutines stops first); all but the first two are
// restarted here, with backoff.
func (c *Client) runSocket(ctx context.Context, sm *socketmode.Client) error {
	delay := time.Second
	for {
		err := sm.RunContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if code, ok := rejectedToken(err); ok {
			return fmt.Errorf("opening socket mode connection with AppToken: %w (%s)", ErrTokenRejected, code)
		}
		if se, ok := errors.AsType[slackapi.StatusCodeError](err); ok && se.Code == http.StatusNotFound {
			return fmt.Errorf("opening socket mode connection: apps.connections.open not found; check APIURL: %w", err)
		}
		c.log.Warn("socket mode stopped, restarting", "err", err, "backoff", delay)
		if c.sleep(ctx, delay) != nil {
			return nil
		}
		delay = min(2*delay, time.Minute)
	}
}

// rejectedToken reports the Slack error code when err says a token is
// refused for good.
func rejectedToken(err error) (string, bool) {
	se, ok := errors.AsType[slackapi.SlackErrorResponse](err)
	if !ok {
		return "", false
	}
	switch se.Err {
	case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type":
		return se.Err, true
	}
	return "", false
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
