// Package sampledata generates the world `flowbot demo` runs on: a Jira and
// a GitHub for a small company, with months of history, served by the
// jiratest and githubtest stand-ins through the same APIs the real services
// speak.
//
// The world is a simulation, not a list of canned answers: each team has a
// steady arrival of work and a workflow, and every item walks it with
// random but plausible durations. Some items wait in review, some are
// blocked for days, some are sent back to the backlog and picked up again,
// some are reopened after done, some are dropped as Won't Do, and one has a
// very long history that needs Jira's changelog paging. Pull requests
// follow the items: opened when work starts, reviewed (sometimes changes
// are requested first, sometimes a bot comments), merged when the item
// moves to review's end, and a few are abandoned; dependency bots open PRs
// of their own.
//
// Delivery follows (delivery.go): pull requests name their item in the
// head branch and body, have commits from before they were opened, are
// sometimes opened as drafts and marked ready later; merges land on a
// straight main history per repository; a few are reverted (branch
// revert-N-…, "This reverts commit <sha>") or are hotfixes (hotfix/…);
// repositories deploy to production most working afternoons, some
// attempts fail, and each team on GitHub deployments rolls back once;
// Platform deploys by workflow (deploy.yml) only. In Jira, items carry
// story points, Flagged spells, epics with children and "is blocked by"
// links, and project OPS holds incidents after some deployments, some
// naming the pull request or commit they blame.
//
// Everything derives from the seed and the instant `now`, so the same seed
// and now give the same world.
package sampledata

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/github/githubtest"
	"github.com/flowbot/flowbot/integrations/jira/jiratest"
	"github.com/flowbot/flowbot/integrations/slack/slacktest"
)

// Team is one simulated team.
type Team struct {
	ID       string
	Name     string
	Channel  string
	Timezone string
	Project  string   // Jira project key
	Repos    []string // owner/name
	People   []Person
	// PerDay is the average number of items created per working day.
	PerDay float64
	// Pace multiplies the time items spend in each status.
	Pace float64
	// DeployWorkflow, when set, is the workflow file the team deploys
	// with (GitHub Actions runs, no GitHub deployments); otherwise its
	// repositories record deployments to ProductionEnvironment.
	DeployWorkflow string
}

// ProductionEnvironment is the GitHub environment the demo deploys to.
const ProductionEnvironment = "production"

// IncidentProject is the Jira project holding the demo's incidents (issue
// type "Incident"); no team's JQL matches it.
const IncidentProject = "OPS"

// Person is a member of a team, known to Jira by name, to GitHub by login
// and to Slack by e-mail.
type Person struct {
	Name  string
	Login string
	// Email is the work address Slack knows them by; "" for none.
	Email string
	// HideEmail: Jira keeps the address hidden (the profile's visibility
	// setting), so nothing links them by e-mail.
	HideEmail bool
	// GitHubEmail: their GitHub profile shows the address publicly (most
	// profiles do not).
	GitHubEmail bool
}

// SlackID is the person's Slack user id in the demo workspace.
func (p Person) SlackID() string {
	return "U0" + strings.ToUpper(strings.ReplaceAll(p.Login, "-", ""))
}

// SlackMember is a workspace member and their team's channel.
type SlackMember struct {
	User    slacktest.User
	Channel string
}

// World is a generated Jira and GitHub.
type World struct {
	Now      time.Time
	Teams    []Team
	Statuses []coach.Status
	Issues   []jiratest.Issue
	PRs      []githubtest.PullRequest
	// Deployments are GitHub deployments of the repositories of teams
	// without a DeployWorkflow; WorkflowRuns the deploy workflow's runs of
	// the others.
	Deployments  []githubtest.Deployment
	WorkflowRuns []githubtest.WorkflowRun
	// Commits is each repository's default-branch history, oldest first:
	// the merge commits of its merged pull requests (githubtest.PutCommits).
	Commits map[string][]string
	// The people as each service shows them: Jira (jiratest.PutUsers),
	// GitHub (githubtest.PutUsers) and Slack (slacktest.AddUser, in
	// their team's channel).
	JiraUsers    []jiratest.User
	GitHubUsers  []githubtest.User
	SlackMembers []SlackMember
}

