package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/flowbot/flowbot/coach"
)

// The compact parts of the flow index, day-packed (days.go): what cycle
// time, throughput, the SLE, forecasts, work in progress and aging read of
// an item, in a few numbers and names, so such an answer reads little more
// than the raw data it needs. They shadow the flow records of flows:done
// and flows:wip and are written and removed with them.
//
//	flows:cycledays  by done time; body: when it started (Unix ms,
//	                 big-endian int64) and a byte saying whether it did
//	flows:wipdays    by start; body: the class byte, then the status,
//	                 title and assignee (each uvarint length and bytes)

func appendMs(b []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(msFloor(t)))
}

// msTime reads 8 big-endian bytes of Unix milliseconds, from the string
// itself (no copy into a []byte).
func msTime(b string) time.Time {
	return time.UnixMilli(msOf(b)).UTC()
}

func msOf(b string) int64 {
	_ = b[7]
	return int64(uint64(b[7]) | uint64(b[6])<<8 | uint64(b[5])<<16 | uint64(b[4])<<24 |
		uint64(b[3])<<32 | uint64(b[2])<<40 | uint64(b[1])<<48 | uint64(b[0])<<56)
}

var errBadCompact = errors.New("decoding a compact flow index record: bad length")

// cycleBody is the body of a delivered flow's record.
func cycleBody(f *coach.Flow) []byte {
	b := appendMs(make([]byte, 0, 9), f.Started)
	if f.Started.IsZero() {
		return append(b, 0)
	}
	return append(b, 1)
}

// decodeCycleDays reads the deliveries done in [from, to) (Unix ms) from
// days of flows:cycledays, whose first and last may hold some outside.
// This is the inner loop of cycle time, throughput, the SLE and forecasts:
// nextCycle reads the usual record (a key under 128 bytes) inline.
func decodeCycleDays(days []string, from, to int64) ([]coach.Delivery, error) {
	n := 0
	for _, m := range days {
		for len(m) > 0 {
			at, _, _, rest, ok := nextCycle(m)
			if !ok {
				return nil, fmt.Errorf("%w (%d bytes left of a day)", errBadCompact, len(m))
			}
			if at >= from && at < to {
				n++
			}
			m = rest
		}
	}
	ds := make([]coach.Delivery, n)
	i := 0
	for _, m := range days {
		for len(m) > 0 {
			at, key, body, rest, _ := nextCycle(m)
			if at >= from && at < to {
				d := &ds[i]
				d.Key, d.Done = key, time.UnixMilli(at).UTC()
				if body[8] == 1 {
					d.Started = msTime(body)
				}
				i++
			}
			m = rest
		}
	}
	return ds, nil
}

// nextCycle splits the first cycle record off a day's member: when it was
// done (Unix ms), its key and its 9-byte body, and the rest.
func nextCycle(m string) (at int64, key, body, rest string, ok bool) {
	if len(m) >= 20 && m[8] < 0x80 {
		p := 9 + int(m[8])
		if p+10 <= len(m) && m[p] == 9 && m[p+9] <= 1 && p > 9 {
			return msOf(m), m[9:p], m[p+1 : p+10], m[p+10:], true
		}
	}
	r, rest, err := nextPacked(m)
	if err != nil || len(r.body) != 9 || r.body[8] > 1 {
		return 0, "", "", "", false
	}
	return r.at, r.key, r.body, rest, true
}

// wipBody is the body of an in-progress flow's record.
func wipBody(f *coach.Flow) []byte {
	b := make([]byte, 0, 4+len(f.Status)+len(f.Item.Title)+len(f.Item.Assignee))
	b = append(b, byte(f.Class))
	for _, s := range []string{f.Status, f.Item.Title, f.Item.Assignee} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// decodeWIP reads a flows:wipdays record into *x.
func decodeWIP(x *coach.Work, r packed) error {
	if len(r.body) < 4 {
		return errBadCompact
	}
	status, p, ok := flowStr(r.body, 1)
	if !ok {
		return errBadCompact
	}
	title, p, ok := flowStr(r.body, p)
	if !ok {
		return errBadCompact
	}
	assignee, p, ok := flowStr(r.body, p)
	if !ok || p != len(r.body) {
		return errBadCompact
	}
	*x = coach.Work{Key: r.key, Title: title, Assignee: assignee, Status: status, Class: coach.Class(r.body[0]), Started: time.UnixMilli(r.at).UTC()}
	return nil
}

// skipping is the set of the keys of the items changed, whose flows the
// caller reads itself.
func skipping(changed []coach.Item) map[string]bool {
	skip := make(map[string]bool, len(changed))
	for _, it := range changed {
		skip[it.Key] = true
	}
	return skip
}

// wipStarts reads when each item in progress started: cycle time's
// reading needs no more of the work in progress than its ages. Only a
// flow in progress has a record, but one that says otherwise is not
// counted. It reads the class of each record, not its names.
func wipStarts(days []string, changed []coach.Item) ([]time.Time, error) {
	skip := skipping(changed)
	starts := make([]time.Time, 0, countPacked(days))
	for _, m := range days {
		for len(m) > 0 {
			r, rest, err := nextPacked(m)
			if err != nil || len(r.body) < 4 {
				return nil, fmt.Errorf("%w (%d bytes left of a day)", cmp.Or(err, errBadCompact), len(m))
			}
			m = rest
			if len(skip) > 0 && skip[r.key] {
				continue
			}
			x := coach.Work{Class: coach.Class(r.body[0]), Started: time.UnixMilli(r.at).UTC()}
			if x.InProgress() {
				starts = append(starts, x.Started)
			}
		}
	}
	return starts, nil
}

// wipWork reads the work in progress as aging lists it, those changed left
// out.
func wipWork(days []string, changed []coach.Item) ([]coach.Work, error) {
	work := make([]coach.Work, 0, countPacked(days))
	err := eachPacked(days, skipping(changed), func(r packed) error {
		work = append(work, coach.Work{})
		return decodeWIP(&work[len(work)-1], r)
	})
	if err != nil {
		return nil, err
	}
	return work, nil
}
