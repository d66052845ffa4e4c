package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
)

var (
	cet = time.FixedZone("CET", 3600)
	pst = time.FixedZone("PST", -8*3600)
)

// fullItem sets every field of coach.Item, with times in a non-UTC zone and
// nanoseconds, so a dropped or truncated field shows in a diff.
func fullItem(key string) coach.Item {
	return coach.Item{
		Key:        key,
		Title:      "Pay out refunds — in €, \"quoted\" & <escaped>",
		Type:       "Story",
		Status:     "Done",
		Resolution: "Fixed",
		Assignee:   "Ada Lovelace",
		Created:    time.Date(2024, 3, 1, 9, 30, 0, 123456789, cet),
		Updated:    time.Date(2024, 3, 8, 17, 0, 0, 1, pst),
		Transitions: []coach.Transition{
			{At: time.Date(2024, 3, 2, 10, 0, 0, 0, cet), From: "To Do", To: "In Progress"},
			{At: time.Date(2024, 3, 5, 11, 0, 0, 999999999, time.UTC), From: "In Progress", To: "In Review"},
			{At: time.Date(2024, 3, 8, 17, 0, 0, 1, pst), From: "In Review", To: "Done"},
		},
		Resolved:  time.Date(2024, 3, 8, 17, 0, 0, 2, pst),
		Parent:    "PAY-100",
		Points:    2.5,
		Estimated: true,
		Flagged: []coach.Span{
			{From: time.Date(2024, 3, 3, 10, 0, 0, 3, cet), To: time.Date(2024, 3, 4, 10, 0, 0, 4, time.UTC)},
			{From: time.Date(2024, 3, 6, 10, 0, 0, 5, pst)},
		},
		Links: []coach.Link{
			{Type: "Blocks", Description: "is blocked by", Inward: true, Key: "OPS-7", OtherCategory: coach.CategoryDone},
			{Type: "Relates", Description: "relates to", Key: "PAY-9", OtherCategory: coach.CategoryNew},
		},
	}
}

func fullPullRequest(repo string, number int) coach.PullRequest {
	return coach.PullRequest{
		Repo:         repo,
		Number:       number,
		Title:        "Retry webhook deliveries",
		Author:       "octocat",
		AuthorIsBot:  true,
		State:        "closed",
		Draft:        true,
		BaseBranch:   "main",
		Created:      time.Date(2024, 4, 1, 8, 0, 0, 5, cet),
		Updated:      time.Date(2024, 4, 3, 8, 0, 0, 6, pst),
		Closed:       time.Date(2024, 4, 3, 9, 0, 0, 7, time.UTC),
		Merged:       time.Date(2024, 4, 3, 9, 0, 0, 7, time.UTC),
		Additions:    120,
		Deletions:    45,
		ChangedFiles: 7,
		Reviews: []coach.Review{
			{Author: "hubot", AuthorIsBot: true, State: "COMMENTED", Submitted: time.Date(2024, 4, 1, 9, 0, 0, 1, cet)},
			{Author: "mona", State: "CHANGES_REQUESTED", Submitted: time.Date(2024, 4, 2, 9, 0, 0, 2, time.UTC)},
			{Author: "mona", State: "APPROVED", Submitted: time.Date(2024, 4, 3, 7, 0, 0, 3, pst)},
		},
		HeadBranch:         "PAY-1-retry-webhooks",
		Body:               "Fixes PAY-1.\n\nThis reverts commit abc123 — \"quoted\" & <escaped>",
		MergeCommitSHA:     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
		Ready:              time.Date(2024, 4, 1, 10, 0, 0, 8, cet),
		FirstCommit:        time.Date(2024, 3, 30, 10, 0, 0, 9, pst),
		Commits:            251,
		CommitsTruncated:   true,
		RequestedReviewers: []string{"mona", "hubot"},
	}
}

