package coach

import (
	"cmp"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SourceMergeProxy is the deployment source of a repository without
// deployments: its merges to the default branch stand in for them.
const SourceMergeProxy = "merge-proxy"

// shipIndex knows, per repository, its production deployments as of now and
// which pull requests each one carried (docs/metrics.md,
// "Production deployments of a repository").
type shipIndex struct {
	repos map[string]*repoShips
}

type repoShips struct {
	source string
	deps   []Deployment // succeeded before now, by Succeeded then ID
	// prs are the repository's pull requests merged before now, by
	// number, pointing into the caller's slice, which is read only;
	// carrier holds for each the index into deps of the deployment that
	// carried it first, or -1.
	prs     []*PullRequest
	carrier []int32
	carries [][]*PullRequest // per deployment, the PRs it carried first
	bySHA   *shaIndex        // merge SHA -> index into prs
}

func newShipIndex(prs []PullRequest, deployments []Deployment, o DeliveryOptions, now time.Time) *shipIndex {
	ix := &shipIndex{repos: map[string]*repoShips{}}
	// Slices and maps sized to the repository's merged PRs up front: a
	// team has tens of thousands, and growing maps that large dominates
	// building them. Pull requests come sorted by repository: count a run
	// at a time.
	merged := map[string]int{}
	run, n := "", 0
	for i := range prs {
		if pr := &prs[i]; !pr.Merged.IsZero() && pr.Merged.Before(now) {
			if pr.Repo != run {
				merged[run] += n
				run, n = pr.Repo, 0
			}
			n++
		}
	}
	merged[run] += n
	repo := func(name string) *repoShips {
		rs, ok := ix.repos[name]
		if !ok {
			n := merged[name]
			rs = &repoShips{prs: make([]*PullRequest, 0, n)}
			ix.repos[name] = rs
		}
		return rs
	}
	var rs *repoShips
	run = ""
	for i := range prs {
		pr := &prs[i]
		if pr.Merged.IsZero() || !pr.Merged.Before(now) {
			continue
		}
		if rs == nil || pr.Repo != run {
			rs, run = repo(pr.Repo), pr.Repo
		}
		rs.prs = append(rs.prs, pr)
	}
	for _, rs := range ix.repos {
		rs.index()
	}
	api := map[string][]Deployment{}
	workflow := map[string][]Deployment{}
	for _, d := range deployments {
		if d.Succeeded.IsZero() || !d.Succeeded.Before(now) {
			continue
		}
		switch d.Source {
		case DeploymentSourceAPI:
			if o.production().MatchString(d.Environment) {
				api[d.Repo] = append(api[d.Repo], d)
			}
		case DeploymentSourceWorkflow:
			workflow[d.Repo] = append(workflow[d.Repo], d)
		}
		if _, ok := ix.repos[d.Repo]; !ok {
			repo(d.Repo).index()
		}
	}
	for name, rs := range ix.repos {
		switch {
		case len(api[name]) > 0:
			rs.source, rs.deps = DeploymentSourceAPI, api[name]
		case len(workflow[name]) > 0:
			rs.source, rs.deps = DeploymentSourceWorkflow, workflow[name]
		default:
			rs.source = SourceMergeProxy
			for _, pr := range rs.prs {
				if o.onDefaultBranch(*pr) {
					rs.deps = append(rs.deps, Deployment{Repo: name, ID: int64(pr.Number), Source: SourceMergeProxy,
						SHA: pr.MergeCommitSHA, Created: pr.Merged, Succeeded: pr.Merged})
				}
			}
		}
		rs.deps = dedupeDeployments(rs.deps)
		rs.carries = make([][]*PullRequest, len(rs.deps))
		for i, d := range rs.deps {
			if rs.source == SourceMergeProxy {
				if j, ok := rs.byNumber(int(d.ID)); ok {
					rs.carry(i, j)
				}
				continue
			}
			if d.Behind {
				continue // a rollback carries no changes
			}
			if j, ok := rs.lookup(d.SHA); ok {
				rs.carry(i, j)
			}
			if d.HasCommits {
				for _, sha := range d.Commits {
					if j, ok := rs.lookup(sha); ok {
						rs.carry(i, j)
					}
				}
			}
		}
	}
	return ix
}

// index orders the repository's PRs by number (one per number, the last
// given, as a map would keep) and indexes their merge commits.
func (rs *repoShips) index() {
	if !slices.IsSortedFunc(rs.prs, numberOrder) {
		slices.SortStableFunc(rs.prs, numberOrder)
	}
	// Of equal numbers, the last given wins.
	kept := rs.prs[:0]
	for i, pr := range rs.prs {
		if i+1 < len(rs.prs) && rs.prs[i+1].Number == pr.Number {
			continue
		}
		kept = append(kept, pr)
	}
	rs.prs = kept
	rs.carrier = make([]int32, len(rs.prs))
	rs.bySHA = newSHAIndex(len(rs.prs))
	for i, pr := range rs.prs {
		rs.carrier[i] = -1
		if pr.MergeCommitSHA != "" {
			rs.bySHA.add(pr.MergeCommitSHA, int32(i))
		}
	}
}

func numberOrder(a, b *PullRequest) int { return cmp.Compare(a.Number, b.Number) }

// byNumber finds the merged PR numbered n: its index in prs.
func (rs *repoShips) byNumber(n int) (int, bool) {
	return slices.BinarySearchFunc(rs.prs, n, func(pr *PullRequest, n int) int { return cmp.Compare(pr.Number, n) })
}

func dedupeDeployments(deps []Deployment) []Deployment {
	slices.SortStableFunc(deps, func(a, b Deployment) int {
		return cmp.Or(a.Succeeded.Compare(b.Succeeded), cmp.Compare(a.ID, b.ID))
	})
	seen := map[int64]bool{}
	out := deps[:0:0]
	for _, d := range deps {
		if !seen[d.ID] {
			seen[d.ID] = true
			out = append(out, d)
		}
	}
	return out
}

// carry records that deployment i carried PR j, unless an earlier one did.
func (rs *repoShips) carry(i, j int) {
	if rs.carrier[j] >= 0 {
		return
	}
	rs.carrier[j] = int32(i)
	rs.carries[i] = append(rs.carries[i], rs.prs[j])
}

// lookup finds the merged PR whose merge commit is sha (its index in prs):
// equal ignoring case, or, with 7 or more hex digits on the shorter side,
// an unambiguous prefix.
func (rs *repoShips) lookup(sha string) (int, bool) { return rs.bySHA.find(sha) }

func (ix *shipIndex) source(repo string) string {
	if rs, ok := ix.repos[repo]; ok {
		return rs.source
	}
	return SourceMergeProxy
}

// carrier is the first production deployment that carried pr; nil when
// none has yet.
func (ix *shipIndex) carrier(pr PullRequest) *Deployment {
	rs, ok := ix.repos[pr.Repo]
	if !ok {
		return nil
	}
	j, ok := rs.byNumber(pr.Number)
	if !ok || rs.carrier[j] < 0 {
		return nil
	}
	return &rs.deps[rs.carrier[j]]
}

// commitCarrier is the first production deployment of repo that deployed
// sha or carried it in its commits.
func (ix *shipIndex) commitCarrier(repo, sha string) *Deployment {
	rs, ok := ix.repos[repo]
	if !ok {
		return nil
	}
	if j, ok := rs.lookup(sha); ok && rs.carrier[j] >= 0 {
		return &rs.deps[rs.carrier[j]]
	}
	for i, d := range rs.deps {
		if d.Behind {
			continue
		}
		if shaMatch(d.SHA, sha) || (d.HasCommits && slices.ContainsFunc(d.Commits, func(c string) bool { return shaMatch(c, sha) })) {
			return &rs.deps[i]
		}
	}
	return nil
}

// Failure kinds.
const (
	FailureIncident = "incident"
	FailureRevert   = "revert"
	FailureHotfix   = "hotfix"
)

// Failure is one incident, revert or hotfix, and the deployment it is
// attributed to.
type Failure struct {
	Kind      string // FailureIncident, FailureRevert or FailureHotfix
	ID        string // the incident's key, or owner/name#N of the PR
	Title     string
	Repo      string    // "" when unknown
	Start     time.Time // incident created, or PR opened
	Recovered time.Time // incident resolved, or the PR's deployment; zero: not yet
	// Deployment is the deployment the failure is attributed to; nil:
	// unattributed, for Reason.
	Deployment *Deployment
	// How: "link" (an explicit link), "window" (the latest deployment
	// within the attribution window); for an unattributed failure, why.
	How string
}

// Attributed reports whether the failure is blamed on a deployment.
func (f Failure) Attributed() bool { return f.Deployment != nil }

// Bands.
const (
	BandElite        = "elite"
	BandHigh         = "high"
	BandMedium       = "medium"
	BandLow          = "low"
	BandInsufficient = "insufficient data"
)

// DORABandsYear is the year of the State of DevOps report whose thresholds
// the bands use.
const DORABandsYear = 2023

// Minimum samples for a band (docs/metrics.md).
const (
	MinDeployments      = 5
	MinLeadTimePRs      = 10
	MinFailures         = 3
	MinRecoveredFailure = 3
)

// Bands are the DORA band of each key.
type Bands struct {
	DeploymentFrequency, LeadTime, ChangeFailureRate, Recovery string
}

// DORAKeys are the DORA keys of one repository or of the team.
type DORAKeys struct {
	Repo   string // "" for the team
	Source string // DeploymentSourceAPI, DeploymentSourceWorkflow or SourceMergeProxy
	// Deployments in the window, and the days (team time zone) with one.
	Deployments, DeployDays           int
	DeploysPerWeek, DeployDaysPerWeek float64
	// WholeWeeks are the Monday-Sunday weeks inside the window;
	// WeeklyDeployDaysP50 the median deploy days over them.
	WholeWeeks          int
	WeeklyDeployDaysP50 float64
	LeadTime            Dist           // hours, first commit -> deployment
	LeadTimeMissing     map[string]int // bot_authored, no_first_commit, not_deployed
	Failures            int            // started in the window
	FailedDeployments   int
	ChangeFailureRate   float64 // meaningful when Deployments > 0
	Recovery            Dist    // hours
	Rework              int
	ReworkRate          float64 // meaningful when Deployments > 0
	Bands               Bands
}

// DORAReport is the DORA keys per repository and for the team.
type DORAReport struct {
	Window Window
	Repos  []DORAKeys // by name
	Team   DORAKeys
	// Failures started in the window, by start; Unattributed are those of
	// them blamed on no deployment.
	Failures      []Failure
	Unattributed  []Failure
	NegativeSpans []NegativeSpan
	// OtherRepoIncidents are the keys of incidents left out because they
	// name repositories and none of them is the team's: an incident query
	// shared by teams must not charge one team with another's outage.
	OtherRepoIncidents []string
}

// repoMention finds owner/name repository names in free text, bare or in a
// GitHub URL.
var repoMention = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.-])([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9_.-]*[A-Za-z0-9_-])`)

// ownIncidents splits incidents into those that may be the team's and the
// keys of those that name only repositories of others. A name counts as a
// repository only under an owner the team's repositories have, so text
// such as "5xx/4xx" never takes an incident away from a team.
func ownIncidents(incidents []Item, repos []string) (own []Item, other []string) {
	owners := map[string]bool{}
	for _, r := range repos {
		owner, _, _ := strings.Cut(strings.ToLower(r), "/")
		owners[owner] = true
	}
	for _, it := range incidents {
		named := repoMention.FindAllStringSubmatch(it.Title, -1)
		ours, foreign := false, false
		for _, m := range named {
			name := strings.TrimPrefix(strings.ToLower(m[1]), "github.com/")
			if strings.Contains(name, "/pull") {
				continue
			}
			if slices.ContainsFunc(repos, func(r string) bool { return strings.EqualFold(r, name) }) {
				ours = true
			} else if owner, _, _ := strings.Cut(name, "/"); owners[owner] && strings.Count(name, "/") == 1 {
				foreign = true
			}
		}
		if foreign && !ours {
			other = append(other, it.Key)
			continue
		}
		own = append(own, it)
	}
	return own, other
}

var (
	revertBranch = regexp.MustCompile(`^revert-([0-9]+)-`)
	revertBody   = regexp.MustCompile(`(?i)This reverts commit ([0-9a-f]{7,40})`)
	prURL        = regexp.MustCompile(`(?i)github\.com/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/pull/([0-9]+)`)
	prShort      = regexp.MustCompile(`(?:^|[^A-Za-z0-9_./-])((?:[A-Za-z0-9_.-]+/)?[A-Za-z0-9_.-]+)#([0-9]+)\b`)
	hexWord      = regexp.MustCompile(`\b[0-9a-fA-F]{7,40}\b`)
)

