package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/redis/go-redis/v9"
)

// ErrFingerprintChanged says a flow index was computed with another
// workflow than the one a write brings: adding to it would mix two
// readings of the same statuses. Rebuild it with ReplaceFlowIndex.
var ErrFingerprintChanged = errors.New("flow index was computed with another workflow")

// The first byte of every flow record: flowRecordVersion, or
// flowRecordTimed for a record followed by its times (encodeTimes).
const (
	flowRecordVersion = 1
	flowRecordTimed   = 2
)

// Flags of a flow record.
const (
	flagEstimated = 1 << iota
	flagExcluded
	flagPoints
	flagCreated
	flagUpdated
	flagResolved
	flagStarted
	flagDone
)

// encodeFlow renders f as a flow record: a version byte, a flags byte, the
// class, then the item's strings (uvarint length and bytes), its times
// (zigzag varint Unix milliseconds, present per flags) and its points
// (IEEE 754, present per flags). Binary rather than JSON: a record is about
// a third of the size and decodes without allocating beyond the Flow.
func encodeFlow(f coach.Flow) string {
	it := f.Item
	var flags byte
	times := []struct {
		t    time.Time
		flag byte
	}{{it.Created, flagCreated}, {it.Updated, flagUpdated}, {it.Resolved, flagResolved}, {f.Started, flagStarted}, {f.Done, flagDone}}
	for _, t := range times {
		if !t.t.IsZero() {
			flags |= t.flag
		}
	}
	if it.Estimated {
		flags |= flagEstimated
	}
	if f.Excluded {
		flags |= flagExcluded
	}
	if it.Points != 0 {
		flags |= flagPoints
	}
	b := make([]byte, 0, 96+len(it.Key)+len(it.Title)+len(it.Assignee))
	version := byte(flowRecordVersion)
	if f.Times != nil {
		version = flowRecordTimed
	}
	b = append(b, version, flags, byte(f.Class))
	for _, s := range []string{it.Key, it.Title, it.Type, it.Status, it.Resolution, it.Assignee, it.Parent, f.Status} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, t := range times {
		if !t.t.IsZero() {
			b = binary.AppendVarint(b, t.t.UnixMilli())
		}
	}
	if flags&flagPoints != 0 {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(it.Points))
	}
	if f.Times != nil {
		b = encodeTimes(b, f.Times)
	}
	return string(b)
}

var errShortRecord = errors.New("flow record ends early")

// uvarint is binary.Uvarint on a string.
func uvarint(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			return x | uint64(c)<<shift, i + 1
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, 0
}

func decodeFlow(rec string) (coach.Flow, error) {
	var f coach.Flow
	err := decodeFlowInto(&f, rec)
	return f, err
}

// flowStr reads a string of a flow record at rec[p:]: a substring, no
// copy. ok is false when the record ends early.
func flowStr(rec string, p int) (s string, next int, ok bool) {
	if p < len(rec) && rec[p] < 0x80 { // lengths under 128: one byte
		n := int(rec[p])
		p++
		if n > len(rec)-p {
			return "", p, false
		}
		return rec[p : p+n], p + n, true
	}
	n, k := uvarint(rec[min(p, len(rec)):])
	if k <= 0 || n > uint64(len(rec)-p-k) {
		return "", p, false
	}
	p += k
	return rec[p : p+int(n)], p + int(n), true
}

// flowTime reads a time of a flow record at rec[p:], in UTC.
func flowTime(rec string, p int) (t time.Time, next int, ok bool) {
	ux, k := uvarint(rec[min(p, len(rec)):])
	if k <= 0 {
		return time.Time{}, p, false
	}
	ms := int64(ux >> 1)
	if ux&1 != 0 {
		ms = ^ms
	}
	sec, msr := ms/1000, ms%1000
	if msr < 0 {
		sec, msr = sec-1, msr+1000
	}
	return time.Unix(sec, msr*int64(time.Millisecond)).UTC(), p + k, true
}

