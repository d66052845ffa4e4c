package coach

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The rules fixtures live in November 2026 (UTC, Monday to Friday): the
// 2nd is a Monday, and every test asks as of rnow, Wednesday the 25th at
// noon. Working days between two instants are worked out by hand in each
// row's name.

// nov is 2026-11-d at hour h, UTC.
func nov(d int, h float64) time.Time {
	return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC).Add(time.Duration(h * float64(time.Hour)))
}

var rnow = nov(25, 12)

func rulesFlow() Workflow {
	return Workflow{
		Stages: []Stage{
			{Name: "Build", Active: []string{"In Progress"}, Wait: []string{"Blocked"}},
			{Name: "Review", Wait: []string{"Ready for Review"}, Active: []string{"In Review"}},
			{Name: "Done", Done: []string{"Done"}},
		},
		Statuses: []Status{
			{Name: "To Do", Category: CategoryNew}, {Name: "In Progress", Category: CategoryIndeterminate},
			{Name: "Blocked", Category: CategoryIndeterminate}, {Name: "Ready for Review", Category: CategoryIndeterminate},
			{Name: "In Review", Category: CategoryIndeterminate}, {Name: "Done", Category: CategoryDone},
		},
	}
}

// rulesHistory is 20 items started Monday 2 November 00:00 and done after
// 0.25, 0.5, ... 5 working days (all inside that week, so working time is
// elapsed time). Nearest rank: P50 = the 10th = 2.5 days, P85 = the 17th
// = 4.25 (75% of it: 3.1875), P95 = the 19th = 4.75.
func rulesHistory() []Item {
	var out []Item
	for i := 1; i <= 20; i++ {
		start := nov(2, 0)
		out = append(out, Item{Key: fmt.Sprintf("H-%d", i), Type: "Story", Status: "Done", Resolution: "Done",
			Created: nov(1, 0), Transitions: []Transition{
				tr(start, "To Do", "In Progress"), tr(start.Add(time.Duration(i)*6*time.Hour), "In Progress", "Done")}})
	}
	return out
}

// wip is an item by Ana Lima started at start, then moved by moves.
func wip(key string, start time.Time, moves ...Transition) Item {
	it := Item{Key: key, Title: "work " + key, Type: "Story", Status: "In Progress", Assignee: "Ana Lima",
		Created: start.Add(-time.Hour), Transitions: append([]Transition{tr(start, "To Do", "In Progress")}, moves...)}
	if len(moves) > 0 {
		it.Status = moves[len(moves)-1].To
	}
	return it
}

// openPR is an open pull request by ana into main, ready at ready, with
// 60 changed lines and ben's review requested.
func openPR(n int, ready time.Time, reviews ...Review) PullRequest {
	return PullRequest{Repo: "acme/api", Number: n, Title: fmt.Sprintf("PR %d", n), Author: "ana", State: "open",
		BaseBranch: "main", Created: ready, Updated: ready, Ready: ready, Additions: 50, Deletions: 10,
		Reviews: reviews, RequestedReviewers: []string{"ben"}}
}

// view is the part of a nudge the rule tables compare.
type view struct {
	Key     string
	Level   string
	Who     []string
	Numbers map[string]float64
}

func viewsOf(ns []Nudge, rule Rule) []view {
	var out []view
	for _, n := range ns {
		if n.Rule != rule {
			continue
		}
		v := view{Key: n.Key, Level: n.Level.String(), Numbers: n.Numbers}
		for _, p := range n.Who {
			v.Who = append(v.Who, p.Source+":"+p.Name)
		}
		out = append(out, v)
	}
	return out
}

type ruleCase struct {
	name      string
	items     []Item
	prs       []PullRequest
	config    RulesConfig
	previous  RulesState
	flow      *Workflow // nil: rulesFlow
	noHistory bool
	want      []view
}

func runRules(t *testing.T, rule Rule, tests []ruleCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := RulesInput{Workflow: rulesFlow(), Items: tt.items, PRs: tt.prs, Config: tt.config, Previous: tt.previous}
			if tt.flow != nil {
				in.Workflow = *tt.flow
			}
			if !tt.noHistory {
				in.Items = append(rulesHistory(), in.Items...)
			}
			got := viewsOf(Evaluate(in, rnow), rule)
			if diff := cmp.Diff(got, tt.want, approx); diff != "" {
				t.Errorf("%s nudges (-got +want):\n%s", rule, diff)
			}
		})
	}
}