// mayRevert reports whether body can match revertBody, cheaply: a team has
// tens of thousands of PR bodies and few are reverts. The pattern's
// "commit" folds to ASCII letters only, so a body without it in some case
// cannot match.
func mayRevert(body string) bool {
	for i := 0; i+len("commit") <= len(body); i++ {
		if body[i]|0x20 == 'c' && strings.EqualFold(body[i:i+len("commit")], "commit") {
			return true
		}
	}
	return false
}

// DORA computes the DORA keys over win as of win.To
// (docs/metrics.md, "DORA keys"). incidents are the items of the
// team's incident JQL.
func DORA(prs []PullRequest, deployments []Deployment, incidents []Item, o DeliveryOptions, win Window) DORAReport {
	return doraWith(newShipIndex(prs, deployments, o, win.To), prs, incidents, o, win)
}

// doraWith is DORA with the index built; the index is only read.
func doraWith(ships *shipIndex, prs []PullRequest, incidents []Item, o DeliveryOptions, win Window) DORAReport {
	r := DORAReport{Window: win}

	names := slices.Clone(o.Repos)
	for name := range ships.repos {
		names = append(names, name)
	}
	slices.Sort(names)
	names = slices.Compact(names)

	incidents, r.OtherRepoIncidents = ownIncidents(incidents, names)
	r.Failures = failures(prs, incidents, ships, o, names, win)
	for _, f := range r.Failures {
		if !f.Attributed() {
			r.Unattributed = append(r.Unattributed, f)
		}
	}
	// failedBy counts attributed failures per deployment.
	type depKey struct {
		repo string
		id   int64
	}
	failed := map[depKey]bool{}
	for _, f := range r.Failures {
		if f.Attributed() {
			failed[depKey{f.Deployment.Repo, f.Deployment.ID}] = true
		}
	}
	// A deployment carrying a revert or hotfix PR is rework, whenever that
	// PR was opened. Only the PRs of the window's deployments are asked:
	// the patterns are regular expressions, and a team has many PRs.
	isRework := func(pr PullRequest) bool {
		k, ok := o.prFailureKind(pr)
		return ok && k != ""
	}

	var team accum
	team.o, team.win = o, win
	for _, name := range names {
		var a accum
		a.o, a.win = o, win
		rs := ships.repos[name]
		a.source = SourceMergeProxy
		if rs != nil {
			a.source = rs.source
			for i, d := range rs.deps {
				if !win.Contains(d.Succeeded) {
					continue
				}
				rework := d.Behind
				for _, pr := range rs.carries[i] {
					if isRework(*pr) {
						rework = true
					}
					a.leadTime(*pr, d.Succeeded, &r.NegativeSpans)
				}
				a.deployment(d, failed[depKey{d.Repo, d.ID}], rework)
			}
			for _, pr := range rs.prs {
				if win.Contains(pr.Merged) && o.onDefaultBranch(*pr) && !o.IsBot(pr.Author, pr.AuthorIsBot) {
					if d := ships.carrier(*pr); d == nil || !win.Contains(d.Succeeded) {
						a.missing("not_deployed")
					}
				}
			}
		}
		for _, f := range r.Failures {
			if f.Repo == name || (f.Attributed() && f.Deployment.Repo == name) {
				a.failure(f)
			}
		}
		keys := a.keys(name)
		r.Repos = append(r.Repos, keys)
		team.merge(&a)
	}
	for _, f := range r.Failures {
		team.failure(f)
	}
	team.source = teamSource(r.Repos)
	r.Team = team.keys("")
	return r
}

