package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/flowbot/flowbot/bot"
)

// Delivery retries: a few, doubling from retryBase, or longer when Slack
// sends Retry-After.
const (
	deliveryAttempts = 4
	retryBase        = 500 * time.Millisecond
	// deliveryTimeout bounds one answer's delivery, retries included. It
	// outlives Run's context so that an answer computed before shutdown is
	// still posted (and not cut off after Slack took it, unseen).
	deliveryTimeout = 20 * time.Second
)

// answer computes the reply to cmd and delivers it, then writes the
// command's one log line.
func (c *Client) answer(ctx context.Context, cmd slackapi.SlashCommand) {
	start := time.Now()
	var reply bot.Reply
	if cmd.Command == c.command {
		reply = c.handler.HandleCommand(ctx, bot.Request{
			ChannelID: cmd.ChannelID,
			UserID:    cmd.UserID,
			UserName:  cmd.UserName,
			Text:      strings.TrimSpace(cmd.Text),
		})
	} else {
		// The app manifest may list more commands than this bot answers.
		reply = bot.Reply{Text: fmt.Sprintf("Sorry, I don't answer %s. Try %s.", cmd.Command, c.command)}
	}
	attrs := []any{
		"channel", cmd.ChannelID,
		"user", cmd.UserID,
		"slash", cmd.Command,
		"command", firstWord(cmd.Text),
	}
	if reply.Text == "" {
		c.log.Warn("slash command has an empty answer, nothing posted", append(attrs, "duration", time.Since(start))...)
		return
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deliveryTimeout)
	defer cancel()
	via, err := c.deliver(dctx, cmd, reply)
	attrs = append(attrs, "duration", time.Since(start), "via", via)
	if err != nil {
		c.log.Error("slash command answer not delivered", append(attrs, "err", err)...)
		return
	}
	c.log.Info("slash command answered", attrs...)
}

// deliver posts reply by the first route available: the command's
// response_url, else chat.postMessage (public) or chat.postEphemeral.
// It retries only failures that mean nothing was posted.
func (c *Client) deliver(ctx context.Context, cmd slackapi.SlashCommand, reply bot.Reply) (via string, err error) {
	var post func(context.Context) error
	switch {
	case cmd.ResponseURL != "":
		via = "response_url"
		post = func(ctx context.Context) error { return c.postResponseURL(ctx, cmd.ResponseURL, reply) }
	case reply.Public:
		via = "chat.postMessage"
		post = func(ctx context.Context) error {
			_, _, err := c.api.PostMessageContext(ctx, cmd.ChannelID, slackapi.MsgOptionText(reply.Text, false))
			return err
		}
	default:
		via = "chat.postEphemeral"
		post = func(ctx context.Context) error {
			_, err := c.api.PostEphemeralContext(ctx, cmd.ChannelID, cmd.UserID, slackapi.MsgOptionText(reply.Text, false))
			return err
		}
	}
	for attempt := 1; ; attempt++ {
		err := post(ctx)
		if err == nil {
			return via, nil
		}
		wait, ok := retryable(err)
		if !ok || attempt == deliveryAttempts {
			return via, fmt.Errorf("posting via %s, attempt %d: %w", via, attempt, err)
		}
		wait = max(wait, retryBase<<(attempt-1))
		c.log.Warn("posting answer failed, retrying", "via", via, "channel", cmd.ChannelID, "attempt", attempt, "backoff", wait, "err", err)
		if err := c.sleep(ctx, wait); err != nil {
			return via, fmt.Errorf("posting via %s, waiting to retry: %w", via, err)
		}
	}
}

// retryable reports whether a failed post certainly posted nothing, and how
// long Slack asked to wait. Timeouts and most 5xx are ambiguous (the
// message may be in the channel already), so they are not retried.
func retryable(err error) (time.Duration, bool) {
	if rl, ok := errors.AsType[*slackapi.RateLimitedError](err); ok {
		return rl.RetryAfter, true
	}
	if sc, ok := errors.AsType[slackapi.StatusCodeError](err); ok {
		return 0, sc.Code == http.StatusTooManyRequests || sc.Code == http.StatusServiceUnavailable
	}
	if se, ok := errors.AsType[*statusError](err); ok {
		return se.retryAfter, se.code == http.StatusTooManyRequests || se.code == http.StatusServiceUnavailable
	}
	if se, ok := errors.AsType[slackapi.SlackErrorResponse](err); ok {
		switch se.Err {
		case "ratelimited", "service_unavailable", "request_timeout": // request_timeout: the body arrived truncated
			return 0, true
		}
		return 0, false
	}
	if op, ok := errors.AsType[*net.OpError](err); ok && op.Op == "dial" {
		return 0, true
	}
	return 0, false
}

// statusError is a response_url post Slack refused.
type statusError struct {
	code       int
	retryAfter time.Duration
	body       string
}

func (e *statusError) Error() string {
	if e.body == "" {
		return fmt.Sprintf("status %d", e.code)
	}
	return fmt.Sprintf("status %d: %s", e.code, e.body)
}

// postResponseURL posts reply to a slash command's response_url. The URL
// lets anyone post into the channel, so it is kept out of errors and logs.
func (c *Client) postResponseURL(ctx context.Context, responseURL string, reply bot.Reply) error {
	msg := struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}{ResponseType: slackapi.ResponseTypeEphemeral, Text: reply.Text}
	if reply.Public {
		msg.ResponseType = slackapi.ResponseTypeInChannel
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("encoding answer: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
	if err != nil {
		return errors.New("building response_url request: malformed response_url")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = &url.Error{Op: ue.Op, URL: "(response_url)", Err: ue.Err}
		}
		return err
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	se := &statusError{code: resp.StatusCode, body: strings.TrimSpace(string(text))}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		se.retryAfter = time.Duration(s) * time.Second
	}
	return se
}

func firstWord(text string) string {
	if f := strings.Fields(text); len(f) > 0 {
		return f[0]
	}
	return ""
}
