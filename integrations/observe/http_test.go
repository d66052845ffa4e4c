package observe

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
)

type fixedReadiness Report

func (f fixedReadiness) Check(context.Context) Report { return Report(f) }

func TestHandler(t *testing.T) {
	notReady := Report{NotReady: []Reason{
		{Check: CheckRedis, Reason: "redis does not answer PING: connection refused"},
		{Check: CheckSlack, Reason: "the slack socket-mode connection is not open"},
		{Check: CheckSync, Team: "payments", Reason: "not synced yet"},
	}}
	tests := []struct {
		name       string
		ready      Report
		path       string
		wantStatus int
		wantType   string
		wantBody   string // a substring
	}{
		{"healthz while running, even when not ready", notReady, "/healthz", 200, "text/plain; charset=utf-8", "ok"},
		{"readyz when ready", Report{Ready: true}, "/readyz", 200, "application/json", `"ready":true`},
		{"readyz names what is not ready", notReady, "/readyz", 503, "application/json", `{"check":"sync","team":"payments","reason":"not synced yet"}`},
		{"metrics in prometheus text format", Report{Ready: true}, "/metrics", 200, "text/plain; version=0.0.4; charset=utf-8; escaping=underscores", "flowbot_slash_commands_total"},
		{"anything else is not found", Report{Ready: true}, "/admin", 404, "text/plain; charset=utf-8", "404 page not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			m, err := NewMetrics(reg)
			if err != nil {
				t.Fatal(err)
			}
			m.command("wip", OutcomeOK, time.Millisecond) // a vector shows only once it has a series
			srv := httptest.NewServer(Handler(reg, fixedReadiness(tt.ready), nil))
			defer srv.Close()
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body lacks %q:\n%s", tt.wantBody, body)
			}
			if tt.path == "/readyz" {
				var got Report
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatalf("readyz body is not a report: %v", err)
				}
				if diff := cmp.Diff(got, tt.ready); diff != "" {
					t.Errorf("readyz report (-got +want):\n%s", diff)
				}
			}
		})
	}
}

func TestServeShutsDownWithItsContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ServeListener(ctx, ln, Handler(prometheus.NewRegistry(), fixedReadiness{Ready: true}, nil), nil)
	}()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ServeListener after cancel = %v, want nil", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("still serving after its context ended")
	}
}

func TestServeReportsAnAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = Serve(context.Background(), ln.Addr().String(), http.NotFoundHandler(), nil)
	if err == nil || !strings.Contains(err.Error(), "listening for probes and metrics on "+ln.Addr().String()) {
		t.Errorf("Serve on a taken port = %v, want an error naming the address", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("error %v does not wrap the *net.OpError", err)
	}
}
