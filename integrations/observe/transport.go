package observe

import "net/http"

// Transport counts every request it sends by service and status. Put it
// below retry.Transport (as its Base) so that each attempt is counted with
// the status it got, including the 429s and 503s that are retried and the
// 304s that cost no rate limit.
type Transport struct {
	Base    http.RoundTripper // nil: http.DefaultTransport
	Service string            // e.g. "jira", "github"
	Metrics *Metrics
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	status := 0
	if err == nil && resp != nil {
		status = resp.StatusCode
	}
	t.Metrics.apiCall(t.Service, status)
	return resp, err
}
