package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/redis/go-redis/v9"
)

type pullRequestRecord struct {
	V            int            `json:"v"`
	Repo         string         `json:"repo"`
	Number       int            `json:"number"`
	Title        string         `json:"title,omitempty"`
	Author       string         `json:"author,omitempty"`
	AuthorIsBot  bool           `json:"author_is_bot,omitempty"`
	State        string         `json:"state,omitempty"`
	Draft        bool           `json:"draft,omitempty"`
	BaseBranch   string         `json:"base_branch,omitempty"`
	Created      string         `json:"created,omitempty"`
	Updated      string         `json:"updated,omitempty"`
	Closed       string         `json:"closed,omitempty"`
	Merged       string         `json:"merged,omitempty"`
	Additions    int            `json:"additions,omitempty"`
	Deletions    int            `json:"deletions,omitempty"`
	ChangedFiles int            `json:"changed_files,omitempty"`
	Reviews      []reviewRecord `json:"reviews,omitempty"`
	// Version 2.
	HeadBranch         string   `json:"head_branch,omitempty"`
	Body               string   `json:"body,omitempty"`
	MergeCommitSHA     string   `json:"merge_commit_sha,omitempty"`
	Ready              string   `json:"ready,omitempty"`
	FirstCommit        string   `json:"first_commit,omitempty"`
	Commits            int      `json:"commits,omitempty"`
	CommitsTruncated   bool     `json:"commits_truncated,omitempty"`
	RequestedReviewers []string `json:"requested_reviewers,omitempty"`
}

type reviewRecord struct {
	Author      string `json:"author,omitempty"`
	AuthorIsBot bool   `json:"author_is_bot,omitempty"`
	State       string `json:"state,omitempty"`
	Submitted   string `json:"submitted,omitempty"`
}

// pullRequestField is a pull request's field in the team's prs hash. '#'
// cannot occur in a GitHub owner or repository name.
func pullRequestField(pr coach.PullRequest) string {
	return pr.Repo + "#" + strconv.Itoa(pr.Number)
}

// Flags of a pull-request record.
const (
	prCreated = 1 << iota
	prUpdated
	prClosed
	prMerged
	prReady
	prFirstCommit
	prAuthorIsBot
	prDraft
	prCommitsTruncated
	prHexSHA // the merge commit is 40 lower-case hex digits, stored as 20 bytes
)

// Review states by code; 0 is any other state, spelled out.
var reviewStates = [...]string{"", "APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"}

