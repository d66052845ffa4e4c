package bot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
)

// Windowed reads. An answer reads what its window needs, in one round trip
// that also brings the team's statuses and last sync, instead of every
// item's history and every pull request:
//
//   - cycle-time, throughput: the deliveries the index has in the window
//     from its compact records packed by day (key, started, done: a few
//     numbers per item, not a flow), and for cycle time's reading when
//     each item in progress started; wip: how many items are in progress
//     in each status, as the index counts them;
//     aging: the deliveries over the 90 days its SLE looks back and the
//     work in progress as it lists it (coach.Work: key, title, assignee,
//     status, class, start);
//   - vsm, efficiency: the deliveries in the window with the times the
//     index computed when it stored them, and for vsm, which counts the
//     queues, the work in progress; with --working-time, whose clock the
//     index does not keep, the histories of the items delivered in the
//     window;
//   - forecast N, forecast --by: the deliveries of the 60 days its sample
//     reads (an epic's forecast reads everything: its open children are
//     not indexed);
//   - prs: the pull requests created, closed or merged in the window or
//     later, and the deployments;
//   - compare: the deliveries with their times from the earlier period's
//     start on, the items that can have been in progress since then (its
//     daily WIP), and every pull request, deployment and incident.
//
// Items changed after the instant asked about are read in full and
// recomputed as of it, as flowsFor does, so a past --now answers as the past
// did. Every other command, and any store without these reads or whose
// flow index is not built with the current workflow, reads everything.

// windowStore is what windowed reads need from the store.
type windowStore interface {
	// TeamDeliveries reads in one round trip the statuses, last sync and
	// fingerprint, the deliveries the index has as done in [from, to)
	// (with their calendar Times when times), the work in progress when
	// wip (those changed after to left out), and in full the items changed
	// after to.
	TeamDeliveries(ctx context.Context, team string, from, to time.Time, wip, times bool) (statuses []coach.Status, lastSync time.Time, fingerprint string, delivered []coach.Delivery, work []coach.Work, changed []coach.Item, err error)
	// TeamCycles is TeamDeliveries without Times and, when wip, with only
	// when each item in progress started (those changed after to left
	// out), from the index's compact members: a few numbers per item.
	TeamCycles(ctx context.Context, team string, from, to time.Time, wip bool) (statuses []coach.Status, lastSync time.Time, fingerprint string, delivered []coach.Delivery, wipStarts []time.Time, changed []coach.Item, err error)
	// TeamHistories reads in one round trip the statuses, last sync and
	// fingerprint, in full the items the index has as delivered in
	// [from, to), the indexed flows in progress, and in full the items
	// changed after to.
	TeamHistories(ctx context.Context, team string, from, to time.Time) (statuses []coach.Status, lastSync time.Time, fingerprint string, done []coach.Item, wip []coach.Flow, changed []coach.Item, err error)
	// TeamPullRequests reads in one round trip the statuses, last sync,
	// the deployments relevantDeployments would keep (and maybe more,
	// sorted as ever), the pull requests whose latest of created, closed
	// and merged is at or after from (by repository and number), and how
	// many stored pull requests and deployments name a commit other than
	// by 40 hex digits.
	TeamPullRequests(ctx context.Context, team string, from time.Time) (statuses []coach.Status, lastSync time.Time, prs []coach.PullRequest, deployments []coach.Deployment, oddSHAs int, err error)
	// TeamWIP reads in one round trip the statuses, last sync and
	// fingerprint, how many items the index has in progress in each
	// status (those changed after to left out), and in full the items
	// changed after to.
	TeamWIP(ctx context.Context, team string, to time.Time) (statuses []coach.Status, lastSync time.Time, fingerprint string, counts map[string]int, changed []coach.Item, err error)
	// ItemsActiveSince returns in full the items the index has in
	// progress or changed at or after t, and the index's fingerprint.
	ItemsActiveSince(ctx context.Context, team string, t time.Time) (fingerprint string, items []coach.Item, err error)
}

// sleLookBack is how far back aging's SLE reads delivered work
// (coach.SLE).
const sleLookBack = 90 * 24 * time.Hour

