package github

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCursorRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		cursor Cursor
	}{
		{"zero", Cursor{}},
		{"time_only", Cursor{Updated: time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC)}},
		{"nanoseconds_kept", Cursor{Updated: time.Date(2024, 3, 4, 9, 0, 0, 123456789, time.UTC)}},
		{"strong_etag", Cursor{Updated: time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC), ETag: `"33b99315"`}},
		{"weak_etag_with_odd_bytes", Cursor{ETag: `W/"a&b=c; d"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCursor(tt.cursor.String())
			if err != nil {
				t.Fatalf("ParseCursor(%q): %v", tt.cursor.String(), err)
			}
			if diff := cmp.Diff(got, tt.cursor); diff != "" {
				t.Errorf("round trip of %q (-got +want):\n%s", tt.cursor.String(), diff)
			}
		})
	}
	if got := (Cursor{}).String(); got != "" {
		t.Errorf("zero cursor encodes as %q, want \"\"", got)
	}
}

func TestParseCursorRejects(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not_ours", "garbage", `parsing github cursor "garbage": version "", want "1"`},
		{"future_version", "v=2", `parsing github cursor "v=2": version "2", want "1"`},
		{"bad_time", "v=1&updated=yesterday", `parsing github cursor "v=1&updated=yesterday": parsing time "yesterday" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "yesterday" as "2006"`},
		{"bad_escape", "v=1&etag=%zz", `parsing github cursor "v=1&etag=%zz": invalid URL escape "%zz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCursor(tt.in)
			if err == nil {
				t.Fatalf("ParseCursor(%q) succeeded", tt.in)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\ngot  %s\nwant %s", got, tt.want)
			}
		})
	}
}