// encodePullRequest renders pr as a version-3 binary record (see
// binrec.go):
//
//	version 3, flags (uvarint), repo, number, title, author, state, base
//	branch, head branch, body, merge commit (20 bytes per flags, else a
//	string), created, updated, closed, merged, ready, first commit (present
//	per flags), additions, deletions, changed files, commits (zigzag),
//	login table, reviews (count, then flags byte: bot, submitted present,
//	state spelled out; author; state code or string; submitted), requested
//	reviewers (count, then logins from the table).
func encodePullRequest(pr coach.PullRequest) (string, error) {
	times := [...]time.Time{pr.Created, pr.Updated, pr.Closed, pr.Merged, pr.Ready, pr.FirstCommit}
	if err := checkTimes(times[:]...); err != nil {
		return "", err
	}
	flags := presentTimes(times[:]...)
	if pr.AuthorIsBot {
		flags |= prAuthorIsBot
	}
	if pr.Draft {
		flags |= prDraft
	}
	if pr.CommitsTruncated {
		flags |= prCommitsTruncated
	}
	sha, hexSHA := packSHA(pr.MergeCommitSHA)
	if hexSHA {
		flags |= prHexSHA
	}
	w := binWriter{b: make([]byte, 0, 96+len(pr.Title)+len(pr.Body)+len(pr.HeadBranch)+24*len(pr.Reviews))}
	w.byte(pullRequestVersion)
	w.uint(flags)
	w.str(pr.Repo)
	w.int(int64(pr.Number))
	for _, s := range []string{pr.Title, pr.Author, pr.State, pr.BaseBranch, pr.HeadBranch, pr.Body} {
		w.str(s)
	}
	if hexSHA {
		w.b = append(w.b, sha[:]...)
	} else {
		w.str(pr.MergeCommitSHA)
	}
	for _, t := range times {
		if !t.IsZero() {
			w.time(t)
		}
	}
	for _, n := range []int{pr.Additions, pr.Deletions, pr.ChangedFiles, pr.Commits} {
		w.int(int64(n))
	}
	var logins strTable
	for _, r := range pr.Reviews {
		logins.index(r.Author)
		if err := checkTimes(r.Submitted); err != nil {
			return "", err
		}
	}
	for _, l := range pr.RequestedReviewers {
		logins.index(l)
	}
	w.uint(uint64(len(logins.names)))
	for _, n := range logins.names {
		w.str(n)
	}
	w.uint(uint64(len(pr.Reviews)))
	for _, r := range pr.Reviews {
		code := 0
		for i, st := range reviewStates {
			if i > 0 && st == r.State {
				code = i
			}
		}
		var f byte
		if r.AuthorIsBot {
			f |= 1
		}
		if !r.Submitted.IsZero() {
			f |= 2
		}
		w.byte(f)
		w.uint(uint64(logins.index(r.Author)))
		w.uint(uint64(code))
		if code == 0 {
			w.str(r.State)
		}
		if f&2 != 0 {
			w.time(r.Submitted)
		}
	}
	// Empty requested reviewers read back as nil, as they did from JSON.
	w.uint(uint64(len(pr.RequestedReviewers)))
	for _, l := range pr.RequestedReviewers {
		w.uint(uint64(logins.index(l)))
	}
	return string(w.b), nil
}

// packSHA packs a merge commit of 40 lower-case hex digits into 20 bytes.
func packSHA(sha string) ([20]byte, bool) {
	var out [20]byte
	if len(sha) != 40 {
		return out, false
	}
	for i := range out {
		hi, lo := lowerHex[sha[2*i]], lowerHex[sha[2*i+1]]
		if hi|lo > 0xf {
			return out, false
		}
		out[i] = hi<<4 | lo
	}
	return out, true
}

// lowerHex is each byte's value as a lower-case hex digit, 0xff for any
// other byte: a table, as SHAs' random digits mispredict comparisons.
var lowerHex = func() (t [256]byte) {
	for c := range t {
		t[c] = 0xff
	}
	for i, c := range hexDigits {
		t[c] = byte(i)
	}
	return t
}()

const hexDigits = "0123456789abcdef"

func unpackSHA(r *binReader) string {
	if len(r.s) < 20 {
		r.fail()
		return ""
	}
	var b [40]byte
	for i := range 20 {
		c := r.s[i]
		b[2*i], b[2*i+1] = hexDigits[c>>4], hexDigits[c&15]
	}
	r.s = r.s[20:]
	return string(b[:])
}

// decodePullRequest reads a pull-request record of any version this code
// knows: JSON (versions 1 and 2) or binary (version 3).
func decodePullRequest(data string) (coach.PullRequest, error) {
	return decodePullRequestIn(data, nil)
}

// decodePullRequestIn is decodePullRequest taking the reviews and
// requested reviewers of a binary record from a (nil: allocated for it).
func decodePullRequestIn(data string, a *prArena) (coach.PullRequest, error) {
	if len(data) > 0 && data[0] != '{' {
		return decodePullRequestBinaryIn(data, a)
	}
	return decodePullRequestJSON(data)
}

// prArena hands out the review and login slices of many decoded pull
// requests from a few large allocations instead of two small ones each:
// reading a team's tens of thousands of pull requests is otherwise mostly
// allocating and collecting them.
type prArena struct {
	reviews []coach.Review
	logins  []string
	// strs interns the fields that repeat across pull requests, so that
	// comparing them (pull requests are grouped by repository) finds the
	// same string rather than reading bytes scattered over the records.
	strs map[string]string
}

