package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/integrations/slack/slacktest"
)

// echo is the fake Handler: it answers every request with its text, in the
// channel when the text asks for "public".
type echo struct {
	mu   sync.Mutex
	reqs []bot.Request
}

func (e *echo) HandleCommand(_ context.Context, req bot.Request) bot.Reply {
	e.mu.Lock()
	e.reqs = append(e.reqs, req)
	e.mu.Unlock()
	return bot.Reply{Text: "answer to " + req.Text, Public: strings.Contains(req.Text, "public")}
}

func (e *echo) requests() []bot.Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]bot.Request(nil), e.reqs...)
}

// logs records every log record and lets a test wait for one.
type logs struct {
	mu      sync.Mutex
	records []slog.Record
	changed chan struct{}
}

func newLogs() *logs { return &logs{changed: make(chan struct{})} }

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }
func (l *logs) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logs) WithGroup(string) slog.Handler            { return l }
func (l *logs) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	close(l.changed)
	l.changed = make(chan struct{})
	return nil
}

// wait returns the first record with message msg, waiting for it.
func (l *logs) wait(ctx context.Context, msg string) (slog.Record, error) {
	for {
		l.mu.Lock()
		for _, r := range l.records {
			if r.Message == msg {
				l.mu.Unlock()
				return r, nil
			}
		}
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return slog.Record{}, fmt.Errorf("waiting for log %q: %w", msg, ctx.Err())
		}
	}
}

func (l *logs) all(msg string) []slog.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []slog.Record
	for _, r := range l.records {
		if r.Message == msg {
			out = append(out, r)
		}
	}
	return out
}

func attrs(r slog.Record) map[string]string {
	m := map[string]string{}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	return m
}

// harness is a Client running against a stand-in Slack.
type harness struct {
	srv     *slacktest.Server
	client  *Client
	handler *echo
	logs    *logs
	ctx     context.Context // bounds a test's waits
	stop    func() error    // cancels Run and returns its error
	wait    func() error    // waits for Run to return by itself
	sleeps  func() []time.Duration
}

func start(t *testing.T, srv *slacktest.Server, cfg Config) *harness {
	t.Helper()
	e := &echo{}
	h := startWith(t, srv, cfg, e)
	h.handler = e
	return h
}

// startWith runs a Client answering with handler against srv.
func startWith(t *testing.T, srv *slacktest.Server, cfg Config, handler Handler) *harness {
	t.Helper()
	h := &harness{srv: srv, logs: newLogs()}
	if cfg.AppToken == "" {
		cfg.AppToken = slacktest.DefaultAppToken
	}
	if cfg.BotToken == "" {
		cfg.BotToken = slacktest.DefaultBotToken
	}
	cfg.APIURL = srv.APIURL()
	cfg.Logger = slog.New(h.logs)
	c, err := New(cfg, handler)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var sleeps []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		sleeps = append(sleeps, d)
		mu.Unlock()
		return ctx.Err()
	}
	h.sleeps = func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Duration(nil), sleeps...)
	}
	h.client = c

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	h.ctx = ctx
	runCtx, stopRun := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	var once sync.Once
	var runErr error
	h.wait = func() error {
		once.Do(func() { runErr = <-done })
		return runErr
	}
	h.stop = func() error {
		stopRun()
		return h.wait()
	}
	t.Cleanup(func() {
		h.stop()
		cancel()
		srv.Close()
	})
	return h
}

