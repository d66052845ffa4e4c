package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// cursorField is a cursor's field in the team's cursors hash. Sources match
// teamPattern, so the first ':' always ends the source and any scope
// (a repository "owner/name", a Jira project, "") is unambiguous.
func cursorField(source, scope string) (string, error) {
	if !teamPattern.MatchString(source) {
		return "", fmt.Errorf("invalid cursor source %q: want lowercase letters, digits and dashes", source)
	}
	return source + ":" + scope, nil
}

// Cursor returns the sync cursor of (team, source, scope), or "" when none
// was set.
func (db *DB) Cursor(ctx context.Context, team, source, scope string) (string, error) {
	k, err := db.keys(team)
	if err != nil {
		return "", fmt.Errorf("reading %s cursor of %s: %w", source, team, err)
	}
	field, err := cursorField(source, scope)
	if err != nil {
		return "", fmt.Errorf("reading cursor of %s: %w", team, err)
	}
	var get *redis.StringCmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		get = p.HGet(ctx, k.cursors, field)
	})
	if err != nil {
		return "", fmt.Errorf("reading %s cursor of %s: %w", source, team, err)
	}
	// A missing field reads as redis.Nil with an empty value: "" either way.
	return get.Val(), nil
}

// SetCursor sets the sync cursor of (team, source, scope) to value.
func (db *DB) SetCursor(ctx context.Context, team, source, scope, value string) error {
	k, err := db.keys(team)
	if err != nil {
		return fmt.Errorf("storing %s cursor of %s: %w", source, team, err)
	}
	field, err := cursorField(source, scope)
	if err != nil {
		return fmt.Errorf("storing cursor of %s: %w", team, err)
	}
	err = db.write(ctx, k, func(p redis.Pipeliner) {
		p.HSet(ctx, k.cursors, field, value)
	})
	if err != nil {
		return fmt.Errorf("storing %s cursor of %s: %w", source, team, err)
	}
	return nil
}

// SetLastSync records at as the end of team's last successful sync.
func (db *DB) SetLastSync(ctx context.Context, team string, at time.Time) error {
	k, err := db.keys(team)
	if err != nil {
		return fmt.Errorf("storing last sync of %s: %w", team, err)
	}
	// The zero time is what LastSync answers for "never"; storing it would
	// make a sync look like none.
	if at.IsZero() {
		return fmt.Errorf("storing last sync of %s: zero time", team)
	}
	s, err := encodeTime(at)
	if err != nil {
		return fmt.Errorf("storing last sync of %s: %w", team, err)
	}
	err = db.write(ctx, k, func(p redis.Pipeliner) {
		p.Set(ctx, k.lastSync, s, 0)
	})
	if err != nil {
		return fmt.Errorf("storing last sync of %s: %w", team, err)
	}
	return nil
}

// LastSync returns the end of team's last successful sync, in UTC, or the
// zero time when it never synced.
func (db *DB) LastSync(ctx context.Context, team string) (time.Time, error) {
	k, err := db.keys(team)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading last sync of %s: %w", team, err)
	}
	var get *redis.StringCmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		get = p.Get(ctx, k.lastSync)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("reading last sync of %s: %w", team, err)
	}
	at, err := decodeLastSync(get)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading last sync of %s: %w", team, err)
	}
	return at, nil
}

// decodeLastSync reads the reply to a GET of a last-sync key: the zero
// time when it is missing.
func decodeLastSync(get *redis.StringCmd) (time.Time, error) {
	s, err := get.Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return decodeTime(s)
}
