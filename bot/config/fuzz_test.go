package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse holds Parse to its contract on any input: it never panics, it
// fails only with Problems, and what it accepts is usable without checks.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	invalid, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range append(files, invalid...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			var probs Problems
			if !errors.As(err, &probs) || len(probs) == 0 {
				t.Fatalf("Parse error %T %q is not a non-empty Problems", err, err)
			}
			return
		}
		if len(c.Teams) == 0 {
			t.Fatal("Parse accepted a config without teams")
		}
		for i := range c.Teams {
			team := &c.Teams[i]
			if team.loc == nil {
				t.Fatalf("team %q has no location after Parse", team.ID)
			}
			if team.Name == "" {
				t.Fatalf("team %q has no name after Parse", team.ID)
			}
			if team.prodEnv == nil || team.hotfix == nil {
				t.Fatalf("team %q has an uncompiled pattern after Parse", team.ID)
			}
			if team.GitHub.MaxPRLines < 1 || team.DORA.AttributionWindow.Duration <= 0 {
				t.Fatalf("team %q: Parse accepted max_pr_lines %d, attribution_window %s", team.ID, team.GitHub.MaxPRLines, team.DORA.AttributionWindow)
			}
			if team.Workdays() == [7]bool{} {
				t.Fatalf("team %q has no working days after Parse", team.ID)
			}
		}
		if c.SyncInterval.Duration < MinSyncInterval {
			t.Fatalf("Parse accepted sync_interval %s", c.SyncInterval)
		}
	})
}
