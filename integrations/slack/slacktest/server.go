// Package slacktest is a stand-in Slack for tests and for `flowbot demo`: an
// httptest server that speaks enough of the Web API and of Socket Mode for a
// real slack-go client to connect, receive slash commands and answer them.
//
// It behaves like Slack where a client could tell the difference: tokens are
// checked by type and value, apps.connections.open hands out one-time
// tickets for the websocket, every envelope goes to exactly one open
// connection (and waits for one if none is open, as Slack queues while an app
// reconnects), a connection told to disconnect receives no new envelopes,
// and each response_url takes at most five posts. Faults are injected on
// demand: abrupt drops, disconnect requests, and HTTP failures with an
// optional Retry-After.
//
// Slack-go's own slacktest package cannot serve Socket Mode, which is why
// this one is built on httptest and gorilla/websocket.
package slacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Identities the stand-in answers with. They are fixed so that tests and the
// demo can refer to them.
const (
	TeamID    = "T0SLACKTST"
	TeamName  = "Slacktest"
	AppID     = "A0SLACKTST"
	BotID     = "B0SLACKTST"
	BotUserID = "U0FLOWBOT"
	BotName   = "flowbot"

	// Defaults for Options and SlashCommand fields left empty.
	DefaultAppToken  = "xapp-1-A0SLACKTST-1-slacktest"
	DefaultBotToken  = "xoxb-1-slacktest"
	DefaultCommand   = "/flow"
	DefaultChannelID = "C0SLACKTST"
	DefaultUserID    = "U0ASKER01"
	DefaultUserName  = "asker"

	// responseURLUses is how many posts Slack accepts on one response_url.
	responseURLUses = 5
)

// Options configure a Server. Empty tokens take the Default* values.
type Options struct {
	AppToken string // accepted by apps.connections.open
	BotToken string // accepted by the chat.* methods
}

// Message is one message an app posted, by whichever route.
type Message struct {
	Channel   string
	Text      string
	Ephemeral bool
	// Via is the route: "response_url", "ack" (a payload in a socket-mode
	// ack), "chat.postMessage", "chat.postEphemeral", "chat.update",
	// "files.completeUploadExternal" (a file shared with a comment) or
	// "views.open" (a modal opened with the command's trigger_id: ViewID
	// names it in OpenedViews, Blocks are the view's).
	Via    string
	ViewID string
	Blocks json.RawMessage
	// Files are the ids of the files a files.completeUploadExternal shared.
	Files []string
}

// File is a file an app uploaded through files.getUploadURLExternal, its
// upload URL and files.completeUploadExternal.
type File struct {
	ID       string
	Name     string // the filename given to files.getUploadURLExternal
	Title    string // from files.completeUploadExternal
	AltText  string
	Bytes    []byte
	Channel  string // where it was shared; "" for a private upload
	Comment  string // the initial_comment it was shared with
	Complete bool   // files.completeUploadExternal has taken it
}

// SlashCommand is one invocation to deliver. Empty fields take the Default*
// values.
type SlashCommand struct {
	Command, Text, ChannelID, UserID, UserName string
	// OmitResponseURL sends the payload without a response_url, so the app
	// has to answer through chat.postMessage or chat.postEphemeral.
	OmitResponseURL bool
}

// Server is a running stand-in. Its methods are safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	opts Options
	// tsBase makes message timestamps look like Slack's (unix seconds) while
	// a sequence number keeps them unique.
	tsBase int64
	done   chan struct{}
	wg     sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	seq       int
	tickets   map[string]bool
	conns     []*wsConn // open, in connection order
	next      int       // round-robin cursor over conns
	pending   []*delivery
	acks      map[string]*ackWaiter // by envelope_id
	acked     map[string]bool
	commands  map[string]*command // by envelope_id
	responses map[string]*command // by response_url token
	answers   []*answerWaiter
	messages  []Message
	posted    map[string]string // "channel/ts" -> text, for chat.update
	failures  map[string][]failure
	calls     map[string]int
	files     map[string]*File // by id
	fileOrder []string
	views     viewState // views.*, users.info, users.conversations (views.go)
}

type failure struct {
	status     int
	retryAfter string
}

// command is what the server remembers of a slash command it delivered.
type command struct {
	envelopeID string
	channelID  string
	triggerID  string
	uses       int // posts to its response_url
}

