package observe

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/flowbot/flowbot/bot"
)

// Command outcomes.
const (
	OutcomeOK      = "ok"
	OutcomeInvalid = "invalid" // the text did not parse; the person got the usage
	OutcomeError   = "error"   // answering logged an error: the person got an apology
)

// AnswerFunc answers one request, logging through logger. The bot logs
// every internal failure once, at error level, through the logger it is
// given: that is how Commands tells a failed answer from a good one without
// reading the reply's words.
type AnswerFunc func(ctx context.Context, req bot.Request, logger *slog.Logger) bot.Reply

// Commands is a command handler (integrations/slack's Handler) that
// records every slash command's name, outcome and latency.
type Commands struct {
	Answer  AnswerFunc
	Metrics *Metrics
	Logger  *slog.Logger // nil: slog.Default()
	Now     func() time.Time
}

// HandleCommand answers req through Answer and records it.
func (c *Commands) HandleCommand(ctx context.Context, req bot.Request) bot.Reply {
	logger := c.Logger
	if logger == nil {
		logger = slog.Default()
	}
	now := c.Now
	if now == nil {
		now = time.Now
	}
	name, outcome, team := "unparsed", OutcomeInvalid, ""
	if cmd, err := bot.ParseCommand(req.Text); err == nil {
		name, outcome, team = cmd.Name, OutcomeOK, cmd.Team
	}
	mark := &errorMark{Handler: logger.Handler(), seen: new(atomic.Bool)}
	start := now()
	reply := c.Answer(ctx, req, slog.New(mark))
	d := now().Sub(start)
	if mark.seen.Load() {
		outcome = OutcomeError
	}
	c.Metrics.command(name, outcome, d)
	logger.Debug("command recorded", "command", name, "outcome", outcome, "team", team, "channel", req.ChannelID,
		"duration", d.Round(time.Millisecond).String())
	return reply
}

// errorMark passes records on and notes whether one was an error.
type errorMark struct {
	slog.Handler
	seen *atomic.Bool
}

func (h *errorMark) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.seen.Store(true)
	}
	if !h.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h *errorMark) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError || h.Handler.Enabled(ctx, l)
}

func (h *errorMark) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &errorMark{Handler: h.Handler.WithAttrs(attrs), seen: h.seen}
}

func (h *errorMark) WithGroup(name string) slog.Handler {
	return &errorMark{Handler: h.Handler.WithGroup(name), seen: h.seen}
}
