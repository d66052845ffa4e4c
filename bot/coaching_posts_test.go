package bot

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store/storetest"
)

const coachingConfig = `
teams:
  - id: payments
    name: Payments
    channel: C0PAYMENTS
    timezone: UTC
    jira:
      jql: project = PAY
    github:
      repos: [acme/api]
    stages:
      - name: Build
        active: [In Progress]
        wait: [Blocked]
      - name: Review
        wait: [Ready for Review]
        active: [In Review]
      - name: Done
        done: [Done]
    people:
      - {slack: U0ANA, jira: "Ana Lima", github: ana-lima}
    schedules: {flow_check: "", standup: "30 9 * * 1-5", digest: "0 9 * * 1"}
  - id: secret
    name: Secret
    channel: C0SECRET
    private: true
    timezone: UTC
    jira:
      jql: project = SEC
    stages:
      - name: Build
        active: [In Progress]
        wait: [Blocked]
      - name: Review
        wait: [Ready for Review]
        active: [In Review]
      - name: Done
        done: [Done]
`

// coachingItems is a team's board as of base, a Monday 09:30 UTC.
// Delivered: four items last week (calendar cycle times 2 to 5 days),
// four in the 4 weeks before (1 to 3 days), two more 4 weeks earlier (1
// day each). In progress: PAY-10 started 14 days ago and in review since
// Thursday, its pull request acme/api#7 ready since Thursday 10:00 and
// waiting for Bo's review; PAY-11 started Friday (moving); PAY-12
// started 11 days ago and blocked since last Tuesday; PAY-13 started this
// morning, its pull request acme/api#8 waiting for Ana's review since
// Friday.
func coachingItems(prefix string, base time.Time) []coach.Item {
	at := func(days, hours float64) time.Time {
		return base.Add(time.Duration((days*24 + hours) * float64(time.Hour)))
	}
	done := func(n string, start time.Time, ct float64) coach.Item {
		end := start.Add(time.Duration(ct * 24 * float64(time.Hour)))
		return coach.Item{Key: prefix + "-" + n, Title: "Done " + n, Type: "Story", Status: "Done", Created: start.Add(-time.Hour),
			Resolved: end, Updated: end, Transitions: []coach.Transition{
				{At: start, From: "To Do", To: "In Progress"}, {At: end, From: "In Progress", To: "Done"}}}
	}
	var items []coach.Item
	for i, ct := range []float64{2, 3, 4, 5} { // done last week
		items = append(items, done(string(rune('1'+i)), at(-7-ct+float64(i), 0), ct))
	}
	for i, ct := range []float64{1, 2, 2, 3} { // done 2 to 4 weeks ago
		items = append(items, done(string(rune('5'+i)), at(-26+float64(5*i)-ct, 0), ct))
	}
	items = append(items, done("A", at(-42, 0), 1), done("B", at(-44, 0), 1)) // done 6 weeks ago
	wip := func(n, who, status string, created time.Time, ts ...coach.Transition) coach.Item {
		return coach.Item{Key: prefix + "-" + n, Title: "Work " + n, Type: "Story", Status: status, Assignee: who,
			Created: created, Updated: ts[len(ts)-1].At, Transitions: ts}
	}
	items = append(items,
		wip("10", "Ana Lima", "Ready for Review", at(-15, 0),
			coach.Transition{At: at(-14, 0), From: "To Do", To: "In Progress"},
			coach.Transition{At: at(-4, -1.5), From: "In Progress", To: "Ready for Review"}),
		wip("11", "Ana Lima", "In Progress", at(-4, 0), coach.Transition{At: at(-3, -0.5), From: "To Do", To: "In Progress"}),
		wip("12", "Bo Chen", "Blocked", at(-12, 0),
			coach.Transition{At: at(-11, 0), From: "To Do", To: "In Progress"},
			coach.Transition{At: at(-6, -0.5), From: "In Progress", To: "Blocked"}),
		wip("13", "Bo Chen", "In Progress", at(-1, 0), coach.Transition{At: at(0, -1.5), From: "To Do", To: "In Progress"}),
	)
	return items
}