// windowSnapshot reads the snapshot of a command that has a windowed read.
// ok is false when the command, the store or the index has none: the
// caller then reads everything.
func (b *Bot) windowSnapshot(ctx context.Context, team *config.Team, now time.Time, cmd Command) (s *snapshot, ok bool, err error) {
	ws, isWindowed := b.Store.(windowStore)
	if !isWindowed {
		return nil, false, nil
	}
	from := cmd.Since.Start(now, team.Location())
	switch cmd.Name {
	case "cycle-time", "throughput":
		// Cycle time's reading counts the work in progress older than the
		// p85: when each item started says enough. Throughput reads none.
		return b.cycleSnapshot(ctx, ws, team, now, from, cmd.Name == "cycle-time")
	case "wip":
		return b.wipSnapshot(ctx, ws, team, now)
	case "aging":
		return b.deliverySnapshot(ctx, ws, team, now, now.Add(-sleLookBack), true, false)
	case "forecast":
		if len(cmd.Args) > 0 && strings.EqualFold(cmd.Args[0], "epic") {
			return nil, false, nil // an epic's open children are not indexed
		}
		// Its sample: the 60 whole days before today in the team's zone.
		return b.cycleSnapshot(ctx, ws, team, now, coach.ForecastSample(now, team.Location()).From, false)
	case "vsm", "efficiency":
		if cmd.WorkingTime {
			return b.historySnapshot(ctx, ws, team, now, from)
		}
		// vsm counts the queues now; efficiency reads no work in progress.
		return b.deliverySnapshot(ctx, ws, team, now, from, cmd.Name == "vsm", true)
	case "prs":
		return b.pullRequestSnapshot(ctx, ws, team, now, from)
	case "compare":
		return b.compareSnapshot(ctx, ws, team, now, cmd)
	}
	return nil, false, nil
}

// compareSnapshot reads what comparing two periods needs: the deliveries
// with their times from the earlier period's start on, the items that can
// have been in progress in either (their daily WIP), and every pull
// request, deployment and incident (the DORA keys reach them all). Periods
// it cannot read are left to the answer to refuse, from a full read.
func (b *Bot) compareSnapshot(ctx context.Context, ws windowStore, team *config.Team, now time.Time, cmd Command) (*snapshot, bool, error) {
	if len(cmd.Args) != 2 {
		return nil, false, nil
	}
	var from time.Time
	for i, arg := range cmd.Args {
		w, problem := parsePeriod(arg, team.Location(), now)
		if problem != "" {
			return nil, false, nil
		}
		if i == 0 || w.From.Before(from) {
			from = w.From
		}
	}
	// The pull requests, deployments and incidents are read while the
	// items are: both are large, and each read is mostly decoding.
	var delivery snapshot
	var g errgroup.Group
	g.Go(func() error { return b.readDelivery(ctx, team.ID, &delivery) })
	s, ok, err := b.deliverySnapshot(ctx, ws, team, now, from, false, true)
	var items []coach.Item
	if err == nil && ok {
		var fp string
		fp, items, err = ws.ItemsActiveSince(ctx, team.ID, from)
		if err != nil {
			err = fmt.Errorf("reading the flow index of %s: %w", team.ID, err)
		} else if fp != fingerprint(s.workflow) {
			ok = false // rebuilt meanwhile: read everything
		}
	}
	if werr := g.Wait(); err == nil && ok {
		err = werr
	}
	if err != nil || !ok {
		return nil, false, err
	}
	s.items = items
	s.prs, s.deployments, s.incidents = delivery.prs, delivery.deployments, delivery.incidents
	return s, true, nil
}

func (b *Bot) newSnapshot(team *config.Team, statuses []coach.Status, lastSync, now time.Time) (*snapshot, string) {
	wf := team.Workflow(statuses, b.config().Jira.ExcludeResolutions)
	return &snapshot{team: team, workflow: wf, now: now, lastSync: lastSync}, fingerprint(wf)
}

