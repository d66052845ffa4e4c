package bot

import (
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/flowbot/flowbot/coach"
)

// defaultBranches are the base branches that count as a repository's
// default branch: the configuration has no key for it.
var defaultBranches = []string{"main", "master"}

// deliveryOptions are the team's settings for the delivery metrics; working
// selects working time over calendar time.
func deliveryOptions(s *snapshot, working bool) coach.DeliveryOptions {
	t := s.team
	o := coach.DeliveryOptions{
		DefaultBranches:   defaultBranches,
		Bots:              t.GitHub.Bots,
		Production:        t.ProductionEnvironment(),
		Hotfix:            t.HotfixPattern(),
		AttributionWindow: t.DORA.AttributionWindow.Duration,
		MaxPRLines:        t.GitHub.MaxPRLines,
		Repos:             t.GitHub.Repos,
		Location:          t.Location(),
	}
	if working {
		o.Clock = t.Clock()
	}
	return o
}

// hours shows a duration given in hours, as days shows days.
func hours(h float64) string { return days(h / 24) }

func percent(v float64) string { return fmt.Sprintf("%.0f%%", v*100) }

func refs(rs []coach.PRRef) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

// listSome joins up to max names for a chat line, saying how many more.
func listSome(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
}

const maxListed = 10

// ---- /flow prs

type spanJSON struct {
	N   int      `json:"n"`
	P50 *float64 `json:"p50_hours"`
	P85 *float64 `json:"p85_hours"`
}

type prsJSON struct {
	Command                 string              `json:"command"`
	Team                    string              `json:"team"`
	From                    string              `json:"from"`
	To                      string              `json:"to"`
	N                       int                 `json:"n"`
	Excluded                map[string]int      `json:"excluded"`
	WorkingTime             bool                `json:"working_time"`
	Merged                  int                 `json:"merged"`
	CodingP50               *float64            `json:"coding_p50_hours"`
	DraftP50                *float64            `json:"draft_p50_hours"`
	PickupP50               *float64            `json:"pickup_p50_hours"`
	PickupP85               *float64            `json:"pickup_p85_hours"`
	ReviewP50               *float64            `json:"review_p50_hours"`
	MergeP50                *float64            `json:"merge_p50_hours"`
	DeployP50               *float64            `json:"deploy_p50_hours"`
	SizeP50                 *float64            `json:"size_p50_lines"`
	OverSizeLimit           *float64            `json:"over_size_limit"`
	MaxPRLines              int                 `json:"max_pr_lines"`
	MergedWithoutReview     int                 `json:"merged_without_review"`
	MergedWithoutReviewList []string            `json:"merged_without_review_list"`
	BotPRs                  int                 `json:"bot_prs"`
	BotPRsList              []string            `json:"bot_prs_list"`
	Abandoned               int                 `json:"abandoned"`
	AbandonedList           []string            `json:"abandoned_list"`
	NegativeSpans           int                 `json:"negative_spans"`
	NegativeSpansList       []string            `json:"negative_spans_list"`
	Spans                   map[string]spanJSON `json:"spans"`
}

func distPtr(d coach.Dist, p85 bool) *float64 {
	if p85 {
		return ptr(d.P85, d.OK())
	}
	return ptr(d.P50, d.OK())
}

