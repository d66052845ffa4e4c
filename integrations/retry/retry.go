// Package retry provides an http.RoundTripper that waits out rate limits and
// retries transient failures, so every integration gets the same, tested
// behaviour towards Jira and GitHub.
//
// What it retries: 429 (Jira, GitHub secondary limits), 403 with
// X-RateLimit-Remaining: 0 or a Retry-After (GitHub's primary and secondary
// limits), 502/503/504, and network errors. It only retries requests that
// can be replayed without harm: GET and HEAD always, other methods only on a
// 429, which the server refused before acting on it. How long it
// waits: Retry-After (seconds or an HTTP date) when the server sends one,
// else X-RateLimit-Reset when the limit is exhausted, else exponential
// backoff with jitter. A wait longer than MaxWait is not taken: the
// response is returned as is, so the caller can report when the limit resets
// instead of hanging a sync for an hour.
package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Transport is an http.RoundTripper with retries. The zero value is usable.
type Transport struct {
	Base       http.RoundTripper // nil: http.DefaultTransport
	Service    string            // names the service in log lines, e.g. "jira"
	Logger     *slog.Logger      // nil: slog.Default()
	MaxRetries int               // 0: 5
	MinBackoff time.Duration     // 0: 500ms; first backoff when the server gives no hint
	MaxWait    time.Duration     // 0: 2m; longest single wait taken
	// Sleep waits for d or until ctx ends. nil: a real timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used to read X-RateLimit-Reset. nil: time.Now.
	Now func() time.Time
	// OnWait, when set, is told about every wait before a retry, before it
	// is taken: kind is "rate_limited" (a 429, or a 403 that carries a rate
	// limit), "unavailable" (502, 503, 504) or "network" (no response).
	// Metrics count rate-limit waits through it.
	OnWait func(kind string, wait time.Duration)

	calls   atomic.Int64
	retries atomic.Int64
}

// Calls is the number of HTTP requests sent, retries included.
func (t *Transport) Calls() int64 { return t.calls.Load() }

// Retries is the number of requests that were sent again after a wait.
func (t *Transport) Retries() int64 { return t.retries.Load() }

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	maxRetries := t.MaxRetries
	if maxRetries == 0 {
		maxRetries = 5
	}
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead
	rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	for attempt := 0; ; attempt++ {
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("rewinding request body: %w", err)
			}
			req.Body = body
		}
		t.calls.Add(1)
		resp, err := base.RoundTrip(req)
		if !rewindable || attempt >= maxRetries || req.Context().Err() != nil {
			return resp, err
		}
		wait, reason, kind, ok := t.backoff(resp, err, attempt)
		// A POST that failed in flight may have taken effect: sending it
		// again could post a message twice. A 429 was refused before doing
		// anything, so that one is safe to repeat.
		rejected := resp != nil && resp.StatusCode == http.StatusTooManyRequests
		if !ok || (!idempotent && !rejected) {
			return resp, err
		}
		if wait > t.maxWait() {
			t.logger().Warn("not waiting out rate limit: too long",
				"service", t.Service, "method", req.Method, "path", req.URL.Path, "reason", reason, "wait", wait.String())
			return resp, err
		}
		if resp != nil {
			// Drain so the connection can be reused.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		t.logger().Warn("retrying request",
			"service", t.Service, "method", req.Method, "path", req.URL.Path,
			"reason", reason, "attempt", attempt+1, "wait", wait.String())
		t.retries.Add(1)
		if t.OnWait != nil {
			t.OnWait(kind, wait)
		}
		if err := t.sleep(req.Context(), wait); err != nil {
			return nil, fmt.Errorf("waiting to retry %s %s: %w", req.Method, req.URL.Path, err)
		}
	}
}

// Kinds of wait reported to OnWait.
const (
	WaitRateLimited = "rate_limited"
	WaitUnavailable = "unavailable"
	WaitNetwork     = "network"
)

// backoff decides whether and how long to wait before trying again, and
// says why: reason for the log line, kind (one of the Wait constants) for
// OnWait.
func (t *Transport) backoff(resp *http.Response, err error, attempt int) (wait time.Duration, reason, kind string, ok bool) {
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, "", "", false
		}
		return t.exponential(attempt), "network error: " + err.Error(), WaitNetwork, true
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		if d, ok := t.serverWait(resp.Header); ok {
			return d, "429 rate limited", WaitRateLimited, true
		}
		return t.exponential(attempt), "429 rate limited", WaitRateLimited, true
	case resp.StatusCode == http.StatusForbidden:
		// GitHub signals both its limits with 403; a plain 403 is a
		// permission problem and retrying would not help.
		if resp.Header.Get("Retry-After") == "" && resp.Header.Get("X-RateLimit-Remaining") != "0" {
			return 0, "", "", false
		}
		if d, ok := t.serverWait(resp.Header); ok {
			return d, "403 rate limited", WaitRateLimited, true
		}
		return t.exponential(attempt), "403 rate limited", WaitRateLimited, true
	case resp.StatusCode == http.StatusBadGateway, resp.StatusCode == http.StatusServiceUnavailable,
		resp.StatusCode == http.StatusGatewayTimeout:
		if d, ok := t.serverWait(resp.Header); ok {
			return d, resp.Status, WaitUnavailable, true
		}
		return t.exponential(attempt), resp.Status, WaitUnavailable, true
	}
	return 0, "", "", false
}

// serverWait reads the server's own hint: Retry-After first, then the
// reset time of an exhausted rate limit.
func (t *Transport) serverWait(h http.Header) (time.Duration, bool) {
	if v := h.Get("Retry-After"); v != "" {
		if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second, true
		}
		if at, err := http.ParseTime(v); err == nil {
			return max(at.Sub(t.now()), 0), true
		}
	}
	if h.Get("X-RateLimit-Remaining") == "0" {
		if v := h.Get("X-RateLimit-Reset"); v != "" {
			if epoch, err := strconv.ParseInt(v, 10, 64); err == nil {
				// One second of slack: the reset instant is truncated to seconds.
				return max(time.Unix(epoch, 0).Sub(t.now())+time.Second, 0), true
			}
		}
	}
	return 0, false
}

func (t *Transport) exponential(attempt int) time.Duration {
	base := t.MinBackoff
	if base == 0 {
		base = 500 * time.Millisecond
	}
	d := base << min(attempt, 10)
	// Full jitter on the upper half keeps replicas from retrying in lockstep.
	return d/2 + rand.N(d/2+1)
}

func (t *Transport) maxWait() time.Duration {
	if t.MaxWait == 0 {
		return 2 * time.Minute
	}
	return t.MaxWait
}

func (t *Transport) logger() *slog.Logger {
	if t.Logger == nil {
		return slog.Default()
	}
	return t.Logger
}

func (t *Transport) now() time.Time {
	if t.Now == nil {
		return time.Now()
	}
	return t.Now()
}

func (t *Transport) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep != nil {
		return t.Sleep(ctx, d)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
