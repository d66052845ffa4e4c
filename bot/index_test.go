package bot

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store/storetest"
	gocmp "github.com/google/go-cmp/cmp"
)

// The index is tested against the real store (on Redis or miniredis, as
// storetest decides): the contract between the two halves is the point.

func indexWorkflow() coach.Workflow {
	return coach.Workflow{
		Stages: []coach.Stage{
			{Name: "Build", Active: []string{"In Progress"}, Wait: []string{"Blocked"}},
			{Name: "Review", Active: []string{"In Review"}},
			{Name: "Done", Done: []string{"Done"}},
		},
		Statuses: []coach.Status{
			{Name: "To Do", Category: coach.CategoryNew},
			{Name: "In Progress", Category: coach.CategoryIndeterminate},
			{Name: "Blocked", Category: coach.CategoryIndeterminate},
			{Name: "In Review", Category: coach.CategoryIndeterminate},
			{Name: "Done", Category: coach.CategoryDone},
		},
		ExcludeResolutions: []string{"Won't Do"},
	}
}

var indexDay0 = time.Date(2025, 1, 6, 8, 0, 0, 0, time.UTC)

// indexItems is a seeded team history with the cases that matter: items
// done, in progress, sent back to the backlog, reopened, dropped as Won't
// Do, in a status nobody placed, created late, and with a transition
// stamped after Updated. Times are whole milliseconds, as Jira's are.
func indexItems(seed uint64, n int) []coach.Item {
	r := rand.New(rand.NewPCG(seed, 1))
	ms := func(days float64) time.Duration {
		return time.Duration(days*24*float64(time.Hour)).Truncate(time.Millisecond) + time.Duration(r.IntN(1000))*time.Millisecond
	}
	items := make([]coach.Item, n)
	for i := range items {
		created := indexDay0.Add(ms(r.Float64() * 100))
		it := coach.Item{
			Key: fmt.Sprintf("PAY-%d", i+1), Title: fmt.Sprintf("Item %d", i+1), Type: "Story",
			Assignee: []string{"", "Ada", "Grace"}[r.IntN(3)], Created: created, Status: "To Do",
		}
		t, from := created, "To Do"
		for range r.IntN(7) {
			t = t.Add(ms(r.ExpFloat64() * 3))
			to := []string{"In Progress", "Blocked", "In Review", "Done", "To Do", "Legacy"}[r.IntN(6)]
			it.Transitions = append(it.Transitions, coach.Transition{At: t, From: from, To: to})
			from = to
		}
		it.Status = from
		it.Updated = t.Add(ms(r.Float64()))
		if from == "Done" {
			it.Resolution = []string{"Fixed", "Fixed", "Won't Do"}[r.IntN(3)]
			it.Resolved = t
		}
		if len(it.Transitions) > 0 && r.IntN(10) == 0 {
			// Jira's Updated missed the last move.
			it.Updated = it.Transitions[len(it.Transitions)-1].At.Add(-time.Hour)
		}
		items[i] = it
	}
	return items
}

// answerFlows is what answers over [from, now) use of flows: the items
// delivered in the window (but their titles and assignees) and the items in
// progress, without their histories, by key.
func answerFlows(flows []coach.Flow, from, now time.Time) []coach.Flow {
	win := coach.Window{From: from, To: now}
	var out []coach.Flow
	for _, f := range flows {
		if (f.Delivered() && win.Contains(f.Done)) || f.InProgress() {
			f.Item.Transitions, f.Item.Flagged, f.Item.Links = nil, nil, nil
			if f.Delivered() {
				f.Item.Title, f.Item.Assignee = "", ""
			}
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b coach.Flow) int { return cmp.Compare(a.Item.Key, b.Item.Key) })
	return out
}

