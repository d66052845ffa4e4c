package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The store remembers what GitHub said of a login's public profile, so
// each login is asked about once and again only when the answer is old:
// GitHub reveals a public e-mail through GET /users/{login} alone, one
// request per login.

type githubProfileRecord struct {
	V       int    `json:"v"`
	Email   string `json:"email,omitempty"`
	Checked string `json:"checked"`
}

// githubUsersKey holds every remembered profile, by lower-cased login:
// logins are the same for every team, so one hash serves them all.
func (db *DB) githubUsersKey() (string, error) {
	if db.prefixErr != nil {
		return "", db.prefixErr
	}
	return db.prefix + ":github:users", nil
}

// GitHubEmail returns the public e-mail remembered for login ("" when
// it has none) and when GitHub was asked; ok is false when it never was.
func (db *DB) GitHubEmail(ctx context.Context, login string) (email string, checked time.Time, ok bool, err error) {
	key, err := db.githubUsersKey()
	if err != nil {
		return "", time.Time{}, false, err
	}
	s, err := db.rdb.HGet(ctx, key, strings.ToLower(login)).Result()
	if errors.Is(err, redis.Nil) {
		return "", time.Time{}, false, nil
	}
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("reading github profile of %s: %w", login, classify(ctx, err))
	}
	var rec githubProfileRecord
	if err := decode(s, &rec, recordVersion); err != nil {
		return "", time.Time{}, false, fmt.Errorf("reading github profile of %s: %w", login, err)
	}
	if checked, err = time.Parse(time.RFC3339Nano, rec.Checked); err != nil {
		return "", time.Time{}, false, fmt.Errorf("reading github profile of %s: %w", login, err)
	}
	return rec.Email, checked, true, nil
}

// PutGitHubEmail remembers login's public e-mail ("" for none, or no
// such account) as GitHub gave it at checked.
func (db *DB) PutGitHubEmail(ctx context.Context, login, email string, checked time.Time) error {
	key, err := db.githubUsersKey()
	if err != nil {
		return err
	}
	if login == "" {
		return errors.New("storing a github profile: no login")
	}
	b, err := json.Marshal(githubProfileRecord{V: recordVersion, Email: email, Checked: checked.UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return fmt.Errorf("encoding github profile of %s: %w", login, err)
	}
	if err := db.rdb.HSet(ctx, key, strings.ToLower(login), string(b)).Err(); err != nil {
		return fmt.Errorf("storing github profile of %s: %w", login, classify(ctx, err))
	}
	return nil
}
