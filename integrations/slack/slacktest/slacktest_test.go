package slacktest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/flowbot/flowbot/integrations/slack/slacktest"
)

// call posts a form to a Web API method and returns the decoded answer.
func call(t *testing.T, srv *slacktest.Server, method, token string, form url.Values) map[string]json.RawMessage {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.APIURL()+method, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("%s: decoding answer: %v", method, err)
	}
	return got
}

func keys(m map[string]json.RawMessage) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func fixture(t *testing.T, name string) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// missing lists the keys of got that want lacks: a field the stand-in
// invented, or misspelt.
func missing(got, want map[string]json.RawMessage) []string {
	var out []string
	for _, k := range keys(got) {
		if _, ok := want[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

func TestWebAPIFieldNamesMatchFixtures(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	defer srv.Close()
	posted := call(t, srv, "chat.postMessage", slacktest.DefaultBotToken, url.Values{"channel": {"C1"}, "text": {"hi"}})
	var ts string
	if err := json.Unmarshal(posted["ts"], &ts); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		fixture string
		got     map[string]json.RawMessage
		nested  string // a field whose object is checked too
	}{
		{name: "apps.connections.open", fixture: "apps.connections.open.json",
			got: call(t, srv, "apps.connections.open", slacktest.DefaultAppToken, nil)},
		{name: "auth.test", fixture: "auth.test.json",
			got: call(t, srv, "auth.test", slacktest.DefaultBotToken, nil)},
		{name: "chat.postEphemeral", fixture: "chat.postEphemeral.json",
			got: call(t, srv, "chat.postEphemeral", slacktest.DefaultBotToken, url.Values{"channel": {"C1"}, "user": {"U1"}, "text": {"hi"}})},
		{name: "chat.postMessage", fixture: "chat.postMessage.trimmed.json", got: posted, nested: "message"},
		{name: "chat.update", fixture: "chat.update.trimmed.json", nested: "message",
			got: call(t, srv, "chat.update", slacktest.DefaultBotToken, url.Values{"channel": {"C1"}, "ts": {ts}, "text": {"edited"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := fixture(t, tt.fixture)
			if string(tt.got["ok"]) != "true" {
				t.Fatalf("ok = %s, want true; answer %v", tt.got["ok"], tt.got)
			}
			if diff := missing(tt.got, want); diff != nil {
				t.Errorf("fields not in %s: %v", tt.fixture, diff)
			}
			if tt.nested == "" {
				return
			}
			var got, wantNested map[string]json.RawMessage
			if err := json.Unmarshal(tt.got[tt.nested], &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(want[tt.nested], &wantNested); err != nil {
				t.Fatal(err)
			}
			if diff := missing(got, wantNested); diff != nil {
				t.Errorf("%s fields not in %s: %v", tt.nested, tt.fixture, diff)
			}
		})
	}
}

func TestWebAPIErrors(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{AppToken: "xapp-1-A1-1-right", BotToken: "xoxb-right"})
	defer srv.Close()
	tests := []struct {
		name, method, token string
		form                url.Values
		want                string
	}{
		{"unknown method", "chat.frobnicate", "xoxb-right", nil, "unknown_method"},
		{"wrong bot token", "chat.postMessage", "xoxb-wrong", url.Values{"channel": {"C1"}, "text": {"x"}}, "invalid_auth"},
		{"wrong app token", "apps.connections.open", "xapp-1-A1-1-wrong", nil, "invalid_auth"},
		{"no token", "auth.test", "", nil, "not_authed"},
		{"bot token opening a socket", "apps.connections.open", "xoxb-right", nil, "not_allowed_token_type"},
		{"app token posting", "chat.postMessage", "xapp-1-A1-1-right", url.Values{"channel": {"C1"}, "text": {"x"}}, "not_allowed_token_type"},
		{"no text", "chat.postMessage", "xoxb-right", url.Values{"channel": {"C1"}}, "no_text"},
		{"no channel", "chat.postMessage", "xoxb-right", url.Values{"text": {"x"}}, "channel_not_found"},
		{"update of nothing", "chat.update", "xoxb-right", url.Values{"channel": {"C1"}, "ts": {"1.000001"}, "text": {"x"}}, "message_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := call(t, srv, tt.method, tt.token, tt.form)
			var answer struct {
				OK    bool   `json:"ok"`
				Error string `json:"error"`
			}
			b, _ := json.Marshal(got)
			if err := json.Unmarshal(b, &answer); err != nil {
				t.Fatal(err)
			}
			if answer.OK || answer.Error != tt.want {
				t.Errorf("answer = %+v, want error %q", answer, tt.want)
			}
		})
	}
	if got := srv.Messages(); len(got) != 0 {
		t.Errorf("messages recorded by failed calls: %+v", got)
	}
}

// TestSlackGoClient drives the stand-in with slack-go itself: JSON bodies,
// form bodies with the token as a parameter, and typed errors.
func TestSlackGoClient(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	defer srv.Close()
	api := slackapi.New(slacktest.DefaultBotToken, slackapi.OptionAPIURL(srv.APIURL()), slackapi.OptionAppLevelToken(slacktest.DefaultAppToken))
	ctx := t.Context()

	id, err := api.AuthTestContext(ctx)
	if err != nil {
		t.Fatalf("auth.test: %v", err)
	}
	if id.UserID != slacktest.BotUserID || id.TeamID != slacktest.TeamID {
		t.Errorf("auth.test = %+v", id)
	}
	blocks := slackapi.MsgOptionBlocks(slackapi.NewSectionBlock(slackapi.NewTextBlockObject("mrkdwn", "*hi*", false, false), nil, nil))
	channel, ts, err := api.PostMessageContext(ctx, "C1", slackapi.MsgOptionText("hi", false), blocks)
	if err != nil || channel != "C1" || ts == "" {
		t.Fatalf("chat.postMessage = %q, %q, %v", channel, ts, err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slackapi.MsgOptionText("edited", false)); err != nil {
		t.Fatalf("chat.update: %v", err)
	}
	if _, err := api.PostEphemeralContext(ctx, "C1", "U1", slackapi.MsgOptionText("psst", false)); err != nil {
		t.Fatalf("chat.postEphemeral: %v", err)
	}
	got := srv.Messages()
	for i := range got {
		got[i].Blocks = nil // compared below
	}
	want := []slacktest.Message{
		{Channel: "C1", Text: "hi", Via: "chat.postMessage"},
		{Channel: "C1", Text: "edited", Via: "chat.update"},
		{Channel: "C1", Text: "psst", Ephemeral: true, Via: "chat.postEphemeral"},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("messages (-got +want):\n%s", diff)
	}
	if b := srv.Messages()[0].Blocks; !strings.Contains(string(b), `"*hi*"`) {
		t.Errorf("blocks = %s, want the section posted", b)
	}

	srv.FailNext("apps.connections.open", http.StatusTooManyRequests, "7", 1)
	_, _, err = api.StartSocketModeContext(ctx)
	rl, ok := errors.AsType[*slackapi.RateLimitedError](err)
	if !ok || rl.RetryAfter != 7*time.Second {
		t.Fatalf("apps.connections.open after FailNext = %v, want a RateLimitedError of 7s", err)
	}
	if _, u, err := api.StartSocketModeContext(ctx); err != nil || !strings.HasPrefix(u, "ws://") {
		t.Fatalf("apps.connections.open = %q, %v, want a ws:// URL", u, err)
	}
	if got := srv.Calls("apps.connections.open"); got != 2 {
		t.Errorf("Calls(apps.connections.open) = %d, want 2", got)
	}
}

// dial opens a socket-mode connection the way slack-go does and reads hello.
func dial(t *testing.T, srv *slacktest.Server) (*websocket.Conn, socketmode.Request) {
	t.Helper()
	api := slackapi.New(slacktest.DefaultBotToken, slackapi.OptionAPIURL(srv.APIURL()), slackapi.OptionAppLevelToken(slacktest.DefaultAppToken))
	_, u, err := api.StartSocketModeContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.DialContext(t.Context(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	var hello socketmode.Request
	if err := ws.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}
	return ws, hello
}

func TestSocketHelloAndTickets(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	defer srv.Close()
	_, hello := dial(t, srv)
	want := socketmode.Request{
		Type:           "hello",
		NumConnections: 1,
		ConnectionInfo: socketmode.ConnectionInfo{AppID: slacktest.AppID},
		DebugInfo:      socketmode.DebugInfo{BuildNumber: 1, ApproximateConnectionTime: 18060},
	}
	if hello.DebugInfo.Host == "" {
		t.Error("hello has no debug_info.host")
	}
	hello.DebugInfo.Host = ""
	if diff := cmp.Diff(hello, want); diff != "" {
		t.Errorf("hello (-got +want):\n%s", diff)
	}

	answer := call(t, srv, "apps.connections.open", slacktest.DefaultAppToken, nil)
	var u string
	if err := json.Unmarshal(answer["url"], &u); err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.DialContext(t.Context(), u, nil)
	if err != nil {
		t.Fatalf("first use of a ticket: %v", err)
	}
	ws.Close()
	_, resp, err := websocket.DefaultDialer.DialContext(t.Context(), u, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("second use of a ticket: err %v, response %v; want 401", err, resp)
	}
}

// TestSlashCommandPayloadMatchesFixture checks the envelope a slash command
// arrives in: its payload has exactly the fields of Slack's recorded payload.
func TestSlashCommandPayloadMatchesFixture(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	defer srv.Close()
	ws, _ := dial(t, srv)

	type result struct {
		m   slacktest.Message
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := srv.SlashCommand(t.Context(), slacktest.SlashCommand{Text: "wip", ChannelID: "C42", UserID: "U7", UserName: "ada"})
		done <- result{m, err}
	}()

	var env socketmode.Request
	if err := ws.ReadJSON(&env); err != nil {
		t.Fatal(err)
	}
	if env.Type != "slash_commands" || env.EnvelopeID == "" || !env.AcceptsResponsePayload {
		t.Errorf("envelope = %+v", env)
	}
	var payload map[string]json.RawMessage
	if err := json.Unmarshal(env.Payload, &payload); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(keys(payload), keys(fixture(t, "SlashCommandPayload.json"))); diff != "" {
		t.Errorf("payload fields (-got +want):\n%s", diff)
	}
	var cmd slackapi.SlashCommand
	if err := json.Unmarshal(env.Payload, &cmd); err != nil {
		t.Fatal(err)
	}
	if cmd.Command != "/flow" || cmd.Text != "wip" || cmd.ChannelID != "C42" || cmd.UserID != "U7" || cmd.UserName != "ada" || cmd.ResponseURL == "" || cmd.TriggerID == "" {
		t.Errorf("slash command = %+v", cmd)
	}

	if err := ws.WriteJSON(map[string]string{"envelope_id": env.EnvelopeID}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(cmd.ResponseURL, "application/json", strings.NewReader(`{"response_type":"in_channel","text":"WIP: 3"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if diff := cmp.Diff(r.m, slacktest.Message{Channel: "C42", Text: "WIP: 3", Via: "response_url"}); diff != "" {
		t.Errorf("answer (-got +want):\n%s", diff)
	}
}

// TestSlashCommandAcks covers what SlashCommand makes of the ack.
func TestSlashCommandAcks(t *testing.T) {
	tests := []struct {
		name    string
		ack     func(envelopeID string) any // nil: never ack
		wantErr string
		want    slacktest.Message
	}{
		{
			name:    "ack naming another envelope",
			ack:     func(string) any { return map[string]string{"envelope_id": "not-it"} },
			wantErr: `got an ack for envelope_id "not-it"`,
		},
		{
			name:    "no ack",
			wantErr: "no ack for envelope_id",
		},
		{
			name: "answer in the ack payload",
			ack: func(id string) any {
				return map[string]any{"envelope_id": id, "payload": map[string]string{"text": "quick"}}
			},
			want: slacktest.Message{Channel: slacktest.DefaultChannelID, Text: "quick", Ephemeral: true, Via: "ack"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := slacktest.NewServer(slacktest.Options{})
			defer srv.Close()
			ws, _ := dial(t, srv)
			go func() {
				var env socketmode.Request
				if ws.ReadJSON(&env) != nil || tt.ack == nil {
					return
				}
				_ = ws.WriteJSON(tt.ack(env.EnvelopeID))
			}()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			got, err := srv.SlashCommand(ctx, slacktest.SlashCommand{Text: "help"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("SlashCommand error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("answer (-got +want):\n%s", diff)
			}
		})
	}
}

func TestResponseURLLimits(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	defer srv.Close()
	ws, _ := dial(t, srv)
	done := make(chan error, 1)
	go func() {
		_, err := srv.SlashCommand(t.Context(), slacktest.SlashCommand{Text: "wip"})
		done <- err
	}()
	var env socketmode.Request
	if err := ws.ReadJSON(&env); err != nil {
		t.Fatal(err)
	}
	var cmd slackapi.SlashCommand
	if err := json.Unmarshal(env.Payload, &cmd); err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteJSON(map[string]string{"envelope_id": env.EnvelopeID}); err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for range 6 {
		resp, err := http.Post(cmd.ResponseURL, "application/json", strings.NewReader(`{"text":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := []int{200, 200, 200, 200, 200, 404}
	if diff := cmp.Diff(statuses, want); diff != "" {
		t.Errorf("statuses of six posts to one response_url (-got +want):\n%s", diff)
	}
	resp, err := http.Post(cmd.ResponseURL[:strings.LastIndex(cmd.ResponseURL, "/")]+"/unknown", "application/json", strings.NewReader(`{"text":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("post to an unknown response_url: status %d, want 404", resp.StatusCode)
	}
}

// TestEachEnvelopeToOneConnection sends envelopes over two connections and
// checks each arrives exactly once, on one of them.
func TestEachEnvelopeToOneConnection(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	a, _ := dial(t, srv)
	b, _ := dial(t, srv)
	if got := srv.Connections(); got != 2 {
		t.Fatalf("Connections() = %d, want 2", got)
	}
	received := make(chan string, 100)
	readersDone := make(chan struct{}, 2)
	for _, ws := range []*websocket.Conn{a, b} {
		go func() {
			defer func() { readersDone <- struct{}{} }()
			for {
				var env socketmode.Request
				if ws.ReadJSON(&env) != nil {
					return
				}
				received <- env.EnvelopeID
				_ = ws.WriteJSON(map[string]string{"envelope_id": env.EnvelopeID})
			}
		}()
	}
	var sent []string
	for i := range 6 {
		id := "env-" + string(rune('a'+i))
		sent = append(sent, id)
		select {
		case <-srv.SendRaw([]byte(`{"envelope_id":"` + id + `","type":"events_api","payload":{}}`)):
		case <-t.Context().Done():
			t.Fatal("no ack")
		}
	}
	srv.Close()
	<-readersDone
	<-readersDone
	close(received)
	var got []string
	for id := range received {
		got = append(got, id)
	}
	slices.Sort(got)
	if diff := cmp.Diff(got, sent); diff != "" {
		t.Errorf("envelopes received (-got +want):\n%s", diff)
	}
}

func TestFaults(t *testing.T) {
	t.Run("drop", func(t *testing.T) {
		srv := slacktest.NewServer(slacktest.Options{})
		defer srv.Close()
		ws, _ := dial(t, srv)
		srv.DropConnections()
		if got := srv.Connections(); got != 0 {
			t.Errorf("Connections() after DropConnections = %d, want 0", got)
		}
		var v any
		if err := ws.ReadJSON(&v); err == nil {
			t.Errorf("read after DropConnections got %v, want an error", v)
		}
	})
	t.Run("disconnect", func(t *testing.T) {
		srv := slacktest.NewServer(slacktest.Options{})
		defer srv.Close()
		ws, _ := dial(t, srv)
		srv.SendDisconnect()
		var got socketmode.Request
		if err := ws.ReadJSON(&got); err != nil {
			t.Fatal(err)
		}
		if got.Type != "disconnect" || got.Reason != "refresh_requested" {
			t.Errorf("message after SendDisconnect = %+v", got)
		}
		// The draining connection gets nothing new: the next envelope
		// waits for a new connection.
		ack := srv.SendRaw([]byte(`{"envelope_id":"e1","type":"events_api","payload":{}}`))
		fresh, _ := dial(t, srv)
		var env socketmode.Request
		if err := fresh.ReadJSON(&env); err != nil {
			t.Fatal(err)
		}
		if env.EnvelopeID != "e1" {
			t.Errorf("new connection got %+v, want envelope e1", env)
		}
		if err := fresh.WriteJSON(map[string]string{"envelope_id": "e1"}); err != nil {
			t.Fatal(err)
		}
		if got := string(<-ack); got != `{"envelope_id":"e1"}`+"\n" {
			t.Errorf("ack = %q", got)
		}
	})
}