func prsAnswer(s *snapshot, cmd Command) (Answer, error) {
	win := s.window(cmd.Since)
	r := coach.PRs(s.prs, s.deployments, deliveryOptions(s, cmd.WorkingTime), win)
	j := prsJSON{
		Command: "prs", Team: s.team.ID, From: rfc3339(win.From), To: rfc3339(win.To), N: len(r.PRs),
		Excluded: map[string]int{}, WorkingTime: cmd.WorkingTime, Merged: len(r.PRs),
		CodingP50: distPtr(r.Coding, false), DraftP50: distPtr(r.Draft, false),
		PickupP50: distPtr(r.Pickup, false), PickupP85: distPtr(r.Pickup, true),
		ReviewP50: distPtr(r.Review, false), MergeP50: distPtr(r.Merge, false), DeployP50: distPtr(r.Deploy, false),
		SizeP50: distPtr(r.Size, false), OverSizeLimit: ptr(r.OverSizeLimit, len(r.PRs) > 0), MaxPRLines: r.MaxPRLines,
		MergedWithoutReview: len(r.MergedWithoutReview), MergedWithoutReviewList: refs(r.MergedWithoutReview),
		BotPRs: len(r.BotPRs), BotPRsList: refs(r.BotPRs), Abandoned: len(r.Abandoned), AbandonedList: refs(r.Abandoned),
		NegativeSpans: len(r.NegativeSpans), NegativeSpansList: []string{}, Spans: map[string]spanJSON{},
	}
	for _, n := range r.NegativeSpans {
		j.NegativeSpansList = append(j.NegativeSpansList, n.PR.String()+" "+n.Span)
	}
	spans := []struct {
		name string
		d    coach.Dist
	}{{"coding", r.Coding}, {"draft", r.Draft}, {"pickup", r.Pickup}, {"review", r.Review}, {"merge", r.Merge}, {"deploy", r.Deploy}}
	for _, sp := range spans {
		j.Spans[sp.name] = spanJSON{N: sp.d.N, P50: distPtr(sp.d, false), P85: distPtr(sp.d, true)}
	}
	for k, v := range map[string]int{"bot_authored": len(r.BotPRs), "other_base_branch": r.OtherBase, "abandoned": len(r.Abandoned), "merged_without_review": len(r.MergedWithoutReview)} {
		if v > 0 {
			j.Excluded[k] = v
		}
	}
	maps.Copy(j.Excluded, r.Missing)

	var b strings.Builder
	clock := ""
	if cmd.WorkingTime {
		clock = ", working time"
	}
	fmt.Fprintf(&b, "*Pull requests · %s* (%s%s)\n", s.team.Name, windowLabel(cmd.Since, win, s.team.Location()), clock)
	m := &Message{Title: "Pull requests · " + s.team.Name, Context: windowContext(cmd.Since, win, s.team.Location()) + clock}
	var left []string
	if n := len(r.BotPRs); n > 0 {
		left = append(left, plural(n, "bot PR", "bot PRs")+" left out")
	}
	if r.OtherBase > 0 {
		left = append(left, plural(r.OtherBase, "PR", "PRs")+" into other branches left out")
	}
	if n := len(r.Abandoned); n > 0 {
		left = append(left, plural(n, "PR", "PRs")+" closed unmerged (abandoned, not timed)")
	}
	fmt.Fprintf(&b, "%s merged into the default branch", plural(len(r.PRs), "PR", "PRs"))
	if len(left) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(left, "; "))
	}
	b.WriteString(".\n")
	m.Fields = []Field{{"Merged", fmt.Sprint(len(r.PRs))}}
	if len(left) > 0 {
		m.Body = append(m.Body, upperFirst(strings.Join(left, "; "))+".")
	}
	if len(r.PRs) == 0 {
		b.WriteString("No pull request was merged in this window, so there is nothing to time. Try a longer window, e.g. `--since 90d`.")
		m.Reading = "No pull request was merged in this window, so there is nothing to time. Try a longer window, e.g. `--since 90d`."
		return Answer{Text: b.String(), JSON: j, Message: m}, nil
	}
	field := func(label string, d coach.Dist) {
		if d.OK() {
			m.Fields = append(m.Fields, Field{label, hours(d.P50)})
		}
	}
	field("Coding p50", r.Coding)
	field("Pickup p50", r.Pickup)
	field("Pickup p85", r.Pickup)
	if r.Pickup.OK() {
		m.Fields[len(m.Fields)-1].Value = hours(r.Pickup.P85)
	}
	field("Review p50", r.Review)
	field("Merge p50", r.Merge)
	field("Deploy p50", r.Deploy)
	m.Fields = append(m.Fields, Field{"Size p50", fmt.Sprintf("%.0f lines", r.Size.P50)}, Field{"Over " + fmt.Sprint(r.MaxPRLines) + " lines", percent(r.OverSizeLimit)})
	if r.Pickup.OK() {
		m.Reading = fmt.Sprintf("Half of the %s waited %s or less for a first review; 85%% waited %s or less.", plural(len(r.PRs), "merged PR", "merged PRs"), hours(r.Pickup.P50), hours(r.Pickup.P85))
	} else {
		m.Reading = fmt.Sprintf("%s merged into the default branch, none with a human review to time.", plural(len(r.PRs), "PR", "PRs"))
	}
	linesStart := b.Len()
	line := func(label string, d coach.Dist, of, note string) {
		if !d.OK() {
			fmt.Fprintf(&b, "• %s: none to time%s\n", label, note)
			return
		}
		fmt.Fprintf(&b, "• %s: 50%% within %s, 85%% within %s (%d of %d %s%s)\n", label, hours(d.P50), hours(d.P85), d.N, len(r.PRs), of, note)
	}
	reason := func(parts ...string) string {
		var out []string
		for i := 0; i+1 < len(parts); i += 2 {
			if n := r.Missing[parts[i]]; n > 0 {
				out = append(out, fmt.Sprintf("%d %s", n, parts[i+1]))
			}
		}
		if len(out) == 0 {
			return ""
		}
		return "; " + strings.Join(out, ", ")
	}
	line("Coding (first commit to ready for review)", r.Coding, "PRs", reason("no_first_commit", "without a commit date", "no_ready_time", "without a ready time"))
	if r.Draft.OK() {
		fmt.Fprintf(&b, "• Draft: 50%% within %s, 85%% within %s (%d opened as draft)\n", hours(r.Draft.P50), hours(r.Draft.P85), r.Draft.N)
	}
	noReview := ""
	if n := len(r.MergedWithoutReview); n > 0 {
		noReview = fmt.Sprintf("; %d merged without review", n)
	}
	line("Pickup (ready to first human review)", r.Pickup, "PRs", noReview)
	line("Review (first review to last approval)", r.Review, "PRs", noReview)
	line("Merge (last approval to merge)", r.Merge, "PRs", reason("not_approved", "never approved"))
	line("Deploy (merge to production)", r.Deploy, "PRs", reason("not_deployed", "not deployed yet", "no_deployments", "in repositories without deployments"))
	fmt.Fprintf(&b, "• Size: median %.0f lines; %s over %d lines\n", r.Size.P50, percent(r.OverSizeLimit), r.MaxPRLines)
	if n := len(r.MergedWithoutReview); n > 0 {
		fmt.Fprintf(&b, "Merged without human review: %s\n", listSome(j.MergedWithoutReviewList, maxListed))
	}
	if n := len(r.NegativeSpans); n > 0 {
		fmt.Fprintf(&b, "%s clamped to zero (clock skew or cherry-picks): %s\n", plural(n, "negative span", "negative spans"), listSome(j.NegativeSpansList, maxListed))
	}
	if len(r.PRs) < 5 {
		b.WriteString("_Few PRs: read these numbers as a rough guide._\n")
	}
	m.Body = append(m.Body, strings.TrimRight(b.String()[linesStart:], "\n"))
	return Answer{Text: strings.TrimRight(b.String(), "\n"), JSON: j, Message: m}, nil
}

