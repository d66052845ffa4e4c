package bot

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHomeTabGolden(t *testing.T) {
	tests := []struct {
		name     string
		channels []string
	}{
		{"home-two-teams", []string{"C0PAYMENTS", "C0RANDOM", "C0EMPTY"}},
		{"home-no-team", []string{"C0RANDOM"}},
	}
	b := newTestBot(t)
	b.Config.Teams[0].WIPLimit = 1
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := b.HomeTab(context.Background(), tt.channels, now)
			if err != nil {
				t.Fatalf("HomeTab: %v", err)
			}
			js, err := json.MarshalIndent(msgs, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "home", tt.name+".golden"), string(js)+"\n")
		})
	}
}

// A user's tab is built at most once a minute.
func TestHomeRefreshLimit(t *testing.T) {
	clock := now
	h := &Home{Bot: newTestBot(t), Now: func() time.Time { return clock }}
	steps := []struct {
		name   string
		user   string
		after  time.Duration
		wantOK bool
	}{
		{"first opening builds", "U1", 0, true},
		{"again at once is skipped", "U1", 0, false},
		{"59s later is skipped", "U1", 59 * time.Second, false},
		{"another user builds", "U2", 0, true},
		{"a minute after the first builds", "U1", time.Second, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clock = clock.Add(st.after)
			msgs, ok, err := h.ForUser(context.Background(), st.user, []string{"C0PAYMENTS"})
			if err != nil {
				t.Fatal(err)
			}
			if ok != st.wantOK || (ok && len(msgs) != 1) {
				t.Errorf("ForUser: ok=%v with %d messages, want ok=%v", ok, len(msgs), st.wantOK)
			}
		})
	}
}

func TestNextPosts(t *testing.T) {
	b := newTestBot(t)
	// Saturday 2026-11-21 10:00 UTC: the next working day in Berlin is
	// Monday, when all three default schedules fire.
	sat := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	if got, want := b.nextPosts("payments", sat), "none from here"; !strings.HasPrefix(got, want) {
		t.Errorf("unscheduled bot: nextPosts = %q, want it to start %q", got, want)
	}
	b.Scheduled = true
	want := "flow check Mon Nov 23 09:15 · standup Mon Nov 23 09:30 · digest Mon Nov 23 09:00 (Europe/Berlin)"
	if got := b.nextPosts("payments", sat); got != want {
		t.Errorf("nextPosts = %q, want %q", got, want)
	}
}
