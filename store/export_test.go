package store

import "github.com/flowbot/flowbot/coach"

// EncodeItemForTest and EncodePullRequestForTest give benchmarks the
// records the store writes.
func EncodeItemForTest(it coach.Item) string {
	rec, err := encodeItem(it)
	if err != nil {
		panic(err)
	}
	return rec
}

func EncodePullRequestForTest(pr coach.PullRequest) string {
	rec, err := encodePullRequest(pr)
	if err != nil {
		panic(err)
	}
	return rec
}