// ---- /flow dora

type bandsJSON struct {
	DeploymentFrequency string `json:"deployment_frequency"`
	LeadTime            string `json:"lead_time"`
	ChangeFailureRate   string `json:"change_failure_rate"`
	Recovery            string `json:"recovery"`
}

type doraKeysJSON struct {
	Repo                string         `json:"repo,omitempty"`
	Source              string         `json:"source"`
	Deployments         int            `json:"deployments"`
	DeploysPerWeek      float64        `json:"deploys_per_week"`
	DeployDaysPerWeek   float64        `json:"deploy_days_per_week"`
	WeeklyDeployDaysP50 *float64       `json:"weekly_deploy_days_p50"`
	LeadTimeN           int            `json:"lead_time_n"`
	LeadTimeP50         *float64       `json:"lead_time_p50_hours"`
	LeadTimeP85         *float64       `json:"lead_time_p85_hours"`
	LeadTimeExcluded    map[string]int `json:"lead_time_excluded"`
	Failures            int            `json:"failures"`
	FailedDeployments   int            `json:"failed_deployments"`
	ChangeFailureRate   *float64       `json:"change_failure_rate"`
	RecoveryN           int            `json:"recovery_n"`
	RecoveryP50         *float64       `json:"recovery_p50_hours"`
	Rework              int            `json:"rework"`
	ReworkRate          *float64       `json:"rework_rate"`
	Bands               bandsJSON      `json:"bands"`
}

type failureJSON struct {
	Kind       string `json:"kind"`
	ID         string `json:"id"`
	Title      string `json:"title"`
	Repo       string `json:"repo"`
	Start      string `json:"start"`
	Recovered  string `json:"recovered,omitempty"`
	Deployment *int64 `json:"deployment_id"`
	How        string `json:"how"`
}

type doraJSON struct {
	Command  string         `json:"command"`
	Team     string         `json:"team"`
	From     string         `json:"from"`
	To       string         `json:"to"`
	N        int            `json:"n"`
	Excluded map[string]int `json:"excluded"`
	doraKeysJSON
	Proxy                    bool           `json:"proxy"`
	BandsYear                int            `json:"bands_year"`
	UnattributedFailures     int            `json:"unattributed_failures"`
	UnattributedFailuresList []failureJSON  `json:"unattributed_failures_list"`
	Repos                    []doraKeysJSON `json:"repos"`
}

func keysJSON(k coach.DORAKeys) doraKeysJSON {
	return doraKeysJSON{
		Repo: k.Repo, Source: k.Source, Deployments: k.Deployments, DeploysPerWeek: k.DeploysPerWeek, DeployDaysPerWeek: k.DeployDaysPerWeek,
		WeeklyDeployDaysP50: ptr(k.WeeklyDeployDaysP50, k.WholeWeeks > 0),
		LeadTimeN:           k.LeadTime.N, LeadTimeP50: distPtr(k.LeadTime, false), LeadTimeP85: distPtr(k.LeadTime, true),
		LeadTimeExcluded: k.LeadTimeMissing, Failures: k.Failures, FailedDeployments: k.FailedDeployments,
		ChangeFailureRate: ptr(k.ChangeFailureRate, k.Deployments > 0), RecoveryN: k.Recovery.N, RecoveryP50: distPtr(k.Recovery, false),
		Rework: k.Rework, ReworkRate: ptr(k.ReworkRate, k.Deployments > 0),
		Bands: bandsJSON{k.Bands.DeploymentFrequency, k.Bands.LeadTime, k.Bands.ChangeFailureRate, k.Bands.Recovery},
	}
}

