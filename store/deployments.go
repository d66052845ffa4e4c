package store

import (
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/flowbot/flowbot/coach"
	"github.com/redis/go-redis/v9"
)

// deploymentRecord is a version-1 (JSON) deployment record.
type deploymentRecord struct {
	V                int      `json:"v"`
	Repo             string   `json:"repo"`
	ID               int64    `json:"id"`
	Source           string   `json:"source"`
	Environment      string   `json:"environment,omitempty"`
	SHA              string   `json:"sha,omitempty"`
	Ref              string   `json:"ref,omitempty"`
	Created          string   `json:"created,omitempty"`
	Succeeded        string   `json:"succeeded,omitempty"`
	Commits          []string `json:"commits,omitempty"`
	HasCommits       bool     `json:"has_commits,omitempty"`
	CommitsTruncated bool     `json:"commits_truncated,omitempty"`
	Behind           bool     `json:"behind,omitempty"`
}

// deploymentField is a deployment's field in the team's deployments hash:
// a deployment id and a workflow run id of one repository may be equal, so
// the source is part of the identity. '#' cannot occur in a repository name
// and sources are fixed words.
func deploymentField(d coach.Deployment) string {
	return d.Repo + "#" + d.Source + "#" + strconv.FormatInt(d.ID, 10)
}

// deploymentVersion is the version of deployment records written now: 2
// is binary (binrec.go); version 1 is JSON and still decodes.
const deploymentVersion = 2

// Flags of a binary deployment record.
const (
	depCreated = 1 << iota
	depSucceeded
	depHasCommits
	depCommitsTruncated
	depBehind
	depHexSHA     // SHA is 40 lower-case hex digits, stored as 20 bytes
	depHexCommits // every commit is, each stored as 20 bytes
)

// encodeDeployment renders d as a version-2 binary record:
//
//	version 2, flags (uvarint), repo, id (zigzag), source, environment,
//	SHA (20 bytes per flags, else a string), ref, created, succeeded
//	(present per flags), commits (count, then 20 bytes each per flags,
//	else strings).
//
// Binary rather than JSON: a deployment carries its commits, and an answer
// over pull requests decodes every deployment of the team.
func encodeDeployment(d coach.Deployment) (string, error) {
	if err := checkTimes(d.Created, d.Succeeded); err != nil {
		return "", err
	}
	flags := presentTimes(d.Created, d.Succeeded)
	if d.HasCommits {
		flags |= depHasCommits
	}
	if d.CommitsTruncated {
		flags |= depCommitsTruncated
	}
	if d.Behind {
		flags |= depBehind
	}
	sha, hexSHA := packSHA(d.SHA)
	if hexSHA {
		flags |= depHexSHA
	}
	hexCommits := len(d.Commits) > 0
	for _, c := range d.Commits {
		if _, ok := packSHA(c); !ok {
			hexCommits = false
			break
		}
	}
	if hexCommits {
		flags |= depHexCommits
	}
	w := binWriter{b: make([]byte, 0, 64+len(d.Repo)+len(d.Environment)+len(d.Ref)+20*len(d.Commits))}
	w.byte(deploymentVersion)
	w.uint(flags)
	w.str(d.Repo)
	w.int(d.ID)
	w.str(d.Source)
	w.str(d.Environment)
	if hexSHA {
		w.b = append(w.b, sha[:]...)
	} else {
		w.str(d.SHA)
	}
	w.str(d.Ref)
	for _, t := range []time.Time{d.Created, d.Succeeded} {
		if !t.IsZero() {
			w.time(t)
		}
	}
	// A nil and an empty list of commits both read back as nil, as they
	// did from JSON.
	w.uint(uint64(len(d.Commits)))
	for _, c := range d.Commits {
		if hexCommits {
			packed, _ := packSHA(c)
			w.b = append(w.b, packed[:]...)
		} else {
			w.str(c)
		}
	}
	return string(w.b), nil
}

// decodeDeployment reads a deployment record of any version this code
// knows: JSON (version 1) or binary (version 2).
func decodeDeployment(data string) (coach.Deployment, error) {
	if len(data) > 0 && data[0] != '{' {
		return decodeDeploymentBinary(data)
	}
	return decodeDeploymentJSON(data)
}