// coachingPRs: acme/api#7 for PAY-10, ready Thursday 10:00 (base - 4d +
// 0.5h), Bo's review requested; acme/api#8 by Bo asks Ana's review since
// Friday.
func coachingPRs(base time.Time) []coach.PullRequest {
	ready := base.Add(-4*24*time.Hour + 30*time.Minute)
	friday := base.Add(-3 * 24 * time.Hour)
	return []coach.PullRequest{
		{Repo: "acme/api", Number: 7, Title: "PAY-10: pay out", HeadBranch: "PAY-10-payout", Author: "ana-lima", State: "open",
			BaseBranch: "main", Created: ready, Ready: ready, Updated: ready, Additions: 120, Deletions: 30, RequestedReviewers: []string{"bo"}},
		{Repo: "acme/api", Number: 8, Title: "PAY-13: refunds", HeadBranch: "PAY-13-refunds", Author: "bo", State: "open",
			BaseBranch: "main", Created: friday, Ready: friday, Updated: friday, Additions: 10, Deletions: 2, RequestedReviewers: []string{"ana-lima"}},
	}
}

// coachingMonday is a Monday at the standup's time.
var coachingMonday = time.Date(2026, 11, 16, 9, 30, 0, 0, time.UTC)

func coachingBot(t *testing.T, base time.Time) *Bot {
	t.Helper()
	ms := &memStore{
		statuses: []coach.Status{{ID: "1", Name: "To Do", Category: coach.CategoryNew}},
		items:    map[string][]coach.Item{"payments": coachingItems("PAY", base), "secret": coachingItems("SEC", base)},
		prs:      map[string][]coach.PullRequest{"payments": coachingPRs(base)},
	}
	return &Bot{Config: parseConfig(t, coachingConfig), Store: ms, Logger: slog.New(slog.DiscardHandler)}
}

