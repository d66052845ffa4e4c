package bot

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// memStore is an in-memory Store: answering is tested on plain values, the
// Redis store has its own tests.
type memStore struct {
	items       map[string][]coach.Item
	statuses    []coach.Status
	lastSync    time.Time
	prs         map[string][]coach.PullRequest
	deployments map[string][]coach.Deployment
	incidents   map[string][]coach.Item
}

func (m *memStore) PullRequests(_ context.Context, team string) ([]coach.PullRequest, error) {
	return m.prs[team], nil
}

func (m *memStore) Deployments(_ context.Context, team string) ([]coach.Deployment, error) {
	return m.deployments[team], nil
}

func (m *memStore) Incidents(_ context.Context, team string) ([]coach.Item, error) {
	return m.incidents[team], nil
}

func (m *memStore) Items(_ context.Context, team string) ([]coach.Item, error) {
	return m.items[team], nil
}

func (m *memStore) Statuses(context.Context, string) ([]coach.Status, error) {
	return m.statuses, nil
}

func (m *memStore) LastSync(context.Context, string) (time.Time, error) { return m.lastSync, nil }

const testConfig = `
timezone: UTC
teams:
  - id: payments
    name: Payments
    channel: C0PAYMENTS
    timezone: Europe/Berlin
    jira:
      jql: project = PAY
    stages:
      - name: Build
        active: [In Progress]
        wait: [Blocked]
      - name: Review
        wait: [Ready for Review]
        active: [In Review]
      - name: Done
        done: [Done, Closed]
  - id: empty
    channel: C0EMPTY
    jira:
      jql: project = EMP
`

var testStatuses = []coach.Status{
	{ID: "1", Name: "To Do", Category: coach.CategoryNew},
	{ID: "2", Name: "In Progress", Category: coach.CategoryIndeterminate},
	{ID: "3", Name: "Blocked", Category: coach.CategoryIndeterminate},
	{ID: "4", Name: "Ready for Review", Category: coach.CategoryIndeterminate},
	{ID: "5", Name: "In Review", Category: coach.CategoryIndeterminate},
	{ID: "6", Name: "Done", Category: coach.CategoryDone},
	{ID: "7", Name: "Closed", Category: coach.CategoryDone},
}

// now is a Friday; the week of Monday 2026-11-16 is the current one.
var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func day(n float64) time.Duration { return time.Duration(n * 24 * float64(time.Hour)) }

// item builds an item created at created whose status walks through the
// given (offset from created, status) steps.
func item(key, title string, created time.Time, steps ...any) coach.Item {
	it := coach.Item{Key: key, Title: title, Type: "Story", Created: created, Status: "To Do", Assignee: "Ana Lima"}
	from := "To Do"
	for i := 0; i < len(steps); i += 2 {
		at := created.Add(steps[i].(time.Duration))
		to := steps[i+1].(string)
		it.Transitions = append(it.Transitions, coach.Transition{At: at, From: from, To: to})
		from = to
	}
	it.Status = from
	if from == "Done" || from == "Closed" {
		it.Resolution = "Done"
	}
	return it
}

// fixtureItems is a small history whose answers are worked out by hand in
// the golden files' comments below.
func fixtureItems() []coach.Item {
	base := now.Add(-day(40))
	return []coach.Item{
		// Cycle times 2, 4.5, 6, 10 days: p50 = ceil(0.5*4) = 2nd smallest = 4.5,
		// p85 = ceil(3.4) = 4th = 10, p95 = ceil(3.8) = 4th = 10, max = 10.
		item("PAY-1", "Refund webhooks", base, day(1), "In Progress", day(3), "Done"),
		item("PAY-2", "Invoice export", base, day(2), "In Progress", day(6), "In Review", day(6.5), "Done"),
		item("PAY-3", "Payout cache", base.Add(day(20)), day(1), "In Progress", day(7), "Done"),
		item("PAY-4", "Ledger <fix>", base.Add(day(25)), day(2), "In Progress", day(12), "Done", day(20), "Closed"),
		// Done without starting: counts in throughput only.
		item("PAY-5", "Tax typo", base.Add(day(30)), day(1), "Done"),
		// Won't Do: neither delivered nor in progress.
		func() coach.Item {
			it := item("PAY-6", "Dropped idea", base, day(1), "In Progress", day(2), "Done")
			it.Resolution = "Won't Do"
			return it
		}(),
		// WIP: ages 12 (over the SLE of 10) and 1.5 days.
		item("PAY-7", "Card vault", now.Add(-day(13)), day(1), "In Progress", day(5), "In Review"),
		item("PAY-8", "Coupon rules", now.Add(-day(2)), day(0.5), "In Progress", day(1), "Blocked"),
	}
}