// decodeFlowInto decodes rec into *f, which must be zero: in place, so a
// slice of flows fills without copying each one. Fields that are empty in
// the record are left untouched rather than written: writing a pointer
// into the heap while the garbage collector marks costs a write barrier,
// and a delivered record has several empty strings.
func decodeFlowInto(f *coach.Flow, rec string) error {
	if err := decodeFlowFields(f, rec); err != nil {
		*f = coach.Flow{}
		return err
	}
	return nil
}

func decodeFlowFields(f *coach.Flow, rec string) error {
	if len(rec) < 3 {
		return fmt.Errorf("decoding flow record: %w", errShortRecord)
	}
	v := rec[0]
	if v != flowRecordVersion && v != flowRecordTimed {
		return fmt.Errorf("%w: flow record version %d, this flowbot reads %d and %d", ErrUnknownVersion, v, flowRecordVersion, flowRecordTimed)
	}
	flags := rec[1]
	if c := coach.Class(rec[2]); c != 0 {
		f.Class = c
	}
	it := &f.Item
	p := 3
	var strs [8]string
	for i := range strs {
		var ok bool
		if strs[i], p, ok = flowStr(rec, p); !ok {
			return fmt.Errorf("decoding flow record: %w", errShortRecord)
		}
	}
	for i, dst := range [8]*string{&it.Key, &it.Title, &it.Type, &it.Status, &it.Resolution, &it.Assignee, &it.Parent, &f.Status} {
		if strs[i] != "" {
			*dst = strs[i]
		}
	}
	for _, tf := range [5]struct {
		dst  *time.Time
		flag byte
	}{{&it.Created, flagCreated}, {&it.Updated, flagUpdated}, {&it.Resolved, flagResolved}, {&f.Started, flagStarted}, {&f.Done, flagDone}} {
		if flags&tf.flag == 0 {
			continue
		}
		t, next, ok := flowTime(rec, p)
		if !ok {
			return fmt.Errorf("decoding flow record: %w", errShortRecord)
		}
		*tf.dst, p = t, next
	}
	if flags&flagEstimated != 0 {
		it.Estimated = true
	}
	if flags&flagExcluded != 0 {
		f.Excluded = true
	}
	if flags&flagPoints != 0 {
		if len(rec)-p < 8 {
			return fmt.Errorf("decoding flow record: %w", errShortRecord)
		}
		it.Points = math.Float64frombits(binary.LittleEndian.Uint64([]byte(rec[p : p+8])))
		p += 8
	}
	if v == flowRecordTimed {
		// A Flow read from the index carries no Times (see coach.Flow);
		// the section is checked, not kept.
		next, err := skipTimes(rec, p)
		if err != nil {
			return err
		}
		p = next
	}
	if p != len(rec) {
		return errors.New("decoding flow record: flow record has trailing bytes")
	}
	return nil
}

// msFloor and msCeil are t in Unix milliseconds rounded down and up.
func msFloor(t time.Time) int64 { return t.UnixMilli() }

func msCeil(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		ms++
	}
	return ms
}

func score(ms int64) string { return strconv.FormatInt(ms, 10) }

// lastChange is the latest of it's Created, Updated and transitions: its
// flow reads the same as of every instant from then on.
func lastChange(it coach.Item) time.Time {
	t := it.Updated
	if it.Created.After(t) {
		t = it.Created
	}
	for _, tr := range it.Transitions {
		if tr.At.After(t) {
			t = tr.At
		}
	}
	return t
}

// PutFlowIndex adds flows to team's flow index, replacing the record of
// any item with the same Key. fingerprint names the workflow the flows
// were read with; when the index was built with another one the write is
// refused with ErrFingerprintChanged (rebuild with ReplaceFlowIndex). Each
// flow must have been read as of an instant at or after its item's last
// transition and Updated, so it holds for every later instant. The batch is
// written atomically.
func (db *DB) PutFlowIndex(ctx context.Context, team, fingerprint string, flows []coach.Flow) error {
	if err := db.putFlowIndex(ctx, team, fingerprint, flows, false); err != nil {
		return fmt.Errorf("storing flow index of %s: %w", team, err)
	}
	return nil
}

