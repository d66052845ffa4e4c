package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/flowbot/flowbot/coach"
)

// The compact members of the flow index: what cycle time, throughput, the
// SLE, forecasts and work in progress read of an item, in a few
// fixed-width numbers, so such an answer reads little more than the raw
// (done, cycle time) pairs it needs. They shadow the flow records of
// flows:done and flows:wip and are written and removed with them.
//
//	flows:cycle      done, created, started (Unix ms, big-endian int64),
//	                 a byte saying whether it started, the key
//	flows:wipstatus  started (Unix ms), the class byte, the status
//	                 (uvarint length and bytes), the key

func appendMs(b []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(msFloor(t)))
}

// msTime reads 8 big-endian bytes of Unix milliseconds, from the string
// itself (no copy into a []byte).
func msTime(b string) time.Time {
	_ = b[7]
	ms := uint64(b[7]) | uint64(b[6])<<8 | uint64(b[5])<<16 | uint64(b[4])<<24 |
		uint64(b[3])<<32 | uint64(b[2])<<40 | uint64(b[1])<<48 | uint64(b[0])<<56
	return time.UnixMilli(int64(ms)).UTC()
}

// cycleMember is a delivered flow's member of flows:cycle.
func cycleMember(f *coach.Flow) string {
	b := make([]byte, 0, 25+len(f.Item.Key))
	b = appendMs(b, f.Done)
	b = appendMs(b, f.Item.Created)
	b = appendMs(b, f.Started)
	if f.Started.IsZero() {
		b = append(b, 0)
	} else {
		b = append(b, 1)
	}
	return string(append(b, f.Item.Key...))
}

var errBadCompact = errors.New("decoding a compact flow index member: bad length")

// decodeCycle reads a flows:cycle member into *d (without Times).
func decodeCycle(d *coach.Delivery, m string) error {
	if len(m) < 26 || m[24] > 1 {
		return errBadCompact
	}
	// The created time (m[8:16]) is not read: lead time comes with the
	// times a delivery is read with, which a compact member does not have.
	d.Done = msTime(m[0:8])
	if m[24] == 1 {
		d.Started = msTime(m[16:24])
	}
	d.Key = m[25:]
	return nil
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

// compactOf returns the compact member that shadows a flow record, and
// whether it is one of flows:cycle (else of flows:wipstatus).
func compactOf(rec string) (member string, cycle bool, err error) {
	f, err := decodeFlow(rec)
	if err != nil {
		return "", false, err
	}
	if f.Delivered() {
		return cycleMember(&f), true, nil
	}
	return wipMember(&f), false, nil
}

func decodeCycles(recs []string) ([]coach.Delivery, error) {
	ds := make([]coach.Delivery, len(recs))
	for i, m := range recs {
		if err := decodeCycle(&ds[i], m); err != nil {
			return nil, fmt.Errorf("%w (%d bytes)", err, len(m))
		}
	}
	return ds, nil
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