func decodeDeploymentBinary(data string) (coach.Deployment, error) {
	d, _, err := decodeDeploymentOdd(data)
	return d, err
}

// decodeDeploymentOdd is decodeDeploymentBinary that also says whether the
// deployment names a commit (its SHA or one it carries) other than by 40
// lower-case hex digits, which the record's flags tell for free.
func decodeDeploymentOdd(data string) (coach.Deployment, bool, error) {
	d, flags, err := decodeDeploymentFlags(data)
	odd := d.SHA != "" && flags&depHexSHA == 0 || len(d.Commits) > 0 && flags&depHexCommits == 0
	return d, odd, err
}

func decodeDeploymentFlags(data string) (coach.Deployment, uint64, error) {
	r := binReader{s: data}
	if v := r.byte(); v != deploymentVersion {
		return coach.Deployment{}, 0, fmt.Errorf("%w: record version %d, this flowbot reads 1 to %d", ErrUnknownVersion, v, deploymentVersion)
	}
	flags := r.uint()
	d := coach.Deployment{Repo: r.str(), ID: r.int(), Source: r.str(), Environment: r.str()}
	if flags&depHexSHA != 0 {
		d.SHA = unpackSHA(&r)
	} else {
		d.SHA = r.str()
	}
	d.Ref = r.str()
	d.Created = r.optTime(flags&depCreated != 0)
	d.Succeeded = r.optTime(flags&depSucceeded != 0)
	d.HasCommits = flags&depHasCommits != 0
	d.CommitsTruncated = flags&depCommitsTruncated != 0
	d.Behind = flags&depBehind != 0
	if n := r.count(); n > 0 {
		d.Commits = make([]string, n)
		if flags&depHexCommits != 0 {
			// One string holds every commit's hex digits; each commit is
			// a slice of it.
			if n > len(r.s)/20 {
				r.fail()
			} else {
				all := string(hex.AppendEncode(make([]byte, 0, 40*n), []byte(r.s[:20*n])))
				r.s = r.s[20*n:]
				for i := range d.Commits {
					d.Commits[i] = all[40*i : 40*i+40]
				}
			}
		} else {
			for i := range d.Commits {
				d.Commits[i] = r.str()
			}
		}
	}
	if err := r.end("deployment"); err != nil {
		return coach.Deployment{}, 0, err
	}
	return d, flags, nil
}

func decodeDeploymentJSON(data string) (coach.Deployment, error) {
	var rec deploymentRecord
	if err := decode(data, &rec, recordVersion); err != nil {
		return coach.Deployment{}, err
	}
	var tc timeCodec
	d := coach.Deployment{
		Repo:             rec.Repo,
		ID:               rec.ID,
		Source:           rec.Source,
		Environment:      rec.Environment,
		SHA:              rec.SHA,
		Ref:              rec.Ref,
		Created:          tc.dec(rec.Created),
		Succeeded:        tc.dec(rec.Succeeded),
		Commits:          rec.Commits,
		HasCommits:       rec.HasCommits,
		CommitsTruncated: rec.CommitsTruncated,
		Behind:           rec.Behind,
	}
	return d, tc.err
}

// PutDeployments stores team's deployments, replacing any stored deployment
// with the same Repo, Source and ID. The batch is written atomically.
func (db *DB) PutDeployments(ctx context.Context, team string, ds []coach.Deployment) error {
	k, err := db.keys(team)
	if err != nil {
		return fmt.Errorf("storing deployments of %s: %w", team, err)
	}
	if len(ds) == 0 {
		return nil
	}
	fields := make([]any, 0, 2*len(ds))
	for _, d := range ds {
		switch {
		case d.Repo == "":
			return fmt.Errorf("storing deployments of %s: deployment %d without a repository", team, d.ID)
		case d.Source != coach.DeploymentSourceAPI && d.Source != coach.DeploymentSourceWorkflow:
			return fmt.Errorf("storing deployments of %s: deployment %s#%d has source %q, want %q or %q",
				team, d.Repo, d.ID, d.Source, coach.DeploymentSourceAPI, coach.DeploymentSourceWorkflow)
		}
		rec, err := encodeDeployment(d)
		if err != nil {
			return fmt.Errorf("storing deployment %s of %s: %w", deploymentField(d), team, err)
		}
		fields = append(fields, deploymentField(d), rec)
	}
	err = db.write(ctx, k, func(p redis.Pipeliner) {
		p.HSet(ctx, k.deployments, fields...)
	})
	if err != nil {
		return fmt.Errorf("storing deployments of %s: %w", team, err)
	}
	return nil
}