const ana = "jira:Ana Lima"

func TestRuleAging(t *testing.T) {
	nums := func(age float64) map[string]float64 {
		return map[string]float64{"age_days": age, "sle_days": 4.25, "escalate_days": 4.75}
	}
	runRules(t, RuleAging, []ruleCase{
		{name: "an item 2.5 working days old (Monday 00:00 to Wednesday noon) is under 75% of the 4.25-day SLE: nothing",
			items: []Item{wip("A-1", nov(23, 0))}},
		{name: "3.5 working days (Friday, Monday, Tuesday, half of Wednesday) passes 75% of the SLE (3.19): listed quietly, nobody mentioned",
			items: []Item{wip("A-1", nov(20, 0))},
			want:  []view{{Key: "aging:A-1", Level: "quiet", Numbers: nums(3.5)}}},
		{name: "4.5 working days passes the SLE of 4.25: the assignee is mentioned",
			items: []Item{wip("A-1", nov(19, 0))},
			want:  []view{{Key: "aging:A-1", Level: "mention", Who: []string{ana}, Numbers: nums(4.5)}}},
		{name: "5.5 working days passes the 95th percentile of 4.75: escalated",
			items: []Item{wip("A-1", nov(18, 0))},
			want:  []view{{Key: "aging:A-1", Level: "escalated", Who: []string{ana}, Numbers: nums(5.5)}}},
		{name: "started on Saturday: the weekend counts nothing, 2.5 working days, nothing",
			items: []Item{wip("A-1", nov(21, 0))}},
		{name: "an unassigned item past the SLE is flagged with nobody to mention",
			items: []Item{func() Item { it := wip("A-1", nov(19, 0)); it.Assignee = ""; return it }()},
			want:  []view{{Key: "aging:A-1", Level: "mention", Numbers: nums(4.5)}}},
		{name: "an item of an excluded type never nudges, however old",
			items:  []Item{func() Item { it := wip("A-1", nov(18, 0)); it.Type = "Epic"; return it }()},
			config: RulesConfig{ExcludeTypes: []string{"epic"}}},
		{name: "a delivered item does not age",
			items: []Item{wip("A-1", nov(18, 0), tr(nov(25, 0), "In Progress", "Done"))}},
		{name: "no item delivered in 90 days: no SLE, so no aging nudge even at 5.5 days",
			items: []Item{wip("A-1", nov(18, 0))}, noHistory: true},
		{name: "an SLE set to 2 days makes a 2.5-day item due; the escalation stays the history's 4.75",
			items:  []Item{wip("A-1", nov(23, 0))},
			config: RulesConfig{SLEDays: 2},
			want: []view{{Key: "aging:A-1", Level: "mention", Who: []string{ana},
				Numbers: map[string]float64{"age_days": 2.5, "sle_days": 2, "escalate_days": 4.75}}}},
	})
}