// checkFlowsFor compares flowsFor with reading every item as of now.
func checkFlowsFor(t *testing.T, db indexStore, wf coach.Workflow, items []coach.Item, now, from time.Time) {
	t.Helper()
	got, err := flowsFor(t.Context(), db, "payments", wf, fingerprint(wf), now, from)
	if err != nil {
		t.Fatalf("flowsFor: %v", err)
	}
	keys := map[string]bool{}
	for _, f := range got {
		if keys[f.Item.Key] {
			t.Errorf("flowsFor returned %s twice", f.Item.Key)
		}
		keys[f.Item.Key] = true
	}
	all := coach.Flows(wf, items, now)
	if diff := gocmp.Diff(answerFlows(got, from, now), answerFlows(all, from, now)); diff != "" {
		t.Errorf("flowsFor as of %s (-got +want):\n%s", now, diff)
	}
	// The answers themselves, as of now, over the window asked for.
	win := coach.Window{From: from, To: now}
	if diff := gocmp.Diff(coach.CycleTime(got, win), coach.CycleTime(all, win)); diff != "" {
		t.Errorf("cycle time (-got +want):\n%s", diff)
	}
	// Aging's SLE looks back 90 days.
	if !from.After(now.Add(-90 * 24 * time.Hour)) {
		if diff := gocmp.Diff(coach.Aging(wf, got, now), coach.Aging(wf, all, now)); diff != "" {
			t.Errorf("aging (-got +want):\n%s", diff)
		}
	}
	if diff := gocmp.Diff(coach.WIP(wf, got), coach.WIP(wf, all)); diff != "" {
		t.Errorf("wip (-got +want):\n%s", diff)
	}
	if diff := gocmp.Diff(coach.Throughput(got, win, time.UTC), coach.Throughput(all, win, time.UTC)); diff != "" {
		t.Errorf("throughput (-got +want):\n%s", diff)
	}
}

// nows are the instants the index is asked as of: before any item, inside
// the history (at a transition, within its millisecond, between), and after
// it all.
func nows(items []coach.Item) []time.Time {
	tr := items[3].Transitions
	var at time.Time
	if len(tr) > 0 {
		at = tr[0].At
	} else {
		at = items[3].Created
	}
	return []time.Time{
		indexDay0.Add(-time.Hour),
		indexDay0.Add(30 * 24 * time.Hour),
		at,
		at.Add(time.Nanosecond),
		at.Add(-time.Nanosecond),
		indexDay0.Add(80*24*time.Hour + 17*time.Minute + 3*time.Millisecond + 5),
		indexDay0.Add(400 * 24 * time.Hour),
	}
}

func TestFlowsForMatchesReadingEveryItem(t *testing.T) {
	ctx := t.Context()
	db := storetest.New(t)
	wf := indexWorkflow()
	items := indexItems(1, 400)
	if err := db.PutItems(ctx, "payments", items); err != nil {
		t.Fatal(err)
	}
	if err := updateFlowIndex(ctx, db, "payments", wf, items); err != nil {
		t.Fatalf("updateFlowIndex: %v", err)
	}
	for _, now := range nows(items) {
		t.Run(now.Format(time.RFC3339Nano), func(t *testing.T) {
			checkFlowsFor(t, db, wf, items, now, now.Add(-90*24*time.Hour))
			checkFlowsFor(t, db, wf, items, now, now.Add(-7*24*time.Hour))
		})
	}

	t.Run("after items change", func(t *testing.T) {
		changed := indexItems(2, 60) // the same keys, other histories
		for i := range changed {
			changed[i].Created = items[i].Created
			changed[i].Updated = changed[i].Updated.Add(120 * 24 * time.Hour)
			for j := range changed[i].Transitions {
				changed[i].Transitions[j].At = changed[i].Transitions[j].At.Add(120 * 24 * time.Hour)
			}
		}
		if err := db.PutItems(ctx, "payments", changed); err != nil {
			t.Fatal(err)
		}
		if err := updateFlowIndex(ctx, db, "payments", wf, changed); err != nil {
			t.Fatalf("updateFlowIndex: %v", err)
		}
		now := slices.Clone(items)
		copy(now, changed)
		for _, at := range append(nows(items), indexDay0.Add(125*24*time.Hour)) {
			checkFlowsFor(t, db, wf, now, at, at.Add(-90*24*time.Hour))
		}
	})
}

func TestFlowsForAfterTheWorkflowChanges(t *testing.T) {
	ctx := t.Context()
	db := storetest.New(t)
	wf := indexWorkflow()
	items := indexItems(3, 200)
	if err := db.PutItems(ctx, "payments", items); err != nil {
		t.Fatal(err)
	}
	now := indexDay0.Add(200 * 24 * time.Hour)

	_, err := flowsFor(ctx, db, "payments", wf, fingerprint(wf), now, indexDay0)
	if !errors.Is(err, errIndexStale) {
		t.Fatalf("flowsFor before any index: error = %v, want errIndexStale", err)
	}
	// The first update indexes every stored item, not only its own.
	if err := updateFlowIndex(ctx, db, "payments", wf, items[:1]); err != nil {
		t.Fatal(err)
	}
	checkFlowsFor(t, db, wf, items, now, indexDay0)

	// Review becomes a wait and "Legacy" a done status: every flow reads
	// differently, and the old index must not answer.
	changed := indexWorkflow()
	changed.Stages[1] = coach.Stage{Name: "Review", Wait: []string{"In Review"}}
	changed.Stages[2].Done = append(changed.Stages[2].Done, "Legacy")
	_, err = flowsFor(ctx, db, "payments", changed, fingerprint(changed), now, indexDay0)
	if !errors.Is(err, errIndexStale) {
		t.Fatalf("flowsFor with a changed workflow: error = %v, want errIndexStale", err)
	}
	if err := updateFlowIndex(ctx, db, "payments", changed, items[:1]); err != nil {
		t.Fatal(err)
	}
	checkFlowsFor(t, db, changed, items, now, indexDay0)
}