// Jira's statuses in the demo, with the categories Jira files them under.
var statuses = []coach.Status{
	{ID: "10000", Name: "Backlog", Category: coach.CategoryNew},
	{ID: "10001", Name: "To Do", Category: coach.CategoryNew},
	{ID: "3", Name: "In Progress", Category: coach.CategoryIndeterminate},
	{ID: "10002", Name: "Blocked", Category: coach.CategoryIndeterminate},
	{ID: "10003", Name: "Ready for Review", Category: coach.CategoryIndeterminate},
	{ID: "10004", Name: "In Review", Category: coach.CategoryIndeterminate},
	{ID: "10005", Name: "Done", Category: coach.CategoryDone},
	{ID: "6", Name: "Closed", Category: coach.CategoryDone},
}

// DefaultTeams are the demo company's teams. The demo's flowbot.yaml names
// the same ids, channels and repositories.
func DefaultTeams() []Team {
	return []Team{
		{
			ID: "payments", Name: "Payments", Channel: "C0PAYMENTS", Timezone: "Europe/Berlin",
			Project: "PAY", Repos: []string{"acme/payments-api", "acme/payments-web"},
			People: []Person{
				{Name: "Ana Lima", Login: "ana-lima", Email: "ana.lima@acme.example", GitHubEmail: true},
				{Name: "Ben Okafor", Login: "bokafor", Email: "ben.okafor@acme.example"},
				{Name: "Chen Wei", Login: "chenwei", Email: "chen.wei@acme.example", GitHubEmail: true},
				// Jira hides her address and GitHub has none: she is
				// linked only by /flow link.
				{Name: "Dara Singh", Login: "dsingh", Email: "dara.singh@acme.example", HideEmail: true},
				{Name: "Eli Novak", Login: "elinovak", Email: "eli.novak@acme.example"},
			},
			PerDay: 1.3, Pace: 1.0,
		},
		{
			ID: "checkout", Name: "Checkout", Channel: "C0CHECKOUT", Timezone: "America/New_York",
			Project: "CHK", Repos: []string{"acme/checkout"},
			People: []Person{
				{Name: "Fay Moreau", Login: "faym", Email: "fay.moreau@acme.example", GitHubEmail: true},
				{Name: "Gus Ortega", Login: "gortega", Email: "gus.ortega@acme.example"},
				{Name: "Hana Sato", Login: "hsato", Email: "hana.sato@acme.example"},
				{Name: "Ivo Petrov", Login: "ivop", Email: "ivo.petrov@acme.example"},
			},
			PerDay: 1.0, Pace: 1.4,
		},
		{
			ID: "platform", Name: "Platform", Channel: "C0PLATFORM", Timezone: "UTC",
			Project: "PLAT", Repos: []string{"acme/platform-infra"},
			People: []Person{
				{Name: "Jo Kim", Login: "jokim", Email: "jo.kim@acme.example"},
				{Name: "Kai Berg", Login: "kberg", Email: "kai.berg@acme.example", GitHubEmail: true},
				{Name: "Lea Rossi", Login: "learossi", Email: "lea.rossi@acme.example"},
			},
			PerDay: 0.8, Pace: 0.8, DeployWorkflow: "deploy.yml",
		},
	}
}

// Generate builds the world for teams over the `days` days before now.
func Generate(seed uint64, now time.Time, days int, teams []Team) (*World, error) {
	w := &World{Now: now.UTC(), Teams: teams, Statuses: append([]coach.Status(nil), statuses...), Commits: map[string][]string{}}
	var issues int
	for i, t := range teams {
		loc, err := time.LoadLocation(t.Timezone)
		if err != nil {
			return nil, fmt.Errorf("team %s: %w", t.ID, err)
		}
		g := &gen{
			rng:  rand.New(rand.NewPCG(seed, uint64(i)+1)),
			team: t, loc: loc, now: w.Now,
			prNum: map[string]int{}, idBase: issues,
			deployID: int64(1000 * (i + 1) * 1000), runID: int64(9_000_000 + 100_000*i),
		}
		g.run(days)
		g.delivery(w.Now.AddDate(0, 0, -days), w)
		issues += len(g.issues)
		w.Issues = append(w.Issues, g.issues...)
		w.PRs = append(w.PRs, g.prs...)
	}
	inc := &gen{rng: rand.New(rand.NewPCG(seed, 999)), now: w.Now, idBase: issues,
		team: Team{Project: IncidentProject, People: []Person{{Name: "On Call", Login: "oncall"}}, Pace: 1}}
	w.Issues = append(w.Issues, inc.incidents(w)...)
	w.people()
	return w, nil
}

