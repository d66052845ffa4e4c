package slack

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/integrations/slack/slacktest"
	"github.com/flowbot/flowbot/store/storetest"
)

// waitN waits until n records with message msg were logged.
func (l *logs) waitN(ctx context.Context, msg string, n int) error {
	for {
		l.mu.Lock()
		got := 0
		for _, r := range l.records {
			if r.Message == msg {
				got++
			}
		}
		changed := l.changed
		l.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return errors.New("logged " + msg + " fewer times than waited for")
		}
	}
}

// redelivered is a slash command envelope: a redelivery keeps trigger_id.
func redelivered(envelopeID, triggerID string) []byte {
	return []byte(`{"envelope_id":"` + envelopeID + `","type":"slash_commands","accepts_response_payload":true,` +
		`"payload":{"command":"/flow","text":"wip","channel_id":"C1","user_id":"U1","trigger_id":"` + triggerID + `"}}`)
}

func sendAll(t *testing.T, ctx context.Context, srv *slacktest.Server, envelopes ...[]byte) {
	t.Helper()
	for _, env := range envelopes {
		select {
		case <-srv.SendRaw(env):
		case <-ctx.Done():
			t.Fatalf("envelope %s never acked", env)
		}
	}
}

func TestConnectionsConfig(t *testing.T) {
	tests := []struct {
		name        string
		connections int
		want        int
		wantErr     string
	}{
		{"default", 0, DefaultConnections, ""},
		{"one", 1, 1, ""},
		{"Slack's maximum", 10, 10, ""},
		{"over Slack's maximum", 11, 0, "Slack allows 1 to 10 socket-mode connections per app"},
		{"negative", -1, 0, "Slack allows 1 to 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Config{AppToken: slacktest.DefaultAppToken, BotToken: slacktest.DefaultBotToken, Connections: tt.connections}, &echo{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New = %v, want an error saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(c.conns); got != tt.want {
				t.Errorf("connections = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestKeepsSeveralConnections(t *testing.T) {
	h := start(t, slacktest.NewServer(slacktest.Options{}), Config{Connections: 3})
	if err := h.logs.waitN(h.ctx, "socket mode connected", 3); err != nil {
		t.Fatal(err)
	}
	if got := h.srv.Calls("apps.connections.open"); got != 3 {
		t.Errorf("apps.connections.open called %d times, want 3", got)
	}
	// The stand-in hands envelopes out round-robin: all three connections
	// answer, each command once.
	for _, text := range []string{"a", "b", "c", "d", "e", "f"} {
		if _, err := h.srv.SlashCommand(h.ctx, slacktest.SlashCommand{Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	if !h.client.Connected() {
		t.Error("Connected() = false with three connections open")
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if got := len(h.srv.Messages()); got != 6 {
		t.Errorf("%d answers to 6 commands", got)
	}
	if h.client.Connected() {
		t.Error("Connected() = true after Run returned")
	}
}

// A redelivery lands on another connection (the stand-in goes round-robin):
// the memory shared by the connections drops it.
func TestRedeliveryToAnotherConnectionAnsweredOnce(t *testing.T) {
	h := start(t, slacktest.NewServer(slacktest.Options{}), Config{Connections: 2})
	if err := h.logs.waitN(h.ctx, "socket mode connected", 2); err != nil {
		t.Fatal(err)
	}
	sendAll(t, h.ctx, h.srv, redelivered("first", "1.2.3"), redelivered("retry", "1.2.3"))
	if _, err := h.logs.wait(h.ctx, "slash command redelivered, not answered again"); err != nil {
		t.Fatal(err)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if got := len(h.srv.Messages()); got != 1 {
		t.Errorf("%d answers to one command delivered twice, want 1", got)
	}
}

// Two replicas (two Clients on one app) share a Deduper in Redis: a
// command redelivered to the other replica is not answered there.
func TestRedeliveryToAnotherReplicaAnsweredOnce(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	dedup := storetest.New(t).Dedup(0)
	a := startWith(t, srv, Config{Connections: 1, Deduper: dedup}, &echo{})
	if err := a.logs.waitN(a.ctx, "socket mode connected", 1); err != nil {
		t.Fatal(err)
	}
	b := startWith(t, srv, Config{Connections: 1, Deduper: dedup}, &echo{})
	if err := b.logs.waitN(b.ctx, "socket mode connected", 1); err != nil {
		t.Fatal(err)
	}
	envs := [][]byte{redelivered("e1", "t1"), redelivered("e1-retry", "t1"), redelivered("e2", "t2"), redelivered("e2-retry", "t2")}
	sendAll(t, a.ctx, srv, envs...)
	dropped := func() int {
		return len(a.logs.all("slash command redelivered, not answered again")) + len(b.logs.all("slash command redelivered, not answered again"))
	}
	// Each replica logs every command it answered or dropped.
	for _, h := range []*harness{a, b} {
		if err := h.stop(); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(srv.Messages()); got != 2 {
		t.Errorf("%d answers to 2 commands delivered twice each, want 2", got)
	}
	if got := dropped(); got != 2 {
		t.Errorf("%d redeliveries dropped, want 2", got)
	}
}

// failingDeduper is a Deduper whose storage is down.
type failingDeduper struct {
	mu    sync.Mutex
	calls int
}

func (f *failingDeduper) First(context.Context, string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return false, errors.New("redis is unreachable")
}

func TestDeduperDownFallsBackToMemory(t *testing.T) {
	d := &failingDeduper{}
	h := start(t, slacktest.NewServer(slacktest.Options{}), Config{Deduper: d})
	sendAll(t, h.ctx, h.srv, redelivered("first", "9.9.9"), redelivered("retry", "9.9.9"))
	if _, err := h.logs.wait(h.ctx, "slash command redelivered, not answered again"); err != nil {
		t.Fatal(err)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if got := len(h.srv.Messages()); got != 1 {
		t.Errorf("%d answers with the deduper down, want 1", got)
	}
	if got := len(h.logs.all("checking for a redelivered envelope in shared storage; this process's memory decides")); got != 2 {
		t.Errorf("%d warnings about the deduper, want 2", got)
	}
	if diff := cmp.Diff(d.calls, 2); diff != "" {
		t.Errorf("deduper calls (-got +want):\n%s", diff)
	}
}
