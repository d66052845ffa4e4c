package bot

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/flowbot/flowbot/coach"
)

// A period of /flow compare: a month (2026-09) or an inclusive date range
// (2026-09-01..2026-09-30), read in the team's time zone.
var (
	monthArg = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})$`)
	rangeArg = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})$`)
)

func parsePeriod(arg string, loc *time.Location, now time.Time) (coach.Window, string) {
	var from, to time.Time
	if m := monthArg.FindStringSubmatch(arg); m != nil {
		t, err := time.ParseInLocation("2006-01", arg, loc)
		if err != nil {
			return coach.Window{}, fmt.Sprintf("`%s` is not a month such as `2026-09`.", truncate(arg, 30))
		}
		from, to = t, t.AddDate(0, 1, 0)
	} else if m := rangeArg.FindStringSubmatch(arg); m != nil {
		a, err1 := time.ParseInLocation(time.DateOnly, m[1], loc)
		b, err2 := time.ParseInLocation(time.DateOnly, m[2], loc)
		if err1 != nil || err2 != nil || b.Before(a) {
			return coach.Window{}, fmt.Sprintf("`%s` is not a date range such as `2026-09-01..2026-09-30`.", truncate(arg, 30))
		}
		from, to = a, b.AddDate(0, 0, 1) // the last day is included
	} else {
		return coach.Window{}, fmt.Sprintf("`%s` is not a period: use a month (`2026-09`) or dates (`2026-09-01..2026-09-30`).", truncate(arg, 30))
	}
	if !from.Before(now) {
		return coach.Window{}, fmt.Sprintf("`%s` has not begun yet.", arg)
	}
	if to.After(now) {
		to = now // a period still running is measured so far
	}
	return coach.Window{From: from, To: to}, ""
}

// compareMetric is one row of a comparison. A value that does not exist
// in a period is nil, and so is every change computed from it.
type compareMetric struct {
	Name      string   `json:"metric"`
	Unit      string   `json:"unit"`
	Before    *float64 `json:"before"`
	After     *float64 `json:"after"`
	Change    *float64 `json:"change"`
	ChangePct *float64 `json:"change_pct"`
	// Better says which direction is an improvement: "lower" or "higher".
	Better string `json:"better"`
}

type comparePeriodJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
	N    int    `json:"n"`
}

type compareJSON struct {
	Command  string              `json:"command"`
	Team     string              `json:"team"`
	From     string              `json:"from"`
	To       string              `json:"to"`
	N        int                 `json:"n"`
	Excluded map[string]int      `json:"excluded"`
	Periods  []comparePeriodJSON `json:"periods"`
	Metrics  []compareMetric     `json:"metrics"`
}

// periodNumbers are the figures compared, read from the same coach
// functions as their own commands.
func periodNumbers(s *snapshot, win coach.Window) (map[string]*float64, int) {
	loc := s.team.Location()
	out := map[string]*float64{}
	ds := s.deliveries(win, coach.CalendarTime, true)
	ct := coach.CycleTimeOf(ds, win)
	out["cycle_time_p50_days"] = ptr(ct.P50, ct.OK)
	out["cycle_time_p85_days"] = ptr(ct.P85, ct.OK)
	tp := coach.ThroughputOf(ds, win, loc)
	weeks := win.To.Sub(win.From).Hours() / 24 / 7
	out["throughput_per_week"] = ptr(float64(tp.Total)/weeks, weeks > 0)
	avgWIP, ok := coach.AvgWIP(s.workflow, s.activeItems(), win, loc)
	out["wip_avg"] = ptr(avgWIP, ok)
	eff := coach.EfficiencyOf(s.workflow, ds, win)
	out["flow_efficiency"] = ptr(eff.Efficiency, eff.OK)
	prs, doraReport := coach.PRsAndDORA(s.prs, s.deployments, s.incidents, deliveryOptions(s, false), win)
	out["pickup_p50_hours"] = ptr(prs.Pickup.P50, prs.Pickup.OK())
	out["pickup_p85_hours"] = ptr(prs.Pickup.P85, prs.Pickup.OK())
	dora := doraReport.Team
	out["deploys_per_week"] = ptr(dora.DeploysPerWeek, weeks > 0)
	out["lead_time_p50_hours"] = ptr(dora.LeadTime.P50, dora.LeadTime.OK())
	out["change_failure_rate"] = ptr(dora.ChangeFailureRate, dora.Deployments > 0)
	out["recovery_p50_hours"] = ptr(dora.Recovery.P50, dora.Recovery.OK())
	return out, tp.Total
}