// people fills in the teams' people as Jira, GitHub and Slack show them.
// Jira account ids are made up in Cloud's shape.
func (w *World) people() {
	for _, t := range w.Teams {
		for i, p := range t.People {
			ju := jiratest.User{DisplayName: p.Name, AccountID: fmt.Sprintf("712020:%s-%04d", p.Login, i+1)}
			if !p.HideEmail {
				ju.Email = p.Email
			}
			w.JiraUsers = append(w.JiraUsers, ju)
			gu := githubtest.User{Login: p.Login, Name: p.Name}
			if p.GitHubEmail {
				gu.Email = p.Email
			}
			w.GitHubUsers = append(w.GitHubUsers, gu)
			w.SlackMembers = append(w.SlackMembers, SlackMember{
				User:    slacktest.User{ID: p.SlackID(), Name: p.Login, TZ: t.Timezone, Email: p.Email},
				Channel: t.Channel,
			})
		}
	}
}

type gen struct {
	rng    *rand.Rand
	team   Team
	loc    *time.Location
	now    time.Time
	issues []jiratest.Issue
	prs    []githubtest.PullRequest
	seq    int
	prNum  map[string]int
	idBase int // issues generated before this team's: ids stay unique

	deployID, runID int64
	epics           []*jiratest.Issue
}

var titles = []string{
	"Retry failed %s webhooks", "Show %s status on the order page", "Cache %s lookups",
	"Migrate %s to the new API client", "Alert when %s latency rises", "Export %s as CSV",
	"Fix rounding in %s totals", "Add audit log for %s changes", "Speed up %s search",
	"Handle time zones in %s reports", "Remove legacy %s endpoint", "Document %s limits",
}

var nouns = []string{"refund", "invoice", "payout", "cart", "coupon", "tax", "shipping", "ledger", "card", "subscription", "deploy", "queue"}

func (g *gen) run(days int) {
	start := g.now.AddDate(0, 0, -days)
	for day := start; day.Before(g.now); day = day.Add(24 * time.Hour) {
		local := day.In(g.loc)
		if wd := local.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		n := g.poisson(g.team.PerDay)
		for range n {
			created := g.workTime(local)
			if created.After(g.now) {
				continue
			}
			g.item(created)
		}
	}
	g.longHistory(start)
	g.bots(start)
	g.finishEpics()
	g.blockLinks()
	sort.Slice(g.issues, func(i, j int) bool { return g.issues[i].Created.Before(g.issues[j].Created) })
}

// workTime is a random moment of the working day of local.
func (g *gen) workTime(local time.Time) time.Time {
	y, m, d := local.Date()
	h := 9 + g.rng.Float64()*8.5
	return time.Date(y, m, d, 0, 0, 0, 0, g.loc).Add(time.Duration(h * float64(time.Hour))).UTC()
}