func TestRuleStalled(t *testing.T) {
	nums := func(idle float64) map[string]float64 {
		return map[string]float64{"idle_days": idle, "stalled_after_days": 5}
	}
	linked := openPR(7, nov(18, 0))
	linked.Title = "A-1: pay by card"
	linked.Updated = nov(24, 12)
	future := linked
	future.Updated = nov(26, 0)
	runRules(t, RuleStalled, []ruleCase{
		{name: "nothing since the start Wednesday 00:00, 5.5 working days: stalled, the assignee mentioned",
			items: []Item{wip("A-1", nov(18, 0))},
			want:  []view{{Key: "stalled:A-1", Level: "mention", Who: []string{ana}, Numbers: nums(5.5)}}},
		{name: "exactly 5 working days (Wednesday noon to Wednesday noon) is stalled",
			items: []Item{wip("A-1", nov(18, 12))},
			want:  []view{{Key: "stalled:A-1", Level: "mention", Who: []string{ana}, Numbers: nums(5)}}},
		{name: "3.5 working days idle is not stalled",
			items: []Item{wip("A-1", nov(20, 0))}},
		{name: "a status change Monday noon is activity: 2 days idle",
			items: []Item{wip("A-1", nov(18, 0), tr(nov(23, 12), "In Progress", "In Review"))}},
		{name: "a push to its pull request yesterday (updated_at) is activity",
			items: []Item{wip("A-1", nov(18, 0))}, prs: []PullRequest{linked}},
		{name: "a pull request updated after now is not activity as of now",
			items: []Item{wip("A-1", nov(18, 0))}, prs: []PullRequest{future},
			want: []view{{Key: "stalled:A-1", Level: "mention", Who: []string{ana}, Numbers: nums(5.5)}}},
		{name: "a review on its pull request Tuesday is activity",
			items: []Item{wip("A-1", nov(18, 0))},
			prs: []PullRequest{func() PullRequest {
				p := future
				p.Reviews = []Review{rv("ben", "COMMENTED", nov(24, 0))}
				return p
			}()}},
		{name: "a comment Monday noon is activity: 2 days idle",
			items: []Item{func() Item { it := wip("A-1", nov(18, 0)); it.Commented = nov(23, 12); return it }()}},
		{name: "a comment after now is not activity as of now",
			items: []Item{func() Item { it := wip("A-1", nov(18, 0)); it.Commented = nov(26, 0); return it }()},
			want:  []view{{Key: "stalled:A-1", Level: "mention", Who: []string{ana}, Numbers: nums(5.5)}}},
		{name: "a comment before the start does not restart the idle clock",
			items: []Item{func() Item { it := wip("A-1", nov(18, 0)); it.Commented = nov(17, 0); return it }()},
			want:  []view{{Key: "stalled:A-1", Level: "mention", Who: []string{ana}, Numbers: nums(5.5)}}},
		{name: "a flagged item is blocked, not stalled",
			items: []Item{func() Item { it := wip("A-1", nov(18, 0)); it.Flagged = []Span{{From: nov(18, 0)}}; return it }()}},
		{name: "stalled_after set to 3 days: 3.5 days idle stalls",
			items: []Item{wip("A-1", nov(20, 0))}, config: RulesConfig{StalledAfter: 3 * 24 * time.Hour},
			want: []view{{Key: "stalled:A-1", Level: "mention", Who: []string{ana},
				Numbers: map[string]float64{"idle_days": 3.5, "stalled_after_days": 3}}}},
	})
}

func TestRuleBlocked(t *testing.T) {
	nums := func(d float64) map[string]float64 {
		return map[string]float64{"blocked_days": d, "blocked_after_days": 2}
	}
	flagged := func(spans ...Span) Item {
		it := wip("A-1", nov(18, 0))
		it.Flagged = spans
		return it
	}
	linked := func(category string) Item {
		it := wip("A-1", nov(16, 0), tr(nov(20, 0), "In Progress", "In Review"))
		it.Links = []Link{{Type: "Blocks", Description: "is blocked by", Inward: true, Key: "OPS-9", OtherCategory: category}}
		return it
	}
	runRules(t, RuleBlocked, []ruleCase{
		{name: "flagged since Monday 00:00, 2.5 working days: blocked",
			items: []Item{flagged(Span{From: nov(23, 0)})},
			want:  []view{{Key: "blocked:A-1", Level: "mention", Who: []string{ana}, Numbers: nums(2.5)}}},
		{name: "flagged since Tuesday 00:00, 1.5 working days: not yet (2 by default)",
			items: []Item{flagged(Span{From: nov(24, 0)})}},
		{name: "a flag cleared before now does not block",
			items: []Item{flagged(Span{From: nov(18, 0), To: nov(20, 0)})}},
		{name: "a flag set after now does not block yet",
			items: []Item{flagged(Span{From: nov(26, 0)})}},
		{name: "in the Blocked status since Monday 00:00: 2.5 days",
			items: []Item{wip("A-1", nov(18, 0), tr(nov(23, 0), "In Progress", "Blocked"))},
			want:  []view{{Key: "blocked:A-1", Level: "mention", Who: []string{ana}, Numbers: nums(2.5)}}},
		{name: "a status named 'Blocked by vendor' is blocked by default, counted across the run of blocked statuses from Friday",
			items: []Item{wip("A-1", nov(18, 0), tr(nov(20, 0), "In Progress", "Blocked"), tr(nov(23, 0), "Blocked", "Blocked by vendor"))},
			want:  []view{{Key: "blocked:A-1", Level: "mention", Who: []string{ana}, Numbers: nums(3.5)}}},
		{name: "configured blocked statuses replace the default",
			items:  []Item{wip("A-1", nov(18, 0), tr(nov(23, 0), "In Progress", "Blocked"))},
			config: RulesConfig{BlockedStatuses: []string{"On Hold"}}},
		{name: "linked 'is blocked by' an open issue, started the Monday before but no move since Friday 00:00: 3.5 days",
			items: []Item{linked(CategoryIndeterminate)},
			want:  []view{{Key: "blocked:A-1", Level: "mention", Who: []string{ana}, Numbers: nums(3.5)}}},
		{name: "linked 'is blocked by' a done issue is not blocked",
			items: []Item{linked(CategoryDone)}},
		{name: "the longest-held condition counts: flagged since Thursday and Blocked since Monday is 4.5 days",
			items: []Item{func() Item {
				it := wip("A-1", nov(18, 0), tr(nov(23, 0), "In Progress", "Blocked"))
				it.Flagged = []Span{{From: nov(19, 0)}}
				return it
			}()},
			want: []view{{Key: "blocked:A-1", Level: "mention", Who: []string{ana}, Numbers: nums(4.5)}}},
		{name: "blocked_after set to 1 day: 1.5 days flagged fires",
			items:  []Item{flagged(Span{From: nov(24, 0)})},
			config: RulesConfig{BlockedAfter: 24 * time.Hour},
			want: []view{{Key: "blocked:A-1", Level: "mention", Who: []string{ana},
				Numbers: map[string]float64{"blocked_days": 1.5, "blocked_after_days": 1}}}},
	})
}