// prFailureKind says whether pr, merged into the default branch, is a revert
// or hotfix ("" when neither); false when pr is not merged there.
func (o DeliveryOptions) prFailureKind(pr PullRequest) (string, bool) {
	if pr.Merged.IsZero() || !o.onDefaultBranch(pr) {
		return "", false
	}
	switch {
	case revertBranch.MatchString(pr.HeadBranch) || (mayRevert(pr.Body) && revertBody.MatchString(pr.Body)):
		return FailureRevert, true
	case o.Hotfix != nil && (o.Hotfix.MatchString(pr.HeadBranch) || o.Hotfix.MatchString(pr.Title)):
		return FailureHotfix, true
	}
	return "", true
}

func failures(prs []PullRequest, incidents []Item, ships *shipIndex, o DeliveryOptions, repos []string, win Window) []Failure {
	now := win.To
	var out []Failure
	for _, pr := range prs {
		// Times first: the failure patterns are regular expressions.
		if !pr.Merged.Before(now) || !win.Contains(pr.Created) {
			continue
		}
		kind, ok := o.prFailureKind(pr)
		if !ok || kind == "" {
			continue
		}
		f := Failure{Kind: kind, ID: refOf(pr).String(), Title: pr.Title, Repo: pr.Repo, Start: pr.Created}
		if d := ships.carrier(pr); d != nil {
			f.Recovered = d.Succeeded
		}
		if kind == FailureRevert {
			target, found := revertTarget(pr, ships)
			switch {
			case target != nil:
				f.Deployment, f.How = target, "link"
			case found:
				f.How = "linked change not deployed"
			}
		}
		if f.Deployment == nil && f.How == "" {
			o.attributeByWindow(&f, ships)
		}
		out = append(out, f)
	}
	for _, it := range incidents {
		if !win.Contains(it.Created) {
			continue
		}
		f := Failure{Kind: FailureIncident, ID: it.Key, Title: it.Title, Repo: incidentRepo(it, repos), Start: it.Created}
		if !it.Resolved.IsZero() && it.Resolved.Before(now) {
			f.Recovered = it.Resolved
		}
		linked, found := incidentLink(it, prs, ships, repos)
		switch {
		case linked != nil:
			f.Deployment, f.How, f.Repo = linked, "link", linked.Repo
		case found:
			f.How = "linked change not deployed"
		case f.Repo == "":
			f.How = "no repository"
		default:
			o.attributeByWindow(&f, ships)
		}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b Failure) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// attributeByWindow blames the latest production deployment of the
// failure's repository at or before its start, within the attribution
// window.
func (o DeliveryOptions) attributeByWindow(f *Failure, ships *shipIndex) {
	window := o.AttributionWindow
	if window <= 0 {
		window = DefaultAttributionWindow
	}
	rs, ok := ships.repos[f.Repo]
	if ok {
		for i := len(rs.deps) - 1; i >= 0; i-- {
			d := rs.deps[i]
			if d.Succeeded.After(f.Start) {
				continue
			}
			if f.Start.Sub(d.Succeeded) <= window {
				f.Deployment, f.How = &rs.deps[i], "window"
				return
			}
			break
		}
	}
	f.How = "no deployment within the attribution window"
}

// revertTarget is the deployment that shipped what pr reverts; found
// reports whether the reverted change is known at all.
func revertTarget(pr PullRequest, ships *shipIndex) (d *Deployment, found bool) {
	rs, ok := ships.repos[pr.Repo]
	if !ok {
		return nil, false
	}
	if m := revertBranch.FindStringSubmatch(pr.HeadBranch); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			if j, ok := rs.byNumber(n); ok {
				return ships.carrier(*rs.prs[j]), true
			}
		}
	}
	if m := revertBody.FindStringSubmatch(pr.Body); m != nil {
		if d := ships.commitCarrier(pr.Repo, m[1]); d != nil {
			return d, true
		}
		if _, ok := rs.lookup(m[1]); ok {
			return nil, true
		}
	}
	return nil, false
}

