package bot

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompareAndExplainGolden(t *testing.T) {
	tests := []struct{ name, text string }{
		{"compare-months", "compare 2026-10 2026-11"},
		{"compare-ranges", "compare 2026-10-01..2026-10-20 2026-10-21..2026-11-19"},
		{"explain-cycle-time", "explain cycle-time --since 60d"},
		{"explain-forecast", "explain forecast"},
	}
	b := newTestBot(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ans, err := b.Ask(context.Background(), "payments", tt.text, now)
			if err != nil {
				t.Fatalf("Ask(%q): %v", tt.text, err)
			}
			js, err := json.MarshalIndent(ans.JSON, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "compare", tt.name+".golden"), ans.Text+"\n---\n"+string(js)+"\n")
		})
	}
}

// The numbers of a comparison are those of the commands themselves.
func TestCompareUsesTheCommandsNumbers(t *testing.T) {
	b := newTestBot(t)
	ans, err := b.Ask(context.Background(), "payments", "compare 2026-10 2026-11", now)
	if err != nil {
		t.Fatal(err)
	}
	j := ans.JSON.(compareJSON)
	var p50After *float64
	for _, m := range j.Metrics {
		if m.Name == "cycle_time_p50_days" {
			p50After = m.After
		}
	}
	// November 1-20: PAY-3 (6 days) and PAY-4 (10 days) finished; p50 of two is the 1st = 6.
	ct, err := b.Ask(context.Background(), "payments", "cycle-time --since 2026-11-01", now)
	if err != nil {
		t.Fatal(err)
	}
	want := ct.JSON.(cycleTimeJSON).P50
	if p50After == nil || want == nil || *p50After != *want || *want != 6 {
		t.Errorf("compare's November cycle time p50 = %v, cycle-time's = %v; want both 6", deref(p50After), deref(want))
	}
	// October had no PRs and no deployments: those rows are missing, not 0.
	for _, m := range j.Metrics {
		if strings.HasPrefix(m.Name, "pickup") && (m.Before != nil || m.Change != nil) {
			t.Errorf("%s before = %v, want null with no PRs", m.Name, deref(m.Before))
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestCompareAndExplainUsageErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"compare 2026-10", "needs two periods"},
		{"compare 2026-13 2026-10", "is not a month"},
		{"compare 2027-01 2026-10", "has not begun yet"},
		{"compare 2026-10-20..2026-10-01 2026-11", "is not a date range"},
		{"compare last-month this-month", "is not a period"},
		{"explain", "Say which number"},
		{"explain velocity", "I don't know `velocity`"},
	}
	b := newTestBot(t)
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			_, err := b.Ask(context.Background(), "payments", tt.text, now)
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(ue.Error(), tt.want) {
				t.Errorf("Ask(%q) error = %v, want a usage error containing %q", tt.text, err, tt.want)
			}
		})
	}
}