func failureToJSON(f coach.Failure) failureJSON {
	j := failureJSON{Kind: f.Kind, ID: f.ID, Title: f.Title, Repo: f.Repo, Start: rfc3339(f.Start), How: f.How}
	if !f.Recovered.IsZero() {
		j.Recovered = rfc3339(f.Recovered)
	}
	if f.Deployment != nil {
		id := f.Deployment.ID
		j.Deployment = &id
	}
	return j
}

func doraAnswer(s *snapshot, cmd Command) (Answer, error) {
	win := s.window(cmd.Since)
	r := coach.DORA(s.prs, s.deployments, s.incidents, deliveryOptions(s, false), win)
	j := doraJSON{
		Command: "dora", Team: s.team.ID, From: rfc3339(win.From), To: rfc3339(win.To), N: r.Team.Deployments,
		Excluded: map[string]int{}, doraKeysJSON: keysJSON(r.Team), Proxy: r.Team.Source == coach.SourceMergeProxy,
		BandsYear: coach.DORABandsYear, UnattributedFailures: len(r.Unattributed), UnattributedFailuresList: []failureJSON{}, Repos: []doraKeysJSON{},
	}
	maps.Copy(j.Excluded, r.Team.LeadTimeMissing)
	if n := len(r.Unattributed); n > 0 {
		j.Excluded["unattributed_failures"] = n
	}
	if n := len(r.OtherRepoIncidents); n > 0 {
		j.Excluded["incidents_of_other_repositories"] = n
	}
	for _, f := range r.Unattributed {
		j.UnattributedFailuresList = append(j.UnattributedFailuresList, failureToJSON(f))
	}
	for _, k := range r.Repos {
		j.Repos = append(j.Repos, keysJSON(k))
	}

	var b strings.Builder
	fmt.Fprintf(&b, "*DORA keys · %s* (%s)\n", s.team.Name, windowLabel(cmd.Since, win, s.team.Location()))
	fmt.Fprintf(&b, "_Bands by the DORA %d thresholds; each says insufficient data below its minimum sample._\n", coach.DORABandsYear)
	m := &Message{Title: "DORA keys · " + s.team.Name, Context: windowContext(cmd.Since, win, s.team.Location()) + fmt.Sprintf(" · DORA %d bands", coach.DORABandsYear)}
	k := r.Team
	m.Fields = []Field{{"Deploys a week", fmt.Sprintf("%.1f · %s", k.DeploysPerWeek, shortBand(k.Bands.DeploymentFrequency))}}
	if k.LeadTime.OK() {
		m.Fields = append(m.Fields, Field{"Lead time p50", hours(k.LeadTime.P50) + " · " + shortBand(k.Bands.LeadTime)})
	}
	if k.Deployments > 0 {
		m.Fields = append(m.Fields, Field{"Change failure rate", percent(k.ChangeFailureRate) + " · " + shortBand(k.Bands.ChangeFailureRate)})
	}
	if k.Recovery.OK() {
		m.Fields = append(m.Fields, Field{"Recovery p50", hours(k.Recovery.P50) + " · " + shortBand(k.Bands.Recovery)})
	}
	if k.Deployments > 0 {
		m.Fields = append(m.Fields, Field{"Rework rate", percent(k.ReworkRate)})
	}
	m.Fields = append(m.Fields, Field{"Source", k.Source})
	m.Reading = fmt.Sprintf("The team deployed %.1f times a week", k.DeploysPerWeek)
	if k.LeadTime.OK() {
		m.Reading += fmt.Sprintf("; half of the changes reached production within %s of their first commit", hours(k.LeadTime.P50))
	}
	if k.Deployments > 0 {
		m.Reading += fmt.Sprintf(", and %s of deployments had a failure", percent(k.ChangeFailureRate))
	}
	m.Reading += "."
	keysStart := b.Len()
	writeKeys(&b, "Team", r.Team)
	m.Body = append(m.Body, strings.TrimRight(b.String()[keysStart:], "\n"))
	if len(r.Repos) > 1 {
		for _, k := range r.Repos {
			start := b.Len()
			writeKeys(&b, k.Repo, k)
			m.Body = append(m.Body, strings.TrimRight(b.String()[start:], "\n"))
		}
	}
	notesStart := b.Len()
	var proxies []string
	for _, k := range r.Repos {
		if k.Source == coach.SourceMergeProxy {
			proxies = append(proxies, k.Repo)
		}
	}
	if len(proxies) > 0 {
		fmt.Fprintf(&b, "_No production deployments found for %s: merges to the default branch stand in for deployments (a proxy)._\n", strings.Join(proxies, ", "))
	}
	if n := len(r.Unattributed); n > 0 {
		var names []string
		for _, f := range r.Unattributed {
			names = append(names, fmt.Sprintf("%s %s (%s)", f.ID, escape(truncate(f.Title, 50)), f.How))
		}
		fmt.Fprintf(&b, "%s not attributed to any deployment (not counted as failed deployments): %s\n", plural(n, "failure", "failures"), listSome(names, maxListed))
	}
	if n := len(r.OtherRepoIncidents); n > 0 {
		fmt.Fprintf(&b, "%s left out: %s other teams' repositories only.\n", plural(n, "incident", "incidents"), map[bool]string{true: "it names", false: "they name"}[n == 1])
	}
	m.Body = append(m.Body, nonEmpty(strings.TrimRight(b.String()[notesStart:], "\n"))...)
	return Answer{Text: strings.TrimRight(b.String(), "\n"), JSON: j, Message: m}, nil
}