func (g *gen) poisson(mean float64) int {
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= g.rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// days draws a duration with a log-normal distribution: most work is quick,
// some takes very long, as real cycle times do.
func (g *gen) days(median, spread float64) time.Duration {
	d := median * g.team.Pace * math.Exp(g.rng.NormFloat64()*spread)
	return time.Duration(d * 24 * float64(time.Hour))
}

type walker struct {
	g       *gen
	issue   *jiratest.Issue
	at      time.Time
	status  string
	history []jiratest.Change
	cut     bool // reached now: nothing after it happened yet
	hotfix  bool
}

func (w *walker) move(after time.Duration, to string) bool {
	if w.cut {
		return false
	}
	at := w.at.Add(after)
	if !at.Before(w.g.now) {
		w.cut = true
		return false
	}
	w.history = append(w.history, jiratest.Change{At: at, Author: w.issue.Assignee, Field: "status", From: w.status, To: to})
	w.at, w.status = at, to
	return true
}

func (g *gen) newIssue(created time.Time, typ string) *jiratest.Issue {
	g.seq++
	key := fmt.Sprintf("%s-%d", g.team.Project, g.seq)
	title := fmt.Sprintf(titles[g.rng.IntN(len(titles))], nouns[g.rng.IntN(len(nouns))])
	person := g.team.People[g.rng.IntN(len(g.team.People))]
	return &jiratest.Issue{
		ID: fmt.Sprint(10000 + g.idBase + g.seq), Key: key, Project: g.team.Project, Type: typ,
		Summary: title, Assignee: person.Name, Created: created,
	}
}

func (g *gen) item(created time.Time) {
	types := []string{"Story", "Story", "Story", "Bug", "Task"}
	g.epicFor(created)
	is := g.newIssue(created, types[g.rng.IntN(len(types))])
	g.estimate(is)
	if len(g.epics) > 0 && is.Type == "Story" && g.rng.Float64() < 0.4 {
		is.Parent = g.epics[len(g.epics)-1].Key
	}
	initial := "Backlog"
	if g.rng.Float64() < 0.3 {
		initial = "To Do"
	}
	w := &walker{g: g, issue: is, at: created, status: initial}

	switch r := g.rng.Float64(); {
	case r < 0.05:
		// Dropped without ever being worked on.
		if w.move(g.days(6, 0.8), "Done") {
			is.Resolution = "Won't Do"
		}
	case r < 0.08:
		// Created straight into work: a hotfix.
		w.status = "In Progress"
		w.hotfix = true
		is.Type = "Bug"
		g.work(w)
	default:
		if initial == "Backlog" && g.rng.Float64() < 0.5 {
			w.move(g.days(2, 0.8), "To Do") // groomed before it is picked up
		}
		if w.move(g.days(3, 1.0), "In Progress") {
			// Sometimes picked up, then sent back to the backlog.
			if g.rng.Float64() < 0.06 {
				if w.move(g.days(1, 0.6), "Backlog") {
					w.move(g.days(8, 0.7), "In Progress")
				}
			}
			g.work(w)
		}
	}
	g.finish(is, w)
	// A few items get sub-tasks: Jira has them, flowbot leaves them out.
	if g.rng.Float64() < 0.05 {
		sub := g.newIssue(created.Add(time.Hour), "Sub-task")
		sub.Subtask = true
		sub.Summary = "Write tests for " + strings.ToLower(is.Summary)
		sw := &walker{g: g, issue: sub, at: sub.Created, status: "To Do"}
		if sw.move(g.days(1, 0.5), "In Progress") {
			sw.move(g.days(1, 0.5), "Done")
		}
		g.finish(sub, sw)
	}
}

// work walks an item from In Progress to done, with blocked spells, review
// queues, rework and the occasional reopen, opening PRs as it goes.
func (g *gen) work(w *walker) {
	startedAt := w.at
	if g.rng.Float64() < 0.15 {
		if w.move(g.days(1.5, 0.6), "Blocked") {
			w.move(g.days(2, 0.7), "In Progress")
		}
	}
	// Jira's Flagged impediment, set and cleared while the status stays.
	if g.rng.Float64() < 0.1 && !w.cut {
		on := w.at.Add(g.days(0.3, 0.5))
		off := on.Add(g.days(1, 0.6))
		if on.Before(g.now) {
			w.history = append(w.history, jiratest.Change{At: on, Author: w.issue.Assignee, Field: "Flagged", From: "", To: "Impediment"})
			if off.Before(g.now) {
				w.history = append(w.history, jiratest.Change{At: off, Author: w.issue.Assignee, Field: "Flagged", From: "Impediment", To: ""})
			}
		}
	}
	for round := 0; ; round++ {
		if !w.move(g.days(2.0, 0.7), "Ready for Review") {
			break
		}
		if !w.move(g.days(0.8, 0.9), "In Review") {
			break
		}
		if round == 0 && g.rng.Float64() < 0.12 {
			if w.move(g.days(0.5, 0.5), "In Progress") {
				continue // rework
			}
			break
		}
		if w.move(g.days(0.6, 0.6), "Done") {
			w.issue.Resolution = "Done"
			if g.rng.Float64() < 0.3 {
				w.move(g.days(5, 0.4), "Closed")
			}
			// Reopened after done: found broken, worked on again.
			if round == 0 && g.rng.Float64() < 0.06 && w.move(g.days(3, 0.6), "In Progress") {
				w.issue.Resolution = ""
				continue
			}
		}
		break
	}
	g.pullRequests(w, startedAt)
}

func (g *gen) finish(is *jiratest.Issue, w *walker) {
	is.Status = w.status
	is.History = w.history
	is.Updated = is.Created
	if n := len(w.history); n > 0 {
		is.Updated = w.history[n-1].At
	}
	// A reassignment in the changelog: real histories hold more than status.
	if len(w.history) > 2 && g.rng.Float64() < 0.2 {
		other := g.team.People[g.rng.IntN(len(g.team.People))].Name
		at := w.history[0].At.Add(time.Hour)
		if at.Before(g.now) && other != is.Assignee {
			is.History = append(is.History, jiratest.Change{At: at, Author: is.Assignee, Field: "assignee", From: is.Assignee, To: other})
			sort.SliceStable(is.History, func(i, j int) bool { return is.History[i].At.Before(is.History[j].At) })
			is.Assignee = other
		}
	}
	sort.SliceStable(is.History, func(i, j int) bool { return is.History[i].At.Before(is.History[j].At) })
	if is.Status != "Done" && is.Status != "Closed" {
		is.Resolution = ""
	}
	if is.Resolution != "" {
		is.Resolved = resolvedAt(is.History)
	}
	g.issues = append(g.issues, *is)
}

// statusEntry is when the walk first entered status at or after from;
// zero when it did not (yet).
func statusEntry(w *walker, status string, from time.Time) time.Time {
	for _, ch := range w.history {
		if ch.Field == "status" && ch.To == status && !ch.At.Before(from) {
			return ch.At
		}
	}
	return time.Time{}
}

// pullRequests opens one or two PRs for the work walked by w, in step with
// the item's statuses: opened when it goes to review, first reviewed when
// review starts, approved and merged as it is done.
func (g *gen) pullRequests(w *walker, started time.Time) {
	repo := g.team.Repos[g.rng.IntN(len(g.team.Repos))]
	author := g.personNamed(w.issue.Assignee)
	n := 1
	if g.rng.Float64() < 0.25 {
		n = 2
	}
	toReview := statusEntry(w, "Ready for Review", started)
	inReview := statusEntry(w, "In Review", started)
	done := statusEntry(w, "Done", started)
	for i := range n {
		created := started.Add(g.days(1.0, 0.6))
		if !toReview.IsZero() {
			// Opened a little before the ticket moves to review.
			created = toReview.Add(-time.Duration(g.rng.Float64() * float64(2*time.Hour)))
			if created.Before(started) {
				created = started
			}
		}
		if !created.Before(g.now) {
			return
		}
		g.prNum[repo]++
		lines := int(math.Exp(4.6 + g.rng.NormFloat64()*1.1))
		head := strings.ToLower(w.issue.Key) + "-" + slug(w.issue.Summary)
		if w.hotfix {
			head = "hotfix/" + head
		}
		pr := githubtest.PullRequest{
			Repo: repo, Number: g.prNum[repo], User: author.Login,
			Title:     fmt.Sprintf("%s: %s", w.issue.Key, w.issue.Summary),
			Head:      head,
			Body:      fmt.Sprintf("Part of %s.\n\n%s", w.issue.Key, w.issue.Summary),
			Created:   created,
			Additions: lines * 2 / 3, Deletions: lines / 3, ChangedFiles: 1 + lines/40,
			Draft: i == 1 && g.rng.Float64() < 0.3,
		}
		// Commits: the first before the pull request was opened, the rest
		// up to it.
		firstCommit := started.Add(time.Duration(g.rng.Float64() * float64(created.Sub(started))))
		for k, n := 0, 1+g.rng.IntN(6); k < n; k++ {
			pr.CommitDates = append(pr.CommitDates, firstCommit.Add(time.Duration(float64(k)/float64(n)*float64(created.Sub(firstCommit)))))
		}
		t := created.Add(g.days(0.6, 0.9))
		if !inReview.IsZero() && inReview.After(created) {
			t = inReview // the first review is when the ticket's review starts
		}
		// Some are opened as drafts and marked ready later: pickup starts
		// then, not at creation.
		if !pr.Draft && g.rng.Float64() < 0.2 {
			ready := created.Add(g.days(0.4, 0.6))
			if ready.Before(g.now) {
				pr.ReadyAt = ready
				t = ready.Add(g.days(0.6, 0.9))
			} else {
				pr.Draft = true
			}
		}
		reviewer := g.otherThan(author)
		if g.rng.Float64() < 0.3 && t.Before(g.now) {
			pr.Reviews = append(pr.Reviews, githubtest.Review{User: "codecov[bot]", State: "COMMENTED", Body: "Coverage report", Submitted: created.Add(4 * time.Minute)})
		}
		if g.rng.Float64() < 0.25 && t.Before(g.now) {
			pr.Reviews = append(pr.Reviews, githubtest.Review{User: reviewer.Login, State: "CHANGES_REQUESTED", Body: "A few things to fix", Submitted: t})
			t = t.Add(g.days(0.7, 0.6))
		}
		abandoned := g.rng.Float64() < 0.06
		if !done.IsZero() && done.After(t) {
			// Approved as the ticket is done, merged soon after.
			t = done.Add(-time.Duration(g.rng.Float64() * float64(done.Sub(t)) / 2))
		}
		if t.Before(g.now) && !abandoned && !pr.Draft && (!done.IsZero() || toReview.IsZero()) {
			pr.Reviews = append(pr.Reviews, githubtest.Review{User: reviewer.Login, State: "APPROVED", Submitted: t})
			merged := t.Add(g.days(0.1, 0.8))
			if !done.IsZero() && merged.Before(done) {
				merged = done.Add(time.Duration(g.rng.Float64() * float64(2*time.Hour)))
			}
			if merged.Before(g.now) {
				pr.Merged = merged
			}
		}
		if abandoned {
			if closed := created.Add(g.days(3, 0.5)); closed.Before(g.now) {
				pr.Closed = closed
			}
		}
		if pr.Merged.IsZero() && pr.Closed.IsZero() && !pr.Draft {
			pr.RequestedReviewers = []string{reviewer.Login}
		}
		g.prs = append(g.prs, pr)
	}
}

func (g *gen) personNamed(name string) Person {
	for _, p := range g.team.People {
		if p.Name == name {
			return p
		}
	}
	return g.team.People[0]
}

func (g *gen) otherThan(p Person) Person {
	for {
		q := g.team.People[g.rng.IntN(len(g.team.People))]
		if q.Login != p.Login || len(g.team.People) == 1 {
			return q
		}
	}
}

// longHistory adds one item that bounced between statuses for weeks: its
// changelog is longer than Jira inlines in a search, so syncing it needs
// the changelog endpoint.
func (g *gen) longHistory(start time.Time) {
	created := start.Add(24 * time.Hour)
	is := g.newIssue(created, "Story")
	is.Summary = "Untangle the legacy " + nouns[g.rng.IntN(len(nouns))] + " state machine"
	w := &walker{g: g, issue: is, at: created, status: "To Do"}
	w.move(2*time.Hour, "In Progress")
	for i := 0; i < 60 && !w.cut; i++ {
		w.move(g.days(0.4, 0.3), "In Review")
		w.move(g.days(0.3, 0.3), "In Progress")
	}
	w.move(g.days(1, 0.3), "Ready for Review")
	g.finish(is, w)
}

// bots opens dependency-update PRs: real repositories have many, and flow
// metrics must not count them as the team's work.
func (g *gen) bots(start time.Time) {
	for _, repo := range g.team.Repos {
		for day := start; day.Before(g.now); day = day.Add(7 * 24 * time.Hour) {
			created := day.Add(time.Duration(g.rng.IntN(48)) * time.Hour)
			if !created.Before(g.now) {
				continue
			}
			g.prNum[repo]++
			pr := githubtest.PullRequest{
				Repo: repo, Number: g.prNum[repo], User: "dependabot[bot]", UserType: "Bot",
				Title:   "Bump golang.org/x/net from 0.30.0 to 0.31.0",
				Created: created, Additions: 4, Deletions: 4, ChangedFiles: 2, Commits: 1,
			}
			if merged := created.Add(g.days(1, 0.8)); merged.Before(g.now) {
				pr.Merged = merged
			}
			g.prs = append(g.prs, pr)
		}
	}
}
