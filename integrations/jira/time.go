package jira

import (
	"encoding/json"
	"fmt"
	"time"
)

// Jira writes timestamps as 2026-11-20T10:15:00.000+0000: RFC 3339 but for
// the colon-less offset. When parsing, Go accepts a fractional second of
// any length after the seconds even though the layout has none.
const (
	timeLayout        = "2006-01-02T15:04:05Z0700"
	timeLayoutRFC3339 = time.RFC3339Nano
)

// parseTime reads a Jira timestamp and returns it in UTC. RFC 3339 is
// accepted too, as some proxies and the Agile API rewrite offsets.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{timeLayout, timeLayoutRFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("reading jira time %q: want the form 2006-01-02T15:04:05.000-0700", s)
}

// jiraTime decodes a Jira timestamp; null and "" decode to the zero time.
type jiraTime struct{ time.Time }

func (t *jiraTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("reading jira time: %w", err)
	}
	if s == "" {
		return nil
	}
	p, err := parseTime(s)
	if err != nil {
		return err
	}
	t.Time = p
	return nil
}
