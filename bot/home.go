package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/flowbot/flowbot/bot/config"
)

// HomeRefresh is the least time between two Home tabs built for one user:
// opening the tab again within it shows the one already published.
const HomeRefresh = time.Minute

// homeAging is how many aging items a team's Home section lists.
const homeAging = 5

// Home builds users' App Home tabs: for each team whose channel the user
// is in, the WIP and its oldest items, cycle time p85, the throughput
// trend, the bottleneck and the scheduled posts. Its numbers are the
// commands' own answers. It is safe for concurrent use.
type Home struct {
	Bot *Bot
	Now func() time.Time // nil: the Bot's clock

	mu   sync.Mutex
	last map[string]time.Time // user -> when their tab was last built
}

// ForUser returns the Home tab of a user who is a member of channels, one
// Message per team, or ok false when the user's tab was built less than
// HomeRefresh ago and should be left as it is.
func (h *Home) ForUser(ctx context.Context, user string, channels []string) (msgs []*Message, ok bool, err error) {
	now := h.now()
	h.mu.Lock()
	if t, seen := h.last[user]; seen && now.Sub(t) < HomeRefresh && !now.Before(t) {
		h.mu.Unlock()
		return nil, false, nil
	}
	if h.last == nil {
		h.last = map[string]time.Time{}
	}
	h.last[user] = now
	// Forget users not seen for a while, so the map stays small.
	for u, t := range h.last {
		if now.Sub(t) > time.Hour {
			delete(h.last, u)
		}
	}
	h.mu.Unlock()
	msgs, err = h.Bot.HomeTab(ctx, channels, now)
	if err != nil {
		h.mu.Lock()
		delete(h.last, user) // let the next opening try again
		h.mu.Unlock()
		return nil, false, err
	}
	return msgs, true, nil
}

func (h *Home) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return h.Bot.now()
}

// HomeTab lays out the Home tab for a member of channels as of now: a
// Message per team whose channel is among them, in the configuration's
// order, or one Message saying no channel of theirs belongs to a team.
func (b *Bot) HomeTab(ctx context.Context, channels []string, now time.Time) ([]*Message, error) {
	var msgs []*Message
	for i := range b.config().Teams {
		t := &b.config().Teams[i]
		if t.Channel == "" || !slices.Contains(channels, t.Channel) {
			continue
		}
		m, err := b.homeTeam(ctx, t.ID, t.Name, t.WIPLimit, now)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		return []*Message{{
			Title:   "flowbot",
			Reading: "None of the channels you are in belongs to a flowbot team, so there is nothing to show here yet.",
			Body:    []string{"Ask about any team with `/flow wip team:<id>`. Teams: " + b.teamList() + "."},
			Context: "`/flow help` lists every command",
		}}, nil
	}
	return msgs, nil
}

// homeNumbers are the fields of the commands' answers the Home tab shows.
type homeNumbers struct {
	P85    *float64        `json:"p85_days"`   // cycle-time
	Total  int             `json:"total"`      // throughput
	SLE    *float64        `json:"sle_days"`   // aging
	Items  []homeItem      `json:"items"`      // aging
	Bottle *bottleneckJSON `json:"bottleneck"` // vsm
}

type homeItem struct {
	Key     string  `json:"key"`
	Title   string  `json:"title"`
	Stage   string  `json:"stage"`
	Status  string  `json:"status"`
	AgeDays float64 `json:"age_days"`
	OverSLE bool    `json:"over_sle"`
}

// ask answers text for team and reads the numbers of its JSON.
func (b *Bot) homeAsk(ctx context.Context, team, text string, now time.Time) (homeNumbers, error) {
	var n homeNumbers
	ans, err := b.Ask(ctx, team, text, now)
	if err != nil {
		return n, fmt.Errorf("home tab of %s: %s: %w", team, text, err)
	}
	raw, err := json.Marshal(ans.JSON)
	if err != nil {
		return n, fmt.Errorf("home tab of %s: %s: %w", team, text, err)
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		return n, fmt.Errorf("home tab of %s: %s: %w", team, text, err)
	}
	return n, nil
}