// shortBand is a DORA band for a field: "insufficient data" without the why.
func shortBand(b string) string {
	if b == coach.BandInsufficient {
		return "insufficient data"
	}
	return b
}

func band(k string, need string) string {
	if k == coach.BandInsufficient {
		return "insufficient data (" + need + ")"
	}
	return k
}

func writeKeys(b *strings.Builder, name string, k coach.DORAKeys) {
	fmt.Fprintf(b, "*%s* (source: %s)\n", escape(name), k.Source)
	fmt.Fprintf(b, "• Deployment frequency: %.1f deploys a week, on %.1f days a week (%s) · %s\n",
		k.DeploysPerWeek, k.DeployDaysPerWeek, plural(k.Deployments, "deployment", "deployments"),
		band(k.Bands.DeploymentFrequency, fmt.Sprintf("needs %d deployments and a whole week", coach.MinDeployments)))
	var left []string
	if n := k.LeadTimeMissing["bot_authored"]; n > 0 {
		left = append(left, plural(n, "bot PR", "bot PRs")+" left out")
	}
	if n := k.LeadTimeMissing["no_first_commit"]; n > 0 {
		left = append(left, fmt.Sprintf("%d without a commit date", n))
	}
	if n := k.LeadTimeMissing["not_deployed"]; n > 0 {
		left = append(left, fmt.Sprintf("%d merged, not deployed yet", n))
	}
	extra := ""
	if len(left) > 0 {
		extra = "; " + strings.Join(left, ", ")
	}
	need := fmt.Sprintf("needs %d PRs", coach.MinLeadTimePRs)
	if k.LeadTime.OK() {
		fmt.Fprintf(b, "• Change lead time: 50%% within %s, 85%% within %s (%s%s) · %s\n", hours(k.LeadTime.P50), hours(k.LeadTime.P85),
			plural(k.LeadTime.N, "PR", "PRs"), extra, band(k.Bands.LeadTime, need))
	} else {
		fmt.Fprintf(b, "• Change lead time: no PR deployed in this window%s · %s\n", extra, band(k.Bands.LeadTime, need))
	}
	need = fmt.Sprintf("needs %d deployments and %d failures", coach.MinDeployments, coach.MinFailures)
	if k.Deployments > 0 {
		fmt.Fprintf(b, "• Change failure rate: %s (%d of %s had an attributed failure; %s in the window) · %s\n", percent(k.ChangeFailureRate),
			k.FailedDeployments, plural(k.Deployments, "deployment", "deployments"), plural(k.Failures, "failure", "failures"), band(k.Bands.ChangeFailureRate, need))
	} else {
		fmt.Fprintf(b, "• Change failure rate: no deployment in this window · %s\n", band(k.Bands.ChangeFailureRate, need))
	}
	need = fmt.Sprintf("needs %d recovered failures", coach.MinRecoveredFailure)
	if k.Recovery.OK() {
		fmt.Fprintf(b, "• Recovery time: 50%% within %s (%s) · %s\n", hours(k.Recovery.P50), plural(k.Recovery.N, "recovered failure", "recovered failures"), band(k.Bands.Recovery, need))
	} else {
		fmt.Fprintf(b, "• Recovery time: no attributed failure recovered in this window · %s\n", band(k.Bands.Recovery, need))
	}
	if k.Deployments > 0 {
		fmt.Fprintf(b, "• Rework rate: %s (%d of %s were reverts, hotfixes or rollbacks)\n", percent(k.ReworkRate), k.Rework, plural(k.Deployments, "deployment", "deployments"))
	}
}

// ---- /flow item KEY

type stayJSON struct {
	Status  string  `json:"status"`
	Stage   string  `json:"stage"`
	From    string  `json:"from"`
	To      string  `json:"to"`
	Days    float64 `json:"days"`
	Current bool    `json:"current"`
}

type itemPRJSON struct {
	Repo         string   `json:"repo"`
	Number       int      `json:"number"`
	Title        string   `json:"title"`
	Author       string   `json:"author"`
	Opened       string   `json:"opened"`
	Ready        *string  `json:"ready"`
	FirstReview  *string  `json:"first_review"`
	LastApproval *string  `json:"last_approval"`
	Merged       *string  `json:"merged"`
	Deployed     *string  `json:"deployed"`
	DeploymentID *int64   `json:"deployment_id"`
	PickupHours  *float64 `json:"pickup_hours"`
	DeployHours  *float64 `json:"deploy_hours"`
}

type eventJSON struct {
	At       string `json:"at"`
	Kind     string `json:"kind"`
	Status   string `json:"status,omitempty"`
	PR       string `json:"pr,omitempty"`
	Reviewer string `json:"reviewer,omitempty"`
	State    string `json:"state,omitempty"`
	Bot      bool   `json:"bot,omitempty"`
}