// ReplaceFlowIndex replaces team's whole flow index with flows, read with
// the workflow named by fingerprint, in one transaction.
func (db *DB) ReplaceFlowIndex(ctx context.Context, team, fingerprint string, flows []coach.Flow) error {
	if err := db.putFlowIndex(ctx, team, fingerprint, flows, true); err != nil {
		return fmt.Errorf("replacing flow index of %s: %w", team, err)
	}
	return nil
}

func (db *DB) putFlowIndex(ctx context.Context, team, fingerprint string, flows []coach.Flow, replace bool) error {
	k, err := db.keys(team)
	if err != nil {
		return err
	}
	if fingerprint == "" {
		return errors.New("empty workflow fingerprint")
	}
	if !replace && len(flows) == 0 {
		return nil
	}
	keys := make([]string, 0, len(flows))
	var members []any
	var updated, done, wip []redis.Z
	var neither []string
	// The compact records written, by key: a key written twice keeps its
	// last flow, as the members hash does.
	cycles, wips := newDayWrite(k.flowsCycle), newDayWrite(k.flowsWIPDays)
	wipStatus := map[string]string{} // the status of each key written in progress
	written := make(map[string]bool, len(flows))
	for _, f := range flows {
		key := f.Item.Key
		if key == "" {
			return errors.New("flow of an item without a key")
		}
		keys = append(keys, key)
		written[key] = true
		updated = append(updated, redis.Z{Score: float64(msCeil(lastChange(f.Item))), Member: key})
		switch {
		case f.Delivered():
			// A delivered item's record leaves out its title and
			// assignee: no answer over done work shows them, and done
			// items are nearly all of a team's history.
			lean := f
			lean.Item.Title, lean.Item.Assignee = "", ""
			m := encodeFlow(lean)
			members = append(members, key, m)
			done = append(done, redis.Z{Score: float64(msFloor(f.Done)), Member: m})
			cycles.put(key, msFloor(f.Done), cycleBody(&f))
			wips.drop(key)
		case f.InProgress():
			m := encodeFlow(f)
			members = append(members, key, m)
			wip = append(wip, redis.Z{Score: float64(msFloor(f.Started)), Member: m})
			wips.put(key, msFloor(f.Started), wipBody(&f))
			wipStatus[key] = f.Status
			cycles.drop(key)
		default:
			neither = append(neither, key)
			cycles.drop(key)
			wips.drop(key)
		}
		if !f.InProgress() {
			delete(wipStatus, key)
		}
	}
	// The records an update replaces are found through the members hash,
	// read under WATCH so that no other write slips in between; so are the
	// days of the compact records it replaces or adds.
	var old []any
	var counts map[string]int64 // the change of each status's count
	check := func(tx *redis.Tx) error {
		cycles.start()
		wips.start()
		counts = map[string]int64{}
		for _, status := range wipStatus {
			counts[status]++
		}
		if replace {
			cycles.replaceAll()
			wips.replaceAll()
			return nil
		}
		stored, err := tx.Get(ctx, k.flowFingerprint).Result()
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return err
		case stored != fingerprint:
			return ErrFingerprintChanged
		}
		vals, err := tx.HMGet(ctx, k.flows, keys...).Result()
		if err != nil {
			return err
		}
		old = old[:0]
		for _, v := range vals {
			m, ok := v.(string)
			if !ok {
				continue
			}
			old = append(old, m)
			// The compact record that shadows the record goes with it.
			f, err := decodeFlow(m)
			switch {
			case err != nil:
				// Unreadable, so its shadow cannot be found: the answers
				// reading it fail until the index is rebuilt, as they
				// fail on the record itself.
			case f.Delivered():
				cycles.touch(msFloor(f.Done))
			case f.InProgress():
				wips.touch(msFloor(f.Started))
				counts[f.Status]--
			}
		}
		var storedCycles, storedWIPs map[int64]*redis.StringSliceCmd
		if _, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
			storedCycles, storedWIPs = cycles.read(ctx, p), wips.read(ctx, p)
			return nil
		}); err != nil {
			return err
		}
		if err := cycles.merge(storedCycles, written); err != nil {
			return err
		}
		return wips.merge(storedWIPs, written)
	}
	return db.writeChecked(ctx, k, check, func(p redis.Pipeliner) {
		if replace {
			// flows:cycle and flows:wipstatus held one member per item
			// before the index packed them by day (flow-index-4).
			p.Del(ctx, k.flows, k.flowsDone, k.flowsWIP, k.flowsUpdated, k.flowsCycle, k.flowsWIPDays, k.flowsWIPCounts, k.legacyFlowsCycle, k.legacyFlowsWIPStatus)
		}
		for status, n := range counts {
			if n != 0 {
				p.HIncrBy(ctx, k.flowsWIPCounts, status, n)
			}
		}
		p.Set(ctx, k.flowFingerprint, fingerprint, 0)
		if len(old) > 0 {
			p.ZRem(ctx, k.flowsDone, old...)
			p.ZRem(ctx, k.flowsWIP, old...)
		}
		if len(neither) > 0 && !replace {
			p.HDel(ctx, k.flows, neither...)
		}
		if len(members) > 0 {
			p.HSet(ctx, k.flows, members...)
		}
		if len(updated) > 0 {
			p.ZAdd(ctx, k.flowsUpdated, updated...)
		}
		if len(done) > 0 {
			p.ZAdd(ctx, k.flowsDone, done...)
		}
		if len(wip) > 0 {
			p.ZAdd(ctx, k.flowsWIP, wip...)
		}
		cycles.queue(ctx, p, replace)
		wips.queue(ctx, p, replace)
	}, k.flowFingerprint, k.flows, k.flowsCycle, k.flowsWIPDays)
}

