package bot

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Command is one parsed /flow invocation.
type Command struct {
	Name   string // canonical subcommand, e.g. "cycle-time"
	Args   []string
	Team   string // from --team or team:<id>; "" means the channel's team
	Since  Since  // zero: the command's default window
	Public bool   // the text ended with "public"

	By          time.Time // --by DATE (forecast): midnight UTC of the date; read in the team's zone
	Seed        uint64    // --seed N (forecast), when HasSeed
	HasSeed     bool
	WorkingTime bool // --working-time: durations in working time instead of calendar time
	Chart       bool // the text ended with "chart" (before any "public"): answer with a picture too
	// User is the Slack user asking (Request.UserID); "" from flowbot ask.
	User string
	// Backtest is --backtest 4w (nudges): replay the flow check over that
	// span; zero: no backtest.
	Backtest Since
}

// Since is a window start as a user wrote it: a number of days back from
// now, or a calendar date in the team's time zone.
type Since struct {
	Days int
	Date time.Time // midnight UTC of the date; read in the team's zone by Start
	Raw  string
}

// IsZero reports whether no --since was given.
func (s Since) IsZero() bool { return s.Raw == "" }

// Start is the window start for a request asked at now in loc.
func (s Since) Start(now time.Time, loc *time.Location) time.Time {
	if s.Days > 0 {
		return now.Add(-time.Duration(s.Days) * 24 * time.Hour)
	}
	y, m, d := s.Date.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// UsageError is bad input from a person: what was wrong and the usage line
// that shows how to write it.
type UsageError struct {
	Problem string
	Usage   string
}

func (e *UsageError) Error() string {
	if e.Usage == "" {
		return e.Problem
	}
	return e.Problem + "\nUsage: `" + e.Usage + "`"
}

// spec describes one subcommand: its usage line, a one-line summary, an
// example, and which options it takes.
type spec struct {
	name     string
	usage    string
	summary  string
	example  string
	since    bool // takes --since
	maxArgs  int
	defSince Since
	by       bool // takes --by DATE
	seed     bool // takes --seed N
	working  bool // takes --working-time
	backtest bool // takes --backtest 4w
}

var (
	days90 = Since{Days: 90, Raw: "90d"}
	days30 = Since{Days: 30, Raw: "30d"}
	week12 = Since{Days: 84, Raw: "12w"}
)

// specs is the command table, in the order help lists it.
var specs = append([]spec{
	{name: "help", usage: "/flow help [command]", summary: "what flowbot can answer", example: "/flow help cycle-time", maxArgs: 1},
	{name: "cycle-time", usage: "/flow cycle-time [--since 90d] [team:<id>] [public]", summary: "how long items take from start to done (50th, 85th, 95th percentile)", example: "/flow cycle-time --since 30d", since: true, defSince: days90},
	{name: "throughput", usage: "/flow throughput [--since 12w] [team:<id>] [public]", summary: "items finished, in total and per week", example: "/flow throughput --since 8w", since: true, defSince: week12},
	{name: "wip", usage: "/flow wip [team:<id>] [public]", summary: "work in progress now, by stage", example: "/flow wip"},
	{name: "aging", usage: "/flow aging [team:<id>] [public]", summary: "work in progress oldest first, marked where it is older than the team's SLE", example: "/flow aging"},
	{name: "vsm", usage: "/flow vsm [--since 30d] [--working-time] [team:<id>] [public]", summary: "the value stream map: active and wait time per stage, and the bottleneck", example: "/flow vsm", since: true, defSince: days30, working: true},
	{name: "efficiency", usage: "/flow efficiency [--since 30d] [--working-time] [team:<id>] [public]", summary: "flow efficiency: active time over active plus wait time", example: "/flow efficiency --since 60d", since: true, defSince: days30, working: true},
	{name: "forecast", usage: "/flow forecast N | --by YYYY-MM-DD | epic KEY [--seed N] [team:<id>] [public]", summary: "Monte Carlo forecast of when N items will be done, or how many by a date", example: "/flow forecast 10", maxArgs: 2, by: true, seed: true},
	{name: "prs", usage: "/flow prs [--since 30d] [--working-time] [team:<id>] [public]", summary: "pull-request flow: coding, pickup, review, merge and deploy time, and size", example: "/flow prs", since: true, defSince: days30, working: true},
	{name: "dora", usage: "/flow dora [--since 90d] [team:<id>] [public]", summary: "the four DORA keys per repository and for the team", example: "/flow dora", since: true, defSince: days90},
	{name: "item", usage: "/flow item KEY [team:<id>] [public]", summary: "one work item's whole flow, from ticket to production", example: "/flow item PAY-123", maxArgs: 1},
	{name: "distribution", usage: "/flow distribution [--since 30d] [team:<id>] [public]", summary: "done items and WIP by kind: feature, defect, risk, debt", example: "/flow distribution", since: true, defSince: days30},
	{name: "cfd", usage: "/flow cfd [--since 30d] [team:<id>] [public]", summary: "cumulative flow: items in each stage at the end of every day", example: "/flow cfd", since: true, defSince: days30},
	{name: "compare", usage: "/flow compare YYYY-MM YYYY-MM | FROM..TO FROM..TO [team:<id>] [public]", summary: "before and after: the key numbers of two periods side by side", example: "/flow compare 2026-09 2026-10", maxArgs: 2},
	{name: "explain", usage: "/flow explain METRIC [--since 30d] [--working-time] [team:<id>]", summary: "how a number is computed: definition, window, n and what was left out", example: "/flow explain cycle-time", maxArgs: 1, since: true, working: true},
	{name: "data-quality", usage: "/flow data-quality [--since 90d] [team:<id>] [public]", summary: "what distorts the numbers: unmapped statuses, items done without starting, and more", example: "/flow data-quality", since: true, defSince: days90},
	{name: "nudges", usage: "/flow nudges [--backtest 4w] [team:<id>]", summary: "what a flow check would post now, and what it holds back and why; --backtest: how many each rule would have sent per day", example: "/flow nudges --backtest 4w", backtest: true},
	{name: "standup", usage: "/flow standup [team:<id>] [public]", summary: "the standup prompt as it would be posted now: the board right to left, what needs a conversation", example: "/flow standup"},
	{name: "digest", usage: "/flow digest [team:<id>] [public]", summary: "the weekly digest as it would be posted now", example: "/flow digest"},
	{name: "mine", usage: "/flow mine [team:<id>]", summary: "your items in progress and the reviews waiting for you, against the SLE (only you see it)", example: "/flow mine"},
	{name: "snooze", usage: "/flow snooze KEY 3d|1w|off [team:<id>]", summary: "no nudges about one item, pull request or stage for a while (working days, or weeks)", example: "/flow snooze PAY-123 3d", maxArgs: 2},
	{name: "pause", usage: "/flow pause 2d|1w|off [team:<id>]", summary: "no nudges for the whole team for a while", example: "/flow pause 2d", maxArgs: 1},
	{name: "away", usage: "/flow away 1w|off [team:<id>]", summary: "nudges do not mention you while you are away", example: "/flow away 1w", maxArgs: 1},
}, identitySpecs...)

func lookup(name string) (spec, bool) {
	for _, s := range specs {
		if s.name == name {
			return s, true
		}
	}
	return spec{}, false
}

// aliases accepts the spellings people type for the same command.
var aliases = map[string]string{
	"cycletime": "cycle-time", "cycle_time": "cycle-time", "ct": "cycle-time",
	"tp": "throughput", "age": "aging", "?": "help",
}

const maxCommandLen = 500

var (
	teamID    = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)
	sinceSpec = regexp.MustCompile(`^([0-9]{1,4})([dw])$`)
)

