package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/integrations/slack/slacktest"
	"github.com/flowbot/flowbot/store"
)

// setupWorld serves the one-team world with a Slack stand-in that knows a
// workspace admin, an owner, a user listed under admins: and a member.
func setupWorld(t *testing.T) (*slacktest.Server, *store.DB, *config.Config) {
	t.Helper()
	w := newWorld(t)
	cfg, err := loadConfig(w.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.SyncInterval.Duration = time.Hour // one sync at start, none during the test
	cfg.Admins = []string{"U0LISTED"}
	sl, slackEnv := newSlack(t)
	sl.AddUser(slacktest.User{ID: "U0ADMIN", Name: "ada", IsAdmin: true})
	sl.AddUser(slacktest.User{ID: "U0OWNER", Name: "otto", IsOwner: true})
	sl.AddUser(slacktest.User{ID: "U0LISTED", Name: "lis"})
	sl.AddUser(slacktest.User{ID: "U0MEMBER", Name: "mem"})
	env := faultEnv(t, w, w.env["REDIS_URL"], slackEnv)
	logger := slog.New(slog.DiscardHandler)
	// The form offers the statuses Jira knows: sync them first.
	if sum := syncOnce(t, cfg, env, logger, nil); sum.Err() != nil {
		t.Fatalf("sync: %v", sum.Err())
	}
	serveFor(t, cfg, env, sl, logger, nil)
	db, closeDB, err := openStore(t.Context(), env, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeDB)
	return sl, db, cfg
}

func command(t *testing.T, sl *slacktest.Server, user, channel, text string) slacktest.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	msg, err := sl.SlashCommand(ctx, slacktest.SlashCommand{Command: "/flow", Text: text, ChannelID: channel, UserID: user})
	if err != nil {
		t.Fatalf("/flow %s: %v", text, err)
	}
	return msg
}

func submit(t *testing.T, sl *slacktest.Server, user, viewID string, values map[string]map[string]any) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	raw, err := sl.SubmitView(ctx, user, viewID, values)
	if err != nil {
		t.Fatalf("submitting %s: %v", viewID, err)
	}
	var got map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("ack payload %s: %v", raw, err)
		}
	}
	return got
}

func text(v string) map[string]any {
	return map[string]any{"value": map[string]any{"type": "plain_text_input", "value": v}}
}

func picked(vs ...string) map[string]any {
	opts := []map[string]any{}
	for _, v := range vs {
		opts = append(opts, map[string]any{"value": v, "text": map[string]any{"type": "plain_text", "text": v}})
	}
	return map[string]any{"value": map[string]any{"type": "multi_static_select", "selected_options": opts}}
}

func number(v string) map[string]any {
	return map[string]any{"value": map[string]any{"type": "number_input", "value": v}}
}

func conversation(id string) map[string]any {
	return map[string]any{"value": map[string]any{"type": "conversations_select", "selected_conversation": id}}
}

