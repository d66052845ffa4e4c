package coach

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// dt0 is Monday 2026-11-02 00:00 UTC, the start of the delivery fixtures.
var dt0 = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// at is hour h of day d after dt0.
func at(d, h float64) time.Time {
	return dt0.Add(time.Duration((d*24 + h) * float64(time.Hour)))
}

func rv(author, state string, when time.Time) Review {
	return Review{Author: author, State: state, Submitted: when}
}

// mergedPR is a pull request by ana into main, opened ready at created.
func mergedPR(n int, created, merged time.Time, reviews ...Review) PullRequest {
	return PullRequest{Repo: "acme/api", Number: n, Title: "change", Author: "ana", State: "closed", BaseBranch: "main",
		Created: created, Ready: created, Merged: merged, Closed: merged, FirstCommit: created.Add(-10 * time.Hour),
		MergeCommitSHA: sha(n), Reviews: reviews, Additions: 100, Deletions: 20}
}

// sha is a 40-digit fake SHA for PR n, unique in its first 7 digits.
func sha(n int) string {
	return fmt.Sprintf("%07x", n) + strings.Repeat("a", 33)
}

func prodDeploy(id int64, deployedSHA string, when time.Time, commits ...string) Deployment {
	return Deployment{Repo: "acme/api", ID: id, Source: DeploymentSourceAPI, Environment: "production", SHA: deployedSHA,
		Created: when.Add(-time.Minute), Succeeded: when, Commits: commits, HasCommits: commits != nil}
}

// spans is PRTimes in a comparable form: nil is a missing span.
type spans struct {
	Coding, Draft, Pickup, Review, Merge, Deploy *float64
	Negative                                     []string
}

func hours(v float64) *float64 { return &v }

func spansOf(t PRTimes) spans {
	h := func(x Hours) *float64 {
		if !x.OK {
			return nil
		}
		return &x.Hours
	}
	return spans{h(t.Coding), h(t.Draft), h(t.Pickup), h(t.Review), h(t.Merge), h(t.Deploy), t.Negative}
}