type splitJSON struct {
	BeforeFirstPR    *float64 `json:"before_first_pr_days"`
	WaitingForReview *float64 `json:"waiting_for_review_days"`
	InReview         *float64 `json:"in_review_days"`
	MergeToDeploy    *float64 `json:"merge_to_deploy_days"`
	Undeployed       bool     `json:"undeployed"`
	MergeProxy       bool     `json:"merge_proxy"`
}

type itemJSON struct {
	Command  string         `json:"command"`
	Team     string         `json:"team"`
	From     string         `json:"from"`
	To       string         `json:"to"`
	N        int            `json:"n"`
	Excluded map[string]int `json:"excluded"`
	Key      string         `json:"key"`
	Title    string         `json:"title"`
	Status   string         `json:"status"`
	Stays    []stayJSON     `json:"statuses"`
	PRs      []itemPRJSON   `json:"prs"`
	Events   []eventJSON    `json:"events"`
	Split    splitJSON      `json:"split"`
}

func timePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := rfc3339(t)
	return &s
}

func hoursPtr(h coach.Hours) *float64 { return ptr(h.Hours, h.OK) }
func daysPtr(d coach.Days) *float64   { return ptr(d.Days, d.OK) }

// maxEventLines keeps the item timeline readable in a channel; JSON has all.
const maxEventLines = 40

func itemAnswer(s *snapshot, cmd Command) (Answer, error) {
	sp, _ := lookup("item")
	if len(cmd.Args) != 1 {
		return Answer{}, &UsageError{Problem: "Which item? Give its key, e.g. `/flow item PAY-123`.", Usage: sp.usage}
	}
	key := cmd.Args[0]
	var it *coach.Item
	for i := range s.flows {
		if strings.EqualFold(s.flows[i].Item.Key, key) {
			it = &s.flows[i].Item
			break
		}
	}
	if it == nil {
		return Answer{}, &UsageError{Problem: fmt.Sprintf("I have no item %s for %s: it may belong to another team (add `team:<id>`), or the last sync has not seen it.", escape(truncate(key, 40)), s.team.Name)}
	}
	tl, _ := coach.ItemTimeline(s.workflow, *it, s.prs, s.deployments, deliveryOptions(s, false), s.now)
	loc := s.team.Location()
	j := itemJSON{Command: "item", Team: s.team.ID, From: rfc3339(it.Created), To: rfc3339(s.now), N: len(tl.PRs), Excluded: map[string]int{},
		Key: it.Key, Title: it.Title, Status: tl.Flow.Status, Stays: []stayJSON{}, PRs: []itemPRJSON{}, Events: []eventJSON{},
		Split: splitJSON{BeforeFirstPR: daysPtr(tl.Split.BeforeFirstPR), WaitingForReview: daysPtr(tl.Split.WaitingForReview),
			InReview: daysPtr(tl.Split.InReview), MergeToDeploy: daysPtr(tl.Split.MergeToDeploy), Undeployed: tl.Split.Undeployed, MergeProxy: tl.Split.MergeProxy}}
	for _, st := range tl.Stays {
		j.Stays = append(j.Stays, stayJSON{Status: st.Status, Stage: st.Stage, From: rfc3339(st.From), To: rfc3339(st.To), Days: st.Days, Current: st.Current})
	}
	for _, p := range tl.PRs {
		pj := itemPRJSON{Repo: p.PR.Repo, Number: p.PR.Number, Title: p.PR.Title, Author: p.PR.Author, Opened: rfc3339(p.PR.Created),
			Ready: timePtr(p.Ready), FirstReview: timePtr(p.FirstReview), LastApproval: timePtr(p.LastApproval),
			PickupHours: hoursPtr(p.Pickup), DeployHours: hoursPtr(p.Deploy)}
		if !p.PR.Merged.IsZero() && p.PR.Merged.Before(s.now) {
			pj.Merged = timePtr(p.PR.Merged)
		}
		if p.Deployment != nil && !tl.Split.MergeProxy {
			pj.Deployed = timePtr(p.Deployment.Succeeded)
			id := p.Deployment.ID
			pj.DeploymentID = &id
		}
		j.PRs = append(j.PRs, pj)
	}
	for _, e := range tl.Events {
		ej := eventJSON{At: rfc3339(e.At), Kind: e.Kind, Status: e.Status, Reviewer: e.Reviewer, State: e.ReviewState, Bot: e.Bot}
		if e.PR.Number != 0 {
			ej.PR = e.PR.String()
		}
		j.Events = append(j.Events, ej)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "*%s · %s* (%s)\n", escape(it.Key), escape(truncate(it.Title, 80)), escape(tl.Flow.Status))
	m := &Message{Title: it.Key + " · " + truncate(it.Title, 80), Context: "Created " + it.Created.In(loc).Format("Jan 2, 2006"),
		Fields: []Field{{"Status", tl.Flow.Status}, {"Pull requests", fmt.Sprint(len(tl.PRs))}}}
	var path []string
	for _, st := range tl.Stays {
		if st.Current {
			path = append(path, fmt.Sprintf("%s for %s (now)", escape(st.Status), days(st.Days)))
		} else {
			path = append(path, fmt.Sprintf("%s %s", escape(st.Status), days(st.Days)))
		}
	}
	fmt.Fprintf(&b, "Statuses: %s\n", strings.Join(path, " → "))
	m.Body = append(m.Body, "*Statuses:* "+strings.Join(path, " → "))
	m.Reading = fmt.Sprintf("%s is %s.", escape(it.Key), escape(tl.Flow.Status))
	if len(tl.PRs) == 0 {
		fmt.Fprintf(&b, "No pull request mentions %s in its branch name, title or body, so the code side of its flow is unknown.\n", escape(it.Key))
	} else {
		var split []string
		add := func(d coach.Days, what string) {
			if d.OK {
				split = append(split, days(d.Days)+" "+what)
			}
		}
		add(tl.Split.BeforeFirstPR, "before the first PR")
		add(tl.Split.WaitingForReview, "waiting for review")
		add(tl.Split.InReview, "in review")
		add(tl.Split.MergeToDeploy, "merge to deploy")
		fmt.Fprintf(&b, "Split: %s.\n", strings.Join(split, ", "))
		if len(split) > 0 {
			m.Reading = fmt.Sprintf("%s is %s; it spent %s.", escape(it.Key), escape(tl.Flow.Status), strings.Join(split, ", "))
		}
		for _, f := range []struct {
			label string
			d     coach.Days
		}{{"Before the first PR", tl.Split.BeforeFirstPR}, {"Waiting for review", tl.Split.WaitingForReview}, {"In review", tl.Split.InReview}, {"Merge to deploy", tl.Split.MergeToDeploy}} {
			if f.d.OK {
				m.Fields = append(m.Fields, Field{f.label, days(f.d.Days)})
			}
		}
		if tl.Split.Undeployed {
			b.WriteString("_A merged PR is not in production yet: merge to deploy counts up to now._\n")
		}
		if tl.Split.MergeProxy {
			b.WriteString("_Some of its repositories have no deployments, so their merges end the timeline._\n")
		}
	}
	b.WriteString("Timeline:\n")
	timeline := b.Len()
	for i, e := range tl.Events {
		if i == maxEventLines {
			fmt.Fprintf(&b, "…and %d more (`flowbot ask --format json` lists all)\n", len(tl.Events)-i)
			break
		}
		fmt.Fprintf(&b, "• %s %s\n", e.At.In(loc).Format("Jan 2 15:04"), eventText(e))
	}
	m.Body = append(m.Body, "*Timeline:*\n"+strings.TrimRight(b.String()[timeline:], "\n"))
	return Answer{Text: strings.TrimRight(b.String(), "\n"), JSON: j, Message: m}, nil
}

