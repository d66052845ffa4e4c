package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Fencing closes the gap a lease leaves open: a holder that stalls past its
// TTL (a long GC pause, a partition) does not know it lost the lease, and
// without a check at the storage its next write would land on top of what
// the new holder wrote. So a write made under a lease carries the lease's
// token (WithFence), and the store keeps, in the team's own keyspace, the
// highest fence that wrote for each (source, project):
//
//	<prefix>:{<team>}:fence:<source>:<project>  string  highest fence that wrote
//
// A write whose fence is lower is refused; an equal or higher one raises the
// key in the same MULTI as the write, under WATCH of the key, so the check
// and the write are one atomic step. The key cannot sit beside the lease's
// own counter ({source:project}) because every key of a MULTI must be in the
// team's Cluster slot; the fences grow with every grant all the same, so
// comparing them is enough.

// ErrStaleFence says a write was refused because a newer grant of its lease
// already wrote: the writer lost its lease. It wraps ErrLeaseLost, so
// callers that stop on a lost lease stop on it too.
var ErrStaleFence = fmt.Errorf("stale fence: %w", ErrLeaseLost)

// fenceKey is the context key of a write's fence.
type fenceKey struct{}

// writeFence is the lease a write is made under.
type writeFence struct {
	source, project string
	fence           int64
}

// WithFence returns ctx carrying the lease token held on (source, project):
// every store write made with the returned ctx is refused, with an error
// wrapping ErrStaleFence, once a write under a newer grant of that lease
// landed for the same team. Writes made without it are not checked.
func WithFence(ctx context.Context, source, project, token string) (context.Context, error) {
	if !teamPattern.MatchString(source) {
		return ctx, fmt.Errorf("fencing writes: invalid lease source %q: want lowercase letters, digits and dashes", source)
	}
	if len(project) > 200 || !leasePartPattern.MatchString(project) {
		return ctx, fmt.Errorf("fencing writes: invalid lease project %q: want up to 200 letters, digits and ._/-", project)
	}
	f, err := Fence(token)
	if err != nil {
		return ctx, fmt.Errorf("fencing writes on %s %s: %w", source, project, err)
	}
	return context.WithValue(ctx, fenceKey{}, writeFence{source: source, project: project, fence: f}), nil
}

// Fenced returns ctx carrying token as WithFence does: it lets the lease
// hand out the fence of its own grants.
func (l *Leases) Fenced(ctx context.Context, source, project, token string) (context.Context, error) {
	return WithFence(ctx, source, project, token)
}

// FencedOff reports whether err is a write refused for a stale fence.
func (l *Leases) FencedOff(err error) bool { return errors.Is(err, ErrStaleFence) }

// fenceOf returns the fence ctx carries, if any.
func fenceOf(ctx context.Context) (writeFence, bool) {
	f, ok := ctx.Value(fenceKey{}).(writeFence)
	return f, ok
}

// key is the fence key of f among the team's keys k.
func (f writeFence) key(k teamKeys) string {
	return k.fencePrefix + f.source + ":" + f.project
}

// check refuses the write when a newer fence already wrote and reports
// whether the write must raise the stored fence to f's.
func (f writeFence) check(ctx context.Context, tx *redis.Tx, k teamKeys) (raise bool, err error) {
	s, err := tx.Get(ctx, f.key(k)).Result()
	if errors.Is(err, redis.Nil) {
		return true, nil
	}
	if err != nil {
		return false, classify(ctx, err)
	}
	met, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return false, fmt.Errorf("reading the fence of %s %s: %q is not a number", f.source, f.project, s)
	}
	if met > f.fence {
		return false, fmt.Errorf("%w: lease on %s %s held with fence %d, fence %d already wrote", ErrStaleFence, f.source, f.project, f.fence, met)
	}
	return met < f.fence, nil
}
