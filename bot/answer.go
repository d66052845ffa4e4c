package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/flowbot/flowbot/bot/chart"
	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
)

// Store is what answering needs from the store.
type Store interface {
	Items(ctx context.Context, team string) ([]coach.Item, error)
	Statuses(ctx context.Context, team string) ([]coach.Status, error)
	LastSync(ctx context.Context, team string) (time.Time, error)
	PullRequests(ctx context.Context, team string) ([]coach.PullRequest, error)
	Deployments(ctx context.Context, team string) ([]coach.Deployment, error)
	// Incidents are the items matched by the team's incident JQL.
	Incidents(ctx context.Context, team string) ([]coach.Item, error)
}

// Bot answers /flow commands from the store.
type Bot struct {
	Config *config.Config
	// Live, when set, holds the configuration in effect and wins over
	// Config: settings saved from Slack replace it whole (see Setup).
	Live   *atomic.Pointer[config.Config]
	Store  Store
	Now    func() time.Time // nil: time.Now
	Logger *slog.Logger     // nil: slog.Default()
	// Unavailable reports errors that mean the store cannot be reached
	// right now (main: errors.Is(err, store.ErrUnavailable)); the person
	// is then told to try again shortly. nil: no error is taken for one.
	Unavailable func(error) bool
	// Nudges is the nudge log and its quiet controls, for the nudges,
	// snooze, pause and away commands; nil: those commands fail.
	Nudges NudgeControls
	// Scheduled: the posting schedules run (flowbot serve), so the Home
	// tab can say when the next posts go out.
	Scheduled bool
}

// Answer is a /flow answer as text for people, as a value for JSON, and
// laid out for a chat client. Text is the mrkdwn fallback; Message holds
// the same answer as a title, key numbers, a reading and sections.
type Answer struct {
	Text    string
	JSON    any
	Public  bool
	Message *Message

	// draw renders the answer's chart from the values of its text; nil
	// for answers without one.
	draw func() ([]byte, error)
}

// answerTimeout bounds one answer: reading a team from the store takes
// milliseconds, so anything near this is a stuck dependency.
const answerTimeout = 30 * time.Second

// ErrUnknownTeam is returned when a command names a team the configuration
// does not have, or comes from a channel no team uses.
var ErrUnknownTeam = errors.New("unknown team")

