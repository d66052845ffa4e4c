package store_test

import (
	"cmp"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
	"github.com/redis/go-redis/v9"
)

// benchItems is a team's worth of items with realistic histories.
func benchItems(n int) []coach.Item {
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	items := make([]coach.Item, n)
	for i := range items {
		created := base.Add(time.Duration(i) * time.Hour)
		it := coach.Item{Key: fmt.Sprintf("PAY-%d", i+1), Title: "Retry failed refund webhooks", Type: "Story",
			Status: "Done", Resolution: "Done", Assignee: "Ana Lima", Created: created, Updated: created.Add(96 * time.Hour)}
		from := "To Do"
		for j, to := range []string{"In Progress", "Blocked", "In Progress", "Ready for Review", "In Review", "In Progress", "In Review", "Done"} {
			it.Transitions = append(it.Transitions, coach.Transition{At: created.Add(time.Duration(j+1) * 12 * time.Hour), From: from, To: to})
			from = to
		}
		items[i] = it
	}
	return items
}

// Run with FLOWBOT_TEST_REDIS_URL set to measure a real Redis; without it
// the figures are miniredis's.
func BenchmarkPutItems(b *testing.B) {
	db := storetest.New(b)
	items := benchItems(1000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := db.PutItems(ctx, "payments", items); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkItems(b *testing.B) {
	db := storetest.New(b)
	ctx := context.Background()
	if err := db.PutItems(ctx, "payments", benchItems(5000)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		items, err := db.Items(ctx, "payments")
		if err != nil || len(items) != 5000 {
			b.Fatalf("Items: %d, %v", len(items), err)
		}
	}
}

// The benchmarks below measure answers at scale (issue 3, "Speed"): one team
// of 100,000 items done over three years and 2,000 in progress, in the real
// Redis at FLOWBOT_TEST_REDIS_URL, loaded once per benchmark process. Each
// answer path is measured beside its floor: reading the raw (done time,
// cycle time) pairs of the same window from a sorted set and sorting them.
//
//	FLOWBOT_TEST_REDIS_URL=redis://127.0.0.1:6391/0 go test ./store -run '^$' -bench 'Floor|Answer|Memory' -benchtime 200x

const (
	bigDone    = 100_000
	bigWIP     = 2_000
	bigTeam    = "bench"
	bigHistory = 3 * 365 * 24 * time.Hour
)

// bigNow is the instant the answers are asked as of: just after the last
// item was done.
var bigNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

type bigFixture struct {
	db     *store.DB
	rdb    redis.UniversalClient
	prefix string
	pairs  string // the floor's sorted set: member (done ms, cycle ms), score done ms
	// wipPairs: member (start ms, item), score start ms; records: item
	// records of delivered items, score done ms; prRecords: pull-request
	// records, score merge ms.
	wipPairs, records, prRecords string
	wf                           coach.Workflow
	bot                          *bot.Bot
}

// bigConfig is the big team's configuration: benchWorkflow's stages.
const bigConfig = `
timezone: UTC
teams:
  - id: bench
    name: Bench
    channel: C0BENCH
    jira:
      jql: project = PAY
    github:
      repos: [acme/payments-api, acme/payments-web]
    stages:
      - name: Build
        active: [In Progress]
        wait: [Blocked]
      - name: Review
        active: [In Review]
        wait: [Ready for Review]
      - name: Done
        done: [Done]
`

// benchWorkflow is the Payments workflow the big team's flows are read with.
func benchWorkflow() coach.Workflow {
	return coach.Workflow{
		Stages: []coach.Stage{
			{Name: "Build", Active: []string{"In Progress"}, Wait: []string{"Blocked"}},
			{Name: "Review", Active: []string{"In Review"}, Wait: []string{"Ready for Review"}},
			{Name: "Done", Done: []string{"Done"}},
		},
		Statuses: []coach.Status{
			{Name: "To Do", Category: coach.CategoryNew}, {Name: "In Progress", Category: coach.CategoryIndeterminate},
			{Name: "Blocked", Category: coach.CategoryIndeterminate}, {Name: "Ready for Review", Category: coach.CategoryIndeterminate},
			{Name: "In Review", Category: coach.CategoryIndeterminate}, {Name: "Done", Category: coach.CategoryDone},
		},
		ExcludeResolutions: []string{"Won't Do"},
	}
}

// bigItem is a realistic item: a 60-character title, eight transitions at
// Jira's millisecond precision. done: its last transition is to Done.
func bigItem(i int, created time.Time, step time.Duration, done bool) coach.Item {
	it := coach.Item{
		Key:      fmt.Sprintf("PAY-%d", i+1),
		Title:    fmt.Sprintf("Retry failed refund webhooks when the acquirer times out %03d", i%1000),
		Type:     "Story",
		Assignee: "Ana Lima",
		Created:  created,
	}
	statuses := []string{"In Progress", "Blocked", "In Progress", "Ready for Review", "In Review", "In Progress", "In Review", "Done"}
	if !done {
		statuses = statuses[:7]
	}
	from, t := "To Do", created
	for j, to := range statuses {
		t = t.Add(step + time.Duration(j*37)*time.Millisecond)
		it.Transitions = append(it.Transitions, coach.Transition{At: t, From: from, To: to})
		from = to
	}
	it.Status, it.Updated = from, t.Add(time.Minute)
	if done {
		it.Resolution, it.Resolved = "Done", t
	}
	return it
}

// bigItems is the big team: items done evenly over the three years before
// bigNow, then the items in progress, started within the last 250 days.
func bigItems() []coach.Item {
	items := make([]coach.Item, 0, bigDone+bigWIP)
	start := bigNow.Add(-bigHistory)
	for i := range bigDone {
		it := bigItem(i, start, 25*time.Hour+time.Duration(i%97)*time.Hour, true)
		// Shift the history so that it is done at its place in the three
		// years.
		shift := start.Add(time.Duration(i) * (bigHistory / bigDone)).Sub(it.Resolved)
		it.Created, it.Updated, it.Resolved = it.Created.Add(shift), it.Updated.Add(shift), it.Resolved.Add(shift)
		for j := range it.Transitions {
			it.Transitions[j].At = it.Transitions[j].At.Add(shift)
		}
		items = append(items, it)
	}
	for i := range bigWIP {
		created := bigNow.Add(-time.Duration(i+1) * 3 * time.Hour)
		items = append(items, bigItem(bigDone+i, created, time.Minute, false))
	}
	return items
}

// loadBig loads the big team once per process. Its keys are deleted by
// TestMain when the process ends.
var loadBig = sync.OnceValues(func() (*bigFixture, error) {
	url := os.Getenv(storetest.URLVar)
	if url == "" {
		return nil, nil
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", storetest.URLVar, err)
	}
	rdb := redis.NewClient(opts)
	prefix := fmt.Sprintf("flowbotbench-%d", os.Getpid())
	base := prefix + ":{" + bigTeam + "}:"
	f := &bigFixture{rdb: rdb, prefix: prefix, db: store.New(rdb, store.Options{Prefix: prefix}),
		pairs: base + "floor-pairs", wipPairs: base + "floor-wip", records: base + "floor-records", prRecords: base + "floor-prs"}
	bigCleanup = func() { deleteAll(rdb, prefix) }
	ctx := context.Background()
	items := bigItems()
	for chunk := range slices.Chunk(items, 5000) {
		if err := f.db.PutItems(ctx, bigTeam, chunk); err != nil {
			return nil, err
		}
	}
	// The bot answers as the team's configuration and stored statuses say,
	// from an index it built itself.
	cfg, err := config.Parse([]byte(bigConfig))
	if err != nil {
		return nil, err
	}
	team, _ := cfg.Team(bigTeam)
	f.wf = team.Workflow(benchWorkflow().Statuses, cfg.Jira.ExcludeResolutions)
	f.bot = &bot.Bot{Config: cfg, Store: f.db}
	if err := f.db.PutStatuses(ctx, bigTeam, f.wf.Statuses); err != nil {
		return nil, err
	}
	if err := f.db.SetLastSync(ctx, bigTeam, bigNow.Add(-time.Minute)); err != nil {
		return nil, err
	}
	if err := bot.RebuildFlowIndex(ctx, f.db, bigTeam, f.wf); err != nil {
		return nil, err
	}
	flows := coach.Flows(f.wf, items, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	var pairs, wipPairs, records []redis.Z
	for i, fl := range flows {
		if ct, ok := fl.CycleTime(); ok {
			m := binary.BigEndian.AppendUint64(nil, uint64(fl.Done.UnixMilli()))
			m = binary.BigEndian.AppendUint64(m, uint64(ct*864e5))
			pairs = append(pairs, redis.Z{Score: float64(fl.Done.UnixMilli()), Member: m})
		}
		if fl.InProgress() {
			m := binary.BigEndian.AppendUint64(nil, uint64(fl.Started.UnixMilli()))
			m = binary.BigEndian.AppendUint64(m, uint64(i))
			wipPairs = append(wipPairs, redis.Z{Score: float64(fl.Started.UnixMilli()), Member: m})
		}
		if fl.Delivered() {
			// The raw records of delivered items by done time: what a
			// history answer reads at the least.
			records = append(records, redis.Z{Score: float64(fl.Done.UnixMilli()), Member: rawItem(items[i])})
		}
	}
	for key, zs := range map[string][]redis.Z{f.pairs: pairs, f.wipPairs: wipPairs, f.records: records} {
		for chunk := range slices.Chunk(zs, 10000) {
			if err := rdb.ZAdd(ctx, key, chunk...).Err(); err != nil {
				return nil, err
			}
		}
	}
	// Pull requests: 30 a day over the three years, and a production
	// deployment a day carrying the day's merges.
	prs, deps := bigPullRequests()
	var prRecords []redis.Z
	for chunk := range slices.Chunk(prs, 5000) {
		if err := f.db.PutPullRequests(ctx, bigTeam, chunk); err != nil {
			return nil, err
		}
	}
	for _, pr := range prs {
		prRecords = append(prRecords, redis.Z{Score: float64(pr.Merged.UnixMilli()), Member: rawPullRequest(pr)})
	}
	for chunk := range slices.Chunk(prRecords, 10000) {
		if err := rdb.ZAdd(ctx, f.prRecords, chunk...).Err(); err != nil {
			return nil, err
		}
	}
	if err := f.db.PutDeployments(ctx, bigTeam, deps); err != nil {
		return nil, err
	}
	return f, nil
})

// bigCleanup deletes the big team's keys; set by loadBig.
var bigCleanup func()

func deleteAll(rdb redis.UniversalClient, prefix string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		rdb.Unlink(ctx, iter.Val())
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bigCleanup != nil {
		bigCleanup()
	}
	os.Exit(code)
}

func big(b *testing.B) *bigFixture {
	b.Helper()
	f, err := loadBig()
	if err != nil {
		b.Fatalf("loading the big team: %v", err)
	}
	if f == nil {
		b.Skipf("set %s to run the 100,000-item benchmarks on a real Redis", storetest.URLVar)
	}
	return f
}

// floor reads the (done, cycle time) pairs of [from, to) and sorts them by
// cycle time, as a percentile needs.
func (f *bigFixture) floor(b *testing.B, from, to time.Time) int {
	ms, err := f.rdb.ZRangeByScore(context.Background(), f.pairs, &redis.ZRangeBy{
		Min: fmt.Sprint(from.UnixMilli()), Max: "(" + fmt.Sprint(to.UnixMilli()),
	}).Result()
	if err != nil {
		b.Fatal(err)
	}
	type pair struct{ done, cycle int64 }
	pairs := make([]pair, len(ms))
	for i, m := range ms {
		pairs[i] = pair{int64(binary.BigEndian.Uint64([]byte(m[:8]))), int64(binary.BigEndian.Uint64([]byte(m[8:])))}
	}
	slices.SortFunc(pairs, func(a, b pair) int { return cmp.Compare(a.cycle, b.cycle) })
	return len(pairs)
}

const day = 24 * time.Hour

func BenchmarkFloor90d(b *testing.B) {
	f := big(b)
	var n int
	for b.Loop() {
		n = f.floor(b, bigNow.Add(-90*day), bigNow)
	}
	b.ReportMetric(float64(n), "items")
}

func BenchmarkFloorAll(b *testing.B) {
	f := big(b)
	var n int
	for b.Loop() {
		n = f.floor(b, time.Time{}, bigNow)
	}
	b.ReportMetric(float64(n), "items")
}

// answerFlows is what bot's flowsFor does per answer: one AnswerFlows.
func (f *bigFixture) answerFlows(b *testing.B, from time.Time) []coach.Flow {
	_, flows, changed, err := f.db.AnswerFlows(context.Background(), bigTeam, from, bigNow)
	if err != nil || len(changed) != 0 {
		b.Fatalf("AnswerFlows: %d changed, %v", len(changed), err)
	}
	return flows
}

func BenchmarkAnswerCycleTime90d(b *testing.B) {
	f := big(b)
	win := coach.Window{From: bigNow.Add(-90 * day), To: bigNow}
	var r coach.CycleTimeReport
	for b.Loop() {
		r = coach.CycleTime(f.answerFlows(b, win.From), win)
	}
	b.ReportMetric(float64(r.Count), "items")
}

func BenchmarkAnswerAging(b *testing.B) {
	f := big(b)
	var r coach.AgingReport
	for b.Loop() {
		// Aging's SLE is the cycle time of the last 90 days.
		r = coach.Aging(f.wf, f.answerFlows(b, bigNow.Add(-90*day)), bigNow)
	}
	b.ReportMetric(float64(len(r.Items)), "items")
}

func BenchmarkAnswerWIP(b *testing.B) {
	f := big(b)
	var r coach.WIPReport
	for b.Loop() {
		r = coach.WIP(f.wf, f.answerFlows(b, bigNow))
	}
	b.ReportMetric(float64(r.Count), "items")
}

func BenchmarkAnswerThroughput12w(b *testing.B) {
	f := big(b)
	win := coach.Window{From: bigNow.Add(-84 * day), To: bigNow}
	var r coach.ThroughputReport
	for b.Loop() {
		r = coach.Throughput(f.answerFlows(b, win.From), win, time.UTC)
	}
	b.ReportMetric(float64(r.Total), "items")
}

func BenchmarkAnswerCycleTimeAll(b *testing.B) {
	f := big(b)
	win := coach.Window{To: bigNow}
	var r coach.CycleTimeReport
	for b.Loop() {
		r = coach.CycleTime(f.answerFlows(b, win.From), win)
	}
	b.ReportMetric(float64(r.Count), "items")
}

// BenchmarkMemory reports the Redis memory per item (the item record, and
// its flow index entries) and per pull request, by MEMORY USAGE.
func BenchmarkMemory(b *testing.B) {
	f := big(b)
	ctx := context.Background()
	usage := func(key string) float64 {
		n, err := f.rdb.MemoryUsage(ctx, key, 0).Result()
		if err != nil {
			b.Fatalf("MEMORY USAGE %s: %v", key, err)
		}
		return float64(n)
	}
	base := f.prefix + ":{" + bigTeam + "}:"
	items := usage(base + "items")
	index := usage(base+"flows") + usage(base+"flows:done") + usage(base+"flows:wip") + usage(base+"flows:updated") +
		usage(base+"flows:cycledays") + usage(base+"flows:wipdays") + usage(base+"flows:wipcounts")
	const prs = 10_000
	team := "bench-prs"
	for chunk := range slices.Chunk(benchPullRequests(prs), 2000) {
		if err := f.db.PutPullRequests(ctx, team, chunk); err != nil {
			b.Fatal(err)
		}
	}
	pr := usage(f.prefix + ":{" + team + "}:prs")
	for b.Loop() {
	}
	n := float64(bigDone + bigWIP)
	b.ReportMetric(items/n, "item-B/item")
	b.ReportMetric(index/n, "index-B/item")
	b.ReportMetric((items+index)/n, "B/item")
	b.ReportMetric(pr/prs, "B/pr")
}

// benchPullRequests are realistic merged pull requests: a title, a short
// body, two reviews, commits, a requested reviewer.
func benchPullRequests(n int) []coach.PullRequest {
	base := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	prs := make([]coach.PullRequest, n)
	for i := range prs {
		created := base.Add(time.Duration(i) * time.Hour)
		prs[i] = coach.PullRequest{
			Repo: "acme/payments-api", Number: i + 1, Title: fmt.Sprintf("PAY-%d: retry failed refund webhooks", i+1),
			Author: "ana-lima", State: "closed", BaseBranch: "main", HeadBranch: fmt.Sprintf("PAY-%d-retry-webhooks", i+1),
			Body:    "Retries refund webhooks with backoff when the acquirer times out.\n\nFixes PAY-1234.",
			Created: created, Updated: created.Add(30 * time.Hour), Closed: created.Add(30 * time.Hour), Merged: created.Add(30 * time.Hour),
			Ready: created.Add(time.Hour), FirstCommit: created.Add(-20 * time.Hour), Commits: 4,
			MergeCommitSHA: benchSHA(i), Additions: 120, Deletions: 40, ChangedFiles: 6,
			RequestedReviewers: []string{"grace-h"},
			Reviews: []coach.Review{
				{Author: "grace-h", State: "CHANGES_REQUESTED", Submitted: created.Add(5 * time.Hour)},
				{Author: "grace-h", State: "APPROVED", Submitted: created.Add(28 * time.Hour)},
			},
		}
	}
	return prs
}

// benchSHA is a commit SHA as Git makes them: 40 hex digits that look
// random (a counter's would share their first bytes).
func benchSHA(n int) string {
	sum := sha1.Sum([]byte(strconv.Itoa(n)))
	return hex.EncodeToString(sum[:])
}

// rawItem and rawPullRequest are the records the store keeps: the floors
// hold the same bytes as the hashes do.
func rawItem(it coach.Item) string { return store.EncodeItemForTest(it) }

func rawPullRequest(pr coach.PullRequest) string { return store.EncodePullRequestForTest(pr) }

// bigPullRequests are 30 merged pull requests a day over the big team's
// three years in two repositories, a tenth of them by bots, and one
// production deployment a day per repository carrying the day's merges.
func bigPullRequests() ([]coach.PullRequest, []coach.Deployment) {
	start := bigNow.Add(-bigHistory)
	var prs []coach.PullRequest
	var deps []coach.Deployment
	n := 0
	for d := 0; d < int(bigHistory/day); d++ {
		dayStart := start.Add(time.Duration(d) * day)
		var carried [2][]string
		for j := range 30 {
			n++
			repo := []string{"acme/payments-api", "acme/payments-web"}[j%2]
			created := dayStart.Add(time.Duration(j)*17*time.Minute - 20*time.Hour)
			pr := benchPullRequests(1)[0]
			pr.Repo, pr.Number, pr.Title = repo, n, fmt.Sprintf("PAY-%d: retry failed refund webhooks", n)
			pr.HeadBranch = fmt.Sprintf("PAY-%d-retry-webhooks", n)
			pr.Created, pr.Ready, pr.FirstCommit = created, created.Add(time.Hour), created.Add(-20*time.Hour)
			pr.Updated, pr.Closed, pr.Merged = created.Add(20*time.Hour), created.Add(20*time.Hour), created.Add(20*time.Hour)
			pr.Reviews[0].Submitted, pr.Reviews[1].Submitted = created.Add(5*time.Hour), created.Add(18*time.Hour)
			pr.MergeCommitSHA = benchSHA(n)
			if j%10 == 0 {
				pr.Author, pr.AuthorIsBot = "dependabot[bot]", true
			}
			carried[j%2] = append(carried[j%2], pr.MergeCommitSHA)
			prs = append(prs, pr)
		}
		for r, repo := range []string{"acme/payments-api", "acme/payments-web"} {
			at := dayStart.Add(23 * time.Hour)
			deps = append(deps, coach.Deployment{Repo: repo, ID: int64(d + 1), Source: coach.DeploymentSourceAPI, Environment: "production",
				SHA: carried[r][len(carried[r])-1], Created: at.Add(-5 * time.Minute), Succeeded: at, Commits: carried[r], HasCommits: true})
		}
	}
	return prs, deps
}

// timed runs op once per benchmark iteration and reports the 50th and
// 99th percentiles of its durations (nearest rank) in milliseconds.
func timed(b *testing.B, op func()) {
	var durs []time.Duration
	for b.Loop() {
		start := time.Now()
		op()
		durs = append(durs, time.Since(start))
	}
	slices.Sort(durs)
	b.ReportMetric(rank(durs, 50), "p50-ms")
	b.ReportMetric(rank(durs, 99), "p99-ms")
}

// rank is the p-th percentile of sorted durations (nearest rank), in ms.
func rank(sorted []time.Duration, p int) float64 {
	return float64(sorted[max(0, (p*len(sorted)+99)/100-1)]) / 1e6
}

// paired times an answer and its floor in turns, one of each per
// iteration (which goes first alternates), so that both see the same
// machine: on shared cores, timing them minutes apart compares the noise
// of two minutes as much as the two reads. It reports both percentiles
// and the ratio of the p99s.
func paired(b *testing.B, floor, answer func()) {
	var floors, answers []time.Duration
	turn := 0
	for b.Loop() {
		for i := range 2 {
			start := time.Now()
			if (turn+i)%2 == 0 {
				floor()
				floors = append(floors, time.Since(start))
			} else {
				answer()
				answers = append(answers, time.Since(start))
			}
		}
		turn++
	}
	slices.Sort(floors)
	slices.Sort(answers)
	b.ReportMetric(rank(floors, 50), "floor-p50-ms")
	b.ReportMetric(rank(floors, 99), "floor-p99-ms")
	b.ReportMetric(rank(answers, 50), "p50-ms")
	b.ReportMetric(rank(answers, 99), "p99-ms")
	b.ReportMetric(rank(answers, 99)/rank(floors, 99), "p99-ratio")
}

// BenchmarkPaired times each answer against its floor in turns
// (paired); the answers and floors are those of the benchmarks below.
func BenchmarkPaired(b *testing.B) {
	f := big(b)
	d90, d84, d30 := bigNow.Add(-90*day), bigNow.Add(-84*day), bigNow.Add(-30*day)
	cases := []struct {
		name   string
		floor  func()
		answer string
	}{
		{"cycle-time", func() { f.floor(b, d90, bigNow) }, "cycle-time --since 90d"},
		{"throughput", func() { f.floor(b, d84, bigNow) }, "throughput --since 84d"},
		{"wip", func() { f.wipFloor(b) }, "wip"},
		{"aging", func() { f.floor(b, d90, bigNow); f.wipFloor(b) }, "aging"},
		{"vsm", func() { f.rawFloor(b, f.records, d30, bigNow); f.wipFloor(b) }, "vsm --since 30d"},
		{"efficiency", func() { f.rawFloor(b, f.records, d30, bigNow) }, "efficiency --since 30d"}, // reads no work in progress
		{"prs", func() { f.prsFloor(b, d30) }, "prs --since 30d"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { paired(b, c.floor, func() { f.ask(b, c.answer) }) })
	}
}

// ask answers text as Bot.Ask does for a person: from the command's text
// to the Answer ready.
func (f *bigFixture) ask(b *testing.B, text string) bot.Answer {
	a, err := f.bot.Ask(context.Background(), bigTeam, text, bigNow)
	if err != nil {
		b.Fatalf("Ask %q: %v", text, err)
	}
	return a
}

func BenchmarkAskCycleTime90d(b *testing.B) {
	f := big(b)
	timed(b, func() { f.ask(b, "cycle-time --since 90d") })
}

func BenchmarkAskThroughput12w(b *testing.B) {
	f := big(b)
	timed(b, func() { f.ask(b, "throughput --since 84d") })
}

func BenchmarkAskWIP(b *testing.B) {
	f := big(b)
	timed(b, func() { f.ask(b, "wip") })
}

func BenchmarkAskAging(b *testing.B) {
	f := big(b)
	timed(b, func() { f.ask(b, "aging") })
}

func BenchmarkAskVSM30d(b *testing.B) {
	f := big(b)
	timed(b, func() { f.ask(b, "vsm --since 30d") })
}

func BenchmarkAskEfficiency30d(b *testing.B) {
	f := big(b)
	timed(b, func() { f.ask(b, "efficiency --since 30d") })
}

func BenchmarkAskPRs30d(b *testing.B) {
	f := big(b)
	timed(b, func() { f.ask(b, "prs --since 30d") })
}

// A forecast reads the 60 days of throughput it samples, then runs 10,000
// trials.
func BenchmarkAskForecast(b *testing.B) {
	f := big(b)
	timed(b, func() { f.ask(b, "forecast 50 --seed 7") })
}

// The floors of the answers above, timed the same way.

func BenchmarkFloorP90d(b *testing.B) {
	f := big(b)
	timed(b, func() { f.floor(b, bigNow.Add(-90*day), bigNow) })
}

func BenchmarkFloorP84d(b *testing.B) {
	f := big(b)
	timed(b, func() { f.floor(b, bigNow.Add(-84*day), bigNow) })
}

// wipFloor reads the (start, item) pairs of the work in progress, sorted
// by start.
func (f *bigFixture) wipFloor(b *testing.B) {
	ms, err := f.rdb.ZRange(context.Background(), f.wipPairs, 0, -1).Result()
	if err != nil {
		b.Fatal(err)
	}
	starts := make([]int64, len(ms))
	for i, m := range ms {
		starts[i] = int64(binary.BigEndian.Uint64([]byte(m[:8])))
	}
	slices.Sort(starts)
}

func BenchmarkFloorPWIP(b *testing.B) {
	f := big(b)
	timed(b, func() { f.wipFloor(b) })
}

// Aging reads both: the 90 days its SLE looks back and the work in progress.
func BenchmarkFloorPAging(b *testing.B) {
	f := big(b)
	timed(b, func() { f.floor(b, bigNow.Add(-90*day), bigNow); f.wipFloor(b) })
}

// rawFloor reads the raw records of a sorted set in [from, to) and sorts
// them.
func (f *bigFixture) rawFloor(b *testing.B, key string, from, to time.Time) int {
	recs, err := f.rdb.ZRangeByScore(context.Background(), key, &redis.ZRangeBy{
		Min: fmt.Sprint(from.UnixMilli()), Max: "(" + fmt.Sprint(to.UnixMilli()),
	}).Result()
	if err != nil {
		b.Fatal(err)
	}
	slices.Sort(recs)
	return len(recs)
}

// vsm and efficiency read the histories of the items delivered in the window.
func BenchmarkFloorPHistories30d(b *testing.B) {
	f := big(b)
	timed(b, func() { f.rawFloor(b, f.records, bigNow.Add(-30*day), bigNow); f.wipFloor(b) })
}

// prs reads the pull requests of the window and the deployments.
func BenchmarkFloorPPRs30d(b *testing.B) {
	f := big(b)
	timed(b, func() { f.prsFloor(b, bigNow.Add(-30*day)) })
}

func (f *bigFixture) prsFloor(b *testing.B, from time.Time) {
	f.rawFloor(b, f.prRecords, from, bigNow)
	deps, err := f.rdb.HGetAll(context.Background(), f.prefix+":{"+bigTeam+"}:deployments").Result()
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]string, 0, len(deps))
	for k := range deps {
		keys = append(keys, k)
	}
	slices.Sort(keys)
}

// The DORA keys and compare. dora's definitions reach every pull request
// and deployment: a deployment carries a PR only if no earlier one did, a
// repository without deployments counts its merges, and an incident links
// the deployment of a PR that mentions an item it links. Its floor is
// reading those raw; compare's adds the records of the items delivered
// since its earlier period began and of those in progress.

func BenchmarkAskDORA90d(b *testing.B) {
	f := big(b)
	timed(b, func() { f.ask(b, "dora --since 90d") })
}

func BenchmarkAskCompare(b *testing.B) {
	f := big(b)
	timed(b, func() { f.ask(b, "compare 2026-03 2026-04") })
}

// hashFloor reads whole hashes of the big team and sorts their fields.
func (f *bigFixture) hashFloor(b *testing.B, names ...string) {
	for _, name := range names {
		all, err := f.rdb.HGetAll(context.Background(), f.prefix+":{"+bigTeam+"}:"+name).Result()
		if err != nil {
			b.Fatal(err)
		}
		keys := make([]string, 0, len(all))
		for k := range all {
			keys = append(keys, k)
		}
		slices.Sort(keys)
	}
}

func BenchmarkFloorPDORA(b *testing.B) {
	f := big(b)
	timed(b, func() { f.hashFloor(b, "prs", "deployments", "incidents") })
}

func BenchmarkFloorPCompare(b *testing.B) {
	f := big(b)
	timed(b, func() {
		f.hashFloor(b, "prs", "deployments", "incidents")
		f.rawFloor(b, f.records, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), bigNow)
		f.wipFloor(b)
	})
}
