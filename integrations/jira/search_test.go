package jira

import (
	"testing"
	"time"

	gojira "github.com/andygrunwald/go-jira"
	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/coach"
)

func TestTransitions(t *testing.T) {
	status := func(from, to string) gojira.ChangelogItems {
		return gojira.ChangelogItems{Field: "status", FieldType: "jira", FromString: from, ToString: to}
	}
	at := func(h int) time.Time { return time.Date(2026, 11, 2, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		name string
		in   []gojira.ChangelogHistory
		want []coach.Transition
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := transitions(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("transitions (-got +want):\n%s", diff)
			}
		})
	}
}

func TestTransitionsBadTime(t *testing.T) {
	_, err := transitions([]gojira.ChangelogHistory{{Id: "1", Created: "yesterday"}})
	if err == nil {
		t.Fatal("transitions accepted a history dated \"yesterday\"")
	}
}