func TestStandup(t *testing.T) {
	b := coachingBot(t, coachingMonday)
	su, err := b.Standup(t.Context(), "payments", coachingMonday)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Stage  string
		Full   []string
		Moving int
	}
	var got []row
	for _, st := range su.Stages {
		r := row{Stage: st.Stage, Moving: st.Moving}
		for _, it := range st.Items {
			r.Full = append(r.Full, it.Key+" "+strings.Join(it.Why, "+")+" pr:"+it.PRState)
		}
		got = append(got, r)
	}
	want := []row{
		{Stage: "Review", Full: []string{"PAY-10 aging+review-waiting pr:waiting for review"}},
		{Stage: "Build", Full: []string{"PAY-12 aging+blocked pr:", "PAY-13 review-waiting pr:waiting for review"}, Moving: 1},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("walk (-got +want):\n%s", diff)
	}
	if got, want := su.Question, "What would it take to finish PAY-10 today?"; got != want {
		t.Errorf("question = %q, want %q", got, want)
	}
	pay10 := su.Stages[0].Items[0]
	// In working hours (09:00-17:00, 8 hours a working day), Thursday 08:00
	// to Monday 09:30 is 8h + 8h + 0.5h; the review waits from Thursday
	// 10:00: 7h + 8h + 0.5h.
	if got, want := pay10.InStatusDays, 16.5/8; !near(got, want) {
		t.Errorf("PAY-10 in status %v days, want %v", got, want)
	}
	if pay10.ReviewWaitDays == nil || !near(*pay10.ReviewWaitDays, 15.5/8) {
		t.Errorf("PAY-10 review wait = %v, want %v", pay10.ReviewWaitDays, 15.5/8)
	}
	if got, want := pay10.LastActivity, coachingMonday.Add(-4*24*time.Hour+30*time.Minute); !got.Equal(want) {
		t.Errorf("PAY-10 last activity %v, want %v", got, want)
	}

	t.Run("golden", func(t *testing.T) {
		a, err := b.Ask(t.Context(), "payments", "standup", coachingMonday)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", "coaching", "standup.golden"), a.Text+"\n")
	})
	t.Run("private team: no titles", func(t *testing.T) {
		su, err := b.Standup(t.Context(), "secret", coachingMonday)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range su.Stages {
			for _, it := range st.Items {
				if it.Title != "" {
					t.Errorf("%s shows its title %q", it.Key, it.Title)
				}
			}
		}
	})
	t.Run("nothing in progress", func(t *testing.T) {
		su, err := b.Standup(t.Context(), "payments", coachingMonday.AddDate(-1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(su.Stages) != 0 || su.Question != "" {
			t.Errorf("a year before anything: %+v", su)
		}
	})
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestDigest(t *testing.T) {
	b := coachingBot(t, coachingMonday)
	at := func(days, hours float64) time.Time {
		return coachingMonday.Add(time.Duration((days*24 + hours) * float64(time.Hour)))
	}
	// Every post counts, each recorded as the flow check records it:
	// aging:PAY-10 was posted Wednesday 09:15 and escalated Wednesday
	// 14:00, and PAY-10 moved Thursday 08:00, within a working day (09:00
	// to 17:00) of both; blocked:PAY-12 was posted Thursday and repeated
	// Friday, and PAY-12 did not move, nor did acme/api#7; the WIP nudge
	// has no item to move; stalled:PAY-9 was posted the week before.
	log := storetest.New(t).Nudges()
	for _, s := range []coach.Sent{
		{Key: "stalled:PAY-9", Level: coach.LevelMention, At: at(-13, -0.25)},
		{Key: "wip-over-limit:team", Level: coach.LevelQuiet, At: at(-6, -0.25)},
		{Key: "aging:PAY-10", Level: coach.LevelQuiet, At: at(-5, -0.25)},
		{Key: "aging:PAY-10", Level: coach.LevelMention, At: at(-5, 4.5)},
		{Key: "blocked:PAY-12", Level: coach.LevelMention, At: at(-4, -0.25)},
		{Key: "blocked:PAY-12", Level: coach.LevelMention, At: at(-3, -0.25)},
		{Key: "review-waiting:acme/api#7", Level: coach.LevelMention, At: at(-3, -0.25)},
	} {
		if err := log.RecordSent(t.Context(), "payments", s); err != nil {
			t.Fatal(err)
		}
	}
	dg, err := b.Digest(t.Context(), "payments", log, coachingMonday)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dg.Throughput, &DigestThroughput{LastWeek: 4, Before4Weeks: 4, BeforePerWeek: 1, ChangeFraction: 3}); diff != "" {
		t.Errorf("throughput (-got +want):\n%s", diff)
	}
	// Last 4 weeks: 1 2 2 3 2 3 4 5 days: P50 2, P85 4; the 4 before: 1 1.
	ct := dg.CycleTime
	if ct == nil || ct.N != 8 || ct.P50 != 2 || ct.P85 != 4 || ct.BeforeN != 2 || *ct.BeforeP85 != 1 || ct.Trend != "up" {
		t.Errorf("cycle time = %+v", ct)
	}
	var oldest []string
	for _, a := range dg.WIP.Oldest {
		oldest = append(oldest, a.Key+" "+a.Title)
	}
	if diff := cmp.Diff(oldest, []string{"PAY-10 Work 10", "PAY-12 Work 12", "PAY-11 Work 11"}); diff != "" || dg.WIP.Count != 4 {
		t.Errorf("WIP %d, oldest (-got +want):\n%s", dg.WIP.Count, diff)
	}
	if diff := cmp.Diff(dg.Nudges, &DigestNudges{Sent: 6, Movable: 5, Moved: 2,
		ByRule: map[string]int{"aging": 2, "blocked": 2, "review-waiting": 1, "wip-over-limit": 1}}); diff != "" {
		t.Errorf("nudges (-got +want):\n%s", diff)
	}
	if !strings.HasPrefix(dg.Suggestion, "85% of items now finish within 4.0 days, up from 1.0 days") {
		t.Errorf("suggestion = %q", dg.Suggestion)
	}
	if dg.PRs != nil || dg.DORA != nil {
		t.Errorf("nothing merged or deployed, yet PRs %+v, DORA %+v", dg.PRs, dg.DORA)
	}

	t.Run("golden", func(t *testing.T) {
		m := DigestMessage(dg, "Payments", time.UTC)
		golden(t, filepath.Join("testdata", "coaching", "digest.golden"), messageText(m)+"\n")
	})
	t.Run("json", func(t *testing.T) {
		a, err := b.Ask(t.Context(), "payments", "digest", coachingMonday)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(a.JSON)
		var got map[string]any
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		if got["command"] != "digest" || got["nudges"] != nil || got["prs"] != nil {
			t.Errorf("json: command %v, nudges %v (no log: null), prs %v (null)", got["command"], got["nudges"], got["prs"])
		}
	})
	t.Run("private team: no titles", func(t *testing.T) {
		dg, err := b.Digest(t.Context(), "secret", nil, coachingMonday)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range dg.WIP.Oldest {
			if a.Title != "" {
				t.Errorf("%s shows its title %q", a.Key, a.Title)
			}
		}
	})
	t.Run("nothing to say", func(t *testing.T) {
		dg, err := b.Digest(t.Context(), "payments", storetest.New(t).Nudges(), coachingMonday.AddDate(-1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if !dg.Empty() || dg.Suggestion != "" {
			t.Errorf("a year before anything: %+v", dg)
		}
	})
}

func TestMine(t *testing.T) {
	b := coachingBot(t, coachingMonday)
	t.Run("Ana", func(t *testing.T) {
		m, err := b.Mine(t.Context(), "payments", "U0ANA", coachingMonday)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range m.Items {
			got = append(got, it.Key)
		}
		for _, r := range m.Reviews {
			got = append(got, r.PR+" by "+r.Author)
		}
		if diff := cmp.Diff(got, []string{"PAY-10", "PAY-11", "acme/api#8 by bo"}); diff != "" {
			t.Errorf("mine (-got +want):\n%s", diff)
		}
		if !m.Items[0].OverSLE || m.Items[1].OverSLE {
			t.Errorf("over SLE: PAY-10 %v (want true), PAY-11 %v (want false)", m.Items[0].OverSLE, m.Items[1].OverSLE)
		}
		// Friday 09:30 to Monday 09:30: 14.5h + 9.5h of working time.
		if !near(m.Reviews[0].WaitingDays, 1) {
			t.Errorf("review waiting %v days, want 1", m.Reviews[0].WaitingDays)
		}
	})
	t.Run("ephemeral even when asked public", func(t *testing.T) {
		b.Now = func() time.Time { return coachingMonday }
		r := b.HandleCommand(t.Context(), Request{ChannelID: "C0PAYMENTS", UserID: "U0ANA", Text: "mine public"})
		if r.Public || !strings.Contains(r.Text, "PAY-10") {
			t.Errorf("reply public %v, text %q", r.Public, r.Text)
		}
	})
	t.Run("unknown person", func(t *testing.T) {
		_, err := b.Mine(t.Context(), "payments", "U0NOBODY", coachingMonday)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(ue.Problem, "people:") {
			t.Errorf("err = %v, want a usage error naming people:", err)
		}
	})
}

func TestBacktest(t *testing.T) {
	b := coachingBot(t, coachingMonday)
	span := Since{Days: 7, Raw: "1w"}
	bt, err := b.Backtest(t.Context(), "payments", span, coachingMonday)
	if err != nil {
		t.Fatal(err)
	}
	// The flow check is off for payments, so the default 09:15 is
	// replayed: Tuesday to Friday and this Monday (last Monday's 09:15 is
	// before the span).
	var dates []string
	blocked := []int{}
	for _, d := range bt.Days {
		dates = append(dates, d.Date)
		blocked = append(blocked, d.Counts["blocked"])
	}
	if diff := cmp.Diff(dates, []string{"2026-11-10", "2026-11-11", "2026-11-12", "2026-11-13", "2026-11-16"}); diff != "" {
		t.Errorf("days (-got +want):\n%s", diff)
	}
	// PAY-12 is blocked from Tuesday 09:00: 2 working days by Thursday
	// 09:15, then repeated once a working day while it holds.
	if diff := cmp.Diff(blocked, []int{0, 0, 1, 1, 1}); diff != "" {
		t.Errorf("blocked per day (-got +want):\n%s", diff)
	}
	for _, r := range bt.Rules {
		if r.Rule == "blocked" && (r.Total != 3 || r.Max != 1 || !near(r.PerDay, 0.6)) {
			t.Errorf("blocked = %+v, want total 3, max 1, 0.6 a day", r)
		}
	}
	if len(bt.Rules) != len(coach.AllRules()) {
		t.Errorf("%d rules, want every rule", len(bt.Rules))
	}
	t.Run("golden", func(t *testing.T) {
		a, err := b.Ask(t.Context(), "payments", "nudges --backtest 1w", coachingMonday)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", "coaching", "backtest.golden"), a.Text+"\n")
	})
}

func TestParseBacktest(t *testing.T) {
	tests := []struct {
		name, text string
		want       Since
		wantErr    string
	}{
		{"weeks", "nudges --backtest 4w", Since{Days: 28, Raw: "4w"}, ""},
		{"days with equals", "nudges --backtest=10d", Since{Days: 10, Raw: "10d"}, ""},
		{"too long", "nudges --backtest 20w", Since{}, "not a span"},
		{"a date", "nudges --backtest 2026-01-01", Since{}, "not a span"},
		{"missing", "nudges --backtest", Since{}, "needs a span"},
		{"other command", "wip --backtest 4w", Since{}, "does not take `--backtest`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, err := ParseCommand(tt.text)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(cmd.Backtest, tt.want); diff != "" {
				t.Errorf("backtest (-got +want):\n%s", diff)
			}
		})
	}
}

// recordingCoach is a CoachingPoster that remembers what it posted.
type recordingCoach struct {
	mu    sync.Mutex
	posts []string // channel title
	fail  bool
}

func (p *recordingCoach) PostCoaching(_ context.Context, channel string, m *Message) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail {
		return "", errors.New("slack is down")
	}
	p.posts = append(p.posts, channel+" "+m.Title)
	return "1.0", nil
}

