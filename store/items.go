package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

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

func encodeItem(it coach.Item) (string, error) {
	var tc timeCodec
	rec := itemRecord{
		V:          itemVersion,
		Key:        it.Key,
		Title:      it.Title,
		Type:       it.Type,
		Status:     it.Status,
		Resolution: it.Resolution,
		Assignee:   it.Assignee,
		Created:    tc.enc(it.Created),
		Updated:    tc.enc(it.Updated),
		Resolved:   tc.enc(it.Resolved),
		Parent:     it.Parent,
		Points:     it.Points,
		Estimated:  it.Estimated,
	}
	for _, tr := range it.Transitions {
		rec.Transitions = append(rec.Transitions, transitionRecord{At: tc.enc(tr.At), From: tr.From, To: tr.To})
	}
	for _, sp := range it.Flagged {
		rec.Flagged = append(rec.Flagged, spanRecord{From: tc.enc(sp.From), To: tc.enc(sp.To)})
	}
	for _, l := range it.Links {
		rec.Links = append(rec.Links, linkRecord(l))
	}
	if tc.err != nil {
		return "", tc.err
	}
	b, err := json.Marshal(rec)
	return string(b), err
}

func decodeItem(data string) (coach.Item, error) {
	var rec itemRecord
	if err := decode(data, &rec, itemVersion); err != nil {
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
	var items []coach.Item
	for field, data := range all.Val() {
		it, err := decodeItem(data)
		if err != nil {
			return nil, fmt.Errorf("item %s: %w", field, err)
		}
		items = append(items, it)
	}
	slices.SortFunc(items, func(a, b coach.Item) int { return strings.Compare(a.Key, b.Key) })
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
