// Package store persists flowbot's coach values in Redis.
//
// It talks to Redis only through redis.UniversalClient, so one node,
// Sentinel and Cluster run the same code. Everything a team owns lives under
// keys carrying the team's Cluster hash tag, so a team sits on one slot and a
// multi-key write of one team can be a single MULTI/EXEC:
//
//	<prefix>:{<team>}:schema    string  layout version of the team's keys ("1")
//	<prefix>:{<team>}:items     hash    item key          -> item record
//	<prefix>:{<team>}:prs       hash    "<repo>#<number>" -> pull request record
//	<prefix>:{<team>}:prs:time  zset    "<repo>#<number>", by the latest of created, closed, merged (Unix ms)
//	<prefix>:{<team>}:prs:oddsha set    "<repo>#<number>" of PRs whose merge commit is not 40 hex digits
//	<prefix>:{<team>}:incidents hash    item key          -> item record (incident JQL)
//	<prefix>:{<team>}:deployments hash  "<repo>#<source>#<id>" -> deployment record
//	<prefix>:{<team>}:flows             hash  item key -> its flow record in flows:done or flows:wip
//	<prefix>:{<team>}:flows:done        zset  flow records of delivered items, by done time (Unix ms)
//	<prefix>:{<team>}:flows:wip         zset  flow records of items in progress, by start (Unix ms)
//	<prefix>:{<team>}:flows:cycledays   zset  per UTC day, the (done, start, key) of the items done that day, by the day (Unix days)
//	<prefix>:{<team>}:flows:wipdays     zset  per UTC day, the (start, key, class, status, title, assignee) of the items in progress started that day, by the day
//	<prefix>:{<team>}:flows:wipcounts   hash  status -> how many items the index has in progress in it (0 once none)
//	<prefix>:{<team>}:flows:updated     zset  item key, by the item's last change (Unix ms, rounded up)
//	<prefix>:{<team>}:flows:fingerprint string the workflow the flow records were read with
//	<prefix>:{<team>}:statuses  string  statuses record (Jira's list as last fetched)
//	<prefix>:{<team>}:cursors   hash    "<source>:<scope>" -> opaque sync cursor
//	<prefix>:{<team>}:lastsync  string  last successful sync, UTC RFC 3339 with nanoseconds
//	<prefix>:{<team>}:fence:<source>:<project> string highest lease fence that wrote (see WithFence)
//
// The prefix defaults to "flowbot" and may not contain braces, which would
// move the hash tag. Team ids and cursor sources are [a-z0-9-]+, so a key is
// never built from junk and the first ':' of a cursor field ends its source.
//
// Reading a whole team is one HGETALL on a per-team hash; records are
// upserted field by field with HSET. Records are JSON objects with a version
// field ({"v":1,...}) written from store-private structs, so coach stays free
// of encoding concerns and a record this code does not understand is an
// error rather than a silently half-read value. Times are stored as UTC
// instants with full precision; a zero time is stored as absent.
//
// Item and pull-request records are at version 2 (fields added for issue
// 3); version 1 records still decode, with those fields zero. Deployment
// records are binary from version 2 (commits as 20 bytes each, decoded into
// one string per record); version-1 JSON ones still decode.
//
// The flow index makes answers fast at 100,000 items without caches that go
// stale. The caller (bot) reads each item's flow with coach when it stores
// the item, as of the item's last change, which holds for every later
// instant; the store keeps it as a compact binary record (times as Unix
// milliseconds, strings length-prefixed) that is itself the member of a
// sorted set: delivered items by done time, items in progress by start. A
// delivered item's record also carries the times coach.Timer measured
// between its start and done, in total and per stage (delivery.go), so the
// value stream map and flow efficiency read a few numbers per item instead
// of its history. An answer about a window is then one ZRANGEBYSCORE whose
// reply is the records, decoded as deliveries (TeamDeliveries) or flows,
// plus the (small) in-progress set, the fingerprint and the items changed
// after the asked instant, in one MULTI. Those changed items are read in
// full and recomputed by the caller, so answers as of a past instant stay
// exact. The members hash maps an item to its current record so an update
// can remove the old member. Delivered records leave out title and
// assignee, which no answer over done work shows. The fingerprint names the
// workflow the records were read with: PutFlowIndex refuses a different one
// (ErrFingerprintChanged) and ReplaceFlowIndex rebuilds the index in one
// transaction.
//
// Cycle time, throughput, forecasts, wip and aging need less than a
// record: the index also keeps compact records packed one member per UTC
// day (days.go, cycle.go), by done time in flows:cycledays and by start in
// flows:wipdays, so 90 days of a busy team are 90 strings from Redis rather
// than ten thousand, decoded in place; and how many items are in progress
// in each status (flows:wipcounts), so wip reads a field per status. A
// write rewrites the days it touches, read under WATCH, and adjusts the
// counts in the same MULTI. Indexes built before these (fingerprint
// flow-index-3, with flows:cycle and flows:wipstatus) are rebuilt at the
// next sync; until then answers read every item.
//
// The schema key guards the layout as a whole. Every read fetches it in the
// same transaction as the data and every write checks it under WATCH, so a
// process that finds a newer layout refuses to read or write it instead of
// mixing generations. Writes set it when it is missing (setting it on every
// write would count as a change to every concurrent writer's WATCH), so
// its presence marks a team that was ever written.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"

	"github.com/redis/go-redis/v9"
)

