package bot

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowbot/flowbot/bot/chart"
	"github.com/flowbot/flowbot/coach"
)

// The flow answers of issue 3: vsm, efficiency, forecast, distribution and
// cfd. Every JSON answer carries command, team, from, to, n and excluded
// (reason -> count, an object even when empty); a value that does not
// exist is null.

type vsmStageJSON struct {
	Stage           string   `json:"stage"`
	Items           int      `json:"items"`
	ActiveP50       *float64 `json:"active_p50_days"`
	ActiveP85       *float64 `json:"active_p85_days"`
	WaitP50         *float64 `json:"wait_p50_days"`
	WaitP85         *float64 `json:"wait_p85_days"`
	ShareOfLeadTime *float64 `json:"share_of_lead_time"`
	ReworkRate      *float64 `json:"rework_rate"`
	QueuedNow       int      `json:"queued_now"`
}

type bottleneckJSON struct {
	Stage          string  `json:"stage"`
	WaitShare      float64 `json:"wait_share"`
	MedianWaitDays float64 `json:"median_wait_days"`
	QueuedNow      int     `json:"queued_now"`
}

type vsmJSON struct {
	Command        string          `json:"command"`
	Team           string          `json:"team"`
	From           string          `json:"from"`
	To             string          `json:"to"`
	N              int             `json:"n"`
	Excluded       map[string]int  `json:"excluded"`
	Time           string          `json:"time"` // calendar | working
	Stages         []vsmStageJSON  `json:"stages"`
	LeadTimeP50    *float64        `json:"lead_time_p50_days"`
	ProcessTimeP50 *float64        `json:"process_time_p50_days"`
	FlowEfficiency *float64        `json:"flow_efficiency"`
	Bottleneck     *bottleneckJSON `json:"bottleneck"`
}

type efficiencyJSON struct {
	Command           string         `json:"command"`
	Team              string         `json:"team"`
	From              string         `json:"from"`
	To                string         `json:"to"`
	N                 int            `json:"n"`
	Excluded          map[string]int `json:"excluded"`
	Time              string         `json:"time"`
	FlowEfficiency    *float64       `json:"flow_efficiency"`
	ItemEfficiencyP15 *float64       `json:"item_efficiency_p15"`
	ItemEfficiencyP50 *float64       `json:"item_efficiency_p50"`
	ItemEfficiencyP85 *float64       `json:"item_efficiency_p85"`
	ActiveDays        float64        `json:"active_days"`
	WaitDays          float64        `json:"wait_days"`
	Message           string         `json:"message,omitempty"`
}

// forecastJSON is the sample and settings every forecast shares; from, to
// and n describe the 60-day sample.
type forecastJSON struct {
	Command     string         `json:"command"`
	Team        string         `json:"team"`
	From        string         `json:"from"`
	To          string         `json:"to"`
	N           int            `json:"n"`
	Excluded    map[string]int `json:"excluded"`
	Trials      int            `json:"trials"`
	Seed        uint64         `json:"seed"`
	SeedDefault bool           `json:"seed_default"` // derived from team and date; --seed not given
	Message     string         `json:"message,omitempty"`
	Warning     string         `json:"warning,omitempty"`
}

type forecastWhenJSON struct {
	forecastJSON
	Epic    string  `json:"epic,omitempty"`
	Items   int     `json:"items"`
	P50Date *string `json:"p50_date"`
	P85Date *string `json:"p85_date"`
	P95Date *string `json:"p95_date"`
}

type forecastHowManyJSON struct {
	forecastJSON
	By       string `json:"by"`
	P50Items *int   `json:"p50_items"`
	P85Items *int   `json:"p85_items"`
	P95Items *int   `json:"p95_items"`
}

type kindJSON struct {
	Kind      string   `json:"kind"`
	Done      int      `json:"done"`
	DoneShare *float64 `json:"done_share"`
	WIP       int      `json:"wip"`
}