// incidentRepo is the incident's repository: the team's only one, or the
// one whose name its title names as a word.
func incidentRepo(it Item, repos []string) string {
	if len(repos) == 1 {
		return repos[0]
	}
	found := ""
	for _, full := range repos {
		name := full[strings.LastIndex(full, "/")+1:]
		if name != "" && mentions(it.Title, name) {
			if found != "" {
				return ""
			}
			found = full
		}
	}
	return found
}

// incidentLink is the deployment an incident explicitly names: through a
// PR (URL, owner/repo#N or repo#N in its title), a SHA in its title, or a
// Jira link to an item that a PR mentions. Of several, the latest deployed
// at or before the incident wins, else the earliest. found reports whether
// any named change is known.
func incidentLink(it Item, prs []PullRequest, ships *shipIndex, repos []string) (d *Deployment, found bool) {
	var cands []*Deployment
	consider := func(pr PullRequest) {
		found = true
		if c := ships.carrier(pr); c != nil {
			cands = append(cands, c)
		}
	}
	byRef := func(repo string, n int) {
		for _, pr := range prs {
			if pr.Number == n && !pr.Merged.IsZero() && (pr.Repo == repo || strings.HasSuffix(pr.Repo, "/"+repo)) {
				consider(pr)
				return
			}
		}
	}
	for _, m := range prURL.FindAllStringSubmatch(it.Title, -1) {
		if n, err := strconv.Atoi(m[2]); err == nil {
			byRef(m[1], n)
		}
	}
	for _, m := range prShort.FindAllStringSubmatch(it.Title, -1) {
		if n, err := strconv.Atoi(m[2]); err == nil {
			byRef(m[1], n)
		}
	}
	for _, sha := range hexWord.FindAllString(it.Title, -1) {
		if !strings.ContainsAny(sha, "0123456789") || !strings.ContainsAny(strings.ToLower(sha), "abcdef") {
			continue // a plain number or word, not a SHA
		}
		for _, repo := range repos {
			if c := ships.commitCarrier(repo, sha); c != nil {
				found = true
				cands = append(cands, c)
			} else if rs, ok := ships.repos[repo]; ok {
				if _, ok := rs.lookup(sha); ok {
					found = true
				}
			}
		}
	}
	for _, l := range it.Links {
		for _, pr := range ItemPRs(l.Key, prs) {
			if !pr.Merged.IsZero() {
				consider(pr)
			}
		}
	}
	if len(cands) == 0 {
		return nil, found
	}
	var best *Deployment
	for _, c := range cands {
		if !c.Succeeded.After(it.Created) && (best == nil || c.Succeeded.After(best.Succeeded)) {
			best = c
		}
	}
	if best == nil {
		best = slices.MinFunc(cands, func(a, b *Deployment) int { return a.Succeeded.Compare(b.Succeeded) })
	}
	return best, true
}