// ParseCommand parses the text after "/flow". It never panics; bad input
// yields a *UsageError saying what was wrong.
func ParseCommand(text string) (Command, error) {
	if len(text) > maxCommandLen {
		return Command{}, &UsageError{Problem: fmt.Sprintf("That command is too long (%d characters; the limit is %d).", len(text), maxCommandLen)}
	}
	fields := strings.Fields(text)
	if len(fields) > 0 && fields[0] == "/flow" {
		fields = fields[1:]
	}
	if len(fields) == 0 {
		return Command{Name: "help"}, nil
	}
	var cmd Command
	// "public" and "chart" end the text, in either order.
trailing:
	for len(fields) > 1 {
		switch last := fields[len(fields)-1]; {
		case strings.EqualFold(last, "public") && !cmd.Public:
			cmd.Public = true
		case strings.EqualFold(last, "chart") && !cmd.Chart:
			cmd.Chart = true
		default:
			break trailing
		}
		fields = fields[:len(fields)-1]
	}
	if len(fields) == 1 && strings.EqualFold(fields[0], "public") {
		return Command{Name: "help", Public: true}, nil
	}
	name := strings.ToLower(fields[0])
	if a, ok := aliases[name]; ok {
		name = a
	}
	sp, ok := lookup(name)
	if !ok {
		return Command{}, unknownCommand(fields[0])
	}
	cmd.Name = sp.name
	for i := 1; i < len(fields); i++ {
		f := fields[i]
		opt, val, hasVal := strings.Cut(f, "=")
		switch {
		case opt == "--team" || strings.HasPrefix(f, "team:"):
			if strings.HasPrefix(f, "team:") {
				val, hasVal = strings.TrimPrefix(f, "team:"), true
			}
			if !hasVal {
				if i+1 >= len(fields) {
					return Command{}, &UsageError{Problem: "`--team` needs a team id, e.g. `--team payments`.", Usage: sp.usage}
				}
				i++
				val = fields[i]
			}
			if !teamID.MatchString(val) {
				return Command{}, &UsageError{Problem: fmt.Sprintf("%q is not a team id: ids use lowercase letters, digits and dashes.", truncate(val, 40)), Usage: sp.usage}
			}
			cmd.Team = val
		case opt == "--since":
			if !sp.since {
				return Command{}, &UsageError{Problem: fmt.Sprintf("`%s` does not take `--since`.", sp.name), Usage: sp.usage}
			}
			if !hasVal {
				if i+1 >= len(fields) {
					return Command{}, &UsageError{Problem: "`--since` needs a value such as `90d`, `12w` or `2026-09-01`.", Usage: sp.usage}
				}
				i++
				val = fields[i]
			}
			s, problem := parseSince(val)
			if problem != "" {
				return Command{}, &UsageError{Problem: problem, Usage: sp.usage}
			}
			cmd.Since = s
		case opt == "--backtest":
			if !sp.backtest {
				return Command{}, &UsageError{Problem: fmt.Sprintf("`%s` does not take `--backtest`.", sp.name), Usage: sp.usage}
			}
			if !hasVal {
				if i+1 >= len(fields) {
					return Command{}, &UsageError{Problem: "`--backtest` needs a span such as `4w` or `10d`.", Usage: sp.usage}
				}
				i++
				val = fields[i]
			}
			s, problem := parseSince(val)
			if problem != "" || s.Days == 0 || s.Days > maxBacktestDays {
				return Command{}, &UsageError{Problem: fmt.Sprintf("`--backtest %s` is not a span: use days or weeks back from now, 1d to %dd, such as `4w`.", truncate(val, 40), maxBacktestDays), Usage: sp.usage}
			}
			cmd.Backtest = s
		case opt == "--working-time" && !hasVal:
			if !sp.working {
				return Command{}, &UsageError{Problem: fmt.Sprintf("`%s` does not take `--working-time`.", sp.name), Usage: sp.usage}
			}
			cmd.WorkingTime = true
		case opt == "--by" || opt == "--seed":
			if (opt == "--by" && !sp.by) || (opt == "--seed" && !sp.seed) {
				return Command{}, &UsageError{Problem: fmt.Sprintf("`%s` does not take `%s`.", sp.name, opt), Usage: sp.usage}
			}
			if !hasVal {
				if i+1 >= len(fields) {
					return Command{}, &UsageError{Problem: fmt.Sprintf("`%s` needs a value.", opt), Usage: sp.usage}
				}
				i++
				val = fields[i]
			}
			if opt == "--by" {
				d, err := time.Parse(time.DateOnly, val)
				if err != nil || d.Year() < 2000 || d.Year() > 2200 {
					return Command{}, &UsageError{Problem: fmt.Sprintf("`--by %s` is not a date such as `2026-12-31`.", truncate(val, 40)), Usage: sp.usage}
				}
				cmd.By = d
			} else {
				n, err := strconv.ParseUint(val, 10, 64)
				if err != nil {
					return Command{}, &UsageError{Problem: fmt.Sprintf("`--seed %s` is not a whole number.", truncate(val, 40)), Usage: sp.usage}
				}
				cmd.Seed, cmd.HasSeed = n, true
			}
		case strings.HasPrefix(f, "-"):
			return Command{}, &UsageError{Problem: fmt.Sprintf("Unknown option `%s`.", truncate(f, 40)), Usage: sp.usage}
		default:
			if len(cmd.Args) >= sp.maxArgs {
				return Command{}, &UsageError{Problem: fmt.Sprintf("Unexpected `%s`.", truncate(f, 40)), Usage: sp.usage}
			}
			cmd.Args = append(cmd.Args, f)
		}
	}
	if cmd.Since.IsZero() {
		cmd.Since = sp.defSince
	}
	return cmd, nil
}

