package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// recordVersion is the version of records whose layout never changed
// (statuses, deployments, flow records).
const recordVersion = 1

// itemVersion and pullRequestVersion are the versions written into item and
// pull-request records. Version 2 added fields (an item's resolution date,
// parent, points, flagged spans and links; a pull request's branch, body,
// merge commit, ready time, commits and requested reviewers); version 3
// holds the same fields in a binary layout (binrec.go) about a third of the
// JSON's size. Versions 1 and 2 are JSON and still decode, version 1 with the
// version-2 fields zero. A flowbot that knows only older versions refuses
// newer records rather than dropping their fields.
const (
	itemVersion        = 3
	pullRequestVersion = 3
	// lastJSONVersion is the last version written as JSON.
	lastJSONVersion = 2
)

// versionProbe reads only a record's version, so a record of another
// version is reported as such before its fields are interpreted.
type versionProbe struct {
	V *int `json:"v"`
}

// decode unmarshals data into rec after checking that its version is one
// of 1..maxVersion.
func decode(data string, rec any, maxVersion int) error {
	var p versionProbe
	if err := json.Unmarshal([]byte(data), &p); err != nil {
		return fmt.Errorf("decoding record: %w", err)
	}
	if p.V == nil {
		return fmt.Errorf("%w: record has no version field", ErrUnknownVersion)
	}
	if *p.V < 1 || *p.V > maxVersion {
		return fmt.Errorf("%w: record version %d, this flowbot reads 1 to %d", ErrUnknownVersion, *p.V, maxVersion)
	}
	if err := json.Unmarshal([]byte(data), rec); err != nil {
		return fmt.Errorf("decoding record: %w", err)
	}
	return nil
}

// encodeTime renders t as a UTC instant with full precision, or "" for the
// zero time so that "never" survives a round trip as exactly that.
func encodeTime(t time.Time) (string, error) {
	if t.IsZero() {
		return "", nil
	}
	// MarshalText, unlike Format, refuses years RFC 3339 cannot hold, so
	// nothing is written that could not be read back.
	b, err := t.UTC().MarshalText()
	if err != nil {
		return "", fmt.Errorf("encoding time: %w", err)
	}
	return string(b), nil
}

func decodeTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("decoding time: %w", err)
	}
	return t.UTC(), nil
}

// timeCodec accumulates the first error of a series of time conversions, so
// a record with many times converts in straight-line code.
type timeCodec struct{ err error }

func (c *timeCodec) enc(t time.Time) string {
	s, err := encodeTime(t)
	if c.err == nil {
		c.err = err
	}
	return s
}

func (c *timeCodec) dec(s string) time.Time {
	t, err := decodeTime(s)
	if c.err == nil {
		c.err = err
	}
	return t
}