func newTestBot(t *testing.T) *Bot {
	t.Helper()
	cfg, err := config.Parse([]byte(testConfig))
	if err != nil {
		t.Fatalf("parsing test config: %v", err)
	}
	return &Bot{
		Config: cfg,
		Store: &memStore{
			items:    map[string][]coach.Item{"payments": fixtureItems()},
			statuses: testStatuses,
			lastSync: now.Add(-4 * time.Minute),
		},
	}
}

func TestAskGolden(t *testing.T) {
	tests := []struct {
		name string
		team string
		text string
	}{
		{"cycle-time", "payments", "cycle-time"},
		{"cycle-time-short-window", "payments", "cycle-time --since 7d"},
		{"cycle-time-empty-team", "empty", "cycle-time"},
		{"throughput", "payments", "throughput --since 6w"},
		{"wip", "payments", "wip"},
		{"aging", "payments", "aging"},
		{"aging-no-sle", "empty", "aging"},
		{"help", "payments", "help"},
		{"help-topic", "payments", "help cycle-time"},
	}
	b := newTestBot(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ans, err := b.Ask(context.Background(), tt.team, tt.text, now)
			if err != nil {
				t.Fatalf("Ask(%q): %v", tt.text, err)
			}
			js, err := json.MarshalIndent(ans.JSON, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got := ans.Text + "\n---\n" + string(js) + "\n"
			golden(t, filepath.Join("testdata", tt.name+".golden"), got)
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test ./bot -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s mismatch:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// The JSON numbers are the contract: pin them apart from the golden text.
func TestAskJSONValues(t *testing.T) {
	b := newTestBot(t)
	ans, err := b.Ask(context.Background(), "payments", "cycle-time", now)
	if err != nil {
		t.Fatal(err)
	}
	ct := ans.JSON.(cycleTimeJSON)
	if ct.Count != 4 || *ct.P50 != 4.5 || *ct.P85 != 10 || *ct.P95 != 10 || *ct.Max != 10 {
		t.Errorf("cycle-time = count %d p50 %v p85 %v p95 %v max %v, want 4, 4.5, 10, 10, 10",
			ct.Count, *ct.P50, *ct.P85, *ct.P95, *ct.Max)
	}
	ans, err = b.Ask(context.Background(), "payments", "aging", now)
	if err != nil {
		t.Fatal(err)
	}
	ag := ans.JSON.(agingJSON)
	if ag.SLEDays == nil || *ag.SLEDays != 10 {
		t.Fatalf("sle_days = %v, want 10", ag.SLEDays)
	}
	var keys []string
	for _, it := range ag.Items {
		keys = append(keys, it.Key)
	}
	if got, want := strings.Join(keys, ","), "PAY-7,PAY-8"; got != want {
		t.Errorf("aging order = %s, want %s", got, want)
	}
	if !ag.Items[0].OverSLE || ag.Items[1].OverSLE {
		t.Errorf("over_sle = %v, %v; want true, false", ag.Items[0].OverSLE, ag.Items[1].OverSLE)
	}
}

func TestHandleCommand(t *testing.T) {
	tests := []struct {
		name       string
		req        Request
		wantPublic bool
		wantText   string // substring
	}{
		{"channel picks the team", Request{ChannelID: "C0PAYMENTS", Text: "wip"}, false, "Work in progress · Payments"},
		{"public answers in channel", Request{ChannelID: "C0PAYMENTS", Text: "wip public"}, true, "Work in progress · Payments"},
		{"team: picks another team", Request{ChannelID: "C0PAYMENTS", Text: "wip team:empty"}, false, "Work in progress · empty"},
		{"unknown channel explains how to link it", Request{ChannelID: "C0OTHER", Text: "wip"}, false, "not linked to a flowbot team"},
		{"unknown team lists teams", Request{ChannelID: "C0PAYMENTS", Text: "wip team:nope"}, false, "I don't know that team. Teams: `payments`, `empty`."},
		{"help works anywhere", Request{ChannelID: "C0OTHER", Text: "help"}, false, "flowbot* answers"},
		{"a window starting in the future is refused", Request{ChannelID: "C0PAYMENTS", Text: "throughput --since 2027-01-01"}, false, "`--since 2027-01-01` is not in the past"},
		{"bad input gets usage, never public", Request{ChannelID: "C0PAYMENTS", Text: "cycle-time --since soon public"}, false, "Usage: `/flow cycle-time"},
	}
	b := newTestBot(t)
	b.Now = func() time.Time { return now }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.HandleCommand(context.Background(), tt.req)
			if got.Public != tt.wantPublic {
				t.Errorf("Public = %v, want %v", got.Public, tt.wantPublic)
			}
			if !strings.Contains(got.Text, tt.wantText) {
				t.Errorf("Text = %q, want it to contain %q", got.Text, tt.wantText)
			}
		})
	}
}

