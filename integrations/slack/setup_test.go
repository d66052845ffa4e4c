package slack

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/bot/config"
)

func payments() config.TeamSettings {
	return config.TeamSettings{
		ID: "payments", Name: "Payments", Channel: "C0PAYMENTS", JQL: "project = PAY",
		Repos:    []string{"acme/payments-api", "acme/payments-web"},
		Stages:   []config.Stage{{Name: "Build", Active: []string{"In Progress"}, Wait: []string{"Blocked"}, WIPLimit: 3}, {Name: "Done", Done: []string{"Done"}}},
		WIPLimit: 6, Timezone: "Europe/Berlin", WorkingDays: []string{"Monday", "Tue", "Wed", "Thu", "Fri"},
		// Each schedule in one of its three states: set, off, the default.
		Coaching: &config.CoachingSettings{
			Schedules:    config.Schedules{FlowCheck: config.Schedule{Spec: "0 10 * * 1-5", Set: true}, Standup: config.Schedule{Set: true}},
			StalledAfter: config.WorkDuration{Duration: 36 * time.Hour}, BlockedAfter: config.WorkDuration{Duration: 72 * time.Hour},
			MaxPoints: 8, MaxPRLines: 400, WorkingHours: "08:30-16:30", Holidays: []string{"2026-12-24", "2026-12-25"},
		},
	}
}

func TestSetupViewGolden(t *testing.T) {
	many := make([]string, maxOptions+1)
	for i := range many {
		many[i] = fmt.Sprintf("Status %03d", i)
	}
	tests := []struct {
		name string
		form bot.SetupForm
	}{
		{"edit", bot.SetupForm{Settings: payments(), Revision: 3, Statuses: []string{"Blocked", "Done", "In Progress", "In Review"}}},
		{"new", bot.SetupForm{New: true, Settings: config.TeamSettings{ID: "checkout", Channel: "C0CHECKOUT", Timezone: "UTC", WorkingDays: config.DefaultWorkingDays()}, Statuses: []string{"Done", "In Progress"}}},
		// No statuses known, or more than a select holds: typed in.
		{"statuses-as-text", bot.SetupForm{Settings: payments(), Statuses: many}},
		// As many stages as the form shows: within Slack's 100 blocks.
		{"most-stages", bot.SetupForm{Settings: func() config.TeamSettings {
			s := payments()
			s.Stages = nil
			for i := range maxStageRows {
				s.Stages = append(s.Stages, config.Stage{Name: fmt.Sprintf("S%d", i), Active: []string{"In Progress"}, WIPLimit: i})
			}
			return s
		}(), Statuses: []string{"In Progress"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := SetupView(tt.form)
			if n := len(v.Blocks.BlockSet); n > maxViewBlocks {
				t.Errorf("%d blocks, over Slack's %d", n, maxViewBlocks)
			}
			if n := len([]rune(v.Title.Text)); n > 24 {
				t.Errorf("title %q has %d characters, over Slack's 24", v.Title.Text, n)
			}
			var inputs []string
			for _, b := range v.Blocks.BlockSet {
				if in, ok := b.(*slackapi.InputBlock); ok {
					inputs = append(inputs, in.BlockID)
					if el, ok := in.Element.(*slackapi.PlainTextInputBlockElement); ok && el.MaxLength > 0 && len([]rune(el.InitialValue)) > el.MaxLength {
						t.Errorf("block %s: initial value %q over its max_length %d", in.BlockID, el.InitialValue, el.MaxLength)
					}
				}
			}
			for _, want := range []string{"stage_0_wip_limit", "working_hours", "holidays", "flow_check", "standup", "digest",
				"stalled_after", "blocked_after", "repeat_every", "max_points", "max_pr_lines"} {
				if !slices.Contains(inputs, want) {
					t.Errorf("no %s input; inputs: %v", want, inputs)
				}
			}
			got, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "setup/"+tt.name+".json", append(got, '\n'))
		})
	}
}

// stateOf is the view state Slack reports for a form submitted as
// SetupView laid it out, with edits.
func stateOf(t *testing.T, v slackapi.ModalViewRequest, edit map[string]slackapi.BlockAction) *slackapi.ViewState {
	t.Helper()
	st := &slackapi.ViewState{Values: map[string]map[string]slackapi.BlockAction{}}
	for _, b := range v.Blocks.BlockSet {
		in, ok := b.(*slackapi.InputBlock)
		if !ok {
			continue
		}
		var a slackapi.BlockAction
		switch el := in.Element.(type) {
		case *slackapi.PlainTextInputBlockElement:
			a.Value = el.InitialValue
		case *slackapi.NumberInputBlockElement:
			a.Value = el.InitialValue
		case *slackapi.MultiSelectBlockElement:
			for _, o := range el.InitialOptions {
				a.SelectedOptions = append(a.SelectedOptions, *o)
			}
		case *slackapi.SelectBlockElement:
			a.SelectedConversation = el.InitialConversation
		default:
			t.Fatalf("block %s: element %T", in.BlockID, el)
		}
		if e, ok := edit[in.BlockID]; ok {
			a = e
		}
		st.Values[in.BlockID] = map[string]slackapi.BlockAction{actionValue: a}
	}
	return st
}

