package coach

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ItemPRs are the pull requests linked to the work item key: those whose
// head branch, title or body mention the key case-insensitively at word
// boundaries (docs/metrics.md, "Item timeline"), by creation time,
// then repository and number.
func ItemPRs(key string, prs []PullRequest) []PullRequest {
	if strings.TrimSpace(key) == "" {
		return nil
	}
	var out []PullRequest
	for _, pr := range prs {
		if mentions(pr.HeadBranch, key) || mentions(pr.Title, key) || mentions(pr.Body, key) {
			out = append(out, pr)
		}
	}
	slices.SortStableFunc(out, func(a, b PullRequest) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.Number, b.Number))
	})
	return out
}

// mentions reports whether text holds word, ignoring case, with no letter
// or digit right before or after it.
func mentions(text, word string) bool {
	text, word = strings.ToLower(text), strings.ToLower(word)
	for from := 0; from <= len(text); {
		i := strings.Index(text[from:], word)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(word)
		before, _ := utf8.DecodeLastRuneInString(text[:i])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if !isWordRune(before) && !isWordRune(after) {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		from = i + max(size, 1)
	}
	return false
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// Days is an optional duration in days.
type Days struct {
	Days float64
	OK   bool
}

// StatusStay is one stay of an item in a status.
type StatusStay struct {
	Status, Stage string
	From, To      time.Time // To is the next transition, or now for the current status
	Current       bool
	Days          float64
}

// Timeline event kinds.
const (
	EventCreated  = "created"
	EventStatus   = "status"
	EventOpened   = "pr_opened"
	EventReady    = "pr_ready"
	EventReview   = "review"
	EventMerged   = "merged"
	EventClosed   = "closed_unmerged"
	EventDeployed = "deployed"
)

// TimelineEvent is one dated step in an item's flow.
type TimelineEvent struct {
	At   time.Time
	Kind string
	// Status is the status entered (EventStatus, EventCreated).
	Status string
	// PR is the pull request the event belongs to, if any.
	PR PRRef
	// Reviewer, ReviewState and Bot describe an EventReview; Bot also
	// marks bot-authored reviews, which do not count as reviews.
	Reviewer, ReviewState string
	Bot                   bool
	// Deployment is the deployment of an EventDeployed.
	Deployment *Deployment
}

// Split is where an item's time went around its pull requests.
type Split struct {
	BeforeFirstPR, WaitingForReview, InReview, MergeToDeploy Days
	// Undeployed: a merged PR is not deployed yet, so MergeToDeploy runs
	// to now.
	Undeployed bool
	// MergeProxy: the repositories of its PRs have no deployments.
	MergeProxy bool
}

// Timeline is one work item's flow from ticket to production.
type Timeline struct {
	Flow   Flow
	Stays  []StatusStay
	PRs    []PRTimes
	Events []TimelineEvent // oldest first
	Split  Split
}

// ItemTimeline reads one item's flow as of now, joined with the pull
// requests that mention its key and the production deployments that
// shipped them. It returns false when the item did not exist at now.
func ItemTimeline(w Workflow, it Item, prs []PullRequest, deployments []Deployment, o DeliveryOptions, now time.Time) (Timeline, bool) {
	f, ok := w.Flow(it, now)
	if !ok {
		return Timeline{}, false
	}
	tl := Timeline{Flow: f}
	tl.Stays = stays(w, it, now)
	for _, s := range tl.Stays {
		kind := EventStatus
		if s.From.Equal(it.Created) && len(tl.Events) == 0 {
			kind = EventCreated
		}
		tl.Events = append(tl.Events, TimelineEvent{At: s.From, Kind: kind, Status: s.Status})
	}

	ships := newShipIndex(prs, deployments, o, now)
	var linked []PullRequest
	for _, pr := range ItemPRs(it.Key, prs) {
		if !pr.Created.After(now) {
			linked = append(linked, pr)
		}
	}
	var waiting, reviewing, shipping []Span
	for i, pr := range linked {
		t := o.prTimes(&linked[i], ships, now)
		proxy := ships.source(pr.Repo) == SourceMergeProxy
		tl.PRs = append(tl.PRs, t)
		ref := refOf(pr)
		tl.Events = append(tl.Events, TimelineEvent{At: pr.Created, Kind: EventOpened, PR: ref})
		if !t.Ready.IsZero() && t.Ready.After(pr.Created) {
			tl.Events = append(tl.Events, TimelineEvent{At: t.Ready, Kind: EventReady, PR: ref})
		}
		for _, rv := range pr.Reviews {
			if rv.Submitted.After(now) {
				continue
			}
			tl.Events = append(tl.Events, TimelineEvent{At: rv.Submitted, Kind: EventReview, PR: ref,
				Reviewer: rv.Author, ReviewState: rv.State, Bot: o.IsBot(rv.Author, rv.AuthorIsBot)})
		}
		merged := !pr.Merged.IsZero() && pr.Merged.Before(now)
		closed := !pr.Closed.IsZero() && pr.Closed.Before(now)
		end := now
		switch {
		case merged:
			end = pr.Merged
			tl.Events = append(tl.Events, TimelineEvent{At: pr.Merged, Kind: EventMerged, PR: ref})
		case closed:
			end = pr.Closed
			tl.Events = append(tl.Events, TimelineEvent{At: pr.Closed, Kind: EventClosed, PR: ref})
		}
		if !t.Ready.IsZero() {
			waitEnd := end
			if !t.FirstReview.IsZero() {
				waitEnd = t.FirstReview
			}
			waiting = append(waiting, Span{From: t.Ready, To: waitEnd})
		}
		if !t.FirstReview.IsZero() {
			reviewing = append(reviewing, Span{From: t.FirstReview, To: end})
		}
		if merged {
			switch {
			case proxy:
				tl.Split.MergeProxy = true
			case t.Deployment != nil:
				shipping = append(shipping, Span{From: pr.Merged, To: t.Deployment.Succeeded})
				tl.Events = append(tl.Events, TimelineEvent{At: t.Deployment.Succeeded, Kind: EventDeployed, PR: ref, Deployment: t.Deployment})
			default:
				tl.Split.Undeployed = true
				shipping = append(shipping, Span{From: pr.Merged, To: now})
			}
		}
	}
	slices.SortStableFunc(tl.Events, func(a, b TimelineEvent) int { return a.At.Compare(b.At) })

	if len(linked) > 0 {
		start := f.Started
		if start.IsZero() {
			start = it.Created
		}
		d, _ := o.span(start, linked[0].Created)
		tl.Split.BeforeFirstPR = Days{Days: daysOf(d), OK: true}
	}
	tl.Split.WaitingForReview = o.unionDays(waiting)
	tl.Split.InReview = o.unionDays(reviewing)
	tl.Split.MergeToDeploy = o.unionDays(shipping)
	return tl, true
}

// unionDays measures the time covered by at least one of spans; missing
// when there are none.
func (o DeliveryOptions) unionDays(spans []Span) Days {
	if len(spans) == 0 {
		return Days{}
	}
	sorted := slices.Clone(spans)
	slices.SortFunc(sorted, func(a, b Span) int { return a.From.Compare(b.From) })
	var total time.Duration
	cur := sorted[0]
	flush := func() {
		if cur.To.After(cur.From) {
			d, _ := o.span(cur.From, cur.To)
			total += d
		}
	}
	for _, s := range sorted[1:] {
		if s.From.After(cur.To) {
			flush()
			cur = s
			continue
		}
		if s.To.After(cur.To) {
			cur.To = s.To
		}
	}
	flush()
	return Days{Days: daysOf(total), OK: true}
}

// stays walks the item's status history as of now, as Flow does:
// transitions after now are ignored, those before creation count at it.
func stays(w Workflow, it Item, now time.Time) []StatusStay {
	ts := slices.Clone(it.Transitions)
	slices.SortStableFunc(ts, byAt)
	status := it.Status
	if len(ts) > 0 {
		status = ts[0].From
	}
	p := newPlacer(w)
	var out []StatusStay
	from := it.Created
	for _, t := range ts {
		if t.At.After(now) {
			break
		}
		at := t.At
		if at.Before(it.Created) {
			at = it.Created
		}
		out = append(out, StatusStay{Status: status, Stage: p.place(status).stage, From: from, To: at, Days: daysOf(at.Sub(from))})
		status, from = t.To, at
	}
	out = append(out, StatusStay{Status: status, Stage: p.place(status).stage, From: from, To: now, Current: true, Days: daysOf(now.Sub(from))})
	return out
}