func eventText(e coach.TimelineEvent) string {
	pr := e.PR.String()
	switch e.Kind {
	case coach.EventCreated:
		return "created in " + escape(e.Status)
	case coach.EventStatus:
		return "→ " + escape(e.Status)
	case coach.EventOpened:
		return pr + " opened: " + escape(truncate(e.PR.Title, 60))
	case coach.EventReady:
		return pr + " ready for review"
	case coach.EventReview:
		state := strings.ToLower(strings.ReplaceAll(e.ReviewState, "_", " "))
		if e.Bot {
			return fmt.Sprintf("%s %s by %s (a bot: not a review)", pr, state, escape(e.Reviewer))
		}
		return fmt.Sprintf("%s %s by %s", pr, state, escape(e.Reviewer))
	case coach.EventMerged:
		return pr + " merged"
	case coach.EventClosed:
		return pr + " closed without merging"
	case coach.EventDeployed:
		env := "production"
		if e.Deployment != nil && e.Deployment.Environment != "" {
			env = e.Deployment.Environment
		}
		return pr + " deployed to " + escape(env)
	}
	return e.Kind
}

// ---- /flow data-quality

type unmappedJSON struct {
	Status string   `json:"status"`
	Items  int      `json:"items"`
	Keys   []string `json:"keys"`
}