// A form submitted unchanged reads back as the settings it showed;
// edits land on their fields.
func TestReadSetup(t *testing.T) {
	opt := func(vs ...string) []slackapi.OptionBlockObject {
		var out []slackapi.OptionBlockObject
		for _, v := range vs {
			out = append(out, slackapi.OptionBlockObject{Value: v})
		}
		return out
	}
	statuses := []string{"Blocked", "Done", "In Progress", "In Review"}
	tests := []struct {
		name     string
		form     bot.SetupForm
		edit     map[string]slackapi.BlockAction
		want     func(*config.TeamSettings)
		wantErrs map[string]string
	}{
		{name: "unchanged", form: bot.SetupForm{Settings: payments(), Statuses: statuses},
			want: func(s *config.TeamSettings) { s.WorkingDays = []string{"Mon", "Tue", "Wed", "Thu", "Fri"} }},
		{name: "unchanged, statuses as text", form: bot.SetupForm{Settings: payments()},
			want: func(s *config.TeamSettings) { s.WorkingDays = []string{"Mon", "Tue", "Wed", "Thu", "Fri"} }},
		{
			name: "edited",
			form: bot.SetupForm{Settings: payments(), Statuses: statuses},
			edit: map[string]slackapi.BlockAction{
				"stage_0_name": {}, "stage_0_active": {}, "stage_0_wait": {}, // the first stage cleared: removed
				"stage_2_name":      {Value: " Review "},
				"stage_2_active":    {SelectedOptions: opt("In Review")},
				"repos":             {Value: "acme/a\n\n acme/b \n"},
				"wip_limit":         {},
				"stage_0_wip_limit": {}, // and its WIP limit
				"stage_2_wip_limit": {Value: "2"},
				"working_days":      {SelectedOptions: opt("Mon", "Sat")},
				"channel":           {SelectedConversation: "C0OTHER"},
			},
			want: func(s *config.TeamSettings) {
				s.Stages = []config.Stage{{Name: "Done", Done: []string{"Done"}}, {Name: "Review", Active: []string{"In Review"}, WIPLimit: 2}}
				s.Repos = []string{"acme/a", "acme/b"}
				s.WIPLimit = 0
				s.WorkingDays = []string{"Mon", "Sat"}
				s.Channel = "C0OTHER"
			},
		},
		{
			name: "schedules and thresholds edited",
			form: bot.SetupForm{Settings: payments(), Statuses: statuses},
			edit: map[string]slackapi.BlockAction{
				"flow_check":    {},                       // back to the default
				"standup":       {Value: " 0 9 * * 1-5 "}, // on again
				"digest":        {Value: "OFF"},           // switched off
				"stalled_after": {Value: "4d"},
				"blocked_after": {},
				"repeat_every":  {Value: "12h"},
				"max_points":    {},
				"max_pr_lines":  {Value: "800"},
				"working_hours": {Value: "10:00-18:00"},
				"holidays":      {Value: "2026-12-31\n\n 2027-01-01, 2027-01-02"},
			},
			want: func(s *config.TeamSettings) {
				s.WorkingDays = []string{"Mon", "Tue", "Wed", "Thu", "Fri"}
				s.Coaching = &config.CoachingSettings{
					Schedules:    config.Schedules{Standup: config.Schedule{Spec: "0 9 * * 1-5", Set: true}, Digest: config.Schedule{Set: true}},
					StalledAfter: config.WorkDuration{Duration: 96 * time.Hour}, RepeatEvery: config.WorkDuration{Duration: 12 * time.Hour},
					MaxPRLines: 800, WorkingHours: "10:00-18:00", Holidays: []string{"2026-12-31", "2027-01-01", "2027-01-02"},
				}
			},
		},
		{
			name: "working time and numbers that do not read",
			form: bot.SetupForm{Settings: payments(), Statuses: statuses},
			edit: map[string]slackapi.BlockAction{
				"stalled_after":     {Value: "five days"},
				"max_pr_lines":      {Value: "lots"},
				"stage_1_wip_limit": {Value: "2.5"},
			},
			want: func(*config.TeamSettings) {},
			wantErrs: map[string]string{
				"stalled_after":     `expected working time such as 5d (working days) or 36h, found "five days"`,
				"max_pr_lines":      `"lots" is not a whole number of lines; leave it empty for 400`,
				"stage_1_wip_limit": `"2.5" is not a whole number of items; leave it empty for no limit`,
			},
		},
		{
			name:     "wip limit not a number",
			form:     bot.SetupForm{Settings: payments(), Statuses: statuses},
			edit:     map[string]slackapi.BlockAction{"wip_limit": {Value: "4.5"}},
			want:     func(*config.TeamSettings) {},
			wantErrs: map[string]string{"wip_limit": `"4.5" is not a whole number of items; leave it empty for no limit`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := SetupView(tt.form)
			var meta setupMetadata
			if err := json.Unmarshal([]byte(v.PrivateMetadata), &meta); err != nil {
				t.Fatal(err)
			}
			sub, errs := readSetup(stateOf(t, v, tt.edit), meta)
			if diff := cmp.Diff(errs, tt.wantErrs, cmpEmptyMap); diff != "" {
				t.Errorf("errors (-got +want):\n%s", diff)
			}
			if len(tt.wantErrs) > 0 {
				return
			}
			want := tt.form.Settings
			tt.want(&want)
			if diff := cmp.Diff(sub, bot.SetupSubmission{Team: "payments", Settings: want}); diff != "" {
				t.Errorf("submission (-got +want):\n%s", diff)
			}
		})
	}
}