func TestRuleOversizedItem(t *testing.T) {
	estimated := func(points float64) Item {
		it := wip("A-1", nov(25, 0))
		it.Points, it.Estimated = points, true
		return it
	}
	noStages := Workflow{Statuses: rulesFlow().Statuses}
	runRules(t, RuleOversizedItem, []ruleCase{
		{name: "in Build (the first stage) 3.5 days, past the team's median 2.5: split it",
			items: []Item{wip("A-1", nov(20, 0))},
			want: []view{{Key: "oversized-item:A-1", Level: "mention", Who: []string{ana},
				Numbers: map[string]float64{"age_days": 3.5, "split_after_days": 2.5}}}},
		{name: "in Build exactly 2.5 days: not past the median",
			items: []Item{wip("A-1", nov(23, 0))}},
		{name: "in Review (not an early stage) 5.5 days: not this rule",
			items: []Item{wip("A-1", nov(18, 0), tr(nov(19, 0), "In Progress", "In Review"))}},
		{name: "estimated at 13 points over max_points 8, half a day old in Build: split it",
			items: []Item{estimated(13)}, config: RulesConfig{MaxPoints: 8},
			want: []view{{Key: "oversized-item:A-1", Level: "mention", Who: []string{ana},
				Numbers: map[string]float64{"age_days": 0.5, "points": 13, "max_points": 8}}}},
		{name: "an estimate at the limit (8 of 8) is not over it",
			items: []Item{estimated(8)}, config: RulesConfig{MaxPoints: 8}},
		{name: "without max_points the estimate is not checked",
			items: []Item{estimated(40)}},
		{name: "a team without stages has no early stage by default",
			items: []Item{wip("A-1", nov(20, 0))}, flow: &noStages},
		{name: "a team without stages names early statuses in early_stages",
			items: []Item{wip("A-1", nov(20, 0))}, flow: &noStages, config: RulesConfig{EarlyStages: []string{"in progress"}},
			want: []view{{Key: "oversized-item:A-1", Level: "mention", Who: []string{ana},
				Numbers: map[string]float64{"age_days": 3.5, "split_after_days": 2.5}}}},
	})
}

func TestRuleOversizedPR(t *testing.T) {
	sized := func(lines int, draft bool) PullRequest {
		p := openPR(1, nov(25, 0))
		p.Additions, p.Deletions, p.Draft = lines-100, 100, draft
		return p
	}
	runRules(t, RuleOversizedPR, []ruleCase{
		{name: "450 changed lines, over the default 400: the author, once",
			prs: []PullRequest{sized(450, false)},
			want: []view{{Key: "oversized-pr:acme/api#1", Level: "mention", Who: []string{"github:ana"},
				Numbers: map[string]float64{"lines": 450, "max_pr_lines": 400}}}},
		{name: "exactly 400 lines is not over", prs: []PullRequest{sized(400, false)}},
		{name: "max_pr_lines 1000: 450 is fine", prs: []PullRequest{sized(450, false)}, config: RulesConfig{MaxPRLines: 1000}},
		{name: "a draft of 900 lines never nudges", prs: []PullRequest{sized(900, true)}},
		{name: "a bot's 900-line PR never nudges", prs: []PullRequest{func() PullRequest {
			p := sized(900, false)
			p.Author = "dependabot[bot]"
			return p
		}()}},
		{name: "a 900-line PR into a release branch is not the default branch's", prs: []PullRequest{func() PullRequest {
			p := sized(900, false)
			p.BaseBranch = "release-1"
			return p
		}()}, config: RulesConfig{DefaultBranches: []string{"main"}}},
	})
}

