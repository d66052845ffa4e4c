package coach

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DeliveryOptions are a team's settings for the delivery metrics (pull
// requests, DORA, item timelines); docs/metrics.md names the
// defaults that a zero field stands for.
type DeliveryOptions struct {
	// DefaultBranches are the base branches that count as the default
	// branch; empty: every base branch counts.
	DefaultBranches []string
	// Bots are extra bot logins, besides those GitHub marks as bots and
	// logins ending in [bot]; compared case-insensitively.
	Bots []string
	// Production matches the names of production environments; nil:
	// (?i)^prod.
	Production *regexp.Regexp
	// Hotfix matches the head branch or title of hotfix pull requests; nil:
	// none are hotfixes.
	Hotfix *regexp.Regexp
	// AttributionWindow is how long before a failure a deployment of the
	// same repository may be blamed for it; 0: 48 hours.
	AttributionWindow time.Duration
	// MaxPRLines is the size above which a pull request is too big; 0: 400.
	MaxPRLines int
	// Repos are the team's repositories, reported even without data.
	Repos []string
	// Location is the team's time zone; nil: UTC.
	Location *time.Location
	// Clock measures a span; nil: CalendarTime. WorkingTime gives
	// working time.
	Clock Clock
}

// Defaults of DeliveryOptions.
const (
	DefaultMaxPRLines        = 400
	DefaultAttributionWindow = 48 * time.Hour
)

var defaultProduction = regexp.MustCompile(`(?i)^prod`)

func (o DeliveryOptions) production() *regexp.Regexp {
	if o.Production == nil {
		return defaultProduction
	}
	return o.Production
}

func (o DeliveryOptions) maxPRLines() int {
	if o.MaxPRLines <= 0 {
		return DefaultMaxPRLines
	}
	return o.MaxPRLines
}

func (o DeliveryOptions) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

// IsBot reports whether a login is a bot's: GitHub marked it (isBot), it
// ends in [bot], or it is one of the extra bot logins.
func (o DeliveryOptions) IsBot(login string, isBot bool) bool {
	if isBot || strings.HasSuffix(strings.ToLower(login), "[bot]") {
		return true
	}
	return containsFold(o.Bots, login)
}

// onDefaultBranch reports whether pr's base is a default branch.
func (o DeliveryOptions) onDefaultBranch(pr PullRequest) bool {
	return len(o.DefaultBranches) == 0 || slices.Contains(o.DefaultBranches, pr.BaseBranch)
}

// span measures from -> to; a negative span is clamped to zero and
// reported as such.
func (o DeliveryOptions) span(from, to time.Time) (d time.Duration, negative bool) {
	if to.Before(from) {
		return 0, true
	}
	if o.Clock == nil {
		return to.Sub(from), false
	}
	return o.Clock(from, to), false
}

// PRRef names one pull request.
type PRRef struct {
	Repo   string
	Number int
	Title  string
}

func refOf(pr PullRequest) PRRef { return PRRef{Repo: pr.Repo, Number: pr.Number, Title: pr.Title} }

// String is owner/name#N.
func (r PRRef) String() string { return r.Repo + "#" + strconv.Itoa(r.Number) }

// NegativeSpan is one span clamped to zero.
type NegativeSpan struct {
	PR   PRRef
	Span string // coding, draft, pickup, review, merge, deploy or lead_time
}

// Hours is an optional duration in hours.
type Hours struct {
	Hours float64
	OK    bool
}

// PRTimes is one pull request's flow.
type PRTimes struct {
	PR           *PullRequest // the report's input, not a copy
	Ready        time.Time    // zero: unknown
	FirstReview  time.Time    // zero: no review at or before the merge (or now)
	LastApproval time.Time    // zero: not approved
	Deployment   *Deployment
	// Coding, Draft, Pickup, Review, Merge and Deploy are the spans of
	// docs/metrics.md; each is missing (OK false) when its ends
	// are unknown. Draft is missing for pull requests opened ready.
	Coding, Draft, Pickup, Review, Merge, Deploy Hours
	Negative                                     []string // names of spans clamped to zero
}

// reviewed reports whether r is a review in the sense of the pull-request
// metrics: submitted by a human other than the author.
func (o DeliveryOptions) reviewed(pr PullRequest, r Review) bool {
	switch r.State {
	case "APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED":
	default:
		return false
	}
	return !o.IsBot(r.Author, r.AuthorIsBot) && !strings.EqualFold(r.Author, pr.Author)
}