var cmpEmptyMap = cmp.FilterValues(func(a, b map[string]string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())

func TestProblemBlocks(t *testing.T) {
	tests := []struct {
		name    string
		ps      []bot.FieldProblem
		general string
		want    map[string]string
	}{
		{
			name:    "each on its block",
			general: blockName,
			ps: []bot.FieldProblem{
				{Field: "channel", Message: "taken"}, {Field: "jira.jql", Message: "remove `ORDER BY`"},
				{Field: "github.repos", Message: "not owner/name"}, {Field: "stages[1].wait", Message: "unknown"},
				{Field: "stages[0]", Message: "no statuses"}, {Field: "timezone", Message: "zone"},
				{Field: "working_days", Message: "day"}, {Field: "wip_limit", Message: "negative"},
				{Field: "stages[2].wip_limit", Message: "stage negative"}, {Field: "schedules.standup", Message: "not cron"},
				{Field: "schedules.flow_check", Message: "fc"}, {Field: "schedules.digest", Message: "dg"},
				{Field: "stalled_after", Message: "short"}, {Field: "blocked_after", Message: "b"}, {Field: "repeat_every", Message: "r"},
				{Field: "max_points", Message: "mp"}, {Field: "github.max_pr_lines", Message: "small"},
				{Field: "working_hours", Message: "hours"}, {Field: "holidays", Message: "date"},
			},
			want: map[string]string{
				"channel": "taken", "jql": "remove ORDER BY", "repos": "not owner/name", "stage_1_wait": "unknown",
				"stage_0_name": "no statuses", "timezone": "zone", "working_days": "day", "wip_limit": "negative",
				"stage_2_wip_limit": "stage negative", "standup": "not cron", "flow_check": "fc", "digest": "dg",
				"stalled_after": "short", "blocked_after": "b", "repeat_every": "r", "max_points": "mp", "max_pr_lines": "small",
				"working_hours": "hours", "holidays": "date",
			},
		},
		{
			name:    "several on one block, and the rest on the general one",
			general: blockID,
			ps: []bot.FieldProblem{
				{Field: "timezone", Message: "a"}, {Field: "timezone", Message: "b"},
				{Field: "", Message: "stale"}, {Field: "private", Message: "set a channel"}, {Field: "stages[9].name", Message: "far"},
			},
			want: map[string]string{"timezone": "a; b", "id": "stale; private: set a channel; far"},
		},
		{
			name:    "an id problem when editing goes on the general block",
			general: blockName,
			ps:      []bot.FieldProblem{{Field: "id", Message: "bad"}},
			want:    map[string]string{"name": "bad"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemBlocks(tt.ps, 3, tt.general)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("errors (-got +want):\n%s", diff)
			}
		})
	}
}

func TestSavedText(t *testing.T) {
	got := savedText(bot.SaveResult{Team: "payments", Revision: 2, Changes: []config.Change{{Path: "wip_limit", Old: "", New: "5"}}})
	for _, want := range []string{"Saved team `payments`'s settings (revision 2)", "• `wip_limit`: (none) → 5"} {
		if !strings.Contains(got, want) {
			t.Errorf("saved text %q lacks %q", got, want)
		}
	}
}