func TestItems(t *testing.T) {
	retitled := fullItem("PAY-1")
	retitled.Title = "Renamed"
	retitled.Transitions = retitled.Transitions[:1]
	tests := []struct {
		name    string
		batches [][]coach.Item
		want    []coach.Item
	}{
		{
			name:    "every field round trips",
			batches: [][]coach.Item{{fullItem("PAY-1")}},
			want:    []coach.Item{fullItem("PAY-1")},
		},
		{
			name:    "zero values round trip",
			batches: [][]coach.Item{{{Key: "PAY-1"}}},
			want:    []coach.Item{{Key: "PAY-1"}},
		},
		{
			name:    "sorted by key",
			batches: [][]coach.Item{{{Key: "PAY-3"}, {Key: "OPS-9"}}, {{Key: "PAY-10"}}},
			want:    []coach.Item{{Key: "OPS-9"}, {Key: "PAY-10"}, {Key: "PAY-3"}},
		},
		{
			name:    "a later write of the same key replaces the item",
			batches: [][]coach.Item{{fullItem("PAY-1"), {Key: "PAY-2"}}, {retitled}},
			want:    []coach.Item{retitled, {Key: "PAY-2"}},
		},
		{
			name:    "an empty batch stores nothing",
			batches: [][]coach.Item{nil, {}},
			want:    nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := storetest.New(t)
			for _, b := range tt.batches {
				if err := db.PutItems(ctx, "payments", b); err != nil {
					t.Fatalf("PutItems: %v", err)
				}
			}
			got, err := db.Items(ctx, "payments")
			if err != nil {
				t.Fatalf("Items: %v", err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Items (-got +want):\n%s", diff)
			}
			n, err := db.CountItems(ctx, "payments")
			if err != nil {
				t.Fatalf("CountItems: %v", err)
			}
			if n != len(tt.want) {
				t.Errorf("CountItems = %d, want %d", n, len(tt.want))
			}
			other, err := db.Items(ctx, "platform")
			if err != nil {
				t.Fatalf("Items of another team: %v", err)
			}
			if len(other) != 0 {
				t.Errorf("another team sees %d items, want none", len(other))
			}
		})
	}
}

func TestPutItemsRejectsWholeBatch(t *testing.T) {
	tooLate := coach.Item{Key: "PAY-2", Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		name  string
		batch []coach.Item
		want  string
	}{
		{name: "item without key", batch: []coach.Item{{Key: "PAY-1"}, {Title: "no key"}}, want: "without a key"},
		{name: "time RFC 3339 cannot hold", batch: []coach.Item{{Key: "PAY-1"}, tooLate}, want: "PAY-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := storetest.New(t)
			err := db.PutItems(ctx, "payments", tt.batch)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("PutItems error = %v, want one mentioning %q", err, tt.want)
			}
			n, err := db.CountItems(ctx, "payments")
			if err != nil {
				t.Fatalf("CountItems: %v", err)
			}
			if n != 0 {
				t.Errorf("CountItems = %d after a rejected batch, want 0", n)
			}
		})
	}
}

func TestPullRequests(t *testing.T) {
	reopened := fullPullRequest("acme/api", 7)
	reopened.State = "open"
	reopened.Closed = time.Time{}
	reopened.Merged = time.Time{}
	reopened.Reviews = nil
	tests := []struct {
		name    string
		batches [][]coach.PullRequest
		want    []coach.PullRequest
	}{
		{
			name:    "every field round trips",
			batches: [][]coach.PullRequest{{fullPullRequest("acme/api", 7)}},
			want:    []coach.PullRequest{fullPullRequest("acme/api", 7)},
		},
		{
			name:    "zero values round trip",
			batches: [][]coach.PullRequest{{{Repo: "acme/api"}}},
			want:    []coach.PullRequest{{Repo: "acme/api"}},
		},
		{
			name: "sorted by repo then number",
			batches: [][]coach.PullRequest{
				{{Repo: "acme/web", Number: 1}, {Repo: "acme/api", Number: 10}},
				{{Repo: "acme/api", Number: 9}},
			},
			want: []coach.PullRequest{{Repo: "acme/api", Number: 9}, {Repo: "acme/api", Number: 10}, {Repo: "acme/web", Number: 1}},
		},
		{
			name: "a later write of the same repo and number replaces the pull request",
			batches: [][]coach.PullRequest{
				{fullPullRequest("acme/api", 7), fullPullRequest("acme/web", 7)},
				{reopened},
			},
			want: []coach.PullRequest{reopened, fullPullRequest("acme/web", 7)},
		},
		{
			name:    "an empty batch stores nothing",
			batches: [][]coach.PullRequest{nil},
			want:    nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := storetest.New(t)
			for _, b := range tt.batches {
				if err := db.PutPullRequests(ctx, "payments", b); err != nil {
					t.Fatalf("PutPullRequests: %v", err)
				}
			}
			got, err := db.PullRequests(ctx, "payments")
			if err != nil {
				t.Fatalf("PullRequests: %v", err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("PullRequests (-got +want):\n%s", diff)
			}
			n, err := db.CountPullRequests(ctx, "payments")
			if err != nil {
				t.Fatalf("CountPullRequests: %v", err)
			}
			if n != len(tt.want) {
				t.Errorf("CountPullRequests = %d, want %d", n, len(tt.want))
			}
		})
	}
}

