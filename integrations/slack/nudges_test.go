package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/slack/slacktest"
)

func flowCheck(n int) bot.FlowCheck {
	fc := bot.FlowCheck{Team: "payments", Day: "2026-11-20", Title: "Flow check · Payments · Fri 20 Nov"}
	for i := range n {
		key := fmt.Sprintf("stalled:PAY-%d", i+1)
		value := "payments|" + key
		fc.Lines = append(fc.Lines, bot.NudgeLine{Rule: coach.RuleStalled, Key: key, Subject: fmt.Sprintf("PAY-%d", i+1),
			Text:   fmt.Sprintf(":zzz: *stalled* Nothing has happened on PAY-%d for 9.0 working days (in In Progress). <@U0ANA>", i+1),
			Detail: "why and advice", Mentions: []string{"U0ANA"},
			Actions: []bot.Action{
				{ActionID: bot.ActionSnoozeDay, Text: "Snooze 1 day", Value: value},
				{ActionID: bot.ActionSnoozeWeek, Text: "Snooze 1 week", Value: value},
				{ActionID: bot.ActionOnIt, Text: "On it", Value: value},
			}})
	}
	return fc
}

func TestFlowCheckBlocksGolden(t *testing.T) {
	moved := flowCheck(2)
	moved.Lines = append(moved.Lines, bot.NudgeLine{Rule: coach.RuleBlocked, Key: "blocked:PAY-3", Subject: "PAY-3", Moved: true,
		Text: ":white_check_mark: ~blocked PAY-3~ moved"})
	tests := []struct {
		name string
		fc   bot.FlowCheck
	}{
		{"two-and-moved", moved},
		{"too-many", flowCheck(30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks := FlowCheckBlocks(tt.fc)
			if len(blocks) > 50 {
				t.Errorf("%d blocks, over Slack's 50", len(blocks))
			}
			got, err := json.MarshalIndent(blocks, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "flowcheck/"+tt.name+".json", append(got, '\n'))
		})
	}
}

