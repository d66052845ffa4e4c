package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Leases split work between replicas: a lease on (source, project), such
// as ("jira", "payments") or ("github", "acme/api"), is held by one holder at
// a time and lapses by itself after its TTL unless renewed, so a replica
// that dies mid-work blocks the others for one TTL at most.
//
//	<prefix>:lease:{<source>:<project>}        string  the holder's token, with a TTL
//	<prefix>:lease:{<source>:<project>}:fence  string  counter of grants (the fencing token)
//
// Both keys carry the same hash tag, so the Lua scripts that touch them run
// on one Cluster slot. A token is "<fence>:<random>": the fence grows with
// every grant of the lease, so a write stamped with an older fence can be
// told from one by the current holder.

// ErrLeaseLost says a lease expired or was taken by another holder before
// its renewal or release.
var ErrLeaseLost = errors.New("lease lost")

// DefaultLeaseTTL is how long a lease lasts without renewal.
const DefaultLeaseTTL = 30 * time.Second

// Leases grants leases stored in Redis. It is safe for concurrent use.
type Leases struct {
	db  *DB
	ttl time.Duration
}

// Leases returns leases under db's prefix that last ttl unless renewed
// (DefaultLeaseTTL when ttl <= 0).
func (db *DB) Leases(ttl time.Duration) *Leases {
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	return &Leases{db: db, ttl: ttl}
}

// TTL is how long a lease lasts without renewal: holders renew well within
// it.
func (l *Leases) TTL() time.Duration { return l.ttl }

// acquireScript takes KEYS[1] (the lease) with SET NX PX when nobody holds
// it, counting the grant in KEYS[2] (the fence). ARGV: random part, TTL ms.
var acquireScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local fence = redis.call('INCR', KEYS[2])
local token = fence .. ':' .. ARGV[1]
if not redis.call('SET', KEYS[1], token, 'NX', 'PX', ARGV[2]) then return false end
return token
`)

// renewScript extends KEYS[1] to ARGV[2] ms if it still holds ARGV[1].
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

// releaseScript deletes KEYS[1] if it still holds ARGV[1]: compare and
// delete, so a holder whose lease lapsed never frees another's.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

var leasePartPattern = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)

func (l *Leases) key(source, project string) (string, error) {
	if l.db.prefixErr != nil {
		return "", l.db.prefixErr
	}
	if !teamPattern.MatchString(source) {
		return "", fmt.Errorf("invalid lease source %q: want lowercase letters, digits and dashes", source)
	}
	if len(project) > 200 || !leasePartPattern.MatchString(project) {
		return "", fmt.Errorf("invalid lease project %q: want up to 200 letters, digits and ._/-", project)
	}
	return l.db.prefix + ":lease:{" + source + ":" + project + "}", nil
}

// Acquire takes the lease on (source, project). It returns the holder's
// token and true, or "" and false when another holder has the lease.
func (l *Leases) Acquire(ctx context.Context, source, project string) (string, bool, error) {
	key, err := l.key(source, project)
	if err != nil {
		return "", false, fmt.Errorf("taking lease: %w", err)
	}
	b := make([]byte, 12)
	rand.Read(b)
	token, err := acquireScript.Run(ctx, l.db.rdb, []string{key, key + ":fence"}, hex.EncodeToString(b), l.ttl.Milliseconds()).Text()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("taking lease on %s %s: %w", source, project, classify(ctx, err))
	}
	return token, true, nil
}

// Renew extends the lease held with token by the TTL, or returns
// ErrLeaseLost when token no longer holds it.
func (l *Leases) Renew(ctx context.Context, source, project, token string) error {
	return l.run(ctx, renewScript, "renewing", source, project, token, l.ttl.Milliseconds())
}

// Release frees the lease held with token, or returns ErrLeaseLost when
// token no longer holds it (it lapsed; another holder's lease stays).
func (l *Leases) Release(ctx context.Context, source, project, token string) error {
	return l.run(ctx, releaseScript, "releasing", source, project, token)
}

func (l *Leases) run(ctx context.Context, s *redis.Script, verb, source, project, token string, args ...any) error {
	key, err := l.key(source, project)
	if err != nil {
		return fmt.Errorf("%s lease: %w", verb, err)
	}
	n, err := s.Run(ctx, l.db.rdb, []string{key}, append([]any{token}, args...)...).Int()
	if err != nil {
		return fmt.Errorf("%s lease on %s %s: %w", verb, source, project, classify(ctx, err))
	}
	if n == 0 {
		return fmt.Errorf("%s lease on %s %s: %w", verb, source, project, ErrLeaseLost)
	}
	return nil
}

// Holder returns the token holding the lease on (source, project), or ""
// when nobody does.
func (l *Leases) Holder(ctx context.Context, source, project string) (string, error) {
	key, err := l.key(source, project)
	if err != nil {
		return "", fmt.Errorf("reading lease: %w", err)
	}
	token, err := l.db.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading lease on %s %s: %w", source, project, classify(ctx, err))
	}
	return token, nil
}

// Fence returns the fencing token of a lease token: the grant's number,
// larger for every later grant of the same lease.
func Fence(token string) (int64, error) {
	n, _, ok := strings.Cut(token, ":")
	if !ok {
		return 0, fmt.Errorf("lease token %q has no fence", token)
	}
	f, err := strconv.ParseInt(n, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("lease token %q: %w", token, err)
	}
	return f, nil
}