// Deployments returns team's deployments sorted by Succeeded (never
// succeeded first), then Created, then Repo, Source and ID, so the order is
// total.
func (db *DB) Deployments(ctx context.Context, team string) ([]coach.Deployment, error) {
	k, err := db.keys(team)
	if err != nil {
		return nil, fmt.Errorf("reading deployments of %s: %w", team, err)
	}
	var all *redis.MapStringStringCmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		all = p.HGetAll(ctx, k.deployments)
	})
	if err != nil {
		return nil, fmt.Errorf("reading deployments of %s: %w", team, err)
	}
	ds, err := decodeDeployments(all.Val())
	if err != nil {
		return nil, fmt.Errorf("reading deployments of %s: %w", team, err)
	}
	return ds, nil
}

// decodeDeployments decodes a deployments hash, sorted as Deployments
// sorts them.
func decodeDeployments(all map[string]string) ([]coach.Deployment, error) {
	ds, _, err := decodeDeploymentsOdd(all)
	return ds, err
}

// decodeDeploymentsOdd is decodeDeployments that also counts the
// deployments naming a commit other than by 40 lower-case hex digits.
func decodeDeploymentsOdd(all map[string]string) ([]coach.Deployment, int, error) {
	if len(all) == 0 {
		return nil, 0, nil
	}
	decoded := make([]coach.Deployment, 0, len(all))
	odd := 0
	for field, data := range all {
		var d coach.Deployment
		var isOdd bool
		var err error
		if len(data) > 0 && data[0] != '{' {
			d, isOdd, err = decodeDeploymentOdd(data)
		} else {
			d, err = decodeDeploymentJSON(data)
			isOdd = oddSHA(d.SHA) || slices.ContainsFunc(d.Commits, oddSHA)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("deployment %s: %w", field, err)
		}
		if isOdd {
			odd++
		}
		decoded = append(decoded, d)
	}
	sortDeployments(decoded)
	return decoded, odd, nil
}

// sortDeployments sorts ds as Deployments returns them: by Succeeded, then
// Created, repository, source and ID.
func sortDeployments(ds []coach.Deployment) {
	// Sorted by index, then moved once: a deployment is a large value to
	// swap.
	order := make([]int, len(ds))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		a, b := &ds[i], &ds[j]
		return cmp.Or(a.Succeeded.Compare(b.Succeeded), a.Created.Compare(b.Created),
			cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.Source, b.Source), cmp.Compare(a.ID, b.ID))
	})
	sorted := make([]coach.Deployment, len(ds))
	for i, j := range order {
		sorted[i] = ds[j]
	}
	copy(ds, sorted)
}

// shaSet holds commits as the 20 bytes 40 lower-case hex digits pack into.
// A bitmap of their first 16 bits answers most lookups of commits not in
// it without hashing: a deployment carries tens of commits, a team has
// thousands of deployments, and few of their commits are asked about.
type shaSet struct {
	m    map[[20]byte]bool
	bits [1 << 16 / 64]uint64
}

func newSHASet(n int) *shaSet { return &shaSet{m: make(map[[20]byte]bool, n)} }

func (s *shaSet) add(sha [20]byte) {
	s.m[sha] = true
	b := uint(sha[0])<<8 | uint(sha[1])
	s.bits[b/64] |= 1 << (b % 64)
}

// has reports whether the 20 bytes of packed are in s.
func (s *shaSet) has(packed string) bool {
	b := uint(packed[0])<<8 | uint(packed[1])
	if s.bits[b/64]&(1<<(b%64)) == 0 {
		return false
	}
	return s.m[[20]byte([]byte(packed))]
}

// deploymentHead is what choosing deployments reads of a binary record
// without decoding its commits into strings.
type deploymentHead struct {
	repo, source, env  string
	id                 int64
	created, succeeded time.Time
	named              bool // its SHA or a commit it carries is in the set asked about
	odd                bool // it names a commit other than by 40 lower-case hex digits
}