type ackWaiter struct {
	ch    chan []byte // the raw ack
	stray chan string // envelope_ids of acks nobody waits for, on the same connection
	conn  *wsConn     // where the envelope went; nil until sent
}

type answerWaiter struct {
	envelopeID string
	channelID  string
	ch         chan Message
}

// NewServer starts a stand-in Slack. Close it when done.
func NewServer(opts Options) *Server {
	if opts.AppToken == "" {
		opts.AppToken = DefaultAppToken
	}
	if opts.BotToken == "" {
		opts.BotToken = DefaultBotToken
	}
	s := &Server{
		opts:      opts,
		tsBase:    time.Now().Unix(),
		done:      make(chan struct{}),
		tickets:   make(map[string]bool),
		acks:      make(map[string]*ackWaiter),
		acked:     make(map[string]bool),
		commands:  make(map[string]*command),
		responses: make(map[string]*command),
		posted:    make(map[string]string),
		failures:  make(map[string][]failure),
		calls:     make(map[string]int),
		files:     make(map[string]*File),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("/link/", s.serveSocket)
	mux.HandleFunc("POST /respond/{token}", s.serveResponseURL)
	mux.HandleFunc("POST /upload/{id}", s.serveUpload)
	// Assigned before serving: handlers read s.srv.URL.
	s.srv = httptest.NewUnstartedServer(mux)
	s.srv.Start()
	return s
}

// APIURL is the Web API base URL, ending in "/".
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// Close drops every connection and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for _, c := range conns {
		c.ws.Close()
	}
	s.srv.Close()
	s.wg.Wait()
}

// Messages returns every message posted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Calls reports how many requests a Web API method (or "response_url")
// has received, failed ones included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// FailNext makes the next n requests to method (a Web API method name, or
// "response_url" for every response_url) fail with the HTTP status, and
// with a Retry-After header when retryAfter is not empty. A 429 carries
// Slack's "ratelimited" body.
func (s *Server) FailNext(method string, status int, retryAfter string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[method] = append(s.failures[method], failure{status: status, retryAfter: retryAfter})
	}
}

// SlashCommand delivers a slash command over the socket, then waits for its
// ack (an error if none comes within 3 seconds of delivery, or if an ack
// names another envelope) and for the answer: a post to the command's
// response_url, a payload in the ack, or a chat.postMessage or
// chat.postEphemeral to its channel. If no connection is open it waits for
// one. ctx bounds the whole exchange.
func (s *Server) SlashCommand(ctx context.Context, cmd SlashCommand) (Message, error) {
	if cmd.Command == "" {
		cmd.Command = DefaultCommand
	}
	if cmd.ChannelID == "" {
		cmd.ChannelID = DefaultChannelID
	}
	if cmd.UserID == "" {
		cmd.UserID = DefaultUserID
	}
	if cmd.UserName == "" {
		cmd.UserName = DefaultUserName
	}
	envelopeID := newID()
	c := &command{envelopeID: envelopeID, channelID: cmd.ChannelID, triggerID: fmt.Sprintf("%d.%s", s.tsBase, hex.EncodeToString(randomBytes(8)))}
	responseURL, responseToken := "", ""
	if !cmd.OmitResponseURL {
		responseToken = hex.EncodeToString(randomBytes(12))
		responseURL = s.srv.URL + "/respond/" + responseToken
	}
	payload := slashCommandPayload{
		Token:          "slacktest-verification-token",
		APIAppID:       AppID,
		TeamID:         TeamID,
		TeamDomain:     strings.ToLower(TeamName),
		ChannelID:      cmd.ChannelID,
		ChannelName:    "flow",
		UserID:         cmd.UserID,
		UserName:       cmd.UserName,
		Command:        cmd.Command,
		Text:           cmd.Text,
		ResponseURL:    responseURL,
		TriggerID:      c.triggerID,
		IsEnterprise:   false,
		EnterpriseID:   "",
		EnterpriseName: "",
	}
	env, err := json.Marshal(envelope{
		EnvelopeID:             envelopeID,
		Payload:                payload,
		Type:                   "slash_commands",
		AcceptsResponsePayload: true,
	})
	if err != nil {
		return Message{}, fmt.Errorf("encoding envelope: %w", err)
	}

	return s.exchange(ctx, env, c, responseToken, cmd.Command+" "+cmd.Text)
}