func (a *prArena) intern(s string) string {
	if a == nil {
		return s
	}
	if in, ok := a.strs[s]; ok {
		return in
	}
	if a.strs == nil {
		a.strs = map[string]string{}
	}
	a.strs[s] = s
	return s
}

const prArenaChunk = 4096

func (a *prArena) takeReviews(n int) []coach.Review {
	if a == nil || n > prArenaChunk/4 {
		return make([]coach.Review, n)
	}
	if len(a.reviews) < n {
		a.reviews = make([]coach.Review, prArenaChunk)
	}
	s := a.reviews[:n:n]
	a.reviews = a.reviews[n:]
	return s
}

func (a *prArena) takeLogins(n int) []string {
	if a == nil || n > prArenaChunk/4 {
		return make([]string, n)
	}
	if len(a.logins) < n {
		a.logins = make([]string, prArenaChunk)
	}
	s := a.logins[:n:n]
	a.logins = a.logins[n:]
	return s
}

func decodePullRequestBinary(data string) (coach.PullRequest, error) {
	return decodePullRequestBinaryIn(data, nil)
}

func decodePullRequestBinaryIn(data string, a *prArena) (coach.PullRequest, error) {
	r := binReader{s: data}
	if v := r.byte(); v != pullRequestVersion {
		return coach.PullRequest{}, fmt.Errorf("%w: record version %d, this flowbot reads 1 to %d", ErrUnknownVersion, v, pullRequestVersion)
	}
	flags := r.uint()
	pr := coach.PullRequest{Repo: a.intern(r.str()), Number: int(r.int())}
	pr.Title, pr.Author, pr.State, pr.BaseBranch, pr.HeadBranch, pr.Body = r.str(), a.intern(r.str()), a.intern(r.str()), a.intern(r.str()), r.str(), r.str()
	if flags&prHexSHA != 0 {
		pr.MergeCommitSHA = unpackSHA(&r)
	} else {
		pr.MergeCommitSHA = r.str()
	}
	pr.Created = r.optTime(flags&prCreated != 0)
	pr.Updated = r.optTime(flags&prUpdated != 0)
	pr.Closed = r.optTime(flags&prClosed != 0)
	pr.Merged = r.optTime(flags&prMerged != 0)
	pr.Ready = r.optTime(flags&prReady != 0)
	pr.FirstCommit = r.optTime(flags&prFirstCommit != 0)
	pr.AuthorIsBot = flags&prAuthorIsBot != 0
	pr.Draft = flags&prDraft != 0
	pr.CommitsTruncated = flags&prCommitsTruncated != 0
	pr.Additions, pr.Deletions, pr.ChangedFiles, pr.Commits = int(r.int()), int(r.int()), int(r.int()), int(r.int())
	var buf [8]string
	logins := r.readTable(buf[:])
	if n := r.count(); n > 0 {
		pr.Reviews = a.takeReviews(n)
		for i := range pr.Reviews {
			f := r.byte()
			rv := &pr.Reviews[i]
			rv.AuthorIsBot = f&1 != 0
			rv.Author = r.ref(logins)
			code := r.uint()
			switch {
			case code == 0:
				rv.State = r.str()
			case code < uint64(len(reviewStates)):
				rv.State = reviewStates[code]
			default:
				r.fail()
			}
			rv.Submitted = r.optTime(f&2 != 0)
		}
	}
	if n := r.count(); n > 0 {
		pr.RequestedReviewers = a.takeLogins(n)
		for i := range pr.RequestedReviewers {
			pr.RequestedReviewers[i] = r.ref(logins)
		}
	}
	if err := r.end("pull request"); err != nil {
		return coach.PullRequest{}, err
	}
	return pr, nil
}

