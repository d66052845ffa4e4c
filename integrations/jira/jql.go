package jira

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// overlap is how far before the cursor an incremental sync starts looking.
// JQL dates stop at the minute, and Cloud's search index trails writes by a
// little; re-reading two minutes of changes costs less than losing one.
const overlap = 2 * time.Minute

// jqlDate is the JQL date layout with the finest precision JQL accepts.
const jqlDate = "2006/01/02 15:04"

// searchJQL builds the query one sync sends: the team's JQL without its
// ordering, sub-tasks left out, optionally only what changed since the
// cursor (written in loc, the zone Jira reads JQL dates in), in key order.
func searchJQL(team string, since time.Time, loc *time.Location) (string, error) {
	where := strings.TrimSpace(stripOrderBy(team))
	if where == "" {
		return "", errors.New("team jql has no search condition: give it one, such as project = ABC")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "(%s) AND issuetype not in subTaskIssueTypes()", where)
	if !since.IsZero() {
		fmt.Fprintf(&b, ` AND updated >= "%s"`, since.Add(-overlap).In(loc).Format(jqlDate))
	}
	b.WriteString(" ORDER BY key ASC")
	return b.String(), nil
}

// stripOrderBy drops a top-level ORDER BY clause and what follows it.
// Quoted strings and parenthesised groups are skipped, so a summary
// containing "order by" stays intact.
func stripOrderBy(jql string) string {
	depth := 0
	var quote rune
	rs := []rune(jql)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0:
			if r == '\\' {
				i++
			} else if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == '(':
			depth++
		case r == ')':
			depth--
		case depth == 0 && (r == 'o' || r == 'O') && (i == 0 || !isJQLWordRune(rs[i-1])):
			if end, ok := matchOrderBy(rs, i); ok && end > i {
				return string(rs[:i])
			}
		}
	}
	return jql
}

// matchOrderBy reports whether "ORDER BY" (any case, any spacing) starts at
// rs[i].
func matchOrderBy(rs []rune, i int) (int, bool) {
	word := func(i int, w string) (int, bool) {
		if i+len(w) > len(rs) || !strings.EqualFold(string(rs[i:i+len(w)]), w) {
			return i, false
		}
		j := i + len(w)
		if j < len(rs) && isJQLWordRune(rs[j]) {
			return i, false
		}
		return j, true
	}
	j, ok := word(i, "order")
	if !ok || j >= len(rs) || !unicode.IsSpace(rs[j]) {
		return i, false
	}
	for j < len(rs) && unicode.IsSpace(rs[j]) {
		j++
	}
	return word(j, "by")
}

func isJQLWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.'
}
