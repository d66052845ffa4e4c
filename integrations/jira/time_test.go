package jira

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "2026-11-20T10:15:00.000+0000", want: time.Date(2026, 11, 20, 10, 15, 0, 0, time.UTC)},
		{in: "2020-12-03T14:05:20.974+0100", want: time.Date(2020, 12, 3, 13, 5, 20, 974e6, time.UTC)},
		{in: "2026-03-01T23:30:00.000-0500", want: time.Date(2026, 3, 2, 4, 30, 0, 0, time.UTC)},
		{in: "2026-11-20T10:15:00+0000", want: time.Date(2026, 11, 20, 10, 15, 0, 0, time.UTC)},
		{in: "2026-11-20T10:15:00.5Z", want: time.Date(2026, 11, 20, 10, 15, 0, 5e8, time.UTC)},
		{in: "2026-11-20T10:15:00.000+01:00", want: time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC)},
		{in: "2026-11-20", wantErr: true},
		{in: "2026-11-20 10:15", wantErr: true},
		{in: "1", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseTime(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseTime(%q) error = %v, want error: %v", tt.in, err, tt.wantErr)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("parseTime(%q) = %v, want %v in UTC", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-11-20T10:15:00.000+0000",
		"2020-12-03T14:05:20.974+0100",
		"1970-01-18T06:27:50.429+0000",
		"2026-11-20T10:15:00Z",
		"2026-11-20T10:15:00.000+01:00",
		"2026-13-40T25:61:61.000+9999",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTime(s)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, not in UTC", s, got)
		}
		// Whatever parses must survive a round trip through Jira's own
		// layout: the instant is what the cursor and durations rely on.
		again, err := parseTime(got.Format("2006-01-02T15:04:05.000000000-0700"))
		if err != nil || !again.Equal(got) {
			t.Errorf("parseTime(%q) = %v, which reads back as %v, %v", s, got, again, err)
		}
	})
}
