package jira_test

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/jira"
	"github.com/flowbot/flowbot/integrations/jira/jiratest"
)

// epicSite holds an epic, its children, a sub-task and an incident, with
// every field issue 3 reads: parent, resolution date, points, links and
// the Flagged impediment.
func epicSite() []jiratest.Issue {
	flag := func(h int, set bool) jiratest.Change {
		to, from := "Impediment", ""
		if !set {
			to, from = "", "Impediment"
		}
		return jiratest.Change{At: hours(h), Author: "Ann Lee", Field: "Flagged", From: from, To: to}
	}
	status := func(h int, from, to string) jiratest.Change {
		return jiratest.Change{At: hours(h), Author: "Ann Lee", Field: "status", From: from, To: to}
	}
	return []jiratest.Issue{
		{Key: "PAY-100", Type: "Epic", Summary: "Payments", Status: "In Progress", Created: t0, Updated: t0},
		{
			Key: "PAY-101", Type: "Story", Summary: "Card form", Status: "Done", Resolution: "Done",
			Created: t0, Updated: hours(5), Resolved: hours(5), Parent: "PAY-100", Points: 3, Estimated: true,
			History: []jiratest.Change{
				status(1, "To Do", "In Progress"), flag(2, true), flag(3, false), status(5, "In Progress", "Done"),
				{At: hours(5), Author: "Ann Lee", Field: "resolution", To: "Done"},
			},
			// PAY-101 blocks PAY-102.
			Links: []jiratest.IssueLink{{Type: "Blocks", Key: "PAY-102"}},
		},
		{
			Key: "PAY-102", Type: "Story", Summary: "Refunds", Status: "In Progress",
			Created: t0, Updated: hours(4), Parent: "PAY-100",
			History: []jiratest.Change{status(1, "To Do", "In Progress"), flag(4, true)},
		},
		{
			Key: "PAY-103", Type: "Bug", Summary: "Typo", Status: "To Do", Created: t0, Updated: t0,
			Parent: "PAY-100", Points: 0, Estimated: true,
		},
		{Key: "PAY-104", Type: "Sub-task", Subtask: true, Summary: "Tests", Status: "To Do", Created: t0, Updated: t0, Parent: "PAY-101"},
		{
			Key: "INC-1", Type: "Incident", Summary: "Checkout down", Status: "Done", Resolution: "Done",
			Created: hours(6), Updated: hours(8), Resolved: hours(8),
			History: []jiratest.Change{status(8, "To Do", "Done")},
			Links:   []jiratest.IssueLink{{Type: "Relates", Inward: true, Key: "PAY-101"}},
		},
	}
}

// epicItems is what epicSite becomes, with parent as the epic children's
// Parent.
func epicItems(parent string) map[string]coach.Item {
	return map[string]coach.Item{
		"PAY-100": {Key: "PAY-100", Title: "Payments", Type: "Epic", Status: "In Progress", Created: t0, Updated: t0},
		"PAY-101": {
			Key: "PAY-101", Title: "Card form", Type: "Story", Status: "Done", Resolution: "Done",
			Created: t0, Updated: hours(5), Resolved: hours(5), Parent: parent, Points: 3, Estimated: true,
			Transitions: []coach.Transition{
				{At: hours(1), From: "To Do", To: "In Progress"}, {At: hours(5), From: "In Progress", To: "Done"},
			},
			Flagged: []coach.Span{{From: hours(2), To: hours(3)}},
			Links: []coach.Link{
				{Type: "Blocks", Description: "blocks", Key: "PAY-102", OtherCategory: coach.CategoryIndeterminate},
				// Declared on INC-1, read from this side.
				{Type: "Relates", Description: "relates to", Key: "INC-1", OtherCategory: coach.CategoryDone},
			},
		},
		"PAY-102": {
			Key: "PAY-102", Title: "Refunds", Type: "Story", Status: "In Progress",
			Created: t0, Updated: hours(4), Parent: parent,
			Transitions: []coach.Transition{{At: hours(1), From: "To Do", To: "In Progress"}},
			Flagged:     []coach.Span{{From: hours(4)}},
			Links: []coach.Link{
				{Type: "Blocks", Description: "is blocked by", Inward: true, Key: "PAY-101", OtherCategory: coach.CategoryDone},
			},
		},
		"PAY-103": {
			Key: "PAY-103", Title: "Typo", Type: "Bug", Status: "To Do", Created: t0, Updated: t0,
			Parent: parent, Points: 0, Estimated: true,
		},
	}
}