// mergedHistory are two PRs merged in the 90 days with pickups of 0.25
// and 1.5 working days (Monday 00:00 ready, reviews Monday 06:00 and
// Tuesday 12:00): the 85th percentile (nearest rank, the 2nd) is 1.5.
func mergedHistory() []PullRequest {
	a := mergedPR(91, nov(2, 0), nov(6, 0), rv("ben", "APPROVED", nov(2, 6)))
	b := mergedPR(92, nov(2, 0), nov(6, 0), rv("ben", "APPROVED", nov(3, 12)))
	return []PullRequest{a, b}
}

func TestRuleReviewWaiting(t *testing.T) {
	waiting := func(d float64) view {
		return view{Key: "review-waiting:acme/api#1", Level: "mention", Who: []string{"github:ben"},
			Numbers: map[string]float64{"waiting_days": d, "pickup_days": 1}}
	}
	pr := func(ready time.Time, mod func(*PullRequest)) []PullRequest {
		p := openPR(1, ready)
		if mod != nil {
			mod(&p)
		}
		return []PullRequest{p}
	}
	runRules(t, RuleReviewWaiting, []ruleCase{
		{name: "ready Tuesday 00:00, ben requested, no review after 1.5 working days (floor 1): ben is mentioned",
			prs: pr(nov(24, 0), nil), want: []view{waiting(1.5)}},
		{name: "ready Wednesday 00:00, half a day: not yet",
			prs: pr(nov(25, 0), nil)},
		{name: "ready Friday noon: Friday half + Monday + Tuesday + Wednesday half is 3 working days",
			prs: pr(nov(20, 12), nil), want: []view{waiting(3)}},
		{name: "a draft never nudges",
			prs: pr(nov(24, 0), func(p *PullRequest) { p.Draft = true })},
		{name: "a bot's pull request never nudges",
			prs: pr(nov(24, 0), func(p *PullRequest) { p.Author = "renovate[bot]" })},
		{name: "a bot's review is not a review: still waiting",
			prs:  pr(nov(24, 0), func(p *PullRequest) { p.Reviews = []Review{rv("coderabbit[bot]", "COMMENTED", nov(24, 1))} }),
			want: []view{waiting(1.5)}},
		{name: "a human review ends the wait",
			prs: pr(nov(24, 0), func(p *PullRequest) { p.Reviews = []Review{rv("ben", "COMMENTED", nov(24, 1))} })},
		{name: "the author is never mentioned about their own pull request: nobody else requested, no nudge",
			prs: pr(nov(24, 0), func(p *PullRequest) { p.RequestedReviewers = []string{"ANA", "dependabot[bot]"} })},
		{name: "nobody requested: no nudge",
			prs: pr(nov(24, 0), func(p *PullRequest) { p.RequestedReviewers = nil })},
		{name: "merged: no nudge",
			prs: pr(nov(24, 0), func(p *PullRequest) { p.Merged, p.Closed = nov(25, 0), nov(25, 0) })},
		{name: "the team's 85th percentile pickup of 1.5 days raises the threshold: 1.25 days (Tuesday 06:00) is not yet",
			prs: append(pr(nov(24, 6), nil), mergedHistory()...)},
		{name: "with the 1.5-day pickup, 1.75 days (Monday 18:00) nudges",
			prs: append(pr(nov(23, 18), nil), mergedHistory()...),
			want: []view{{Key: "review-waiting:acme/api#1", Level: "mention", Who: []string{"github:ben"},
				Numbers: map[string]float64{"waiting_days": 1.75, "pickup_days": 1.5}}}},
	})
}

