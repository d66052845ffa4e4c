package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// recordVersion is the version written into, and expected in, every record.
const recordVersion = 1

// versionProbe reads only a record's version, so a record of another
// version is reported as such before its fields are interpreted.
type versionProbe struct {
	V *int `json:"v"`
}

// decode unmarshals data into rec after checking its version.
func decode(data string, rec any) error {
	var p versionProbe
	if err := json.Unmarshal([]byte(data), &p); err != nil {
		return fmt.Errorf("decoding record: %w", err)
	}
	if p.V == nil {
		return fmt.Errorf("%w: record has no version field", ErrUnknownVersion)
	}
	if *p.V != recordVersion {
		return fmt.Errorf("%w: record version %d, this flowbot reads %d", ErrUnknownVersion, *p.V, recordVersion)
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
