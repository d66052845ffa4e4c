package retry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// script serves the given responses in order, then 200s.
type step struct {
	status  int
	headers map[string]string
}

func server(t *testing.T, steps ...step) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i < len(steps) {
			for k, v := range steps[i].headers {
				w.Header().Set(k, v)
			}
			w.WriteHeader(steps[i].status)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		method     string
		steps      []step
		wantStatus int
		wantCalls  int64
		wantWaits  []time.Duration
		wantKinds  []string // what OnWait heard
		maxRetries int
	}{
		{
			name:       "429 with Retry-After seconds waits that long",
			method:     http.MethodGet,
			steps:      []step{{429, map[string]string{"Retry-After": "7"}}},
			wantStatus: 200, wantCalls: 2, wantWaits: []time.Duration{7 * time.Second},
			wantKinds: []string{"rate_limited"},
		},
		{
			name:   "429 with Retry-After as HTTP date",
			method: http.MethodGet,
			steps: []step{{429, map[string]string{
				"Retry-After": now.Add(30 * time.Second).Format(http.TimeFormat)}}},
			wantStatus: 200, wantCalls: 2, wantWaits: []time.Duration{30 * time.Second},
			wantKinds: []string{"rate_limited"},
		},
		{
			name:   "github primary limit: 403 with remaining 0 waits until reset",
			method: http.MethodGet,
			steps: []step{{403, map[string]string{
				"X-RateLimit-Remaining": "0",
				"X-RateLimit-Reset":     strconv.FormatInt(now.Add(20*time.Second).Unix(), 10)}}},
			wantStatus: 200, wantCalls: 2, wantWaits: []time.Duration{21 * time.Second},
			wantKinds: []string{"rate_limited"},
		},
		{
			name:       "plain 403 is a permission problem, not retried",
			method:     http.MethodGet,
			steps:      []step{{403, nil}},
			wantStatus: 403, wantCalls: 1,
		},
		{
			name:       "404 is not retried",
			method:     http.MethodGet,
			steps:      []step{{404, nil}},
			wantStatus: 404, wantCalls: 1,
		},
		{
			name:       "rate limit reset too far away is returned, not waited out",
			method:     http.MethodGet,
			steps:      []step{{429, map[string]string{"Retry-After": "3600"}}},
			wantStatus: 429, wantCalls: 1,
			wantKinds: nil, // a wait not taken is not reported
		},
		{
			name:       "503 twice then success",
			method:     http.MethodGet,
			steps:      []step{{503, nil}, {503, nil}},
			wantStatus: 200, wantCalls: 3,
			wantKinds: []string{"unavailable", "unavailable"},
		},
		{
			name:       "POST after 502 is not repeated: it may have taken effect",
			method:     http.MethodPost,
			steps:      []step{{502, nil}},
			wantStatus: 502, wantCalls: 1,
		},
		{
			name:       "POST after 429 is repeated: the server refused it",
			method:     http.MethodPost,
			steps:      []step{{429, map[string]string{"Retry-After": "1"}}},
			wantStatus: 200, wantCalls: 2, wantWaits: []time.Duration{time.Second},
			wantKinds: []string{"rate_limited"},
		},
		{
			name:       "gives up after MaxRetries",
			method:     http.MethodGet,
			steps:      []step{{503, nil}, {503, nil}, {503, nil}, {503, nil}},
			wantStatus: 503, wantCalls: 3, maxRetries: 2,
			wantKinds: []string{"unavailable", "unavailable"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, served := server(t, tt.steps...)
			var waits []time.Duration
			var kinds []string
			tr := &Transport{
				OnWait: func(kind string, d time.Duration) {
					kinds = append(kinds, kind)
				},
				Service:    "test",
				MaxRetries: tt.maxRetries,
				Now:        func() time.Time { return now },
				Sleep: func(ctx context.Context, d time.Duration) error {
					waits = append(waits, d)
					return nil
				},
			}
			var body *strings.Reader
			if tt.method == http.MethodPost {
				body = strings.NewReader("text=hi")
			}
			var req *http.Request
			var err error
			if body != nil {
				req, err = http.NewRequest(tt.method, srv.URL, body)
			} else {
				req, err = http.NewRequest(tt.method, srv.URL, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := tr.Calls(); got != tt.wantCalls {
				t.Errorf("Calls() = %d, want %d", got, tt.wantCalls)
			}
			if got := served.Load(); got != tt.wantCalls {
				t.Errorf("server saw %d requests, want %d", got, tt.wantCalls)
			}
			if diff := cmp.Diff(kinds, tt.wantKinds); diff != "" {
				t.Errorf("OnWait kinds (-got +want):\n%s", diff)
			}
			if len(kinds) != len(waits) {
				t.Errorf("OnWait heard %d waits, Sleep took %d", len(kinds), len(waits))
			}
			if tt.wantWaits != nil {
				if len(waits) != len(tt.wantWaits) {
					t.Fatalf("waits = %v, want %v", waits, tt.wantWaits)
				}
				for i := range waits {
					if waits[i] != tt.wantWaits[i] {
						t.Errorf("wait %d = %v, want %v", i, waits[i], tt.wantWaits[i])
					}
				}
			}
		})
	}
}

func TestRoundTripStopsWhenContextEnds(t *testing.T) {
	srv, served := server(t, step{429, map[string]string{"Retry-After": "5"}})
	ctx, cancel := context.WithCancel(context.Background())
	tr := &Transport{Sleep: func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if _, err := tr.RoundTrip(req); err == nil {
		t.Fatal("RoundTrip succeeded after its context was canceled")
	}
	if got := served.Load(); got != 1 {
		t.Errorf("server saw %d requests, want 1", got)
	}
}

func TestExponentialBackoffGrows(t *testing.T) {
	tr := &Transport{MinBackoff: time.Second}
	for attempt := range 5 {
		d := tr.exponential(attempt)
		lo, hi := (time.Second<<attempt)/2, time.Second<<attempt
		if d < lo || d > hi {
			t.Errorf("attempt %d: backoff %v outside [%v, %v]", attempt, d, lo, hi)
		}
	}
}
