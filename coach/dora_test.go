package coach

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestShipIndex(t *testing.T) {
	now := at(30, 0)
	old := mergedPR(1, at(-9, 0), at(-9, 1))
	p2 := mergedPR(2, at(0, 0), at(0, 1))
	p3 := mergedPR(3, at(0, 0), at(0, 2))
	p4 := mergedPR(4, at(1, 0), at(1, 1))
	p5 := mergedPR(5, at(2, 0), at(2, 1))
	prs := []PullRequest{old, p2, p3, p4, p5}
	staging := prodDeploy(9, sha(5), at(2, 2))
	staging.Environment = "staging"
	failed := prodDeploy(8, sha(5), time.Time{})
	future := prodDeploy(7, sha(5), at(31, 0))
	rollback := prodDeploy(5, sha(2), at(3, 0))
	rollback.Behind = true
	deps := []Deployment{
		// The first deployment seen has no commit list: it carries only the
		// PR whose merge is the deployed SHA (#2), never the older #1.
		prodDeploy(1, sha(2), at(0, 3)),
		// Carries #3 and #4 by its commits (one as a 7-digit prefix, one
		// in upper case); #2 was carried already.
		prodDeploy(2, sha(4), at(1, 3), sha(2), sha(3)[:7], ""),
		// A redeploy of the same SHA carries nothing new.
		prodDeploy(3, sha(4), at(1, 4), sha(4)),
		rollback, staging, failed, future,
	}
	deps[1].Commits[2] = strings.ToUpper(sha(4))
	ix := newShipIndex(prs, deps, DeliveryOptions{}, now)
	tests := []struct {
		pr   PullRequest
		want int64 // deployment id; 0: none
	}{
		{old, 0}, {p2, 1}, {p3, 2}, {p4, 2}, {p5, 0},
	}
	for _, tt := range tests {
		t.Run(refOf(tt.pr).String(), func(t *testing.T) {
			var got int64
			if d := ix.carrier(tt.pr); d != nil {
				got = d.ID
			}
			if got != tt.want {
				t.Errorf("carrier = deployment %d, want %d", got, tt.want)
			}
		})
	}
	if got := ix.source("acme/api"); got != DeploymentSourceAPI {
		t.Errorf("source = %q, want %q", got, DeploymentSourceAPI)
	}
}

func TestShipIndexSources(t *testing.T) {
	now := at(30, 0)
	pr := mergedPR(1, at(0, 0), at(0, 1))
	wf := Deployment{Repo: "acme/api", ID: 77, Source: DeploymentSourceWorkflow, SHA: sha(1), Succeeded: at(0, 5)}
	qa := prodDeploy(2, sha(1), at(0, 3))
	qa.Environment = "qa"
	tests := []struct {
		name       string
		deps       []Deployment
		o          DeliveryOptions
		wantSource string
		wantAt     time.Time // zero: not deployed
	}{
		{"deployments first", []Deployment{prodDeploy(1, sha(1), at(0, 2)), wf}, DeliveryOptions{}, DeploymentSourceAPI, at(0, 2)},
		{"workflow runs when no production deployment", []Deployment{qa, wf}, DeliveryOptions{}, DeploymentSourceWorkflow, at(0, 5)},
		{"the production pattern is configurable", []Deployment{qa, wf}, DeliveryOptions{Production: regexp.MustCompile(`^qa$`)}, DeploymentSourceAPI, at(0, 3)},
		{"merges are the proxy", nil, DeliveryOptions{}, SourceMergeProxy, at(0, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := newShipIndex([]PullRequest{pr}, tt.deps, tt.o, now)
			var got time.Time
			if d := ix.carrier(pr); d != nil {
				got = d.Succeeded
			}
			if ix.source("acme/api") != tt.wantSource || !got.Equal(tt.wantAt) {
				t.Errorf("source %q deployed %v, want %q %v", ix.source("acme/api"), got, tt.wantSource, tt.wantAt)
			}
		})
	}
}

