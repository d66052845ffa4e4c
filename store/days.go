package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Day-packed indexes. The compact parts of the flow index keep one member
// per UTC day, scored by the day (Unix days), packing the records of the
// items that fall on that day, ordered by instant then key. A record is
//
//	at    Unix ms, big-endian int64 (done, or started)
//	key   the item key, uvarint length and bytes
//	body  uvarint length and bytes, read by the index's own decoder
//
// Packing is what makes a window cheap to read: 90 days of a busy team
// are 90 strings from Redis rather than ten thousand, each decoded in
// place without an allocation per item. A write rewrites only the days
// it touches.

const msPerDay = 24 * 60 * 60 * 1000

// dayOf is the UTC day of a Unix millisecond, rounded down (also before
// 1970).
func dayOf(ms int64) int64 {
	d := ms / msPerDay
	if ms%msPerDay < 0 {
		d--
	}
	return d
}

var errBadPacked = errors.New("decoding a day of the flow index: bad length")

// packRecord builds a record.
func packRecord(at int64, key string, body []byte) string {
	b := make([]byte, 0, 8+2+len(key)+2+len(body))
	b = binary.BigEndian.AppendUint64(b, uint64(at))
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	b = binary.AppendUvarint(b, uint64(len(body)))
	return string(append(b, body...))
}

// packed is a record split off a day's member.
type packed struct {
	rec, key, body string
	at             int64
}

// nextPacked splits the first record off a day's member and returns the
// rest.
func nextPacked(m string) (packed, string, error) {
	if len(m) < 10 {
		return packed{}, "", errBadPacked
	}
	key, p, ok := flowStr(m, 8)
	if !ok || key == "" {
		return packed{}, "", errBadPacked
	}
	body, p, ok := flowStr(m, p)
	if !ok {
		return packed{}, "", errBadPacked
	}
	return packed{rec: m[:p], key: key, body: body, at: msOf(m)}, m[p:], nil
}

// eachPacked calls fn with every record of days, in order, leaving out
// the keys of skip.
func eachPacked(days []string, skip map[string]bool, fn func(packed) error) error {
	for _, m := range days {
		for len(m) > 0 {
			r, rest, err := nextPacked(m)
			if err != nil {
				return fmt.Errorf("%w (%d bytes left of a day)", err, len(m))
			}
			if len(skip) == 0 || !skip[r.key] {
				if err := fn(r); err != nil {
					return err
				}
			}
			m = rest
		}
	}
	return nil
}

// countPacked counts the records of days, stopping at the first it cannot
// split (which eachPacked then reports).
func countPacked(days []string) int {
	n := 0
	for _, m := range days {
		for len(m) > 0 {
			_, rest, err := nextPacked(m)
			if err != nil {
				return n
			}
			n++
			m = rest
		}
	}
	return n
}

// dayWrite is one write to a day-packed index: the records it puts, by
// item key (a key put twice keeps its last record), and the days whose
// stored records of the keys written it replaces.
type dayWrite struct {
	zset    string
	fresh   map[string]packedAt
	touched map[int64]bool
	days    map[int64][]string // the new records of every day rewritten
}

type packedAt struct {
	day int64
	rec string
}

func newDayWrite(zset string) *dayWrite {
	return &dayWrite{zset: zset, fresh: map[string]packedAt{}}
}

// put adds key's record at (Unix ms).
func (w *dayWrite) put(key string, at int64, body []byte) {
	w.fresh[key] = packedAt{dayOf(at), packRecord(at, key, body)}
}

// drop forgets the record put for key: a later flow of it has none here.
func (w *dayWrite) drop(key string) { delete(w.fresh, key) }

// start begins the days to write: the days of the records put, and those
// the caller then touches with the stored records it replaces.
func (w *dayWrite) start() {
	w.touched, w.days = map[int64]bool{}, map[int64][]string{}
	for _, r := range w.fresh {
		w.touched[r.day] = true
	}
}

// touch names a day holding a stored record of a key written.
func (w *dayWrite) touch(at int64) { w.touched[dayOf(at)] = true }

// read queues the reads of the days touched.
func (w *dayWrite) read(ctx context.Context, p redis.Pipeliner) map[int64]*redis.StringSliceCmd {
	cmds := make(map[int64]*redis.StringSliceCmd, len(w.touched))
	for day := range w.touched {
		cmds[day] = p.ZRangeByScore(ctx, w.zset, &redis.ZRangeBy{Min: score(day), Max: score(day)})
	}
	return cmds
}

// merge builds the new records of each day touched from what read
// returned: the stored records but those of the keys written, and the
// records put.
func (w *dayWrite) merge(stored map[int64]*redis.StringSliceCmd, written map[string]bool) error {
	for day, cmd := range stored {
		w.days[day] = nil // rewritten, maybe to nothing
		if err := eachPacked(cmd.Val(), written, func(r packed) error {
			w.days[day] = append(w.days[day], r.rec)
			return nil
		}); err != nil {
			return fmt.Errorf("day %d of %s: %w", day, w.zset, err)
		}
	}
	w.replaceAll()
	return nil
}

// replaceAll makes the records put the only records of their days (the
// whole index, when it is rebuilt).
func (w *dayWrite) replaceAll() {
	for _, r := range w.fresh {
		w.days[r.day] = append(w.days[r.day], r.rec)
	}
}

// queue writes the days: each day touched loses its member and gets its
// new records as one (none when empty).
func (w *dayWrite) queue(ctx context.Context, p redis.Pipeliner, replace bool) {
	var members []redis.Z
	for day, recs := range w.days {
		if !replace {
			p.ZRemRangeByScore(ctx, w.zset, score(day), score(day))
		}
		if len(recs) > 0 {
			members = append(members, redis.Z{Score: float64(day), Member: dayMember(recs)})
		}
	}
	for chunk := range slices.Chunk(members, 1000) {
		p.ZAdd(ctx, w.zset, chunk...)
	}
}

// dayMember packs a day's records by instant then key, so the same
// records always make the same member.
func dayMember(recs []string) string {
	slices.SortFunc(recs, func(a, b string) int {
		ra, _, _ := nextPacked(a)
		rb, _, _ := nextPacked(b)
		return cmp.Or(cmp.Compare(ra.at, rb.at), strings.Compare(ra.key, rb.key))
	})
	return strings.Join(recs, "")
}