type dataQualityJSON struct {
	Command                  string         `json:"command"`
	Team                     string         `json:"team"`
	From                     string         `json:"from"`
	To                       string         `json:"to"`
	N                        int            `json:"n"`
	Excluded                 map[string]int `json:"excluded"`
	DoneWithoutStart         int            `json:"done_without_start"`
	DoneWithoutStartList     []string       `json:"done_without_start_list"`
	Reopened                 int            `json:"reopened"`
	ReopenedList             []string       `json:"reopened_list"`
	UnmappedStatuses         int            `json:"unmapped_statuses"`
	UnmappedStatusesList     []unmappedJSON `json:"unmapped_statuses_list"`
	TruncatedPRs             int            `json:"truncated_prs"`
	TruncatedPRsList         []string       `json:"truncated_prs_list"`
	TruncatedDeployments     int            `json:"truncated_deployments"`
	TruncatedDeploymentsList []string       `json:"truncated_deployments_list"`
	UnattributedFailures     int            `json:"unattributed_failures"`
	UnattributedFailuresList []failureJSON  `json:"unattributed_failures_list"`
	NegativeSpans            int            `json:"negative_spans"`
	NegativeSpansList        []string       `json:"negative_spans_list"`
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func dataQualityAnswer(s *snapshot, cmd Command) (Answer, error) {
	win := s.window(cmd.Since)
	r := coach.DataQuality(s.workflow, s.flows, s.prs, s.deployments, s.incidents, deliveryOptions(s, false), win)
	j := dataQualityJSON{Command: "data-quality", Team: s.team.ID, From: rfc3339(win.From), To: rfc3339(win.To), Excluded: map[string]int{},
		DoneWithoutStart: len(r.DoneWithoutStart), DoneWithoutStartList: orEmpty(r.DoneWithoutStart),
		Reopened: len(r.Reopened), ReopenedList: orEmpty(r.Reopened),
		UnmappedStatuses: len(r.UnmappedStatuses), UnmappedStatusesList: []unmappedJSON{},
		TruncatedPRs: len(r.TruncatedPRs), TruncatedPRsList: refs(r.TruncatedPRs),
		TruncatedDeployments: len(r.TruncatedDeployments), TruncatedDeploymentsList: orEmpty(r.TruncatedDeployments),
		UnattributedFailures: len(r.Unattributed), UnattributedFailuresList: []failureJSON{},
		NegativeSpans: len(r.NegativeSpans), NegativeSpansList: []string{}}
	for _, u := range r.UnmappedStatuses {
		j.UnmappedStatusesList = append(j.UnmappedStatusesList, unmappedJSON{Status: u.Status, Items: len(u.Keys), Keys: u.Keys})
	}
	var unattributed []string
	for _, f := range r.Unattributed {
		j.UnattributedFailuresList = append(j.UnattributedFailuresList, failureToJSON(f))
		unattributed = append(unattributed, fmt.Sprintf("%s (%s)", f.ID, f.How))
	}
	for _, n := range r.NegativeSpans {
		j.NegativeSpansList = append(j.NegativeSpansList, n.PR.String()+" "+n.Span)
	}
	j.N = j.DoneWithoutStart + j.Reopened + j.UnmappedStatuses + j.TruncatedPRs + j.TruncatedDeployments + j.UnattributedFailures + j.NegativeSpans

	var b strings.Builder
	fmt.Fprintf(&b, "*Data quality · %s* (%s)\n", s.team.Name, windowLabel(cmd.Since, win, s.team.Location()))
	m := &Message{Title: "Data quality · " + s.team.Name, Context: windowContext(cmd.Since, win, s.team.Location())}
	if j.N == 0 {
		b.WriteString("Nothing found that distorts the numbers in this window.")
		m.Reading = "Nothing found that distorts the numbers in this window."
		return Answer{Text: b.String(), JSON: j, Message: m}, nil
	}
	m.Reading = fmt.Sprintf("%s could distort the numbers; each is listed with how to fix it.", plural(j.N, "finding", "findings"))
	finding := func(n int, one, many, why string, names []string) {
		if n == 0 {
			return
		}
		line := fmt.Sprintf("• *%s*: %s. %s", plural(n, one, many), listSome(names, maxListed), why)
		b.WriteString(line + "\n")
		m.Body = append(m.Body, line)
		m.Fields = append(m.Fields, Field{upperFirst(many), fmt.Sprint(n)})
	}
	finding(j.DoneWithoutStart, "item done without starting", "items done without starting", "Done without starting counts in throughput but has no cycle time: move items through a started status.", j.DoneWithoutStartList)
	finding(j.Reopened, "item reopened", "items reopened", "A reopened item's done time is the last time it was done.", j.ReopenedList)
	var statuses []string
	for _, u := range r.UnmappedStatuses {
		statuses = append(statuses, fmt.Sprintf("%s (%s)", escape(u.Status), plural(len(u.Keys), "item", "items")))
	}
	finding(j.UnmappedStatuses, "status no stage maps", "statuses no stage maps", "Add each to a stage in flowbot.yaml, or stage metrics cannot place its time.", statuses)
	finding(j.TruncatedPRs, "PR with a truncated commit list", "PRs with truncated commit lists", "GitHub lists at most 250 commits, so their coding and lead time may start late.", j.TruncatedPRsList)
	finding(j.TruncatedDeployments, "deployment with a truncated commit list", "deployments with truncated commit lists", "Some changes they carried may be missing.", j.TruncatedDeploymentsList)
	finding(j.UnattributedFailures, "unattributed failure", "unattributed failures", "Link the incident to the PR or commit that caused it.", unattributed)
	finding(j.NegativeSpans, "negative span clamped to zero", "negative spans clamped to zero", "Clock skew or cherry-picked commits.", j.NegativeSpansList)
	return Answer{Text: strings.TrimRight(b.String(), "\n"), JSON: j, Message: m}, nil
}
