package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/flowbot/flowbot/bot"
)

// LookupByEmail is the Slack user with the e-mail address
// (users.lookupByEmail, scope users:read.email); ok is false when there
// is none.
func (c *Client) LookupByEmail(ctx context.Context, email string) (string, bool, error) {
	u, err := c.api.GetUserByEmailContext(ctx, email)
	if err != nil {
		var se slackapi.SlackErrorResponse
		if errors.As(err, &se) && se.Err == "users_not_found" {
			return "", false, nil
		}
		return "", false, fmt.Errorf("looking up a Slack user by e-mail: %w", err)
	}
	if u.Deleted || u.IsBot {
		return "", false, nil
	}
	return u.ID, true, nil
}

// DoNotDisturb reports whether user's do-not-disturb is on at now
// (dnd.info, scope dnd:read): snoozed, or inside their scheduled
// do-not-disturb hours.
func (c *Client) DoNotDisturb(ctx context.Context, user string, now time.Time) (bool, error) {
	st, err := c.api.GetDNDInfoContext(ctx, &user)
	if err != nil {
		return false, fmt.Errorf("reading do-not-disturb of %s: %w", user, err)
	}
	if st.SnoozeEnabled && (st.SnoozeEndTime == 0 || now.Before(time.Unix(int64(st.SnoozeEndTime), 0))) {
		return true, nil
	}
	if st.Enabled && st.NextStartTimestamp > 0 && st.NextEndTimestamp > st.NextStartTimestamp {
		start, end := time.Unix(int64(st.NextStartTimestamp), 0), time.Unix(int64(st.NextEndTimestamp), 0)
		return !now.Before(start) && now.Before(end), nil
	}
	return false, nil
}

// SendDM opens the direct-message conversation with user
// (conversations.open, scope im:write) and posts dm in it.
func (c *Client) SendDM(ctx context.Context, user string, dm bot.DM) error {
	ch, _, _, err := c.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		return fmt.Errorf("opening the direct message with %s: %w", user, err)
	}
	if _, _, err := c.api.PostMessageContext(ctx, ch.ID,
		slackapi.MsgOptionText(dmText(dm), false), slackapi.MsgOptionBlocks(DMBlocks(dm)...)); err != nil {
		return fmt.Errorf("posting the direct message to %s: %w", user, err)
	}
	return nil
}

// maxDMLines keeps a DM under Slack's 50 blocks with its header and
// closing context.
const maxDMLines = 45

// DMBlocks lays out a person's DM: a header, one section per nudge (the
// line, then its why and advice), and a closing context.
func DMBlocks(dm bot.DM) []slackapi.Block {
	blocks := []slackapi.Block{slackapi.NewHeaderBlock(plain(clip(dm.Title, maxHeaderText)))}
	shown := dm.Lines
	if len(shown) > maxDMLines {
		shown = shown[:maxDMLines]
	}
	for _, l := range shown {
		blocks = append(blocks, slackapi.NewSectionBlock(mrkdwn(clip(l.Text, maxSectionText)), nil, nil))
	}
	note := "Only you see this. `/flow dm off` stops these messages."
	if more := len(dm.Lines) - len(shown); more > 0 {
		note = fmt.Sprintf("%d more: `/flow mine` lists them all. ", more) + note
	}
	return append(blocks, slackapi.NewContextBlock("", mrkdwn(note)))
}

// dmText is the notification fallback of a DM.
func dmText(dm bot.DM) string {
	var b strings.Builder
	b.WriteString(dm.Title)
	for _, l := range dm.Lines {
		b.WriteString("\n" + l.Text)
	}
	return clip(b.String(), 3000)
}
