package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Dedup remembers ids for a while, shared by every replica, so that a
// message delivered twice (Slack redelivers an envelope it heard no ack
// for, possibly to another connection or replica) is acted on once:
//
//	<prefix>:seen:<id>  string  "1", expiring after the Dedup's TTL
//
// Each id is one key on its own, so the Cluster slot it lands on does not
// matter.

// DefaultDedupTTL is how long an id is remembered: far longer than Slack
// keeps redelivering.
const DefaultDedupTTL = 10 * time.Minute

// maxDedupID bounds the ids remembered, which come from outside.
const maxDedupID = 256

// Dedup remembers ids in Redis. It is safe for concurrent use.
type Dedup struct {
	db  *DB
	ttl time.Duration
}

// Dedup returns a Dedup under db's prefix that remembers ids for ttl
// (DefaultDedupTTL when ttl <= 0).
func (db *DB) Dedup(ttl time.Duration) *Dedup {
	if ttl <= 0 {
		ttl = DefaultDedupTTL
	}
	return &Dedup{db: db, ttl: ttl}
}

// First reports whether id is seen for the first time within the TTL, and
// remembers it (SET NX EX): of any number of concurrent calls with one id,
// exactly one gets true.
func (d *Dedup) First(ctx context.Context, id string) (bool, error) {
	if d.db.prefixErr != nil {
		return false, d.db.prefixErr
	}
	if id == "" || len(id) > maxDedupID {
		return false, fmt.Errorf("remembering id: want 1 to %d bytes, got %d", maxDedupID, len(id))
	}
	err := d.db.rdb.SetArgs(ctx, d.db.prefix+":seen:"+id, "1", redis.SetArgs{Mode: "NX", TTL: d.ttl}).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("remembering id: %w", classify(ctx, err))
	}
	return true, nil
}