type distributionJSON struct {
	Command  string         `json:"command"`
	Team     string         `json:"team"`
	From     string         `json:"from"`
	To       string         `json:"to"`
	N        int            `json:"n"`
	Excluded map[string]int `json:"excluded"`
	WIP      int            `json:"wip"`
	Kinds    []kindJSON     `json:"kinds"`
}

type cfdDayJSON struct {
	Date   string `json:"date"`
	Counts []int  `json:"counts"` // aligned with columns
}

type cfdJSON struct {
	Command          string         `json:"command"`
	Team             string         `json:"team"`
	From             string         `json:"from"`
	To               string         `json:"to"`
	N                int            `json:"n"`
	Excluded         map[string]int `json:"excluded"`
	Columns          []string       `json:"columns"`
	Days             []cfdDayJSON   `json:"days"`
	AvgWIP           float64        `json:"avg_wip"`
	ThroughputPerDay float64        `json:"throughput_per_day"`
	CycleTimeDays    *float64       `json:"approx_cycle_time_days"`
}

// clock is the command's clock: working time with --working-time.
func (s *snapshot) clock(cmd Command) (coach.Clock, string) {
	if cmd.WorkingTime {
		return s.team.Clock(), "working"
	}
	return coach.CalendarTime, "calendar"
}

