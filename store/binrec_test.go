package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/google/go-cmp/cmp"
)

// The binary records' own cases; round trips through Redis are in
// store_test.go and delivery_test.go.

func codecItem() coach.Item {
	t0 := time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)
	return coach.Item{
		Key: "PAY-1", Title: "Refunds €", Type: "Story", Status: "Done", Resolution: "Fixed", Assignee: "Ada",
		Created: t0, Updated: t0.Add(-time.Hour), // Updated before Created: a negative delta
		Transitions: []coach.Transition{
			{At: t0.Add(time.Hour + 1), From: "To Do", To: "In Progress"},
			{At: t0.Add(2 * time.Hour), From: "In Progress", To: "Blocked"},
			{At: t0.Add(time.Hour), From: "Legacy", To: "Done"}, // From differs from the previous To, time goes back
			{From: "Done", To: "Done"},                          // no time
		},
		Resolved: time.Date(1960, 1, 1, 0, 0, 0, 999, time.UTC), // before 1970: negative milliseconds
		Parent:   "PAY-100", Points: -0.5, Estimated: true,
		Flagged: []coach.Span{{To: t0}, {From: t0.Add(time.Millisecond)}},
		Links:   []coach.Link{{Type: "Blocks", Description: "blocks", Key: "OPS-1"}, {Inward: true}},
		// Before Resolved's year: a time delta back across decades.
		Commented: t0.Add(36*time.Hour + 5),
	}
}

func codecPullRequest() coach.PullRequest {
	t0 := time.Date(2024, 4, 1, 8, 0, 0, 5, time.UTC)
	return coach.PullRequest{
		Repo: "acme/api", Number: 7, Title: "Retry", Author: "ana", State: "closed", BaseBranch: "main", HeadBranch: "PAY-1-retry",
		Body: "Fixes PAY-1", MergeCommitSHA: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
		Created: t0, Merged: t0.Add(time.Hour), Ready: t0, Additions: 3, Deletions: -1, Commits: 2,
		Reviews: []coach.Review{
			{Author: "mona", State: "APPROVED", Submitted: t0.Add(time.Minute)},
			{Author: "bot[bot]", AuthorIsBot: true, State: "COMMENTED"},
			{Author: "mona", State: "SOMETHING_NEW", Submitted: t0.Add(2 * time.Minute)},
		},
		RequestedReviewers: []string{"grace", "mona"},
	}
}

func codecDeployment() coach.Deployment {
	t0 := time.Date(2024, 4, 2, 8, 0, 0, 5, time.UTC)
	return coach.Deployment{
		Repo: "acme/api", ID: 1 << 40, Source: coach.DeploymentSourceAPI, Environment: "production",
		SHA: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", Ref: "main", Created: t0, Succeeded: t0.Add(-time.Minute),
		Commits:    []string{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", "0000000000000000000000000000000000000001"},
		HasCommits: true, CommitsTruncated: true, Behind: true,
	}
}

func TestBinaryRecordsRoundTrip(t *testing.T) {
	t.Run("deployment", func(t *testing.T) {
		upper := "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B"
		for name, change := range map[string]func(*coach.Deployment){
			"full SHAs":             func(*coach.Deployment) {},
			"upper-case SHA":        func(d *coach.Deployment) { d.SHA = upper },
			"one short commit":      func(d *coach.Deployment) { d.Commits = append(d.Commits, "9f86d08") },
			"one upper-case commit": func(d *coach.Deployment) { d.Commits = append(d.Commits, upper) },
			"no SHA, no commits, no time": func(d *coach.Deployment) {
				*d = coach.Deployment{Repo: "acme/api", ID: -1, Source: coach.DeploymentSourceWorkflow}
			},
		} {
			d := codecDeployment()
			change(&d)
			rec, err := encodeDeployment(d)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeDeployment(rec)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if diff := cmp.Diff(got, d); diff != "" {
				t.Errorf("%s (-got +want):\n%s", name, diff)
			}
		}
	})
	t.Run("item", func(t *testing.T) {
		rec, err := encodeItem(codecItem())
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeItem(rec)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, codecItem()); diff != "" {
			t.Errorf("item (-got +want):\n%s", diff)
		}
	})
	t.Run("pull request", func(t *testing.T) {
		for _, sha := range []string{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B", "9f86d08", ""} {
			pr := codecPullRequest()
			pr.MergeCommitSHA = sha
			rec, err := encodePullRequest(pr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodePullRequest(rec)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, pr); diff != "" {
				t.Errorf("pull request with merge commit %q (-got +want):\n%s", sha, diff)
			}
		}
	})
}