// TestMessages checks the layout every answer carries besides its text:
// a title, a reading, at most 10 key numbers, the context line, and a
// "Show chart" button on the answers that have a picture.
func TestMessages(t *testing.T) {
	withChart := map[string]bool{"cycle-time": true, "aging": true, "throughput": true, "cfd": true, "vsm": true, "forecast": true}
	tests := []struct {
		text        string
		wantContext string // prefix of the window part
	}{
		{"cycle-time", "Last 90d · "},
		{"cycle-time --since 2026-10-01", "Since Oct 1, 2026 · "},
		{"throughput --since 6w", "Last 6w · "},
		{"wip", "Now · "},
		{"aging", "Now · "},
		{"vsm", "Last 30d · calendar time · "},
		{"efficiency --working-time", "Last 30d · working time · "},
		{"forecast 3 --seed 1", "Sample "},
		{"forecast --by 2026-12-31 --seed 1", "Sample "},
		{"forecast 200", "Sample "},
		{"distribution", "Last 30d · "},
		{"cfd --since 14d", "Last 14d · "},
		{"prs", "Last 30d · "},
		{"dora", "Last 90d · DORA 2023 bands · "},
		{"item PAY-12", "Created "},
		{"data-quality", "Last 90d · "},
		{"compare 2026-09 2026-10", "Sep 1, 2026 – Sep 30, 2026 vs Oct 1, 2026 – Oct 31, 2026 · "},
		{"explain cycle-time", "Last 90d · "},
		{"explain forecast", ""},
	}
	b := newDeliveryBot(t)
	// Forecasts need weeks of throughput, which this fixture has.
	fb := flowBot(t, throughputFixture())
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			b := b
			name := strings.Fields(tt.text)[0]
			if name == "forecast" {
				b = fb
			}
			ans, err := b.Ask(context.Background(), "payments", tt.text, now)
			if err != nil {
				t.Fatal(err)
			}
			m := ans.Message
			if m == nil {
				t.Fatal("no Message")
			}
			if m.Title == "" || m.Reading == "" {
				t.Errorf("Title %q, Reading %q: want both", m.Title, m.Reading)
			}
			if strings.Contains(m.Reading, "\n") {
				t.Errorf("Reading is more than one line: %q", m.Reading)
			}
			if len(m.Fields) > 10 {
				t.Errorf("%d fields, want at most 10", len(m.Fields))
			}
			for _, f := range m.Fields {
				if f.Label == "" || f.Value == "" || len(f.Label) > 30 {
					t.Errorf("field %+v: want a short label and a value", f)
				}
			}
			if want := tt.wantContext + "Payments · synced 4 minutes ago"; !strings.HasPrefix(m.Context, tt.wantContext) || !strings.HasSuffix(m.Context, "Payments · synced 4 minutes ago") {
				t.Errorf("Context = %q, want %q", m.Context, want)
			}
			var wantActions []Action
			if withChart[name] {
				wantActions = []Action{{ActionID: "flow_chart", Text: "Show chart", Value: tt.text}}
			}
			if diff := cmp.Diff(m.Actions, wantActions); diff != "" {
				t.Errorf("Actions (-got +want):\n%s", diff)
			}
			if m.Chart != nil {
				t.Error("a chart drawn although none was asked for")
			}
		})
	}
}