// doraFixture is two weeks, Monday 2026-11-02 to Monday 2026-11-16, of
// acme/api (GitHub deployments) and acme/web (no deployments: merge proxy).
func doraFixture() ([]PullRequest, []Deployment, []Item, DeliveryOptions, Window) {
	firstCommit := func(pr PullRequest, t time.Time) PullRequest { pr.FirstCommit = t; return pr }
	p0 := mergedPR(20, at(-6, 0), at(-5, 0)) // merged before the window, never deployed
	p1 := firstCommit(mergedPR(1, at(0, 10), at(0, 12)), at(0, 9))
	p2 := firstCommit(mergedPR(2, at(1, 9.5), at(1, 10)), at(1, 9))
	p3 := firstCommit(mergedPR(3, at(2, 10), at(2, 11)), at(2, 9.5))
	p3.HeadBranch = "revert-1-feature" // reverts #1
	p4 := firstCommit(mergedPR(4, at(8, 9), at(8, 10)), at(8, 8))
	p4.HeadBranch = "hotfix/login"
	p5 := mergedPR(5, at(8, 10.5), at(8, 11))
	p5.Author = "dependabot[bot]"
	p6 := mergedPR(6, at(9, 10), at(9, 12)) // merged, not deployed
	web := firstCommit(mergedPR(7, at(3, 9), at(3, 10)), at(3, 8))
	web.Repo = "acme/web"
	rollback := prodDeploy(15, sha(2), at(9, 9))
	rollback.Behind = true
	staging := prodDeploy(16, sha(6), at(9, 13))
	staging.Environment = "staging"
	deps := []Deployment{
		prodDeploy(11, sha(1), at(0, 14)),                 // D1: first seen, carries #1 only
		prodDeploy(12, sha(2), at(1, 12), sha(2)),         // D2: #2
		prodDeploy(13, sha(3), at(2, 13), sha(3)),         // D3: the revert #3
		prodDeploy(14, sha(5), at(8, 12), sha(4), sha(5)), // D4: hotfix #4 and bot #5
		rollback, staging,
	}
	incidents := []Item{
		// "api" names acme/api; D2 (1 d 12:00) is 2 h before: window.
		{Key: "INC-1", Title: "api latency spike", Created: at(1, 14), Resolved: at(1, 16)},
		// Names no repository, links nothing: unattributed.
		{Key: "INC-2", Title: "Slow pages", Created: at(5, 10), Resolved: at(5, 12)},
		// Links #4 explicitly: D4. Not resolved.
		{Key: "INC-3", Title: "Checkout broken after acme/api#4", Created: at(8, 20)},
		// Before the window: not a failure of it.
		{Key: "INC-0", Title: "api down", Created: at(-1, 0), Resolved: at(-1, 1)},
	}
	o := DeliveryOptions{Repos: []string{"acme/api", "acme/web"}, DefaultBranches: []string{"main"},
		Hotfix: regexp.MustCompile(`^hotfix/`)}
	return []PullRequest{p0, p1, p2, p3, p4, p5, p6, web}, deps, incidents, o, Window{From: at(0, 0), To: at(14, 0)}
}

func TestDORAFailures(t *testing.T) {
	prs, deps, incidents, o, win := doraFixture()
	r := DORA(prs, deps, incidents, o, win)
	type failure struct {
		ID, Repo, How string
		Deployment    int64
		Recovered     time.Time
	}
	var got []failure
	for _, f := range r.Failures {
		g := failure{ID: f.ID, Repo: f.Repo, How: f.How, Recovered: f.Recovered}
		if f.Deployment != nil {
			g.Deployment = f.Deployment.ID
		}
		got = append(got, g)
	}
	want := []failure{
		{ID: "INC-1", Repo: "acme/api", How: "window", Deployment: 12, Recovered: at(1, 16)},
		// The revert's target #1 shipped in D1; recovered when D3 shipped it.
		{ID: "acme/api#3", Repo: "acme/api", How: "link", Deployment: 11, Recovered: at(2, 13)},
		{ID: "INC-2", How: "no repository", Recovered: at(5, 12)},
		// The hotfix opened 6 days after D3: outside the 48 h window.
		{ID: "acme/api#4", Repo: "acme/api", How: "no deployment within the attribution window", Recovered: at(8, 12)},
		{ID: "INC-3", Repo: "acme/api", How: "link", Deployment: 14},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("failures (-got +want):\n%s", diff)
	}
	if len(r.Unattributed) != 2 {
		t.Errorf("unattributed = %d, want 2", len(r.Unattributed))
	}
}

