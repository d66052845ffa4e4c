package jiratest

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestUsersAndComments(t *testing.T) {
	tests := []struct {
		name      string
		flavor    string
		search    string // the search path
		wantUsers map[string]map[string]any
	}{
		{
			name: "cloud: accountId, emailAddress only when revealed", flavor: Cloud, search: "/rest/api/2/search/jql",
			wantUsers: map[string]map[string]any{
				"Ann Lee": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Ann Lee", "emailAddress": "ann@acme.example"},
				"Bo Chen": {"accountId": "712020:bo", "displayName": "Bo Chen"},
			},
		},
		{
			name: "data center: name and key, emailAddress", flavor: DataCenter, search: "/rest/api/2/search",
			wantUsers: map[string]map[string]any{
				"Ann Lee": {"name": "ann", "key": "JIRAUSER10100", "displayName": "Ann Lee", "emailAddress": "ann@acme.example"},
				"Bo Chen": {"name": "bo", "key": "JIRAUSER10101", "displayName": "Bo Chen"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(Options{Flavor: tt.flavor, InlineCommentLimit: 2})
			defer s.Close()
			s.PutUsers(
				User{DisplayName: "Ann Lee", AccountID: "5b10ac8d82e05b22cc7d4ef5", Name: "ann", Key: "JIRAUSER10100", Email: "ann@acme.example"},
				User{DisplayName: "Bo Chen", AccountID: "712020:bo", Name: "bo", Key: "JIRAUSER10101"},
			)
			s.Put(
				Issue{Key: "ABC-1", Status: "To Do", Assignee: "Ann Lee", Created: t0, Updated: t0, Comments: []Comment{
					{Author: "Bo Chen", Body: "third", Created: t0.Add(3 * time.Hour)},
					{Author: "Bo Chen", Body: "first", Created: t0.Add(time.Hour), Updated: t0.Add(4 * time.Hour)},
					{Author: "Ann Lee", Body: "second", Created: t0.Add(2 * time.Hour)},
				}},
				Issue{Key: "ABC-2", Status: "To Do", Assignee: "Bo Chen", Created: t0, Updated: t0},
			)
			pick := func(u any, keys ...string) map[string]any {
				out := map[string]any{}
				for _, k := range keys {
					if v, ok := u.(map[string]any)[k]; ok {
						out[k] = v
					}
				}
				return out
			}
			userKeys := []string{"accountId", "name", "key", "displayName", "emailAddress"}

			r := get(t, s, tt.search, url.Values{"jql": {"project = ABC ORDER BY key"}, "fields": {"assignee,comment"}}, nil)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			issues := r.body["issues"].([]any)
			gotUsers := map[string]map[string]any{}
			for _, is := range issues {
				a := is.(map[string]any)["fields"].(map[string]any)["assignee"]
				gotUsers[a.(map[string]any)["displayName"].(string)] = pick(a, userKeys...)
			}
			if diff := cmp.Diff(gotUsers, tt.wantUsers); diff != "" {
				t.Errorf("assignees (-got +want):\n%s", diff)
			}

			// The search sends the first page of comments, oldest first,
			// with the total; the issue GET sends them all.
			for _, c := range []struct {
				where    string
				field    any
				wantBody []any
			}{
				{"search", issues[0].(map[string]any)["fields"].(map[string]any)["comment"], []any{"first", "second"}},
				{"issue", get(t, s, "/rest/api/2/issue/ABC-1", url.Values{"fields": {"comment"}}, nil).body["fields"].(map[string]any)["comment"],
					[]any{"first", "second", "third"}},
			} {
				page := c.field.(map[string]any)
				var bodies []any
				for _, cm := range page["comments"].([]any) {
					bodies = append(bodies, cm.(map[string]any)["body"])
				}
				got := map[string]any{"bodies": bodies, "total": page["total"], "startAt": page["startAt"], "maxResults": page["maxResults"]}
				want := map[string]any{"bodies": c.wantBody, "total": 3.0, "startAt": 0.0, "maxResults": float64(len(c.wantBody))}
				if diff := cmp.Diff(got, want); diff != "" {
					t.Errorf("%s comment field (-got +want):\n%s", c.where, diff)
				}
				first := page["comments"].([]any)[0].(map[string]any)
				wantFirst := map[string]any{"created": "2026-11-02T10:00:00.000+0000", "updated": "2026-11-02T13:00:00.000+0000", "author": "Bo Chen"}
				gotFirst := map[string]any{"created": first["created"], "updated": first["updated"], "author": first["author"].(map[string]any)["displayName"]}
				if diff := cmp.Diff(gotFirst, wantFirst); diff != "" {
					t.Errorf("%s first comment (-got +want):\n%s", c.where, diff)
				}
			}
		})
	}
}
