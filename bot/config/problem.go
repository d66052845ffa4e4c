package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with the configuration, worded for the person
// who has to fix it.
type Problem struct {
	Path    string // where: "teams[1].timezone", or an environment variable's name
	Message string // what is wrong and how to fix it
	Line    int    // line in the YAML file; 0 when unknown
}

// String renders the problem as "line 7: teams[1].timezone: message", leaving
// out what is unknown.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every problem found; as an error it lists them one per line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sort orders problems as they appear in the file; problems without a line
// (say, a missing top-level key) come first.
func (ps Problems) sort() {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
}

// suggest returns the candidate closest to got, if it is close enough to be
// a likely typo, or "".
func suggest(got string, candidates []string) string {
	got = strings.ToLower(got)
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(got, c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > max(2, len(best)/3) || bestDist >= len(best) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