func TestFlowCheckPostUpdateThread(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	t.Cleanup(srv.Close)
	c, err := New(Config{AppToken: slacktest.DefaultAppToken, BotToken: slacktest.DefaultBotToken, APIURL: srv.APIURL()}, &echo{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	fc := flowCheck(1)
	ts, err := c.PostFlowCheck(ctx, "C0PAYMENTS", fc)
	if err != nil || ts == "" {
		t.Fatalf("PostFlowCheck = %q, %v", ts, err)
	}
	if err := c.PostFlowCheckDetails(ctx, "C0PAYMENTS", ts, fc.Lines); err != nil {
		t.Fatal(err)
	}
	fc.Lines[0].Moved = true
	fc.Lines[0].Text = ":white_check_mark: ~stalled PAY-1~ moved"
	if err := c.UpdateFlowCheck(ctx, "C0PAYMENTS", ts, fc); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateFlowCheck(ctx, "C0PAYMENTS", "1.000", fc); err == nil {
		t.Error("UpdateFlowCheck of an unknown message: want an error")
	}
	var got []string
	for _, m := range srv.Messages() {
		got = append(got, m.Via+" "+m.Channel)
	}
	want := []string{"chat.postMessage C0PAYMENTS", "chat.postMessage C0PAYMENTS", "chat.update C0PAYMENTS"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("messages (-got +want):\n%s", diff)
	}
}

// nudgeEcho answers commands as echo does and nudge buttons with what it
// was asked, so the adapter's path is what is tested.
type nudgeEcho struct {
	echo
	mu     sync.Mutex
	pushed []bot.NudgePress
	fail   bool
}

func (n *nudgeEcho) PressNudge(_ context.Context, p bot.NudgePress) (bot.NudgeOutcome, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pushed = append(n.pushed, p)
	if n.fail {
		return bot.NudgeOutcome{}, errors.New("redis is down")
	}
	if p.ActionID == bot.ActionSplitIt {
		return bot.NudgeOutcome{Reply: "how to split"}, nil
	}
	return bot.NudgeOutcome{Reply: "done: " + p.ActionID, Note: "noted by <@" + p.User + ">"}, nil
}

func TestNudgeButtons(t *testing.T) {
	tests := []struct {
		name     string
		action   string
		fail     bool
		reply    string
		types    []string // the post's block types afterwards; nil: not edited
		noteLine int      // the index of the note, when edited
	}{
		{name: "snooze answers the presser and notes it on the line", action: bot.ActionSnoozeDay, reply: "done: nudge_snooze_1d",
			types: []string{"header", "section", "context", "section", "actions", "context"}, noteLine: 2},
		{name: "on it", action: bot.ActionOnIt, reply: "done: nudge_on_it",
			types: []string{"header", "section", "context", "section", "actions", "context"}, noteLine: 2},
		{name: "split it only answers the presser", action: bot.ActionSplitIt, reply: "how to split"},
		{name: "a failure is said to the presser and the post stays", action: bot.ActionOnIt, fail: true, reply: "could not be handled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := slacktest.NewServer(slacktest.Options{})
			handler := &nudgeEcho{fail: tt.fail}
			h := startWith(t, srv, Config{}, handler)
			ts, err := h.client.PostFlowCheck(h.ctx, "C0PAYMENTS", flowCheck(2))
			if err != nil {
				t.Fatal(err)
			}
			var posted slacktest.Message
			for _, m := range srv.Messages() {
				if m.Via == "chat.postMessage" {
					posted = m
				}
			}
			got, err := srv.PressMessageButton(h.ctx, slacktest.MessageButton{ActionID: tt.action, Value: "payments|stalled:PAY-1",
				BlockID: "stalled:PAY-1", Channel: "C0PAYMENTS", User: "U0BO", MessageTS: ts, Text: posted.Text, Blocks: posted.Blocks})
			if err != nil {
				t.Fatal(err)
			}
			if !got.Ephemeral || got.Via != "response_url" || !strings.Contains(got.Text, tt.reply) {
				t.Errorf("answer = %+v, want an ephemeral reply with %q", got, tt.reply)
			}
			if diff := cmp.Diff(handler.pushed, []bot.NudgePress{{ActionID: tt.action, Value: "payments|stalled:PAY-1", User: "U0BO"}}); diff != "" {
				t.Errorf("presses (-got +want):\n%s", diff)
			}
			h.stop() // the edit, if any, is done when Run returns
			var updates []slacktest.Message
			for _, m := range srv.Messages() {
				if m.Via == "chat.update" {
					updates = append(updates, m)
				}
			}
			if tt.types == nil {
				if len(updates) != 0 {
					t.Errorf("the post was edited: %+v", updates)
				}
				return
			}
			if len(updates) != 1 {
				t.Fatalf("%d edits, want 1", len(updates))
			}
			if diff := cmp.Diff(blockTypes(t, updates[0].Blocks), tt.types); diff != "" {
				t.Errorf("edited post's blocks (-got +want):\n%s", diff)
			}
			var blocks []map[string]any
			if err := json.Unmarshal(updates[0].Blocks, &blocks); err != nil {
				t.Fatal(err)
			}
			if note, _ := json.Marshal(blocks[tt.noteLine]); !strings.Contains(string(note), "noted by \\u003c@U0BO\\u003e") && !strings.Contains(string(note), "noted by <@U0BO>") {
				t.Errorf("note block = %s", note)
			}
			if updates[0].Text != posted.Text {
				t.Errorf("edited text = %q, want the post's %q", updates[0].Text, posted.Text)
			}
		})
	}
}

func TestPostCoaching(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	t.Cleanup(srv.Close)
	c, err := New(Config{AppToken: slacktest.DefaultAppToken, BotToken: slacktest.DefaultBotToken, APIURL: srv.APIURL()}, &echo{})
	if err != nil {
		t.Fatal(err)
	}
	m := &bot.Message{Title: "Standup · Payments · Mon 16 Nov", Reading: "Walking the board right to left: 1 item to talk about, 2 moving fine.",
		Body: []string{"*Review*\n• *PAY-412* (Ana) · In Review for 2.0 working days\n_and 2 more moving fine_", ":speech_balloon: *What would it take to finish PAY-412 today?*"}}
	ts, err := c.PostCoaching(t.Context(), "C0PAYMENTS", m)
	if err != nil || ts == "" {
		t.Fatalf("PostCoaching = %q, %v", ts, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.Via != "chat.postMessage" || got.Channel != "C0PAYMENTS" || got.Ephemeral {
		t.Errorf("posted via %s in %s (ephemeral %v), want chat.postMessage in C0PAYMENTS", got.Via, got.Channel, got.Ephemeral)
	}
	if want := m.Title + "\n" + m.Reading; got.Text != want {
		t.Errorf("text = %q, want %q", got.Text, want)
	}
	for _, s := range []string{"PAY-412", "What would it take to finish PAY-412 today?", `"type":"header"`} {
		if !strings.Contains(string(got.Blocks), s) {
			t.Errorf("blocks lack %q:\n%s", s, got.Blocks)
		}
	}
	if _, err := c.PostCoaching(t.Context(), "", m); err == nil {
		t.Error("PostCoaching without a channel: want an error")
	}
}