func TestDORAKeys(t *testing.T) {
	prs, deps, incidents, o, win := doraFixture()
	r := DORA(prs, deps, incidents, o, win)
	pick := func(k DORAKeys) DORAKeys { k.Repo = ""; return k }
	api := DORAKeys{
		Source: DeploymentSourceAPI,
		// D1..D4 and the rollback; staging does not count. Deploy days 0,
		// 1, 2, 8, 9: 5 in 2 weeks.
		Deployments: 5, DeployDays: 5, DeploysPerWeek: 2.5, DeployDaysPerWeek: 2.5,
		// Week 1 had 3 deploy days, week 2 had 2: median (nearest rank) 2.
		WholeWeeks: 2, WeeklyDeployDaysP50: 2,
		// #1 9->14 = 5 h, #2 9->12 = 3, #3 9.5->13 = 3.5, #4 8->12 = 4; the
		// bot's #5 left out; #6 not deployed. p50 = 2nd of 4 = 3.5, p85 = 4th = 5.
		LeadTime:        Dist{N: 4, P50: 3.5, P85: 5},
		LeadTimeMissing: map[string]int{"bot_authored": 1, "not_deployed": 1},
		// INC-1, #3, #4, INC-3; D1, D2 and D4 have an attributed failure.
		Failures: 4, FailedDeployments: 3, ChangeFailureRate: 0.6,
		// Attributed and recovered: INC-1 2 h, #3 (opened 2 d 10:00,
		// deployed 13:00) 3 h.
		Recovery: Dist{N: 2, P50: 2, P85: 3},
		// D3 (revert), D4 (hotfix), the rollback.
		Rework: 3, ReworkRate: 0.6,
		Bands: Bands{DeploymentFrequency: BandHigh, LeadTime: BandInsufficient, ChangeFailureRate: BandLow, Recovery: BandInsufficient},
	}
	web := DORAKeys{
		Source: SourceMergeProxy, Deployments: 1, DeployDays: 1, DeploysPerWeek: 0.5, DeployDaysPerWeek: 0.5,
		WholeWeeks: 2, WeeklyDeployDaysP50: 0, LeadTime: Dist{N: 1, P50: 2, P85: 2}, LeadTimeMissing: map[string]int{},
		Bands: Bands{DeploymentFrequency: BandInsufficient, LeadTime: BandInsufficient, ChangeFailureRate: BandInsufficient, Recovery: BandInsufficient},
	}
	team := DORAKeys{
		// The weakest source.
		Source: SourceMergeProxy,
		// Deploy days 0, 1, 2, 3, 8, 9; weeks 4 and 2 -> median 2.
		Deployments: 6, DeployDays: 6, DeploysPerWeek: 3, DeployDaysPerWeek: 3, WholeWeeks: 2, WeeklyDeployDaysP50: 2,
		// 2, 3, 3.5, 4, 5: p50 = 3rd = 3.5, p85 = ceil(4.25) = 5th = 5.
		LeadTime:        Dist{N: 5, P50: 3.5, P85: 5},
		LeadTimeMissing: map[string]int{"bot_authored": 1, "not_deployed": 1},
		Failures:        5, FailedDeployments: 3, ChangeFailureRate: 0.5,
		Recovery: Dist{N: 2, P50: 2, P85: 3},
		Rework:   3, ReworkRate: 0.5,
		Bands: Bands{DeploymentFrequency: BandHigh, LeadTime: BandInsufficient, ChangeFailureRate: BandLow, Recovery: BandInsufficient},
	}
	if len(r.Repos) != 2 || r.Repos[0].Repo != "acme/api" || r.Repos[1].Repo != "acme/web" {
		t.Fatalf("repos = %+v, want acme/api and acme/web", r.Repos)
	}
	for _, c := range []struct {
		name      string
		got, want DORAKeys
	}{{"acme/api", pick(r.Repos[0]), api}, {"acme/web", pick(r.Repos[1]), web}, {"team", r.Team, team}} {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.got, c.want); diff != "" {
				t.Errorf("keys (-got +want):\n%s", diff)
			}
		})
	}
}