func TestRuleReviewLong(t *testing.T) {
	long := func(who string, d float64) []view {
		return []view{{Key: "review-long:acme/api#1", Level: "mention", Who: []string{"github:" + who},
			Numbers: map[string]float64{"in_review_days": d, "review_days": 1}}}
	}
	pr := func(requested []string, reviews ...Review) []PullRequest {
		p := openPR(1, nov(20, 0), reviews...)
		p.RequestedReviewers = requested
		return []PullRequest{p}
	}
	runRules(t, RuleReviewLong, []ruleCase{
		{name: "commented Monday 00:00, not approved 2.5 days later: the reviewer holds the ball",
			prs: pr(nil, rv("ben", "COMMENTED", nov(23, 0))), want: long("ben", 2.5)},
		{name: "changes requested Monday and not requested again: the author holds the ball",
			prs: pr(nil, rv("ben", "CHANGES_REQUESTED", nov(23, 0))), want: long("ana", 2.5)},
		{name: "changes requested, then ben's review requested again: ben holds the ball",
			prs: pr([]string{"ben"}, rv("ben", "CHANGES_REQUESTED", nov(23, 0))), want: long("ben", 2.5)},
		{name: "the first review half a day ago: not yet",
			prs: pr(nil, rv("ben", "COMMENTED", nov(25, 0)))},
		{name: "approved: not in review any more",
			prs: pr(nil, rv("ben", "APPROVED", nov(23, 0)))},
		{name: "approved by cy but changes requested by ben: not approved, and the author holds the ball",
			prs: pr(nil, rv("cy", "APPROVED", nov(23, 0)), rv("ben", "CHANGES_REQUESTED", nov(23, 6))), want: long("ana", 2.5)},
		{name: "an approval dismissed: back in review",
			prs: pr(nil, rv("ben", "APPROVED", nov(23, 0)), rv("ben", "DISMISSED", nov(23, 6))), want: long("ben", 2.5)},
		{name: "the author's own comment is not a review",
			prs: pr(nil, rv("ana", "COMMENTED", nov(23, 0)))},
	})
}

func TestRuleApprovedNotMerged(t *testing.T) {
	approved := func(d float64) []view {
		return []view{{Key: "approved-not-merged:acme/api#1", Level: "mention", Who: []string{"github:ana"},
			Numbers: map[string]float64{"approved_days": d}}}
	}
	pr := func(reviews ...Review) []PullRequest {
		p := openPR(1, nov(20, 0), reviews...)
		p.RequestedReviewers = nil
		return []PullRequest{p}
	}
	runRules(t, RuleApprovedNotMerged, []ruleCase{
		{name: "approved Monday 00:00 and not merged 2.5 working days later: the author",
			prs: pr(rv("ben", "APPROVED", nov(23, 0))), want: approved(2.5)},
		{name: "approved half a day ago: not yet",
			prs: pr(rv("ben", "APPROVED", nov(25, 0)))},
		{name: "changes requested Friday, approved Tuesday 00:00: approved since Tuesday, 1.5 days",
			prs: pr(rv("ben", "CHANGES_REQUESTED", nov(20, 6)), rv("ben", "APPROVED", nov(24, 0))), want: approved(1.5)},
		{name: "the approver's later comment does not undo the approval",
			prs: pr(rv("ben", "APPROVED", nov(23, 0)), rv("ben", "COMMENTED", nov(24, 0))), want: approved(2.5)},
		{name: "an approval submitted after now does not count yet",
			prs: pr(rv("ben", "APPROVED", nov(26, 0)))},
		{name: "merged before now: nothing",
			prs: func() []PullRequest {
				p := pr(rv("ben", "APPROVED", nov(23, 0)))
				p[0].Merged, p[0].Closed = nov(24, 0), nov(24, 0)
				return p
			}()},
	})
}