func TestFingerprint(t *testing.T) {
	variants := map[string]func(*coach.Workflow){
		"no change":                   func(*coach.Workflow) {},
		"stage renamed":               func(w *coach.Workflow) { w.Stages[0].Name = "Make" },
		"stages reordered":            func(w *coach.Workflow) { w.Stages[0], w.Stages[1] = w.Stages[1], w.Stages[0] },
		"active becomes wait":         func(w *coach.Workflow) { w.Stages[1].Active, w.Stages[1].Wait = nil, w.Stages[1].Active },
		"done status added":           func(w *coach.Workflow) { w.Stages[2].Done = append(w.Stages[2].Done, "Closed") },
		"no stages":                   func(w *coach.Workflow) { w.Stages = nil },
		"status category changed":     func(w *coach.Workflow) { w.Statuses[2].Category = coach.CategoryNew },
		"status added":                func(w *coach.Workflow) { w.Statuses = append(w.Statuses, coach.Status{Name: "QA"}) },
		"exclusion added":             func(w *coach.Workflow) { w.ExcludeResolutions = append(w.ExcludeResolutions, "Duplicate") },
		"no exclusions":               func(w *coach.Workflow) { w.ExcludeResolutions = nil },
		"names swapped between roles": func(w *coach.Workflow) { w.Stages[0].Active, w.Stages[0].Wait = w.Stages[0].Wait, w.Stages[0].Active },
	}
	seen := map[string]string{}
	for name, change := range variants {
		t.Run(name, func(t *testing.T) {
			wf := indexWorkflow()
			change(&wf)
			got := fingerprint(wf)
			if again := fingerprint(wf); again != got {
				t.Errorf("fingerprint is not stable: %s then %s", got, again)
			}
			if other, ok := seen[got]; ok {
				t.Errorf("fingerprint %s is also the one of %q", got, other)
			}
			seen[got] = name
		})
	}
}

// windowConfig is Payments with repositories and a hotfix pattern, for
// the windowed reads' comparison.
const windowConfig = `
timezone: UTC
teams:
  - id: payments
    name: Payments
    channel: C0PAYMENTS
    timezone: Europe/Berlin
    jira:
      jql: project = PAY
    github:
      repos: [acme/api, acme/web, acme/docs]
      hotfix_pattern: ^hotfix/
    stages:
      - name: Build
        active: [In Progress]
        wait: [Blocked]
      - name: Review
        active: [In Review]
      - name: Done
        done: [Done]
`

// everything hides the store's windowed and indexed reads: a Bot on it
// reads every item and pull request, the answers' reference.
type everything struct{ Store }

