package bot

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
	"github.com/google/go-cmp/cmp"
)

// dmRecorder is a DMSender that remembers what it sent; the Slack
// adapter's real transport (dnd.info, conversations.open,
// chat.postMessage) is tested in its package.
type dmRecorder struct {
	mu   sync.Mutex
	dnd  map[string]bool
	fail bool
	sent []DM
}

func (r *dmRecorder) DoNotDisturb(_ context.Context, user string, _ time.Time) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dnd[user], nil
}

func (r *dmRecorder) SendDM(_ context.Context, _ string, dm DM) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return errors.New("chat.postMessage: fatal_error")
	}
	r.sent = append(r.sent, dm)
	return nil
}

// dmKeys are the nudge keys of each DM sent, by user.
func dmKeys(dms []DM) map[string][]string {
	out := map[string][]string{}
	for _, dm := range dms {
		for _, l := range dm.Lines {
			out[dm.User] = append(out[dm.User], l.Key)
		}
	}
	return out
}

func TestRunDMs(t *testing.T) {
	saturday := fridayCheck.Add(24 * time.Hour)
	tests := []struct {
		name        string
		setup       func(t *testing.T, log *store.Nudges, n *Nudger, r *dmRecorder)
		now         time.Time
		wantSent    map[string][]string
		wantSkipped map[string]string
	}{
		{
			// Ana is in the configuration's people; Bo was linked in the
			// store; U0CARL opted in but is nobody in Jira or GitHub.
			name:        "each opted-in person gets the nudges that mention them, and only those",
			now:         fridayCheck,
			wantSent:    map[string][]string{"U0ANA": {"stalled:PAY-1", "blocked:PAY-3"}, "U0BO": {"stalled:PAY-2"}},
			wantSkipped: map[string]string{"U0CARL": DMSkipUnknown},
		},
		{
			name: "a snoozed item is left out",
			setup: func(t *testing.T, log *store.Nudges, _ *Nudger, _ *dmRecorder) {
				if err := log.Snooze(t.Context(), "payments", "PAY-3", fridayCheck.Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			},
			now:         fridayCheck,
			wantSent:    map[string][]string{"U0ANA": {"stalled:PAY-1"}, "U0BO": {"stalled:PAY-2"}},
			wantSkipped: map[string]string{"U0CARL": DMSkipUnknown},
		},
		{
			name: "nudges the channel already carried today are still in the DM",
			setup: func(t *testing.T, _ *store.Nudges, n *Nudger, _ *dmRecorder) {
				n.Poster = &recordingPoster{}
				if _, err := n.RunFlowCheck(t.Context(), "payments", fridayCheck); err != nil {
					t.Fatal(err)
				}
			},
			now:         fridayCheck.Add(time.Hour),
			wantSent:    map[string][]string{"U0ANA": {"stalled:PAY-1", "blocked:PAY-3"}, "U0BO": {"stalled:PAY-2"}},
			wantSkipped: map[string]string{"U0CARL": DMSkipUnknown},
		},
		{
			name: "do-not-disturb skips the person",
			setup: func(_ *testing.T, _ *store.Nudges, _ *Nudger, r *dmRecorder) {
				r.dnd = map[string]bool{"U0ANA": true}
			},
			now:         fridayCheck,
			wantSent:    map[string][]string{"U0BO": {"stalled:PAY-2"}},
			wantSkipped: map[string]string{"U0ANA": DMSkipDND, "U0CARL": DMSkipUnknown},
		},
		{
			name: "a person away gets none",
			setup: func(t *testing.T, log *store.Nudges, _ *Nudger, _ *dmRecorder) {
				if err := log.SetAway(t.Context(), "payments", "U0BO", fridayCheck.Add(48*time.Hour)); err != nil {
					t.Fatal(err)
				}
			},
			now:         fridayCheck,
			wantSent:    map[string][]string{"U0ANA": {"stalled:PAY-1", "blocked:PAY-3"}},
			wantSkipped: map[string]string{"U0BO": DMSkipAway, "U0CARL": DMSkipUnknown},
		},
		{
			name:        "nobody is messaged on a Saturday",
			now:         saturday,
			wantSkipped: map[string]string{"U0ANA": DMSkipNotWorkingDay, "U0BO": DMSkipNotWorkingDay, "U0CARL": DMSkipNotWorkingDay},
		},
		{
			name: "nobody is messaged on a holiday",
			setup: func(_ *testing.T, _ *store.Nudges, n *Nudger, _ *dmRecorder) {
				n.Bot.Config.Teams[0].Holidays = []string{"2026-11-20"}
			},
			now:         fridayCheck,
			wantSkipped: map[string]string{"U0ANA": DMSkipNotWorkingDay, "U0BO": DMSkipNotWorkingDay, "U0CARL": DMSkipNotWorkingDay},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.New(t)
			log := db.Nudges()
			n := newNudger(t, log, nudgeItems(), nil)
			for _, u := range []string{"U0ANA", "U0BO", "U0CARL"} {
				if err := log.SetDM(t.Context(), "payments", u, true); err != nil {
					t.Fatal(err)
				}
			}
			if err := log.LinkPerson(t.Context(), "payments", store.Person{Slack: "U0BO", Jira: "Bo Chen", JiraAccount: "acc-bo"}); err != nil {
				t.Fatal(err)
			}
			r := &dmRecorder{}
			if tt.setup != nil {
				tt.setup(t, log, n, r)
			}
			run, err := n.RunDMs(t.Context(), "payments", log, log, r, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.wantSent
			if want == nil {
				want = map[string][]string{}
			}
			if diff := cmp.Diff(dmKeys(r.sent), want); diff != "" {
				t.Errorf("DMs sent (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(run.Skipped, tt.wantSkipped); diff != "" {
				t.Errorf("skipped (-got +want):\n%s", diff)
			}
			for _, dm := range r.sent {
				for _, l := range dm.Lines {
					if len(l.Mentions) > 0 || len(l.Actions) > 0 {
						t.Errorf("DM line %s has mentions %v or buttons", l.Key, l.Mentions)
					}
				}
			}
		})
	}
}

func TestRunDMsOncePerDay(t *testing.T) {
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	r := &dmRecorder{}
	var wg sync.WaitGroup
	for range 2 { // two replicas sharing one Redis
		log := store.New(rdb, store.Options{Prefix: prefix}).Nudges()
		if err := log.SetDM(context.Background(), "payments", "U0ANA", true); err != nil {
			t.Fatal(err)
		}
		n := newNudger(t, log, nudgeItems(), nil)
		wg.Go(func() {
			if _, err := n.RunDMs(context.Background(), "payments", log, log, r, fridayCheck); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(r.sent) != 1 {
		t.Fatalf("two replicas sent %d DMs, want 1", len(r.sent))
	}
	log := store.New(rdb, store.Options{Prefix: prefix}).Nudges()
	n := newNudger(t, log, nudgeItems(), nil)
	run, err := n.RunDMs(t.Context(), "payments", log, log, r, fridayCheck.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.sent) != 1 || run.Skipped["U0ANA"] != DMSkipClaimed {
		t.Errorf("a later run the same day sent %d DMs in all, skipped %q; want 1 and %q", len(r.sent), run.Skipped["U0ANA"], DMSkipClaimed)
	}
	if _, err := n.RunDMs(t.Context(), "payments", log, log, r, fridayCheck.Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if len(r.sent) != 2 {
		t.Errorf("the next working day sent %d DMs in all, want 2", len(r.sent))
	}
}

func TestRunDMsRetriesAfterAFailedSend(t *testing.T) {
	log := storetest.New(t).Nudges()
	if err := log.SetDM(t.Context(), "payments", "U0ANA", true); err != nil {
		t.Fatal(err)
	}
	n := newNudger(t, log, nudgeItems(), nil)
	r := &dmRecorder{fail: true}
	if _, err := n.RunDMs(t.Context(), "payments", log, log, r, fridayCheck); err == nil {
		t.Fatal("a failed send reported no error")
	}
	r.fail = false
	if _, err := n.RunDMs(t.Context(), "payments", log, log, r, fridayCheck.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if len(r.sent) != 1 {
		t.Errorf("after the failure was released, %d DMs went out, want 1", len(r.sent))
	}
}
