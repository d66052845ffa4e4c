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
	d.Done, d.Created = msTime(m[0:8]), msTime(m[8:16])
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

// decodeWIP reads a flows:wipstatus member into *f: its key, status,
// class and start, nothing else.
func decodeWIP(f *coach.Flow, m string) error {
	if len(m) < 10 {
		return errBadCompact
	}
	f.Started, f.Class = msTime(m[0:8]), coach.Class(m[8])
	status, p, ok := flowStr(m, 9)
	if !ok || p >= len(m) {
		return errBadCompact
	}
	f.Status, f.Item.Key = status, m[p:]
	return nil
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

// countWIPs counts flows:wipstatus members by status, leaving out the
// items changed, whose flows the caller reads itself.
func countWIPs(recs []string, changed []coach.Item) (map[string]int, error) {
	skip := make(map[string]bool, len(changed))
	for _, it := range changed {
		skip[it.Key] = true
	}
	counts := map[string]int{}
	for _, m := range recs {
		if len(m) < 10 {
			return nil, fmt.Errorf("%w (%d bytes)", errBadCompact, len(m))
		}
		status, p, ok := flowStr(m, 9)
		if !ok || p >= len(m) {
			return nil, fmt.Errorf("%w (%d bytes)", errBadCompact, len(m))
		}
		if len(skip) == 0 || !skip[m[p:]] {
			counts[status]++
		}
	}
	return counts, nil
}

func decodeWIPs(recs []string) ([]coach.Flow, error) {
	fs := make([]coach.Flow, len(recs))
	for i, m := range recs {
		if err := decodeWIP(&fs[i], m); err != nil {
			return nil, fmt.Errorf("%w (%d bytes)", err, len(m))
		}
	}
	return fs, nil
}
