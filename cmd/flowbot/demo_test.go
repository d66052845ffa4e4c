package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/integrations/slack"
)

// TestDemoWritesCharts: "chart" in the demo lands a PNG in <out>/charts
// and the demo prints where.
func TestDemoWritesCharts(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo syncs a generated company")
	}
	dir := t.TempDir()
	code, out, errOut := runCmd(t, nil, "/flow cycle-time chart\n/flow aging chart public\n", "demo", "--days", "60", "--out", dir)
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	charts, err := filepath.Glob(filepath.Join(dir, "charts", "*.png"))
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 2 {
		t.Fatalf("charts written: %v, want 2\nstdout:\n%s", charts, out)
	}
	for _, c := range charts {
		b, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("%s is not a PNG", c)
		}
		if !strings.Contains(out, c) {
			t.Errorf("demo output does not name %s\nstdout:\n%s", c, out)
		}
	}
	for _, want := range []string{"Chart (shown in the answer): ", "Chart (shared in the channel): ", "[picture: Cycle time · Payments"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q\nstdout:\n%s", want, out)
		}
	}
}

func TestRenderBlocks(t *testing.T) {
	m := &bot.Message{
		Title:   "Cycle time · Payments",
		Fields:  []bot.Field{{Label: "50% within", Value: "4.5 days"}, {Label: "85% within", Value: "10 days"}},
		Reading: "85% of items finish within 10 days; *1 item* in progress is older than that.",
		Body:    []string{"```\nweek of Nov 16    3  ███\n```"},
		Context: "Last 90d · Payments · synced 4 minutes ago",
		Actions: []bot.Action{{ActionID: bot.ActionShowChart, Text: "Show chart", Value: "cycle-time"}},
	}
	raw, err := json.Marshal(slack.Blocks(m, ""))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ansi bool
		want string
	}{
		{"plain", false, "Cycle time · Payments\n50% within: 4.5 days   85% within: 10 days\n" +
			"85% of items finish within 10 days; 1 item in progress is older than that.\n" +
			"    week of Nov 16    3  ███\nLast 90d · Payments · synced 4 minutes ago\n[ Show chart ]"},
		{"terminal", true, "\x1b[1mCycle time · Payments\x1b[0m\n50% within: 4.5 days   85% within: 10 days\n" +
			"85% of items finish within 10 days; \x1b[1m1 item\x1b[0m in progress is older than that.\n" +
			"    week of Nov 16    3  ███\n\x1b[2mLast 90d · Payments · synced 4 minutes ago\x1b[0m\n[ Show chart ]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := renderBlocks(raw, tt.ansi)
			if !ok {
				t.Fatal("renderBlocks found no blocks")
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
	if _, ok := renderBlocks(nil, false); ok {
		t.Error("renderBlocks(nil) reports blocks")
	}
}
