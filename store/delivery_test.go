package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
	"github.com/google/go-cmp/cmp"
)

// fullDeployment sets every field of coach.Deployment, with times in a
// non-UTC zone and nanoseconds.
func fullDeployment(repo, source string, id int64, succeeded time.Time) coach.Deployment {
	return coach.Deployment{
		Repo:             repo,
		ID:               id,
		Source:           source,
		Environment:      "production",
		SHA:              "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
		Ref:              "main",
		Created:          succeeded.Add(-10*time.Minute - 3),
		Succeeded:        succeeded,
		Commits:          []string{"aaa111", "bbb222"},
		HasCommits:       true,
		CommitsTruncated: true,
		Behind:           true,
	}
}

func TestDeployments(t *testing.T) {
	t1 := time.Date(2024, 5, 1, 10, 0, 0, 11, cet)
	t2 := time.Date(2024, 5, 2, 10, 0, 0, 12, pst)
	api := coach.DeploymentSourceAPI
	wf := coach.DeploymentSourceWorkflow
	failed := coach.Deployment{Repo: "acme/api", ID: 9, Source: api, Created: t2.Add(time.Hour)}
	redeployed := fullDeployment("acme/api", api, 1, t2.Add(2*time.Hour))
	redeployed.Commits = nil
	redeployed.HasCommits = false
	tests := []struct {
		name    string
		batches [][]coach.Deployment
		want    []coach.Deployment
	}{
		{
			name:    "every field round trips",
			batches: [][]coach.Deployment{{fullDeployment("acme/api", api, 1, t1)}},
			want:    []coach.Deployment{fullDeployment("acme/api", api, 1, t1)},
		},
		{
			name:    "zero values round trip",
			batches: [][]coach.Deployment{{{Repo: "acme/api", Source: wf}}},
			want:    []coach.Deployment{{Repo: "acme/api", Source: wf}},
		},
		{
			name: "sorted by succeeded, never succeeded first, then created",
			batches: [][]coach.Deployment{
				{fullDeployment("acme/web", api, 2, t2), fullDeployment("acme/api", api, 3, t1)},
				{failed, {Repo: "acme/api", ID: 10, Source: api, Created: t1}},
			},
			want: []coach.Deployment{
				{Repo: "acme/api", ID: 10, Source: api, Created: t1},
				failed,
				fullDeployment("acme/api", api, 3, t1),
				fullDeployment("acme/web", api, 2, t2),
			},
		},
		{
			name: "the same id from another source or repository is another deployment",
			batches: [][]coach.Deployment{{
				fullDeployment("acme/api", api, 1, t1),
				fullDeployment("acme/api", wf, 1, t1),
				fullDeployment("acme/web", api, 1, t1),
			}},
			want: []coach.Deployment{
				fullDeployment("acme/api", api, 1, t1),
				fullDeployment("acme/api", wf, 1, t1),
				fullDeployment("acme/web", api, 1, t1),
			},
		},
		{
			name: "a later write of the same repo, source and id replaces the deployment",
			batches: [][]coach.Deployment{
				{fullDeployment("acme/api", api, 1, t1), fullDeployment("acme/api", api, 2, t2)},
				{redeployed},
			},
			want: []coach.Deployment{fullDeployment("acme/api", api, 2, t2), redeployed},
		},
		{
			name:    "an empty batch stores nothing",
			batches: [][]coach.Deployment{nil, {}},
			want:    nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := storetest.New(t)
			for _, b := range tt.batches {
				if err := db.PutDeployments(ctx, "payments", b); err != nil {
					t.Fatalf("PutDeployments: %v", err)
				}
			}
			got, err := db.Deployments(ctx, "payments")
			if err != nil {
				t.Fatalf("Deployments: %v", err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Deployments (-got +want):\n%s", diff)
			}
			other, err := db.Deployments(ctx, "platform")
			if err != nil || len(other) != 0 {
				t.Errorf("another team's Deployments = %d, %v; want none", len(other), err)
			}
		})
	}
}

func TestPutDeploymentsRejectsWholeBatch(t *testing.T) {
	ok := coach.Deployment{Repo: "acme/api", ID: 1, Source: coach.DeploymentSourceAPI}
	tests := []struct {
		name  string
		batch []coach.Deployment
		want  string
	}{
		{name: "without repository", batch: []coach.Deployment{ok, {ID: 2, Source: coach.DeploymentSourceAPI}}, want: "without a repository"},
		{name: "without source", batch: []coach.Deployment{ok, {Repo: "acme/api", ID: 2}}, want: `source ""`},
		{name: "unknown source", batch: []coach.Deployment{ok, {Repo: "acme/api", ID: 2, Source: "merge"}}, want: `source "merge"`},
		{
			name:  "time RFC 3339 cannot hold",
			batch: []coach.Deployment{ok, {Repo: "acme/api", ID: 2, Source: coach.DeploymentSourceAPI, Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
			want:  "acme/api#deployments#2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := storetest.New(t)
			err := db.PutDeployments(ctx, "payments", tt.batch)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("PutDeployments error = %v, want one mentioning %q", err, tt.want)
			}
			if got, err := db.Deployments(ctx, "payments"); err != nil || len(got) != 0 {
				t.Errorf("Deployments after a rejected batch = %d, %v; want none", len(got), err)
			}
		})
	}
}

