package store

import (
	"context"
	"encoding/json"
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
}

type transitionRecord struct {
	At   string `json:"at,omitempty"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

func encodeItem(it coach.Item) (string, error) {
	var tc timeCodec
	rec := itemRecord{
		V:          recordVersion,
		Key:        it.Key,
		Title:      it.Title,
		Type:       it.Type,
		Status:     it.Status,
		Resolution: it.Resolution,
		Assignee:   it.Assignee,
		Created:    tc.enc(it.Created),
		Updated:    tc.enc(it.Updated),
	}
	for _, tr := range it.Transitions {
		rec.Transitions = append(rec.Transitions, transitionRecord{At: tc.enc(tr.At), From: tr.From, To: tr.To})
	}
	if tc.err != nil {
		return "", tc.err
	}
	b, err := json.Marshal(rec)
	return string(b), err
}

func decodeItem(data string) (coach.Item, error) {
	var rec itemRecord
	if err := decode(data, &rec); err != nil {
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
	}
	for _, tr := range rec.Transitions {
		it.Transitions = append(it.Transitions, coach.Transition{At: tc.dec(tr.At), From: tr.From, To: tr.To})
	}
	return it, tc.err
}

// PutItems stores items for team, replacing any stored item with the same
// Key. The batch is written atomically.
func (db *DB) PutItems(ctx context.Context, team string, items []coach.Item) error {
	k, err := db.keys(team)
	if err != nil {
		return fmt.Errorf("storing items of %s: %w", team, err)
	}
	if len(items) == 0 {
		return nil
	}
	fields := make([]any, 0, 2*len(items))
	for _, it := range items {
		if it.Key == "" {
			return fmt.Errorf("storing items of %s: item without a key", team)
		}
		rec, err := encodeItem(it)
		if err != nil {
			return fmt.Errorf("storing item %s of %s: %w", it.Key, team, err)
		}
		fields = append(fields, it.Key, rec)
	}
	err = db.write(ctx, k, func(p redis.Pipeliner) {
		p.HSet(ctx, k.items, fields...)
	})
	if err != nil {
		return fmt.Errorf("storing items of %s: %w", team, err)
	}
	return nil
}

// Items returns team's items sorted by Key.
func (db *DB) Items(ctx context.Context, team string) ([]coach.Item, error) {
	k, err := db.keys(team)
	if err != nil {
		return nil, fmt.Errorf("reading items of %s: %w", team, err)
	}
	var all *redis.MapStringStringCmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		all = p.HGetAll(ctx, k.items)
	})
	if err != nil {
		return nil, fmt.Errorf("reading items of %s: %w", team, err)
	}
	var items []coach.Item
	for field, data := range all.Val() {
		it, err := decodeItem(data)
		if err != nil {
			return nil, fmt.Errorf("reading item %s of %s: %w", field, team, err)
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