func TestPutPullRequestsWithoutRepo(t *testing.T) {
	ctx := t.Context()
	db := storetest.New(t)
	err := db.PutPullRequests(ctx, "payments", []coach.PullRequest{{Repo: "acme/api", Number: 1}, {Number: 2}})
	if err == nil || !strings.Contains(err.Error(), "without a repository") {
		t.Fatalf("PutPullRequests error = %v, want one saying the repository is missing", err)
	}
	if n, err := db.CountPullRequests(ctx, "payments"); err != nil || n != 0 {
		t.Errorf("CountPullRequests = %d, %v after a rejected batch, want 0, nil", n, err)
	}
}

func TestStatuses(t *testing.T) {
	jira := []coach.Status{
		{ID: "10000", Name: "To Do", Category: coach.CategoryNew},
		{ID: "3", Name: "In Progress", Category: coach.CategoryIndeterminate},
		{ID: "10001", Name: "Done", Category: coach.CategoryDone},
	}
	tests := []struct {
		name    string
		batches [][]coach.Status
		want    []coach.Status
	}{
		{name: "never stored reads nil", want: nil},
		{name: "round trip keeps order", batches: [][]coach.Status{jira}, want: jira},
		{name: "a later list replaces the whole list", batches: [][]coach.Status{jira, jira[1:2]}, want: jira[1:2]},
		{name: "an empty list reads empty, not nil", batches: [][]coach.Status{jira, {}}, want: []coach.Status{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := storetest.New(t)
			for _, b := range tt.batches {
				if err := db.PutStatuses(ctx, "payments", b); err != nil {
					t.Fatalf("PutStatuses: %v", err)
				}
			}
			got, err := db.Statuses(ctx, "payments")
			if err != nil {
				t.Fatalf("Statuses: %v", err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Statuses (-got +want):\n%s", diff)
			}
			if (got == nil) != (tt.want == nil) {
				t.Errorf("Statuses nil = %t, want %t", got == nil, tt.want == nil)
			}
		})
	}
}

func TestCursors(t *testing.T) {
	type set struct{ team, source, scope, value string }
	tests := []struct {
		name                string
		sets                []set
		team, source, scope string
		want                string
	}{
		{name: "none set reads empty", team: "payments", source: "jira", want: ""},
		{
			name: "empty scope",
			sets: []set{{"payments", "jira", "", "2024-03-01T10:00:00Z"}},
			team: "payments", source: "jira", want: "2024-03-01T10:00:00Z",
		},
		{
			name: "scopes are separate",
			sets: []set{{"payments", "github", "acme/api", "etag-1"}, {"payments", "github", "acme/web", "etag-2"}},
			team: "payments", source: "github", scope: "acme/api", want: "etag-1",
		},
		{
			name: "sources are separate",
			sets: []set{{"payments", "jira", "acme/api", "j"}, {"payments", "github", "acme/api", "g"}},
			team: "payments", source: "jira", scope: "acme/api", want: "j",
		},
		{
			name: "teams are separate",
			sets: []set{{"platform", "jira", "", "theirs"}},
			team: "payments", source: "jira", want: "",
		},
		{
			name: "a scope with colons stays apart from a look-alike",
			sets: []set{{"payments", "jira", "a:b", "1"}, {"payments", "jira", "a", "2"}},
			team: "payments", source: "jira", scope: "a:b", want: "1",
		},
		{
			name: "a later set replaces",
			sets: []set{{"payments", "jira", "", "old"}, {"payments", "jira", "", "new"}},
			team: "payments", source: "jira", want: "new",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := storetest.New(t)
			for _, s := range tt.sets {
				if err := db.SetCursor(ctx, s.team, s.source, s.scope, s.value); err != nil {
					t.Fatalf("SetCursor(%q, %q, %q): %v", s.team, s.source, s.scope, err)
				}
			}
			got, err := db.Cursor(ctx, tt.team, tt.source, tt.scope)
			if err != nil {
				t.Fatalf("Cursor: %v", err)
			}
			if got != tt.want {
				t.Errorf("Cursor(%q, %q, %q) = %q, want %q", tt.team, tt.source, tt.scope, got, tt.want)
			}
		})
	}
}