func TestPRTimes(t *testing.T) {
	o := DeliveryOptions{Bots: []string{"renovate"}}
	tests := []struct {
		name   string
		pr     func() PullRequest
		deploy []Deployment
		want   spans
	}{
		{
			// Ready at 0 (opened ready), first commit 10 h before. The bot's
			// comment (1 h) and the author's own review (2 h) are not
			// pickup; the human comment at 4 h is. Last approval at 6 h,
			// merge at 8 h, deployed at 20 h.
			name: "bot and author reviews are not pickup",
			pr: func() PullRequest {
				return mergedPR(1, at(0, 0), at(0, 8),
					Review{Author: "ci-bot", AuthorIsBot: true, State: "COMMENTED", Submitted: at(0, 1)},
					rv("ANA", "COMMENTED", at(0, 2)), rv("bob", "COMMENTED", at(0, 4)), rv("bob", "APPROVED", at(0, 6)))
			},
			deploy: []Deployment{prodDeploy(1, sha(1), at(0, 20))},
			want:   spans{Coding: hours(10), Pickup: hours(4), Review: hours(2), Merge: hours(2), Deploy: hours(12)},
		},
		{
			// Opened as draft at 0, ready at 24 h: draft 24, coding runs
			// from the first commit (-10 h) to ready: 34. Pickup counts
			// from ready, not creation: 30 - 24 = 6. The one approval is
			// both first review and last approval: review 0. Merge 1.
			name: "a draft does not inflate pickup",
			pr: func() PullRequest {
				pr := mergedPR(2, at(0, 0), at(0, 31), rv("bob", "APPROVED", at(0, 30)))
				pr.Ready = at(0, 24)
				return pr
			},
			want: spans{Coding: hours(34), Draft: hours(24), Pickup: hours(6), Review: hours(0), Merge: hours(1)},
		},
		{
			// Changes requested at 5 h, never approved: review runs to the
			// merge at 9 h; no merge span.
			name: "never approved: review runs to the merge",
			pr: func() PullRequest {
				return mergedPR(3, at(0, 0), at(0, 9), rv("bob", "CHANGES_REQUESTED", at(0, 5)))
			},
			want: spans{Coding: hours(10), Pickup: hours(5), Review: hours(4)},
		},
		{
			// A dismissed approval was a review (pickup at 2 h) but is no
			// approval; the extra bot login's approval counts for nothing.
			name: "dismissed counts as review, not approval; listed bots ignored",
			pr: func() PullRequest {
				return mergedPR(4, at(0, 0), at(0, 9), rv("bob", "DISMISSED", at(0, 2)), rv("Renovate", "APPROVED", at(0, 3)))
			},
			want: spans{Coding: hours(10), Pickup: hours(2), Review: hours(7)},
		},
		{
			name: "reviews after the merge do not count",
			pr: func() PullRequest {
				return mergedPR(5, at(0, 0), at(0, 9), rv("bob", "APPROVED", at(0, 10)))
			},
			want: spans{Coding: hours(10)},
		},
		{
			// The first commit is stamped 2 h after ready (clock skew):
			// clamped to 0 and counted; so is a deployment stamped before
			// the merge.
			name: "negative spans are clamped and named",
			pr: func() PullRequest {
				pr := mergedPR(6, at(0, 0), at(0, 9), rv("bob", "APPROVED", at(0, 4)))
				pr.FirstCommit = at(0, 2)
				return pr
			},
			deploy: []Deployment{prodDeploy(1, sha(6), at(0, 8))},
			want:   spans{Coding: hours(0), Pickup: hours(4), Review: hours(0), Merge: hours(5), Deploy: hours(0), Negative: []string{"coding", "deploy"}},
		},
		{
			name: "no first commit and no ready time leave their spans missing",
			pr: func() PullRequest {
				pr := mergedPR(7, at(0, 0), at(0, 9), rv("bob", "APPROVED", at(0, 4)))
				pr.FirstCommit, pr.Ready = time.Time{}, time.Time{}
				return pr
			},
			want: spans{Review: hours(0), Merge: hours(5)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := tt.pr()
			ships := newShipIndex([]PullRequest{pr}, tt.deploy, o, at(30, 0))
			got := spansOf(o.prTimes(&pr, ships, at(30, 0)))
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("spans (-got +want):\n%s", diff)
			}
		})
	}
}