// ErrUnavailable says Redis could not be reached or cannot serve right now
// (refused or dropped connection, timeout, a loading or failing-over server).
// The cause is wrapped alongside it.
var ErrUnavailable = errors.New("redis is unreachable")

// ErrInvalidTeam says a team id is not [a-z0-9-]+.
var ErrInvalidTeam = errors.New("invalid team id")

// ErrUnknownVersion says a record or a team's key layout was written in a
// version this code does not read, typically by a newer flowbot.
var ErrUnknownVersion = errors.New("unknown version")

// schemaVersion is the layout version written to and expected in a team's
// schema key.
const schemaVersion = "1"

// Options configures a DB. The zero value is valid.
type Options struct {
	// Prefix starts every key; "flowbot" when empty. It may not contain '{'
	// or '}'.
	Prefix string
}

// DB stores coach values in Redis. It is safe for concurrent use.
type DB struct {
	rdb    redis.UniversalClient
	prefix string
	// prefixErr is reported by every call: New has no error result, and a
	// bad prefix must never reach a key.
	prefixErr error
}

// New returns a DB using rdb. A prefix with braces makes every call fail.
func New(rdb redis.UniversalClient, opts Options) *DB {
	db := &DB{rdb: rdb, prefix: opts.Prefix}
	if db.prefix == "" {
		db.prefix = "flowbot"
	}
	if strings.ContainsAny(db.prefix, "{}") {
		db.prefixErr = fmt.Errorf("invalid key prefix %q: braces would change the cluster hash tag", db.prefix)
	}
	return db
}

// Ping checks that Redis answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("pinging redis: %w", classify(ctx, err))
	}
	return nil
}

var teamPattern = regexp.MustCompile(`^[a-z0-9-]+$`)

// teamKeys holds the keys of one team.
type teamKeys struct {
	schema, items, prs, statuses, cursors, lastSync string
	incidents, deployments                          string
	flows, flowsDone, flowsWIP, flowsUpdated        string
	flowsCycle, flowsWIPDays, flowsWIPCounts        string
	legacyFlowsCycle, legacyFlowsWIPStatus          string
	flowFingerprint                                 string
	prsTime, prsOddSHA                              string
	// fencePrefix starts the keys of the highest fence that wrote, one
	// per lease: fencePrefix+"<source>:<project>".
	fencePrefix string
}

// keys validates team and returns its keys.
func (db *DB) keys(team string) (teamKeys, error) {
	if db.prefixErr != nil {
		return teamKeys{}, db.prefixErr
	}
	if !teamPattern.MatchString(team) {
		return teamKeys{}, fmt.Errorf("%w %q: want lowercase letters, digits and dashes", ErrInvalidTeam, team)
	}
	base := db.prefix + ":{" + team + "}:"
	return teamKeys{
		schema:   base + "schema",
		items:    base + "items",
		prs:      base + "prs",
		statuses: base + "statuses",
		cursors:  base + "cursors",
		lastSync: base + "lastsync",

		incidents:   base + "incidents",
		deployments: base + "deployments",

		flows:                base + "flows",
		flowsDone:            base + "flows:done",
		flowsWIP:             base + "flows:wip",
		flowsUpdated:         base + "flows:updated",
		flowsCycle:           base + "flows:cycledays",
		legacyFlowsCycle:     base + "flows:cycle",
		flowsWIPDays:         base + "flows:wipdays",
		flowsWIPCounts:       base + "flows:wipcounts",
		legacyFlowsWIPStatus: base + "flows:wipstatus",
		flowFingerprint:      base + "flows:fingerprint",

		prsTime:   base + "prs:time",
		prsOddSHA: base + "prs:oddsha",

		fencePrefix: base + "fence:",
	}, nil
}

