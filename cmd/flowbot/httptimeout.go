package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// defaultHTTPTimeout is how long one request to Jira or GitHub may take
// when FLOWBOT_HTTP_TIMEOUT is unset.
const defaultHTTPTimeout = time.Minute

// httpTimeoutVar names the environment variable that sets the timeout.
const httpTimeoutVar = "FLOWBOT_HTTP_TIMEOUT"

// httpTimeout reads FLOWBOT_HTTP_TIMEOUT: a Go duration, default 1m.
func httpTimeout(getenv func(string) string) (time.Duration, error) {
	v := getenv(httpTimeoutVar)
	if v == "" {
		return defaultHTTPTimeout, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive Go duration; say how long one request to Jira or GitHub may take, e.g. %s=30s (default 1m)", httpTimeoutVar, v, httpTimeoutVar)
	}
	return d, nil
}

// timeoutTransport bounds each attempt of a request, reading the body
// included, by d. It sits under retry.Transport, so an attempt that times
// out is retried like a dropped connection: a client-wide timeout would
// instead cut off the retries and the rate-limit waits with it.
type timeoutTransport struct {
	base http.RoundTripper // nil: http.DefaultTransport
	d    time.Duration
}

// errAttemptTimeout is what an attempt that took too long fails with. It
// deliberately does not wrap context.DeadlineExceeded: retry.Transport
// gives up on that, taking it for the caller's own deadline.
var errAttemptTimeout = errors.New("no answer in time")

func (t timeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	ctx, cancel := context.WithTimeoutCause(req.Context(), t.d, errAttemptTimeout)
	resp, err := base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		if context.Cause(ctx) == errAttemptTimeout && req.Context().Err() == nil {
			return nil, fmt.Errorf("%s %s: %w after %s (%s)", req.Method, req.URL.Path, errAttemptTimeout, t.d, httpTimeoutVar)
		}
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel, ctx: ctx, parent: req.Context(), d: t.d}
	return resp, nil
}

// cancelBody ends the attempt's context when the body is closed, and names
// the timeout when reading the body ran out of time.
type cancelBody struct {
	io.ReadCloser
	cancel      context.CancelFunc
	ctx, parent context.Context
	d           time.Duration
}

func (b *cancelBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && context.Cause(b.ctx) == errAttemptTimeout && b.parent.Err() == nil {
		err = fmt.Errorf("reading the answer: %w after %s (%s)", errAttemptTimeout, b.d, httpTimeoutVar)
	}
	return n, err
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
