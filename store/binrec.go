package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Binary records (item and pull-request records from version 3).
//
// A binary record starts with its version byte, which is never '{': the
// first byte tells a binary record from a JSON one of an older version. The
// rest is a sequence of:
//
//   - unsigned numbers and lengths: uvarint;
//   - strings: uvarint length, then the bytes;
//   - times: a zigzag varint of 2*ms+s, where ms are Unix milliseconds
//     relative to the record's previous time (the first is absolute) and s
//     says a uvarint of the nanoseconds within the millisecond follows, so
//     full precision survives while Jira's and GitHub's whole milliseconds
//     cost nothing; a zero time is left out and marked in a flags field;
//   - strings that repeat within a record (status names, review authors)
//     as indexes into a table at its start.
//
// Decoding slices strings out of the record without copying and uses no
// reflection or maps.

var errShortBinary = errors.New("record ends early")

// binWriter appends a binary record.
type binWriter struct {
	b      []byte
	prevMs int64
}

func (w *binWriter) byte(c byte)   { w.b = append(w.b, c) }
func (w *binWriter) uint(n uint64) { w.b = binary.AppendUvarint(w.b, n) }
func (w *binWriter) int(n int64)   { w.b = binary.AppendVarint(w.b, n) }
func (w *binWriter) float(f float64) {
	w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(f))
}

func (w *binWriter) str(s string) {
	w.uint(uint64(len(s)))
	w.b = append(w.b, s...)
}

// time writes a non-zero t relative to the previous time written.
func (w *binWriter) time(t time.Time) {
	ms := t.UnixMilli()
	sub := int64(t.Nanosecond() % int(time.Millisecond))
	d := ms - w.prevMs
	w.prevMs = ms
	if sub == 0 {
		w.int(2 * d)
		return
	}
	w.int(2*d + 1)
	w.uint(uint64(sub))
}

// binReader reads a binary record; the first error sticks and every later
// read returns zero values.
type binReader struct {
	s      string
	prevMs int64
	err    error
}

func (r *binReader) fail() {
	if r.err == nil {
		r.err = errShortBinary
	}
	r.s = ""
}

func (r *binReader) byte() byte {
	if len(r.s) < 1 {
		r.fail()
		return 0
	}
	c := r.s[0]
	r.s = r.s[1:]
	return c
}

func (r *binReader) uint() uint64 {
	x, k := uvarint(r.s)
	if k <= 0 {
		r.fail()
		return 0
	}
	r.s = r.s[k:]
	return x
}

func (r *binReader) int() int64 {
	ux := r.uint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

// count reads a length that must fit in what is left of the record, each
// element taking at least one byte: a corrupt record cannot make the
// decoder allocate much.
func (r *binReader) count() int {
	n := r.uint()
	if n > uint64(len(r.s)) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *binReader) float() float64 {
	if len(r.s) < 8 {
		r.fail()
		return 0
	}
	bits := binary.LittleEndian.Uint64([]byte(r.s[:8]))
	r.s = r.s[8:]
	return math.Float64frombits(bits)
}

// str returns a substring of the record: no copy.
func (r *binReader) str() string {
	n := r.uint()
	if n > uint64(len(r.s)) {
		r.fail()
		return ""
	}
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

// time reads a time written by binWriter.time, in UTC.
func (r *binReader) time() time.Time {
	v := r.int()
	ms := r.prevMs + v>>1
	r.prevMs = ms
	var sub int64
	if v&1 != 0 {
		sub = int64(r.uint())
		if sub >= int64(time.Millisecond) {
			r.fail()
			return time.Time{}
		}
	}
	if r.err != nil {
		return time.Time{}
	}
	// time.Unix then UTC, without the division UnixMilli does twice.
	sec, msr := ms/1000, ms%1000
	if msr < 0 {
		sec, msr = sec-1, msr+1000
	}
	return time.Unix(sec, msr*int64(time.Millisecond)+sub).UTC()
}

// optTime reads a time whose presence a flag recorded.
func (r *binReader) optTime(present bool) time.Time {
	if !present {
		return time.Time{}
	}
	return r.time()
}

// end reports the sticky error, or trailing bytes.
func (r *binReader) end(what string) error {
	if r.err == nil && r.s != "" {
		r.err = errors.New("trailing bytes")
	}
	if r.err != nil {
		return fmt.Errorf("decoding %s record: %w", what, r.err)
	}
	return nil
}

// strTable is a record's table of repeated strings, written once at the
// start of the section that uses them.
type strTable struct {
	names []string
}

// index returns s's index, adding it when new. Linear: a record has a
// handful of distinct statuses or reviewers.
func (t *strTable) index(s string) int {
	for i, n := range t.names {
		if n == s {
			return i
		}
	}
	t.names = append(t.names, s)
	return len(t.names) - 1
}

// readTable reads a string table into buf (reused when large enough).
func (r *binReader) readTable(buf []string) []string {
	n := r.count()
	names := buf[:0]
	for range n {
		names = append(names, r.str())
	}
	return names
}

// ref reads an index into names.
func (r *binReader) ref(names []string) string {
	i := r.uint()
	if i >= uint64(len(names)) {
		if r.err == nil {
			r.err = errors.New("string index out of range")
		}
		r.s = ""
		return ""
	}
	return names[i]
}