func TestDORARevertBySHA(t *testing.T) {
	// A revert named by "This reverts commit <sha>" (no revert- branch):
	// its target is the deployment carrying that commit, even when the
	// commit is no PR's merge commit.
	now := at(14, 0)
	revert := mergedPR(2, at(1, 0), at(1, 1))
	revert.Body = "This reverts commit DEADBEEF1234567.\n\nBroke login."
	deps := []Deployment{prodDeploy(1, "deadbeef12345678deadbeef12345678deadbeef", at(0, 1))}
	r := DORA([]PullRequest{revert}, deps, nil, DeliveryOptions{}, Window{From: at(0, 0), To: now})
	if len(r.Failures) != 1 || r.Failures[0].Deployment == nil || r.Failures[0].Deployment.ID != 1 || r.Failures[0].How != "link" {
		t.Fatalf("failures = %+v, want the revert linked to deployment 1", r.Failures)
	}
}

func TestDORAIncidentBySHA(t *testing.T) {
	// Two repositories, the title names neither, but it quotes a deployed
	// SHA: that deployment is blamed.
	p := mergedPR(1, at(0, 0), at(0, 1))
	inc := Item{Key: "INC-9", Title: "errors since " + sha(1)[:10] + ", rolling back", Created: at(0, 5)}
	deps := []Deployment{prodDeploy(1, sha(1), at(0, 2))}
	o := DeliveryOptions{Repos: []string{"acme/api", "acme/web"}}
	r := DORA([]PullRequest{p}, deps, []Item{inc}, o, Window{From: at(0, 0), To: at(7, 0)})
	if len(r.Failures) != 1 || r.Failures[0].Deployment == nil || r.Failures[0].How != "link" {
		t.Fatalf("failures = %+v, want INC-9 linked to deployment 1", r.Failures)
	}
}

