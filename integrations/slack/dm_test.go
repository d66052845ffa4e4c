package slack

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/slack/slacktest"
)

func dmClient(t *testing.T) (*Client, *slacktest.Server) {
	t.Helper()
	srv := slacktest.NewServer(slacktest.Options{})
	t.Cleanup(srv.Close)
	c, err := New(Config{AppToken: slacktest.DefaultAppToken, BotToken: slacktest.DefaultBotToken, APIURL: srv.APIURL()}, &echo{})
	if err != nil {
		t.Fatal(err)
	}
	srv.AddUser(slacktest.User{ID: "U0ANA", Name: "ana", Email: "Ana@Example.com"})
	srv.AddUser(slacktest.User{ID: "U0BO", Name: "bo", Email: "bo@example.com", DND: true})
	return c, srv
}

func TestLookupByEmail(t *testing.T) {
	c, _ := dmClient(t)
	tests := []struct {
		email  string
		want   string
		wantOK bool
	}{
		{"ana@example.com", "U0ANA", true},
		{"bo@example.com", "U0BO", true},
		{"nobody@example.com", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			got, ok, err := c.LookupByEmail(t.Context(), tt.email)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("LookupByEmail(%q) = %q, %v; want %q, %v", tt.email, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestDoNotDisturb(t *testing.T) {
	c, _ := dmClient(t)
	now := time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC)
	tests := []struct {
		user    string
		want    bool
		wantErr bool
	}{
		{user: "U0ANA", want: false},
		{user: "U0BO", want: true},
		{user: "U0NOBODY", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			got, err := c.DoNotDisturb(t.Context(), tt.user, now)
			if (err != nil) != tt.wantErr {
				t.Fatalf("DoNotDisturb error = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("DoNotDisturb(%s) = %v, want %v", tt.user, got, tt.want)
			}
		})
	}
}

func TestSendDM(t *testing.T) {
	c, srv := dmClient(t)
	dm := bot.DM{Team: "payments", User: "U0ANA", Day: "2026-11-20", Title: "Your flow check · Payments · 2026-11-20",
		Lines: []bot.NudgeLine{{Rule: coach.RuleStalled, Key: "stalled:PAY-1", Subject: "PAY-1",
			Text: ":zzz: *stalled* Nothing has happened on PAY-1 for 8.9 working days (in In Progress)."}}}
	if err := c.SendDM(t.Context(), "U0ANA", dm); err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls("conversations.open"); n != 1 {
		t.Errorf("conversations.open called %d times, want 1", n)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Channel != slacktest.DMChannel("U0ANA") || m.Via != "chat.postMessage" || !strings.Contains(m.Text, "PAY-1") {
		t.Errorf("message %+v, want the DM posted in %s", m, slacktest.DMChannel("U0ANA"))
	}
	var blocks []map[string]any
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 3 {
		t.Errorf("%d blocks, want header, one line, context", len(blocks))
	}
	t.Run("an unknown user is an error", func(t *testing.T) {
		if err := c.SendDM(t.Context(), "U0NOBODY", dm); err == nil {
			t.Error("no error")
		}
	})
}

func TestDMBlocksBounded(t *testing.T) {
	dm := bot.DM{Title: "t"}
	for range 80 {
		dm.Lines = append(dm.Lines, bot.NudgeLine{Text: "x"})
	}
	blocks := DMBlocks(dm)
	if len(blocks) > 50 {
		t.Errorf("%d blocks, over Slack's 50", len(blocks))
	}
}

// The adapter satisfies what the bot needs.
var (
	_ bot.DMSender       = (*Client)(nil)
	_ bot.EmailDirectory = (*Client)(nil)
)