// A version-2 JSON record, as flowbot wrote it before version 3, reads
// with every field.
func TestVersion2RecordsDecode(t *testing.T) {
	item := `{"v":2,"key":"PAY-1","title":"Refunds","status":"Done","created":"2024-03-01T08:30:00.123456789Z",` +
		`"transitions":[{"at":"2024-03-02T09:00:00Z","from":"To Do","to":"Done"}],"resolved":"2024-03-02T09:00:00Z",` +
		`"parent":"PAY-100","points":3,"estimated":true,"flagged":[{"from":"2024-03-01T10:00:00Z"}],` +
		`"links":[{"type":"Blocks","description":"blocks","inward":true,"key":"OPS-1","other_category":"done"}]}`
	gotItem, err := decodeItem(item)
	if err != nil {
		t.Fatal(err)
	}
	wantItem := coach.Item{
		Key: "PAY-1", Title: "Refunds", Status: "Done", Created: time.Date(2024, 3, 1, 8, 30, 0, 123456789, time.UTC),
		Transitions: []coach.Transition{{At: time.Date(2024, 3, 2, 9, 0, 0, 0, time.UTC), From: "To Do", To: "Done"}},
		Resolved:    time.Date(2024, 3, 2, 9, 0, 0, 0, time.UTC), Parent: "PAY-100", Points: 3, Estimated: true,
		Flagged: []coach.Span{{From: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)}},
		Links:   []coach.Link{{Type: "Blocks", Description: "blocks", Inward: true, Key: "OPS-1", OtherCategory: "done"}},
	}
	if diff := cmp.Diff(gotItem, wantItem); diff != "" {
		t.Errorf("item (-got +want):\n%s", diff)
	}
	pr := `{"v":2,"repo":"acme/api","number":7,"head_branch":"PAY-1-x","body":"b","merge_commit_sha":"abc1234",` +
		`"ready":"2024-04-01T07:00:00Z","first_commit":"2024-03-31T07:00:00Z","commits":4,"commits_truncated":true,` +
		`"requested_reviewers":["mona"]}`
	gotPR, err := decodePullRequest(pr)
	if err != nil {
		t.Fatal(err)
	}
	wantPR := coach.PullRequest{
		Repo: "acme/api", Number: 7, HeadBranch: "PAY-1-x", Body: "b", MergeCommitSHA: "abc1234",
		Ready: time.Date(2024, 4, 1, 7, 0, 0, 0, time.UTC), FirstCommit: time.Date(2024, 3, 31, 7, 0, 0, 0, time.UTC),
		Commits: 4, CommitsTruncated: true, RequestedReviewers: []string{"mona"},
	}
	if diff := cmp.Diff(gotPR, wantPR); diff != "" {
		t.Errorf("pull request (-got +want):\n%s", diff)
	}
}

