package slack

import (
	"context"
	"fmt"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/flowbot/flowbot/bot"
)

// maxFlowCheckLines is how many nudges one flow-check post shows with
// their buttons: two blocks each, under Slack's 50 blocks per message
// with the header and the closing context. The rest are named in the
// closing context and detailed in the thread.
const maxFlowCheckLines = 23

// FlowCheckBlocks lays out a flow check: a header, then each nudge as a
// line with its buttons (its block_id is the nudge key), moved ones
// without buttons.
func FlowCheckBlocks(fc bot.FlowCheck) []slackapi.Block {
	blocks := []slackapi.Block{slackapi.NewHeaderBlock(plain(clip(fc.Title, maxHeaderText)))}
	shown := fc.Lines
	if len(shown) > maxFlowCheckLines {
		shown = shown[:maxFlowCheckLines]
	}
	for _, l := range shown {
		blocks = append(blocks, slackapi.NewSectionBlock(mrkdwn(clip(l.Text, maxSectionText)), nil, nil))
		if l.Moved || len(l.Actions) == 0 {
			continue
		}
		var els []slackapi.BlockElement
		for _, a := range l.Actions {
			els = append(els, slackapi.NewButtonBlockElement(a.ActionID, a.Value, plain(a.Text)))
		}
		blocks = append(blocks, slackapi.NewActionBlock(clip(l.Key, 255), els...))
	}
	note := "Details in the thread. Snooze, or say you are on it, with the buttons."
	if more := len(fc.Lines) - len(shown); more > 0 {
		note = fmt.Sprintf("%d more in the thread. ", more) + note
	}
	blocks = append(blocks, slackapi.NewContextBlock("", mrkdwn(note)))
	return blocks
}

// flowCheckText is the notification fallback of a flow check.
func flowCheckText(fc bot.FlowCheck) string {
	var b strings.Builder
	b.WriteString(fc.Title)
	for _, l := range fc.Lines {
		b.WriteString("\n" + l.Text)
	}
	return clip(b.String(), 3000)
}

// PostFlowCheck posts the day's flow check in channel and returns its ts.
func (c *Client) PostFlowCheck(ctx context.Context, channel string, fc bot.FlowCheck) (string, error) {
	_, ts, err := c.api.PostMessageContext(ctx, channel,
		slackapi.MsgOptionText(flowCheckText(fc), false), slackapi.MsgOptionBlocks(FlowCheckBlocks(fc)...))
	if err != nil {
		return "", fmt.Errorf("posting the flow check of %s: %w", fc.Team, err)
	}
	return ts, nil
}

// UpdateFlowCheck edits the day's flow check in place (chat.update).
func (c *Client) UpdateFlowCheck(ctx context.Context, channel, ts string, fc bot.FlowCheck) error {
	_, _, _, err := c.api.UpdateMessageContext(ctx, channel, ts,
		slackapi.MsgOptionText(flowCheckText(fc), false), slackapi.MsgOptionBlocks(FlowCheckBlocks(fc)...))
	if err != nil {
		return fmt.Errorf("updating the flow check of %s: %w", fc.Team, err)
	}
	return nil
}

// PostFlowCheckDetails replies in the flow check's thread with each
// nudge's why and advice.
func (c *Client) PostFlowCheckDetails(ctx context.Context, channel, threadTS string, lines []bot.NudgeLine) error {
	if len(lines) == 0 {
		return nil
	}
	parts := make([]string, 0, len(lines))
	for _, l := range lines {
		parts = append(parts, l.Detail)
	}
	_, _, err := c.api.PostMessageContext(ctx, channel,
		slackapi.MsgOptionText(clip(strings.Join(parts, "\n\n"), 3900), false), slackapi.MsgOptionTS(threadTS))
	if err != nil {
		return fmt.Errorf("posting flow-check details: %w", err)
	}
	return nil
}