// exchange delivers an envelope, waits for its ack and returns the answer
// to it: a post to its response_url (token, if any), a payload in the ack,
// or a chat.* post to its channel.
func (s *Server) exchange(ctx context.Context, env []byte, c *command, responseToken, what string) (Message, error) {
	envelopeID := c.envelopeID
	answer := &answerWaiter{envelopeID: envelopeID, channelID: c.channelID, ch: make(chan Message, 1)}
	s.mu.Lock()
	s.commands[envelopeID] = c
	if responseToken != "" {
		s.responses[responseToken] = c
	}
	s.answers = append(s.answers, answer)
	s.mu.Unlock()
	defer s.dropAnswerWaiter(answer)

	ack, d := s.send(env, envelopeID)
	select {
	case <-d.sent:
	case <-ctx.Done():
		return Message{}, fmt.Errorf("waiting for a connection to deliver %s: %w", what, ctx.Err())
	case <-s.done:
		return Message{}, errors.New("server closed")
	}

	timer := time.NewTimer(3 * time.Second)
	defer timer.Stop()
	select {
	case <-ack.ch:
	case id := <-ack.stray:
		return Message{}, fmt.Errorf("got an ack for envelope_id %q, want %q", id, envelopeID)
	case <-timer.C:
		return Message{}, fmt.Errorf("no ack for envelope_id %q within 3s", envelopeID)
	case <-ctx.Done():
		return Message{}, fmt.Errorf("waiting for the ack of %q: %w", envelopeID, ctx.Err())
	case <-s.done:
		return Message{}, errors.New("server closed")
	}

	select {
	case m := <-answer.ch:
		return m, nil
	case <-ctx.Done():
		return Message{}, fmt.Errorf("waiting for the answer to %s: %w", what, ctx.Err())
	case <-s.done:
		return Message{}, errors.New("server closed")
	}
}

// SendRaw delivers envelope as is to one connection (waiting for one if
// none is open) and returns a channel that receives the ack naming the
// envelope's envelope_id. An envelope without a readable envelope_id can
// never be matched, so its channel never receives.
func (s *Server) SendRaw(envelope []byte) (ackCh <-chan []byte) {
	ack, _ := s.send(envelope, envelopeIDOf(envelope))
	return ack.ch
}

// DropConnections closes every websocket abruptly, without a close frame,
// as a network failure would.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for _, c := range conns {
		c.ws.Close()
	}
}

// SendDisconnect asks every connection to reconnect, as Slack does before it
// retires a connection. A connection told so receives no new envelopes; the
// client is expected to close it.
func (s *Server) SendDisconnect() {
	msg := []byte(`{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"slacktest"}}`)
	s.mu.Lock()
	conns := append([]*wsConn(nil), s.conns...)
	for _, c := range conns {
		c.draining = true
	}
	s.mu.Unlock()
	for _, c := range conns {
		// A failed write means the connection is already gone, which is
		// what the disconnect asked for.
		_ = c.write(msg)
	}
}

// Connections reports how many websockets are open, draining ones included.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// record stores a posted message and hands it to the first command waiting
// for it: by the command itself for response_url posts and ack payloads
// (cmd), by channel for chat.* posts (cmd nil). Callers hold s.mu.
func (s *Server) record(m Message, cmd *command) {
	s.messages = append(s.messages, m)
	for i, w := range s.answers {
		var match bool
		switch m.Via {
		case "response_url", "ack", "views.open":
			match = cmd != nil && w.envelopeID == cmd.envelopeID
		case "chat.postMessage", "chat.postEphemeral":
			match = w.channelID == m.Channel
		}
		if match {
			w.ch <- m // buffered, and the waiter is removed at once
			s.answers = append(s.answers[:i], s.answers[i+1:]...)
			return
		}
	}
}

func (s *Server) dropAnswerWaiter(w *answerWaiter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.answers {
		if x == w {
			s.answers = append(s.answers[:i], s.answers[i+1:]...)
			return
		}
	}
}

func (s *Server) nextTS() string {
	s.seq++
	return fmt.Sprintf("%d.%06d", s.tsBase, s.seq%1000000)
}