func vsmAnswer(s *snapshot, cmd Command) (Answer, error) {
	win := s.window(cmd.Since)
	clock, timeKind := s.clock(cmd)
	r := coach.VSMOf(s.workflow, s.deliveries(win, clock, true), s.inProgress(), win)
	j := vsmJSON{
		Command: "vsm", Team: s.team.ID, From: rfc3339(win.From), To: rfc3339(win.To), N: r.N,
		Excluded: r.Excluded, Time: timeKind, Stages: []vsmStageJSON{},
		LeadTimeP50: ptr(r.LeadTimeP50, r.N > 0), ProcessTimeP50: ptr(r.ProcessTimeP50, r.N > 0),
		FlowEfficiency: ptr(r.Efficiency.Efficiency, r.Efficiency.OK),
	}
	for _, st := range r.Stages {
		ok := st.Items > 0
		j.Stages = append(j.Stages, vsmStageJSON{
			Stage: st.Stage, Items: st.Items,
			ActiveP50: ptr(st.ActiveP50, ok), ActiveP85: ptr(st.ActiveP85, ok),
			WaitP50: ptr(st.WaitP50, ok), WaitP85: ptr(st.WaitP85, ok),
			ShareOfLeadTime: ptr(st.ShareOfLeadTime, st.ShareOK), ReworkRate: ptr(st.ReworkRate, ok),
			QueuedNow: st.QueuedNow,
		})
	}
	if r.HasBottleneck {
		bn := r.Bottleneck
		j.Bottleneck = &bottleneckJSON{Stage: bn.Stage, WaitShare: bn.WaitShare, MedianWaitDays: bn.MedianWait, QueuedNow: bn.QueuedNow}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "*Value stream · %s* (%s)\n", s.team.Name, windowLabel(cmd.Since, win, s.team.Location()))
	m := &Message{Title: "Value stream · " + s.team.Name, Context: windowContext(cmd.Since, win, s.team.Location()) + " · " + timeKind + " time"}
	if len(r.Stages) == 0 {
		b.WriteString("No stages are configured, so there is no value stream to map. Add `stages` (with `active` and `wait` statuses) to the team in flowbot.yaml.")
		m.Reading = "No stages are configured, so there is no value stream to map. Add `stages` (with `active` and `wait` statuses) to the team in flowbot.yaml."
		return Answer{Text: b.String(), JSON: j, Message: m}, nil
	}
	if r.N == 0 {
		b.WriteString("No item finished in this window after being started, so there is nothing to map. Try a longer window, e.g. `--since 90d`.")
		b.WriteString(excludedLine(r.Excluded))
		m.Reading = "No item finished in this window after being started, so there is nothing to map. Try a longer window, e.g. `--since 90d`."
		m.Body = nonEmpty(strings.TrimPrefix(excludedLine(r.Excluded), "\n"))
		return Answer{Text: b.String(), JSON: j, Message: m}, nil
	}
	fmt.Fprintf(&b, "%s finished after being started (%s time).\n", plural(r.N, "item", "items"), timeKind)
	tableStart := b.Len()
	b.WriteString("```\n")
	width := len("stage")
	for _, st := range r.Stages {
		width = max(width, len([]rune(st.Stage)))
	}
	fmt.Fprintf(&b, "%-*s  %5s  %-13s  %-13s  %5s  %6s\n", width, "stage", "items", "active p50/85", "wait p50/85", "share", "rework")
	for _, st := range r.Stages {
		if st.Items == 0 {
			fmt.Fprintf(&b, "%-*s  %5d  %-13s  %-13s  %5s  %6s\n", width, st.Stage, 0, "–", "–", pct(st.ShareOfLeadTime, st.ShareOK), "–")
			continue
		}
		fmt.Fprintf(&b, "%-*s  %5d  %-13s  %-13s  %5s  %6s\n", width, st.Stage, st.Items,
			shortDays(st.ActiveP50)+" / "+shortDays(st.ActiveP85), shortDays(st.WaitP50)+" / "+shortDays(st.WaitP85),
			pct(st.ShareOfLeadTime, st.ShareOK), pct(st.ReworkRate, true))
	}
	b.WriteString("```\n")
	m.Body = append(m.Body, strings.TrimRight(b.String()[tableStart:], "\n"))
	fmt.Fprintf(&b, "Lead time p50 %s, process time p50 %s, flow efficiency %s.\n",
		days(r.LeadTimeP50), days(r.ProcessTimeP50), efficiencyText(r.Efficiency))
	m.Fields = []Field{{"Items finished", fmt.Sprint(r.N)}, {"Lead time p50", days(r.LeadTimeP50)}, {"Process time p50", days(r.ProcessTimeP50)}, {"Flow efficiency", efficiencyText(r.Efficiency)}}
	if r.HasBottleneck {
		bn := r.Bottleneck
		fmt.Fprintf(&b, "Bottleneck: *%s*: %s of all waiting, median wait %s, %s queued now.",
			escape(bn.Stage), pct(bn.WaitShare, true), days(bn.MedianWait), plural(bn.QueuedNow, "item", "items"))
		m.Fields = append(m.Fields, Field{"Bottleneck", bn.Stage}, Field{"Queued there now", fmt.Sprint(bn.QueuedNow)})
		m.Reading = fmt.Sprintf("Work waits most in %s: %s of all waiting, a median of %s per item; flow efficiency is %s.",
			escape(bn.Stage), pct(bn.WaitShare, true), days(bn.MedianWait), efficiencyText(r.Efficiency))
	} else {
		b.WriteString("No bottleneck: finished work spent no time waiting in a stage.")
		m.Reading = fmt.Sprintf("No bottleneck: finished work spent no time waiting in a stage; half of it took %s from start to done.", days(r.LeadTimeP50))
	}
	b.WriteString(excludedLine(r.Excluded))
	m.Body = append(m.Body, nonEmpty(strings.TrimPrefix(excludedLine(r.Excluded), "\n"))...)
	if r.N < 5 {
		b.WriteString("\n_Few items: read these numbers as a rough guide._")
		m.Body = append(m.Body, "_Few items: read these numbers as a rough guide._")
	}
	return Answer{Text: b.String(), JSON: j, Message: m, draw: func() ([]byte, error) { return chart.VSM(r) }}, nil
}

// nonEmpty is s as a one-section body, or none when s is empty.
func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// noWaitMessage says how to make flow efficiency measurable.
const noWaitMessage = "Flow efficiency cannot be measured: no stage lists wait statuses. Add the statuses where work waits (queues such as Ready for Review, or Blocked) as `stages[].wait` in flowbot.yaml."

