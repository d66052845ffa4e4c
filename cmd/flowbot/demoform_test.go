package main

import (
	"strings"
	"testing"
)

// TestDemoSetupWalkThrough drives /flow setup in the demo from a script:
// the demo's person is a workspace admin (users.info on the Slack
// stand-in), the modal the bot opened is printed with its fields, field
// lines fill it, an empty line submits it as a view_submission, the bot's
// problems show on their fields and keep the form open, the saved change
// replaces the form, and /flow settings history lists it.
func TestDemoSetupWalkThrough(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo syncs a generated company")
	}
	script := strings.Join([]string{
		"/flow setup",
		"wip_limit=abc",
		"",
		"wip_limit=5",
		"timezone=Mars/Olympus",
		"stage_0_active=In Progress, Nope",
		"working_days=mon,tue,wed,thu",
		"",
		"timezone=Europe/Berlin",
		"standup=off",
		"stalled_after=3x",
		"",
		"stalled_after=3d",
		"",
		"/flow settings history",
		"/flow setup team:checkout",
		"cancel",
		"/flow cycle-time",
		"",
	}, "\n")
	code, out, errOut := runCmd(t, nil, script, "demo", "--days", "30", "--out", t.TempDir())
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// Each step's output, in order.
	steps := []string{
		"> /flow setup\n┌─ Edit payments (a form Slack shows over the channel; opened with views.open)",
		"│ jql                Jira query (JQL): project = PAY",
		"│ repos              GitHub repositories: acme/payments-api, acme/payments-web",
		"│ stage_0_active     Active statuses: In Progress\n│                    pick from: Backlog, Blocked, Closed, Done, In Progress",
		"│ stage_0_wip_limit  Stage WIP limit: —",
		"│ wip_limit          WIP limit: —",
		"│ Schedules\n",
		"│ standup            Standup prompt: —\n│                    Empty: 30 9 * * 1-5. off: no standup prompt",
		"│ Thresholds\n",
		"│ stalled_after      Stalled after: —",
		"│ max_pr_lines       Max pull request lines: 400",
		"form › wip_limit=abc\nform › \nNot saved; the form stays open with 1 problem(s):\n  ✗ wip_limit (WIP limit): \"abc\" is not a whole number of items",
		"form › stage_0_active=In Progress, Nope\n  stage_0_active: \"Nope\" is not one of the options: Backlog,",
		"Not saved; the form stays open with 1 problem(s):\n  ✗ timezone (Time zone): unknown time zone \"Mars/Olympus\"",
		"form › stalled_after=3x\nform › \nNot saved; the form stays open with 1 problem(s):\n  ✗ stalled_after (Stalled after): expected working time such as 5d (working days) or 36h, found \"3x\"",
		"form › stalled_after=3d\nform › \n┌─ Settings saved\n│ Saved team `payments`'s settings (revision 1), in effect now:\n│ • `wip_limit`: (none) → 5\n│ • `working_days`: Mon, Tue, Wed, Thu, Fri → Mon, Tue, Wed, Thu\n│ • `schedules.standup`: (none) → off\n│ • `stalled_after`: (none) → 3d\n",
		"> /flow settings history\nSettings history\n",
		"<@U0DEMO> · team `payments` (revision 1)\n• `wip_limit`: (none) → `5`",
		"> /flow setup team:checkout\n┌─ Edit checkout",
		"form › cancel\n(form closed without saving)",
		"> /flow cycle-time\nCycle time · Payments",
	}
	rest := out
	for _, s := range steps {
		i := strings.Index(rest, s)
		if i < 0 {
			t.Fatalf("demo output lacks, after the steps before it:\n%s\n\nstdout:\n%s", s, out)
		}
		rest = rest[i+len(s):]
	}
}

// TestDemoFormEndsWithInput: input that ends while a form is open closes
// it unsaved and ends the demo cleanly.
func TestDemoFormEndsWithInput(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo syncs a generated company")
	}
	dir := t.TempDir()
	code, out, errOut := runCmd(t, nil, "/flow setup\nwip_limit=3\n", "demo", "--days", "30", "--out", dir)
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.HasSuffix(out, "form › wip_limit=3\n(the input ended: the form is closed without saving)\n") {
		t.Errorf("demo output ends:\n%s", out[max(0, len(out)-400):])
	}
}
