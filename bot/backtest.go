package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
)

// Backtest is how many nudges each rule would have posted on each
// working day's flow check over a past span (docs/coaching.md, "Backtest").
type Backtest struct {
	Team     string         `json:"team"`
	Span     string         `json:"backtest"` // as asked, e.g. "4w"
	From     time.Time      `json:"from"`
	To       time.Time      `json:"to"`
	Schedule string         `json:"schedule"` // the flow-check cron replayed
	Days     []BacktestDay  `json:"days"`
	Rules    []BacktestRule `json:"rules"`
}

// BacktestDay is one replayed flow check.
type BacktestDay struct {
	Date   string         `json:"date"` // YYYY-MM-DD, team time zone
	At     time.Time      `json:"at"`
	Counts map[string]int `json:"counts"` // by rule; rules with none left out
	Total  int            `json:"total"`
}

// BacktestRule is one rule over the whole span.
type BacktestRule struct {
	Rule   string  `json:"rule"`
	Total  int     `json:"total"`
	PerDay float64 `json:"per_day"`
	Max    int     `json:"max"`
}

// maxBacktestDays bounds a backtest: each day is a full evaluation.
const maxBacktestDays = 92

// Backtest replays the team's flow check over the span before now: at
// every fire of its flow-check schedule (the default when it is off) in
// the team's working hours (holidays left out), coach.Evaluate as of
// then, with the rules' state carried from fire to fire, and
// coach.Decide against the nudges the replay itself would have posted. Snoozes, pauses and absences are not
// replayed: it counts what the rules alone would post.
func (b *Bot) Backtest(ctx context.Context, teamID string, span Since, now time.Time) (Backtest, error) {
	d, err := b.readTeam(ctx, teamID, false)
	if err != nil {
		return Backtest{}, err
	}
	return backtestOf(d, span, now)
}

func backtestOf(d *teamData, span Since, now time.Time) (Backtest, error) {
	loc, cal, every := d.team.Location(), d.team.Calendar(), d.team.RepeatInterval()
	spec := d.team.FlowCheckSpec()
	if spec == "" {
		spec = config.DefaultFlowCheckSchedule
	}
	sched, err := config.ParseSchedule(spec, loc)
	if err != nil {
		return Backtest{}, fmt.Errorf("flow-check schedule of %s: %w", d.team.ID, err)
	}
	bt := Backtest{Team: d.team.ID, Span: span.Raw, From: span.Start(now, loc), To: now, Schedule: spec, Days: []BacktestDay{}}
	in := d.rulesInput()
	sent := map[string]coach.Sent{}
	totals := map[coach.Rule]*BacktestRule{}
	for _, r := range coach.AllRules() {
		totals[r] = &BacktestRule{Rule: string(r)}
	}
	for at := sched.Next(bt.From); !at.IsZero() && !at.After(now); at = sched.Next(at) {
		if !cal.InWorkingHours(at) {
			// The pipeline posts nothing then (coach.Decide): not a day
			// the flow check speaks.
			continue
		}
		day := BacktestDay{Date: at.In(loc).Format(time.DateOnly), At: at, Counts: map[string]int{}}
		for _, n := range coach.Evaluate(in, at) {
			var prev *coach.Sent
			if s, ok := sent[n.Key]; ok {
				prev = &s
			}
			if post, _ := coach.Decide(prev, n, coach.Quiet{}, at, cal, every); post {
				sent[n.Key] = coach.SentOf(n, at)
				day.Counts[string(n.Rule)]++
				day.Total++
			}
		}
		in.Previous = coach.Observe(in, at)
		for r, c := range day.Counts {
			t := totals[coach.Rule(r)]
			t.Total += c
			t.Max = max(t.Max, c)
		}
		bt.Days = append(bt.Days, day)
	}
	for _, r := range coach.AllRules() {
		t := totals[r]
		if len(bt.Days) > 0 {
			t.PerDay = float64(t.Total) / float64(len(bt.Days))
		}
		bt.Rules = append(bt.Rules, *t)
	}
	return bt, nil
}

// BacktestMessage lays the backtest out as a table: per rule, the total,
// the average and busiest day, and the count of each day.
func BacktestMessage(bt Backtest, teamName string, loc *time.Location) *Message {
	m := &Message{Title: "Nudges backtest · " + teamName + " · last " + bt.Span}
	total := 0
	for _, r := range bt.Rules {
		total += r.Total
	}
	if len(bt.Days) == 0 {
		m.Reading = "No flow check fell in working hours in that span."
		return m
	}
	m.Reading = fmt.Sprintf("Over %s, the flow check would have posted %s, %.1f a day.",
		plural(len(bt.Days), "working day", "working days"), plural(total, "nudge", "nudges"), float64(total)/float64(len(bt.Days)))
	var t strings.Builder
	t.WriteString("```\n")
	fmt.Fprintf(&t, "%-19s %5s %7s %4s  per day, oldest first\n", "rule", "total", "per day", "max")
	for _, r := range bt.Rules {
		var per []string
		for _, d := range bt.Days {
			per = append(per, fmt.Sprint(d.Counts[r.Rule]))
		}
		fmt.Fprintf(&t, "%-19s %5d %7.1f %4d  %s\n", r.Rule, r.Total, r.PerDay, r.Max, strings.Join(per, " "))
	}
	t.WriteString("```")
	m.Body = []string{t.String()}
	m.Fields = []Field{{"Working days", fmt.Sprint(len(bt.Days))}, {"Nudges", fmt.Sprint(total)}}
	m.Context = fmt.Sprintf("Flow check replayed at %s on each working day, %s – %s · %s · snoozes and pauses not replayed · docs/coaching.md",
		bt.Days[0].At.In(loc).Format("15:04"), bt.Days[0].At.In(loc).Format("Mon 2 Jan"), bt.Days[len(bt.Days)-1].At.In(loc).Format("Mon 2 Jan"), teamName)
	return m
}

// backtestJSON is the `nudges --backtest` answer of `flowbot ask --format json`.
type backtestJSON struct {
	Command string `json:"command"`
	Backtest
}

// BacktestAnswer is `nudges --backtest SPAN`.
func (b *Bot) BacktestAnswer(ctx context.Context, teamID string, span Since, now time.Time) (Answer, error) {
	bt, err := b.Backtest(ctx, teamID, span, now)
	if err != nil {
		return Answer{}, err
	}
	team, _ := b.config().Team(teamID)
	name := team.Name
	if name == "" {
		name = team.ID
	}
	m := BacktestMessage(bt, name, team.Location())
	return Answer{Text: messageText(m), JSON: backtestJSON{Command: "nudges", Backtest: bt}, Message: m}, nil
}