func TestBands(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"lead time under a day is elite", hoursBand(Dist{N: 10, P50: 23.9}, MinLeadTimePRs, 24, 168, 720), BandElite},
		{"lead time of exactly a day is high", hoursBand(Dist{N: 10, P50: 24}, MinLeadTimePRs, 24, 168, 720), BandHigh},
		{"lead time of a week is medium", hoursBand(Dist{N: 10, P50: 168}, MinLeadTimePRs, 24, 168, 720), BandMedium},
		{"lead time of a month is low", hoursBand(Dist{N: 10, P50: 720}, MinLeadTimePRs, 24, 168, 720), BandLow},
		{"9 PRs are too few", hoursBand(Dist{N: 9, P50: 1}, MinLeadTimePRs, 24, 168, 720), BandInsufficient},
		{"recovery under an hour is elite", hoursBand(Dist{N: 3, P50: 0.5}, MinRecoveredFailure, 1, 24, 168), BandElite},
		{"2 recoveries are too few", hoursBand(Dist{N: 2, P50: 0.5}, MinRecoveredFailure, 1, 24, 168), BandInsufficient},
		{"1 failed of 20 is 5%: elite", cfrBand(DORAKeys{Deployments: 20, Failures: 3, ChangeFailureRate: 1.0 / 20}), BandElite},
		{"2 of 20 is 10%: high", cfrBand(DORAKeys{Deployments: 20, Failures: 3, ChangeFailureRate: 2.0 / 20}), BandHigh},
		{"3 of 20 is 15%: medium", cfrBand(DORAKeys{Deployments: 20, Failures: 3, ChangeFailureRate: 3.0 / 20}), BandMedium},
		{"4 of 20 is low", cfrBand(DORAKeys{Deployments: 20, Failures: 4, ChangeFailureRate: 4.0 / 20}), BandLow},
		{"2 failures are too few", cfrBand(DORAKeys{Deployments: 20, Failures: 2}), BandInsufficient},
		{"4 deployments are too few", cfrBand(DORAKeys{Deployments: 4, Failures: 3}), BandInsufficient},
		{"3 deploy days a week is elite", frequencyBand(DORAKeys{Deployments: 9, DeployDays: 9, WholeWeeks: 3, WeeklyDeployDaysP50: 3}, 21), BandElite},
		{"1 a week is high", frequencyBand(DORAKeys{Deployments: 5, DeployDays: 5, WholeWeeks: 4, WeeklyDeployDaysP50: 1}, 28), BandHigh},
		// Median week 0, 6 deploy days in 90 days: 2 a month.
		{"monthly is medium", frequencyBand(DORAKeys{Deployments: 6, DeployDays: 6, WholeWeeks: 12, WeeklyDeployDaysP50: 0}, 90), BandMedium},
		{"less than monthly is low", frequencyBand(DORAKeys{Deployments: 5, DeployDays: 2, WholeWeeks: 12, WeeklyDeployDaysP50: 0}, 90), BandLow},
		{"no whole week is too little", frequencyBand(DORAKeys{Deployments: 9, DeployDays: 5, WeeklyDeployDaysP50: 0}, 6), BandInsufficient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("band = %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestDORAAttributionWindowOption(t *testing.T) {
	// With a 7-day window the hotfix #4 (opened 5 d 20 h after D3) is
	// blamed on D3; with the default 48 h it is unattributed.
	prs, deps, incidents, o, win := doraFixture()
	o.AttributionWindow = 7 * 24 * time.Hour
	r := DORA(prs, deps, incidents, o, win)
	for _, f := range r.Failures {
		if f.ID == "acme/api#4" {
			if f.Deployment == nil || f.Deployment.ID != 13 || f.How != "window" {
				t.Errorf("hotfix attributed to %+v (%s), want deployment 13 by window", f.Deployment, f.How)
			}
			return
		}
	}
	t.Error("hotfix acme/api#4 is not a failure")
}

func TestOwnIncidents(t *testing.T) {
	repos := []string{"acme/payments-api", "acme/payments-web"}
	incidents := []Item{
		{Key: "OPS-1", Title: "Elevated 5xx in acme/checkout since 44a0acd"},                  // another team's repo
		{Key: "OPS-2", Title: "Errors after https://github.com/acme/checkout/pull/12"},        // another team's, by URL
		{Key: "OPS-3", Title: "Latency spike in acme/payments-api"},                           // ours
		{Key: "OPS-4", Title: "Checkout and payments down: acme/checkout, acme/payments-web"}, // names ours too: kept
		{Key: "OPS-5", Title: "Database failover"},                                            // names no repo: kept
		{Key: "OPS-6", Title: "5xx/4xx ratio rising"},                                         // shaped like one, but not under the team\'s owner: kept
	}
	own, other := ownIncidents(incidents, repos)
	var keys []string
	for _, it := range own {
		keys = append(keys, it.Key)
	}
	if diff := cmp.Diff([]string{"OPS-3", "OPS-4", "OPS-5", "OPS-6"}, keys); diff != "" {
		t.Errorf("own incidents (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"OPS-1", "OPS-2"}, other); diff != "" {
		t.Errorf("other teams' incidents (-want +got):\n%s", diff)
	}
}

// PRsAndDORA shares one index between the two reports, which read it
// only: each is what its own function gives, over several windows.
func TestPRsAndDORAShareTheIndex(t *testing.T) {
	prs, deps, incidents, o, win := doraFixture()
	for _, w := range []Window{win, {From: win.From, To: win.From.Add(win.To.Sub(win.From) / 2)}, {From: win.To.Add(-24 * time.Hour), To: win.To}} {
		gotPRs, gotDORA := PRsAndDORA(prs, deps, incidents, o, w)
		if diff := cmp.Diff(gotPRs, PRs(prs, deps, o, w), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%v: PRs (-shared +own):\n%s", w, diff)
		}
		if diff := cmp.Diff(gotDORA, DORA(prs, deps, incidents, o, w), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%v: DORA (-shared +own):\n%s", w, diff)
		}
	}
}

// mayRevert never turns away a body revertBody matches, in any case or
// Unicode folding.
func TestMayRevert(t *testing.T) {
	tests := []struct {
		body string
		want bool // revertBody matches
	}{
		{"This reverts commit 0123abc.", true},
		{"THIS REVERTS COMMIT 0123ABC", true},
		{"Thiſ reverts commit 0123abc", true},  // U+017F folds to s
		{"This reverts commıt 0123abc", false}, // dotless i does not fold to i
		{"Fixes the refund retry; see the commit log", false},
		{"", false},
		{"commi", false},
	}
	for _, tt := range tests {
		if got := revertBody.MatchString(tt.body); got != tt.want {
			t.Errorf("revertBody.MatchString(%q) = %v, want %v", tt.body, got, tt.want)
		}
		if tt.want && !mayRevert(tt.body) {
			t.Errorf("mayRevert(%q) = false for a body revertBody matches", tt.body)
		}
	}
	if mayRevert("Fixes the refund retry") {
		t.Error(`mayRevert("Fixes the refund retry") = true, want false`)
	}
}