func TestSlashCommandRoundTrip(t *testing.T) {
	h := start(t, slacktest.NewServer(slacktest.Options{}), Config{})
	tests := []struct {
		name string
		cmd  slacktest.SlashCommand
		want slacktest.Message
	}{
		{
			name: "private answer through response_url",
			cmd:  slacktest.SlashCommand{Text: "wip", ChannelID: "C1", UserID: "U1", UserName: "ada"},
			want: slacktest.Message{Channel: "C1", Text: "answer to wip", Ephemeral: true, Via: "response_url"},
		},
		{
			name: "public answer through response_url",
			cmd:  slacktest.SlashCommand{Text: "  throughput public ", ChannelID: "C2", UserID: "U2", UserName: "bo"},
			want: slacktest.Message{Channel: "C2", Text: "answer to throughput public", Via: "response_url"},
		},
		{
			name: "private answer without response_url",
			cmd:  slacktest.SlashCommand{Text: "aging", ChannelID: "C3", UserID: "U3", UserName: "cy", OmitResponseURL: true},
			want: slacktest.Message{Channel: "C3", Text: "answer to aging", Ephemeral: true, Via: "chat.postEphemeral"},
		},
		{
			name: "public answer without response_url",
			cmd:  slacktest.SlashCommand{Text: "cycle-time public", ChannelID: "C4", UserID: "U4", UserName: "di", OmitResponseURL: true},
			want: slacktest.Message{Channel: "C4", Text: "answer to cycle-time public", Via: "chat.postMessage"},
		},
		{
			name: "another command gets a polite refusal",
			cmd:  slacktest.SlashCommand{Command: "/deploy", Text: "prod", ChannelID: "C5", UserID: "U5", UserName: "ed"},
			want: slacktest.Message{Channel: "C5", Text: "Sorry, I don't answer /deploy. Try /flow.", Ephemeral: true, Via: "response_url"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.srv.SlashCommand(h.ctx, tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("answer (-got +want):\n%s", diff)
			}
		})
	}
	if !h.client.Connected() {
		t.Error("Connected() = false while serving")
	}
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if h.client.Connected() {
		t.Error("Connected() = true after Run returned")
	}

	// Run has returned, so every answer goroutine has: nothing more can be posted.
	if got := len(h.srv.Messages()); got != len(tests) {
		t.Errorf("%d messages posted for %d commands: %+v", got, len(tests), h.srv.Messages())
	}
	wantReqs := []bot.Request{
		{ChannelID: "C1", UserID: "U1", UserName: "ada", Text: "wip"},
		{ChannelID: "C2", UserID: "U2", UserName: "bo", Text: "throughput public"},
		{ChannelID: "C3", UserID: "U3", UserName: "cy", Text: "aging"},
		{ChannelID: "C4", UserID: "U4", UserName: "di", Text: "cycle-time public"},
	}
	if diff := cmp.Diff(h.handler.requests(), wantReqs); diff != "" {
		t.Errorf("handler requests (-got +want):\n%s", diff)
	}

	lines := h.logs.all("slash command answered")
	if len(lines) != len(tests) {
		for _, r := range h.logs.records {
			t.Log(r.Message, attrs(r))
		}
		t.Fatalf("%d log lines for %d commands", len(lines), len(tests))
	}
	// Lines come in the order answers finish, which need not be the order
	// of the commands.
	var got map[string]string
	for _, r := range lines {
		if a := attrs(r); a["channel"] == "C1" {
			got = a
		}
	}
	if got["duration"] == "" {
		t.Errorf("log line has no duration: %v", got)
	}
	delete(got, "duration")
	want := map[string]string{"channel": "C1", "user": "U1", "slash": "/flow", "command": "wip", "via": "response_url"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("log line attributes (-got +want):\n%s", diff)
	}
	for _, r := range h.logs.records {
		for _, tok := range []string{slacktest.DefaultAppToken, slacktest.DefaultBotToken} {
			if line := fmt.Sprint(r.Message, attrs(r)); strings.Contains(line, tok) {
				t.Errorf("log line contains a token: %s", line)
			}
		}
	}
}