func TestPRTimesWorkingTime(t *testing.T) {
	// Ready Friday 2026-11-06 12:00, first review Monday 12:00: 72 h of
	// calendar time, 24 h of working time (Friday 12 h + Monday 12 h).
	weekdays := [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	o := DeliveryOptions{Clock: Calendar{Location: time.UTC, Workdays: weekdays}.Clock()}
	pr := mergedPR(1, at(4, 12), at(7, 13), rv("bob", "APPROVED", at(7, 12)))
	got := o.prTimes(&pr, nil, at(30, 0))
	if !got.Pickup.OK || got.Pickup.Hours != 24 {
		t.Errorf("working-time pickup = %+v, want 24 hours", got.Pickup)
	}
}

func TestPRsReport(t *testing.T) {
	o := DeliveryOptions{DefaultBranches: []string{"main"}, MaxPRLines: 400}
	win := Window{From: at(0, 0), To: at(14, 0)}
	big := mergedPR(3, at(2, 0), at(2, 5), rv("bob", "APPROVED", at(2, 3)))
	big.Additions, big.Deletions = 400, 1 // 401 > 400
	exact := mergedPR(4, at(3, 0), at(3, 8))
	exact.Additions, exact.Deletions = 300, 100 // 400 is not over
	bot := mergedPR(5, at(1, 0), at(1, 1))
	bot.Author = "dependabot[bot]"
	other := mergedPR(6, at(1, 0), at(1, 1))
	other.BaseBranch = "release"
	abandoned := mergedPR(7, at(1, 0), time.Time{})
	abandoned.Closed = at(1, 2)
	before := mergedPR(8, at(-5, 0), at(-4, 0))
	open := mergedPR(9, at(5, 0), time.Time{})
	open.Closed = time.Time{}
	prs := []PullRequest{
		// Pickup 2 h, review 1 h (2 -> 3), merge 1 h; deployed 4 h after merge.
		mergedPR(1, at(0, 0), at(0, 4), rv("bob", "COMMENTED", at(0, 2)), rv("bob", "APPROVED", at(0, 3))),
		// Pickup 6 h, review 0, merge 2 h; not deployed.
		mergedPR(2, at(1, 0), at(1, 8), rv("cy", "APPROVED", at(1, 6))),
		big,   // pickup 3, review 0, merge 2
		exact, // merged without review
		bot, other, abandoned, before, open,
	}
	deps := []Deployment{prodDeploy(10, sha(1), at(0, 8))}
	r := PRs(prs, deps, o, win)

	var merged []string
	for _, p := range r.PRs {
		merged = append(merged, refOf(*p.PR).String())
	}
	type summary struct {
		Merged                              []string
		Pickup, Review, Merge, Deploy, Size Dist
		OverSizeLimit                       float64
		WithoutReview, Bots, Abandoned      []PRRef
		OtherBase                           int
		Missing                             map[string]int
	}
	got := summary{merged, r.Pickup, r.Review, r.Merge, r.Deploy, r.Size, r.OverSizeLimit,
		r.MergedWithoutReview, r.BotPRs, r.Abandoned, r.OtherBase, r.Missing}
	want := summary{
		Merged: []string{"acme/api#1", "acme/api#2", "acme/api#3", "acme/api#4"},
		// Pickups 2, 6, 3: p50 = 2nd = 3, p85 = ceil(2.55) = 3rd = 6.
		Pickup: Dist{N: 3, P50: 3, P85: 6},
		// Reviews 1, 0, 0: p50 = 0, p85 = 1.
		Review: Dist{N: 3, P50: 0, P85: 1},
		// Merges 1, 2, 2.
		Merge:  Dist{N: 3, P50: 2, P85: 2},
		Deploy: Dist{N: 1, P50: 4, P85: 4},
		// Sizes 120, 120, 401, 400: p50 = 2nd = 120, p85 = 4th = 401.
		Size:          Dist{N: 4, P50: 120, P85: 401},
		OverSizeLimit: 0.25,
		WithoutReview: []PRRef{{"acme/api", 4, "change"}},
		Bots:          []PRRef{{"acme/api", 5, "change"}},
		Abandoned:     []PRRef{{"acme/api", 7, "change"}},
		OtherBase:     1,
		Missing:       map[string]int{"not_approved": 1, "not_deployed": 3},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("PRs report (-got +want):\n%s", diff)
	}
}

func TestPRsEmpty(t *testing.T) {
	r := PRs(nil, nil, DeliveryOptions{}, Window{From: at(0, 0), To: at(7, 0)})
	if r.Pickup.OK() || len(r.PRs) != 0 || r.OverSizeLimit != 0 || r.MaxPRLines != DefaultMaxPRLines {
		t.Errorf("empty report = %+v, want no values and max 400", r)
	}
}

func TestIsBot(t *testing.T) {
	o := DeliveryOptions{Bots: []string{"deploy-robot"}}
	tests := []struct {
		name  string
		login string
		isBot bool
		want  bool
	}{
		{"marked by GitHub", "renovate", true, true},
		{"[bot] suffix", "dependabot[bot]", false, true},
		{"[bot] suffix any case", "Copilot[BOT]", false, true},
		{"listed login any case", "Deploy-Robot", false, true},
		{"a human", "ana", false, false},
		{"bot in the middle is human", "abbot", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := o.IsBot(tt.login, tt.isBot); got != tt.want {
				t.Errorf("IsBot(%q, %v) = %v, want %v", tt.login, tt.isBot, got, tt.want)
			}
		})
	}
}