func TestSyncIssueFields(t *testing.T) {
	tests := []struct {
		name       string
		flavor     string
		cfg        jira.Config
		wantParent string
	}{
		// Cloud's parent field covers epics' children.
		{name: "cloud", flavor: jiratest.Cloud, cfg: jira.Config{}, wantParent: "PAY-100"},
		// Data Center gives parent to sub-tasks only: without the Epic
		// Link field, epics' children have no parent.
		{name: "data center without epic link", flavor: jiratest.DataCenter, cfg: jira.Config{Flavor: jira.FlavorDataCenter}},
		{
			name: "data center with epic link", flavor: jiratest.DataCenter,
			cfg:        jira.Config{Flavor: jira.FlavorDataCenter, EpicLinkField: jiratest.EpicLinkField},
			wantParent: "PAY-100",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := jiratest.NewServer(jiratest.Options{Flavor: tt.flavor})
			defer s.Close()
			s.Put(epicSite()...)
			c := newClient(t, s, tt.cfg)
			_, got, _ := syncPages(t, c, "project = PAY", time.Time{})
			if diff := cmp.Diff(got, epicItems(tt.wantParent)); diff != "" {
				t.Errorf("items (-got +want):\n%s", diff)
			}
		})
	}
}

func TestSyncIncidents(t *testing.T) {
	// incident_jql runs through the same Sync: the sub-task filter and
	// key order it adds leave an incident query's answer as it was.
	s := jiratest.NewServer(jiratest.Options{})
	defer s.Close()
	s.Put(epicSite()...)
	c := newClient(t, s, jira.Config{})
	_, got, _ := syncPages(t, c, "issuetype = Incident", time.Time{})
	want := map[string]coach.Item{"INC-1": {
		Key: "INC-1", Title: "Checkout down", Type: "Incident", Status: "Done", Resolution: "Done",
		Created: hours(6), Updated: hours(8), Resolved: hours(8),
		Transitions: []coach.Transition{{At: hours(8), From: "To Do", To: "Done"}},
		Links: []coach.Link{
			{Type: "Relates", Description: "relates to", Inward: true, Key: "PAY-101", OtherCategory: coach.CategoryDone},
		},
	}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("items (-got +want):\n%s", diff)
	}
	cs := calls(t, s)
	if len(cs) != 1 {
		t.Fatalf("got %d requests, want 1", len(cs))
	}
	if got, want := cs[0].Query.Get("jql"), "(issuetype = Incident) AND issuetype not in subTaskIssueTypes() ORDER BY key ASC"; got != want {
		t.Errorf("jql = %q, want %q", got, want)
	}
}

func TestSyncEpicChildren(t *testing.T) {
	// What `/flow forecast epic PAY-100` asks for on each flavor.
	tests := []struct {
		name   string
		flavor string
		cfg    jira.Config
		jql    string
	}{
		{name: "cloud parent", flavor: jiratest.Cloud, jql: "parent = PAY-100"},
		{name: "cloud epic link", flavor: jiratest.Cloud, jql: `"Epic Link" = PAY-100`},
		{
			name: "data center epic link", flavor: jiratest.DataCenter, jql: `"Epic Link" = PAY-100`,
			cfg: jira.Config{Flavor: jira.FlavorDataCenter, EpicLinkField: jiratest.EpicLinkField},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := jiratest.NewServer(jiratest.Options{Flavor: tt.flavor})
			defer s.Close()
			s.Put(epicSite()...)
			c := newClient(t, s, tt.cfg)
			pages, items, _ := syncPages(t, c, tt.jql, time.Time{})
			if diff := cmp.Diff(pages, [][]string{{"PAY-101", "PAY-102", "PAY-103"}}); diff != "" {
				t.Errorf("pages (-got +want):\n%s", diff)
			}
			for k, it := range items {
				if it.Parent != "PAY-100" {
					t.Errorf("%s.Parent = %q, want PAY-100", k, it.Parent)
				}
			}
		})
	}
}

func TestSyncOddCustomFields(t *testing.T) {
	// A points field id that names some other field (here the Flagged
	// checkbox) must not stop the sync: the items arrive unestimated and
	// the mistake is logged.
	s := jiratest.NewServer(jiratest.Options{})
	defer s.Close()
	flagged := jiratest.Issue{
		Key: "ABC-1", Summary: "Stuck", Status: "To Do", Created: t0, Updated: t0, Points: 5, Estimated: true,
		History: []jiratest.Change{{At: hours(1), Author: "Ann Lee", Field: "Flagged", To: "Impediment"}},
	}
	s.Put(flagged)
	var logs bytes.Buffer
	c := newClient(t, s, jira.Config{PointsField: jiratest.FlaggedField, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	_, items, res := syncPages(t, c, "project = ABC", time.Time{})
	if res.Issues != 1 {
		t.Fatalf("synced %d issues, want 1", res.Issues)
	}
	if it := items["ABC-1"]; it.Estimated || it.Points != 0 {
		t.Errorf("ABC-1 Points, Estimated = %v, %v; want 0, false", it.Points, it.Estimated)
	}
	if !strings.Contains(logs.String(), "ABC-1: field "+jiratest.FlaggedField) {
		t.Errorf("logs do not name the issue and field:\n%s", logs.String())
	}
	var fields []string
	for _, c := range calls(t, s) {
		fields = append(fields, strings.Split(c.Query.Get("fields"), ",")...)
	}
	if !slices.Contains(fields, jiratest.FlaggedField) || slices.Contains(fields, jira.DefaultPointsField) {
		t.Errorf("fields asked for = %v, want the configured points field instead of the default", fields)
	}
}