// indexSnapshot is newSnapshot for a read from the flow index, which was
// built with the workflow stored names: false, with a log line, when that
// is not the team's workflow now, and the caller reads every item instead.
func (b *Bot) indexSnapshot(team *config.Team, statuses []coach.Status, lastSync, now time.Time, stored string) (*snapshot, bool) {
	s, fp := b.newSnapshot(team, statuses, lastSync, now)
	if stored != fp {
		b.logger().Info("flow index not built with the current workflow: reading every item", "team", team.ID)
		return nil, false
	}
	return s, true
}

// deliverySnapshot reads the deliveries done in [from, now) (with their
// times when times) and, when wip, the work in progress.
func (b *Bot) deliverySnapshot(ctx context.Context, ws windowStore, team *config.Team, now, from time.Time, wip, times bool) (*snapshot, bool, error) {
	statuses, last, stored, delivered, work, changed, err := ws.TeamDeliveries(ctx, team.ID, from, now, wip, times && from.Before(now))
	if err != nil {
		return nil, false, fmt.Errorf("reading the flow index of %s: %w", team.ID, err)
	}
	s, ok := b.indexSnapshot(team, statuses, last, now, stored)
	if !ok {
		return nil, false, nil
	}
	s.indexed = true
	var fresh []coach.Flow // the changed items in progress, as of now
	s.delivered, fresh = withChanged(s.workflow, delivered, changed, coach.Window{From: from, To: now}, wip, times)
	if wip {
		s.work = append(work, coach.WorkIn(fresh)...)
	}
	return s, true, nil
}

// cycleSnapshot reads the deliveries done in [from, now) without Times and,
// when wip, when each item in progress started (TeamCycles).
func (b *Bot) cycleSnapshot(ctx context.Context, ws windowStore, team *config.Team, now, from time.Time, wip bool) (*snapshot, bool, error) {
	statuses, last, stored, delivered, starts, changed, err := ws.TeamCycles(ctx, team.ID, from, now, wip)
	if err != nil {
		return nil, false, fmt.Errorf("reading the flow index of %s: %w", team.ID, err)
	}
	s, ok := b.indexSnapshot(team, statuses, last, now, stored)
	if !ok {
		return nil, false, nil
	}
	s.indexed = true
	var fresh []coach.Flow
	s.delivered, fresh = withChanged(s.workflow, delivered, changed, coach.Window{From: from, To: now}, wip, false)
	for _, f := range fresh {
		starts = append(starts, f.Started)
	}
	s.wipStarts = starts
	return s, true, nil
}

// wipSnapshot reads how many items are in progress in each status, and
// reads the items changed after now as of now itself.
func (b *Bot) wipSnapshot(ctx context.Context, ws windowStore, team *config.Team, now time.Time) (*snapshot, bool, error) {
	statuses, last, stored, counts, changed, err := ws.TeamWIP(ctx, team.ID, now)
	if err != nil {
		return nil, false, fmt.Errorf("reading the flow index of %s: %w", team.ID, err)
	}
	s, ok := b.indexSnapshot(team, statuses, last, now, stored)
	if !ok {
		return nil, false, nil
	}
	for _, f := range coach.Flows(s.workflow, changed, now) {
		if f.InProgress() {
			counts[f.Status]++
		}
	}
	s.indexed, s.statusCounts = true, counts
	return s, true, nil
}

// withChanged replaces what the index holds of the changed items with the
// items read as of win.To: their deliveries done in win (with Times when
// times) and, when wip, their flows in progress, which it returns apart
// (the store's work in progress already leaves the changed items out).
func withChanged(wf coach.Workflow, delivered []coach.Delivery, changed []coach.Item, win coach.Window, wip, times bool) ([]coach.Delivery, []coach.Flow) {
	if len(changed) == 0 {
		return delivered, nil
	}
	skip := make(map[string]bool, len(changed))
	for _, it := range changed {
		skip[it.Key] = true
	}
	keptD := delivered[:0]
	for _, d := range delivered {
		if !skip[d.Key] {
			keptD = append(keptD, d)
		}
	}
	now := coach.Flows(wf, changed, win.To)
	var fresh []coach.Delivery
	if times {
		fresh = coach.NewTimer(wf, coach.CalendarTime).DeliveriesIn(now, win)
	}
	var inProgress []coach.Flow
	for _, f := range now {
		if !times && f.Delivered() && win.Contains(f.Done) {
			fresh = append(fresh, coach.DeliveryOf(f))
		}
		if wip && f.InProgress() {
			inProgress = append(inProgress, f)
		}
	}
	return append(keptD, fresh...), inProgress
}

