package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/redis/go-redis/v9"
)

type itemRecord struct {
	V           int                `json:"v"`
	Key         string             `json:"key"`
	Title       string             `json:"title,omitempty"`
	Type        string             `json:"type,omitempty"`
	Status      string             `json:"status,omitempty"`
	Resolution  string             `json:"resolution,omitempty"`
	Assignee    string             `json:"assignee,omitempty"`
	Created     string             `json:"created,omitempty"`
	Updated     string             `json:"updated,omitempty"`
	Transitions []transitionRecord `json:"transitions,omitempty"`
	// Version 2.
	Resolved  string       `json:"resolved,omitempty"`
	Parent    string       `json:"parent,omitempty"`
	Points    float64      `json:"points,omitempty"`
	Estimated bool         `json:"estimated,omitempty"`
	Flagged   []spanRecord `json:"flagged,omitempty"`
	Links     []linkRecord `json:"links,omitempty"`
}

type transitionRecord struct {
	At   string `json:"at,omitempty"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

type spanRecord struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

type linkRecord struct {
	Type          string `json:"type,omitempty"`
	Description   string `json:"description,omitempty"`
	Inward        bool   `json:"inward,omitempty"`
	Key           string `json:"key,omitempty"`
	OtherCategory string `json:"other_category,omitempty"`
}

// itemCommentedVersion is the item record encodeItem writes: version 4
// is version 3 (itemVersion) with the latest comment time, so a flowbot
// that knows only version 3 refuses it rather than dropping the time.
const itemCommentedVersion = itemVersion + 1

// encodeItem renders it as a version-4 binary record (see binrec.go):
//
//	version 4, flags (uvarint: which times are present, estimated, points),
//	key, title, type, status, resolution, assignee, parent,
//	created, updated, resolved, commented (each present per flags; version
//	3 has no commented), points (per flags),
//	status table, transitions (count, then per transition a flags byte:
//	at present, from given; at; from when it differs from the previous
//	transition's to; to), flagged spans (count, then flags byte, from, to),
//	links (count, then type, description, inward byte, key, other category).
func encodeItem(it coach.Item) (string, error) {
	if err := checkTimes(it.Created, it.Updated, it.Resolved, it.Commented); err != nil {
		return "", err
	}
	flags := presentTimes(it.Created, it.Updated, it.Resolved)
	if !it.Commented.IsZero() {
		flags |= itemCommented
	}
	if it.Estimated {
		flags |= itemEstimated
	}
	if it.Points != 0 {
		flags |= itemPoints
	}
	w := binWriter{b: make([]byte, 0, 64+len(it.Key)+len(it.Title)+len(it.Assignee)+8*len(it.Transitions))}
	w.byte(itemCommentedVersion)
	w.uint(flags)
	for _, s := range []string{it.Key, it.Title, it.Type, it.Status, it.Resolution, it.Assignee, it.Parent} {
		w.str(s)
	}
	for _, t := range []time.Time{it.Created, it.Updated, it.Resolved, it.Commented} {
		if !t.IsZero() {
			w.time(t)
		}
	}
	if flags&itemPoints != 0 {
		w.float(it.Points)
	}
	var table strTable
	for _, tr := range it.Transitions {
		table.index(tr.From)
		table.index(tr.To)
		if err := checkTimes(tr.At); err != nil {
			return "", err
		}
	}
	w.uint(uint64(len(table.names)))
	for _, n := range table.names {
		w.str(n)
	}
	w.uint(uint64(len(it.Transitions)))
	prevTo := ""
	for i, tr := range it.Transitions {
		var f byte
		if !tr.At.IsZero() {
			f |= 1
		}
		if i == 0 || tr.From != prevTo {
			f |= 2
		}
		w.byte(f)
		if f&1 != 0 {
			w.time(tr.At)
		}
		if f&2 != 0 {
			w.uint(uint64(table.index(tr.From)))
		}
		w.uint(uint64(table.index(tr.To)))
		prevTo = tr.To
	}
	w.uint(uint64(len(it.Flagged)))
	for _, sp := range it.Flagged {
		if err := checkTimes(sp.From, sp.To); err != nil {
			return "", err
		}
		var f byte
		if !sp.From.IsZero() {
			f |= 1
		}
		if !sp.To.IsZero() {
			f |= 2
		}
		w.byte(f)
		if f&1 != 0 {
			w.time(sp.From)
		}
		if f&2 != 0 {
			w.time(sp.To)
		}
	}
	w.uint(uint64(len(it.Links)))
	for _, l := range it.Links {
		w.str(l.Type)
		w.str(l.Description)
		if l.Inward {
			w.byte(1)
		} else {
			w.byte(0)
		}
		w.str(l.Key)
		w.str(l.OtherCategory)
	}
	return string(w.b), nil
}

// Flags of an item record.
const (
	itemCreated = 1 << iota
	itemUpdated
	itemResolved
	itemEstimated
	itemPoints
	itemCommented // version 4
)

// checkTimes refuses times a record could not hold and give back: years
// outside 0 to 9999, as RFC 3339 (the version 1 and 2 encoding) has it.
// presentTimes sets bit i of its result for each non-zero ts[i]: records
// leave zero times out and say which are there in their flags.
func presentTimes(ts ...time.Time) uint64 {
	var flags uint64
	for i, t := range ts {
		if !t.IsZero() {
			flags |= 1 << i
		}
	}
	return flags
}

func checkTimes(ts ...time.Time) error {
	for _, t := range ts {
		if t.IsZero() {
			continue
		}
		if y := t.UTC().Year(); y < 0 || y > 9999 {
			return fmt.Errorf("encoding time: year %d outside [0,9999]", y)
		}
	}
	return nil
}

// decodeItem reads an item record of any version this code knows: JSON
// (versions 1 and 2) or binary (versions 3 and 4).
func decodeItem(data string) (coach.Item, error) {
	if len(data) > 0 && data[0] != '{' {
		return decodeItemBinary(data)
	}
	return decodeItemJSON(data)
}

func decodeItemBinary(data string) (coach.Item, error) {
	r := binReader{s: data}
	v := r.byte()
	if v != itemVersion && v != itemCommentedVersion {
		return coach.Item{}, fmt.Errorf("%w: record version %d, this flowbot reads 1 to %d", ErrUnknownVersion, v, itemCommentedVersion)
	}
	flags := r.uint()
	if v == itemVersion && flags&itemCommented != 0 {
		return coach.Item{}, fmt.Errorf("decoding item record: version %d has no comment time, yet its flags say one follows", v)
	}
	it := coach.Item{Key: r.str(), Title: r.str(), Type: r.str(), Status: r.str(), Resolution: r.str(), Assignee: r.str(), Parent: r.str()}
	it.Created = r.optTime(flags&itemCreated != 0)
	it.Updated = r.optTime(flags&itemUpdated != 0)
	it.Resolved = r.optTime(flags&itemResolved != 0)
	it.Commented = r.optTime(flags&itemCommented != 0)
	it.Estimated = flags&itemEstimated != 0
	if flags&itemPoints != 0 {
		it.Points = r.float()
	}
	var buf [8]string
	names := r.readTable(buf[:])
	if n := r.count(); n > 0 {
		it.Transitions = make([]coach.Transition, n)
		prevTo := ""
		for i := range it.Transitions {
			f := r.byte()
			tr := &it.Transitions[i]
			if f&1 != 0 {
				tr.At = r.time()
			}
			tr.From = prevTo
			if f&2 != 0 {
				tr.From = r.ref(names)
			}
			tr.To = r.ref(names)
			prevTo = tr.To
		}
	}
	if n := r.count(); n > 0 {
		it.Flagged = make([]coach.Span, n)
		for i := range it.Flagged {
			f := r.byte()
			it.Flagged[i] = coach.Span{From: r.optTime(f&1 != 0), To: r.optTime(f&2 != 0)}
		}
	}
	if n := r.count(); n > 0 {
		it.Links = make([]coach.Link, n)
		for i := range it.Links {
			it.Links[i] = coach.Link{Type: r.str(), Description: r.str(), Inward: r.byte() != 0, Key: r.str(), OtherCategory: r.str()}
		}
	}
	if err := r.end("item"); err != nil {
		return coach.Item{}, err
	}
	return it, nil
}

func decodeItemJSON(data string) (coach.Item, error) {
	var rec itemRecord
	if err := decode(data, &rec, lastJSONVersion); err != nil {
		return coach.Item{}, err
	}
	var tc timeCodec
	it := coach.Item{
		Key:        rec.Key,
		Title:      rec.Title,
		Type:       rec.Type,
		Status:     rec.Status,
		Resolution: rec.Resolution,
		Assignee:   rec.Assignee,
		Created:    tc.dec(rec.Created),
		Updated:    tc.dec(rec.Updated),
		Resolved:   tc.dec(rec.Resolved),
		Parent:     rec.Parent,
		Points:     rec.Points,
		Estimated:  rec.Estimated,
	}
	for _, tr := range rec.Transitions {
		it.Transitions = append(it.Transitions, coach.Transition{At: tc.dec(tr.At), From: tr.From, To: tr.To})
	}
	for _, sp := range rec.Flagged {
		it.Flagged = append(it.Flagged, coach.Span{From: tc.dec(sp.From), To: tc.dec(sp.To)})
	}
	for _, l := range rec.Links {
		it.Links = append(it.Links, coach.Link(l))
	}
	return it, tc.err
}

// PutItems stores items for team, replacing any stored item with the same
// Key. The batch is written atomically.
func (db *DB) PutItems(ctx context.Context, team string, items []coach.Item) error {
	if err := db.putItems(ctx, team, func(k teamKeys) string { return k.items }, items); err != nil {
		return fmt.Errorf("storing items of %s: %w", team, err)
	}
	return nil
}

// Items returns team's items sorted by Key.
func (db *DB) Items(ctx context.Context, team string) ([]coach.Item, error) {
	items, err := db.itemsOf(ctx, team, func(k teamKeys) string { return k.items })
	if err != nil {
		return nil, fmt.Errorf("reading items of %s: %w", team, err)
	}
	return items, nil
}

// PutIncidents stores team's incidents (the items its incident JQL
// matches), replacing any stored incident with the same Key. They are kept
// apart from the work items: an incident is not delivered work. The batch is
// written atomically.
func (db *DB) PutIncidents(ctx context.Context, team string, items []coach.Item) error {
	if err := db.putItems(ctx, team, func(k teamKeys) string { return k.incidents }, items); err != nil {
		return fmt.Errorf("storing incidents of %s: %w", team, err)
	}
	return nil
}

// Incidents returns team's incidents sorted by Key.
func (db *DB) Incidents(ctx context.Context, team string) ([]coach.Item, error) {
	items, err := db.itemsOf(ctx, team, func(k teamKeys) string { return k.incidents })
	if err != nil {
		return nil, fmt.Errorf("reading incidents of %s: %w", team, err)
	}
	return items, nil
}

// putItems upserts items into one of team's item hashes.
func (db *DB) putItems(ctx context.Context, team string, hash func(teamKeys) string, items []coach.Item) error {
	k, err := db.keys(team)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return nil
	}
	fields := make([]any, 0, 2*len(items))
	for _, it := range items {
		if it.Key == "" {
			return errors.New("item without a key")
		}
		rec, err := encodeItem(it)
		if err != nil {
			return fmt.Errorf("item %s: %w", it.Key, err)
		}
		fields = append(fields, it.Key, rec)
	}
	return db.write(ctx, k, func(p redis.Pipeliner) {
		p.HSet(ctx, hash(k), fields...)
	})
}

// itemsOf reads one of team's item hashes, sorted by Key.
func (db *DB) itemsOf(ctx context.Context, team string, hash func(teamKeys) string) ([]coach.Item, error) {
	k, err := db.keys(team)
	if err != nil {
		return nil, err
	}
	var all *redis.MapStringStringCmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		all = p.HGetAll(ctx, hash(k))
	})
	if err != nil {
		return nil, err
	}
	// Decoded in the order of their fields (the keys) rather than decoded
	// and then sorted: an item is a large value to move, and a team has a
	// hundred thousand.
	recs := all.Val()
	if len(recs) == 0 {
		return nil, nil
	}
	keys := make([]string, 0, len(recs))
	for field := range recs {
		keys = append(keys, field)
	}
	slices.Sort(keys)
	items := make([]coach.Item, len(keys))
	for i, field := range keys {
		if items[i], err = decodeItem(recs[field]); err != nil {
			return nil, fmt.Errorf("item %s: %w", field, err)
		}
	}
	// A field out of step with its record would leave them unsorted.
	byKey := func(a, b coach.Item) int { return strings.Compare(a.Key, b.Key) }
	if !slices.IsSortedFunc(items, byKey) {
		slices.SortFunc(items, byKey)
	}
	return items, nil
}

// CountItems returns how many items team has stored.
func (db *DB) CountItems(ctx context.Context, team string) (int, error) {
	n, err := db.count(ctx, team, func(k teamKeys) string { return k.items })
	if err != nil {
		return 0, fmt.Errorf("counting items of %s: %w", team, err)
	}
	return n, nil
}

// count returns the number of fields of one of team's hashes.
func (db *DB) count(ctx context.Context, team string, hash func(teamKeys) string) (int, error) {
	k, err := db.keys(team)
	if err != nil {
		return 0, err
	}
	var n *redis.IntCmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		n = p.HLen(ctx, hash(k))
	})
	if err != nil {
		return 0, err
	}
	return int(n.Val()), nil
}