// prTimes reads one pull request as of now. ship is the repository's
// deployment index (nil: no deployments known).
func (o DeliveryOptions) prTimes(pr *PullRequest, ships *shipIndex, now time.Time) PRTimes {
	t := PRTimes{PR: pr, Ready: pr.Ready}
	if t.Ready.After(now) {
		t.Ready = time.Time{}
	}
	end := now // reviews count up to the merge, or now while open
	if !pr.Merged.IsZero() && pr.Merged.Before(now) {
		end = pr.Merged
	}
	for _, r := range pr.Reviews {
		if r.Submitted.After(end) || !o.reviewed(*pr, r) {
			continue
		}
		if t.FirstReview.IsZero() || r.Submitted.Before(t.FirstReview) {
			t.FirstReview = r.Submitted
		}
		if r.State == "APPROVED" && r.Submitted.After(t.LastApproval) {
			t.LastApproval = r.Submitted
		}
	}
	measure := func(name string, from, to time.Time) Hours {
		d, neg := o.span(from, to)
		if neg {
			t.Negative = append(t.Negative, name)
		}
		return Hours{Hours: d.Hours(), OK: true}
	}
	merged := !pr.Merged.IsZero() && pr.Merged.Before(now)
	if !t.Ready.IsZero() {
		if !pr.FirstCommit.IsZero() {
			t.Coding = measure("coding", pr.FirstCommit, t.Ready)
		}
		if t.Ready.After(pr.Created) {
			t.Draft = measure("draft", pr.Created, t.Ready)
		}
		if !t.FirstReview.IsZero() {
			t.Pickup = measure("pickup", t.Ready, t.FirstReview)
		}
	}
	if !t.FirstReview.IsZero() {
		switch {
		case !t.LastApproval.IsZero():
			t.Review = measure("review", t.FirstReview, t.LastApproval)
		case merged:
			t.Review = measure("review", t.FirstReview, pr.Merged)
		}
	}
	if merged && !t.LastApproval.IsZero() {
		t.Merge = measure("merge", t.LastApproval, pr.Merged)
	}
	// A merge-proxy repository has no deployments: no deploy span.
	if merged && ships != nil && ships.source(pr.Repo) != SourceMergeProxy {
		if d := ships.carrier(*pr); d != nil {
			t.Deployment = d
			t.Deploy = measure("deploy", pr.Merged, d.Succeeded)
		}
	}
	return t
}

// Dist is the distribution of one duration or size over some pull
// requests. P50 and P85 mean something only when N > 0.
type Dist struct {
	N        int
	P50, P85 float64
}

// OK reports whether the distribution has any value.
func (d Dist) OK() bool { return d.N > 0 }

