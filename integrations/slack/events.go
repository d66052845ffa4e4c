package slack

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/flowbot/flowbot/bot"
)

// recentCommands is how many slash commands are remembered to drop
// redeliveries. Slack redelivers within seconds, so a few hundred cover
// any realistic burst.
const recentCommands = 512

// serve reads one connection's slack-go events until ctx ends. Answers run
// in goroutines added to wg, so Run can wait for them. Deliveries are
// remembered in c.seen, shared by every connection.
func (c *Client) serve(ctx context.Context, sm *socketmode.Client, wg *sync.WaitGroup) {
	seen := c.seen
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-sm.Events:
			c.handleEvent(ctx, sm, evt, seen, wg)
		}
	}
}

func (c *Client) handleEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event, seen *recent, wg *sync.WaitGroup) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		c.connected.Store(false)
		if e, ok := evt.Data.(*slackapi.ConnectingEvent); ok && e.ConnectionCount > 0 && e.Attempt == 1 {
			c.log.Info("socket mode connection closed, reconnecting", "connection", e.ConnectionCount)
		}
	case socketmode.EventTypeConnectionError:
		c.connected.Store(false)
		if e, ok := evt.Data.(*slackapi.ConnectionErrorEvent); ok {
			c.log.Warn("socket mode connection failed, retrying", "attempt", e.Attempt, "backoff", e.Backoff, "err", e.ErrorObj)
		}
	case socketmode.EventTypeInvalidAuth:
		c.connected.Store(false)
		c.log.Error("socket mode connection refused: invalid auth")
	case socketmode.EventTypeConnected:
		c.log.Info("socket mode connected")
	case socketmode.EventTypeHello:
		c.connected.Store(true)
		if evt.Request != nil {
			c.log.Debug("socket mode hello", "num_connections", evt.Request.NumConnections, "host", evt.Request.DebugInfo.Host)
		}
	case socketmode.EventTypeDisconnect:
		// v0.35.0 reconnects without surfacing this; kept for later versions.
		c.connected.Store(false)
	case socketmode.EventTypeSlashCommand:
		c.onSlashCommand(ctx, sm, evt, seen, wg)
	case socketmode.EventTypeInteractive:
		c.onInteractive(ctx, sm, evt, seen, wg)
	case socketmode.EventTypeEventsAPI:
		c.onEventsAPI(ctx, sm, evt, wg)
	case socketmode.EventTypeErrorBadMessage:
		c.onBadMessage(ctx, sm, evt)
	case socketmode.EventTypeIncomingError:
		if e, ok := evt.Data.(*slackapi.IncomingEventError); ok {
			c.log.Warn("reading from socket mode connection", "err", e.ErrorObj)
		}
	case socketmode.EventTypeErrorWriteFailed:
		if e, ok := evt.Data.(*socketmode.ErrorWriteFailed); ok {
			c.log.Warn("writing socket mode ack", "envelope_id", e.Response.EnvelopeID, "err", e.Cause)
		}
	default:
		// Events API callbacks and interactivity are not used yet, but
		// Slack redelivers what is not acked.
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			c.ack(ctx, sm, evt.Request.EnvelopeID)
			c.log.Debug("socket mode envelope ignored", "type", evt.Type, "envelope_id", evt.Request.EnvelopeID)
		}
	}
}

// onSlashCommand acks at once and answers in a goroutine: the answer may
// take longer than the 3 seconds Slack waits for the ack.
func (c *Client) onSlashCommand(ctx context.Context, sm *socketmode.Client, evt socketmode.Event, seen *recent, wg *sync.WaitGroup) {
	if evt.Request == nil {
		return // slack-go always sets it for slash commands
	}
	c.ack(ctx, sm, evt.Request.EnvelopeID)
	cmd, ok := evt.Data.(slackapi.SlashCommand)
	if !ok {
		c.log.Warn("slash command envelope without a command", "envelope_id", evt.Request.EnvelopeID)
		return
	}
	// trigger_id is unique per invocation, where a redelivery may carry a
	// new envelope_id.
	key := cmd.TriggerID
	if key == "" {
		key = evt.Request.EnvelopeID
	}
	if !c.firstDelivery(ctx, seen, key) {
		c.log.Info("slash command redelivered, not answered again", "channel", cmd.ChannelID, "user", cmd.UserID, "retry_attempt", evt.Request.RetryAttempt)
		return
	}
	if c.routeAdmin(ctx, cmd, wg) {
		return // setup and settings: see setup.go
	}
	wg.Go(func() { c.answer(ctx, cmd, false) })
}