// serveResponseURL accepts a command's delayed responses, JSON-encoded.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls["response_url"]++
	f, failed := s.takeFailure("response_url")
	s.mu.Unlock()
	if failed {
		writeFailure(w, f)
		return
	}
	var body struct {
		Text         string          `json:"text"`
		ResponseType string          `json:"response_type"`
		Blocks       json.RawMessage `json:"blocks"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	if body.Text == "" && len(body.Blocks) == 0 {
		http.Error(w, "no_text", http.StatusBadRequest)
		return
	}
	token := r.PathValue("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.responses[token]
	if !ok {
		http.Error(w, "expired_url", http.StatusNotFound)
		return
	}
	if c.uses >= responseURLUses {
		http.Error(w, "used_url", http.StatusNotFound)
		return
	}
	c.uses++
	s.record(Message{
		Channel:   c.channelID,
		Text:      body.Text,
		Ephemeral: body.ResponseType != "in_channel",
		Via:       "response_url",
		Blocks:    body.Blocks,
	}, c)
	writeJSON(w, map[string]any{"ok": true})
}

// serveAPI answers Web API methods. Parameters come form-encoded (in the
// body or the query) or as a JSON body; the token comes from the
// Authorization header or a "token" parameter, as Slack accepts both.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	s.mu.Lock()
	s.calls[method]++
	f, failed := s.takeFailure(method)
	s.mu.Unlock()
	if failed {
		writeFailure(w, f)
		return
	}
	p, err := readParams(r)
	if err != nil {
		writeJSON(w, apiError("invalid_form_data"))
		return
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token == "" {
		token = p.str("token")
	}

	switch method {
	case "apps.connections.open":
		if e := s.checkToken(token, s.opts.AppToken); e != "" {
			writeJSON(w, apiError(e))
			return
		}
		writeJSON(w, s.connectionsOpen())
	case "auth.test":
		// auth.test takes any kind of token.
		if token != s.opts.BotToken && token != s.opts.AppToken {
			writeJSON(w, apiError(tokenError(token, "")))
			return
		}
		writeJSON(w, map[string]any{
			"ok":                    true,
			"url":                   "https://" + strings.ToLower(TeamName) + ".slack.com/",
			"team":                  TeamName,
			"user":                  BotName,
			"team_id":               TeamID,
			"user_id":               BotUserID,
			"bot_id":                BotID,
			"is_enterprise_install": false,
		})
	case "chat.postMessage", "chat.postEphemeral", "chat.update":
		if e := s.checkToken(token, s.opts.BotToken); e != "" {
			writeJSON(w, apiError(e))
			return
		}
		writeJSON(w, s.chat(method, p))
	case "files.getUploadURLExternal":
		if e := s.checkToken(token, s.opts.BotToken); e != "" {
			writeJSON(w, apiError(e))
			return
		}
		writeJSON(w, s.getUploadURL(p))
	case "files.completeUploadExternal":
		if e := s.checkToken(token, s.opts.BotToken); e != "" {
			writeJSON(w, apiError(e))
			return
		}
		writeJSON(w, s.completeUpload(p))
	default:
		if s.serveViews(w, method, token, p) {
			return
		}
		if s.serveDM(w, method, token, p) {
			return
		}
		writeJSON(w, apiError("unknown_method"))
	}
}

func (s *Server) connectionsOpen() map[string]any {
	ticket := newID()
	s.mu.Lock()
	s.tickets[ticket] = true
	s.mu.Unlock()
	u := "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link/?" + url.Values{"ticket": {ticket}, "app_id": {AppID}}.Encode()
	return map[string]any{"ok": true, "url": u}
}

// chat serves the chat.* methods; its answers have the shape of Slack's
// (fixtures/slack/chat.*.json), with real values.
func (s *Server) chat(method string, p params) map[string]any {
	channel, text, blocks := p.str("channel"), p.str("text"), p.raw("blocks")
	if channel == "" {
		return apiError("channel_not_found")
	}
	if text == "" && len(blocks) == 0 && method != "chat.update" {
		return apiError("no_text")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch method {
	case "chat.postEphemeral":
		user := p.str("user")
		if user == "" {
			return apiError("user_not_found")
		}
		ts := s.nextTS()
		s.record(Message{Channel: channel, Text: text, Ephemeral: true, Via: method, Blocks: blocks}, nil)
		return map[string]any{"ok": true, "message_ts": ts}
	case "chat.update":
		ts := p.str("ts")
		if _, ok := s.posted[channel+"/"+ts]; !ok {
			return apiError("message_not_found")
		}
		s.posted[channel+"/"+ts] = text
		s.record(Message{Channel: channel, Text: text, Via: method, Blocks: blocks}, nil)
		// Slack's updated message carries no ts of its own: it is the top-level one.
		m := s.botMessage(text, ts, blocks)
		delete(m, "ts")
		return map[string]any{"ok": true, "channel": channel, "ts": ts, "text": text, "message": m}
	default:
		ts := s.nextTS()
		s.posted[channel+"/"+ts] = text
		s.record(Message{Channel: channel, Text: text, Via: method, Blocks: blocks}, nil)
		return map[string]any{"ok": true, "channel": channel, "ts": ts, "message": s.botMessage(text, ts, blocks)}
	}
}

func (s *Server) botMessage(text, ts string, blocks json.RawMessage) map[string]any {
	m := map[string]any{
		"type":   "message",
		"text":   text,
		"user":   BotUserID,
		"bot_id": BotID,
		"app_id": AppID,
		"team":   TeamID,
		"ts":     ts,
	}
	if len(blocks) > 0 {
		m["blocks"] = blocks
	}
	return m
}

// checkToken returns Slack's error code for a token that is not want, or "".
func (s *Server) checkToken(got, want string) string {
	if got == want {
		return ""
	}
	return tokenError(got, want)
}

func tokenError(got, want string) string {
	switch {
	case got == "":
		return "not_authed"
	case want != "" && tokenKind(got) != tokenKind(want):
		return "not_allowed_token_type"
	default:
		return "invalid_auth"
	}
}

func tokenKind(token string) string {
	kind, _, _ := strings.Cut(token, "-")
	return kind
}

// takeFailure pops the next injected failure for method. Callers hold s.mu.
func (s *Server) takeFailure(method string) (failure, bool) {
	q := s.failures[method]
	if len(q) == 0 {
		return failure{}, false
	}
	s.failures[method] = q[1:]
	return q[0], true
}

func writeFailure(w http.ResponseWriter, f failure) {
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	if f.status == http.StatusTooManyRequests {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		_ = json.NewEncoder(w).Encode(apiError("ratelimited"))
		return
	}
	http.Error(w, http.StatusText(f.status), f.status)
}

func apiError(code string) map[string]any { return map[string]any{"ok": false, "error": code} }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// params holds a request's parameters, from a form or from a JSON body.
type params struct {
	form url.Values
	json map[string]json.RawMessage
}

func readParams(r *http.Request) (params, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		p := params{json: map[string]json.RawMessage{}}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return p, err
		}
		if len(body) == 0 {
			return p, nil
		}
		return p, json.Unmarshal(body, &p.json)
	}
	if err := r.ParseForm(); err != nil {
		return params{}, err
	}
	return params{form: r.Form}, nil
}

func (p params) str(key string) string {
	if p.json == nil {
		return p.form.Get(key)
	}
	raw, ok := p.json[key]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// raw returns a JSON-valued parameter such as blocks, which forms carry as a
// JSON string.
func (p params) raw(key string) json.RawMessage {
	if p.json != nil {
		if v, ok := p.json[key]; ok && string(v) != "null" {
			return v
		}
		return nil
	}
	v := p.form.Get(key)
	if v == "" || !json.Valid([]byte(v)) {
		return nil
	}
	return json.RawMessage(v)
}

type envelope struct {
	EnvelopeID             string `json:"envelope_id"`
	Payload                any    `json:"payload"`
	Type                   string `json:"type"`
	AcceptsResponsePayload bool   `json:"accepts_response_payload"`
}

// slashCommandPayload has the fields of fixtures/slack/SlashCommandPayload.json.
type slashCommandPayload struct {
	Token          string `json:"token"`
	APIAppID       string `json:"api_app_id"`
	TeamID         string `json:"team_id"`
	TeamDomain     string `json:"team_domain"`
	EnterpriseID   string `json:"enterprise_id"`
	EnterpriseName string `json:"enterprise_name"`
	ChannelID      string `json:"channel_id"`
	ChannelName    string `json:"channel_name"`
	UserID         string `json:"user_id"`
	UserName       string `json:"user_name"`
	Command        string `json:"command"`
	Text           string `json:"text"`
	ResponseURL    string `json:"response_url"`
	TriggerID      string `json:"trigger_id"`
	IsEnterprise   bool   `json:"is_enterprise_install"`
}

func envelopeIDOf(env []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(env, &m) != nil {
		return ""
	}
	var id string
	if json.Unmarshal(m["envelope_id"], &id) != nil {
		return ""
	}
	return id
}

// newID returns a random UUID-shaped string, like Slack's envelope ids.
func newID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}