// accum gathers the keys of one repository or of the team.
type accum struct {
	o                            DeliveryOptions
	win                          Window
	source                       string
	deps                         []Deployment
	failedDeps, rework, failures int
	leadTimes, recoveries        []float64
	leadMissing                  map[string]int
	seenFailures                 map[string]bool
}

func (a *accum) missing(reason string) {
	if a.leadMissing == nil {
		a.leadMissing = map[string]int{}
	}
	a.leadMissing[reason]++
}

func (a *accum) leadTime(pr PullRequest, deployed time.Time, neg *[]NegativeSpan) {
	switch {
	case a.o.IsBot(pr.Author, pr.AuthorIsBot):
		a.missing("bot_authored")
	case pr.FirstCommit.IsZero():
		a.missing("no_first_commit")
	default:
		d, negative := a.o.span(pr.FirstCommit, deployed)
		if negative {
			*neg = append(*neg, NegativeSpan{PR: refOf(pr), Span: "lead_time"})
		}
		a.leadTimes = append(a.leadTimes, d.Hours())
	}
}

func (a *accum) deployment(d Deployment, failed, rework bool) {
	a.deps = append(a.deps, d)
	if failed {
		a.failedDeps++
	}
	if rework {
		a.rework++
	}
}

func (a *accum) failure(f Failure) {
	if a.seenFailures == nil {
		a.seenFailures = map[string]bool{}
	}
	if a.seenFailures[f.ID] {
		return
	}
	a.seenFailures[f.ID] = true
	a.failures++
	if f.Attributed() && !f.Recovered.IsZero() {
		d, _ := a.o.span(f.Start, f.Recovered)
		a.recoveries = append(a.recoveries, d.Hours())
	}
}