func TestIncidents(t *testing.T) {
	ctx := t.Context()
	db := storetest.New(t)
	if err := db.PutItems(ctx, "payments", []coach.Item{fullItem("PAY-1")}); err != nil {
		t.Fatal(err)
	}
	incident := fullItem("OPS-2")
	incident.Type = "Incident"
	reopened := incident
	reopened.Resolved = time.Time{}
	if err := db.PutIncidents(ctx, "payments", []coach.Item{incident, fullItem("OPS-10")}); err != nil {
		t.Fatalf("PutIncidents: %v", err)
	}
	if err := db.PutIncidents(ctx, "payments", []coach.Item{reopened}); err != nil {
		t.Fatalf("PutIncidents: %v", err)
	}
	if err := db.PutIncidents(ctx, "payments", []coach.Item{{Key: "OPS-3"}, {Title: "no key"}}); err == nil || !strings.Contains(err.Error(), "without a key") {
		t.Errorf("PutIncidents without a key: error = %v, want one saying so", err)
	}
	got, err := db.Incidents(ctx, "payments")
	if err != nil {
		t.Fatalf("Incidents: %v", err)
	}
	if diff := cmp.Diff(got, []coach.Item{fullItem("OPS-10"), reopened}); diff != "" {
		t.Errorf("Incidents (-got +want):\n%s", diff)
	}
	items, err := db.Items(ctx, "payments")
	if err != nil {
		t.Fatalf("Items: %v", err)
	}
	if diff := cmp.Diff(items, []coach.Item{fullItem("PAY-1")}); diff != "" {
		t.Errorf("incidents leaked into Items (-got +want):\n%s", diff)
	}
}

// Records written before version 2 hold none of its fields and still read.
func TestVersion1RecordsDecode(t *testing.T) {
	ctx := t.Context()
	rdb := storetest.NewClient(t)
	prefix := storetest.Prefix(t, rdb)
	db := store.New(rdb, store.Options{Prefix: prefix})
	item := `{"v":1,"key":"PAY-1","title":"Refunds","type":"Story","status":"Done","resolution":"Fixed","assignee":"Ada",` +
		`"created":"2024-03-01T08:30:00.123456789Z","updated":"2024-03-09T01:00:00.000000001Z",` +
		`"transitions":[{"at":"2024-03-02T09:00:00Z","from":"To Do","to":"Done"}]}`
	pr := `{"v":1,"repo":"acme/api","number":7,"title":"Retry","author":"octocat","state":"closed","base_branch":"main",` +
		`"created":"2024-04-01T07:00:00.000000005Z","merged":"2024-04-03T09:00:00Z","additions":3,` +
		`"reviews":[{"author":"mona","state":"APPROVED","submitted":"2024-04-02T09:00:00Z"}]}`
	if err := rdb.HSet(ctx, prefix+":{payments}:items", "PAY-1", item).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, prefix+":{payments}:prs", "acme/api#7", pr).Err(); err != nil {
		t.Fatal(err)
	}
	gotItems, err := db.Items(ctx, "payments")
	if err != nil {
		t.Fatalf("Items: %v", err)
	}
	wantItems := []coach.Item{{
		Key: "PAY-1", Title: "Refunds", Type: "Story", Status: "Done", Resolution: "Fixed", Assignee: "Ada",
		Created:     time.Date(2024, 3, 1, 8, 30, 0, 123456789, time.UTC),
		Updated:     time.Date(2024, 3, 9, 1, 0, 0, 1, time.UTC),
		Transitions: []coach.Transition{{At: time.Date(2024, 3, 2, 9, 0, 0, 0, time.UTC), From: "To Do", To: "Done"}},
	}}
	if diff := cmp.Diff(gotItems, wantItems); diff != "" {
		t.Errorf("Items (-got +want):\n%s", diff)
	}
	gotPRs, err := db.PullRequests(ctx, "payments")
	if err != nil {
		t.Fatalf("PullRequests: %v", err)
	}
	wantPRs := []coach.PullRequest{{
		Repo: "acme/api", Number: 7, Title: "Retry", Author: "octocat", State: "closed", BaseBranch: "main",
		Created:   time.Date(2024, 4, 1, 7, 0, 0, 5, time.UTC),
		Merged:    time.Date(2024, 4, 3, 9, 0, 0, 0, time.UTC),
		Additions: 3,
		Reviews:   []coach.Review{{Author: "mona", State: "APPROVED", Submitted: time.Date(2024, 4, 2, 9, 0, 0, 0, time.UTC)}},
	}}
	if diff := cmp.Diff(gotPRs, wantPRs); diff != "" {
		t.Errorf("PullRequests (-got +want):\n%s", diff)
	}
}