func TestCursorInvalidSource(t *testing.T) {
	ctx := t.Context()
	db := storetest.New(t)
	for _, source := range []string{"", "GitHub", "git:hub"} {
		if err := db.SetCursor(ctx, "payments", source, "", "x"); err == nil || !strings.Contains(err.Error(), "invalid cursor source") {
			t.Errorf("SetCursor with source %q: error = %v, want invalid cursor source", source, err)
		}
		if _, err := db.Cursor(ctx, "payments", source, ""); err == nil || !strings.Contains(err.Error(), "invalid cursor source") {
			t.Errorf("Cursor with source %q: error = %v, want invalid cursor source", source, err)
		}
	}
}

func TestLastSync(t *testing.T) {
	first := time.Date(2024, 3, 1, 9, 30, 0, 123456789, cet)
	second := time.Date(2024, 3, 1, 10, 0, 0, 1, pst)
	tests := []struct {
		name string
		sets []time.Time
		want time.Time
	}{
		{name: "never synced reads zero", want: time.Time{}},
		{name: "keeps the instant to the nanosecond", sets: []time.Time{first}, want: first},
		{name: "a later sync replaces", sets: []time.Time{first, second}, want: second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := storetest.New(t)
			for _, at := range tt.sets {
				if err := db.SetLastSync(ctx, "payments", at); err != nil {
					t.Fatalf("SetLastSync: %v", err)
				}
			}
			got, err := db.LastSync(ctx, "payments")
			if err != nil {
				t.Fatalf("LastSync: %v", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("LastSync = %v, want %v", got, tt.want)
			}
			if !got.IsZero() && got.Location() != time.UTC {
				t.Errorf("LastSync location = %v, want UTC", got.Location())
			}
		})
	}
}

func TestSetLastSyncZero(t *testing.T) {
	db := storetest.New(t)
	if err := db.SetLastSync(t.Context(), "payments", time.Time{}); err == nil {
		t.Fatal("SetLastSync(zero) succeeded, want an error: zero reads as never synced")
	}
}

// operation is one DB method called with fixed arguments.
type operation struct {
	name string
	call func(ctx context.Context, db *store.DB, team string) error
}