func decodePullRequestJSON(data string) (coach.PullRequest, error) {
	var rec pullRequestRecord
	if err := decode(data, &rec, lastJSONVersion); err != nil {
		return coach.PullRequest{}, err
	}
	var tc timeCodec
	pr := coach.PullRequest{
		Repo:         rec.Repo,
		Number:       rec.Number,
		Title:        rec.Title,
		Author:       rec.Author,
		AuthorIsBot:  rec.AuthorIsBot,
		State:        rec.State,
		Draft:        rec.Draft,
		BaseBranch:   rec.BaseBranch,
		Created:      tc.dec(rec.Created),
		Updated:      tc.dec(rec.Updated),
		Closed:       tc.dec(rec.Closed),
		Merged:       tc.dec(rec.Merged),
		Additions:    rec.Additions,
		Deletions:    rec.Deletions,
		ChangedFiles: rec.ChangedFiles,

		HeadBranch:         rec.HeadBranch,
		Body:               rec.Body,
		MergeCommitSHA:     rec.MergeCommitSHA,
		Ready:              tc.dec(rec.Ready),
		FirstCommit:        tc.dec(rec.FirstCommit),
		Commits:            rec.Commits,
		CommitsTruncated:   rec.CommitsTruncated,
		RequestedReviewers: rec.RequestedReviewers,
	}
	for _, r := range rec.Reviews {
		pr.Reviews = append(pr.Reviews, coach.Review{
			Author:      r.Author,
			AuthorIsBot: r.AuthorIsBot,
			State:       r.State,
			Submitted:   tc.dec(r.Submitted),
		})
	}
	return pr, tc.err
}

// PutPullRequests stores prs for team, replacing any stored pull request
// with the same Repo and Number. The batch is written atomically.
func (db *DB) PutPullRequests(ctx context.Context, team string, prs []coach.PullRequest) error {
	k, err := db.keys(team)
	if err != nil {
		return fmt.Errorf("storing pull requests of %s: %w", team, err)
	}
	if len(prs) == 0 {
		return nil
	}
	fields := make([]any, 0, 2*len(prs))
	times := make([]redis.Z, 0, len(prs))
	var odd, even []any
	for _, pr := range prs {
		if pr.Repo == "" {
			return fmt.Errorf("storing pull requests of %s: pull request #%d without a repository", team, pr.Number)
		}
		rec, err := encodePullRequest(pr)
		if err != nil {
			return fmt.Errorf("storing pull request %s of %s: %w", pullRequestField(pr), team, err)
		}
		field := pullRequestField(pr)
		fields = append(fields, field, rec)
		times = append(times, redis.Z{Score: float64(msFloor(latestOf(pr))), Member: field})
		if oddSHA(pr.MergeCommitSHA) {
			odd = append(odd, field)
		} else {
			even = append(even, field)
		}
	}
	err = db.write(ctx, k, func(p redis.Pipeliner) {
		p.HSet(ctx, k.prs, fields...)
		p.ZAdd(ctx, k.prsTime, times...)
		if len(odd) > 0 {
			p.SAdd(ctx, k.prsOddSHA, odd...)
		}
		if len(even) > 0 {
			p.SRem(ctx, k.prsOddSHA, even...)
		}
	})
	if err != nil {
		return fmt.Errorf("storing pull requests of %s: %w", team, err)
	}
	return nil
}

// PullRequests returns team's pull requests sorted by Repo, then Number.
func (db *DB) PullRequests(ctx context.Context, team string) ([]coach.PullRequest, error) {
	k, err := db.keys(team)
	if err != nil {
		return nil, fmt.Errorf("reading pull requests of %s: %w", team, err)
	}
	var all *redis.StringSliceCmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		all = p.HVals(ctx, k.prs)
	})
	if err != nil {
		return nil, fmt.Errorf("reading pull requests of %s: %w", team, err)
	}
	// The records alone are read (their fields repeat what they hold), put
	// in order by the repository and number at their start, and decoded in
	// place: a pull request is a large value to move, and a team has tens
	// of thousands.
	recs := all.Val()
	if len(recs) == 0 {
		return nil, nil
	}
	repos := make([]string, len(recs))
	numbers := make([]int, len(recs))
	for i, rec := range recs {
		if repos[i], numbers[i], err = pullRequestKey(rec); err != nil {
			return nil, fmt.Errorf("reading pull requests of %s: %w", team, err)
		}
	}
	order := byRepoThenNumber(len(recs), func(i int) string { return repos[i] }, func(i int) int { return numbers[i] })
	prs := make([]coach.PullRequest, len(recs))
	var a prArena
	for i, j := range order {
		if prs[i], err = decodePullRequestIn(recs[j], &a); err != nil {
			return nil, fmt.Errorf("reading pull request %s#%d of %s: %w", repos[j], numbers[j], team, err)
		}
	}
	return prs, nil
}

