package jiratest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestJQL(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	issues := []issueView{
		{Key: "ABC-2", Project: "ABC", Type: "Story", Status: "In Progress", Assignee: "Ann Lee", Summary: "Checkout page",
			Created: at("2026-11-01T09:00:00Z"), Updated: at("2026-11-20T15:15:00Z")},
		{Key: "ABC-10", Project: "ABC", Type: "Bug", Status: "Done", Resolution: "Done", Summary: "Crash on login",
			Created: at("2026-10-01T09:00:00Z"), Updated: at("2026-11-20T15:14:00Z")},
		{Key: "ABC-3", Project: "ABC", Type: "Sub-task", Subtask: true, Status: "To Do", Summary: "Write tests",
			Created: at("2026-11-05T09:00:00Z"), Updated: at("2026-11-19T10:00:00Z")},
		{Key: "XYZ-1", Project: "XYZ", Type: "Task", Status: "To Do", Summary: "Order by phone",
			Created: at("2026-11-10T09:00:00Z"), Updated: at("2026-11-21T10:00:00Z")},
	}
	cat := &catalog{
		loc:      ny,
		now:      at("2026-11-21T12:00:00Z"),
		projects: map[string]bool{"ABC": true, "XYZ": true},
		types:    map[string]bool{"story": true, "bug": true, "task": true, "sub-task": true, "epic": true},
		statuses: map[string]bool{"to do": true, "in progress": true, "done": true},
	}
	tests := []struct {
		name    string
		jql     string
		want    []string // keys, in the query's order
		wantErr string
	}{
		{name: "project equals", jql: "project = ABC", want: []string{"ABC-2", "ABC-3", "ABC-10"}},
		{name: "project case and quotes", jql: `Project = "abc" ORDER BY key DESC`, want: []string{"ABC-10", "ABC-3", "ABC-2"}},
		{name: "project in list", jql: "project in (ABC, XYZ) ORDER BY key ASC", want: []string{"ABC-2", "ABC-3", "ABC-10", "XYZ-1"}},
		{name: "adapter query without date", jql: "(project = ABC) AND issuetype not in subTaskIssueTypes() ORDER BY key ASC", want: []string{"ABC-2", "ABC-10"}},
		{
			// 10:15 in New York is 15:15 UTC: ABC-2 matches, ABC-10 (15:14 UTC) does not.
			name: "updated read in user zone",
			jql:  `(project = ABC) AND issuetype not in subTaskIssueTypes() AND updated >= "2026/11/20 10:15" ORDER BY key ASC`,
			want: []string{"ABC-2"},
		},
		{name: "dash date with time", jql: `project = ABC AND updated >= "2026-11-20 10:14"`, want: []string{"ABC-2", "ABC-10"}},
		{name: "date only", jql: `updated >= "2026-11-20" ORDER BY created ASC`, want: []string{"ABC-10", "ABC-2", "XYZ-1"}},
		{name: "relative date", jql: `updated >= -12h`, want: []string{"XYZ-1"}},
		{name: "or with parentheses", jql: `(project = XYZ OR status = Done) AND NOT type = Task`, want: []string{"ABC-10"}},
		{name: "status not in", jql: `project = ABC AND status not in ("Done", "To Do")`, want: []string{"ABC-2"}},
		{name: "resolution empty", jql: `project = ABC AND resolution is EMPTY`, want: []string{"ABC-2", "ABC-3"}},
		{name: "resolution unresolved", jql: `project = ABC AND resolution = Unresolved`, want: []string{"ABC-2", "ABC-3"}},
		{name: "assignee", jql: `assignee = "Ann Lee"`, want: []string{"ABC-2"}},
		{name: "standard types", jql: `project = ABC AND issuetype in standardIssueTypes()`, want: []string{"ABC-2", "ABC-10"}},
		{name: "summary contains", jql: `summary ~ "order"`, want: []string{"XYZ-1"}},
		{name: "order by alone", jql: `ORDER BY updated DESC`, want: []string{"XYZ-1", "ABC-2", "ABC-10", "ABC-3"}},
		{name: "empty", jql: ``, want: []string{"ABC-2", "ABC-3", "ABC-10", "XYZ-1"}},

		{name: "unknown field", jql: `team = Alpha`, wantErr: "Field 'team' does not exist or you do not have permission to view it."},
		{name: "unknown project", jql: `project = NOPE`, wantErr: "The value 'NOPE' does not exist for the field 'project'."},
		{name: "unknown status", jql: `status = Doing`, wantErr: "The value 'Doing' does not exist for the field 'status'."},
		{name: "unknown function", jql: `issuetype in myTypes()`, wantErr: "Unable to find JQL function 'myTypes()'."},
		{name: "bad date", jql: `updated >= "20/11/2026"`, wantErr: "Date value '20/11/2026' for field 'updated' is invalid."},
		{name: "missing operator", jql: `project ABC`, wantErr: "Error in the JQL Query: Expecting operator but got 'ABC'."},
		{name: "unclosed paren", jql: `(project = ABC`, wantErr: "Error in the JQL Query: Expecting ')' but got end of query. (line 1, character 15)"},
		{name: "dangling and", jql: `project = ABC AND`, wantErr: "Error in the JQL Query: Expecting a field name but got end of query."},
		{name: "reserved character", jql: `project = ABC & status = Done`, wantErr: "The character '&' is a reserved JQL character."},
		{name: "reserved word as value", jql: `project = order`, wantErr: "'order' is a reserved JQL word."},
		{name: "operator not for field", jql: `project > ABC`, wantErr: "The operator '>' is not supported by the 'project' field."},
		{name: "unknown order field", jql: `project = ABC ORDER BY rank`, wantErr: "Field 'rank' does not exist"},
		{name: "trailing garbage", jql: `project = ABC status = Done`, wantErr: "Expecting either 'OR' or 'AND' but got 'status'."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := parseJQL(tt.jql, cat)
			if tt.wantErr != "" {
				var jerr *jqlError
				if !errors.As(err, &jerr) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseJQL(%q) error = %v, want a jqlError containing %q", tt.jql, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseJQL(%q): %v", tt.jql, err)
			}
			got := keysMatching(q, issues)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("parseJQL(%q) matched keys (-got +want):\n%s", tt.jql, diff)
			}
		})
	}
}