// maxSinceDays bounds a window so a typo cannot ask for a century of data.
const maxSinceDays = 3660

// parseSince reads a --since value, or says what is wrong with it.
func parseSince(v string) (Since, string) {
	if m := sinceSpec.FindStringSubmatch(v); m != nil {
		n, _ := strconv.Atoi(m[1])
		if m[2] == "w" {
			n *= 7
		}
		if n < 1 || n > maxSinceDays {
			return Since{}, fmt.Sprintf("`--since %s` is out of range: use 1d to %dd.", v, maxSinceDays)
		}
		return Since{Days: n, Raw: v}, ""
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if d.Year() < 2000 {
			return Since{}, fmt.Sprintf("`--since %s` is too far back.", v)
		}
		return Since{Date: d, Raw: v}, ""
	}
	return Since{}, fmt.Sprintf("`--since %s` is not a window: use days (`90d`), weeks (`12w`) or a date (`2026-09-01`).", truncate(v, 40))
}

func unknownCommand(name string) error {
	msg := fmt.Sprintf("I don't know `%s`.", truncate(name, 40))
	if best := closest(strings.ToLower(name)); best != "" {
		msg += fmt.Sprintf(" Did you mean `/flow %s`?", best)
	}
	return &UsageError{Problem: msg, Usage: "/flow help"}
}

// closest is the known command nearest to name by edit distance, if any is
// near enough to be a plausible typo.
func closest(name string) string {
	best, bestDist := "", 4
	for _, s := range specs {
		if d := editDistance(name, s.name); d < bestDist {
			best, bestDist = s.name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s // most titles: no copy
	}
	return string([]rune(s)[:n]) + "…"
}

// errNoTeam: the request came from a channel no team uses.
var errNoTeam = errors.New("no team")