// pullRequestKey reads the repository and number of a pull-request record
// without decoding the rest, when it is binary.
func pullRequestKey(data string) (repo string, number int, err error) {
	if len(data) == 0 || data[0] != pullRequestVersion {
		// JSON, or a version this code does not know: decoding it whole
		// gives its key or says what is wrong.
		pr, err := decodePullRequest(data)
		return pr.Repo, pr.Number, err
	}
	r := binReader{s: data[1:]}
	r.uint() // flags
	repo, number = r.str(), int(r.int())
	if r.err != nil {
		return "", 0, fmt.Errorf("decoding pull request record: %w", r.err)
	}
	return repo, number, nil
}

// CountPullRequests returns how many pull requests team has stored.
func (db *DB) CountPullRequests(ctx context.Context, team string) (int, error) {
	n, err := db.count(ctx, team, func(k teamKeys) string { return k.prs })
	if err != nil {
		return 0, fmt.Errorf("counting pull requests of %s: %w", team, err)
	}
	return n, nil
}

// latestOf is the latest of pr's creation, close and merge: a pull request
// with any of them at or after an instant has this at or after it too.
func latestOf(pr coach.PullRequest) time.Time {
	t := pr.Created
	for _, u := range []time.Time{pr.Closed, pr.Merged} {
		if u.After(t) {
			t = u
		}
	}
	return t
}

// oddSHA reports whether a merge commit is given but not as 40 hex digits,
// so that matching it to deployed commits may be by prefix.
func oddSHA(sha string) bool {
	if sha == "" {
		return false
	}
	if len(sha) != 40 {
		return true
	}
	for i := range len(sha) {
		c := sha[i] | 0x20 // lower case for letters
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return true
		}
	}
	return false
}

// TeamPullRequests reads in one MULTI what an answer over the pull requests
// of a window starting at from needs: the team's statuses (as Statuses gives
// them) and last sync (as LastSync), the deployments that can bear on the
// window's pull requests (as Deployments sorts them: those naming one of
// their merge commits, and per repository, source and environment the
// first to succeed; every deployment when pull requests are read in full), the
// pull requests whose latest of creation, close and merge is at or after
// from, sorted as PullRequests sorts them, and oddSHAs, how many stored
// pull requests have a merge commit that is not 40 hex digits plus how many
// deployments name a commit (their SHA or one they carry) that is not 40
// lower-case hex digits. Pull
// requests stored before the time index existed are not in it; then every
// pull request is read (a second round trip).
func (db *DB) TeamPullRequests(ctx context.Context, team string, from time.Time) (statuses []coach.Status, lastSync time.Time, prs []coach.PullRequest, deployments []coach.Deployment, oddSHAs int, err error) {
	fail := func(err error) ([]coach.Status, time.Time, []coach.PullRequest, []coach.Deployment, int, error) {
		return nil, time.Time{}, nil, nil, 0, fmt.Errorf("reading pull requests of %s: %w", team, err)
	}
	k, err := db.keys(team)
	if err != nil {
		return fail(err)
	}
	var (
		st, last      *redis.StringCmd
		stored, timed *redis.IntCmd
		odd           *redis.IntCmd
		window        *redis.Cmd
		deps          *redis.MapStringStringCmd
	)
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		st = p.Get(ctx, k.statuses)
		last = p.Get(ctx, k.lastSync)
		stored = p.HLen(ctx, k.prs)
		timed = p.ZCard(ctx, k.prsTime)
		odd = p.SCard(ctx, k.prsOddSHA)
		window = p.Eval(ctx, rangeThenGet, []string{k.prsTime, k.prs}, score(msCeil(from)), "+inf")
		deps = p.HGetAll(ctx, k.deployments)
	})
	if err != nil {
		return fail(err)
	}
	if statuses, lastSync, err = decodeHead(st, last); err != nil {
		return fail(err)
	}
	if stored.Val() != timed.Val() {
		if prs, err = db.PullRequests(ctx, team); err != nil {
			return fail(err)
		}
		deployments, oddDeployments, err := decodeDeploymentsOdd(deps.Val())
		if err != nil {
			return fail(err)
		}
		return statuses, lastSync, prs, deployments, int(odd.Val()) + oddDeployments, nil
	}
	vals, err := window.Slice()
	if err != nil {
		return fail(err)
	}
	prs = make([]coach.PullRequest, len(vals))
	want := newSHASet(len(vals))
	var a prArena
	for i, v := range vals {
		rec, ok := v.(string)
		if !ok {
			return fail(errors.New("time index names a pull request without a record"))
		}
		if prs[i], err = decodePullRequestIn(rec, &a); err != nil {
			return fail(err)
		}
		// Deployed commits are compared as bot compares them: case aside.
		// GitHub's SHAs are lower case: ToLower only for one that is not.
		sha, ok := packSHA(prs[i].MergeCommitSHA)
		if !ok {
			sha, ok = packSHA(strings.ToLower(prs[i].MergeCommitSHA))
		}
		if ok {
			want.add(sha)
		}
	}
	sortPullRequests(prs)
	deployments, oddDeployments, err := selectDeployments(deps.Val(), want)
	if err != nil {
		return fail(err)
	}
	return statuses, lastSync, prs, deployments, int(odd.Val()) + oddDeployments, nil
}