// Two replicas sharing one real Redis post each standup and digest once,
// at the team's times, on working days only.
func TestCoachingJobsTwoReplicasPostOnce(t *testing.T) {
	opts, prefix := testRedis(t)
	synctest.Test(t, func(t *testing.T) {
		monday := time.Date(2000, 3, 27, 0, 0, 0, 0, time.UTC)
		sleepUntil(monday.Add(-48 * time.Hour)) // Saturday
		p := &recordingCoach{}
		var ss []*Scheduler
		for range 2 {
			db := bubbleStore(t, opts, prefix)
			b := coachingBot(t, monday.Add(9*time.Hour+30*time.Minute))
			n := &Nudger{Bot: b, Log: db.Nudges()}
			ss = append(ss, &Scheduler{Config: b.Config, Claims: db.Nudges(), Run: CoachingJobs(n, p, nil), Logger: slog.New(slog.DiscardHandler)})
		}
		runScheduler(t, monday.Add(2*24*time.Hour+12*time.Hour), ss...) // to Wednesday noon
		got := slices.Clone(p.posts)
		slices.Sort(got)
		want := []string{
			"C0PAYMENTS Standup · Payments · Mon 27 Mar", "C0PAYMENTS Standup · Payments · Tue 28 Mar",
			"C0PAYMENTS Standup · Payments · Wed 29 Mar", "C0PAYMENTS Weekly digest · Payments · week of Mar 20",
			"C0SECRET Standup · Secret · Mon 27 Mar", "C0SECRET Standup · Secret · Tue 28 Mar",
			"C0SECRET Standup · Secret · Wed 29 Mar", "C0SECRET Weekly digest · Secret · week of Mar 20",
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("posts (-got +want):\n%s", diff)
		}
	})
}

func TestCoachingJobsFailedPostErrs(t *testing.T) {
	b := coachingBot(t, coachingMonday)
	b.Now = func() time.Time { return coachingMonday }
	p := &recordingCoach{fail: true}
	run := CoachingJobs(&Nudger{Bot: b, Log: nil}, p, nil)
	if err := run(t.Context(), "payments", JobStandup, coachingMonday); err == nil {
		t.Error("a failed standup post returned no error: the claim would not be released")
	}
	if err := run(t.Context(), "payments", "lunch", coachingMonday); err == nil {
		t.Error("an unknown job ran")
	}
}