// keysMatching evaluates q the way the server does.
func keysMatching(q *query, issues []issueView) []string {
	s := &Server{issues: map[string]*record{}}
	for _, v := range issues {
		s.issues[v.Key] = &record{Issue: Issue{
			Key: v.Key, Project: v.Project, Type: v.Type, Subtask: v.Subtask, Summary: v.Summary, Status: v.Status,
			Resolution: v.Resolution, Assignee: v.Assignee, Created: v.Created, Updated: v.Updated, Parent: v.Parent,
		}}
	}
	var keys []string
	for _, rec := range s.match(q) {
		keys = append(keys, rec.Key)
	}
	return keys
}

func TestCompareKeys(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"ABC-9", "ABC-10", -1},
		{"ABC-10", "ABC-9", 1},
		{"ABC-1", "ABD-1", -1},
		{"ABC-1", "ABC-1", 0},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_vs_"+tt.b, func(t *testing.T) {
			got := compareKeys(tt.a, tt.b)
			if (got < 0) != (tt.want < 0) || (got > 0) != (tt.want > 0) {
				t.Errorf("compareKeys(%q, %q) = %d, want sign of %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestJQLParentsAndTypes(t *testing.T) {
	issues := []issueView{
		{Key: "PAY-1", Project: "PAY", Type: "Epic", Status: "To Do"},
		{Key: "PAY-2", Project: "PAY", Type: "Story", Status: "To Do", Parent: "PAY-1"},
		{Key: "PAY-3", Project: "PAY", Type: "Bug", Status: "To Do", Parent: "PAY-1"},
		{Key: "PAY-4", Project: "PAY", Type: "Sub-task", Subtask: true, Status: "To Do", Parent: "PAY-2"},
		{Key: "PAY-5", Project: "PAY", Type: "Story", Status: "To Do"},
		{Key: "OPS-1", Project: "OPS", Type: "Incident", Status: "Done"},
		{Key: "WEB-1", Project: "WEB", Type: "Task", Status: "To Do"},
	}
	newCat := func(cloud bool) *catalog {
		c := &catalog{
			loc: time.UTC, cloud: cloud,
			projects: map[string]bool{"PAY": true, "OPS": true, "WEB": true},
			types:    map[string]bool{"story": true, "bug": true, "task": true, "sub-task": true, "epic": true, "incident": true},
			statuses: map[string]bool{"to do": true, "done": true},
			keys:     map[string]bool{},
		}
		for _, v := range issues {
			c.keys[v.Key] = true
		}
		return c
	}
	tests := []struct {
		name    string
		cloud   bool
		jql     string
		want    []string
		wantErr string
	}{
		{name: "incidents", cloud: true, jql: "issuetype = Incident", want: []string{"OPS-1"}},
		{name: "types in list", cloud: true, jql: `issuetype in (Bug, "Incident") ORDER BY key`, want: []string{"OPS-1", "PAY-3"}},
		{name: "projects in list", cloud: true, jql: "project in (OPS, WEB) ORDER BY key", want: []string{"OPS-1", "WEB-1"}},
		{name: "cloud parent covers epic children", cloud: true, jql: "parent = PAY-1", want: []string{"PAY-2", "PAY-3"}},
		{name: "cloud parent of a sub-task", cloud: true, jql: "parent = pay-2", want: []string{"PAY-4"}},
		{name: "cloud parent in", cloud: true, jql: "parent in (PAY-1, PAY-2)", want: []string{"PAY-2", "PAY-3", "PAY-4"}},
		{name: "cloud epic link", cloud: true, jql: `"Epic Link" = PAY-1`, want: []string{"PAY-2", "PAY-3"}},
		{name: "data center parent is sub-tasks only", jql: "parent in (PAY-1, PAY-2)", want: []string{"PAY-4"}},
		{name: "data center epic link", jql: `"epic link" = PAY-1`, want: []string{"PAY-2", "PAY-3"}},
		{name: "epic link of a non-epic", jql: `"Epic Link" = PAY-2`, want: nil},
		{name: "not in leaves out the empty", cloud: true, jql: "project = PAY AND parent != PAY-1", want: []string{"PAY-4"}},
		{name: "epic link empty", jql: `project = PAY AND "Epic Link" is EMPTY`, want: []string{"PAY-1", "PAY-4", "PAY-5"}},
		{name: "epic link not empty", jql: `"Epic Link" is not EMPTY`, want: []string{"PAY-2", "PAY-3"}},

		{name: "unknown parent", cloud: true, jql: "parent = PAY-99", wantErr: "An issue with key 'PAY-99' does not exist for field 'parent'."},
		{name: "parent is empty refused", cloud: true, jql: "parent is EMPTY", wantErr: "The operator 'IS' is not supported by the 'parent' field."},
		{name: "parent compared", cloud: true, jql: "parent > PAY-1", wantErr: "The operator '>' is not supported by the 'parent' field."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := parseJQL(tt.jql, newCat(tt.cloud))
			if tt.wantErr != "" {
				var jerr *jqlError
				if !errors.As(err, &jerr) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseJQL(%q) error = %v, want a jqlError containing %q", tt.jql, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseJQL(%q): %v", tt.jql, err)
			}
			if diff := cmp.Diff(keysMatching(q, issues), tt.want); diff != "" {
				t.Errorf("parseJQL(%q) matched keys (-got +want):\n%s", tt.jql, diff)
			}
		})
	}
}
