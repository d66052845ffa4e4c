package slack

import (
	"encoding/json"
	"fmt"
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
