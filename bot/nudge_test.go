package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
	"github.com/google/go-cmp/cmp"
)

const nudgeConfig = `
teams:
  - id: payments
    name: Payments
    channel: C0PAYMENTS
    timezone: UTC
    jira:
      jql: project = PAY
    stages:
      - name: Build
        active: [In Progress]
        wait: [Blocked]
      - name: Review
        active: [In Review]
      - name: Done
        done: [Done]
    people:
      - {slack: U0ANA, jira: "Ana Lima", github: ana-lima}
`

// fridayCheck is a Friday at the default flow-check time.
var fridayCheck = time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC)

// nudgeItems: PAY-1 (Ana, mapped) and PAY-2 (Bo, unmapped) have sat in
// In Progress since Monday 9 Nov: 9 working days, stalled; PAY-3 is in
// Blocked since Tuesday 17 Nov: 3 working days, blocked.
func nudgeItems() []coach.Item {
	started := time.Date(2026, 11, 9, 10, 0, 0, 0, time.UTC)
	item := func(key, who, status string, at time.Time) coach.Item {
		return coach.Item{Key: key, Title: "Work " + key, Type: "Story", Status: status, Assignee: who,
			Created: started.Add(-time.Hour), Updated: at,
			Transitions: []coach.Transition{{At: started, From: "To Do", To: "In Progress"}}}
	}
	blocked := item("PAY-3", "Ana Lima", "Blocked", time.Date(2026, 11, 17, 10, 0, 0, 0, time.UTC))
	blocked.Transitions = append(blocked.Transitions, coach.Transition{At: blocked.Updated, From: "In Progress", To: "Blocked"})
	return []coach.Item{item("PAY-1", "Ana Lima", "In Progress", started), item("PAY-2", "Bo Chen", "In Progress", started), blocked}
}

// recordingPoster is a FlowCheckPoster that remembers what it was asked
// to do; the Slack adapter's real transport is tested in its package.
type recordingPoster struct {
	mu      sync.Mutex
	fail    error
	posts   []FlowCheck
	updates []FlowCheck
	details [][]NudgeLine
}

func (p *recordingPoster) PostFlowCheck(_ context.Context, _ string, fc FlowCheck) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return "", p.fail
	}
	p.posts = append(p.posts, fc)
	return "1700000000.00010" + string(rune('0'+len(p.posts))), nil
}

func (p *recordingPoster) UpdateFlowCheck(_ context.Context, _, _ string, fc FlowCheck) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.updates = append(p.updates, fc)
	return nil
}

func (p *recordingPoster) PostFlowCheckDetails(_ context.Context, _, _ string, lines []NudgeLine) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.details = append(p.details, lines)
	return nil
}

func newNudger(t *testing.T, log *store.Nudges, items []coach.Item, p FlowCheckPoster) *Nudger {
	t.Helper()
	return newNudgerWith(t, nudgeConfig, log, items, p)
}

func newNudgerWith(t *testing.T, yaml string, log *store.Nudges, items []coach.Item, p FlowCheckPoster) *Nudger {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	ms := &memStore{items: map[string][]coach.Item{"payments": items}}
	return &Nudger{Bot: &Bot{Config: cfg, Store: ms}, Log: log, Poster: p}
}

func lineKeys(fc FlowCheck) []string {
	var out []string
	for _, l := range fc.Lines {
		k := l.Key
		if l.Moved {
			k += " (moved)"
		}
		out = append(out, k)
	}
	return out
}