// scanDeployment reads a binary deployment record's head and whether it
// names a commit of want. ok is false for a record it cannot read so: a
// JSON one, or one another version or a corruption makes unreadable; the
// caller decodes such a record in full.
func scanDeployment(data string, want *shaSet) (h deploymentHead, ok bool) {
	if len(data) == 0 || data[0] == '{' {
		return h, false
	}
	r := binReader{s: data}
	if r.byte() != deploymentVersion {
		return h, false
	}
	flags := r.uint()
	h.repo, h.id, h.source, h.env = r.str(), r.int(), r.str(), r.str()
	if flags&depHexSHA != 0 {
		if len(r.s) < 20 {
			return h, false
		}
		h.named = want.has(r.s[:20])
		r.s = r.s[20:]
	} else if sha := r.str(); sha != "" {
		h.odd = true
	}
	r.str() // ref
	h.created = r.optTime(flags&depCreated != 0)
	h.succeeded = r.optTime(flags&depSucceeded != 0)
	n := r.count()
	if r.err != nil {
		return h, false
	}
	if n > 0 && flags&depHexCommits == 0 {
		h.odd = true
		return h, false // commits as strings: decoded in full
	}
	if n > len(r.s)/20 {
		return h, false
	}
	for i := 0; i < n && !h.named; i++ {
		h.named = want.has(r.s[20*i : 20*i+20])
	}
	return h, true
}

// selectDeployments decodes, of a deployments hash, those that can bear on
// pull requests whose merge commits are want: those naming one of them (by
// SHA or a carried commit), and per repository, source and environment
// those first to succeed, which decide the repository's deployment source.
// It returns them sorted as Deployments sorts them, and counts the
// deployments naming a commit other than by 40 lower-case hex digits, as
// decodeDeploymentsOdd does for all of them. The choice is bot's
// (relevantDeployments), made here on the records' packed commits so that
// the commits of every other deployment are never turned into strings; it
// keeps every deployment tied for first, so the caller's own choice among
// them is unchanged.
func selectDeployments(all map[string]string, want *shaSet) ([]coach.Deployment, int, error) {
	// One pass: a class keeps the fields tied for its first success so
	// far, and a deployment naming a wanted commit is kept as it is met,
	// so no head of the thousands that are neither is held.
	type class struct{ repo, source, env string }
	type firsts struct {
		at     time.Time
		fields []string // scanned ones tied at at
	}
	classes := map[class]*firsts{}
	classOf := func(c class) *firsts {
		f, ok := classes[c]
		if !ok {
			f = &firsts{}
			classes[c] = f
		}
		return f
	}
	keep := map[string]string{}
	odd := 0
	var full map[string]string // records scanDeployment cannot read
	for field, data := range all {
		h, ok := scanDeployment(data, want)
		if !ok {
			if full == nil {
				full = map[string]string{}
			}
			full[field] = data
			continue
		}
		if h.odd {
			odd++
		}
		if h.named {
			keep[field] = data
		}
		if h.succeeded.IsZero() {
			continue
		}
		switch f := classOf(class{h.repo, h.source, h.env}); {
		case f.at.IsZero() || h.succeeded.Before(f.at):
			f.at, f.fields = h.succeeded, append(f.fields[:0], field)
		case h.succeeded.Equal(f.at):
			f.fields = append(f.fields, field)
		}
	}
	decodedFull, fullOdd, err := decodeDeploymentsOdd(full)
	if err != nil {
		return nil, 0, err
	}
	// A record decoded whole is kept anyway; one that succeeded earlier
	// than the scanned ones of its class makes them not first.
	for _, d := range decodedFull {
		if f := classOf(class{d.Repo, d.Source, d.Environment}); !d.Succeeded.IsZero() && (f.at.IsZero() || d.Succeeded.Before(f.at)) {
			f.at, f.fields = d.Succeeded, nil
		}
	}
	for _, f := range classes {
		for _, field := range f.fields {
			keep[field] = all[field]
		}
	}
	kept, _, err := decodeDeploymentsOdd(keep)
	if err != nil {
		return nil, 0, err
	}
	// The fully decoded ones are few (legacy or odd records): the caller
	// chooses among them itself.
	ds := append(kept, decodedFull...)
	sortDeployments(ds)
	return ds, odd + fullOdd, nil
}
