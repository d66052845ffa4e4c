package slack

import (
	"context"
	"fmt"
	"sync"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/flowbot/flowbot/bot"
)

// HomeHandler builds a user's Home tab from the channels they are in. A
// Handler that also implements it gets a Home tab, published when the user
// opens it; bot.Home implements it. ok false means the user's tab is
// recent enough and is left as it is.
type HomeHandler interface {
	ForUser(ctx context.Context, user string, channels []string) (msgs []*bot.Message, ok bool, err error)
}

// maxViewBlocks is Slack's limit of blocks in a Home tab or modal.
const maxViewBlocks = 100

// maxChannelPages bounds users.conversations paging (200 a page).
const maxChannelPages = 25

// onEventsAPI acks an Events API envelope and publishes the Home tab of a
// user who opened it.
func (c *Client) onEventsAPI(ctx context.Context, sm *socketmode.Client, evt socketmode.Event, wg *sync.WaitGroup) {
	if evt.Request != nil {
		c.ack(ctx, sm, evt.Request.EnvelopeID)
	}
	ev, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok {
		return
	}
	opened, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || opened.Tab != "home" {
		return
	}
	h, ok := c.handler.(HomeHandler)
	if !ok {
		return
	}
	wg.Go(func() {
		if err := c.publishHome(ctx, h, opened.User); err != nil && ctx.Err() == nil {
			c.log.Error("publishing home tab", "user", opened.User, "err", err)
		}
	})
}

func (c *Client) publishHome(ctx context.Context, h HomeHandler, user string) error {
	channels, err := c.userChannels(ctx, user)
	if err != nil {
		return err
	}
	msgs, ok, err := h.ForUser(ctx, user, channels)
	if err != nil || !ok {
		return err
	}
	_, err = c.api.PublishViewContext(ctx, slackapi.PublishViewContextRequest{UserID: user, View: HomeView(msgs)})
	if err != nil {
		return fmt.Errorf("views.publish: %w", err)
	}
	c.log.Info("home tab published", "user", user, "teams", len(msgs))
	return nil
}

// userChannels lists the public and private channels user is a member of.
func (c *Client) userChannels(ctx context.Context, user string) ([]string, error) {
	var ids []string
	params := &slackapi.GetConversationsForUserParameters{UserID: user, Types: []string{"public_channel", "private_channel"}, Limit: 200, ExcludeArchived: true}
	for range maxChannelPages {
		chans, next, err := c.api.GetConversationsForUserContext(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("users.conversations for %s: %w", user, err)
		}
		for _, ch := range chans {
			ids = append(ids, ch.ID)
		}
		if next == "" {
			break
		}
		params.Cursor = next
	}
	return ids, nil
}

// HomeView lays out a Home tab: each team's message as an answer is laid
// out, divided, within Slack's 100 blocks; teams that do not fit are
// counted at the end.
func HomeView(msgs []*bot.Message) slackapi.HomeTabViewRequest {
	var blocks []slackapi.Block
	for i, m := range msgs {
		b := Blocks(m, "")
		if i > 0 {
			b = append([]slackapi.Block{slackapi.NewDividerBlock()}, b...)
		}
		if len(blocks)+len(b) > maxViewBlocks-1 {
			blocks = append(blocks, slackapi.NewContextBlock("", mrkdwn(fmt.Sprintf("and %d more teams: ask `/flow wip team:<id>`", len(msgs)-i))))
			break
		}
		blocks = append(blocks, b...)
	}
	return slackapi.HomeTabViewRequest{Type: slackapi.VTHomeTab, Blocks: slackapi.Blocks{BlockSet: blocks}}
}
