package bot

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name string
		text string
		want Command
	}{
		{"empty is help", "", Command{Name: "help"}},
		{"help topic", "help cycle-time", Command{Name: "help", Args: []string{"cycle-time"}}},
		{"default window", "cycle-time", Command{Name: "cycle-time", Since: Since{Days: 90, Raw: "90d"}}},
		{"days", "cycle-time --since 30d", Command{Name: "cycle-time", Since: Since{Days: 30, Raw: "30d"}}},
		{"weeks with =", "throughput --since=8w", Command{Name: "throughput", Since: Since{Days: 56, Raw: "8w"}}},
		{"throughput default 12w", "throughput", Command{Name: "throughput", Since: Since{Days: 84, Raw: "12w"}}},
		{"date", "cycle-time --since 2026-09-01", Command{Name: "cycle-time", Since: Since{Date: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Raw: "2026-09-01"}}},
		{"team prefix and public", "wip team:checkout public", Command{Name: "wip", Team: "checkout", Public: true}},
		{"--team flag", "aging --team payments", Command{Name: "aging", Team: "payments"}},
		{"leading /flow", "/flow wip", Command{Name: "wip"}},
		{"alias and case", "Cycle_Time", Command{Name: "cycle-time", Since: Since{Days: 90, Raw: "90d"}}},
		{"extra spaces", "  aging    public  ", Command{Name: "aging", Public: true}},
		{"chart then public", "wip chart public", Command{Name: "wip", Chart: true, Public: true}},
		{"public then chart", "wip public chart", Command{Name: "wip", Chart: true, Public: true}},
		{"public alone is help", "public", Command{Name: "help", Public: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCommand(tt.text)
			if err != nil {
				t.Fatalf("ParseCommand(%q): %v", tt.text, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseCommand(%q) mismatch (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

func TestParseCommandErrors(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		wantMsg string // substring of the message a person sees
	}{
		{"unknown command suggests the closest", "cycletme", "Did you mean `/flow cycle-time`?"},
		{"unknown command far from all", "deploy-the-moon", "I don't know `deploy-the-moon`."},
		{"unknown option shows usage", "wip --verbose", "Unknown option `--verbose`.\nUsage: `/flow wip"},
		{"since on a command without window", "wip --since 30d", "`wip` does not take `--since`."},
		{"since missing value", "cycle-time --since", "`--since` needs a value"},
		{"since unit unknown", "cycle-time --since 3m", "`--since 3m` is not a window"},
		{"since zero", "cycle-time --since 0d", "out of range"},
		{"since too long", "cycle-time --since 9999w", "out of range"},
		{"bad date", "cycle-time --since 2026-13-40", "is not a window"},
		{"bad team id", "wip team:Pay$", "is not a team id"},
		{"team flag without value", "wip --team", "`--team` needs a team id"},
		{"stray argument", "wip now", "Unexpected `now`."},
		{"too long", strings.Repeat("a", 600), "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCommand(tt.text)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("ParseCommand(%q) error = %v, want a *UsageError", tt.text, err)
			}
			if !strings.Contains(ue.Error(), tt.wantMsg) {
				t.Errorf("ParseCommand(%q) message = %q, want it to contain %q", tt.text, ue.Error(), tt.wantMsg)
			}
		})
	}
}

func TestSinceStart(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		since Since
		want  time.Time
	}{
		{"days are 24h each back from now", Since{Days: 90, Raw: "90d"}, now.Add(-90 * 24 * time.Hour)},
		// A date is midnight in the team's zone: 2026-09-01 00:00 CEST = 2026-08-31 22:00 UTC.
		{"date is local midnight", Since{Date: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Raw: "2026-09-01"}, time.Date(2026, 8, 31, 22, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.since.Start(now, berlin); !got.Equal(tt.want) {
				t.Errorf("Start = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"", "help", "cycle-time --since 90d", "throughput --since=12w team:pay public",
		"wip --team", "aging --since", "cycle-time --since 2026-02-30", "/flow  help  wip", "--since 1d", "team:",
		"cycle-time --since 99999999999999999999d", "héllo wörld", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cmd, err := ParseCommand(text)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("ParseCommand(%q) returned %T, want *UsageError", text, err)
			}
			if ue.Problem == "" {
				t.Fatalf("ParseCommand(%q) returned an empty problem", text)
			}
			return
		}
		if _, ok := lookup(cmd.Name); !ok {
			t.Fatalf("ParseCommand(%q) = unknown command %q", text, cmd.Name)
		}
		if cmd.Since.Days < 0 || cmd.Since.Days > maxSinceDays {
			t.Fatalf("ParseCommand(%q) window of %d days", text, cmd.Since.Days)
		}
		if cmd.Team != "" && !teamID.MatchString(cmd.Team) {
			t.Fatalf("ParseCommand(%q) team %q", text, cmd.Team)
		}
	})
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"", 3, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		// Runes, not bytes: "é" is two bytes, "💸" four.
		{"café", 4, "café"},
		{"cafés", 4, "café…"},
		{"💸💸💸", 2, "💸💸…"},
	}
	for _, tt := range tests {
		if got := truncate(tt.s, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
