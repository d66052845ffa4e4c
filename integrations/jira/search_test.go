package jira

import (
	"fmt"
	"testing"
	"time"

	gojira "github.com/andygrunwald/go-jira"
	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/coach"
)

func TestReadChangelog(t *testing.T) {
	status := func(from, to string) gojira.ChangelogItems {
		return gojira.ChangelogItems{Field: "status", FieldType: "jira", FromString: from, ToString: to}
	}
	// flag is a Flagged change as Cloud records it: the checkbox's option
	// id in brackets, its value as the string.
	flag := func(set bool) gojira.ChangelogItems {
		if set {
			return gojira.ChangelogItems{Field: "Flagged", FieldType: "custom", To: "[10019]", ToString: "Impediment"}
		}
		return gojira.ChangelogItems{Field: "Flagged", FieldType: "custom", From: "[10019]", FromString: "Impediment"}
	}
	hist := func(id string, h int, items ...gojira.ChangelogItems) gojira.ChangelogHistory {
		return gojira.ChangelogHistory{Id: id, Created: fmt.Sprintf("2026-11-02T%02d:00:00.000+0000", h), Items: items}
	}
	at := func(h int) time.Time { return time.Date(2026, 11, 2, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		name        string
		in          []gojira.ChangelogHistory
		want        []coach.Transition
		wantFlagged []coach.Span
	}{
		{
			// Ids need not follow time: imported issues keep old dates.
			name: "newest first as Cloud inlines them",
			in: []gojira.ChangelogHistory{
				{Id: "3", Created: "2026-11-02T12:00:00.000+0000", Items: []gojira.ChangelogItems{status("Review", "Done")}},
				{Id: "20", Created: "2026-11-02T11:00:00.000+0100", Items: []gojira.ChangelogItems{status("Doing", "Review")}},
				{Id: "100", Created: "2026-11-02T09:00:00.000+0000", Items: []gojira.ChangelogItems{status("To Do", "Doing")}},
			},
			want: []coach.Transition{
				{At: at(9), From: "To Do", To: "Doing"},
				{At: at(10), From: "Doing", To: "Review"},
				{At: at(12), From: "Review", To: "Done"},
			},
		},
		{
			name: "same instant ordered by history id",
			in: []gojira.ChangelogHistory{
				{Id: "100", Created: "2026-11-02T09:00:00.000+0000", Items: []gojira.ChangelogItems{status("Doing", "Done")}},
				{Id: "99", Created: "2026-11-02T09:00:00.000+0000", Items: []gojira.ChangelogItems{status("To Do", "Doing")}},
			},
			want: []coach.Transition{
				{At: at(9), From: "To Do", To: "Doing"},
				{At: at(9), From: "Doing", To: "Done"},
			},
		},
		{
			name: "other fields and duplicates ignored",
			in: []gojira.ChangelogHistory{
				{Id: "1", Created: "2026-11-02T09:00:00.000+0000", Items: []gojira.ChangelogItems{
					{Field: "assignee", FieldType: "jira", ToString: "Ann"},
					{Field: "status", FieldType: "custom", FromString: "Green", ToString: "Red"},
					status("To Do", "Doing"),
				}},
				{Id: "1", Created: "2026-11-02T09:00:00.000+0000", Items: []gojira.ChangelogItems{status("To Do", "Doing")}},
			},
			want: []coach.Transition{{At: at(9), From: "To Do", To: "Doing"}},
		},
		{name: "none", in: nil, want: nil},
		{
			name: "flagged twice, newest first, with a status change in the same history",
			in: []gojira.ChangelogHistory{
				hist("5", 15, flag(false)),
				hist("4", 13, flag(true)),
				hist("3", 12, flag(false), status("Doing", "Blocked")),
				hist("2", 10, flag(true)),
				hist("1", 9, status("To Do", "Doing")),
			},
			want: []coach.Transition{
				{At: at(9), From: "To Do", To: "Doing"},
				{At: at(12), From: "Doing", To: "Blocked"},
			},
			wantFlagged: []coach.Span{{From: at(10), To: at(12)}, {From: at(13), To: at(15)}},
		},
		{
			name:        "still flagged: open span",
			in:          []gojira.ChangelogHistory{hist("1", 10, flag(true))},
			wantFlagged: []coach.Span{{From: at(10)}},
		},
		{
			name:        "set twice keeps the first start",
			in:          []gojira.ChangelogHistory{hist("1", 10, flag(true)), hist("2", 11, flag(true)), hist("3", 12, flag(false))},
			wantFlagged: []coach.Span{{From: at(10), To: at(12)}},
		},
		{
			// The flag was set before the recorded history: when is unknown.
			name:        "cleared without a start",
			in:          []gojira.ChangelogHistory{hist("1", 10, flag(false)), hist("2", 11, flag(true))},
			wantFlagged: []coach.Span{{From: at(11)}},
		},
		{
			name: "a jira field named Flagged is not the impediment",
			in: []gojira.ChangelogHistory{hist("1", 10, gojira.ChangelogItems{
				Field: "Flagged", FieldType: "jira", ToString: "Impediment",
			})},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, gotFlagged, err := readChangelog(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("transitions (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(gotFlagged, tt.wantFlagged); diff != "" {
				t.Errorf("flagged (-got +want):\n%s", diff)
			}
		})
	}
}

func TestReadChangelogBadTime(t *testing.T) {
	_, _, err := readChangelog([]gojira.ChangelogHistory{{Id: "1", Created: "yesterday"}})
	if err == nil {
		t.Fatal("readChangelog accepted a history dated \"yesterday\"")
	}
}