// TestMessageGolden pins the layout of a few answers.
func TestMessageGolden(t *testing.T) {
	b := newTestBot(t)
	for _, text := range []string{"cycle-time", "throughput --since 6w", "wip", "aging", "help", "help cycle-time"} {
		t.Run(text, func(t *testing.T) {
			ans, err := b.Ask(context.Background(), "payments", text, now)
			if err != nil {
				t.Fatal(err)
			}
			js, err := json.MarshalIndent(ans.Message, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "message", strings.ReplaceAll(text, " ", "_")+".golden"), string(js)+"\n")
		})
	}
}

// TestChartAnswers: "chart" attaches a PNG drawn from the answer's values,
// keeps the text as it is, and drops the button.
func TestChartAnswers(t *testing.T) {
	for _, text := range []string{"cycle-time", "aging", "throughput", "cfd", "vsm", "forecast 3"} {
		t.Run(text, func(t *testing.T) {
			b := newTestBot(t)
			if strings.HasPrefix(text, "forecast") {
				b = flowBot(t, throughputFixture()) // weeks of throughput
			}
			plain, err := b.Ask(context.Background(), "payments", text, now)
			if err != nil {
				t.Fatal(err)
			}
			ans, err := b.Ask(context.Background(), "payments", text+" chart", now)
			if err != nil {
				t.Fatal(err)
			}
			if ans.Text != plain.Text {
				t.Errorf("text changed with chart:\n%s\n---\n%s", ans.Text, plain.Text)
			}
			c := ans.Message.Chart
			if c == nil {
				t.Fatalf("no chart; context %q", ans.Message.Context)
			}
			name := strings.Fields(text)[0]
			if want := name + "-payments-2026-11-20.png"; c.Filename != want {
				t.Errorf("Filename = %q, want %q", c.Filename, want)
			}
			if !strings.HasPrefix(string(c.PNG), "\x89PNG\r\n\x1a\n") {
				t.Errorf("chart is not a PNG")
			}
			if c.Title != ans.Message.Title || c.AltText != ans.Message.Reading {
				t.Errorf("chart title %q alt %q, want the message's title and reading", c.Title, c.AltText)
			}
			if len(ans.Message.Actions) != 0 {
				t.Errorf("Actions = %+v, want none once the chart is there", ans.Message.Actions)
			}
		})
	}
}

func TestHandleCommandCarriesMessage(t *testing.T) {
	b := newTestBot(t)
	b.Now = func() time.Time { return now }
	got := b.HandleCommand(context.Background(), Request{ChannelID: "C0PAYMENTS", Text: "/flow cycle-time public"})
	if got.Message == nil || got.Message.Title != "Cycle time · Payments" {
		t.Fatalf("Message = %+v", got.Message)
	}
	if want := []Action{{ActionID: "flow_chart", Text: "Show chart", Value: "cycle-time public"}}; !cmp.Equal(got.Message.Actions, want) {
		t.Errorf("Actions = %+v, want %+v", got.Message.Actions, want)
	}
	if bad := b.HandleCommand(context.Background(), Request{ChannelID: "C0PAYMENTS", Text: "nope"}); bad.Message != nil {
		t.Errorf("an error answer has a Message: %+v", bad.Message)
	}
}

func TestChartOnAnAnswerWithoutOne(t *testing.T) {
	b := newTestBot(t)
	ans, err := b.Ask(context.Background(), "payments", "wip chart", now)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Message.Chart != nil || !strings.Contains(ans.Text, "`wip` has no chart") || !strings.Contains(ans.Message.Context, "has no chart") {
		t.Errorf("wip chart: chart %v, text %q, context %q; want no chart and a note saying so", ans.Message.Chart != nil, ans.Text, ans.Message.Context)
	}
}