// FlowFingerprint returns the fingerprint of the workflow team's flow index
// was computed with, or "" when it has none.
func (db *DB) FlowFingerprint(ctx context.Context, team string) (string, error) {
	k, err := db.keys(team)
	if err != nil {
		return "", fmt.Errorf("reading flow fingerprint of %s: %w", team, err)
	}
	var get *redis.StringCmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		get = p.Get(ctx, k.flowFingerprint)
	})
	if err != nil {
		return "", fmt.Errorf("reading flow fingerprint of %s: %w", team, err)
	}
	return get.Val(), nil
}

// rangeThenGet returns, in one round trip, the values a hash holds for the
// members of a sorted set within a score range, in score order (ties by
// member). HMGET goes in chunks: Lua's unpack has a bounded stack. A member
// without a value is an index out of step with its records: false, which
// reaches Go as nil.
var rangeThenGet = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2])
local out = {}
local n = 0
for i = 1, #ids, 4000 do
  local vals = redis.call('HMGET', KEYS[2], unpack(ids, i, math.min(i + 3999, #ids)))
  for j = 1, #vals do
    n = n + 1
    out[n] = vals[j]
  end
end
return out
`

// rangeThenGetBoth is rangeThenGet over two hashes at once: it returns
// the values of each, in two lists of the same length and order (false
// where a hash has none).
var rangeThenGetBoth = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2])
local a, b = {}, {}
local n = 0
for i = 1, #ids, 4000 do
  local j = math.min(i + 3999, #ids)
  local va = redis.call('HMGET', KEYS[2], unpack(ids, i, j))
  local vb = redis.call('HMGET', KEYS[3], unpack(ids, i, j))
  for k = 1, #va do
    n = n + 1
    a[n], b[n] = va[k], vb[k]
  end
end
return {a, b}
`

// itemsAndFlows decodes what rangeThenGetBoth returned from the items and
// flows hashes: the item records, which must all be there, and the flow
// records ("" where the index has none).
func itemsAndFlows(cmd *redis.Cmd) ([]coach.Item, []string, error) {
	vals, err := cmd.Slice()
	if err != nil {
		return nil, nil, err
	}
	if len(vals) != 2 {
		return nil, nil, fmt.Errorf("reading changed items: %d lists, want 2", len(vals))
	}
	recs, ok1 := vals[0].([]any)
	flows, ok2 := vals[1].([]any)
	if !ok1 || !ok2 || len(recs) != len(flows) {
		return nil, nil, errors.New("reading changed items: lists out of step")
	}
	var items []coach.Item
	out := make([]string, len(flows))
	for i, v := range recs {
		rec, ok := v.(string)
		if !ok {
			return nil, nil, errors.New("index names an item without a record")
		}
		it, err := decodeItem(rec)
		if err != nil {
			return nil, nil, err
		}
		items = append(items, it)
		out[i], _ = flows[i].(string)
	}
	return items, out, nil
}

// indexRange runs rangeThenGet on team's keys and hands each value to fn.
func (db *DB) indexRange(ctx context.Context, team string, keys func(teamKeys) (zset, hash string), min, max string, fn func(string) error) error {
	k, err := db.keys(team)
	if err != nil {
		return err
	}
	zset, hash := keys(k)
	var cmd *redis.Cmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		cmd = p.Eval(ctx, rangeThenGet, []string{zset, hash}, min, max)
	})
	if err != nil {
		return err
	}
	vals, err := cmd.Slice()
	if err != nil {
		return err
	}
	for _, v := range vals {
		s, ok := v.(string)
		if !ok {
			return errors.New("index names an item without a record")
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

// flowsIn reads the records of one of team's flow sorted sets within a
// score range: one command, whose members are the records themselves.
func (db *DB) flowsIn(ctx context.Context, team string, zset func(teamKeys) string, min, max string) ([]coach.Flow, error) {
	k, err := db.keys(team)
	if err != nil {
		return nil, err
	}
	var cmd *redis.StringSliceCmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		cmd = p.ZRangeByScore(ctx, zset(k), &redis.ZRangeBy{Min: min, Max: max})
	})
	if err != nil {
		return nil, err
	}
	recs := cmd.Val()
	if len(recs) == 0 {
		return nil, nil
	}
	flows := make([]coach.Flow, len(recs))
	for i, rec := range recs {
		if flows[i], err = decodeFlow(rec); err != nil {
			return nil, err
		}
	}
	return flows, nil
}

// DoneBetween returns the indexed flows of team's items delivered in
// [from, to), by done time. Their Items carry every field but Title,
// Assignee, Transitions, Flagged and Links, and their times are truncated
// to the millisecond.
func (db *DB) DoneBetween(ctx context.Context, team string, from, to time.Time) ([]coach.Flow, error) {
	// Done times are stored as whole milliseconds d: d >= from exactly when
	// d >= ceil(from), and d < to exactly when d < ceil(to).
	flows, err := db.flowsIn(ctx, team, func(k teamKeys) string { return k.flowsDone }, score(msCeil(from)), "("+score(msCeil(to)))
	if err != nil {
		return nil, fmt.Errorf("reading flows of %s done between %s and %s: %w", team, from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	return flows, nil
}

// InProgress returns the indexed flows of team's items in progress as of
// their last update, oldest start first. Their Items carry every field but
// Transitions, Flagged and Links, and their times are truncated to the
// millisecond.
func (db *DB) InProgress(ctx context.Context, team string) ([]coach.Flow, error) {
	flows, err := db.flowsIn(ctx, team, func(k teamKeys) string { return k.flowsWIP }, "-inf", "+inf")
	if err != nil {
		return nil, fmt.Errorf("reading flows of %s in progress: %w", team, err)
	}
	return flows, nil
}

// ItemsUpdatedAfter returns, in full, team's indexed items that changed
// after t (Updated, creation or a transition after t), by that change. It
// may also return items changed within t's millisecond; it never misses
// one changed after t.
func (db *DB) ItemsUpdatedAfter(ctx context.Context, team string, t time.Time) ([]coach.Item, error) {
	var items []coach.Item
	// Scores are Updated rounded up to the millisecond, u: Updated > t
	// implies u > floor(t).
	err := db.indexRange(ctx, team, func(k teamKeys) (string, string) { return k.flowsUpdated, k.items }, "("+score(msFloor(t)), "+inf", func(rec string) error {
		it, err := decodeItem(rec)
		if err != nil {
			return err
		}
		items = append(items, it)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading items of %s updated after %s: %w", team, t.Format(time.RFC3339), err)
	}
	return items, nil
}

// AnswerFlows reads, in one round trip, everything an answer about the
// window [from, to) and the work in progress needs from team's flow index:
// the fingerprint it was built with ("" when none), the flows delivered in
// the window (by done time) followed by the flows in progress (oldest start
// first), as DoneBetween and InProgress give them, and, in full, the items
// changed after to, as ItemsUpdatedAfter gives them. The caller drops the
// flows of changed items and reads those items itself.
func (db *DB) AnswerFlows(ctx context.Context, team string, from, to time.Time) (fingerprint string, flows []coach.Flow, changed []coach.Item, err error) {
	r, err := db.readTeam(ctx, team, teamRead{from: from, to: to, wip: true})
	if err != nil {
		return "", nil, nil, fmt.Errorf("reading flows of %s: %w", team, err)
	}
	return r.fingerprint, r.flows, r.changed, nil
}

// TeamHistories reads in one MULTI what an answer over the histories of
// the items delivered in [from, to) needs: the team's statuses and last
// sync, the flow index's fingerprint, in full the items the index has as
// delivered in the window (by done time), the indexed flows in progress
// (oldest start first), and in full the items changed after to. As with
// AnswerFlows, the caller reads the changed items itself and drops them
// from the rest.
func (db *DB) TeamHistories(ctx context.Context, team string, from, to time.Time) (statuses []coach.Status, lastSync time.Time, fingerprint string, done []coach.Item, wip []coach.Flow, changed []coach.Item, err error) {
	r, err := db.readTeam(ctx, team, teamRead{from: from, to: to, wip: true, head: true, histories: true})
	if err != nil {
		return nil, time.Time{}, "", nil, nil, nil, fmt.Errorf("reading histories of %s: %w", team, err)
	}
	return r.statuses, r.lastSync, r.fingerprint, r.done, r.flows, r.changed, nil
}

// teamRead says what readTeam reads.
type teamRead struct {
	from, to time.Time
	wip      bool // the flows in progress
	head     bool // statuses and last sync
	// histories: the full items delivered in the window instead of their
	// flows; deliveries: their deliveries, from the compact members, or
	// with times from the flow records with their Times.
	histories, deliveries, times bool
	// wipStatus: the work in progress from its compact records, as aging
	// lists it (wipLean) or else as when each started, those changed
	// after to left out.
	wipStatus, wipLean bool
}

type teamData struct {
	statuses    []coach.Status
	lastSync    time.Time
	fingerprint string
	flows       []coach.Flow // delivered in the window (unless histories), then in progress
	done        []coach.Item // with histories: the items delivered in the window
	delivered   []coach.Delivery
	changed     []coach.Item
	wipStarts   []time.Time
	work        []coach.Work
}

// doneItems returns, in one round trip, the item records of the members
// of a flows:done range: each member is a flow record whose key follows
// its version, flags and class bytes as a uvarint-prefixed string.
var doneItems = `
local recs = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2])
local out = {}
local n = 0
local keys = {}
local function flush()
  if #keys > 0 then
    local vals = redis.call('HMGET', KEYS[2], unpack(keys))
    for j = 1, #vals do
      n = n + 1
      out[n] = vals[j]
    end
    keys = {}
  end
end
for i = 1, #recs do
  local r = recs[i]
  local len, shift, p = 0, 1, 4
  while true do
    local c = string.byte(r, p)
    p = p + 1
    len = len + (c % 128) * shift
    if c < 128 then break end
    shift = shift * 128
  end
  keys[#keys + 1] = string.sub(r, p, p + len - 1)
  if #keys == 4000 then flush() end
end
flush()
return out
`

func (db *DB) readTeam(ctx context.Context, team string, q teamRead) (teamData, error) {
	var out teamData
	k, err := db.keys(team)
	if err != nil {
		return out, err
	}
	var (
		statuses, lastSync, fp *redis.StringCmd
		done, wip              *redis.StringSliceCmd
		updated, histories     *redis.Cmd
	)
	min, max := score(msCeil(q.from)), "("+score(msCeil(q.to))
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		if q.head {
			statuses = p.Get(ctx, k.statuses)
			lastSync = p.Get(ctx, k.lastSync)
		}
		fp = p.Get(ctx, k.flowFingerprint)
		updated = p.Eval(ctx, rangeThenGet, []string{k.flowsUpdated, k.items}, "("+score(msFloor(q.to)), "+inf")
		switch {
		case !q.from.Before(q.to):
		case q.histories:
			histories = p.Eval(ctx, doneItems, []string{k.flowsDone, k.items}, min, max)
		case q.deliveries && !q.times:
			// The days holding [from, to), whose first and last hold
			// deliveries outside it too.
			done = p.ZRangeByScore(ctx, k.flowsCycle, &redis.ZRangeBy{Min: score(dayOf(msCeil(q.from))), Max: score(dayOf(msCeil(q.to) - 1))})
		default:
			done = p.ZRangeByScore(ctx, k.flowsDone, &redis.ZRangeBy{Min: min, Max: max})
		}
		switch {
		case q.wip && q.wipStatus:
			wip = p.ZRange(ctx, k.flowsWIPDays, 0, -1)
		case q.wip:
			wip = p.ZRange(ctx, k.flowsWIP, 0, -1)
		}
	})
	if err != nil {
		return out, err
	}
	if q.head {
		if out.statuses, out.lastSync, err = decodeHead(statuses, lastSync); err != nil {
			return out, err
		}
	}
	out.fingerprint = fp.Val()
	if out.changed, err = itemsOf(updated); err != nil {
		return out, err
	}
	if histories != nil {
		if out.done, err = itemsOf(histories); err != nil {
			return out, err
		}
	}
	var recs [2][]string
	if done != nil {
		recs[0] = done.Val()
	}
	if wip != nil {
		recs[1] = wip.Val()
	}
	switch {
	case q.deliveries && q.times:
		if out.delivered, err = decodeDeliveries(recs[0]); err != nil {
			return out, err
		}
		recs[0] = nil
	case q.deliveries:
		if out.delivered, err = decodeCycleDays(recs[0], msCeil(q.from), msCeil(q.to)); err != nil {
			return out, err
		}
		recs[0] = nil
	}
	if q.wipStatus && q.wipLean {
		if out.work, err = wipWork(recs[1], out.changed); err != nil {
			return out, err
		}
		return out, nil
	}
	if q.wipStatus {
		if out.wipStarts, err = wipStarts(recs[1], out.changed); err != nil {
			return out, err
		}
		return out, nil
	}
	if out.flows, err = decodeFlows(recs[0], recs[1]); err != nil {
		return out, err
	}
	return out, nil
}

// decodeFlows decodes the records of each list in turn into one slice.
func decodeFlows(lists ...[]string) ([]coach.Flow, error) {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	flows := make([]coach.Flow, n)
	i := 0
	for _, l := range lists {
		for _, rec := range l {
			if err := decodeFlowInto(&flows[i], rec); err != nil {
				return nil, err
			}
			i++
		}
	}
	return flows, nil
}

// itemsOf decodes the item records an EVAL returned; a missing record is
// an index out of step with the items.
func itemsOf(cmd *redis.Cmd) ([]coach.Item, error) {
	vals, err := cmd.Slice()
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return nil, nil
	}
	items := make([]coach.Item, len(vals))
	for i, v := range vals {
		rec, ok := v.(string)
		if !ok {
			return nil, errors.New("index names an item without a record")
		}
		if items[i], err = decodeItem(rec); err != nil {
			return nil, err
		}
	}
	return items, nil
}