func operations() []operation {
	at := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	return []operation{
		{"PutItems", func(ctx context.Context, db *store.DB, team string) error {
			return db.PutItems(ctx, team, []coach.Item{{Key: "PAY-1"}})
		}},
		{"Items", func(ctx context.Context, db *store.DB, team string) error {
			_, err := db.Items(ctx, team)
			return err
		}},
		{"CountItems", func(ctx context.Context, db *store.DB, team string) error {
			_, err := db.CountItems(ctx, team)
			return err
		}},
		{"PutPullRequests", func(ctx context.Context, db *store.DB, team string) error {
			return db.PutPullRequests(ctx, team, []coach.PullRequest{{Repo: "acme/api", Number: 1}})
		}},
		{"PullRequests", func(ctx context.Context, db *store.DB, team string) error {
			_, err := db.PullRequests(ctx, team)
			return err
		}},
		{"CountPullRequests", func(ctx context.Context, db *store.DB, team string) error {
			_, err := db.CountPullRequests(ctx, team)
			return err
		}},
		{"PutIncidents", func(ctx context.Context, db *store.DB, team string) error {
			return db.PutIncidents(ctx, team, []coach.Item{{Key: "OPS-1"}})
		}},
		{"Incidents", func(ctx context.Context, db *store.DB, team string) error {
			_, err := db.Incidents(ctx, team)
			return err
		}},
		{"PutDeployments", func(ctx context.Context, db *store.DB, team string) error {
			return db.PutDeployments(ctx, team, []coach.Deployment{{Repo: "acme/api", ID: 1, Source: coach.DeploymentSourceAPI}})
		}},
		{"Deployments", func(ctx context.Context, db *store.DB, team string) error {
			_, err := db.Deployments(ctx, team)
			return err
		}},
		{"PutFlowIndex", func(ctx context.Context, db *store.DB, team string) error {
			return db.PutFlowIndex(ctx, team, "fp1", []coach.Flow{
				{Item: coach.Item{Key: "PAY-1"}, Class: coach.Started, Started: at},
				{Item: coach.Item{Key: "PAY-2"}, Class: coach.Done, Started: at, Done: at},
			})
		}},
		{"ReplaceFlowIndex", func(ctx context.Context, db *store.DB, team string) error {
			return db.ReplaceFlowIndex(ctx, team, "fp1", nil)
		}},
		{"FlowFingerprint", func(ctx context.Context, db *store.DB, team string) error {
			_, err := db.FlowFingerprint(ctx, team)
			return err
		}},
		{"DoneBetween", func(ctx context.Context, db *store.DB, team string) error {
			_, err := db.DoneBetween(ctx, team, at, at.Add(time.Hour))
			return err
		}},
		{"InProgress", func(ctx context.Context, db *store.DB, team string) error {
			_, err := db.InProgress(ctx, team)
			return err
		}},
		{"AnswerFlows", func(ctx context.Context, db *store.DB, team string) error {
			_, _, _, err := db.AnswerFlows(ctx, team, at, at.Add(time.Hour))
			return err
		}},
		{"ItemsUpdatedAfter", func(ctx context.Context, db *store.DB, team string) error {
			_, err := db.ItemsUpdatedAfter(ctx, team, at)
			return err
		}},
		{"PutStatuses", func(ctx context.Context, db *store.DB, team string) error {
			return db.PutStatuses(ctx, team, []coach.Status{{ID: "1", Name: "Open", Category: coach.CategoryNew}})
		}},
		{"Statuses", func(ctx context.Context, db *store.DB, team string) error {
			_, err := db.Statuses(ctx, team)
			return err
		}},
		{"SetCursor", func(ctx context.Context, db *store.DB, team string) error {
			return db.SetCursor(ctx, team, "github", "acme/api", "etag")
		}},
		{"Cursor", func(ctx context.Context, db *store.DB, team string) error {
			_, err := db.Cursor(ctx, team, "github", "acme/api")
			return err
		}},
		{"SetLastSync", func(ctx context.Context, db *store.DB, team string) error {
			return db.SetLastSync(ctx, team, at)
		}},
		{"LastSync", func(ctx context.Context, db *store.DB, team string) error {
			_, err := db.LastSync(ctx, team)
			return err
		}},
	}
}

func TestInvalidTeam(t *testing.T) {
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	db := store.New(rdb, store.Options{Prefix: prefix})
	teams := []string{"", "Payments", "pay ments", "pay:ments", "{payments}", "pay*", "paymënts", "payments\n"}
	for _, op := range operations() {
		for _, team := range teams {
			t.Run(op.name+"/"+team, func(t *testing.T) {
				err := op.call(t.Context(), db, team)
				if !errors.Is(err, store.ErrInvalidTeam) {
					t.Errorf("error = %v, want store.ErrInvalidTeam", err)
				}
			})
		}
	}
	if keys := scanKeys(t, rdb, prefix+"*"); len(keys) != 0 {
		t.Errorf("invalid team ids wrote keys %q, want none", keys)
	}
}

func TestInvalidPrefix(t *testing.T) {
	db := store.New(storetest.NewClient(t), store.Options{Prefix: "flow{bot}"})
	for _, op := range operations() {
		t.Run(op.name, func(t *testing.T) {
			err := op.call(t.Context(), db, "payments")
			if err == nil || !strings.Contains(err.Error(), "invalid key prefix") {
				t.Errorf("error = %v, want invalid key prefix", err)
			}
		})
	}
}

