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
// command's one log line. A command from a button (fromButton) answers
// with a new message, keeping the one the button is on.
func (c *Client) answer(ctx context.Context, cmd slackapi.SlashCommand, fromButton bool) {
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
	out := outgoing{text: clip(reply.Text, maxFallbackText), public: reply.Public, keepOriginal: fromButton}
	if m := reply.Message; m != nil {
		ref := chartRef{}
		if m.Chart != nil {
			var err error
			if ref, err = c.uploadChart(dctx, cmd, reply); err != nil {
				// The answer still stands without its picture.
				c.log.Error("uploading chart failed", append(attrs, "file", m.Chart.Filename, "err", err)...)
				mm := *m
				mm.Context += " · the chart could not be uploaded"
				m = &mm
			} else {
				attrs = append(attrs, "chart", m.Chart.Filename)
			}
		}
		out.blocks = layout(m, ref)
	}
	via, err := c.deliver(dctx, cmd, out)
	attrs = append(attrs, "duration", time.Since(start), "via", via)
	if err != nil {
		c.log.Error("slash command answer not delivered", append(attrs, "err", err)...)
		return
	}
	c.log.Info("slash command answered", attrs...)
}

// outgoing is an answer ready to post: the mrkdwn text (the fallback
// where blocks cannot be shown) and its blocks.
type outgoing struct {
	text         string
	blocks       []slackapi.Block
	public       bool
	keepOriginal bool // a button's answer: a new message, not a replacement
}

func (o outgoing) options() []slackapi.MsgOption {
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(o.text, false)}
	if len(o.blocks) > 0 {
		opts = append(opts, slackapi.MsgOptionBlocks(o.blocks...))
	}
	return opts
}

// deliver posts an answer by the first route available: the command's
// response_url, else chat.postMessage (public) or chat.postEphemeral.
// It retries only failures that mean nothing was posted.
func (c *Client) deliver(ctx context.Context, cmd slackapi.SlashCommand, out outgoing) (via string, err error) {
	var post func(context.Context) error
	switch {
	case cmd.ResponseURL != "":
		via = "response_url"
		post = func(ctx context.Context) error { return c.postResponseURL(ctx, cmd.ResponseURL, out) }
	case out.public:
		via = "chat.postMessage"
		post = func(ctx context.Context) error {
			_, _, err := c.api.PostMessageContext(ctx, cmd.ChannelID, out.options()...)
			return err
		}
	default:
		via = "chat.postEphemeral"
		post = func(ctx context.Context) error {
			_, err := c.api.PostEphemeralContext(ctx, cmd.ChannelID, cmd.UserID, out.options()...)
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

// postResponseURL posts an answer to a command's response_url. The URL
// lets anyone post into the channel, so it is kept out of errors and logs.
func (c *Client) postResponseURL(ctx context.Context, responseURL string, out outgoing) error {
	msg := struct {
		ResponseType    string           `json:"response_type"`
		Text            string           `json:"text"`
		Blocks          []slackapi.Block `json:"blocks,omitempty"`
		ReplaceOriginal *bool            `json:"replace_original,omitempty"`
	}{ResponseType: slackapi.ResponseTypeEphemeral, Text: out.text, Blocks: out.blocks}
	if out.public {
		msg.ResponseType = slackapi.ResponseTypeInChannel
	}
	if out.keepOriginal {
		msg.ReplaceOriginal = new(bool)
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

// uploadChart uploads a reply's chart through files.getUploadURLExternal,
// the upload URL and files.completeUploadExternal. A public answer shares
// it in the channel with its title as the comment, so everyone sees the
// picture; an ephemeral one keeps the file private to the app and shows
// it in the answer's image block, so only the asker sees it.
func (c *Client) uploadChart(ctx context.Context, cmd slackapi.SlashCommand, reply bot.Reply) (chartRef, error) {
	ch := reply.Message.Chart
	if len(ch.PNG) == 0 {
		return chartRef{}, errors.New("chart has no picture")
	}
	params := slackapi.UploadFileParameters{
		Reader:   bytes.NewReader(ch.PNG),
		FileSize: len(ch.PNG),
		Filename: ch.Filename,
		Title:    clip(ch.Title, 250),
		AltTxt:   clip(ch.AltText, maxAltText),
	}
	if reply.Public {
		params.Channel = cmd.ChannelID
		params.InitialComment = ch.Title
	}
	f, err := c.api.UploadFileContext(ctx, params)
	if err != nil {
		return chartRef{}, fmt.Errorf("uploading %s: %w", ch.Filename, err)
	}
	if reply.Public {
		return chartRef{shared: ch.Title}, nil
	}
	return chartRef{fileID: f.ID}, nil
}
