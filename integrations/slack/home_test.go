package slack

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/integrations/slack/slacktest"
)

func TestHomeViewGolden(t *testing.T) {
	tests := []struct {
		name string
		msgs []*bot.Message
	}{
		{"two-teams", []*bot.Message{cycleTimeMessage(), agingMessage(3)}},
		{"too-many-teams", []*bot.Message{agingMessage(40), agingMessage(40), agingMessage(40), cycleTimeMessage()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := HomeView(tt.msgs)
			if n := len(v.Blocks.BlockSet); n > maxViewBlocks {
				t.Errorf("%d blocks, over Slack's %d", n, maxViewBlocks)
			}
			got, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "home/"+tt.name+".json", append(got, '\n'))
		})
	}
}

// homeEcho answers the Home tab with the channels it was given.
type homeEcho struct {
	echo
	mu    sync.Mutex
	users []string
}

func (h *homeEcho) ForUser(_ context.Context, user string, channels []string) ([]*bot.Message, bool, error) {
	h.mu.Lock()
	h.users = append(h.users, user)
	h.mu.Unlock()
	return []*bot.Message{{Title: "Home of " + user, Reading: "channels " + strings.Join(channels, " ")}}, true, nil
}

func TestHomeRoundTrip(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	srv.AddUser(slacktest.User{ID: "U0ANA", Name: "ana"}, "C0PAYMENTS", "C0RANDOM")
	handler := &homeEcho{}
	h := startWith(t, srv, Config{}, handler)
	view, err := srv.OpenHome(h.ctx, "U0ANA")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Type   string `json:"type"`
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(view, &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "home" {
		t.Errorf("view type %q, want home", got.Type)
	}
	var texts []string
	for _, b := range got.Blocks {
		if b.Text != nil {
			texts = append(texts, b.Text.Text)
		}
	}
	want := []string{"Home of U0ANA", "channels C0PAYMENTS C0RANDOM"}
	if strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Errorf("home blocks' texts = %q, want %q", texts, want)
	}
	if n := srv.Calls("users.conversations"); n != 1 {
		t.Errorf("users.conversations called %d times, want 1", n)
	}
}