// byRepoThenNumber returns the indexes 0..n-1 in the order of their
// repository, then number, then index. Repositories are ranked once, so
// the sort compares numbers: a team has tens of thousands of pull requests
// in a few repositories with long, alike names.
func byRepoThenNumber(n int, repo func(int) string, number func(int) int) []int {
	rank := map[string]int{}
	for i := range n {
		rank[repo(i)] = 0
	}
	names := make([]string, 0, len(rank))
	for r := range rank {
		names = append(names, r)
	}
	slices.Sort(names)
	for i, r := range names {
		rank[r] = i
	}
	type sortKey struct{ repo, number, index int }
	keys := make([]sortKey, n)
	packs := len(names) <= 1<<packRepoBits && n <= 1<<packIndexBits
	for i := range keys {
		keys[i] = sortKey{rank[repo(i)], number(i), i}
		packs = packs && keys[i].number >= 0 && keys[i].number < 1<<packNumberBits
	}
	order := make([]int, n)
	if packs {
		// Sorting plain numbers is several times faster than sorting
		// structs by a comparison function.
		packed := make([]uint64, n)
		for i, k := range keys {
			packed[i] = uint64(k.repo)<<(packNumberBits+packIndexBits) | uint64(k.number)<<packIndexBits | uint64(k.index)
		}
		slices.Sort(packed)
		for i, p := range packed {
			order[i] = int(p & (1<<packIndexBits - 1))
		}
		return order
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		return cmp.Or(cmp.Compare(a.repo, b.repo), cmp.Compare(a.number, b.number), cmp.Compare(a.index, b.index))
	})
	for i, k := range keys {
		order[i] = k.index
	}
	return order
}

// How byRepoThenNumber packs a sort key into 64 bits when it fits: up to
// 4,096 repositories, pull request numbers from 0 below 2^31, and 2^21
// (two million) pull requests.
const (
	packRepoBits   = 12
	packNumberBits = 31
	packIndexBits  = 64 - packRepoBits - packNumberBits
)

// sortPullRequests sorts prs by repository, then number. They are moved
// once, in the order found: a pull request is a large value to swap.
func sortPullRequests(prs []coach.PullRequest) {
	order := byRepoThenNumber(len(prs), func(i int) string { return prs[i].Repo }, func(i int) int { return prs[i].Number })
	sorted := make([]coach.PullRequest, len(prs))
	for i, j := range order {
		sorted[i] = prs[j]
	}
	copy(prs, sorted)
}