// compareRows orders the rows and says how each reads.
var compareRows = []struct{ name, label, unit, better string }{
	{"cycle_time_p50_days", "Cycle time p50", "days", "lower"},
	{"cycle_time_p85_days", "Cycle time p85", "days", "lower"},
	{"throughput_per_week", "Throughput per week", "items", "higher"},
	{"wip_avg", "WIP, daily average", "items", "lower"},
	{"flow_efficiency", "Flow efficiency", "share", "higher"},
	{"pickup_p50_hours", "PR pickup p50", "hours", "lower"},
	{"pickup_p85_hours", "PR pickup p85", "hours", "lower"},
	{"deploys_per_week", "Deploys per week", "deployments", "higher"},
	{"lead_time_p50_hours", "Change lead time p50", "hours", "lower"},
	{"change_failure_rate", "Change failure rate", "share", "lower"},
	{"recovery_p50_hours", "Recovery time p50", "hours", "lower"},
}

func compareAnswer(s *snapshot, cmd Command) (Answer, error) {
	sp, _ := lookup("compare")
	if len(cmd.Args) != 2 {
		return Answer{}, &UsageError{Problem: "`compare` needs two periods, e.g. `/flow compare 2026-09 2026-10`.", Usage: sp.usage}
	}
	loc := s.team.Location()
	var wins [2]coach.Window
	for i, arg := range cmd.Args {
		w, problem := parsePeriod(arg, loc, s.now)
		if problem != "" {
			return Answer{}, &UsageError{Problem: problem, Usage: sp.usage}
		}
		wins[i] = w
	}
	// The periods are independent, and each reads all the team's pull
	// requests: work them out side by side.
	var before map[string]*float64
	var nBefore int
	var wg sync.WaitGroup
	wg.Go(func() { before, nBefore = periodNumbers(s, wins[0]) })
	after, nAfter := periodNumbers(s, wins[1])
	wg.Wait()
	j := compareJSON{
		Command: "compare", Team: s.team.ID, From: rfc3339(wins[0].From), To: rfc3339(wins[1].To),
		N: nBefore + nAfter, Excluded: map[string]int{},
		Periods: []comparePeriodJSON{
			{From: rfc3339(wins[0].From), To: rfc3339(wins[0].To), N: nBefore},
			{From: rfc3339(wins[1].From), To: rfc3339(wins[1].To), N: nAfter},
		},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Compare · %s*: %s vs %s\n", s.team.Name, periodLabel(wins[0], loc), periodLabel(wins[1], loc))
	fmt.Fprintf(&b, "%s finished in the first period, %s in the second.\n", plural(nBefore, "item", "items"), plural(nAfter, "item", "items"))
	msg := &Message{Title: "Compare · " + s.team.Name, Context: periodLabel(wins[0], loc) + " vs " + periodLabel(wins[1], loc),
		Reading: fmt.Sprintf("%s finished in the first period, %s in the second.", plural(nBefore, "item", "items"), plural(nAfter, "item", "items"))}
	tableStart := b.Len()
	b.WriteString("```\n")
	fmt.Fprintf(&b, "%-22s %10s %10s %10s\n", "", "before", "after", "change")
	for _, row := range compareRows {
		m := compareMetric{Name: row.name, Unit: row.unit, Better: row.better, Before: before[row.name], After: after[row.name]}
		if m.Before != nil && m.After != nil {
			c := *m.After - *m.Before
			m.Change = &c
			if *m.Before != 0 {
				pct := c / *m.Before
				m.ChangePct = &pct
			}
		}
		j.Metrics = append(j.Metrics, m)
		if m.Change != nil && len(msg.Fields) < 10 {
			msg.Fields = append(msg.Fields, Field{row.label, fmt.Sprintf("%s → %s (%s)", compareValue(m.Before, row.unit), compareValue(m.After, row.unit), compareChange(m))})
		}
		fmt.Fprintf(&b, "%-22s %10s %10s %10s\n", row.label, compareValue(m.Before, row.unit), compareValue(m.After, row.unit), compareChange(m))
	}
	b.WriteString("```")
	msg.Body = append(msg.Body, b.String()[tableStart:])
	b.WriteString("\n_A blank is a number that does not exist in that period (no items, PRs or deployments to measure), never a zero._")
	msg.Body = append(msg.Body, "_A blank is a number that does not exist in that period (no items, PRs or deployments to measure), never a zero._")
	return Answer{Text: b.String(), JSON: j, Message: msg}, nil
}

func periodLabel(w coach.Window, loc *time.Location) string {
	last := w.To.Add(-time.Nanosecond).In(loc)
	return fmt.Sprintf("%s – %s", w.From.In(loc).Format("Jan 2, 2006"), last.Format("Jan 2, 2006"))
}

func compareValue(v *float64, unit string) string {
	if v == nil {
		return "–"
	}
	switch unit {
	case "share":
		return percent(*v)
	case "days":
		return days(*v)
	case "hours":
		return hours(*v)
	}
	return fmt.Sprintf("%.1f", *v)
}

func compareChange(m compareMetric) string {
	switch {
	case m.Change == nil:
		return "–"
	case m.Unit == "share":
		return fmt.Sprintf("%+.0f pts", *m.Change*100)
	case m.ChangePct == nil:
		return fmt.Sprintf("%+.1f", *m.Change)
	}
	return fmt.Sprintf("%+.0f%%", *m.ChangePct*100)
}

// definitions are the one-sentence definitions /flow explain gives; the
// full ones are in docs/metrics.md.
var definitions = map[string]string{
	"cycle-time":   "Cycle time is done minus started, in days: started is the first entry into a started status after the item last left the backlog, done the start of its final stay in done statuses. Percentiles are nearest-rank over items done in the window that have a start.",
	"throughput":   "Throughput is the number of items done in the window (done with an excluded resolution does not count), in total and per Monday-to-Sunday week in the team's time zone.",
	"wip":          "WIP is the items started and not done as of now, by the stage that lists their current status.",
	"aging":        "An item's age is now minus started; the SLE is the 85th percentile cycle time of the last 90 days, and items older than it are marked.",
	"vsm":          "The value stream map sums each finished item's active and wait time per stage between start and done; the bottleneck is the stage holding the most waiting time of work finished in the window.",
	"efficiency":   "Flow efficiency is summed active time over summed active plus wait time between start and done, over items done in the window; flagged time is wait.",
	"forecast":     "The forecast runs 10,000 Monte Carlo trials that draw whole days of throughput from the last 60 days (zero days included) and reads percentiles of the simulated dates or totals.",
	"prs":          "Pull-request flow times each PR merged into the default branch: coding, draft, pickup (to the first review by a human other than the author), review, merge and deploy, with size as additions plus deletions.",
	"dora":         "The DORA keys: deployment frequency, change lead time (first commit to production), change failure rate (deployments with an attributed failure) and recovery time, banded by the DORA 2023 thresholds.",
	"distribution": "Distribution counts items done in the window and items in progress by kind (feature, defect, risk, debt), mapped from issue types.",
	"cfd":          "The cumulative flow diagram counts items in each stage at the end of every day; average WIP over average daily throughput approximates the cycle time (Little's law).",
	"data-quality": "Data quality lists what distorts the numbers: items done without starting, reopened items, unmapped statuses, truncated commit lists, unattributed failures and negative spans.",
	"compare":      "Compare computes the same numbers as their own commands over two periods and shows the change in each.",
	"item":         "An item's timeline joins its status history with the PRs that name its key and the deployments that shipped them.",
}

// explainAnswer answers a command and then says how the answer was made:
// its definition, window, n, what it left out and why, and what it read.
func explainAnswer(s *snapshot, cmd Command) (Answer, error) {
	sp, _ := lookup("explain")
	if len(cmd.Args) != 1 {
		return Answer{}, &UsageError{Problem: "Say which number to explain, e.g. `/flow explain cycle-time`.", Usage: sp.usage}
	}
	name := strings.ToLower(cmd.Args[0])
	if a, ok := aliases[name]; ok {
		name = a
	}
	target, ok := lookup(name)
	def, known := definitions[name]
	if !ok || !known {
		return Answer{}, unknownCommand(cmd.Args[0])
	}
	inner := cmd
	inner.Name, inner.Args = name, nil
	if inner.Since.IsZero() {
		inner.Since = target.defSince
	}
	if name == "forecast" || name == "item" || name == "compare" {
		return Answer{Text: fmt.Sprintf("*How `%s` is computed*\n%s\nIt takes arguments, so ask it directly; every answer lists its window, n and what it left out.", name, def),
			JSON: map[string]any{"command": "explain", "metric": name, "definition": def, "team": s.team.ID},
			Message: &Message{Title: "How " + name + " is computed", Reading: def,
				Body: []string{"It takes arguments, so ask it directly; every answer lists its window, n and what it left out."}}}, nil
	}
	var ans Answer
	var err error
	switch name {
	case "cycle-time":
		ans = cycleTimeAnswer(s, inner)
	case "throughput":
		ans = throughputAnswer(s, inner)
	case "wip":
		ans = wipAnswer(s)
	case "aging":
		ans = agingAnswer(s)
	default:
		answer, _ := answerer(name)
		if ans, err = answer(s, inner); err != nil {
			return Answer{}, err
		}
	}
	raw, err := json.Marshal(ans.JSON)
	if err != nil {
		return Answer{}, fmt.Errorf("reading the %s answer: %w", name, err)
	}
	var common struct {
		From     string         `json:"from"`
		To       string         `json:"to"`
		N        *int           `json:"n"`
		Excluded map[string]int `json:"excluded"`
	}
	if err := json.Unmarshal(raw, &common); err != nil {
		return Answer{}, fmt.Errorf("reading the %s answer: %w", name, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*How `%s` is computed · %s*\n%s\n", name, s.team.Name, def)
	if common.From != "" {
		fmt.Fprintf(&b, "Window: %s to %s.\n", common.From, common.To)
	}
	if common.N != nil {
		fmt.Fprintf(&b, "n = %d.\n", *common.N)
	}
	if len(common.Excluded) == 0 {
		b.WriteString("Nothing was left out.\n")
	} else {
		b.WriteString("Left out: ")
		var parts []string
		for _, k := range sortedKeys(common.Excluded) {
			parts = append(parts, fmt.Sprintf("%d %s", common.Excluded[k], strings.ReplaceAll(k, "_", " ")))
		}
		b.WriteString(strings.Join(parts, ", ") + ".\n")
	}
	sources := explainSources(s, name)
	fmt.Fprintf(&b, "Sources: %s.", strings.Join(sources, "; "))
	msg := &Message{Title: "How " + name + " is computed · " + s.team.Name, Reading: def}
	if common.N != nil {
		msg.Fields = append(msg.Fields, Field{"n", fmt.Sprint(*common.N)})
	}
	msg.Fields = append(msg.Fields, Field{"Left out", fmt.Sprint(sumValues(common.Excluded))})
	if common.From != "" {
		msg.Fields = append(msg.Fields, Field{"From", common.From}, Field{"To", common.To})
		if ans.Message != nil {
			msg.Context = strings.SplitN(ans.Message.Context, " · ", 2)[0]
		}
	}
	if len(common.Excluded) > 0 {
		var parts []string
		for _, k := range sortedKeys(common.Excluded) {
			parts = append(parts, fmt.Sprintf("%d %s", common.Excluded[k], strings.ReplaceAll(k, "_", " ")))
		}
		msg.Body = append(msg.Body, "*Left out:* "+strings.Join(parts, ", ")+".")
	}
	msg.Body = append(msg.Body, "*Sources:* "+strings.Join(sources, "; ")+".")
	return Answer{Message: msg, Text: b.String(), JSON: map[string]any{
		"command": "explain", "metric": name, "team": s.team.ID, "definition": def,
		"from": common.From, "to": common.To, "n": common.N, "excluded": nonNil(common.Excluded),
		"sources": sources, "answer": ans.JSON,
	}}, nil
}

func explainSources(s *snapshot, name string) []string {
	out := []string{fmt.Sprintf("Jira issues matching `%s` (%d read)", s.team.Jira.JQL, len(s.flows))}
	if needsDelivery[name] || name == "dora" || name == "prs" {
		out = append(out, fmt.Sprintf("GitHub pull requests of %s (%d read)", strings.Join(s.team.GitHub.Repos, ", "), len(s.prs)))
		out = append(out, fmt.Sprintf("%d deployments", len(s.deployments)))
		out = append(out, fmt.Sprintf("incidents matching `%s` (%d read)", s.team.Jira.IncidentJQL, len(s.incidents)))
	}
	if s.lastSync.IsZero() {
		out = append(out, "never synced")
	} else {
		out = append(out, "last synced "+rfc3339(s.lastSync))
	}
	return out
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func nonNil(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}