func TestRuleWIPOverLimit(t *testing.T) {
	three := []Item{wip("W-1", nov(25, 0)), wip("W-2", nov(25, 0)),
		wip("W-3", nov(24, 0), tr(nov(24, 6), "In Progress", "Ready for Review"))}
	over := map[string]bool{SubjectTeam: true}
	runRules(t, RuleWIPOverLimit, []ruleCase{
		{name: "3 in progress over a team limit of 2, under it before: on crossing, nobody mentioned",
			items: three, config: RulesConfig{WIPLimit: 2},
			want: []view{{Key: "wip-over-limit:team", Level: "quiet", Numbers: map[string]float64{"wip": 3, "limit": 2}}}},
		{name: "still over, and over before: nothing",
			items: three, config: RulesConfig{WIPLimit: 2}, previous: RulesState{WIPOver: over}},
		{name: "back to 2 of 2 after being over: once on recovery",
			items: three[:2], config: RulesConfig{WIPLimit: 2}, previous: RulesState{WIPOver: over},
			want: []view{{Key: "wip-over-limit:team", Level: "quiet", Numbers: map[string]float64{"wip": 2, "limit": 2}}}},
		{name: "no limit: nothing",
			items: three},
		{name: "Build holds 2 over its stage limit of 1: Build crosses; Review's 1 of 1 is fine",
			items: three, config: RulesConfig{StageWIPLimits: map[string]int{"Build": 1, "Review": 1}},
			want: []view{{Key: "wip-over-limit:Build", Level: "quiet", Numbers: map[string]float64{"wip": 2, "limit": 1}}}},
		{name: "an excluded type does not count toward WIP",
			items:  append([]Item{func() Item { it := wip("E-1", nov(25, 0)); it.Type = "Epic"; return it }()}, three[:2]...),
			config: RulesConfig{WIPLimit: 2, ExcludeTypes: []string{"Epic"}}},
	})
}

// bottleneckItems: two items delivered in the last two weeks, one that
// waited 2 days in Review (Ready for Review) and one that waited 1 day in
// Build (Blocked), and Q-1 waiting in Ready for Review since Monday
// 00:00 (queue age 2.5).
func bottleneckItems() []Item {
	return []Item{
		wip("B-1", nov(16, 0), tr(nov(17, 0), "In Progress", "Ready for Review"),
			tr(nov(19, 0), "Ready for Review", "In Review"), tr(nov(20, 0), "In Review", "Done")),
		wip("B-2", nov(16, 0), tr(nov(17, 0), "In Progress", "Blocked"),
			tr(nov(18, 0), "Blocked", "In Progress"), tr(nov(19, 0), "In Progress", "Done")),
		wip("Q-1", nov(20, 0), tr(nov(23, 0), "In Progress", "Ready for Review")),
	}
}

func TestRuleBottleneck(t *testing.T) {
	// Wait: Review 2 days, Build 1: Review has 2/3 of it, median wait 2,
	// one item queued now for 2.5 days.
	nums := map[string]float64{"wait_share": 2.0 / 3, "median_wait_days": 2, "queued": 1, "queue_age_days": 2.5}
	withPrev := func(m map[string]float64, prev float64) map[string]float64 {
		out := map[string]float64{"previous_queue_age_days": prev}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	runRules(t, RuleBottleneck, []ruleCase{
		{name: "no checkpoint yet: the first reading is recorded, not announced",
			items: bottleneckItems()},
		{name: "the bottleneck moved from Build to Review: announced with the evidence",
			items: bottleneckItems(), previous: RulesState{Bottleneck: BottleneckState{Stage: "Build", Since: nov(20, 0)}},
			want: []view{{Key: "bottleneck:Review", Level: "quiet", Numbers: nums}}},
		{name: "Review for 15 days while its queue age rose from 0.5 to 2.5: announced",
			items:    bottleneckItems(),
			previous: RulesState{Bottleneck: BottleneckState{Stage: "Review", Since: nov(10, 12), QueueAgeDays: 0.5}},
			want:     []view{{Key: "bottleneck:Review", Level: "quiet", Numbers: withPrev(nums, 0.5)}}},
		{name: "Review for 15 days but its queue is younger than at the checkpoint: nothing",
			items:    bottleneckItems(),
			previous: RulesState{Bottleneck: BottleneckState{Stage: "Review", Since: nov(10, 12), QueueAgeDays: 3}}},
		{name: "Review for 10 days with a rising queue: not 2 weeks yet",
			items:    bottleneckItems(),
			previous: RulesState{Bottleneck: BottleneckState{Stage: "Review", Since: nov(15, 12), QueueAgeDays: 0.5}}},
	})
}

func TestObserve(t *testing.T) {
	in := func(prev BottleneckState, limit int) RulesInput {
		return RulesInput{Workflow: rulesFlow(), Items: bottleneckItems(), Config: RulesConfig{WIPLimit: limit},
			Previous: RulesState{Bottleneck: prev}}
	}
	now := BottleneckState{Stage: "Review", Since: rnow, QueueAgeDays: 2.5}
	tests := []struct {
		name string
		in   RulesInput
		want RulesState
	}{
		{name: "a first reading becomes the checkpoint; 1 in progress under a limit of 1 is not over",
			in: in(BottleneckState{}, 1), want: RulesState{WIPOver: map[string]bool{}, Bottleneck: now}},
		{name: "a change of stage moves the checkpoint to now; a limit of 0 is no limit",
			in: in(BottleneckState{Stage: "Build", Since: nov(20, 0)}, 0), want: RulesState{WIPOver: map[string]bool{}, Bottleneck: now}},
		{name: "the same stage within 2 weeks keeps the checkpoint",
			in:   in(BottleneckState{Stage: "Review", Since: nov(15, 12), QueueAgeDays: 0.5}, 0),
			want: RulesState{WIPOver: map[string]bool{}, Bottleneck: BottleneckState{Stage: "Review", Since: nov(15, 12), QueueAgeDays: 0.5}}},
		{name: "the same stage after 2 weeks moves the checkpoint, so 'stays' fires once per 2 weeks",
			in:   in(BottleneckState{Stage: "Review", Since: nov(10, 12), QueueAgeDays: 0.5}, 0),
			want: RulesState{WIPOver: map[string]bool{}, Bottleneck: now}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Observe(tt.in, rnow)
			if diff := cmp.Diff(got, tt.want, approx); diff != "" {
				t.Errorf("Observe (-got +want):\n%s", diff)
			}
		})
	}
	t.Run("a team over its limit is remembered as over", func(t *testing.T) {
		r := in(BottleneckState{}, 0)
		r.Items = append(r.Items, wip("W-1", nov(25, 0)))
		r.Config.WIPLimit = 1
		got := Observe(r, rnow).WIPOver
		if diff := cmp.Diff(got, map[string]bool{SubjectTeam: true}); diff != "" {
			t.Errorf("WIPOver (-got +want):\n%s", diff)
		}
	})
}