func TestRunFlowCheck(t *testing.T) {
	log := storetest.New(t).Nudges()
	p := &recordingPoster{}
	items := nudgeItems()
	n := newNudger(t, log, items, p)
	ctx := t.Context()

	t.Run("first run posts every due nudge once", func(t *testing.T) {
		res, err := n.RunFlowCheck(ctx, "payments", fridayCheck)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Posted || len(p.posts) != 1 {
			t.Fatalf("Posted = %v with %d posts, want one post", res.Posted, len(p.posts))
		}
		want := []string{"stalled:PAY-1", "stalled:PAY-2", "blocked:PAY-3"}
		if diff := cmp.Diff(lineKeys(p.posts[0]), want); diff != "" {
			t.Errorf("lines (-got +want):\n%s", diff)
		}
		got := map[string][]string{}
		for _, l := range p.posts[0].Lines {
			got[l.Key] = l.Mentions
		}
		// Ana is mapped; Bo is not, and is named in plain text instead.
		wantMentions := map[string][]string{"stalled:PAY-1": {"U0ANA"}, "stalled:PAY-2": {}, "blocked:PAY-3": {"U0ANA"}}
		if diff := cmp.Diff(got, wantMentions); diff != "" {
			t.Errorf("mentions (-got +want):\n%s", diff)
		}
		if l := p.posts[0].Lines[1]; !containsText(l.Text, "Bo Chen") || containsText(l.Text, "<@") {
			t.Errorf("unmapped line = %q, want Bo Chen by name and no mention", l.Text)
		}
		if len(p.details) != 1 || len(p.details[0]) != 3 {
			t.Errorf("details = %v, want one thread reply with 3 lines", p.details)
		}
	})
	t.Run("second run the same day posts nothing", func(t *testing.T) {
		res, err := n.RunFlowCheck(ctx, "payments", fridayCheck.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if res.Posted || res.Updated || len(p.posts) != 1 || len(p.updates) != 0 {
			t.Errorf("second run: posted %v updated %v (%d posts, %d updates); want nothing", res.Posted, res.Updated, len(p.posts), len(p.updates))
		}
	})
	t.Run("an item that moves edits the day's post", func(t *testing.T) {
		moved := slices.Clone(items)
		moved[0].Status = "In Review"
		moved[0].Transitions = append(slices.Clone(moved[0].Transitions), coach.Transition{At: fridayCheck.Add(time.Hour), From: "In Progress", To: "In Review"})
		n2 := newNudger(t, log, moved, p)
		res, err := n2.RunFlowCheck(ctx, "payments", fridayCheck.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if res.Posted || !res.Updated || len(p.posts) != 1 || len(p.updates) != 1 {
			t.Fatalf("posted %v updated %v; want the day's post edited", res.Posted, res.Updated)
		}
		want := []string{"stalled:PAY-1 (moved)", "stalled:PAY-2", "blocked:PAY-3"}
		if diff := cmp.Diff(lineKeys(p.updates[0]), want); diff != "" {
			t.Errorf("edited lines (-got +want):\n%s", diff)
		}
	})
	t.Run("the next working day repeats in a new post", func(t *testing.T) {
		monday := fridayCheck.Add(72 * time.Hour)
		saturday := fridayCheck.Add(24 * time.Hour)
		if res, err := n.RunFlowCheck(ctx, "payments", saturday); err != nil || res.Posted {
			t.Fatalf("Saturday: posted %v, %v; want nothing", res.Posted, err)
		}
		res, err := n.RunFlowCheck(ctx, "payments", monday)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Posted || len(p.posts) != 2 {
			t.Fatalf("Monday: posted %v, %d posts; want a second post", res.Posted, len(p.posts))
		}
		for _, r := range res.Report.Reasons {
			if r != coach.ReasonRepeat {
				t.Errorf("reason %q, want %q", r, coach.ReasonRepeat)
			}
		}
	})
}

// TestRunFlowCheckCalendar runs the flow check of a team whose working
// calendar has a holiday (Tuesday 24 Nov), the default hours 09:00-17:00
// and repeat_every 2d: each run's due and held-back nudges by reason.
func TestRunFlowCheckCalendar(t *testing.T) {
	yaml := nudgeConfig + "    holidays: [2026-11-24]\n    repeat_every: 2d\n"
	log := storetest.New(t).Nudges()
	p := &recordingPoster{}
	n := newNudgerWith(t, yaml, log, nudgeItems(), p)
	at := func(day int, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, time.UTC) }
	type run struct {
		Posted bool
		Due    []string // reason for each
		Held   []string
	}
	steps := []struct {
		name string
		now  time.Time
		want run
	}{
		{name: "Friday 18:00 is outside working hours: everything held",
			now:  at(20, 18, 0),
			want: run{Held: []string{"outside working hours", "outside working hours", "outside working hours"}}},
		{name: "Friday 09:15: every nudge posted the first time",
			now:  at(20, 9, 15),
			want: run{Posted: true, Due: []string{"first notification", "first notification", "first notification"}}},
		{name: "Monday 09:15: one working day since Friday's post, repeat_every 2d holds them",
			now: at(23, 9, 15),
			want: run{Held: []string{"repeated less than repeat_every ago", "repeated less than repeat_every ago",
				"repeated less than repeat_every ago"}}},
		{name: "Tuesday is a holiday",
			now:  at(24, 9, 15),
			want: run{Held: []string{"not a working day", "not a working day", "not a working day"}}},
		{name: "Wednesday 09:15: two working days since Friday 09:00, repeated",
			now:  at(25, 9, 15),
			want: run{Posted: true, Due: []string{"repeat after a working day", "repeat after a working day", "repeat after a working day"}}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			res, err := n.RunFlowCheck(t.Context(), "payments", st.now)
			if err != nil {
				t.Fatal(err)
			}
			got := run{Posted: res.Posted, Due: res.Report.Reasons}
			for _, s := range res.Report.Suppressed {
				got.Held = append(got.Held, s.Why)
			}
			if diff := cmp.Diff(got, st.want); diff != "" {
				t.Errorf("flow check (-got +want):\n%s", diff)
			}
		})
	}
}

func containsText(s, sub string) bool { return strings.Contains(s, sub) }