// A version-1 JSON deployment, as flowbot wrote it before version 2, reads
// with every field.
func TestVersion1DeploymentDecodes(t *testing.T) {
	rec := `{"v":1,"repo":"acme/api","id":7,"source":"workflow","environment":"prod","sha":"abc1234","ref":"main",` +
		`"created":"2024-04-01T07:00:00.5Z","succeeded":"2024-04-01T07:10:00Z","commits":["abc1234","def5678"],` +
		`"has_commits":true,"commits_truncated":true,"behind":true}`
	got, err := decodeDeployment(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := coach.Deployment{Repo: "acme/api", ID: 7, Source: coach.DeploymentSourceWorkflow, Environment: "prod", SHA: "abc1234", Ref: "main",
		Created: time.Date(2024, 4, 1, 7, 0, 0, 5e8, time.UTC), Succeeded: time.Date(2024, 4, 1, 7, 10, 0, 0, time.UTC),
		Commits: []string{"abc1234", "def5678"}, HasCommits: true, CommitsTruncated: true, Behind: true}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("deployment (-got +want):\n%s", diff)
	}
}

func TestBinaryRecordsRefused(t *testing.T) {
	item, err := encodeItem(codecItem())
	if err != nil {
		t.Fatal(err)
	}
	pr, err := encodePullRequest(codecPullRequest())
	if err != nil {
		t.Fatal(err)
	}
	dep, err := encodeDeployment(codecDeployment())
	if err != nil {
		t.Fatal(err)
	}
	decoders := map[string]func(string) error{
		"item":         func(s string) error { _, err := decodeItem(s); return err },
		"pull request": func(s string) error { _, err := decodePullRequest(s); return err },
		"deployment":   func(s string) error { _, err := decodeDeployment(s); return err },
	}
	records := map[string]string{"item": item, "pull request": pr, "deployment": dep}
	for what, rec := range records {
		decode := decoders[what]
		t.Run(what+" of a newer version", func(t *testing.T) {
			newer := rec[0] + 1
			err := decode(string([]byte{newer}) + rec[1:])
			if !errors.Is(err, ErrUnknownVersion) || !strings.Contains(err.Error(), fmt.Sprintf("record version %d", newer)) {
				t.Errorf("error = %v, want ErrUnknownVersion for version %d", err, newer)
			}
		})
		t.Run(what+" cut short", func(t *testing.T) {
			for n := 1; n < len(rec); n++ {
				if err := decode(rec[:n]); err == nil {
					t.Fatalf("decoding the first %d of %d bytes: no error", n, len(rec))
				}
			}
		})
		t.Run(what+" with trailing bytes", func(t *testing.T) {
			if err := decode(rec + "x"); err == nil || !strings.Contains(err.Error(), "trailing bytes") {
				t.Errorf("error = %v, want trailing bytes", err)
			}
		})
	}
	t.Run("time out of range", func(t *testing.T) {
		it := codecItem()
		it.Transitions[0].At = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
		if _, err := encodeItem(it); err == nil {
			t.Error("encoding an item with a transition in year 10000: no error")
		}
	})
}

// version3Item is codecItem without Commented as flowbot wrote it before
// version 4 (encodeItem at commit ce54fc8).
const version3Item = "\x03\x1f\x05PAY-1\vRefunds €\x05Story\x04Done\x05Fixed\x03Ada\aPAY-100\x80\ue56b\xfe\xc6\x01\xff\xf3\xee\x06\xfdٓ\xb0\xdd\xeb\x01\xe7\a\x00\x00\x00\x00\x00\x00\xe0\xbf\x05\x05To Do\vIn Progress\aBlocked\x06Legacy\x04Done\x04\x03\x82\xc2\xf1\xbd\xdd\xeb\x01\x01\x00\x01\x01\x80\xf4\xee\x06\x02\x03\xff\xf3\xee\x06\x03\x04\x00\x04\x02\x02\xff\xf3\xee\x06\x01\x04\x02\x06Blocks\x06blocks\x00\x05OPS-1\x00\x00\x00\x01\x00\x00"

