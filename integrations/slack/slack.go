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
// Slash commands and button presses are remembered by trigger_id (other
// envelopes by envelope_id), so a redelivered envelope is acked but not
// answered again: in memory, and with a Deduper in Redis for 10 minutes, so
// that a redelivery to another connection or another replica is caught too.
//
// Connection handling is slack-go's socketmode client: it reconnects after a
// dropped websocket, a missed ping or a disconnect envelope, and backs off on
// apps.connections.open failures, honouring Retry-After on a 429. Run wraps
// it so that only a rejected token (or a ctx that ends) stops the bot. Slack
// closes a socket before slack-go opens the next one on a disconnect, so Run
// keeps several connections open (Config.Connections, default 2): Slack
// sends each envelope to one of them, and one is always there to take it.
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
	// DefaultConnections is how many socket-mode connections Run keeps
	// open; Slack allows MaxConnections per app.
	DefaultConnections = 2
	MaxConnections     = 10
)

// dedupTimeout bounds asking the Deduper about one envelope: past it, the
// in-memory record decides.
const dedupTimeout = 2 * time.Second

// ErrTokenRejected means Slack refused a token (invalid_auth, not_authed,
// account_inactive or token_revoked): retrying cannot help.
var ErrTokenRejected = errors.New("slack rejected the token")

// Handler answers one /flow request. bot's answerer implements it.
type Handler interface {
	HandleCommand(ctx context.Context, req bot.Request) bot.Reply
}

// Deduper remembers delivery ids across connections and replicas.
// store.Dedup implements it.
type Deduper interface {
	// First reports whether id is seen for the first time, and remembers
	// it: of concurrent calls with one id, one gets true.
	First(ctx context.Context, id string) (bool, error)
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
	// Connections is how many socket-mode connections to keep open, 1 to
	// MaxConnections. Default DefaultConnections.
	Connections int
	// Deduper, when set, remembers envelopes in shared storage so that a
	// redelivery is not answered twice by any connection of any replica.
	// Without it (or when it fails) envelopes are remembered in memory,
	// which covers this process only.
	Deduper Deduper
}

// Client connects a Handler to Slack.
type Client struct {
	handler Handler
	command string
	log     *slog.Logger
	http    *http.Client
	api     *slackapi.Client
	dedup   Deduper
	// seen remembers recent deliveries in memory, shared by every
	// connection.
	seen *recent
	// conns holds each connection's state: whether Slack said hello on
	// it. connected is one of them in a connection's own Client (see
	// forConnection), nil in the Client New returns.
	conns     []*atomic.Bool
	connected *atomic.Bool

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
	conns := cfg.Connections
	if conns == 0 {
		conns = DefaultConnections
	}
	if conns < 1 || conns > MaxConnections {
		return nil, fmt.Errorf("slack config: Connections is %d; Slack allows 1 to %d socket-mode connections per app", cfg.Connections, MaxConnections)
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
	c := &Client{
		handler: h,
		command: command,
		log:     logger,
		http:    httpClient,
		api:     api,
		dedup:   cfg.Deduper,
		seen:    newRecent(recentCommands),
		sleep:   sleepCtx,
	}
	for range conns {
		c.conns = append(c.conns, new(atomic.Bool))
	}
	return c, nil
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
func (c *Client) Connected() bool {
	for _, conn := range c.conns {
		if conn.Load() {
			return true
		}
	}
	return false
}

// forConnection returns a copy of c for connection i of Run: the same
// settings, handler and memory of deliveries, with its own connection
// state.
func (c *Client) forConnection(i int) *Client {
	cc := *c
	cc.connected = c.conns[i]
	cc.log = c.log.With("connection", i+1)
	return &cc
}

// firstDelivery reports whether the delivery named key is seen for the
// first time, by this process (seen) and, with a Deduper, by any replica.
// When the Deduper fails, the memory of this process decides: better an
// answer twice than none.
func (c *Client) firstDelivery(ctx context.Context, seen *recent, key string) bool {
	first := seen.add(key)
	if c.dedup == nil {
		return first
	}
	// The envelope is acked already: a shutdown that begins now must not
	// cancel the check, or the command would be answered on this process's
	// memory alone while another replica answers it too.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dedupTimeout)
	defer cancel()
	shared, err := c.dedup.First(ctx, "slack:"+key)
	if err != nil {
		c.log.Warn("checking for a redelivered envelope in shared storage; this process's memory decides", "err", err)
		return first
	}
	return first && shared
}

// Run checks the bot token, opens the configured number of socket-mode
// connections, and serves slash commands until ctx ends, reconnecting as
// often as needed. When ctx ends, handlers in flight see it cancelled, and
// what they return is still delivered (within a bounded time) before Run
// returns nil. Run returns an error wrapping ErrTokenRejected when Slack
// refuses a token.
func (c *Client) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer func() {
		for _, conn := range c.conns {
			conn.Store(false)
		}
	}()

	if err := c.checkBotToken(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	// Every connection uses the same app token, so when Slack refuses it
	// several connections may fail alike before cancel reaches them: the
	// first failure is the answer, not one copy per connection.
	var (
		mu       sync.Mutex
		firstErr error
	)
	var sockets sync.WaitGroup
	for i := range c.conns {
		conn := c.forConnection(i)
		sm := socketmode.New(c.api, socketmode.OptionLog(slog.NewLogLogger(conn.log.Handler(), slog.LevelDebug)))
		wg.Go(func() { conn.serve(ctx, sm, &wg) })
		sockets.Go(func() {
			if err := conn.runSocket(ctx, sm); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				cancel() // a refused token stops every connection
			}
		})
	}
	sockets.Wait()
	cancel()
	wg.Wait()
	return firstErr
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