// nextPosts names when each of the team's posting jobs fires next, in the
// team's time zone; flow checks and standups only on working days.
func (b *Bot) nextPosts(id string, now time.Time) string {
	team, ok := b.config().Team(id)
	if !ok || !b.Scheduled {
		return "none from here: `flowbot serve` runs the flow check, standup and digest."
	}
	loc := team.Location()
	var parts []string
	for _, j := range []struct{ name, job, spec string }{
		{"flow check", JobFlowCheck, team.FlowCheckSpec()},
		{"standup", JobStandup, team.StandupSpec()},
		{"digest", JobDigest, team.DigestSpec()},
	} {
		if j.spec == "" {
			continue
		}
		sched, err := config.ParseSchedule(j.spec, loc)
		if err != nil {
			continue // config check refuses such a spec; nothing to show
		}
		at := sched.Next(now)
		for i := 0; i < 14 && j.job != JobDigest && !team.Workdays()[at.In(loc).Weekday()]; i++ {
			at = sched.Next(at)
		}
		parts = append(parts, fmt.Sprintf("%s %s", j.name, at.In(loc).Format("Mon Jan 2 15:04")))
	}
	if len(parts) == 0 {
		return "none: every schedule of this team is switched off."
	}
	return strings.Join(parts, " · ") + " (" + loc.String() + ")"
}

func (b *Bot) homeTeam(ctx context.Context, id, name string, wipLimit int, now time.Time) (*Message, error) {
	ct, err := b.homeAsk(ctx, id, "cycle-time", now)
	if err != nil {
		return nil, err
	}
	recent, err := b.homeAsk(ctx, id, "throughput --since 28d", now)
	if err != nil {
		return nil, err
	}
	both, err := b.homeAsk(ctx, id, "throughput --since 56d", now)
	if err != nil {
		return nil, err
	}
	aging, err := b.homeAsk(ctx, id, "aging", now)
	if err != nil {
		return nil, err
	}
	vsm, err := b.homeAsk(ctx, id, "vsm", now)
	if err != nil {
		return nil, err
	}
	m := &Message{Title: name}

	wip := fmt.Sprintf("%d", len(aging.Items))
	if wipLimit > 0 {
		wip = fmt.Sprintf("%d of %d", len(aging.Items), wipLimit)
		if len(aging.Items) > wipLimit {
			wip += " :warning:"
		}
	}
	m.Fields = append(m.Fields, Field{"WIP", wip})
	p85 := "no items done in 90 days"
	if ct.P85 != nil {
		p85 = days(*ct.P85)
	}
	m.Fields = append(m.Fields, Field{"Cycle time p85 (90 days)", p85})
	prev := both.Total - recent.Total
	trend := "steady"
	switch {
	case recent.Total > prev:
		trend = "up"
	case recent.Total < prev:
		trend = "down"
	}
	m.Fields = append(m.Fields, Field{"Throughput, last 4 weeks", fmt.Sprintf("%d (%d the 4 weeks before: %s)", recent.Total, prev, trend)})
	bottleneck := "none in the last 30 days"
	if vsm.Bottle != nil {
		bottleneck = fmt.Sprintf("%s (%.0f%% of waiting time)", escape(vsm.Bottle.Stage), vsm.Bottle.WaitShare*100)
	}
	m.Fields = append(m.Fields, Field{"Bottleneck (30 days)", bottleneck})

	over := 0
	for _, it := range aging.Items {
		if it.OverSLE {
			over++
		}
	}
	switch {
	case aging.SLE != nil:
		verb := "are"
		if over == 1 {
			verb = "is"
		}
		m.Reading = fmt.Sprintf("85%% of items finish within %s; %d of the %d items in progress %s older than that.", days(*aging.SLE), over, len(aging.Items), verb)
	default:
		m.Reading = fmt.Sprintf("%d items in progress; too few finished in the last 90 days to say how long items usually take.", len(aging.Items))
	}
	if len(aging.Items) > 0 {
		var lines []string
		for _, it := range aging.Items[:min(homeAging, len(aging.Items))] {
			mark := "•"
			if it.OverSLE {
				mark = ":warning:"
			}
			lines = append(lines, fmt.Sprintf("%s *%s* %s, %s in %s (%s)", mark, escape(it.Key), escape(truncate(it.Title, 60)), days(it.AgeDays), escape(it.Status), escape(it.Stage)))
		}
		head := "*Oldest in progress*"
		if more := len(aging.Items) - homeAging; more > 0 {
			lines = append(lines, fmt.Sprintf("and %d more: `/flow aging team:%s`", more, id))
		}
		m.Body = append(m.Body, head+"\n"+strings.Join(lines, "\n"))
	}
	m.Body = append(m.Body, "*Next scheduled posts:* "+b.nextPosts(id, now))
	m.Context = fmt.Sprintf("team %s · as of %s UTC · `/flow help` for definitions", id, now.UTC().Format("2006-01-02 15:04"))
	return m, nil
}