func TestItemVersions(t *testing.T) {
	withoutComment := codecItem()
	withoutComment.Commented = time.Time{}
	v4, err := encodeItem(codecItem())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		rec     string
		want    coach.Item
		wantErr string
	}{
		{name: "version 3 reads with no comment time", rec: version3Item, want: withoutComment},
		{name: "version 4 keeps the comment time", rec: v4, want: codecItem()},
		{name: "version 3 flagged with a comment time is refused", rec: "\x03\x3f" + version3Item[2:], wantErr: "has no comment time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeItem(tt.rec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("item (-got +want):\n%s", diff)
			}
		})
	}
	t.Run("written as version 4, one time longer than version 3", func(t *testing.T) {
		rec, err := encodeItem(withoutComment)
		if err != nil {
			t.Fatal(err)
		}
		if rec[0] != 4 || rec[2:] != version3Item[2:] {
			t.Errorf("record without a comment = %q, want version 3's bytes under version 4", rec)
		}
		if len(v4) <= len(rec) {
			t.Errorf("record with a comment is %d bytes, want more than the %d without", len(v4), len(rec))
		}
	})
}

func FuzzDecodeBinaryRecords(f *testing.F) {
	item, _ := encodeItem(codecItem())
	pr, _ := encodePullRequest(codecPullRequest())
	dep, _ := encodeDeployment(codecDeployment())
	f.Add(item)
	f.Add(pr)
	f.Add(dep)
	f.Fuzz(func(t *testing.T, rec string) {
		// Any input decodes or fails; what decodes encodes back to a
		// record that decodes to the same value.
		if it, err := decodeItemBinary(rec); err == nil {
			again, err := encodeItem(it)
			if err != nil {
				return // e.g. a year the encoder refuses
			}
			got, err := decodeItem(again)
			if err != nil {
				t.Fatalf("re-encoded item does not decode: %v", err)
			}
			if diff := cmp.Diff(got, it); diff != "" {
				t.Fatalf("item changed on a round trip (-got +want):\n%s", diff)
			}
		}
		if p, err := decodePullRequestBinary(rec); err == nil {
			again, err := encodePullRequest(p)
			if err != nil {
				return
			}
			got, err := decodePullRequest(again)
			if err != nil {
				t.Fatalf("re-encoded pull request does not decode: %v", err)
			}
			if diff := cmp.Diff(got, p); diff != "" {
				t.Fatalf("pull request changed on a round trip (-got +want):\n%s", diff)
			}
		}
		if d, err := decodeDeploymentBinary(rec); err == nil {
			again, err := encodeDeployment(d)
			if err != nil {
				return
			}
			got, err := decodeDeployment(again)
			if err != nil {
				t.Fatalf("re-encoded deployment does not decode: %v", err)
			}
			if diff := cmp.Diff(got, d); diff != "" {
				t.Fatalf("deployment changed on a round trip (-got +want):\n%s", diff)
			}
		}
	})
}

// Pull requests decoded from one arena read as each decoded alone, and
// growing one's reviews leaves the next one's alone.
func TestPullRequestArena(t *testing.T) {
	var recs []string
	var want []coach.PullRequest
	for n := range 3 {
		pr := codecPullRequest()
		pr.Number = n + 1
		pr.Reviews = pr.Reviews[:n%len(pr.Reviews)+1]
		rec, err := encodePullRequest(pr)
		if err != nil {
			t.Fatal(err)
		}
		recs, want = append(recs, rec), append(want, pr)
	}
	var a prArena
	got := make([]coach.PullRequest, len(recs))
	for i, rec := range recs {
		var err error
		if got[i], err = decodePullRequestIn(rec, &a); err != nil {
			t.Fatal(err)
		}
	}
	got[0].Reviews = append(got[0].Reviews, coach.Review{Author: "intruder"})
	got[0].RequestedReviewers = append(got[0].RequestedReviewers, "intruder")
	for i := 1; i < len(got); i++ {
		if diff := cmp.Diff(got[i], want[i]); diff != "" {
			t.Errorf("pull request %d (-got +want):\n%s", i+1, diff)
		}
	}
}