// windowPullRequests are seeded pull requests over the items' 100 days and
// beyond: merged, abandoned, open, drafts, bots, other base branches,
// reverts and hotfixes, with full merge commits; and deployments that
// carry them, some long after their merge.
func windowPullRequests(seed uint64, n int) ([]coach.PullRequest, []coach.Deployment) {
	r := rand.New(rand.NewPCG(seed, 2))
	hours := func(h float64) time.Duration { return time.Duration(h * float64(time.Hour)).Truncate(time.Millisecond) }
	sha := func(i int) string { return fmt.Sprintf("%040x", uint64(i)*0x9e3779b97f4a7c15) }
	var prs []coach.PullRequest
	for i := range n {
		repo := []string{"acme/api", "acme/web"}[r.IntN(2)]
		created := indexDay0.Add(hours(r.Float64() * 2600))
		pr := coach.PullRequest{
			Repo: repo, Number: i + 1, Title: fmt.Sprintf("PAY-%d change", r.IntN(400)+1), Author: []string{"ana", "bob", "renovate[bot]"}[r.IntN(3)],
			State: "open", BaseBranch: []string{"main", "main", "main", "release"}[r.IntN(4)], HeadBranch: fmt.Sprintf("PAY-%d-work", i),
			Created: created, Ready: created, FirstCommit: created.Add(-hours(r.Float64() * 48)),
			Additions: r.IntN(900), Deletions: r.IntN(200),
		}
		switch r.IntN(10) {
		case 0:
			pr.HeadBranch = fmt.Sprintf("revert-%d-x", r.IntN(i+1)+1)
		case 1:
			pr.HeadBranch = "hotfix/now"
		case 2:
			pr.Ready = created.Add(hours(r.Float64() * 30)) // a draft first
		}
		for range r.IntN(3) {
			pr.Reviews = append(pr.Reviews, coach.Review{Author: []string{"bob", "cy", "ci[bot]"}[r.IntN(3)],
				State: []string{"APPROVED", "COMMENTED", "CHANGES_REQUESTED"}[r.IntN(3)], Submitted: created.Add(hours(r.Float64() * 40))})
		}
		switch r.IntN(6) {
		case 0: // open
		case 1:
			pr.State, pr.Closed = "closed", created.Add(hours(r.Float64()*100))
		default:
			pr.State, pr.Merged = "closed", created.Add(hours(r.Float64()*100))
			pr.Closed, pr.MergeCommitSHA = pr.Merged, sha(i)
		}
		prs = append(prs, pr)
	}
	// Each repository deploys every few days what was merged since its
	// last deployment, some PRs only much later.
	var deps []coach.Deployment
	for _, repo := range []string{"acme/api", "acme/web"} {
		last := indexDay0
		for id := int64(1); last.Before(indexDay0.Add(120 * 24 * time.Hour)); id++ {
			at := last.Add(hours(24 + r.Float64()*72))
			d := coach.Deployment{Repo: repo, ID: id, Source: coach.DeploymentSourceAPI, Environment: "production",
				Created: at.Add(-time.Minute), Succeeded: at, HasCommits: r.IntN(5) > 0}
			for _, pr := range prs {
				if pr.Repo == repo && !pr.Merged.IsZero() && pr.Merged.Before(at) && !pr.Merged.Before(last) && r.IntN(8) > 0 {
					d.Commits = append(d.Commits, pr.MergeCommitSHA)
					d.SHA = pr.MergeCommitSHA
				}
			}
			if r.IntN(4) == 0 {
				// A late deployment of something merged long ago.
				old := prs[r.IntN(len(prs))]
				if old.Repo == repo && old.MergeCommitSHA != "" {
					d.Commits = append(d.Commits, old.MergeCommitSHA)
				}
			}
			if r.IntN(7) == 0 {
				d.Environment = "staging"
			}
			deps = append(deps, d)
			last = at
		}
	}
	// acme/docs deployed once, before everything else: its later merges
	// are not deployed (rather than merges standing in for deployments).
	deps = append(deps, coach.Deployment{Repo: "acme/docs", ID: 1, Source: coach.DeploymentSourceAPI, Environment: "production",
		Created: indexDay0, Succeeded: indexDay0.Add(time.Hour)})
	for i := range 25 {
		created := indexDay0.Add(time.Duration(i) * 5 * 24 * time.Hour)
		prs = append(prs, coach.PullRequest{Repo: "acme/docs", Number: i + 1, Author: "ana", State: "closed", BaseBranch: "main",
			Created: created, Ready: created, Merged: created.Add(time.Hour), Closed: created.Add(time.Hour), MergeCommitSHA: sha(1000 + i)})
	}
	return prs, deps
}

