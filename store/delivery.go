package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/redis/go-redis/v9"
)

// A delivered flow's record in the index may carry the item's times between
// start and done (coach.ItemTimes, computed once when the flow is indexed),
// after its other fields:
//
//	uvarint  stages
//	varint   active, wait, lead  (zigzag, milliseconds)
//	per stage: a flags byte (timesPassed, timesRework, timesSpent), then,
//	           with timesSpent, varint active and wait (milliseconds)
//
// Milliseconds, as every time in a flow record: Jira's instants are whole
// milliseconds, so are the spans between them.
const (
	timesPassed = 1 << iota
	timesRework
	timesSpent
)

func appendMillis(b []byte, d time.Duration) []byte {
	return binary.AppendVarint(b, int64(d/time.Millisecond))
}

func encodeTimes(b []byte, t *coach.ItemTimes) []byte {
	n := len(t.StageActive)
	b = binary.AppendUvarint(b, uint64(n))
	b = appendMillis(b, t.Active)
	b = appendMillis(b, t.Wait)
	b = appendMillis(b, t.Lead)
	for i := range n {
		var fl byte
		if t.Passed[i] {
			fl |= timesPassed
		}
		if t.Rework[i] {
			fl |= timesRework
		}
		spent := t.StageActive[i] != 0 || t.StageWait[i] != 0
		if spent {
			fl |= timesSpent
		}
		b = append(b, fl)
		if spent {
			b = appendMillis(b, t.StageActive[i])
			b = appendMillis(b, t.StageWait[i])
		}
	}
	return b
}

var errBadTimes = errors.New("decoding flow record: bad times section")

// millis reads a varint of milliseconds at rec[p:].
func millis(rec string, p int) (time.Duration, int, bool) {
	ux, k := uvarint(rec[min(p, len(rec)):])
	if k <= 0 {
		return 0, p, false
	}
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return time.Duration(x) * time.Millisecond, p + k, true
}

// decodeTimes reads the times section at rec[p:] into t, whose per-stage
// slices come from the slabs, and returns where it ends.
func decodeTimes(rec string, p int, t *coach.ItemTimes, slabs *timeSlabs) (int, error) {
	n64, k := uvarint(rec[min(p, len(rec)):])
	if k <= 0 || n64 > 255 {
		return p, errBadTimes
	}
	p += k
	n := int(n64)
	var ok bool
	for _, dst := range [3]*time.Duration{&t.Active, &t.Wait, &t.Lead} {
		if *dst, p, ok = millis(rec, p); !ok {
			return p, errBadTimes
		}
	}
	if slabs != nil {
		t.StageActive, t.StageWait = slabs.durations(n), slabs.durations(n)
		t.Passed, t.Rework = slabs.flags(n), slabs.flags(n)
	}
	for i := range n {
		if p >= len(rec) {
			return p, errBadTimes
		}
		fl := rec[p]
		p++
		var active, wait time.Duration
		if fl&timesSpent != 0 {
			if active, p, ok = millis(rec, p); !ok {
				return p, errBadTimes
			}
			if wait, p, ok = millis(rec, p); !ok {
				return p, errBadTimes
			}
		}
		if slabs != nil {
			t.StageActive[i], t.StageWait[i] = active, wait
			t.Passed[i], t.Rework[i] = fl&timesPassed != 0, fl&timesRework != 0
		}
	}
	return p, nil
}

// skipTimes checks the times section at rec[p:] and returns where it ends.
func skipTimes(rec string, p int) (int, error) {
	var t coach.ItemTimes
	return decodeTimes(rec, p, &t, nil)
}

// timeSlabs hand out the per-stage slices of many ItemTimes from a few
// large allocations.
type timeSlabs struct {
	durs  []time.Duration
	bools []bool
}

func (s *timeSlabs) durations(n int) []time.Duration {
	if len(s.durs) < n {
		s.durs = make([]time.Duration, max(n, 4096))
	}
	out := s.durs[:n:n]
	s.durs = s.durs[n:]
	return out
}

func (s *timeSlabs) flags(n int) []bool {
	if len(s.bools) < n {
		s.bools = make([]bool, max(n, 4096))
	}
	out := s.bools[:n:n]
	s.bools = s.bools[n:]
	return out
}

// errNoTimes says a delivered flow's record carries no times: the index was
// written without them and must be rebuilt for answers that need them.
var errNoTimes = errors.New("flow record of a started delivery has no times")