func TestUnknownRecordVersion(t *testing.T) {
	tests := []struct {
		name    string
		hash    string // a team hash to write a field into; "" writes key as a string
		key     string
		field   string
		value   string
		read    func(ctx context.Context, db *store.DB) error
		wantErr string
	}{
		{
			name: "item from a newer flowbot", hash: "items", field: "PAY-1", value: `{"v":3,"key":"PAY-1","created":12}`,
			read:    func(ctx context.Context, db *store.DB) error { _, err := db.Items(ctx, "payments"); return err },
			wantErr: "record version 3",
		},
		{
			name: "item of version 0", hash: "items", field: "PAY-1", value: `{"v":0,"key":"PAY-1"}`,
			read:    func(ctx context.Context, db *store.DB) error { _, err := db.Items(ctx, "payments"); return err },
			wantErr: "record version 0",
		},
		{
			name: "incident from a newer flowbot", hash: "incidents", field: "OPS-1", value: `{"v":3,"key":"OPS-1"}`,
			read:    func(ctx context.Context, db *store.DB) error { _, err := db.Incidents(ctx, "payments"); return err },
			wantErr: "record version 3",
		},
		{
			name: "deployment from a newer flowbot", hash: "deployments", field: "acme/api#deployments#1", value: `{"v":2}`,
			read:    func(ctx context.Context, db *store.DB) error { _, err := db.Deployments(ctx, "payments"); return err },
			wantErr: "record version 2",
		},
		{
			name: "item without version", hash: "items", field: "PAY-1", value: `{"key":"PAY-1"}`,
			read:    func(ctx context.Context, db *store.DB) error { _, err := db.Items(ctx, "payments"); return err },
			wantErr: "no version field",
		},
		{
			name: "pull request from a newer flowbot", hash: "prs", field: "acme/api#1", value: `{"v":3}`,
			read:    func(ctx context.Context, db *store.DB) error { _, err := db.PullRequests(ctx, "payments"); return err },
			wantErr: "record version 3",
		},
		{
			name: "statuses from a newer flowbot", key: "statuses", value: `{"v":2,"statuses":{}}`,
			read:    func(ctx context.Context, db *store.DB) error { _, err := db.Statuses(ctx, "payments"); return err },
			wantErr: "record version 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			rdb := storetest.NewClient(t)
			prefix := storetest.Prefix(t, rdb)
			db := store.New(rdb, store.Options{Prefix: prefix})
			var err error
			if tt.hash != "" {
				err = rdb.HSet(ctx, prefix+":{payments}:"+tt.hash, tt.field, tt.value).Err()
			} else {
				err = rdb.Set(ctx, prefix+":{payments}:"+tt.key, tt.value, 0).Err()
			}
			if err != nil {
				t.Fatalf("planting record: %v", err)
			}
			err = tt.read(ctx, db)
			if !errors.Is(err, store.ErrUnknownVersion) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want store.ErrUnknownVersion saying %q", err, tt.wantErr)
			}
		})
	}
}

func TestUnknownSchemaVersion(t *testing.T) {
	ctx := t.Context()
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	db := store.New(rdb, store.Options{Prefix: prefix})
	schema := prefix + ":{payments}:schema"
	if err := rdb.Set(ctx, schema, "2", 0).Err(); err != nil {
		t.Fatalf("planting schema version: %v", err)
	}
	for _, op := range operations() {
		t.Run(op.name, func(t *testing.T) {
			err := op.call(t.Context(), db, "payments")
			if !errors.Is(err, store.ErrUnknownVersion) {
				t.Errorf("error = %v, want store.ErrUnknownVersion", err)
			}
		})
	}
	if keys := scanKeys(t, rdb, prefix+"*"); !slices.Equal(keys, []string{schema}) {
		t.Errorf("keys after refused writes = %q, want only %q", keys, schema)
	}
	if v, err := rdb.Get(ctx, schema).Result(); err != nil || v != "2" {
		t.Errorf("schema version = %q, %v; want it left at \"2\"", v, err)
	}
}

func TestRedisDown(t *testing.T) {
	// A port that just stopped listening refuses connections at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rdb := redis.NewClient(&redis.Options{
		Addr:        addr,
		DialTimeout: 200 * time.Millisecond,
		ReadTimeout: 200 * time.Millisecond,
		MaxRetries:  -1,
		// go-redis retries a refused dial five times by default.
		DialerRetries: 1,
	})
	t.Cleanup(func() { rdb.Close() })
	db := store.New(rdb, store.Options{})
	ops := append(operations(), operation{"Ping", func(ctx context.Context, db *store.DB, _ string) error {
		return db.Ping(ctx)
	}})
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			err := op.call(t.Context(), db, "payments")
			if !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("error = %v, want store.ErrUnavailable", err)
			}
			if !strings.Contains(err.Error(), "redis is unreachable") {
				t.Errorf("error = %q, want it to say redis is unreachable", err)
			}
		})
	}
}