// TestWindowedAnswersMatchReadingEverything asks every command with a
// windowed read, as of instants across the history and over several
// windows, of a bot on the store and of one reading everything: the text
// and the JSON must be the same.
func TestWindowedAnswersMatchReadingEverything(t *testing.T) {
	ctx := t.Context()
	cfg, err := config.Parse([]byte(windowConfig))
	if err != nil {
		t.Fatal(err)
	}
	team, _ := cfg.Team("payments")
	statuses := indexWorkflow().Statuses
	wf := team.Workflow(statuses, cfg.Jira.ExcludeResolutions)
	db := storetest.New(t)
	items := indexItems(5, 400)
	prs, deps := windowPullRequests(5, 300)
	if err := db.PutStatuses(ctx, "payments", statuses); err != nil {
		t.Fatal(err)
	}
	if err := db.SetLastSync(ctx, "payments", indexDay0.Add(90*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.PutItems(ctx, "payments", items); err != nil {
		t.Fatal(err)
	}
	if err := updateFlowIndex(ctx, db, "payments", wf, items); err != nil {
		t.Fatal(err)
	}
	if err := db.PutPullRequests(ctx, "payments", prs); err != nil {
		t.Fatal(err)
	}
	if err := db.PutDeployments(ctx, "payments", deps); err != nil {
		t.Fatal(err)
	}
	// Some items change later: answers as of before that must not see it.
	changed := indexItems(6, 40)
	for i := range changed {
		changed[i].Created = items[i].Created
		changed[i].Updated = changed[i].Updated.Add(60 * 24 * time.Hour)
		for j := range changed[i].Transitions {
			changed[i].Transitions[j].At = changed[i].Transitions[j].At.Add(60 * 24 * time.Hour)
		}
	}
	if err := db.PutItems(ctx, "payments", changed); err != nil {
		t.Fatal(err)
	}
	if err := updateFlowIndex(ctx, db, "payments", wf, changed); err != nil {
		t.Fatal(err)
	}

	windowed := &Bot{Config: cfg, Store: db}
	reference := &Bot{Config: cfg, Store: everything{db}}
	commands := []string{"cycle-time", "throughput", "wip", "aging", "vsm", "efficiency", "vsm --working-time", "efficiency --working-time", "prs",
		"forecast 20 --seed 7", "forecast --by 2026-12-31 --seed 7", "dora",
		"compare 2025-02 2025-03", "compare 2025-03-10..2025-03-31 2025-01-20..2025-02-10"}
	sinces := []string{"", " --since 7d", " --since 90d", " --since 2025-01-01"}
	for _, now := range append(nows(items), indexDay0.Add(45*24*time.Hour), indexDay0.Add(70*24*time.Hour)) {
		for _, name := range commands {
			for _, since := range sinces {
				if (strings.HasPrefix(name, "forecast") || strings.HasPrefix(name, "compare")) && since != "" {
					continue // takes no --since
				}
				text := name + since
				t.Run(now.Format(time.RFC3339Nano)+"/"+text, func(t *testing.T) {
					got, gotErr := windowed.Ask(ctx, "payments", text, now)
					want, wantErr := reference.Ask(ctx, "payments", text, now)
					if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
						t.Fatalf("error = %v, want %v", gotErr, wantErr)
					}
					if diff := gocmp.Diff(got.Text, want.Text); diff != "" {
						t.Errorf("text (-got +want):\n%s", diff)
					}
					// The laid-out answer too: its reading may use more than
					// the text does (cycle-time counts the aging work).
					if diff := gocmp.Diff(got.Message, want.Message); diff != "" {
						t.Errorf("message (-got +want):\n%s", diff)
					}
					gotJSON, err := json.Marshal(got.JSON)
					if err != nil {
						t.Fatal(err)
					}
					wantJSON, err := json.Marshal(want.JSON)
					if err != nil {
						t.Fatal(err)
					}
					if diff := gocmp.Diff(string(gotJSON), string(wantJSON)); diff != "" {
						t.Errorf("JSON (-got +want):\n%s", diff)
					}
				})
			}
		}
	}
}

// A store whose pull requests or deployments name commits by short SHAs
// cannot read pull requests by window: the store counts such deployments
// and the bot then reads them all. Upper-case hex counts too: GitHub
// never sends it, and reading everything is right either way.
func TestPullRequestWindowNeedsFullSHAs(t *testing.T) {
	tests := []struct {
		name string
		dep  coach.Deployment
		want bool
	}{
		{name: "full SHAs", dep: coach.Deployment{SHA: strings.Repeat("ab", 20), Commits: []string{strings.Repeat("0f", 20)}}},
		{name: "no SHA", dep: coach.Deployment{}},
		{name: "short deployed SHA", dep: coach.Deployment{SHA: "abc1234"}, want: true},
		{name: "short commit", dep: coach.Deployment{SHA: strings.Repeat("ab", 20), Commits: []string{"abc1234"}}, want: true},
		{name: "not hex", dep: coach.Deployment{SHA: strings.Repeat("xy", 20)}, want: true},
		{name: "upper-case hex", dep: coach.Deployment{SHA: strings.Repeat("AB", 20)}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.New(t)
			dep := tt.dep
			dep.Repo, dep.ID, dep.Source, dep.Environment = "acme/api", 1, coach.DeploymentSourceAPI, "production"
			if err := db.PutDeployments(t.Context(), "payments", []coach.Deployment{dep}); err != nil {
				t.Fatal(err)
			}
			_, _, _, _, odd, err := db.TeamPullRequests(t.Context(), "payments", indexDay0)
			if err != nil {
				t.Fatal(err)
			}
			if got := odd > 0; got != tt.want {
				t.Errorf("TeamPullRequests counts %d odd, want odd = %v", odd, tt.want)
			}
		})
	}
}
