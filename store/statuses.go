package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/redis/go-redis/v9"
)

type statusesRecord struct {
	V        int            `json:"v"`
	Statuses []statusRecord `json:"statuses"`
}

type statusRecord struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Category string `json:"category,omitempty"`
}

// PutStatuses replaces team's Jira statuses with st, in st's order.
func (db *DB) PutStatuses(ctx context.Context, team string, st []coach.Status) error {
	k, err := db.keys(team)
	if err != nil {
		return fmt.Errorf("storing statuses of %s: %w", team, err)
	}
	rec := statusesRecord{V: recordVersion, Statuses: make([]statusRecord, 0, len(st))}
	for _, s := range st {
		rec.Statuses = append(rec.Statuses, statusRecord{ID: s.ID, Name: s.Name, Category: s.Category})
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("storing statuses of %s: %w", team, err)
	}
	err = db.write(ctx, k, func(p redis.Pipeliner) {
		p.Set(ctx, k.statuses, b, 0)
	})
	if err != nil {
		return fmt.Errorf("storing statuses of %s: %w", team, err)
	}
	return nil
}

// Statuses returns team's Jira statuses as last stored: nil when none were
// ever stored, empty when an empty list was.
func (db *DB) Statuses(ctx context.Context, team string) ([]coach.Status, error) {
	k, err := db.keys(team)
	if err != nil {
		return nil, fmt.Errorf("reading statuses of %s: %w", team, err)
	}
	var get *redis.StringCmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		get = p.Get(ctx, k.statuses)
	})
	if err != nil {
		return nil, fmt.Errorf("reading statuses of %s: %w", team, err)
	}
	st, err := decodeStatuses(get)
	if err != nil {
		return nil, fmt.Errorf("reading statuses of %s: %w", team, err)
	}
	return st, nil
}

// decodeHead reads the replies to the GETs of a team's statuses and last
// sync, which the windowed reads bring with their data.
func decodeHead(statuses, lastSync *redis.StringCmd) ([]coach.Status, time.Time, error) {
	st, err := decodeStatuses(statuses)
	if err != nil {
		return nil, time.Time{}, err
	}
	last, err := decodeLastSync(lastSync)
	if err != nil {
		return nil, time.Time{}, err
	}
	return st, last, nil
}

// decodeStatuses reads the reply to a GET of a statuses key: nil when it
// is missing.
func decodeStatuses(get *redis.StringCmd) ([]coach.Status, error) {
	data, err := get.Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec statusesRecord
	if err := decode(data, &rec, recordVersion); err != nil {
		return nil, err
	}
	st := make([]coach.Status, 0, len(rec.Statuses))
	for _, s := range rec.Statuses {
		st = append(st, coach.Status{ID: s.ID, Name: s.Name, Category: s.Category})
	}
	return st, nil
}
