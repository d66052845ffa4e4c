package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flowbot/flowbot/coach"
)

// The compact parts of the flow index: what cycle time, throughput, the
// SLE, forecasts and work in progress read of an item, in a few
// fixed-width numbers, so such an answer reads little more than the raw
// (done, cycle time) pairs it needs. They shadow the flow records of
// flows:done and flows:wip and are written and removed with them.
//
//	flows:cycledays  one member per UTC day some item was done on, scored
//	                 by the day (Unix days), packing the cycle records of
//	                 the items done that day, by done time then key:
//	                 done, started (Unix ms, big-endian int64), a byte
//	                 saying whether it started, the key (uvarint length
//	                 and bytes)
//	flows:wipstatus  started (Unix ms), the class byte, the status
//	                 (uvarint length and bytes), the key
//
// Packing a day's deliveries into one member is what makes a window cheap
// to read: a 90-day window of a busy team is 90 strings from Redis rather
// than ten thousand, each decoded in place.

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

// cycleRecord is one delivered flow's record in its day's member.
func cycleRecord(f *coach.Flow) string {
	b := make([]byte, 0, 18+len(f.Item.Key))
	b = appendMs(b, f.Done)
	b = appendMs(b, f.Started)
	if f.Started.IsZero() {
		b = append(b, 0)
	} else {
		b = append(b, 1)
	}
	b = binary.AppendUvarint(b, uint64(len(f.Item.Key)))
	return string(append(b, f.Item.Key...))
}

var errBadCompact = errors.New("decoding a compact flow index member: bad length")

// nextCycle splits the first cycle record off a day's member: the record,
// its done time (Unix ms) and key, and the rest.
func nextCycle(m string) (rec string, done int64, key, rest string, err error) {
	if len(m) < 18 || m[16] > 1 {
		return "", 0, "", "", errBadCompact
	}
	key, p, ok := flowStr(m, 17)
	if !ok || key == "" {
		return "", 0, "", "", errBadCompact
	}
	return m[:p], msOf(m), key, m[p:], nil
}

// decodeCycle reads a cycle record (as nextCycle split it) into *d,
// without Times.
func decodeCycle(d *coach.Delivery, rec, key string) {
	d.Key, d.Done, d.Started = key, msTime(rec[0:8]), time.Time{}
	if rec[16] == 1 {
		d.Started = msTime(rec[8:16])
	}
}

// decodeCycleDays reads the deliveries done in [from, to) (Unix ms) from
// day members: the first and last days may hold some outside.
func decodeCycleDays(days []string, from, to int64) ([]coach.Delivery, error) {
	n := 0
	for _, m := range days {
		for len(m) > 0 {
			_, done, _, rest, err := nextCycle(m)
			if err != nil {
				return nil, fmt.Errorf("%w (%d bytes left of a day)", err, len(m))
			}
			if done >= from && done < to {
				n++
			}
			m = rest
		}
	}
	ds := make([]coach.Delivery, 0, n)
	for _, m := range days {
		for len(m) > 0 {
			rec, done, key, rest, _ := nextCycle(m)
			if done >= from && done < to {
				ds = append(ds, coach.Delivery{})
				decodeCycle(&ds[len(ds)-1], rec, key)
			}
			m = rest
		}
	}
	return ds, nil
}

// cycleDays are the new members of the days a write touches: each day's
// records as stored, less those of the keys written (whose flows replace
// them), plus the records written.
type cycleDays map[int64][]string

// add puts a record into its day.
func (c cycleDays) add(day int64, rec string) { c[day] = append(c[day], rec) }

// keep adds the records of a stored day member but those of dropped keys.
func (c cycleDays) keep(day int64, m string, dropped map[string]bool) error {
	for len(m) > 0 {
		rec, _, key, rest, err := nextCycle(m)
		if err != nil {
			return err
		}
		if !dropped[key] {
			c.add(day, rec)
		}
		m = rest
	}
	if _, ok := c[day]; !ok {
		c[day] = nil // touched, and now empty
	}
	return nil
}

// dayMember packs a day's records, by done time then key, so the same
// deliveries always make the same member.
func dayMember(recs []string) string {
	slices.SortFunc(recs, func(a, b string) int {
		_, da, ka, _, _ := nextCycle(a)
		_, db, kb, _, _ := nextCycle(b)
		return cmp.Or(cmp.Compare(da, db), strings.Compare(ka, kb))
	})
	return strings.Join(recs, "")
}

// wipMember is an in-progress flow's member of flows:wipstatus.
func wipMember(f *coach.Flow) string {
	b := make([]byte, 0, 11+len(f.Status)+len(f.Item.Key))
	b = appendMs(b, f.Started)
	b = append(b, byte(f.Class))
	b = binary.AppendUvarint(b, uint64(len(f.Status)))
	b = append(b, f.Status...)
	return string(append(b, f.Item.Key...))
}

// splitWIP reads a flows:wipstatus member's parts.
func splitWIP(m string) (started time.Time, class coach.Class, status, key string, err error) {
	if len(m) < 10 {
		return time.Time{}, 0, "", "", errBadCompact
	}
	status, p, ok := flowStr(m, 9)
	if !ok || p >= len(m) {
		return time.Time{}, 0, "", "", errBadCompact
	}
	return msTime(m[0:8]), coach.Class(m[8]), status, m[p:], nil
}

// eachWIP calls fn with the parts of each flows:wipstatus member, leaving
// out the items changed, whose flows the caller reads itself.
func eachWIP(recs []string, changed []coach.Item, fn func(started time.Time, class coach.Class, status string)) error {
	skip := make(map[string]bool, len(changed))
	for _, it := range changed {
		skip[it.Key] = true
	}
	for _, m := range recs {
		started, class, status, key, err := splitWIP(m)
		if err != nil {
			return fmt.Errorf("%w (%d bytes)", err, len(m))
		}
		if len(skip) == 0 || !skip[key] {
			fn(started, class, status)
		}
	}
	return nil
}

// countWIPs counts flows:wipstatus members by status.
func countWIPs(recs []string, changed []coach.Item) (map[string]int, error) {
	counts := map[string]int{}
	err := eachWIP(recs, changed, func(_ time.Time, _ coach.Class, status string) { counts[status]++ })
	return counts, err
}

// wipStarts reads when the items of flows:wipstatus members started:
// cycle time's reading needs no more of the work in progress than its
// ages. Only a flow in progress has a member, but one that says
// otherwise is not counted.
func wipStarts(recs []string, changed []coach.Item) ([]time.Time, error) {
	starts := make([]time.Time, 0, len(recs))
	err := eachWIP(recs, changed, func(started time.Time, class coach.Class, _ string) {
		if (coach.Flow{Started: started, Class: class}).InProgress() {
			starts = append(starts, started)
		}
	})
	return starts, err
}
