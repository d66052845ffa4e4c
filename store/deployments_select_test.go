package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/google/go-cmp/cmp"
)

// selectDeployments keeps what bot's choice of deployments needs: those
// naming a merge commit asked about (by SHA or a carried commit), and per
// repository, source and environment every one tied for first to
// succeed; records it cannot scan are decoded whole and kept.
func TestSelectDeployments(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	sha := func(n int) string { return strings.Repeat("0", 39) + string(rune('0'+n)) }
	dep := func(repo string, id int64, at time.Time, shaOf string, commits ...string) coach.Deployment {
		return coach.Deployment{Repo: repo, ID: id, Source: coach.DeploymentSourceAPI, Environment: "production",
			SHA: shaOf, Created: at.Add(-time.Minute), Succeeded: at, Commits: commits, HasCommits: len(commits) > 0}
	}
	first := dep("acme/api", 1, t0, sha(1), sha(1))
	tied := dep("acme/api", 2, t0, sha(2), sha(2))
	unrelated := dep("acme/api", 3, t0.Add(24*time.Hour), sha(3), sha(3))
	byCommit := dep("acme/api", 4, t0.Add(48*time.Hour), sha(5), sha(4), sha(5))
	bySHA := dep("acme/api", 5, t0.Add(72*time.Hour), sha(6))
	failed := dep("acme/api", 6, time.Time{}, sha(7), sha(7))
	otherRepo := dep("acme/web", 7, t0.Add(96*time.Hour), sha(8), sha(8))
	short := dep("acme/web", 8, t0.Add(120*time.Hour), "abc1234", "abc1234")
	all := map[string]string{}
	for _, d := range []coach.Deployment{first, tied, unrelated, byCommit, bySHA, failed, otherRepo, short} {
		rec, err := encodeDeployment(d)
		if err != nil {
			t.Fatal(err)
		}
		all[deploymentField(d)] = rec
	}
	// A version-1 JSON record, as an older flowbot wrote it.
	legacy := dep("acme/web", 9, t0.Add(144*time.Hour), sha(9))
	js, err := json.Marshal(map[string]any{"v": 1, "repo": legacy.Repo, "id": legacy.ID, "source": legacy.Source,
		"environment": legacy.Environment, "sha": legacy.SHA, "created": legacy.Created, "succeeded": legacy.Succeeded})
	if err != nil {
		t.Fatal(err)
	}
	all[deploymentField(legacy)] = string(js)

	want := newSHASet(2)
	for _, s := range []string{sha(4), sha(6)} {
		p, _ := packSHA(s)
		want.add(p)
	}
	got, odd, err := selectDeployments(all, want)
	if err != nil {
		t.Fatal(err)
	}
	ids := []int64{}
	for _, d := range got {
		ids = append(ids, d.ID)
	}
	// Sorted by success: first and tied (first of acme/api), byCommit,
	// bySHA, otherRepo (first of acme/web), short (scanned whole: commits
	// as strings), legacy (JSON).
	if diff := cmp.Diff(ids, []int64{1, 2, 4, 5, 7, 8, 9}); diff != "" {
		t.Errorf("deployments kept (-got +want):\n%s", diff)
	}
	if odd != 1 {
		t.Errorf("odd = %d, want 1 (the short SHAs)", odd)
	}
	// What is kept decodes as reading every deployment does.
	every, _, err := decodeDeploymentsOdd(all)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]coach.Deployment{}
	for _, d := range every {
		byID[d.ID] = d
	}
	for _, d := range got {
		if diff := cmp.Diff(d, byID[d.ID]); diff != "" {
			t.Errorf("deployment %d (-selected +decoded):\n%s", d.ID, diff)
		}
	}
}

// Pull requests sort by repository (as text), then number (as a number),
// as PullRequests returns them, whether or not their keys pack into 64
// bits.
func TestSortPullRequests(t *testing.T) {
	type key struct {
		repo   string
		number int
	}
	tests := []struct {
		name string
		in   []key
		want []string
	}{
		{
			name: "packed",
			in:   []key{{"acme/web", 2}, {"acme/api", 10}, {"acme/api", 9}, {"acme/api-v2", 1}, {"acme/web", 10}},
			want: []string{"acme/api#9", "acme/api#10", "acme/api-v2#1", "acme/web#2", "acme/web#10"},
		},
		{
			name: "numbers too large to pack",
			in:   []key{{"acme/web", 1 << 40}, {"acme/api", 10}, {"acme/web", 3}, {"acme/api", -1}},
			want: []string{"acme/api#-1", "acme/api#10", "acme/web#3", "acme/web#1099511627776"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prs []coach.PullRequest
			for _, k := range tt.in {
				prs = append(prs, coach.PullRequest{Repo: k.repo, Number: k.number})
			}
			sortPullRequests(prs)
			var got []string
			for _, pr := range prs {
				got = append(got, fmt.Sprintf("%s#%d", pr.Repo, pr.Number))
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("sortPullRequests (-got +want):\n%s", diff)
			}
		})
	}
}

func TestSHASet(t *testing.T) {
	pack := func(s string) [20]byte {
		p, ok := packSHA(s)
		if !ok {
			t.Fatalf("packSHA(%q) failed", s)
		}
		return p
	}
	s := newSHASet(1)
	s.add(pack("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"))
	for _, tt := range []struct {
		sha  string
		want bool
	}{
		{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", true},
		{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1c", false}, // same first 16 bits
		{"60303ae22b998861bce3b28f33eec1be758a213c", false}, // other first 16 bits
	} {
		p := pack(tt.sha)
		if got := s.has(string(p[:])); got != tt.want {
			t.Errorf("has(%s) = %v, want %v", tt.sha, got, tt.want)
		}
	}
}

// A record decoded whole (here JSON, as an older flowbot wrote it) that
// succeeded before every scanned one of its class is that class's first:
// the scanned ones stop being first and are not kept unless named.
func TestSelectDeploymentsWholeRecordFirst(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	sha := func(n int) string { return fmt.Sprintf("%040d", n) }
	all := map[string]string{}
	for i, at := range []time.Time{t0, t0, t0.Add(time.Hour)} {
		d := coach.Deployment{Repo: "acme/api", ID: int64(i + 1), Source: coach.DeploymentSourceAPI, Environment: "production",
			SHA: sha(i + 1), Created: at.Add(-time.Minute), Succeeded: at, Commits: []string{sha(i + 1)}, HasCommits: true}
		rec, err := encodeDeployment(d)
		if err != nil {
			t.Fatal(err)
		}
		all[deploymentField(d)] = rec
	}
	js, err := json.Marshal(map[string]any{"v": 1, "repo": "acme/api", "id": 9, "source": coach.DeploymentSourceAPI,
		"environment": "production", "sha": sha(9), "created": t0.Add(-2 * time.Hour), "succeeded": t0.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	all["acme/api#"+coach.DeploymentSourceAPI+"#9"] = string(js)
	want := newSHASet(1)
	p, _ := packSHA(sha(3))
	want.add(p)
	got, _, err := selectDeployments(all, want)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, d := range got {
		ids = append(ids, d.ID)
	}
	// 9 first (whole), 3 named; 1 and 2, tied at t0, are no longer first.
	if diff := cmp.Diff(ids, []int64{9, 3}); diff != "" {
		t.Errorf("deployments kept (-got +want):\n%s", diff)
	}
}