// HandleCommand answers one request from chat. It never returns an error:
// every failure becomes words for the person, and internal errors are
// logged here, once.
func (b *Bot) HandleCommand(ctx context.Context, req Request) (reply Reply) {
	defer func() {
		// A bug in one answer must not take the bot down for everyone.
		if p := recover(); p != nil {
			reply = Reply{Text: b.describe(fmt.Errorf("panic answering %q: %v", truncate(req.Text, 80), p), req)}
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, answerTimeout)
	defer cancel()
	now := b.now()
	cmd, err := ParseCommand(req.Text)
	if err != nil {
		return Reply{Text: b.describe(err, req)}
	}
	cmd.User = req.UserID
	teamID := cmd.Team
	if teamID == "" && cmd.Name != "help" {
		t, ok := b.config().TeamByChannel(req.ChannelID)
		if !ok {
			return Reply{Text: b.describe(fmt.Errorf("%w: channel %s", errNoTeam, req.ChannelID), req)}
		}
		teamID = t.ID
	}
	if t, ok := b.config().Team(teamID); ok && t.Private && t.Channel != req.ChannelID {
		return Reply{Text: b.describe(fmt.Errorf("%w: %s asked from channel %s", errPrivateTeam, teamID, req.ChannelID), req)}
	}
	ans, err := b.answer(ctx, teamID, cmd, req.Text, now)
	if err != nil {
		return Reply{Text: b.describe(err, req), Public: false}
	}
	return Reply{Text: ans.Text, Public: cmd.Public && cmd.Name != "mine", Message: ans.Message}
}

// Ask answers a command's text for a team as of now: the `flowbot ask` path.
// A team named in the text wins over teamID.
func (b *Bot) Ask(ctx context.Context, teamID, text string, now time.Time) (Answer, error) {
	cmd, err := ParseCommand(text)
	if err != nil {
		return Answer{}, err
	}
	if cmd.Team != "" {
		teamID = cmd.Team
	}
	return b.answer(ctx, teamID, cmd, text, now)
}

// errPrivateTeam: a command named a private team from outside its channel.
var errPrivateTeam = errors.New("private team")

// unavailableText is the answer when the store cannot be reached.
const unavailableText = "I can't reach my data right now; try again in a minute."

// describe is the one place an error becomes words for a person.
func (b *Bot) describe(err error, req Request) string {
	var ue *UsageError
	switch {
	case errors.As(err, &ue):
		return ue.Error()
	case errors.Is(err, errPrivateTeam):
		b.logger().Info("refused a private team's answer outside its channel", "channel", req.ChannelID, "user", req.UserID, "err", err)
		return "That team is private: its answers are shown only in its own channel. Ask there, or ask someone on the team."
	case b.Unavailable != nil && b.Unavailable(err):
		b.logger().Warn("answering command failed: the store is unreachable", "channel", req.ChannelID, "user", req.UserID, "err", err)
		return unavailableText
	case errors.Is(err, errNoTeam):
		return "This channel is not linked to a flowbot team. Add `team:<id>` to the command, or set the team's `channel` in flowbot.yaml. Teams: " + b.teamList() + "."
	case errors.Is(err, ErrUnknownTeam):
		return "I don't know that team. Teams: " + b.teamList() + "."
	}
	b.logger().Error("answering command failed", "channel", req.ChannelID, "user", req.UserID, "err", err)
	return "Sorry, something went wrong on my side while answering; it has been logged. Please try again in a minute."
}

func (b *Bot) teamList() string {
	ids := make([]string, 0, len(b.config().Teams))
	for _, t := range b.config().Teams {
		ids = append(ids, "`"+t.ID+"`")
	}
	return strings.Join(ids, ", ")
}

// answer answers cmd for a team; text is the command as typed, which the
// "Show chart" button sends back.
func (b *Bot) answer(ctx context.Context, teamID string, cmd Command, text string, now time.Time) (Answer, error) {
	if cmd.Name == "help" {
		return helpAnswer(cmd), nil
	}
	team, ok := b.config().Team(teamID)
	if !ok {
		return Answer{}, fmt.Errorf("%w %q", ErrUnknownTeam, teamID)
	}
	if sp, _ := lookup(cmd.Name); sp.since && !cmd.Since.Start(now, team.Location()).Before(now) {
		return Answer{}, &UsageError{Problem: fmt.Sprintf("`--since %s` is not in the past, so the window is empty.", cmd.Since.Raw), Usage: sp.usage}
	}
	switch cmd.Name {
	case "nudges", "snooze", "pause", "away":
		if cmd.Name == "nudges" && !cmd.Backtest.IsZero() {
			a, err := b.BacktestAnswer(ctx, team.ID, cmd.Backtest, now)
			a.Public = cmd.Public
			return a, err
		}
		a, err := b.quietAnswer(ctx, team, cmd, now)
		a.Public = cmd.Public
		return a, err
	case "standup":
		a, err := b.StandupAnswer(ctx, team.ID, now)
		a.Public = cmd.Public
		return a, err
	case "digest":
		a, err := b.DigestAnswer(ctx, team.ID, now)
		a.Public = cmd.Public
		return a, err
	case "dm", "link":
		ps, ok := b.Nudges.(PeopleStore)
		if !ok {
			return Answer{}, errNoPeopleStore
		}
		// Workspace admins are not known here (Slack tells only through
		// users.info): admins: in the file, or the person themself.
		a, err := b.identityAnswer(ctx, ps, team, cmd, false)
		a.Public = false
		return a, err
	case "mine":
		// Only the asker sees their own work, whatever they typed.
		return b.MineAnswer(ctx, team.ID, cmd.User, now)
	}
	snap, err := b.snapshot(ctx, team, now, cmd)
	if err != nil {
		return Answer{}, err
	}
	var a Answer
	switch cmd.Name {
	case "cycle-time":
		a = cycleTimeAnswer(snap, cmd)
	case "throughput":
		a = throughputAnswer(snap, cmd)
	case "wip":
		a = wipAnswer(snap)
	case "aging":
		a = agingAnswer(snap)
	default:
		answer, ok := answerer(cmd.Name)
		if !ok {
			return Answer{}, fmt.Errorf("command %q has no answer", cmd.Name)
		}
		if a, err = answer(snap, cmd); err != nil {
			return Answer{}, err
		}
	}
	a.Public = cmd.Public
	fresh := snap.freshness()
	a.Text += fresh
	if a.Message == nil {
		return Answer{}, fmt.Errorf("command %q answered without a message", cmd.Name)
	}
	if len(a.Message.Fields) > maxFields {
		a.Message.Fields = a.Message.Fields[:maxFields]
	}
	a.Message.Context = snap.contextLine(a.Message.Context)
	if a.draw != nil {
		if cmd.Chart {
			// The picture is an extra: without it the answer still stands.
			png, err := a.draw()
			if err != nil {
				b.logger().Error("drawing chart failed", "team", teamID, "command", cmd.Name, "err", err)
				a.Message.Context += " · the chart could not be drawn"
			} else {
				a.Message.Chart = &Chart{
					Filename: fmt.Sprintf("%s-%s-%s.png", cmd.Name, team.ID, now.In(team.Location()).Format(time.DateOnly)),
					Title:    a.Message.Title,
					AltText:  a.Message.Reading,
					PNG:      png,
				}
			}
		} else {
			a.Message.Actions = append(a.Message.Actions, Action{ActionID: ActionShowChart, Text: "Show chart", Value: chartValue(text)})
		}
	} else if cmd.Chart {
		// Asked for a picture this answer does not have: say so rather
		// than drop the word silently.
		note := fmt.Sprintf("`%s` has no chart; cycle-time, aging, throughput, cfd, vsm and forecast do.", cmd.Name)
		a.Message.Context += " · " + note
		a.Text = strings.TrimSuffix(a.Text, fresh) + "\n_" + note + "_" + fresh
	}
	return a, nil
}

// maxFields is how many key numbers a Message holds.
const maxFields = 10

// ActionShowChart is the action_id of the "Show chart" button: its value
// is the command text, to be answered again with "chart".
const ActionShowChart = "flow_chart"

// chartValue is the command text a "Show chart" button carries: as typed,
// without the leading "/flow".
func chartValue(text string) string {
	f := strings.Fields(text)
	if len(f) > 0 && f[0] == "/flow" {
		f = f[1:]
	}
	return strings.Join(f, " ")
}

// snapshot is one team's data read once for one answer.
type snapshot struct {
	team     *config.Team
	workflow coach.Workflow
	flows    []coach.Flow
	now      time.Time
	lastSync time.Time

	// indexed: a windowed read from the flow index (window.go) filled
	// delivered, and flows holds only the work in progress.
	indexed   bool
	delivered []coach.Delivery
	// items, with indexed, are the items a windowed read brought in full
	// (compare's daily WIP); without, every item is in flows.
	items []coach.Item
	// statusCounts, when set, are how many items are in progress in each
	// status (wip's windowed read), instead of their flows.
	statusCounts map[string]int
	// wipStarts, when set, are when each item in progress started (cycle
	// time's windowed read), instead of their flows.
	wipStarts []time.Time
	// work, when set, is the work in progress (the windowed reads of
	// aging and vsm), instead of flows.
	work []coach.Work

	// Delivery data, read only for the commands that need it.
	prs         []coach.PullRequest
	deployments []coach.Deployment
	incidents   []coach.Item
}

// inProgress is the work in progress: as a windowed read brought it, or
// read off every flow.
func (s *snapshot) inProgress() []coach.Work {
	if s.work != nil {
		return s.work
	}
	return coach.WorkIn(s.flows)
}

// answerer is the answer of a command whose answers can fail on their
// arguments. A switch rather than a map: explain answers through it too.
func answerer(name string) (func(*snapshot, Command) (Answer, error), bool) {
	switch name {
	case "vsm":
		return vsmAnswer, true
	case "efficiency":
		return efficiencyAnswer, true
	case "forecast":
		return forecastAnswer, true
	case "distribution":
		return distributionAnswer, true
	case "cfd":
		return cfdAnswer, true
	case "prs":
		return prsAnswer, true
	case "dora":
		return doraAnswer, true
	case "item":
		return itemAnswer, true
	case "data-quality":
		return dataQualityAnswer, true
	case "compare":
		return compareAnswer, true
	case "explain":
		return explainAnswer, true
	}
	return nil, false
}

// needsDelivery names the commands that read pull requests, deployments
// and incidents besides the work items.
var needsDelivery = map[string]bool{"prs": true, "dora": true, "item": true, "compare": true, "data-quality": true, "explain": true}

func (b *Bot) snapshot(ctx context.Context, team *config.Team, now time.Time, cmd Command) (*snapshot, error) {
	// Commands with a windowed read (window.go) read only their window.
	if s, ok, err := b.windowSnapshot(ctx, team, now, cmd); ok || err != nil {
		return s, err
	}
	statuses, err := b.Store.Statuses(ctx, team.ID)
	if err != nil {
		return nil, fmt.Errorf("reading statuses of %s: %w", team.ID, err)
	}
	last, err := b.Store.LastSync(ctx, team.ID)
	if err != nil {
		return nil, fmt.Errorf("reading last sync of %s: %w", team.ID, err)
	}
	wf := team.Workflow(statuses, b.config().Jira.ExcludeResolutions)
	s := &snapshot{team: team, workflow: wf, now: now, lastSync: last}
	// The DORA keys are of pull requests, deployments and incidents: a
	// team's work items, its largest data, are not read for them.
	if cmd.Name != "dora" {
		if s.flows, err = b.flows(ctx, team, wf, now, cmd); err != nil {
			return nil, err
		}
	}
	if needsDelivery[cmd.Name] {
		if err := b.readDelivery(ctx, team.ID, s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// readDelivery reads the team's pull requests, deployments and incidents
// into s, side by side: decoding the pull requests, a team's largest
// delivery data, overlaps reading the rest.
func (b *Bot) readDelivery(ctx context.Context, team string, s *snapshot) error {
	var g errgroup.Group
	g.Go(func() (err error) {
		if s.prs, err = b.Store.PullRequests(ctx, team); err != nil {
			return fmt.Errorf("reading pull requests of %s: %w", team, err)
		}
		return nil
	})
	g.Go(func() (err error) {
		if s.deployments, err = b.Store.Deployments(ctx, team); err != nil {
			return fmt.Errorf("reading deployments of %s: %w", team, err)
		}
		return nil
	})
	g.Go(func() (err error) {
		if s.incidents, err = b.Store.Incidents(ctx, team); err != nil {
			return fmt.Errorf("reading incidents of %s: %w", team, err)
		}
		return nil
	})
	return g.Wait()
}

// indexed are the commands answered from the flow index: they need only
// the items done in their window and those in progress, not histories.
var indexed = map[string]bool{"cycle-time": true, "throughput": true, "wip": true, "aging": true}

// flows reads the flows an answer needs: from the flow index when the store
// has one built with this workflow, else every item's history.
func (b *Bot) flows(ctx context.Context, team *config.Team, wf coach.Workflow, now time.Time, cmd Command) ([]coach.Flow, error) {
	if idx, ok := b.Store.(indexStore); ok && indexed[cmd.Name] {
		// Aging's SLE looks back 90 days whatever the window.
		from := now.Add(-90 * 24 * time.Hour)
		if sp, _ := lookup(cmd.Name); sp.since {
			if start := cmd.Since.Start(now, team.Location()); start.Before(from) {
				from = start
			}
		}
		flows, err := flowsFor(ctx, idx, team.ID, wf, fingerprint(wf), now, from)
		if err == nil {
			return flows, nil
		}
		if !errors.Is(err, errIndexStale) {
			return nil, fmt.Errorf("reading the flow index of %s: %w", team.ID, err)
		}
		b.logger().Info("flow index not built with the current workflow: reading every item", "team", team.ID)
	}
	items, err := b.Store.Items(ctx, team.ID)
	if err != nil {
		return nil, fmt.Errorf("reading items of %s: %w", team.ID, err)
	}
	return coach.Flows(wf, items, now), nil
}

// deliveries are the deliveries an answer over delivered work reads: those
// the flow index gave a windowed read, else those of the flows; with times,
// those done in win, each with a start carrying its Times measured by
// clock. A windowed read brings Times only in calendar time: window.go
// reads histories instead for any other clock.
func (s *snapshot) deliveries(win coach.Window, clock coach.Clock, times bool) []coach.Delivery {
	switch {
	case s.indexed:
		return s.delivered
	case times:
		return coach.NewTimer(s.workflow, clock).DeliveriesIn(s.flows, win)
	}
	return coach.Deliveries(s.flows)
}

// activeItems are the items whose histories an answer reads as a whole
// (compare's daily WIP): those a windowed read brought, else every item.
func (s *snapshot) activeItems() []coach.Item {
	if s.indexed {
		return s.items
	}
	items := make([]coach.Item, len(s.flows))
	for i, f := range s.flows {
		items[i] = f.Item
	}
	return items
}

func (s *snapshot) window(since Since) coach.Window {
	return coach.Window{From: since.Start(s.now, s.team.Location()), To: s.now}
}

// contextLine is a Message's context: the window (as the answer put it),
// the team and how fresh the data is.
func (s *snapshot) contextLine(window string) string {
	parts := []string{}
	if window != "" {
		parts = append(parts, window)
	}
	parts = append(parts, s.team.Name)
	if s.lastSync.IsZero() {
		parts = append(parts, "not synced yet")
	} else {
		parts = append(parts, "synced "+humanAgo(s.now.Sub(s.lastSync))+" ago")
	}
	return strings.Join(parts, " · ")
}

// windowContext is a window for a context line: "Last 90d" or "Since Sep 1, 2026".
func windowContext(since Since, win coach.Window, loc *time.Location) string {
	if since.Days > 0 {
		return "Last " + since.Raw
	}
	return "Since " + win.From.In(loc).Format("Jan 2, 2006")
}

func (s *snapshot) freshness() string {
	if s.lastSync.IsZero() {
		return "\n_" + s.team.Name + " · not synced yet: run `flowbot sync`_"
	}
	return fmt.Sprintf("\n_%s · data synced %s ago_", s.team.Name, humanAgo(s.now.Sub(s.lastSync)))
}

func (b *Bot) now() time.Time {
	if b.Now == nil {
		return time.Now()
	}
	return b.Now()
}

func (b *Bot) logger() *slog.Logger {
	if b.Logger == nil {
		return slog.Default()
	}
	return b.Logger
}

// JSON shapes of `flowbot ask --format json`. Field names are a public
// contract; days are unrounded. A value that does not exist is null, never 0.

type cycleTimeJSON struct {
	Command string   `json:"command"`
	Team    string   `json:"team"`
	From    string   `json:"from"`
	To      string   `json:"to"`
	Count   int      `json:"count"`
	P50     *float64 `json:"p50_days"`
	P85     *float64 `json:"p85_days"`
	P95     *float64 `json:"p95_days"`
	Max     *float64 `json:"max_days"`
	// N and Excluded are common to every answer (issue 3): n is count.
	N        int            `json:"n"`
	Excluded map[string]int `json:"excluded"`
}

type weekJSON struct {
	WeekStart string `json:"week_start"`
	Count     int    `json:"count"`
}

type throughputJSON struct {
	Command  string         `json:"command"`
	Team     string         `json:"team"`
	From     string         `json:"from"`
	To       string         `json:"to"`
	Total    int            `json:"total"`
	Weeks    []weekJSON     `json:"weeks"`
	N        int            `json:"n"`
	Excluded map[string]int `json:"excluded"`
}

type stageJSON struct {
	Stage string `json:"stage"`
	Count int    `json:"count"`
}

type wipJSON struct {
	Command  string         `json:"command"`
	Team     string         `json:"team"`
	Count    int            `json:"count"`
	ByStage  []stageJSON    `json:"by_stage"`
	From     string         `json:"from"` // WIP is a moment: from = to = now
	To       string         `json:"to"`
	N        int            `json:"n"`
	Excluded map[string]int `json:"excluded"`
}

type agingItemJSON struct {
	Key      string  `json:"key"`
	Title    string  `json:"title"`
	Stage    string  `json:"stage"`
	Status   string  `json:"status"`
	Assignee string  `json:"assignee"`
	AgeDays  float64 `json:"age_days"`
	OverSLE  bool    `json:"over_sle"`
}

// agingItemsJSON are the aging items, laid out as agingItemJSON only when
// the answer is written as JSON: a team may have thousands in progress,
// and an answer in Slack does not show them as JSON.
type agingItemsJSON []coach.AgingItem

func (items agingItemsJSON) MarshalJSON() ([]byte, error) {
	out := make([]agingItemJSON, len(items))
	for i, it := range items {
		out[i] = agingItemJSON{Key: it.Key, Title: it.Title, Stage: it.Stage, Status: it.Status, Assignee: it.Assignee, AgeDays: it.AgeDays, OverSLE: it.OverSLE}
	}
	return json.Marshal(out)
}

type agingJSON struct {
	Command  string         `json:"command"`
	Team     string         `json:"team"`
	SLEDays  *float64       `json:"sle_days"`
	Items    agingItemsJSON `json:"items"`
	From     string         `json:"from"` // aging is a moment: from = to = now
	To       string         `json:"to"`
	N        int            `json:"n"`
	Excluded map[string]int `json:"excluded"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func ptr(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

func cycleTimeAnswer(s *snapshot, cmd Command) Answer {
	win := s.window(cmd.Since)
	ds := s.deliveries(win, nil, false)
	r := coach.CycleTimeOf(ds, win)
	j := cycleTimeJSON{
		Command: "cycle-time", Team: s.team.ID, From: rfc3339(win.From), To: rfc3339(win.To),
		Count: r.Count, P50: ptr(r.P50, r.OK), P85: ptr(r.P85, r.OK), P95: ptr(r.P95, r.OK), Max: ptr(r.Max, r.OK),
		N: r.Count, Excluded: map[string]int{},
	}
	if n := doneWithoutStart(ds, win); n > 0 {
		j.Excluded["done_without_start"] = n
	}
	m := &Message{Title: "Cycle time · " + s.team.Name, Context: windowContext(cmd.Since, win, s.team.Location())}
	var b strings.Builder
	fmt.Fprintf(&b, "*Cycle time · %s* (%s)\n", s.team.Name, windowLabel(cmd.Since, win, s.team.Location()))
	if !r.OK {
		b.WriteString("No item finished in this window after being started, so there is no cycle time to show. Try a longer window, e.g. `--since 180d`.")
		m.Reading = "No item finished in this window after being started, so there is no cycle time to show. Try a longer window, e.g. `--since 180d`."
		return Answer{Text: b.String(), JSON: j, Message: m}
	}
	fmt.Fprintf(&b, "%s finished after being started. 50%% took %s or less, 85%% took %s or less, 95%% took %s or less; the longest took %s.",
		plural(r.Count, "item", "items"), days(r.P50), days(r.P85), days(r.P95), days(r.Max))
	m.Fields = []Field{{"Items finished", fmt.Sprint(r.Count)}, {"50% within", days(r.P50)}, {"85% within", days(r.P85)}, {"95% within", days(r.P95)}, {"Longest", days(r.Max)}}
	older := 0
	for _, f := range s.flows {
		if age, ok := f.Age(s.now); ok && age > r.P85 {
			older++
		}
	}
	for _, started := range s.wipStarts {
		if coach.AgeSince(started, s.now) > r.P85 {
			older++
		}
	}
	m.Reading = fmt.Sprintf("85%% of items finish within %s; %s in progress %s older than that.", days(r.P85), plural(older, "item", "items"), isAre(older))
	if n := j.Excluded["done_without_start"]; n > 0 {
		note := fmt.Sprintf("%s done without ever being started %s no cycle time and %s left out.", plural(n, "item", "items"), haveHas(n), isAre(n))
		fmt.Fprintf(&b, "\n%s", note)
		m.Fields = append(m.Fields, Field{"Done, never started", fmt.Sprint(n)})
		m.Body = append(m.Body, note)
	}
	if r.Count < 5 {
		b.WriteString("\n_Few items: read these numbers as a rough guide._")
		m.Body = append(m.Body, "_Few items: read these numbers as a rough guide._")
	}
	return Answer{Text: b.String(), JSON: j, Message: m, draw: func() ([]byte, error) { return chart.CycleTime(ds, r, s.team.Location()) }}
}

func throughputAnswer(s *snapshot, cmd Command) Answer {
	win := s.window(cmd.Since)
	loc := s.team.Location()
	r := coach.ThroughputOf(s.deliveries(win, nil, false), win, loc)
	j := throughputJSON{Command: "throughput", Team: s.team.ID, From: rfc3339(win.From), To: rfc3339(win.To), Total: r.Total, Weeks: []weekJSON{},
		N: r.Total, Excluded: map[string]int{}}
	most := 0
	for _, w := range r.Weeks {
		j.Weeks = append(j.Weeks, weekJSON{WeekStart: w.Start.In(loc).Format(time.DateOnly), Count: w.Count})
		most = max(most, w.Count)
	}
	m := &Message{Title: "Throughput · " + s.team.Name, Context: windowContext(cmd.Since, win, loc)}
	var b strings.Builder
	fmt.Fprintf(&b, "*Throughput · %s* (%s)\n", s.team.Name, windowLabel(cmd.Since, win, loc))
	fmt.Fprintf(&b, "%s finished in %s.\n", plural(r.Total, "item", "items"), plural(len(r.Weeks), "week", "weeks"))
	m.Fields = []Field{{"Items finished", fmt.Sprint(r.Total)}, {"Weeks", fmt.Sprint(len(r.Weeks))}}
	m.Reading = fmt.Sprintf("%s finished in %s.", plural(r.Total, "item", "items"), plural(len(r.Weeks), "week", "weeks"))
	if len(r.Weeks) > 0 {
		perWeek := float64(r.Total) / float64(len(r.Weeks))
		least := r.Weeks[0].Count
		for _, w := range r.Weeks {
			least = min(least, w.Count)
		}
		m.Fields = append(m.Fields, Field{"Per week", fmt.Sprintf("%.1f", perWeek)}, Field{"Busiest week", fmt.Sprint(most)}, Field{"Quietest week", fmt.Sprint(least)})
		m.Reading = fmt.Sprintf("The team finished about %.1f items a week (%d in the busiest week, %d in the quietest).", perWeek, most, least)
		var t strings.Builder
		t.WriteString("```\n")
		for _, w := range r.Weeks {
			bar := ""
			if most > 0 {
				bar = strings.Repeat("█", (w.Count*20+most-1)/most)
			}
			line := fmt.Sprintf("week of %s  %3d  %s", w.Start.In(loc).Format("Jan 02"), w.Count, bar)
			t.WriteString(strings.TrimRight(line, " ") + "\n")
		}
		t.WriteString("```")
		b.WriteString(t.String())
		m.Body = append(m.Body, t.String())
	}
	return Answer{Text: b.String(), JSON: j, Message: m, draw: func() ([]byte, error) { return chart.Throughput(r, loc) }}
}

func wipAnswer(s *snapshot) Answer {
	var r coach.WIPReport
	if s.statusCounts != nil {
		r = coach.WIPOf(s.workflow, s.statusCounts)
	} else {
		r = coach.WIP(s.workflow, s.flows)
	}
	j := wipJSON{Command: "wip", Team: s.team.ID, Count: r.Count, ByStage: []stageJSON{},
		From: rfc3339(s.now), To: rfc3339(s.now), N: r.Count, Excluded: map[string]int{}}
	m := &Message{Title: "Work in progress · " + s.team.Name, Context: "Now",
		Fields: []Field{{"In progress", fmt.Sprint(r.Count)}}}
	var b strings.Builder
	fmt.Fprintf(&b, "*Work in progress · %s*\n%s started and not done.\n", s.team.Name, plural(r.Count, "item", "items"))
	m.Reading = fmt.Sprintf("%s started and not done.", plural(r.Count, "item", "items"))
	if len(r.ByStage) > 0 {
		b.WriteString("```\n")
		width := 0
		for _, st := range r.ByStage {
			width = max(width, len([]rune(st.Stage)))
		}
		var where []string
		for _, st := range r.ByStage {
			j.ByStage = append(j.ByStage, stageJSON{Stage: st.Stage, Count: st.Count})
			fmt.Fprintf(&b, "%-*s  %3d\n", width, st.Stage, st.Count)
			m.Fields = append(m.Fields, Field{st.Stage, fmt.Sprint(st.Count)})
			if st.Count > 0 {
				where = append(where, fmt.Sprintf("%d in %s", st.Count, escape(st.Stage)))
			}
		}
		b.WriteString("```")
		if len(m.Fields) > maxFields {
			// Too many stages for fields: the table says it all.
			m.Fields = m.Fields[:1]
			m.Body = append(m.Body, b.String()[strings.Index(b.String(), "```"):])
		}
		if len(where) > 0 {
			m.Reading = fmt.Sprintf("%s started and not done: %s.", plural(r.Count, "item", "items"), listSome(where, 4))
		}
	}
	return Answer{Text: b.String(), JSON: j, Message: m}
}

// maxAgingLines keeps the text answer readable in a channel; JSON has all.
const maxAgingLines = 25

// maxMessageItems bounds the items a Message lists; the chat adapter cuts
// further to fit its limits.
const maxMessageItems = 200

func agingAnswer(s *snapshot) Answer {
	sle, ok := coach.SLEOf(s.deliveries(coach.Window{From: s.now.Add(-sleLookBack), To: s.now}, nil, false), s.now)
	r := coach.AgingOf(s.workflow, s.inProgress(), s.now, sle, ok)
	j := agingJSON{Command: "aging", Team: s.team.ID, SLEDays: ptr(r.SLE, r.HasSLE), Items: agingItemsJSON(r.Items),
		From: rfc3339(s.now), To: rfc3339(s.now), N: len(r.Items), Excluded: map[string]int{}}
	over := 0
	for _, it := range r.Items {
		if it.OverSLE {
			over++
		}
	}
	m := &Message{Title: "Aging work in progress · " + s.team.Name, Context: "Now",
		Fields: []Field{{"In progress", fmt.Sprint(len(r.Items))}}}
	var b strings.Builder
	fmt.Fprintf(&b, "*Aging work in progress · %s*\n", s.team.Name)
	if r.HasSLE {
		fmt.Fprintf(&b, "SLE: 85%% of items finished within %s over the last 90 days. %s in progress, %d older than that.\n",
			days(r.SLE), plural(len(r.Items), "item", "items"), over)
		m.Fields = append(m.Fields, Field{"SLE (85%)", days(r.SLE)}, Field{"Older than SLE", fmt.Sprint(over)})
		m.Reading = fmt.Sprintf("85%% of items finish within %s; %s in progress %s older than that.", days(r.SLE), plural(over, "item", "items"), isAre(over))
	} else {
		fmt.Fprintf(&b, "No SLE yet: no item finished in the last 90 days. %s in progress.\n", plural(len(r.Items), "item", "items"))
		m.Reading = fmt.Sprintf("No SLE yet: no item finished in the last 90 days. %s in progress.", plural(len(r.Items), "item", "items"))
	}
	if len(r.Items) > 0 {
		m.Fields = append(m.Fields, Field{"Oldest", days(r.Items[0].AgeDays)})
	}
	// Only the lines shown are built: a team may have thousands in progress.
	for i, it := range r.Items[:min(len(r.Items), max(maxMessageItems, maxAgingLines))] {
		line := agingLine(it)
		if i < maxMessageItems {
			m.Body = append(m.Body, line)
		}
		if i < maxAgingLines {
			b.WriteString(line + "\n")
		}
	}
	if n := len(r.Items); n > maxMessageItems {
		m.Body = append(m.Body, fmt.Sprintf("…and %d more (`flowbot ask --format json` lists all)", n-maxMessageItems))
	}
	if n := len(r.Items); n > maxAgingLines {
		fmt.Fprintf(&b, "…and %d more (`flowbot ask --format json` lists all)\n", n-maxAgingLines)
	}
	stages := make([]string, 0, len(s.workflow.Stages))
	for _, st := range s.workflow.Stages {
		stages = append(stages, st.Name)
	}
	return Answer{Text: strings.TrimRight(b.String(), "\n"), JSON: j, Message: m, draw: func() ([]byte, error) { return chart.Aging(r, stages) }}
}

func agingLine(it coach.AgingItem) string {
	mark := "•"
	if it.OverSLE {
		mark = ":warning:"
	}
	who := it.Assignee
	if who == "" {
		who = "unassigned"
	}
	return fmt.Sprintf("%s *%s* %s, %s in %s (%s) · %s", mark, it.Key, escape(truncate(it.Title, 80)), days(it.AgeDays), escape(it.Status), escape(it.Stage), escape(who))
}

func helpAnswer(cmd Command) Answer {
	var b strings.Builder
	if len(cmd.Args) == 1 {
		name := strings.ToLower(cmd.Args[0])
		if a, ok := aliases[name]; ok {
			name = a
		}
		sp, ok := lookup(name)
		if !ok {
			sp, ok = adminSpec(name)
		}
		if !ok {
			text := unknownCommand(cmd.Args[0]).Error()
			return Answer{Text: text, JSON: map[string]string{"command": "help", "error": "unknown command"},
				Message: &Message{Title: "flowbot help", Reading: text}}
		}
		def := helpDefinition(sp.name)
		fmt.Fprintf(&b, "*/flow %s*: %s.\n%s\nUsage: `%s`\nExample: `%s`", sp.name, sp.summary, def, sp.usage, sp.example)
		m := &Message{Title: "/flow " + sp.name, Reading: upperFirst(sp.summary) + ".",
			Fields:  []Field{{"Usage", "`" + escape(sp.usage) + "`"}, {"Example", "`" + sp.example + "`"}},
			Body:    []string{"*What the numbers mean:* " + def},
			Context: "flowbot · every number is defined in docs/metrics.md"}
		return Answer{Text: b.String(), JSON: map[string]string{"command": "help", "topic": sp.name, "usage": sp.usage, "definition": def}, Message: m}
	}
	b.WriteString("*flowbot* answers questions about your team's flow of work:\n")
	m := &Message{Title: "flowbot help", Reading: "flowbot answers questions about your team's flow of work: how long it takes, how much gets done, what is in progress and what is getting old."}
	var names []string
	var list strings.Builder
	for _, sp := range specs {
		fmt.Fprintf(&b, "• `%s`: %s\n", sp.example, sp.summary)
		fmt.Fprintf(&list, "• `%s`: %s\n", sp.example, sp.summary)
		names = append(names, sp.name)
	}
	var admin strings.Builder
	admin.WriteString("For admins:\n")
	for _, sp := range adminSpecs {
		fmt.Fprintf(&admin, "• `%s`: %s\n", sp.example, sp.summary)
		names = append(names, sp.name)
	}
	const tail = "Add `team:<id>` to ask about another team, and `public` at the end to answer in the channel."
	b.WriteString(admin.String())
	b.WriteString(tail + " `/flow help <command>` explains one command and what its numbers mean.")
	m.Body = []string{strings.TrimRight(list.String(), "\n"), strings.TrimRight(admin.String(), "\n"),
		tail + " Add `chart` for a picture; `/flow help <command>` explains one command and what its numbers mean."}
	m.Context = "flowbot · every number is defined in docs/metrics.md"
	return Answer{Text: b.String(), JSON: map[string]any{"command": "help", "commands": names}, Message: m}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func windowLabel(since Since, win coach.Window, loc *time.Location) string {
	from := win.From.In(loc).Format("Jan 2, 2006")
	to := win.To.In(loc).Format("Jan 2, 2006")
	if since.Days > 0 {
		return fmt.Sprintf("last %s, %s – %s", since.Raw, from, to)
	}
	return fmt.Sprintf("since %s, until %s", from, to)
}

func days(d float64) string {
	switch {
	case d < 1:
		return fmt.Sprintf("%.1f hours", d*24)
	case d < 10:
		return fmt.Sprintf("%.1f days", d)
	}
	return fmt.Sprintf("%.0f days", d)
}

// doneWithoutStart counts the items delivered in win that never started:
// they have no cycle time, and answers say so rather than drop them quietly.
func doneWithoutStart(ds []coach.Delivery, win coach.Window) int {
	n := 0
	for _, f := range ds {
		if f.Started.IsZero() && win.Contains(f.Done) {
			n++
		}
	}
	return n
}

func haveHas(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func humanAgo(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute", "minutes")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour", "hours")
	}
	return plural(int(d/(24*time.Hour)), "day", "days")
}

// escape keeps Slack from reading user text as markup or mentions.
func escape(s string) string {
	return mrkdwnEscaper.Replace(s)
}

// mrkdwnEscaper is built once: a Replacer is safe for concurrent use, and
// building one per call was most of the time an aging answer took.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