func blockIDs(t *testing.T, blocks json.RawMessage) []string {
	t.Helper()
	var bs []struct {
		BlockID string `json:"block_id"`
		Type    string `json:"type"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range bs {
		if b.Type == "input" {
			ids = append(ids, b.BlockID)
		}
	}
	return ids
}

// TestSetupModalRoundTrip: an admin opens the form, submits it invalid and
// sees the problems on their blocks, submits it valid, and the new team
// answers at once; the change is in the history.
func TestSetupModalRoundTrip(t *testing.T) {
	sl, db, file := setupWorld(t)

	opened := command(t, sl, "U0ADMIN", "C0NEW", "setup checkout")
	if opened.Via != "views.open" {
		t.Fatalf("/flow setup checkout answered %q via %s, want a modal", opened.Text, opened.Via)
	}
	ids := blockIDs(t, opened.Blocks)
	for _, want := range []string{"id", "name", "channel", "jql", "repos", "stage_0_name", "stage_0_active", "stage_0_wait", "stage_0_done", "stage_0_wip_limit",
		"wip_limit", "timezone", "working_days", "working_hours", "holidays", "flow_check", "standup", "digest",
		"stalled_after", "blocked_after", "repeat_every", "max_points", "max_pr_lines"} {
		if !strings.Contains(" "+strings.Join(ids, " ")+" ", " "+want+" ") {
			t.Errorf("the new-team form has no %q block; blocks: %v", want, ids)
		}
	}
	if !strings.Contains(string(opened.Blocks), `"In Review"`) {
		t.Errorf("the stages offer no status Jira knows (In Review): %s", opened.Blocks)
	}

	invalid := map[string]map[string]any{
		"id":             text("checkout"),
		"channel":        conversation("C0PAYMENTS"), // payments' channel
		"jql":            text("project = CHK ORDER BY created"),
		"stage_0_name":   text("Build"),
		"stage_0_active": picked("In Progress"),
		"timezone":       text("Mars/Olympus"),
		// Each kind of coaching key, wrong in a way only config check
		// sees: on its own field.
		"stage_0_wip_limit": number("-1"),
		"flow_check":        text("every morning"),
		"stalled_after":     text("0.5h"),
		"max_points":        number("-3"),
		"working_hours":     text("9-5"),
		"holidays":          text("2026-12-24\n2026-13-01"),
	}
	got := submit(t, sl, "U0ADMIN", opened.ViewID, invalid)
	if got["response_action"] != "errors" {
		t.Fatalf("invalid submission acked with %v, want response_action errors", got)
	}
	errs, _ := got["errors"].(map[string]any)
	var blocks []string
	for b := range errs {
		blocks = append(blocks, b)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(blocks)), []string{"channel", "flow_check", "holidays", "jql", "max_points",
		"stage_0_wip_limit", "stalled_after", "timezone", "working_hours"}); diff != "" {
		t.Errorf("errors on blocks (-got +want):\n%s\nerrors: %v", diff, errs)
	}
	if msg, _ := errs["holidays"].(string); !strings.Contains(msg, `"2026-13-01" is not a date`) {
		t.Errorf("holidays error %q does not name the date", msg)
	}
	if h, _ := db.SettingsAudit(t.Context(), "checkout", 10); len(h) != 0 {
		t.Errorf("an invalid submission was saved: %v", h)
	}
	// Working time that does not read at all is refused before checking.
	unread := submit(t, sl, "U0ADMIN", opened.ViewID, map[string]map[string]any{"id": text("checkout"), "jql": text("project = CHK"), "repeat_every": text("a week")})
	if errs, _ := unread["errors"].(map[string]any); !strings.Contains(fmt.Sprint(errs["repeat_every"]), `found "a week"`) {
		t.Errorf("unreadable repeat_every acked with %v, want an error on its field", unread)
	}

	valid := map[string]map[string]any{
		"id":                text("checkout"),
		"name":              text("Checkout"),
		"channel":           conversation("C0NEW"),
		"jql":               text("project = CHK"),
		"repos":             text("acme/checkout-web\nacme/checkout-api"),
		"stage_0_name":      text("Build"),
		"stage_0_active":    picked("In Progress"),
		"stage_0_wait":      picked("Blocked"),
		"stage_1_name":      text("Done"),
		"stage_1_done":      picked("Done"),
		"wip_limit":         number("4"),
		"timezone":          text("America/New_York"),
		"working_days":      picked("Mon", "Tue", "Wed", "Thu"),
		"stage_0_wip_limit": number("2"),
		"standup":           text("off"),
		"digest":            text("0 16 * * 5"),
		"stalled_after":     text("3d"),
		"max_pr_lines":      number("600"),
		"working_hours":     text("08:00-16:00"),
		"holidays":          text("2026-12-24\n2026-12-31"),
	}
	saved := submit(t, sl, "U0ADMIN", opened.ViewID, valid)
	if saved["response_action"] != "update" || !strings.Contains(jsonText(saved), "Saved team `checkout`") || !strings.Contains(jsonText(saved), "`jira.jql`: (none) → project = CHK") {
		t.Fatalf("valid submission acked with %v, want the form replaced by the changes saved", saved)
	}
	// In effect at once: the new channel is the new team's.
	if ans := command(t, sl, "U0MEMBER", "C0NEW", "wip"); strings.Contains(ans.Text, "not linked") || strings.Contains(ans.Text, "don't know") {
		t.Errorf("/flow wip in the new team's channel: %q", ans.Text)
	}
	hist := command(t, sl, "U0OWNER", "C0NEW", "settings history checkout")
	for _, want := range []string{"<@U0ADMIN>", "`jira.jql`", "`project = CHK`", "`wip_limit`", "`4`", "`working_days`", "`Mon, Tue, Wed, Thu`",
		"`stages[0].wip_limit`: _(none)_ → `2`", "`schedules.standup`: _(none)_ → `off`", "`schedules.digest`: _(none)_ → `0 16 * * 5`",
		"`stalled_after`: _(none)_ → `3d`", "`github.max_pr_lines`: _(none)_ → `600`", "`working_hours`: _(none)_ → `08:00-16:00`",
		"`holidays`: _(none)_ → `2026-12-24, 2026-12-31`"} {
		if !strings.Contains(hist.Text, want) {
			t.Errorf("history lacks %q:\n%s", want, hist.Text)
		}
	}
	stored, err := effectiveConfig(t.Context(), file, db)
	if err != nil {
		t.Fatal(err)
	}
	if tm, ok := stored.Team("checkout"); !ok || tm.Jira.JQL != "project = CHK" || tm.WIPLimit != 4 {
		t.Errorf("stored settings give team %+v, want checkout with its JQL and WIP limit", tm)
	} else {
		got := fmt.Sprintf("stage wip %v, flow check %q, standup %q, digest %q, stalled %v, max lines %d, hours %s, holidays %v",
			tm.StageWIPLimits(), tm.FlowCheckSpec(), tm.StandupSpec(), tm.DigestSpec(), tm.StalledAfter.Duration, tm.GitHub.MaxPRLines, tm.WorkingHours, tm.Holidays)
		want := `stage wip map[Build:2], flow check "15 9 * * 1-5", standup "", digest "0 16 * * 5", stalled 72h0m0s, max lines 600, hours 08:00-16:00, holidays [2026-12-24 2026-12-31]`
		if got != want {
			t.Errorf("stored settings give\n%s\nwant\n%s", got, want)
		}
	}

	// A second admin edits payments from its channel: the form has no id.
	edit := command(t, sl, "U0LISTED", "C0PAYMENTS", "setup")
	if edit.Via != "views.open" {
		t.Fatalf("/flow setup in payments' channel answered %q, want a modal", edit.Text)
	}
	if ids := blockIDs(t, edit.Blocks); ids[0] != "name" {
		t.Errorf("editing a team: first input %q, want name (the id cannot change)", ids[0])
	}
}

// TestSetupAdminCheck: workspace admins and owners (per users.info) and
// the users listed under admins: may open the form and read the history;
// anyone else is told only admins can change settings.
func TestSetupAdminCheck(t *testing.T) {
	sl, _, _ := setupWorld(t)
	tests := []struct {
		name, user string
		allowed    bool
	}{
		{"workspace admin", "U0ADMIN", true},
		{"workspace owner", "U0OWNER", true},
		{"listed under admins", "U0LISTED", true},
		{"member", "U0MEMBER", false},
		{"unknown to users.info", "U0GHOST", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, cmdText := range []string{"setup", "settings history"} {
				got := command(t, sl, tt.user, "C0PAYMENTS", cmdText)
				refused := strings.Contains(got.Text, "only admins can change settings")
				if refused == tt.allowed {
					t.Errorf("/flow %s by %s: %q via %s; allowed = %v", cmdText, tt.user, got.Text, got.Via, tt.allowed)
				}
				if cmdText == "setup" && tt.allowed && got.Via != "views.open" {
					t.Errorf("/flow setup by %s: %q via %s, want the modal", tt.user, got.Text, got.Via)
				}
			}
		})
	}
}

// TestJQLOnlyFromAdminsForm: a team's JQL changes only through the form,
// submitted by an admin. The command's text never sets it, and a member
// who submits a form (say, one an admin left open on a shared screen) is
// refused.
func TestJQLOnlyFromAdminsForm(t *testing.T) {
	sl, db, _ := setupWorld(t)
	for _, text := range []string{"setup payments jql=project=EVIL", "setup team:payments project = EVIL", "settings set jira.jql project = EVIL", "settings jql project = EVIL"} {
		t.Run(text, func(t *testing.T) {
			got := command(t, sl, "U0ADMIN", "C0PAYMENTS", text)
			if got.Via == "views.open" || !strings.Contains(got.Text, "Usage") {
				t.Errorf("/flow %s: %q via %s, want a usage answer", text, got.Text, got.Via)
			}
		})
	}
	opened := command(t, sl, "U0ADMIN", "C0PAYMENTS", "setup")
	got := submit(t, sl, "U0MEMBER", opened.ViewID, map[string]map[string]any{"jql": text("project = EVIL")})
	if errs, _ := got["errors"].(map[string]any); got["response_action"] != "errors" || !strings.Contains(errs["name"].(string), "only admins can change settings") {
		t.Errorf("a member's submission acked with %v, want refused", got)
	}
	if h, err := db.SettingsAudit(t.Context(), "payments", 10); err != nil || len(h) != 0 {
		t.Errorf("history of payments = %v, %v; want nothing saved", h, err)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
