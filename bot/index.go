package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/flowbot/flowbot/coach"
)

// The flow index (see the store's package comment) keeps every item's flow
// as read with coach at write time, so an answer reads the few thousand
// flows its window needs instead of every item's history. This file is the
// bot's half: the fingerprint naming the workflow the flows were read with,
// keeping the index in step with the items, and reading the flows of an
// answer as of any instant.

// indexStore is what reading flows from the index needs.
type indexStore interface {
	// AnswerFlows reads in one round trip the index's fingerprint ("" when
	// none), the indexed flows delivered in [from, to) followed by those in
	// progress (their Items lack Transitions, Flagged and Links, delivered
	// ones also Title and Assignee), and in full the items changed after to
	// (maybe also some changed within to's millisecond).
	AnswerFlows(ctx context.Context, team string, from, to time.Time) (fingerprint string, flows []coach.Flow, changed []coach.Item, err error)
}

// indexWriter is what keeping the index in step with the items needs.
type indexWriter interface {
	Items(ctx context.Context, team string) ([]coach.Item, error)
	FlowFingerprint(ctx context.Context, team string) (string, error)
	PutFlowIndex(ctx context.Context, team, fingerprint string, flows []coach.Flow) error
	ReplaceFlowIndex(ctx context.Context, team, fingerprint string, flows []coach.Flow) error
}

// errIndexStale says the team's flow index was built with another workflow
// (or never built): its flows cannot answer, and the caller falls back to
// reading every item.
var errIndexStale = errors.New("flow index is not built with the current workflow")

// fingerprintVersion changes whenever coach's reading of a history as flow
// changes, or the index's layout does, so that indexes built by an older
// flowbot are rebuilt (4: compact records packed by day, counts in
// progress).
const fingerprintVersion = "flow-index-4"

// fingerprint is a stable hash of everything in wf that decides how an
// item's history reads as flow: stages in order with their statuses by role,
// Jira's statuses with their categories, and the excluded resolutions.
func fingerprint(wf coach.Workflow) string {
	h := sha256.New()
	h.Write([]byte(fingerprintVersion))
	h.Write([]byte{0})
	// json.Marshal of plain structs and slices is deterministic.
	b, err := json.Marshal(wf)
	if err != nil {
		// coach.Workflow holds only strings; Marshal cannot fail on it.
		panic(fmt.Sprintf("fingerprinting workflow: %v", err))
	}
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// forever is an instant after every real one. A flow read as of it is the
// item's flow as of its last change, and so as of any instant after that.
var forever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// indexFlows reads items as of their last change, for the index, with the
// calendar times of those delivered after a start, which answers over
// delivered work read instead of histories.
func indexFlows(wf coach.Workflow, items []coach.Item) []coach.Flow {
	flows := coach.Flows(wf, items, forever)
	timer := coach.NewTimer(wf, coach.CalendarTime)
	times := make([]coach.ItemTimes, len(flows))
	for i := range flows {
		if f := &flows[i]; f.Delivered() && !f.Started.IsZero() {
			times[i] = timer.Times(*f)
			f.Times = &times[i]
		}
	}
	return flows
}

// updateFlowIndex brings team's flow index up to date after items were
// stored: it adds their flows, or rebuilds the index from every stored item
// when it was built with another workflow or never built. Call it after
// storing items and before moving the cursor past them.
func updateFlowIndex(ctx context.Context, db indexWriter, team string, wf coach.Workflow, items []coach.Item) error {
	fp := fingerprint(wf)
	stored, err := db.FlowFingerprint(ctx, team)
	if err != nil {
		return err
	}
	if stored == fp {
		if err := db.PutFlowIndex(ctx, team, fp, indexFlows(wf, items)); err != nil {
			return err
		}
		return nil
	}
	all, err := db.Items(ctx, team)
	if err != nil {
		return err
	}
	return db.ReplaceFlowIndex(ctx, team, fp, indexFlows(wf, all))
}

// flowsFor returns the flows an answer about the window [from, now) and the
// work in progress at now needs: every item delivered in the window and
// every item in progress at now, read as of now. Items unchanged since now
// come from the index; items changed after now (or within its millisecond)
// are read in full and recomputed as of now, so a past now answers as the
// past did. One round trip. Items the index holds have no Transitions,
// Flagged or Links (delivered ones no Title or Assignee either), and times
// truncated to the millisecond. It returns errIndexStale when
// the index was not built with fp.
func flowsFor(ctx context.Context, db indexStore, team string, wf coach.Workflow, fp string, now, from time.Time) ([]coach.Flow, error) {
	stored, flows, changed, err := db.AnswerFlows(ctx, team, from, now)
	if err != nil {
		return nil, err
	}
	if stored != fp {
		return nil, errIndexStale
	}
	if len(changed) == 0 {
		return flows, nil
	}
	skip := make(map[string]bool, len(changed))
	for _, it := range changed {
		skip[it.Key] = true
	}
	kept := flows[:0]
	for _, f := range flows {
		if !skip[f.Item.Key] {
			kept = append(kept, f)
		}
	}
	return append(kept, coach.Flows(wf, changed, now)...), nil
}

// RebuildFlowIndex brings team's flow index in step with wf, the workflow
// the bot answers with (config.Team.Workflow of the stored statuses and the
// excluded resolutions), rebuilding it from every stored item when it was
// built with another workflow or never built. Sync keeps the index in step
// by itself; this is for tools and benchmarks that load a store directly.
func RebuildFlowIndex(ctx context.Context, db indexWriter, team string, wf coach.Workflow) error {
	return updateFlowIndex(ctx, db, team, wf, nil)
}