// decodeDeliveries decodes the records of delivered flows as deliveries, in
// order, each with a start with its Times, from one slice of ItemTimes.
func decodeDeliveries(recs []string) ([]coach.Delivery, error) {
	ds := make([]coach.Delivery, len(recs))
	all := make([]coach.ItemTimes, len(recs))
	var slabs timeSlabs
	for i, rec := range recs {
		if err := decodeDelivery(&ds[i], rec, &all[i], &slabs); err != nil {
			return nil, err
		}
	}
	return ds, nil
}

// decodeDelivery reads the key and times of a delivered flow's record
// into *d, and into *t (when not nil) its times section, which a record
// with a start must then have.
func decodeDelivery(d *coach.Delivery, rec string, t *coach.ItemTimes, slabs *timeSlabs) error {
	if len(rec) < 3 {
		return fmt.Errorf("decoding flow record: %w", errShortRecord)
	}
	v, flags := rec[0], rec[1]
	if v != flowRecordVersion && v != flowRecordTimed {
		return fmt.Errorf("%w: flow record version %d, this flowbot reads %d and %d", ErrUnknownVersion, v, flowRecordVersion, flowRecordTimed)
	}
	p := 3
	for i := range 8 {
		s, next, ok := flowStr(rec, p)
		if !ok {
			return fmt.Errorf("decoding flow record: %w", errShortRecord)
		}
		if i == 0 {
			d.Key = s
		}
		p = next
	}
	for _, tf := range [5]struct {
		dst  *time.Time // nil: skipped, a delivery does not keep it
		flag byte
	}{{nil, flagCreated}, {nil, flagUpdated}, {nil, flagResolved}, {&d.Started, flagStarted}, {&d.Done, flagDone}} {
		if flags&tf.flag == 0 {
			continue
		}
		if tf.dst == nil {
			_, k := uvarint(rec[min(p, len(rec)):])
			if k <= 0 {
				return fmt.Errorf("decoding flow record: %w", errShortRecord)
			}
			p += k
			continue
		}
		tt, next, ok := flowTime(rec, p)
		if !ok {
			return fmt.Errorf("decoding flow record: %w", errShortRecord)
		}
		*tf.dst, p = tt, next
	}
	if d.Done.IsZero() {
		return fmt.Errorf("decoding flow record of %s: not delivered", d.Key)
	}
	if flags&flagPoints != 0 {
		p += 8
	}
	if t == nil || d.Started.IsZero() {
		return nil
	}
	if v != flowRecordTimed {
		return fmt.Errorf("%s: %w", d.Key, errNoTimes)
	}
	if _, err := decodeTimes(rec, p, t, slabs); err != nil {
		return fmt.Errorf("%s: %w", d.Key, err)
	}
	d.Times = t
	return nil
}

// TeamDeliveries reads in one MULTI what an answer over the work delivered
// in [from, to) needs: the team's statuses and last sync, the flow index's
// fingerprint, the deliveries the index has as done in the window (by done
// time; with their Times, from the flow records, when times is true; else
// from the compact records), the work in progress when wip is true (as
// coach.Work, from the compact records, those changed after to left out),
// and in full the items changed after to. As with AnswerFlows, the caller
// reads the changed items itself and drops them from the rest. Times are
// read as the index keeps them: in calendar time, in whole milliseconds.
func (db *DB) TeamDeliveries(ctx context.Context, team string, from, to time.Time, wip, times bool) (statuses []coach.Status, lastSync time.Time, fingerprint string, delivered []coach.Delivery, work []coach.Work, changed []coach.Item, err error) {
	r, err := db.readTeam(ctx, team, teamRead{from: from, to: to, wip: wip, wipStatus: wip, wipLean: wip, head: true, deliveries: true, times: times})
	if err != nil {
		return nil, time.Time{}, "", nil, nil, nil, fmt.Errorf("reading deliveries of %s: %w", team, err)
	}
	return r.statuses, r.lastSync, r.fingerprint, r.delivered, r.work, r.changed, nil
}

// TeamCycles is TeamDeliveries without Times, and with only when each
// item in progress started (when wip), those changed after to left out.
// It reads the compact members only: what cycle time, throughput and
// forecasts need.
func (db *DB) TeamCycles(ctx context.Context, team string, from, to time.Time, wip bool) (statuses []coach.Status, lastSync time.Time, fingerprint string, delivered []coach.Delivery, wipStarts []time.Time, changed []coach.Item, err error) {
	r, err := db.readTeam(ctx, team, teamRead{from: from, to: to, wip: wip, wipStatus: wip, head: true, deliveries: true})
	if err != nil {
		return nil, time.Time{}, "", nil, nil, nil, fmt.Errorf("reading deliveries of %s: %w", team, err)
	}
	return r.statuses, r.lastSync, r.fingerprint, r.delivered, r.wipStarts, r.changed, nil
}