func (b *Bot) historySnapshot(ctx context.Context, ws windowStore, team *config.Team, now, from time.Time) (*snapshot, bool, error) {
	statuses, last, stored, done, wip, changed, err := ws.TeamHistories(ctx, team.ID, from, now)
	if err != nil {
		return nil, false, fmt.Errorf("reading histories of %s: %w", team.ID, err)
	}
	s, ok := b.indexSnapshot(team, statuses, last, now, stored)
	if !ok {
		return nil, false, nil
	}
	s.flows = historyFlows(s.workflow, done, wip, changed, now)
	return s, true, nil
}

// historyFlows reads the delivered items and the changed ones as of now,
// by key as reading every item does, followed by the indexed flows in
// progress (which have no histories) of the items that did not change.
func historyFlows(wf coach.Workflow, done []coach.Item, wip []coach.Flow, changed []coach.Item, now time.Time) []coach.Flow {
	skip := make(map[string]bool, len(changed))
	for _, it := range changed {
		skip[it.Key] = true
	}
	items := make([]coach.Item, 0, len(done)+len(changed))
	for _, it := range done {
		if !skip[it.Key] {
			items = append(items, it)
		}
	}
	items = append(items, changed...)
	slices.SortFunc(items, func(a, b coach.Item) int { return cmp.Compare(a.Key, b.Key) })
	flows := coach.Flows(wf, items, now)
	for _, f := range wip {
		if !skip[f.Item.Key] {
			flows = append(flows, f)
		}
	}
	return flows
}

func (b *Bot) pullRequestSnapshot(ctx context.Context, ws windowStore, team *config.Team, now, from time.Time) (*snapshot, bool, error) {
	statuses, last, prs, deployments, odd, err := ws.TeamPullRequests(ctx, team.ID, from)
	if err != nil {
		return nil, false, fmt.Errorf("reading pull requests of %s: %w", team.ID, err)
	}
	// Deployed commits name pull requests by merge commit; only when
	// every commit involved is a full SHA does a pull request outside the
	// window never match one inside it.
	if odd > 0 {
		return nil, false, nil
	}
	s, _ := b.newSnapshot(team, statuses, last, now)
	s.prs, s.deployments = prs, relevantDeployments(deployments, prs)
	return s, true, nil
}

// relevantDeployments keeps the deployments that can bear on prs: those
// naming one of their merge commits, and per repository, source and
// environment the first to succeed, which decide the repository's
// deployment source. With full SHAs no other deployment carries any of
// prs, and leaving them out spares matching every deployed commit of the
// team's history against the window's pull requests.
func relevantDeployments(deployments []coach.Deployment, prs []coach.PullRequest) []coach.Deployment {
	merged := make(map[string]bool, len(prs))
	for _, pr := range prs {
		if pr.MergeCommitSHA != "" {
			merged[lowerHex(pr.MergeCommitSHA)] = true
		}
	}
	names := func(d coach.Deployment) bool {
		if merged[lowerHex(d.SHA)] {
			return true
		}
		return slices.ContainsFunc(d.Commits, func(c string) bool { return merged[lowerHex(c)] })
	}
	type class struct{ repo, source, env string }
	first := map[class]int{}
	for i, d := range deployments {
		if d.Succeeded.IsZero() {
			continue
		}
		c := class{d.Repo, d.Source, d.Environment}
		if j, ok := first[c]; !ok || d.Succeeded.Before(deployments[j].Succeeded) {
			first[c] = i
		}
	}
	keep := make([]bool, len(deployments))
	for _, i := range first {
		keep[i] = true
	}
	var out []coach.Deployment
	for i, d := range deployments {
		if keep[i] || names(d) {
			out = append(out, d)
		}
	}
	return out
}

// lowerHex is strings.ToLower for SHAs: GitHub's are lower case already,
// and checking for an upper-case letter is cheaper than ToLower's own
// scan, which is built for any text.
func lowerHex(s string) string {
	for i := range len(s) {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}
