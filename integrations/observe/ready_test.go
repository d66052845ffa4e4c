package observe

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

type fakePinger struct{ err error }

func (f fakePinger) Ping(context.Context) error { return f.err }

type fakeConn bool

func (f fakeConn) Connected() bool { return bool(f) }

type fakeSyncs struct {
	at  map[string]time.Time
	err map[string]error
}

func (f fakeSyncs) LastSync(_ context.Context, team string) (time.Time, error) {
	return f.at[team], f.err[team]
}

func TestReadinessCheck(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	fresh := fakeSyncs{at: map[string]time.Time{"payments": now.Add(-time.Minute), "checkout": now.Add(-30 * time.Minute)}}
	tests := []struct {
		name  string
		redis error
		slack bool
		syncs fakeSyncs
		want  []Reason
	}{
		{name: "everything ready", slack: true, syncs: fresh},
		{
			name: "redis down: the sync checks, which read redis, are not run", redis: errors.New("connection refused"), slack: true, syncs: fresh,
			want: []Reason{{Check: "redis", Reason: "redis does not answer PING: connection refused"}},
		},
		{
			name: "slack socket not connected", slack: false, syncs: fresh,
			want: []Reason{{Check: "slack", Reason: "the slack socket-mode connection is not open"}},
		},
		{
			name: "a team never synced", slack: true,
			syncs: fakeSyncs{at: map[string]time.Time{"payments": now.Add(-time.Minute)}},
			want:  []Reason{{Check: "sync", Team: "checkout", Reason: "not synced yet"}},
		},
		{
			name: "a team's last sync older than 3 intervals", slack: true,
			syncs: fakeSyncs{at: map[string]time.Time{"payments": now.Add(-31 * time.Minute), "checkout": now.Add(-30 * time.Minute)}},
			want:  []Reason{{Check: "sync", Team: "payments", Reason: "last synced 31m0s ago, more than 3 sync intervals (30m0s)"}},
		},
		{
			name: "reading the last sync fails", slack: true,
			syncs: fakeSyncs{at: fresh.at, err: map[string]error{"checkout": errors.New("wrong type")}},
			want:  []Reason{{Check: "sync", Team: "checkout", Reason: "reading the last sync: wrong type"}},
		},
		{
			name: "several at once", redis: nil, slack: false, syncs: fakeSyncs{},
			want: []Reason{
				{Check: "slack", Reason: "the slack socket-mode connection is not open"},
				{Check: "sync", Team: "payments", Reason: "not synced yet"},
				{Check: "sync", Team: "checkout", Reason: "not synced yet"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Readiness{
				Redis: fakePinger{tt.redis}, Slack: fakeConn(tt.slack), Syncs: tt.syncs,
				Teams: []string{"payments", "checkout"}, Interval: 10 * time.Minute,
				Now: func() time.Time { return now },
			}
			got := r.Check(context.Background())
			want := Report{Ready: len(tt.want) == 0, NotReady: tt.want, Checked: now}
			if diff := cmp.Diff(got, want, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Check (-got +want):\n%s", diff)
			}
		})
	}
}