func TestCanceledContextIsNotAnOutage(t *testing.T) {
	db := storetest.New(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := db.Items(ctx, "payments")
	if !errors.Is(err, context.Canceled) || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("error = %v, want context.Canceled and not store.ErrUnavailable", err)
	}
}

func TestPing(t *testing.T) {
	if err := storetest.New(t).Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// writeEverything calls every write method for team.
func writeEverything(t *testing.T, db *store.DB, team string) {
	t.Helper()
	for _, op := range operations() {
		if strings.HasPrefix(op.name, "Put") || strings.HasPrefix(op.name, "Set") {
			if err := op.call(t.Context(), db, team); err != nil {
				t.Fatalf("%s(%s): %v", op.name, team, err)
			}
		}
	}
}

func TestKeysOfATeamShareOneSlot(t *testing.T) {
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	db := store.New(rdb, store.Options{Prefix: prefix})
	teams := []string{"payments", "platform-2"}
	for _, team := range teams {
		writeEverything(t, db, team)
	}
	keys := scanKeys(t, rdb, prefix+"*")
	perTeam := map[string][]string{}
	for _, k := range keys {
		tag := hashTag(k)
		if !slices.Contains(teams, tag) {
			t.Errorf("key %q hashes on %q, want a team id", k, tag)
			continue
		}
		if got, want := keySlot(k), keySlot("{"+tag+"}"); got != want {
			t.Errorf("key %q is in slot %d, want team %s's slot %d", k, got, tag, want)
		}
		perTeam[tag] = append(perTeam[tag], strings.TrimPrefix(k, prefix+":{"+tag+"}:"))
	}
	want := []string{"cursors", "deployments", "flows", "flows:cycledays", "flows:done", "flows:fingerprint", "flows:updated", "flows:wip", "flows:wipcounts", "flows:wipdays",
		"incidents", "items", "lastsync", "prs", "prs:time", "schema", "statuses"}
	for _, team := range teams {
		got := perTeam[team]
		slices.Sort(got)
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("keys of %s (-got +want):\n%s", team, diff)
		}
	}
}

func TestDefaultPrefix(t *testing.T) {
	rdb := storetest.NewClient(t)
	// The default prefix is shared on a real Redis: a random team keeps
	// this test's keys its own.
	b := make([]byte, 6)
	rand.Read(b)
	team := "default-prefix-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		for _, k := range scanKeys(t, rdb, "flowbot:{"+team+"}:*") {
			rdb.Del(context.Background(), k)
		}
	})
	writeEverything(t, store.New(rdb, store.Options{}), team)
	keys := scanKeys(t, rdb, "flowbot:{"+team+"}:*")
	if len(keys) != 17 {
		t.Errorf("keys under the default prefix = %q, want 17", keys)
	}
}

func scanKeys(t *testing.T, rdb redis.UniversalClient, match string) []string {
	t.Helper()
	keys, err := storetest.Keys(context.Background(), rdb, match) // every master of a cluster
	if err != nil {
		t.Fatalf("scanning %s: %v", match, err)
	}
	slices.Sort(keys)
	return keys
}

// hashTag returns the part of key Redis Cluster hashes: the text between the
// first '{' and the first '}' after it when that is not empty, else the key.
func hashTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

// keySlot is Redis Cluster's HASH_SLOT: CRC16 (XMODEM) of the hash tag
// modulo 16384.
func keySlot(key string) int {
	var crc uint16
	for _, b := range []byte(hashTag(key)) {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % 16384
}

func TestKeySlot(t *testing.T) {
	// Values from CLUSTER KEYSLOT of redis-server 7.0.
	tests := []struct {
		key  string
		want int
	}{
		{"somekey", 11058},
		{"foo{hash_tag}", 2515},
		{"bar{hash_tag}", 2515},
		{"{}foo", 9500}, // an empty tag does not count: the whole key hashes
		{"flowbot:{payments}:items", 8507},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := keySlot(tt.key); got != tt.want {
				t.Errorf("keySlot(%q) = %d, want %d", tt.key, got, tt.want)
			}
		})
	}
}