// merge adds a repository's deployments, lead times and missing counts to
// the team; failures are added to the team separately, once each.
func (a *accum) merge(b *accum) {
	a.deps = append(a.deps, b.deps...)
	a.failedDeps += b.failedDeps
	a.rework += b.rework
	a.leadTimes = append(a.leadTimes, b.leadTimes...)
	for k, v := range b.leadMissing {
		if a.leadMissing == nil {
			a.leadMissing = map[string]int{}
		}
		a.leadMissing[k] += v
	}
}

func (a *accum) keys(repo string) DORAKeys {
	loc := a.o.location()
	k := DORAKeys{Repo: repo, Source: a.source, Deployments: len(a.deps), LeadTimeMissing: a.leadMissing,
		Failures: a.failures, FailedDeployments: a.failedDeps, Rework: a.rework,
		LeadTime: distOf(a.leadTimes), Recovery: distOf(a.recoveries)}
	if k.LeadTimeMissing == nil {
		k.LeadTimeMissing = map[string]int{}
	}
	days := map[string]bool{}
	for _, d := range a.deps {
		days[d.Succeeded.In(loc).Format(time.DateOnly)] = true
	}
	k.DeployDays = len(days)
	weeks := a.win.To.Sub(a.win.From).Hours() / (24 * 7)
	if weeks > 0 {
		k.DeploysPerWeek = float64(k.Deployments) / weeks
		k.DeployDaysPerWeek = float64(k.DeployDays) / weeks
	}
	if k.Deployments > 0 {
		k.ChangeFailureRate = float64(k.FailedDeployments) / float64(k.Deployments)
		k.ReworkRate = float64(k.Rework) / float64(k.Deployments)
	}
	var perWeek []float64
	for s := weekStart(a.win.From, loc); ; s = nextWeek(s, loc) {
		if s.Before(a.win.From) {
			continue
		}
		e := nextWeek(s, loc)
		if e.After(a.win.To) {
			break
		}
		n := 0
		for day := range days {
			t, _ := time.ParseInLocation(time.DateOnly, day, loc)
			if !t.Before(s) && t.Before(e) {
				n++
			}
		}
		perWeek = append(perWeek, float64(n))
	}
	k.WholeWeeks = len(perWeek)
	if p, ok := Percentile(perWeek, 50); ok {
		k.WeeklyDeployDaysP50 = p
	}
	windowDays := a.win.To.Sub(a.win.From).Hours() / 24
	k.Bands = Bands{
		DeploymentFrequency: frequencyBand(k, windowDays),
		LeadTime:            hoursBand(k.LeadTime, MinLeadTimePRs, 24, 7*24, 30*24),
		ChangeFailureRate:   cfrBand(k),
		Recovery:            hoursBand(k.Recovery, MinRecoveredFailure, 1, 24, 7*24),
	}
	return k
}