// read runs queue in one MULTI/EXEC together with a GET of the schema key,
// so the data read belongs to the layout that was checked.
func (db *DB) read(ctx context.Context, k teamKeys, queue func(redis.Pipeliner)) error {
	var schema *redis.StringCmd
	cmds, err := db.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		schema = p.Get(ctx, k.schema)
		queue(p)
		return nil
	})
	if err != nil {
		// TxPipelined reports the first command's error, and a missing key
		// (redis.Nil) is an answer, not a failure: look past it.
		if !errors.Is(err, redis.Nil) {
			return classify(ctx, err)
		}
		for _, c := range cmds {
			if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
				return classify(ctx, err)
			}
		}
	}
	return checkSchema(ctx, schema)
}

// maxWriteAttempts bounds retries when another writer changes a watched key
// between our check and our EXEC: the schema key (a team's first write, a
// migration) or a fence key (the first write of each lease grant). Those
// changes are few, so a bound above them never fails a write that would
// have landed, yet still stops a livelock.
const maxWriteAttempts = 8

// write runs queue in one MULTI/EXEC after checking, under WATCH, that the
// team's layout is one this code writes. The schema key is set in the same
// transaction when missing, so a batch is either fully written under a
// known layout or not at all. A ctx from WithFence also has the write's
// fence checked and raised in that transaction.
func (db *DB) write(ctx context.Context, k teamKeys, queue func(redis.Pipeliner)) error {
	return db.writeChecked(ctx, k, nil, queue)
}

// writeChecked is write with a further check, run under WATCH of the schema
// key and of watch; an error from check aborts the write.
func (db *DB) writeChecked(ctx context.Context, k teamKeys, check func(*redis.Tx) error, queue func(redis.Pipeliner), watch ...string) error {
	fence, fenced := fenceOf(ctx)
	keys := append([]string{k.schema}, watch...)
	if fenced {
		keys = append(keys, fence.key(k))
	}
	txf := func(tx *redis.Tx) error {
		present, err := schemaPresent(ctx, tx.Get(ctx, k.schema))
		if err != nil {
			return err
		}
		raise := false
		if fenced {
			if raise, err = fence.check(ctx, tx, k); err != nil {
				return err
			}
		}
		if check != nil {
			if err := check(tx); err != nil {
				return err
			}
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			// Setting a key that holds the same value still counts as a
			// change to WATCH: setting it on every write would make every
			// concurrent writer of the team retry.
			if !present {
				p.Set(ctx, k.schema, schemaVersion, 0)
			}
			if raise {
				p.Set(ctx, fence.key(k), fence.fence, 0)
			}
			queue(p)
			return nil
		})
		return err
	}
	var err error
	for range maxWriteAttempts {
		err = db.rdb.Watch(ctx, txf, keys...)
		if !errors.Is(err, redis.TxFailedErr) {
			break
		}
	}
	return classify(ctx, err)
}

// checkSchema accepts a missing schema key (a team never written) or the
// version this code writes.
func checkSchema(ctx context.Context, cmd *redis.StringCmd) error {
	_, err := schemaPresent(ctx, cmd)
	return err
}

// schemaPresent is checkSchema that also reports whether the key exists.
func schemaPresent(ctx context.Context, cmd *redis.StringCmd) (bool, error) {
	v, err := cmd.Result()
	switch {
	case errors.Is(err, redis.Nil):
		return false, nil
	case err != nil:
		return false, classify(ctx, err)
	case v != schemaVersion:
		return false, fmt.Errorf("%w: key layout %q, this flowbot reads %q", ErrUnknownVersion, v, schemaVersion)
	}
	return true, nil
}

// classify marks errors that mean Redis cannot serve us with ErrUnavailable.
// Errors Redis answered with (wrong type, out of memory, ...) and the
// caller's own cancellation pass through unchanged.
func classify(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	var netErr net.Error
	switch {
	case errors.As(err, &netErr),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, redis.ErrClosed),
		errors.Is(err, redis.ErrPoolTimeout),
		redis.IsLoadingError(err),
		redis.IsMasterDownError(err),
		redis.IsClusterDownError(err),
		redis.IsTryAgainError(err),
		redis.IsReadOnlyError(err):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}