// TestUnparsableEnvelopesAreAcked sends envelopes slack-go rejects and
// checks each is acked with its envelope_id and that serving goes on.
func TestUnparsableEnvelopesAreAcked(t *testing.T) {
	h := start(t, slacktest.NewServer(slacktest.Options{}), Config{})
	tests := []struct {
		name, envelope string
	}{
		{"unknown type", `{"envelope_id":"e-type","type":"workflow_step_v9","payload":{"x":1},"accepts_response_payload":false}`},
		{"slash command payload not an object", `{"envelope_id":"e-slash","type":"slash_commands","payload":"not a command"}`},
		{"interactive payload of the wrong shape", `{"envelope_id":"e-interactive","type":"interactive","payload":{"type":42}}`},
		{"top-level field of the wrong type", `{"envelope_id":"e-field","type":"slash_commands","num_connections":"many","payload":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantID := envelopeID([]byte(tt.envelope))
			select {
			case got := <-h.srv.SendRaw([]byte(tt.envelope)):
				if id := envelopeID(got); id != wantID {
					t.Errorf("ack %s names envelope %q, want %q", got, id, wantID)
				}
			case <-h.ctx.Done():
				t.Fatal("envelope never acked")
			}
		})
	}
	if _, err := h.srv.SlashCommand(h.ctx, slacktest.SlashCommand{Text: "wip"}); err != nil {
		t.Fatalf("slash command after unparsable envelopes: %v", err)
	}
	if got := len(h.logs.all("acked a socket mode envelope that could not be parsed")); got != len(tests) {
		t.Errorf("%d warnings logged for %d unparsable envelopes", got, len(tests))
	}
}

func TestReconnects(t *testing.T) {
	tests := []struct {
		name  string
		fault func(*slacktest.Server)
	}{
		{"after a dropped connection", (*slacktest.Server).DropConnections},
		{"after a disconnect envelope", (*slacktest.Server).SendDisconnect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One connection, so the reconnects can be counted exactly.
			h := start(t, slacktest.NewServer(slacktest.Options{}), Config{Connections: 1})
			if _, err := h.srv.SlashCommand(h.ctx, slacktest.SlashCommand{Text: "before"}); err != nil {
				t.Fatal(err)
			}
			tt.fault(h.srv)
			// The envelope waits for the client's next connection.
			got, err := h.srv.SlashCommand(h.ctx, slacktest.SlashCommand{Text: "after"})
			if err != nil {
				t.Fatal(err)
			}
			if got.Text != "answer to after" {
				t.Errorf("answer after reconnecting = %+v", got)
			}
			if _, err := h.logs.wait(h.ctx, "socket mode connection closed, reconnecting"); err != nil {
				t.Error(err)
			}
			if err := h.stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			var texts []string
			for _, m := range h.srv.Messages() {
				texts = append(texts, m.Text)
			}
			if diff := cmp.Diff(texts, []string{"answer to before", "answer to after"}); diff != "" {
				t.Errorf("messages posted (-got +want):\n%s", diff)
			}
			if got := h.srv.Calls("apps.connections.open"); got != 2 {
				t.Errorf("apps.connections.open called %d times, want 2", got)
			}
		})
	}
}

// TestConnectRetriesRateLimit waits out a real Retry-After of one second:
// slack-go's connect loop takes no injected clock.
func TestConnectRetriesRateLimit(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	srv.FailNext("apps.connections.open", http.StatusTooManyRequests, "1", 1)
	h := start(t, srv, Config{Connections: 1})
	if _, err := h.srv.SlashCommand(h.ctx, slacktest.SlashCommand{Text: "wip"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls("apps.connections.open"); got != 2 {
		t.Errorf("apps.connections.open called %d times, want 2", got)
	}
	r, err := h.logs.wait(h.ctx, "socket mode connection failed, retrying")
	if err != nil {
		t.Fatal(err)
	}
	if got := attrs(r)["backoff"]; got != "1s" {
		t.Errorf("backoff after a 429 with Retry-After 1 = %s, want 1s", got)
	}
}

func TestRedeliveredCommandAnsweredOnce(t *testing.T) {
	h := start(t, slacktest.NewServer(slacktest.Options{}), Config{})
	envelope := func(id string) []byte {
		return []byte(`{"envelope_id":"` + id + `","type":"slash_commands","accepts_response_payload":true,` +
			`"payload":{"command":"/flow","text":"wip","channel_id":"C1","user_id":"U1","trigger_id":"13345224609.738474920.8088930838d88f008e0"}}`)
	}
	for _, id := range []string{"first", "retry"} {
		select {
		case <-h.srv.SendRaw(envelope(id)):
		case <-h.ctx.Done():
			t.Fatalf("envelope %s never acked", id)
		}
	}
	if _, err := h.logs.wait(h.ctx, "slash command answered"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.logs.wait(h.ctx, "slash command redelivered, not answered again"); err != nil {
		t.Fatal(err)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	want := []slacktest.Message{{Channel: "C1", Text: "answer to wip", Ephemeral: true, Via: "chat.postEphemeral"}}
	if diff := cmp.Diff(h.srv.Messages(), want); diff != "" {
		t.Errorf("messages (-got +want):\n%s", diff)
	}
}

func TestDeliveryRetries(t *testing.T) {
	tests := []struct {
		name       string
		method     string // failing route
		status     int
		retryAfter string
		failures   int
		cmd        slacktest.SlashCommand
		wantCalls  int
		wantSleeps []time.Duration
		delivered  bool
	}{
		{
			name: "503s on response_url are retried", method: "response_url", status: 503, failures: 2,
			wantCalls: 3, wantSleeps: []time.Duration{500 * time.Millisecond, time.Second}, delivered: true,
		},
		{
			name: "429 on response_url waits Retry-After", method: "response_url", status: 429, retryAfter: "7", failures: 1,
			wantCalls: 2, wantSleeps: []time.Duration{7 * time.Second}, delivered: true,
		},
		{
			name: "429 on chat.postMessage waits Retry-After", method: "chat.postMessage", status: 429, retryAfter: "3", failures: 1,
			cmd:       slacktest.SlashCommand{Text: "public", OmitResponseURL: true},
			wantCalls: 2, wantSleeps: []time.Duration{3 * time.Second}, delivered: true,
		},
		{
			name: "gives up after four attempts", method: "response_url", status: 503, failures: 4,
			wantCalls: 4, wantSleeps: []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second},
		},
		{
			name: "a 500 may have posted, so it is not retried", method: "response_url", status: 500, failures: 1,
			wantCalls: 1,
		},
		{
			name: "a 502 may have posted, so it is not retried", method: "chat.postEphemeral", status: 502, failures: 1,
			cmd:       slacktest.SlashCommand{Text: "wip", OmitResponseURL: true},
			wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := slacktest.NewServer(slacktest.Options{})
			srv.FailNext(tt.method, tt.status, tt.retryAfter, tt.failures)
			h := start(t, srv, Config{})
			cmd := tt.cmd
			if cmd.Text == "" {
				cmd.Text = "wip"
			}
			if tt.delivered {
				if _, err := srv.SlashCommand(h.ctx, cmd); err != nil {
					t.Fatal(err)
				}
			} else {
				// The answer never comes: wait for the failure to be logged.
				ctx, cancel := context.WithCancel(h.ctx)
				defer cancel()
				go srv.SlashCommand(ctx, cmd)
				r, err := h.logs.wait(h.ctx, "slash command answer not delivered")
				if err != nil {
					t.Fatal(err)
				}
				if got := attrs(r)["err"]; strings.Contains(got, "/respond/") {
					t.Errorf("error logged with the response_url: %s", got)
				}
			}
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			if got := srv.Calls(tt.method); got != tt.wantCalls {
				t.Errorf("%s called %d times, want %d", tt.method, got, tt.wantCalls)
			}
			if diff := cmp.Diff(h.sleeps(), tt.wantSleeps); diff != "" {
				t.Errorf("waits between attempts (-got +want):\n%s", diff)
			}
			want := 0
			if tt.delivered {
				want = 1
			}
			if got := len(srv.Messages()); got != want {
				t.Errorf("%d messages posted, want %d", got, want)
			}
		})
	}
}

func TestRetryableConnectionRefused(t *testing.T) {
	// A closed server refuses the connection: nothing was sent.
	ts := httptest.NewServer(http.NotFoundHandler())
	u := ts.URL
	ts.Close()
	c, err := New(Config{AppToken: "xapp-1", BotToken: "xoxb-1"}, &echo{})
	if err != nil {
		t.Fatal(err)
	}
	err = c.postResponseURL(t.Context(), u+"/respond/secret", outgoing{text: "x"})
	if _, ok := retryable(err); !ok {
		t.Errorf("retryable(%v) = false, want true", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows the response_url: %v", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{
			name: "no app token",
			cfg:  Config{BotToken: "xoxb-1"},
			want: `slack config: AppToken is required: an app-level token (Basic Information > App-Level Tokens, scope connections:write), starting with "xapp-"`,
		},
		{
			name: "bot token as app token",
			cfg:  Config{AppToken: "xoxb-123-secret", BotToken: "xoxb-1"},
			want: `slack config: AppToken must be an app-level token (Basic Information > App-Level Tokens, scope connections:write), starting with "xapp-"; got a "xoxb-" token`,
		},
		{
			name: "app token as bot token",
			cfg:  Config{AppToken: "xapp-1", BotToken: "xapp-1-A1-secret"},
			want: `slack config: BotToken must be a bot token (OAuth & Permissions > Bot User OAuth Token), starting with "xoxb-"; got a "xapp-" token`,
		},
		{
			name: "user token as bot token",
			cfg:  Config{AppToken: "xapp-1", BotToken: "xoxp-1-secret"},
			want: `slack config: BotToken must be a bot token (OAuth & Permissions > Bot User OAuth Token), starting with "xoxb-"; got a "xoxp-" token`,
		},
		{
			name: "not a token at all",
			cfg:  Config{AppToken: "xapp-1", BotToken: "hunter2secret"},
			want: `slack config: BotToken must be a bot token (OAuth & Permissions > Bot User OAuth Token), starting with "xoxb-"; it does not look like a Slack token`,
		},
		{
			name: "relative API URL",
			cfg:  Config{AppToken: "xapp-1", BotToken: "xoxb-1", APIURL: "slack.com/api"},
			want: `slack config: APIURL "slack.com/api" must be an absolute http(s) URL such as https://slack.com/api/`,
		},
		{
			name: "command without slash",
			cfg:  Config{AppToken: "xapp-1", BotToken: "xoxb-1", Command: "flow"},
			want: `slack config: Command "flow" must be one word starting with "/", such as /flow`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, &echo{})
			if err == nil {
				t.Fatal("New succeeded")
			}
			if diff := cmp.Diff(err.Error(), tt.want); diff != "" {
				t.Errorf("error (-got +want):\n%s", diff)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

func TestRunStopsOnRejectedToken(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{
			name: "app token",
			cfg:  Config{AppToken: "xapp-1-A0-1-revoked"},
			want: "opening socket mode connection with AppToken: slack rejected the token (invalid_auth)",
		},
		{
			name: "bot token",
			cfg:  Config{BotToken: "xoxb-revoked"},
			want: "checking BotToken with auth.test: slack rejected the token (invalid_auth)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, slacktest.NewServer(slacktest.Options{}), tt.cfg)
			err := h.wait()
			if !errors.Is(err, ErrTokenRejected) {
				t.Fatalf("Run = %v, want an error wrapping ErrTokenRejected", err)
			}
			if diff := cmp.Diff(err.Error(), tt.want); diff != "" {
				t.Errorf("error (-got +want):\n%s", diff)
			}
			if h.client.Connected() {
				t.Error("Connected() = true after Run failed")
			}
		})
	}
}
