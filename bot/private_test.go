package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
)

const privateConfig = `
teams:
  - id: payments
    channel: C0PAYMENTS
    jira:
      jql: project = PAY
  - id: secret
    name: Secret Project
    channel: C0SECRET
    private: true
    jira:
      jql: project = SEC
`

// TestPrivateTeam: a private team's answers are given only in its own
// channel; a command naming it from anywhere else gets a refusal that says
// why and shows none of its data.
func TestPrivateTeam(t *testing.T) {
	cfg, err := config.Parse([]byte(privateConfig))
	if err != nil {
		t.Fatal(err)
	}
	secretItem := item("SEC-1", "Acquire competitor quietly", now.Add(-day(3)), day(1), "In Progress")
	b := &Bot{
		Config: cfg,
		Store: &memStore{
			items:    map[string][]coach.Item{"secret": {secretItem}, "payments": fixtureItems()},
			statuses: testStatuses,
			lastSync: now.Add(-time.Minute),
		},
		Now:    func() time.Time { return now },
		Logger: slog.New(slog.DiscardHandler),
	}
	const refusal = "That team is private: its answers are shown only in its own channel."
	tests := []struct {
		name     string
		req      Request
		want     string // a substring of the answer
		refusing bool
	}{
		{"its own channel gets the answer", Request{ChannelID: "C0SECRET", Text: "aging"}, "Acquire competitor quietly", false},
		{"its own channel naming it gets the answer", Request{ChannelID: "C0SECRET", Text: "aging team:secret"}, "Acquire competitor quietly", false},
		{"another team's channel is refused", Request{ChannelID: "C0PAYMENTS", Text: "aging team:secret"}, refusal, true},
		{"a refusal is never public", Request{ChannelID: "C0PAYMENTS", Text: "aging team:secret public"}, refusal, true},
		{"a channel of no team is refused", Request{ChannelID: "C0ELSEWHERE", Text: "wip team:secret"}, refusal, true},
		{"a direct message is refused", Request{ChannelID: "D0DIRECT", Text: "cycle-time team:secret"}, refusal, true},
		{"the private team's channel may ask about others", Request{ChannelID: "C0SECRET", Text: "wip team:payments"}, "Work in progress · payments", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.HandleCommand(t.Context(), tt.req)
			if !strings.Contains(got.Text, tt.want) {
				t.Errorf("Text = %q, want it to contain %q", got.Text, tt.want)
			}
			if !tt.refusing {
				return
			}
			if got.Public || got.Message != nil {
				t.Errorf("refusal: Public = %v, Message = %v; want a private text only", got.Public, got.Message)
			}
			if strings.Contains(got.Text, "SEC-1") || strings.Contains(got.Text, "Acquire") || strings.Contains(got.Text, "C0SECRET") {
				t.Errorf("refusal %q shows the private team's data", got.Text)
			}
		})
	}
}

// downStore fails every read as a store does when Redis is unreachable.
type downStore struct{ err error }

func (d downStore) Items(context.Context, string) ([]coach.Item, error)      { return nil, d.err }
func (d downStore) Statuses(context.Context, string) ([]coach.Status, error) { return nil, d.err }
func (d downStore) LastSync(context.Context, string) (time.Time, error)      { return time.Time{}, d.err }
func (d downStore) PullRequests(context.Context, string) ([]coach.PullRequest, error) {
	return nil, d.err
}
func (d downStore) Deployments(context.Context, string) ([]coach.Deployment, error) {
	return nil, d.err
}
func (d downStore) Incidents(context.Context, string) ([]coach.Item, error) { return nil, d.err }

// TestStoreUnavailable: when the store cannot be reached the person is told
// so and asked to try again, instead of a generic apology.
func TestStoreUnavailable(t *testing.T) {
	errDown := errors.New("redis is unreachable")
	tests := []struct {
		name        string
		err         error
		unavailable func(error) bool
		want        string
	}{
		{"unreachable", fmt.Errorf("reading items: %w: dial tcp: connection refused", errDown),
			func(err error) bool { return errors.Is(err, errDown) }, unavailableText},
		{"another failure", errors.New("WRONGTYPE"),
			func(err error) bool { return errors.Is(err, errDown) }, "something went wrong on my side"},
		{"no Unavailable set", fmt.Errorf("reading items: %w", errDown), nil, "something went wrong on my side"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			b := newTestBot(t)
			b.Store = downStore{tt.err}
			b.Unavailable = tt.unavailable
			b.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			got := b.HandleCommand(t.Context(), Request{ChannelID: "C0PAYMENTS", Text: "cycle-time public"})
			if !strings.Contains(got.Text, tt.want) {
				t.Errorf("Text = %q, want it to contain %q", got.Text, tt.want)
			}
			if got.Public {
				t.Error("an error answer is public")
			}
			if !strings.Contains(logs.String(), tt.err.Error()) {
				t.Errorf("the cause is not logged; log:\n%s", logs.String())
			}
		})
	}
}