func frequencyBand(k DORAKeys, windowDays float64) string {
	switch {
	case k.Deployments < MinDeployments || k.WholeWeeks == 0:
		return BandInsufficient
	case k.WeeklyDeployDaysP50 >= 3:
		return BandElite
	case k.WeeklyDeployDaysP50 >= 1:
		return BandHigh
	case float64(k.DeployDays)/(windowDays/30) >= 1:
		return BandMedium
	}
	return BandLow
}

// hoursBand bands a p50 in hours: below elite, high, medium; low above.
func hoursBand(d Dist, minN int, elite, high, medium float64) string {
	switch {
	case d.N < minN:
		return BandInsufficient
	case d.P50 < elite:
		return BandElite
	case d.P50 < high:
		return BandHigh
	case d.P50 < medium:
		return BandMedium
	}
	return BandLow
}

func cfrBand(k DORAKeys) string {
	// Compare in whole per-mille to keep 1/20 = 5% exactly elite.
	rate := math.Round(k.ChangeFailureRate * 1e6)
	switch {
	case k.Deployments < MinDeployments || k.Failures < MinFailures:
		return BandInsufficient
	case rate <= 0.05e6:
		return BandElite
	case rate <= 0.10e6:
		return BandHigh
	case rate <= 0.15e6:
		return BandMedium
	}
	return BandLow
}

// teamSource is the weakest source of the repositories: merge-proxy over
// workflow over deployments.
func teamSource(repos []DORAKeys) string {
	rank := map[string]int{DeploymentSourceAPI: 0, DeploymentSourceWorkflow: 1, SourceMergeProxy: 2}
	src := DeploymentSourceAPI
	if len(repos) == 0 {
		return SourceMergeProxy
	}
	for _, k := range repos {
		if rank[k.Source] > rank[src] {
			src = k.Source
		}
	}
	return src
}