func TestRunFlowCheckQuiet(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name  string
		setup func(*store.Nudges) error
		want  map[string]string // suppressed key -> why
		due   []string
	}{
		{
			name:  "snoozed item",
			setup: func(l *store.Nudges) error { return l.Snooze(ctx, "payments", "PAY-2", fridayCheck.Add(24*time.Hour)) },
			want:  map[string]string{"PAY-2": "snoozed until Sat 21 Nov 09:15"},
			due:   []string{"PAY-1", "PAY-3"},
		},
		{
			name:  "paused team",
			setup: func(l *store.Nudges) error { return l.Pause(ctx, "payments", fridayCheck.Add(48*time.Hour)) },
			want: map[string]string{"PAY-1": "paused until Sun 22 Nov 09:15", "PAY-2": "paused until Sun 22 Nov 09:15",
				"PAY-3": "paused until Sun 22 Nov 09:15"},
		},
		{
			name:  "away person",
			setup: func(l *store.Nudges) error { return l.SetAway(ctx, "payments", "U0ANA", fridayCheck.Add(24*time.Hour)) },
			want:  map[string]string{"PAY-1": coach.ReasonAway, "PAY-3": coach.ReasonAway},
			due:   []string{"PAY-2"},
		},
		{
			name: "on it",
			setup: func(l *store.Nudges) error {
				at := fridayCheck.Add(-24 * time.Hour)
				if err := l.RecordSent(ctx, "payments", coach.Sent{Key: "stalled:PAY-1", Level: coach.LevelMention, At: at,
					Since: time.Date(2026, 11, 9, 10, 0, 0, 0, time.UTC)}); err != nil {
					return err
				}
				return l.MarkOnIt(ctx, "payments", "stalled:PAY-1", at.Add(time.Hour))
			},
			want: map[string]string{"PAY-1": coach.ReasonOnIt},
			due:  []string{"PAY-2", "PAY-3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := storetest.New(t).Nudges()
			if err := tt.setup(log); err != nil {
				t.Fatal(err)
			}
			n := newNudger(t, log, nudgeItems(), &recordingPoster{})
			rep, err := n.Preview(ctx, "payments", fridayCheck)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, s := range rep.Suppressed {
				got[s.Nudge.Subject] = s.Why
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("suppressed (-got +want):\n%s", diff)
			}
			var due []string
			for _, nu := range rep.Due {
				due = append(due, nu.Subject)
			}
			if diff := cmp.Diff(due, tt.due); diff != "" {
				t.Errorf("due (-got +want):\n%s", diff)
			}
		})
	}
}

func TestRunFlowCheckReleasesOnFailure(t *testing.T) {
	log := storetest.New(t).Nudges()
	p := &recordingPoster{fail: errors.New("slack is down")}
	n := newNudger(t, log, nudgeItems(), p)
	if _, err := n.RunFlowCheck(t.Context(), "payments", fridayCheck); err == nil {
		t.Fatal("RunFlowCheck with a failing post: want an error")
	}
	if sent, _ := log.Sent(t.Context(), "payments"); len(sent) != 0 {
		t.Errorf("sent log after a failed post = %v, want empty", sent)
	}
	p.fail = nil
	res, err := n.RunFlowCheck(t.Context(), "payments", fridayCheck.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Posted || len(p.posts) != 1 {
		t.Errorf("retry: posted %v, %d posts; want the claim released and one post", res.Posted, len(p.posts))
	}
}

func TestRunFlowCheckTwoReplicasPostOnce(t *testing.T) {
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	p := &recordingPoster{}
	var wg sync.WaitGroup
	for range 2 {
		n := newNudger(t, store.New(rdb, store.Options{Prefix: prefix}).Nudges(), nudgeItems(), p)
		wg.Go(func() {
			if _, err := n.RunFlowCheck(context.Background(), "payments", fridayCheck); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(p.posts) != 1 {
		t.Errorf("two replicas made %d posts, want 1", len(p.posts))
	}
}

func TestNudgesAnswerJSON(t *testing.T) {
	log := storetest.New(t).Nudges()
	if err := log.Snooze(t.Context(), "payments", "PAY-3", fridayCheck.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	n := newNudger(t, log, nudgeItems(), nil)
	a, err := n.NudgesAnswer(t.Context(), "payments", fridayCheck)
	if err != nil {
		t.Fatal(err)
	}
	got := a.JSON.(NudgesJSON)
	// In the default hours 09:00-17:00: Monday 9 Nov 10:00-17:00 (7h), eight
	// full days (64h), Friday 20 Nov 09:00-09:15: 71.25h / 8h = 8.90625 days.
	want := NudgesJSON{Command: "nudges", Team: "payments", Now: fridayCheck,
		Nudges: []NudgeJSON{
			{Rule: "stalled", Key: "PAY-1", People: []string{"U0ANA"},
				Reason:  "Nothing has happened on PAY-1 for 8.9 working days (in In Progress).",
				Numbers: map[string]float64{"idle_days": 8.90625, "stalled_after_days": 5}},
			{Rule: "stalled", Key: "PAY-2", People: []string{},
				Reason:  "Nothing has happened on PAY-2 for 8.9 working days (in In Progress).",
				Numbers: map[string]float64{"idle_days": 8.90625, "stalled_after_days": 5}},
		},
		Suppressed: []SuppressedJSON{{Rule: "blocked", Key: "PAY-3", Why: "snoozed until Sat 21 Nov 09:15"}},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("nudges JSON (-got +want):\n%s", diff)
	}
	if sent, _ := log.Sent(t.Context(), "payments"); len(sent) != 0 {
		t.Errorf("the preview recorded %v, want nothing sent", sent)
	}
}
