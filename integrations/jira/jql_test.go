package jira

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStripOrderBy(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"none", "project = ABC", "project = ABC"},
		{"upper", "project = ABC ORDER BY Rank ASC", "project = ABC "},
		{"lower and spacing", "project = ABC order   by created desc, key", "project = ABC "},
		{"only ordering", "ORDER BY key", ""},
		{"quoted", `summary ~ "order by" AND project = ABC`, `summary ~ "order by" AND project = ABC`},
		{"quoted with escape", `summary ~ "say \"order by\"" ORDER BY key`, `summary ~ "say \"order by\"" `},
		{"word containing order", "labels = preorder AND project = ABC", "labels = preorder AND project = ABC"},
		{"field named like it", "ordered = yes", "ordered = yes"},
		{"inside parentheses is not top level", "(project = ABC)ORDER BY key", "(project = ABC)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stripOrderBy(tt.in); got != tt.want {
				t.Errorf("stripOrderBy(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSearchJQL(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		team    string
		since   time.Time
		loc     *time.Location
		want    string
		wantErr bool
	}{
		{
			name: "full sync",
			team: "project = ABC ORDER BY Rank",
			want: "(project = ABC) AND issuetype not in subTaskIssueTypes() ORDER BY key ASC",
		},
		{
			name:  "incremental in the user's zone with overlap",
			team:  "project in (ABC, DEF) OR labels = flow",
			since: time.Date(2026, 11, 20, 15, 17, 30, 0, time.UTC),
			loc:   ny,
			want:  `(project in (ABC, DEF) OR labels = flow) AND issuetype not in subTaskIssueTypes() AND updated >= "2026/11/20 10:15" ORDER BY key ASC`,
		},
		{
			name:  "overlap crosses midnight",
			team:  "project = ABC",
			since: time.Date(2026, 11, 21, 0, 1, 0, 0, time.UTC),
			loc:   time.UTC,
			want:  `(project = ABC) AND issuetype not in subTaskIssueTypes() AND updated >= "2026/11/20 23:59" ORDER BY key ASC`,
		},
		{name: "no condition", team: "  ORDER BY key", wantErr: true},
		{name: "empty", team: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := searchJQL(tt.team, tt.since, tt.loc)
			if (err != nil) != tt.wantErr {
				t.Fatalf("searchJQL error = %v, want error: %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("searchJQL (-got +want):\n%s", diff)
			}
		})
	}
}