// TeamWIP reads in one MULTI what the work in progress as of to needs:
// the team's statuses and last sync, the flow index's fingerprint, how
// many of the items the index has in progress are in each status (those
// changed after to left out), and in full the items changed after to,
// which the caller reads as of to itself. The counts are kept as the
// index is written (flows:wipcounts), so this reads a field per status
// rather than a record per item.
func (db *DB) TeamWIP(ctx context.Context, team string, to time.Time) (statuses []coach.Status, lastSync time.Time, fingerprint string, counts map[string]int, changed []coach.Item, err error) {
	fail := func(err error) ([]coach.Status, time.Time, string, map[string]int, []coach.Item, error) {
		return nil, time.Time{}, "", nil, nil, fmt.Errorf("reading work in progress of %s: %w", team, err)
	}
	k, err := db.keys(team)
	if err != nil {
		return fail(err)
	}
	var st, last, fp *redis.StringCmd
	var stored *redis.MapStringStringCmd
	var updated *redis.Cmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		st, last, fp = p.Get(ctx, k.statuses), p.Get(ctx, k.lastSync), p.Get(ctx, k.flowFingerprint)
		stored = p.HGetAll(ctx, k.flowsWIPCounts)
		updated = p.Eval(ctx, rangeThenGetBoth, []string{k.flowsUpdated, k.items, k.flows}, "("+score(msFloor(to)), "+inf")
	})
	if err != nil {
		return fail(err)
	}
	if statuses, lastSync, err = decodeHead(st, last); err != nil {
		return fail(err)
	}
	counts = make(map[string]int, len(stored.Val()))
	for status, v := range stored.Val() {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fail(fmt.Errorf("count of %q in progress: %w", status, err))
		}
		if n > 0 { // a status no item is in any more
			counts[status] = n
		}
	}
	changed, recs, err := itemsAndFlows(updated)
	if err != nil {
		return fail(err)
	}
	// The changed items are counted as the index has them now: the caller
	// counts them as of to instead.
	for _, rec := range recs {
		if rec == "" {
			continue // not in the index
		}
		f, err := decodeFlow(rec)
		if err != nil {
			return fail(err)
		}
		if f.InProgress() {
			if counts[f.Status]--; counts[f.Status] <= 0 {
				delete(counts, f.Status)
			}
		}
	}
	return statuses, lastSync, fp.Val(), counts, changed, nil
}

// ItemsActiveSince returns in full, by key, the items team's flow index has
// in progress or changed (created, updated or moved) at or after t, with
// the fingerprint the index was built with: every item that can have been
// in progress at some instant from t on. (An item in progress whose start
// the index could not tell, which only an item created at the zero time
// can be, is left out.) Two scripts in one MULTI.
func (db *DB) ItemsActiveSince(ctx context.Context, team string, t time.Time) (fingerprint string, items []coach.Item, err error) {
	fail := func(err error) (string, []coach.Item, error) {
		return "", nil, fmt.Errorf("reading items of %s active since %s: %w", team, t.Format(time.RFC3339), err)
	}
	k, err := db.keys(team)
	if err != nil {
		return fail(err)
	}
	var fp *redis.StringCmd
	var wip, changed *redis.Cmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		fp = p.Get(ctx, k.flowFingerprint)
		// flows:wip's members are flow records, whose keys doneItems reads.
		wip = p.Eval(ctx, doneItems, []string{k.flowsWIP, k.items}, "-inf", "+inf")
		// Scores are the last change rounded up: a change at or after t
		// scores at least floor(t).
		changed = p.Eval(ctx, rangeThenGet, []string{k.flowsUpdated, k.items}, score(msFloor(t)), "+inf")
	})
	if err != nil {
		return fail(err)
	}
	a, err := itemsOf(wip)
	if err != nil {
		return fail(err)
	}
	b, err := itemsOf(changed)
	if err != nil {
		return fail(err)
	}
	seen := make(map[string]bool, len(a)+len(b))
	for _, list := range [][]coach.Item{a, b} {
		for _, it := range list {
			if !seen[it.Key] {
				seen[it.Key] = true
				items = append(items, it)
			}
		}
	}
	slices.SortFunc(items, func(x, y coach.Item) int { return strings.Compare(x.Key, y.Key) })
	return fp.Val(), items, nil
}
