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

// NudgeHandler handles the buttons of flow-check posts; bot.Bot
// implements it. A Handler that also implements it gets those buttons
// answered.
type NudgeHandler interface {
	PressNudge(ctx context.Context, p bot.NudgePress) (bot.NudgeOutcome, error)
}

// isNudgeAction reports whether id is one of a nudge's buttons.
func isNudgeAction(id string) bool {
	switch id {
	case bot.ActionSnoozeDay, bot.ActionSnoozeWeek, bot.ActionOnIt, bot.ActionSplitIt:
		return true
	}
	return false
}

// pressNudge answers a nudge button: the presser is answered through the
// interaction's response_url (only they see it, the post stays), and when
// the press changed something the post's line shows who did what in
// place of its buttons (chat.update).
func (c *Client) pressNudge(ctx context.Context, h NudgeHandler, cb slackapi.InteractionCallback, a slackapi.BlockAction) {
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	attrs := []any{"channel", channel, "user", cb.User.ID, "action", a.ActionID}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deliveryTimeout)
	defer cancel()
	out, err := h.PressNudge(ctx, bot.NudgePress{ActionID: a.ActionID, Value: a.Value, User: cb.User.ID})
	if err != nil {
		c.log.Error("nudge button failed", append(attrs, "err", err)...)
		out.Reply = "Sorry, that button could not be handled; it has been logged. Please try again in a minute."
	}
	if out.Note != "" {
		ts := cb.Container.MessageTs
		if ts == "" {
			ts = cb.Message.Timestamp
		}
		if blocks, ok := noteLine(cb.Message.Blocks.BlockSet, a.BlockID, out.Note); ok && ts != "" {
			_, _, _, err := c.api.UpdateMessageContext(dctx, channel, ts,
				slackapi.MsgOptionText(cb.Message.Text, false), slackapi.MsgOptionBlocks(blocks...))
			if err != nil {
				c.log.Warn("updating the flow check after a button failed", append(attrs, "err", err)...)
			}
		}
	}
	if cb.ResponseURL == "" {
		_, err = c.api.PostEphemeralContext(dctx, channel, cb.User.ID, slackapi.MsgOptionText(clip(out.Reply, maxFallbackText), false))
	} else {
		err = c.postResponseURL(dctx, cb.ResponseURL, outgoing{text: clip(out.Reply, maxFallbackText), keepOriginal: true})
	}
	if err != nil {
		c.log.Warn("answering a nudge button failed", append(attrs, "err", err)...)
	}
}

// noteLine replaces the buttons block blockID of a flow check with note;
// false when the post has no such block (already handled, or not a flow
// check).
func noteLine(blocks []slackapi.Block, blockID, note string) ([]slackapi.Block, bool) {
	out := make([]slackapi.Block, 0, len(blocks))
	found := false
	for _, b := range blocks {
		if ab, ok := b.(*slackapi.ActionBlock); ok && blockID != "" && ab.BlockID == blockID {
			out = append(out, slackapi.NewContextBlock(blockID, mrkdwn(clip(note, maxSectionText))))
			found = true
			continue
		}
		out = append(out, b)
	}
	return out, found
}

// PostCoaching posts a standup prompt or a weekly digest in channel, laid
// out as any answer (Blocks), and returns its ts.
func (c *Client) PostCoaching(ctx context.Context, channel string, m *bot.Message) (string, error) {
	_, ts, err := c.api.PostMessageContext(ctx, channel,
		slackapi.MsgOptionText(clip(coachingText(m), 3000), false), slackapi.MsgOptionBlocks(Blocks(m, "")...))
	if err != nil {
		return "", fmt.Errorf("posting %q: %w", m.Title, err)
	}
	return ts, nil
}

// coachingText is the notification fallback of a coaching post: its
// title and reading.
func coachingText(m *bot.Message) string {
	if m.Reading == "" {
		return m.Title
	}
	return m.Title + "\n" + m.Reading
}