func efficiencyAnswer(s *snapshot, cmd Command) (Answer, error) {
	win := s.window(cmd.Since)
	clock, timeKind := s.clock(cmd)
	r := coach.EfficiencyOf(s.workflow, s.deliveries(win, clock, true), win)
	j := efficiencyJSON{
		Command: "efficiency", Team: s.team.ID, From: rfc3339(win.From), To: rfc3339(win.To), N: r.N,
		Excluded: r.Excluded, Time: timeKind, FlowEfficiency: ptr(r.Efficiency, r.OK),
		ItemEfficiencyP15: ptr(r.ItemP15, r.ItemOK), ItemEfficiencyP50: ptr(r.ItemP50, r.ItemOK), ItemEfficiencyP85: ptr(r.ItemP85, r.ItemOK),
		ActiveDays: r.Active, WaitDays: r.Wait,
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Flow efficiency · %s* (%s)\n", s.team.Name, windowLabel(cmd.Since, win, s.team.Location()))
	m := &Message{Title: "Flow efficiency · " + s.team.Name, Context: windowContext(cmd.Since, win, s.team.Location()) + " · " + timeKind + " time"}
	left := nonEmpty(strings.TrimPrefix(excludedLine(r.Excluded), "\n"))
	switch r.Reason {
	case coach.ReasonNoWaitStatuses:
		j.Message = noWaitMessage
		b.WriteString(noWaitMessage)
		m.Reading = noWaitMessage
		return Answer{Text: b.String(), JSON: j, Message: m}, nil
	case coach.ReasonNoItems:
		j.Message = "No item finished in this window after being started."
		b.WriteString("No item finished in this window after being started, so there is no flow efficiency to show. Try a longer window, e.g. `--since 90d`.")
		b.WriteString(excludedLine(r.Excluded))
		m.Reading, m.Body = "No item finished in this window after being started, so there is no flow efficiency to show. Try a longer window, e.g. `--since 90d`.", left
		return Answer{Text: b.String(), JSON: j, Message: m}, nil
	case coach.ReasonNoTime:
		j.Message = "The items that finished spent no time between start and done."
		b.WriteString(j.Message)
		b.WriteString(excludedLine(r.Excluded))
		m.Reading, m.Body = j.Message, left
		return Answer{Text: b.String(), JSON: j, Message: m}, nil
	}
	fmt.Fprintf(&b, "*%s* of the time between start and done was active: %s active, %s waiting, over %s (%s time).\n",
		pct(r.Efficiency, true), days(r.Active), days(r.Wait), plural(r.N, "item", "items"), timeKind)
	m.Fields = []Field{{"Flow efficiency", pct(r.Efficiency, true)}, {"Active", days(r.Active)}, {"Waiting", days(r.Wait)}, {"Items finished", fmt.Sprint(r.N)}}
	m.Reading = fmt.Sprintf("Work was being worked on %s of the time between start and done, and waited the rest.", pct(r.Efficiency, true))
	if r.ItemOK {
		fmt.Fprintf(&b, "Per item: half were active %s of their time or less; 15%% were %s or less, 85%% %s or less.",
			pct(r.ItemP50, true), pct(r.ItemP15, true), pct(r.ItemP85, true))
		m.Fields = append(m.Fields, Field{"Per item p15", pct(r.ItemP15, true)}, Field{"Per item p50", pct(r.ItemP50, true)}, Field{"Per item p85", pct(r.ItemP85, true)})
	}
	b.WriteString(excludedLine(r.Excluded))
	m.Body = left
	if r.N < 5 {
		b.WriteString("\n_Few items: read these numbers as a rough guide._")
		m.Body = append(m.Body, "_Few items: read these numbers as a rough guide._")
	}
	return Answer{Text: strings.TrimRight(b.String(), "\n"), JSON: j, Message: m}, nil
}

// maxForecastItems bounds "when will N be done" to something a team plans.
const maxForecastItems = 100_000

// defaultSeed derives a forecast's seed from the team and today's date in
// its zone, so one day's answer is stable: the top 53 bits of FNV-1a 64 of
// "team|YYYY-MM-DD", so that JSON readers holding numbers as doubles can
// pass it back to --seed exactly.
func defaultSeed(team string, now time.Time, loc *time.Location) uint64 {
	h := fnv.New64a()
	h.Write([]byte(team + "|" + now.In(loc).Format(time.DateOnly)))
	return h.Sum64() >> 11
}

func forecastAnswer(s *snapshot, cmd Command) (Answer, error) {
	const usage = "/flow forecast N | --by YYYY-MM-DD | epic KEY [--seed N] [team:<id>] [public]"
	loc := s.team.Location()
	seed, seedDefault := cmd.Seed, !cmd.HasSeed
	if seedDefault {
		seed = defaultSeed(s.team.ID, s.now, loc)
	}
	opts := coach.ForecastOptions{Loc: loc, Workdays: s.team.Workdays(), Seed: seed}

	var (
		items int
		epic  string
		open  []string
	)
	switch {
	case !cmd.By.IsZero() && len(cmd.Args) == 0:
	case cmd.By.IsZero() && len(cmd.Args) == 1:
		n, err := strconv.Atoi(cmd.Args[0])
		if err != nil || n < 1 || n > maxForecastItems {
			return Answer{}, &UsageError{Problem: fmt.Sprintf("`%s` is not a number of items from 1 to %d.", truncate(cmd.Args[0], 40), maxForecastItems), Usage: usage}
		}
		items = n
	case cmd.By.IsZero() && len(cmd.Args) == 2 && strings.EqualFold(cmd.Args[0], "epic"):
		epic = strings.ToUpper(cmd.Args[1])
		open = coach.OpenChildren(s.flows, epic)
		items = len(open)
	default:
		return Answer{}, &UsageError{Problem: "Say what to forecast: a number of items (`/flow forecast 10`), a date (`/flow forecast --by 2026-12-31`) or an epic (`/flow forecast epic PAY-100`).", Usage: usage}
	}

	var r coach.ForecastReport
	ds := s.deliveries(coach.ForecastSample(s.now, loc), nil, false)
	if cmd.By.IsZero() {
		r = coach.ForecastWhenOf(ds, s.now, items, opts)
	} else {
		r = coach.ForecastHowManyOf(ds, s.now, cmd.By, opts)
	}
	base := forecastJSON{
		Command: "forecast", Team: s.team.ID, From: rfc3339(r.Window.From), To: rfc3339(r.Window.To), N: r.N,
		Excluded: r.Excluded, Trials: r.Trials, Seed: r.Seed, SeedDefault: seedDefault,
	}
	sample := fmt.Sprintf("Sample: %s of throughput (%s – %s, working days only), %s on %d of them.",
		plural(r.N, "day", "days"), r.Window.From.In(loc).Format("Jan 2"), r.Window.To.In(loc).AddDate(0, 0, -1).Format("Jan 2"),
		plural(r.Delivered, "item", "items"), r.ThroughputDays)
	if r.Shifted {
		base.Warning = fmt.Sprintf("The last 4 weeks delivered %d items, outside the %d–%d that 80%% of simulated 4-week periods deliver: throughput has changed, so this forecast may be off.",
			r.Recent, r.RecentP10, r.RecentP90)
	}
	switch r.Reason {
	case coach.ReasonTooFewThroughputDays:
		base.Message = fmt.Sprintf("Too little data to forecast: only %s of the last %s had any throughput; a forecast needs at least 10.",
			plural(r.ThroughputDays, "day", "days"), plural(r.N, "sampled day", "sampled days"))
	case coach.ReasonDateNotAfterToday:
		base.Message = fmt.Sprintf("%s is not after today, so there is nothing to forecast.", cmd.By.Format(time.DateOnly))
	case coach.ReasonNothingToForecast:
		if epic != "" {
			base.Message = fmt.Sprintf("%s has no open child items, so there is nothing to forecast.", epic)
		} else {
			base.Message = "There are no items to forecast."
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "*Forecast · %s*\n", s.team.Name)
	m := &Message{Title: "Forecast · " + s.team.Name,
		Context: fmt.Sprintf("Sample %s – %s", r.Window.From.In(loc).Format("Jan 2"), r.Window.To.In(loc).AddDate(0, 0, -1).Format("Jan 2, 2006"))}
	var draw func() ([]byte, error)
	if r.OK {
		draw = func() ([]byte, error) { return chart.Forecast(r) }
		m.Body = append(m.Body, sample)
	}
	if base.Warning != "" {
		m.Body = append(m.Body, ":warning: "+base.Warning)
	}
	if r.OK {
		seedNote := fmt.Sprintf("seed %d", base.Seed)
		if base.SeedDefault {
			seedNote += ", today's default"
		}
		m.Body = append(m.Body, fmt.Sprintf("_%d trials, %s; `--seed` repeats an answer._", r.Trials, seedNote))
	}
	if cmd.By.IsZero() {
		j := forecastWhenJSON{forecastJSON: base, Epic: epic, Items: items}
		date := func(t time.Time, ok bool) *string {
			if !ok {
				return nil
			}
			v := t.Format(time.DateOnly)
			return &v
		}
		j.P50Date, j.P85Date, j.P95Date = date(r.P50Date, r.P50OK), date(r.P85Date, r.P85OK), date(r.P95Date, r.P95OK)
		what := plural(items, "more item", "more items")
		if epic != "" {
			what = fmt.Sprintf("%s's %s", epic, plural(items, "open child item", "open child items"))
		}
		if !r.OK {
			b.WriteString(base.Message)
			m.Reading = base.Message
		} else {
			fmt.Fprintf(&b, "When will %s be done? 50%%: by *%s*, 85%%: by *%s*, 95%%: by *%s*.\n",
				what, forecastDate(j.P50Date), forecastDate(j.P85Date), forecastDate(j.P95Date))
			b.WriteString(sample)
			m.Fields = []Field{{"Items", fmt.Sprint(items)}, {"50% by", forecastDate(j.P50Date)}, {"85% by", forecastDate(j.P85Date)}, {"95% by", forecastDate(j.P95Date)}}
			m.Reading = fmt.Sprintf("In 85%% of %d simulations, %s %s done by %s.", r.Trials, what, isAre(items), forecastDate(j.P85Date))
		}
		return Answer{Text: forecastFooter(&b, base, r), JSON: j, Message: m, draw: draw}, nil
	}
	j := forecastHowManyJSON{forecastJSON: base, By: cmd.By.Format(time.DateOnly)}
	if !r.OK {
		b.WriteString(base.Message)
		m.Reading = base.Message
	} else {
		p50, p85, p95 := r.P50Items, r.P85Items, r.P95Items
		j.P50Items, j.P85Items, j.P95Items = &p50, &p85, &p95
		fmt.Fprintf(&b, "How many items by %s? 50%%: *%d* or more, 85%%: *%d* or more, 95%%: *%d* or more.\n",
			j.By, p50, p85, p95)
		b.WriteString(sample)
		m.Fields = []Field{{"By", j.By}, {"50%: at least", fmt.Sprint(p50)}, {"85%: at least", fmt.Sprint(p85)}, {"95%: at least", fmt.Sprint(p95)}}
		m.Reading = fmt.Sprintf("In 85%% of %d simulations, at least %s finish by %s.", r.Trials, plural(p85, "item", "items"), j.By)
	}
	return Answer{Text: forecastFooter(&b, base, r), JSON: j, Message: m, draw: draw}, nil
}

func forecastDate(d *string) string {
	if d == nil {
		return "more than 10 years from now"
	}
	return *d
}

func forecastFooter(b *strings.Builder, j forecastJSON, r coach.ForecastReport) string {
	if j.Warning != "" {
		b.WriteString("\n:warning: " + j.Warning)
	}
	if !r.OK {
		return b.String()
	}
	seed := fmt.Sprintf("seed %d", j.Seed)
	if j.SeedDefault {
		seed += ", today's default"
	}
	fmt.Fprintf(b, "\n_%d trials, %s; `--seed` repeats an answer._", r.Trials, seed)
	return b.String()
}

func distributionAnswer(s *snapshot, cmd Command) (Answer, error) {
	win := s.window(cmd.Since)
	r := coach.Distribution(s.flows, win, s.team.KindOf)
	j := distributionJSON{
		Command: "distribution", Team: s.team.ID, From: rfc3339(win.From), To: rfc3339(win.To), N: r.N,
		Excluded: r.Excluded, WIP: r.WIP, Kinds: []kindJSON{},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Distribution · %s* (%s)\n", s.team.Name, windowLabel(cmd.Since, win, s.team.Location()))
	fmt.Fprintf(&b, "%s finished; %s in progress now.\n", plural(r.N, "item", "items"), plural(r.WIP, "item", "items"))
	m := &Message{Title: "Distribution · " + s.team.Name, Context: windowContext(cmd.Since, win, s.team.Location()),
		Fields:  []Field{{"Items finished", fmt.Sprint(r.N)}, {"In progress", fmt.Sprint(r.WIP)}},
		Reading: fmt.Sprintf("%s finished; %s in progress now.", plural(r.N, "item", "items"), plural(r.WIP, "item", "items"))}
	tableStart := b.Len()
	b.WriteString("```\n")
	fmt.Fprintf(&b, "%-8s  %5s  %5s  %5s\n", "kind", "done", "share", "wip")
	var top coach.KindCount
	for _, k := range r.Kinds {
		share := float64(k.Done) / float64(max(r.N, 1))
		j.Kinds = append(j.Kinds, kindJSON{Kind: k.Kind, Done: k.Done, DoneShare: ptr(share, r.N > 0), WIP: k.WIP})
		fmt.Fprintf(&b, "%-8s  %5d  %5s  %5d\n", k.Kind, k.Done, pct(share, r.N > 0), k.WIP)
		m.Fields = append(m.Fields, Field{upperFirst(k.Kind) + " done", fmt.Sprintf("%d (%s)", k.Done, pct(share, r.N > 0))})
		if k.Done > top.Done {
			top = k
		}
	}
	b.WriteString("```")
	m.Body = append(m.Body, b.String()[tableStart:])
	if top.Done > 0 {
		m.Reading = fmt.Sprintf("%s were %s of the %s finished; %s in progress now.", upperFirst(top.Kind)+"s",
			pct(float64(top.Done)/float64(r.N), true), plural(r.N, "item", "items"), plural(r.WIP, "item", "items"))
	}
	b.WriteString(excludedLine(r.Excluded))
	m.Body = append(m.Body, nonEmpty(strings.TrimPrefix(excludedLine(r.Excluded), "\n"))...)
	return Answer{Text: b.String(), JSON: j, Message: m}, nil
}

// maxCFDLines keeps the text answer readable; JSON has every day.
const maxCFDLines = 31

func cfdAnswer(s *snapshot, cmd Command) (Answer, error) {
	win := s.window(cmd.Since)
	loc := s.team.Location()
	items := make([]coach.Item, len(s.flows))
	for i, f := range s.flows {
		items[i] = f.Item
	}
	r := coach.CFD(s.workflow, items, win, loc)
	j := cfdJSON{
		Command: "cfd", Team: s.team.ID, From: rfc3339(win.From), To: rfc3339(win.To), N: r.N,
		Excluded: r.Excluded, Columns: r.Columns, Days: []cfdDayJSON{},
		AvgWIP: r.AvgWIP, ThroughputPerDay: r.ThroughputPerDay, CycleTimeDays: ptr(r.CycleTime, r.CycleOK),
	}
	if j.Columns == nil {
		j.Columns = []string{}
	}
	for _, d := range r.Days {
		j.Days = append(j.Days, cfdDayJSON{Date: d.Date.In(loc).Format(time.DateOnly), Counts: d.Counts})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Cumulative flow · %s* (%s)\n", s.team.Name, windowLabel(cmd.Since, win, loc))
	m := &Message{Title: "Cumulative flow · " + s.team.Name, Context: windowContext(cmd.Since, win, loc),
		Fields: []Field{{"Average WIP", fmt.Sprintf("%.1f", r.AvgWIP)}, {"Throughput a day", fmt.Sprintf("%.2f", r.ThroughputPerDay)}}}
	if r.CycleOK {
		fmt.Fprintf(&b, "Average WIP %.1f, throughput %.2f items a day: an average cycle time of about %s (Little's law, approximate).\n",
			r.AvgWIP, r.ThroughputPerDay, days(r.CycleTime))
		m.Fields = append(m.Fields, Field{"Implied cycle time", days(r.CycleTime)})
		m.Reading = fmt.Sprintf("With %.1f items in progress on average and %.2f finishing a day, an item takes about %s (Little's law).", r.AvgWIP, r.ThroughputPerDay, days(r.CycleTime))
	} else {
		fmt.Fprintf(&b, "Average WIP %.1f; nothing finished in the window, so there is no implied cycle time.\n", r.AvgWIP)
		m.Reading = fmt.Sprintf("Average WIP %.1f; nothing finished in the window, so there is no implied cycle time.", r.AvgWIP)
	}
	m.Fields = append(m.Fields, Field{"Days", fmt.Sprint(len(r.Days))})
	tableStart := b.Len()
	if len(r.Days) > 0 {
		widths := make([]int, len(r.Columns))
		b.WriteString("```\ndate  ")
		for i, c := range r.Columns {
			widths[i] = max(len([]rune(c)), 3)
			fmt.Fprintf(&b, " %*s", widths[i], c)
		}
		b.WriteString("\n")
		days := r.Days
		if len(days) > maxCFDLines {
			fmt.Fprintf(&b, "(%d earlier days in JSON)\n", len(days)-maxCFDLines)
			days = days[len(days)-maxCFDLines:]
		}
		for _, d := range days {
			b.WriteString(d.Date.In(loc).Format("Jan 02"))
			for i, c := range d.Counts {
				fmt.Fprintf(&b, " %*d", widths[i], c)
			}
			b.WriteString("\n")
		}
		b.WriteString("```")
		m.Body = append(m.Body, b.String()[tableStart:])
	}
	b.WriteString(excludedLine(r.Excluded))
	m.Body = append(m.Body, nonEmpty(strings.TrimPrefix(excludedLine(r.Excluded), "\n"))...)
	return Answer{Text: strings.TrimRight(b.String(), "\n"), JSON: j, Message: m, draw: func() ([]byte, error) { return chart.CFD(r, loc) }}, nil
}

// efficiencyText is flow efficiency as a percentage, or why it is missing.
func efficiencyText(r coach.EfficiencyReport) string {
	if !r.OK {
		return "not measurable (" + r.Reason + ")"
	}
	return pct(r.Efficiency, true)
}

// excludedLine says what was left out and why, reasons in name order; ""
// when nothing was.
func excludedLine(ex map[string]int) string {
	if len(ex) == 0 {
		return ""
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(ex)) {
		parts = append(parts, fmt.Sprintf("%d %s", ex[k], k))
	}
	return "\n_Left out: " + strings.Join(parts, ", ") + "._"
}

func pct(v float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", v*100)
}

// shortDays is days for a table cell: hours below a day.
func shortDays(d float64) string {
	switch {
	case d < 1:
		return fmt.Sprintf("%.0fh", d*24)
	case d < 10:
		return fmt.Sprintf("%.1fd", d)
	}
	return fmt.Sprintf("%.0fd", d)
}