func distOf(values []float64) Dist {
	if len(values) == 0 {
		return Dist{}
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return Dist{N: len(sorted), P50: nearestRank(sorted, 50), P85: nearestRank(sorted, 85)}
}

// PRReport is the pull-request flow of a window.
type PRReport struct {
	Window Window
	// PRs are the merged pull requests timed, by merge time.
	PRs []PRTimes
	// Coding, Draft, Pickup, Review, Merge and Deploy are in hours, Size
	// in lines.
	Coding, Draft, Pickup, Review, Merge, Deploy, Size Dist
	// OverSizeLimit is the share (0-1) of PRs over MaxPRLines; meaningful
	// only when PRs is not empty.
	OverSizeLimit       float64
	MaxPRLines          int
	MergedWithoutReview []PRRef
	BotPRs              []PRRef // merged bot-authored PRs, left out
	Abandoned           []PRRef // closed unmerged in the window
	OtherBase           int     // merged into other branches, left out
	NegativeSpans       []NegativeSpan
	// Missing counts, by reason, the spans left out of a distribution.
	Missing map[string]int
}

// PRs reports the flow of the pull requests merged into the default
// branch in win (docs/metrics.md, "Pull-request flow"), as of
// win.To. deployments are every deployment known; the production ones are
// picked here.
func PRs(prs []PullRequest, deployments []Deployment, o DeliveryOptions, win Window) PRReport {
	return prsWith(newShipIndex(prs, deployments, o, win.To), prs, o, win)
}

// PRsAndDORA is PRs and DORA over one window, from one index of which
// deployment carried which pull request: building it reads every pull
// request, and comparing periods needs both reports of each.
func PRsAndDORA(prs []PullRequest, deployments []Deployment, incidents []Item, o DeliveryOptions, win Window) (PRReport, DORAReport) {
	ships := newShipIndex(prs, deployments, o, win.To)
	return prsWith(ships, prs, o, win), doraWith(ships, prs, incidents, o, win)
}

// prsWith is PRs with the index built; the index is only read.
func prsWith(ships *shipIndex, prs []PullRequest, o DeliveryOptions, win Window) PRReport {
	now := win.To
	r := PRReport{Window: win, MaxPRLines: o.maxPRLines(), Missing: map[string]int{}}
	var coding, draft, pickup, review, merge, deploy, size []float64
	over := 0
	// The window's PRs are picked before they are sorted: a stable sort of
	// them keeps the order sorting every PR would, at a fraction of it.
	inWindow := func(pr *PullRequest) (merged, abandoned bool) {
		merged = !pr.Merged.IsZero() && win.Contains(pr.Merged)
		abandoned = pr.Merged.IsZero() && !pr.Closed.IsZero() && win.Contains(pr.Closed)
		return merged, abandoned
	}
	var picked []*PullRequest
	for i := range prs {
		if m, a := inWindow(&prs[i]); m || a {
			picked = append(picked, &prs[i])
		}
	}
	if len(picked) > 0 {
		r.PRs = make([]PRTimes, 0, len(picked))
		size = make([]float64, 0, len(picked))
	}
	for _, p := range sortedPRs(picked) {
		pr := *p
		merged, abandoned := inWindow(&pr)
		if !merged && !abandoned {
			continue
		}
		if !o.onDefaultBranch(pr) {
			if merged {
				r.OtherBase++
			}
			continue
		}
		if o.IsBot(pr.Author, pr.AuthorIsBot) {
			if merged {
				r.BotPRs = append(r.BotPRs, refOf(pr))
			}
			continue
		}
		if abandoned {
			r.Abandoned = append(r.Abandoned, refOf(pr))
			continue
		}
		t := o.prTimes(p, ships, now)
		r.PRs = append(r.PRs, t)
		for _, name := range t.Negative {
			r.NegativeSpans = append(r.NegativeSpans, NegativeSpan{PR: refOf(pr), Span: name})
		}
		s := pr.Additions + pr.Deletions
		size = append(size, float64(s))
		if s > r.MaxPRLines {
			over++
		}
		add := func(values *[]float64, h Hours, reason string) {
			if h.OK {
				*values = append(*values, h.Hours)
			} else if reason != "" {
				r.Missing[reason]++
			}
		}
		switch {
		case t.Ready.IsZero():
			r.Missing["no_ready_time"]++
		case pr.FirstCommit.IsZero():
			r.Missing["no_first_commit"]++
		default:
			add(&coding, t.Coding, "")
		}
		add(&draft, t.Draft, "")
		if t.FirstReview.IsZero() {
			r.MergedWithoutReview = append(r.MergedWithoutReview, refOf(pr))
		} else {
			add(&pickup, t.Pickup, "")
			add(&review, t.Review, "")
		}
		add(&merge, t.Merge, "not_approved")
		switch {
		case t.Deploy.OK:
			deploy = append(deploy, t.Deploy.Hours)
		case ships.source(pr.Repo) == SourceMergeProxy:
			r.Missing["no_deployments"]++
		default:
			r.Missing["not_deployed"]++
		}
	}
	r.Coding, r.Draft, r.Pickup, r.Review, r.Merge, r.Deploy, r.Size =
		distOf(coding), distOf(draft), distOf(pickup), distOf(review), distOf(merge), distOf(deploy), distOf(size)
	if len(r.PRs) > 0 {
		r.OverSizeLimit = float64(over) / float64(len(r.PRs))
	}
	return r
}

// sortedPRs orders pull requests by merge (or close, or creation) time,
// then repository and number, so reports do not depend on input order. It
// sorts pointers in place: a pull request is a few hundred bytes, and
// moving them made most of what a report over thousands of them cost.
func sortedPRs(prs []*PullRequest) []*PullRequest {
	at := func(p *PullRequest) time.Time {
		switch {
		case !p.Merged.IsZero():
			return p.Merged
		case !p.Closed.IsZero():
			return p.Closed
		}
		return p.Created
	}
	slices.SortStableFunc(prs, func(a, b *PullRequest) int {
		return cmp.Or(at(a).Compare(at(b)), cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.Number, b.Number))
	})
	return prs
}
