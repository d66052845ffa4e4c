package observe

import (
	"context"
	"fmt"
	"time"
)

// Readiness checks, one per reason flowbot may not be ready.
const (
	CheckRedis = "redis"
	CheckSlack = "slack"
	CheckSync  = "sync"
)

// Report says whether flowbot is ready and, when not, why.
type Report struct {
	Ready    bool      `json:"ready"`
	NotReady []Reason  `json:"not_ready,omitempty"`
	Checked  time.Time `json:"checked"`
}

// Reason is one thing that is not ready.
type Reason struct {
	Check  string `json:"check"`          // CheckRedis, CheckSlack or CheckSync
	Team   string `json:"team,omitempty"` // for CheckSync
	Reason string `json:"reason"`
}

// Pinger reaches the store.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Connection is the chat connection (integrations/slack's Client).
type Connection interface {
	Connected() bool
}

// LastSyncs tells when each team last synced successfully (zero: never).
type LastSyncs interface {
	LastSync(ctx context.Context, team string) (time.Time, error)
}

// Readiness checks what flowbot needs to answer well: Redis answers a
// PING, the Slack socket is connected, and every team's last sync is at
// most three sync intervals old.
type Readiness struct {
	Redis    Pinger
	Slack    Connection
	Syncs    LastSyncs
	Teams    []string
	Interval time.Duration    // the sync interval
	Now      func() time.Time // nil: time.Now
}

// Check runs every check; a failing one does not stop the others.
func (r *Readiness) Check(ctx context.Context) Report {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	rep := Report{Checked: now().UTC()}
	add := func(check, team, format string, args ...any) {
		rep.NotReady = append(rep.NotReady, Reason{Check: check, Team: team, Reason: fmt.Sprintf(format, args...)})
	}
	redisOK := true
	if err := r.Redis.Ping(ctx); err != nil {
		redisOK = false
		add(CheckRedis, "", "redis does not answer PING: %v", err)
	}
	if !r.Slack.Connected() {
		add(CheckSlack, "", "the slack socket-mode connection is not open")
	}
	if redisOK {
		limit := 3 * r.Interval
		for _, team := range r.Teams {
			at, err := r.Syncs.LastSync(ctx, team)
			switch {
			case err != nil:
				add(CheckSync, team, "reading the last sync: %v", err)
			case at.IsZero():
				add(CheckSync, team, "not synced yet")
			case now().Sub(at) > limit:
				add(CheckSync, team, "last synced %s ago, more than 3 sync intervals (%s)",
					now().Sub(at).Round(time.Second), limit)
			}
		}
	}
	rep.Ready = len(rep.NotReady) == 0
	return rep
}