// onInteractive acks an interactive envelope and answers the buttons it
// knows: "Show chart" answers its command again, with a chart, through
// the interaction's response_url.
func (c *Client) onInteractive(ctx context.Context, sm *socketmode.Client, evt socketmode.Event, seen *recent, wg *sync.WaitGroup) {
	if evt.Request == nil {
		return
	}
	// The setup modal's submission is answered in its ack (errors on the
	// form, or closing it), so it is acked there, not here.
	if c.onViewSubmission(ctx, sm, evt) {
		return
	}
	c.ack(ctx, sm, evt.Request.EnvelopeID)
	cb, ok := evt.Data.(slackapi.InteractionCallback)
	if !ok || cb.Type != slackapi.InteractionTypeBlockActions {
		c.log.Debug("interactive envelope ignored", "envelope_id", evt.Request.EnvelopeID)
		return
	}
	key := cb.TriggerID
	if key == "" {
		key = evt.Request.EnvelopeID
	}
	if !c.firstDelivery(ctx, seen, key) {
		c.log.Info("button press redelivered, not answered again", "channel", cb.Channel.ID, "user", cb.User.ID)
		return
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if h, ok := c.handler.(NudgeHandler); ok && a != nil && isNudgeAction(a.ActionID) {
			wg.Go(func() { c.pressNudge(ctx, h, cb, *a) })
			continue
		}
		if a == nil || a.ActionID != bot.ActionShowChart {
			continue
		}
		channel := cb.Channel.ID
		if channel == "" {
			channel = cb.Container.ChannelID
		}
		cmd := slackapi.SlashCommand{
			Command:     c.command,
			Text:        strings.TrimSpace(a.Value + " chart"),
			ChannelID:   channel,
			UserID:      cb.User.ID,
			UserName:    cb.User.Name,
			ResponseURL: cb.ResponseURL,
		}
		wg.Go(func() { c.answer(ctx, cmd, true) })
	}
}

// onBadMessage acks an envelope slack-go could not parse (an unknown type,
// or a payload of an unexpected shape). slack-go delivers it as
// ErrorBadMessage with the raw message and no Request, so the envelope_id
// has to be read from the raw JSON.
func (c *Client) onBadMessage(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
	if !ok {
		return
	}
	id := envelopeID(bad.Message)
	if id == "" {
		c.log.Warn("unparsable socket mode message without an envelope_id", "err", bad.Cause)
		return
	}
	c.ack(ctx, sm, id)
	c.log.Warn("acked a socket mode envelope that could not be parsed", "envelope_id", id, "err", bad.Cause)
}

func (c *Client) ack(ctx context.Context, sm *socketmode.Client, envelopeID string) {
	if err := sm.AckCtx(ctx, envelopeID, nil); err != nil && ctx.Err() == nil {
		c.log.Warn("acking socket mode envelope", "envelope_id", envelopeID, "err", err)
	}
}

// envelopeID reads envelope_id from a raw socket-mode message, tolerating
// every other field being malformed.
func envelopeID(raw json.RawMessage) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return ""
	}
	var id string
	if json.Unmarshal(fields["envelope_id"], &id) != nil {
		return ""
	}
	return id
}

// recent remembers the last n keys added. It is safe for concurrent use:
// every connection's serve loop shares one.
type recent struct {
	mu   sync.Mutex
	keys []string
	set  map[string]bool
	next int
}

func newRecent(n int) *recent {
	return &recent{keys: make([]string, n), set: make(map[string]bool, n)}
}

// add reports whether key is new, and remembers it.
func (r *recent) add(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.set[key] {
		return false
	}
	delete(r.set, r.keys[r.next])
	r.keys[r.next] = key
	r.set[key] = true
	r.next = (r.next + 1) % len(r.keys)
	return true
}