// TestNudgeWording pins the reason and advice of one nudge per item rule:
// stalled, blocked and aging are named apart with different advice.
func TestNudgeWording(t *testing.T) {
	flagged := wip("F-1", nov(25, 0))
	flagged.Flagged = []Span{{From: nov(20, 0)}}
	in := RulesInput{Workflow: rulesFlow(), Items: append(rulesHistory(),
		wip("A-1", nov(19, 0), tr(nov(24, 0), "In Progress", "In Review")), wip("S-1", nov(18, 0), tr(nov(18, 6), "In Progress", "In Review")), flagged)}
	type words struct{ Key, Why, Advice string }
	var got []words
	for _, n := range Evaluate(in, rnow) {
		if n.Rule == RuleAging || n.Rule == RuleStalled || n.Rule == RuleBlocked {
			got = append(got, words{n.Key, n.Why, n.Advice})
		}
	}
	want := []words{
		{"aging:A-1", "A-1 has been in progress 4.5 working days (now in Review); 85% of your items finish within 4.2.",
			"Finish it before starting anything new: swarm or pair on it. What would it take to finish it today?"},
		{"aging:S-1", "S-1 has been in progress 5.5 working days (now in Review); 85% of your items finish within 4.2.",
			"Finish it before starting anything new: swarm or pair on it. What would it take to finish it today?"},
		{"stalled:S-1", "Nothing has happened on S-1 for 5.2 working days (in In Review).",
			"Is anyone still working on it? Move it, pick it up, or send it back to the backlog so the board tells the truth."},
		{"blocked:F-1", "F-1 has been blocked for 3.5 working days (in In Progress).",
			"Say what it waits for and who can unblock it today; if nobody can, put it aside and pull other work."},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("wording (-got +want):\n%s", diff)
	}
}

func TestEvaluateDisabledAndOrder(t *testing.T) {
	in := RulesInput{Workflow: rulesFlow(), Items: append(rulesHistory(), wip("Z-1", nov(18, 0)), wip("A-1", nov(18, 0))),
		Config: RulesConfig{Disabled: []Rule{RuleStalled}}}
	var got []string
	for _, n := range Evaluate(in, rnow) {
		got = append(got, n.Key)
	}
	want := []string{"aging:A-1", "aging:Z-1", "oversized-item:A-1", "oversized-item:Z-1"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("keys (-got +want):\n%s", diff)
	}
}
