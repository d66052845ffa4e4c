package jiratest

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// This file holds the JQL subset the stand-in understands: what the adapter
// sends and what teams commonly write in their config. Anything outside it
// is refused with a Jira-style message rather than guessed at, so a query
// that works here has a fair chance of meaning the same thing on a real
// Jira.

// jqlError is a JQL problem reported to the client as a 400 with Jira's
// errorMessages body.
type jqlError struct{ msg string }

func (e *jqlError) Error() string { return e.msg }

func syntaxErrorf(pos int, format string, args ...any) error {
	return &jqlError{fmt.Sprintf("Error in the JQL Query: "+format+" (line 1, character %d)", append(args, pos)...)}
}

func fieldErrorf(format string, args ...any) error {
	return &jqlError{fmt.Sprintf(format, args...)}
}

type tokenKind int

const (
	tEOF tokenKind = iota
	tWord
	tString
	tLParen
	tRParen
	tComma
	tOp
)

type token struct {
	kind tokenKind
	text string
	pos  int // 1-based character position, as Jira reports it
}

func (t token) describe() string {
	if t.kind == tEOF {
		return "end of query"
	}
	return "'" + t.text + "'"
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.'
}

func lex(s string) ([]token, error) {
	rs := []rune(s)
	var toks []token
	for i := 0; i < len(rs); {
		r := rs[i]
		pos := i + 1
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(':
			toks = append(toks, token{tLParen, "(", pos})
			i++
		case r == ')':
			toks = append(toks, token{tRParen, ")", pos})
			i++
		case r == ',':
			toks = append(toks, token{tComma, ",", pos})
			i++
		case r == '"' || r == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(rs) && rs[j] != r; j++ {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
				}
				b.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, syntaxErrorf(pos, "Missing closing quote for string starting at")
			}
			toks = append(toks, token{tString, b.String(), pos})
			i = j + 1
		case strings.ContainsRune("=!<>~", r):
			op := string(r)
			if i+1 < len(rs) && rs[i+1] == '=' && r != '=' && r != '~' {
				op += "="
			} else if r == '!' && i+1 < len(rs) && rs[i+1] == '~' {
				op = "!~"
			}
			if op == "!" {
				return nil, syntaxErrorf(pos, "The character '!' is a reserved JQL character. You must enclose it in a string or use the escape '\\u0021' instead.")
			}
			toks = append(toks, token{tOp, op, pos})
			i += len([]rune(op))
		case isWordRune(r):
			j := i
			for j < len(rs) && isWordRune(rs[j]) {
				j++
			}
			toks = append(toks, token{tWord, string(rs[i:j]), pos})
			i = j
		default:
			return nil, syntaxErrorf(pos, "The character '%c' is a reserved JQL character. You must enclose it in a string or use the escape '\\u%04x' instead.", r, r)
		}
	}
	toks = append(toks, token{tEOF, "", len(rs) + 1})
	return toks, nil
}

var reservedWords = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "is": true, "empty": true, "null": true,
	"order": true, "by": true, "asc": true, "desc": true, "was": true, "changed": true,
}

// issueView is what a JQL clause can look at.
type issueView struct {
	Key, Project, Type, Summary, Status, Resolution, Assignee string
	Subtask                                                   bool
	Created, Updated                                          time.Time
	Parent                                                    string // upper-case key; "" when none
	ParentIsEpic                                              bool
}

type predicate func(*issueView) bool

type orderKey struct {
	field string
	desc  bool
}

type query struct {
	where   predicate // nil when the query has no restriction
	orderBy []orderKey
}

// catalog answers which values exist, so a typo in a team's JQL gets the
// same "does not exist" answer a real Jira gives.
type catalog struct {
	loc      *time.Location
	now      time.Time
	cloud    bool
	projects map[string]bool // upper-case keys
	keys     map[string]bool // upper-case issue keys
	types    map[string]bool // lower-case names
	statuses map[string]bool // lower-case names
}

type parser struct {
	toks []token
	i    int
	cat  *catalog
}

func parseJQL(s string, cat *catalog) (*query, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, cat: cat}
	q := &query{}
	if !p.peekWord("order") && p.peek().kind != tEOF {
		if q.where, err = p.parseOr(); err != nil {
			return nil, err
		}
	}
	if p.peekWord("order") {
		p.next()
		if !p.peekWord("by") {
			return nil, syntaxErrorf(p.peek().pos, "Expecting 'by' but got %s.", p.peek().describe())
		}
		p.next()
		if q.orderBy, err = p.parseOrder(); err != nil {
			return nil, err
		}
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, syntaxErrorf(t.pos, "Expecting either 'OR' or 'AND' but got %s.", t.describe())
	}
	return q, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) peekWord(w string) bool {
	t := p.peek()
	return t.kind == tWord && strings.EqualFold(t.text, w)
}

func (p *parser) parseOr() (predicate, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.peekWord("or") {
		p.next()
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = orPred(l, r)
	}
	return l, nil
}

func orPred(l, r predicate) predicate { return func(v *issueView) bool { return l(v) || r(v) } }

func (p *parser) parseAnd() (predicate, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.peekWord("and") {
		p.next()
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = andPred(l, r)
	}
	return l, nil
}

func andPred(l, r predicate) predicate { return func(v *issueView) bool { return l(v) && r(v) } }

func (p *parser) parseNot() (predicate, error) {
	if p.peekWord("not") {
		p.next()
		inner, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return func(v *issueView) bool { return !inner(v) }, nil
	}
	if p.peek().kind == tLParen {
		p.next()
		inner, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tRParen {
			return nil, syntaxErrorf(t.pos, "Expecting ')' but got %s.", t.describe())
		}
		return inner, nil
	}
	return p.parseClause()
}

// operand is one value on the right of an operator.
type operand struct {
	text   string
	fn     string // function name when the operand is a call, e.g. "subTaskIssueTypes"
	empty  bool   // EMPTY or NULL
	pos    int
	quoted bool
}

func (p *parser) parseClause() (predicate, error) {
	ft := p.next()
	if ft.kind != tWord && ft.kind != tString {
		return nil, syntaxErrorf(ft.pos, "Expecting a field name but got %s.", ft.describe())
	}
	if ft.kind == tWord && reservedWords[strings.ToLower(ft.text)] {
		return nil, syntaxErrorf(ft.pos, "'%s' is a reserved JQL word. You must surround it in quotation marks to use it in a query.", ft.text)
	}
	op, err := p.parseOperator()
	if err != nil {
		return nil, err
	}
	var vals []operand
	switch op {
	case "in", "not in":
		if p.peek().kind == tLParen {
			p.next()
			for {
				v, err := p.parseOperand()
				if err != nil {
					return nil, err
				}
				vals = append(vals, v)
				t := p.next()
				if t.kind == tRParen {
					break
				}
				if t.kind != tComma {
					return nil, syntaxErrorf(t.pos, "Expecting ',' or ')' but got %s.", t.describe())
				}
			}
		} else {
			v, err := p.parseOperand()
			if err != nil {
				return nil, err
			}
			if v.fn == "" {
				return nil, syntaxErrorf(v.pos, "Expecting either a list of values or a function but got '%s'.", v.text)
			}
			vals = append(vals, v)
		}
	case "is", "is not":
		t := p.next()
		if t.kind != tWord || !(strings.EqualFold(t.text, "empty") || strings.EqualFold(t.text, "null")) {
			return nil, syntaxErrorf(t.pos, "Expecting 'EMPTY' or 'NULL' but got %s.", t.describe())
		}
		vals = append(vals, operand{empty: true, pos: t.pos})
	default:
		v, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
	}
	return p.cat.compile(ft.text, op, vals)
}

func (p *parser) parseOperator() (string, error) {
	t := p.next()
	switch {
	case t.kind == tOp:
		return t.text, nil
	case t.kind == tWord && strings.EqualFold(t.text, "in"):
		return "in", nil
	case t.kind == tWord && strings.EqualFold(t.text, "is"):
		if p.peekWord("not") {
			p.next()
			return "is not", nil
		}
		return "is", nil
	case t.kind == tWord && strings.EqualFold(t.text, "not") && p.peekWord("in"):
		p.next()
		return "not in", nil
	}
	return "", syntaxErrorf(t.pos, "Expecting operator but got %s. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'.", t.describe())
}

func (p *parser) parseOperand() (operand, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return operand{text: t.text, pos: t.pos, quoted: true}, nil
	case tWord:
		lw := strings.ToLower(t.text)
		if lw == "empty" || lw == "null" {
			return operand{empty: true, pos: t.pos}, nil
		}
		if p.peek().kind == tLParen {
			p.next()
			// Arguments are accepted and ignored: none of the functions
			// supported here take any.
			for p.peek().kind != tRParen {
				if a := p.next(); a.kind == tEOF {
					return operand{}, syntaxErrorf(a.pos, "Expecting ')' but got end of query.")
				}
			}
			p.next()
			return operand{fn: t.text, pos: t.pos}, nil
		}
		if reservedWords[lw] {
			return operand{}, syntaxErrorf(t.pos, "'%s' is a reserved JQL word. You must surround it in quotation marks to use it in a query.", t.text)
		}
		return operand{text: t.text, pos: t.pos}, nil
	}
	return operand{}, syntaxErrorf(t.pos, "Expecting either a value, list or function but got %s.", t.describe())
}

func (p *parser) parseOrder() ([]orderKey, error) {
	var keys []orderKey
	for {
		t := p.next()
		if t.kind != tWord && t.kind != tString {
			return nil, syntaxErrorf(t.pos, "Expecting a field name but got %s.", t.describe())
		}
		field := canonicalField(t.text)
		switch field {
		case "key", "created", "updated", "project":
		default:
			return nil, fieldErrorf("Field '%s' does not exist or you do not have permission to view it.", t.text)
		}
		k := orderKey{field: field}
		if p.peekWord("asc") {
			p.next()
		} else if p.peekWord("desc") {
			p.next()
			k.desc = true
		}
		keys = append(keys, k)
		if p.peek().kind != tComma {
			return keys, nil
		}
		p.next()
	}
}

func canonicalField(name string) string {
	switch f := strings.ToLower(name); f {
	case "issuekey", "key":
		return "key"
	case "type", "issuetype":
		return "issuetype"
	case "createddate", "created":
		return "created"
	case "updateddate", "updated":
		return "updated"
	default:
		return f
	}
}

// compile turns one clause into a predicate, checking field, operator and
// values the way Jira does before it runs anything.
func (c *catalog) compile(field, op string, vals []operand) (predicate, error) {
	f := canonicalField(field)
	unsupportedOp := func() error {
		return fieldErrorf("The operator '%s' is not supported by the '%s' field.", strings.ToUpper(op), field)
	}
	switch f {
	case "project", "issuetype", "status", "resolution", "assignee":
		if op == "~" || op == "!~" || op == "<" || op == ">" || op == "<=" || op == ">=" {
			return nil, unsupportedOp()
		}
		if (op == "is" || op == "is not") && f != "resolution" && f != "assignee" {
			return nil, unsupportedOp()
		}
		set, err := c.valueSet(f, field, vals)
		if err != nil {
			return nil, err
		}
		get := stringGetter(f)
		neg := op == "!=" || op == "not in" || op == "is not"
		return func(v *issueView) bool {
			x := get(v)
			return set.match(x, v.Subtask) != neg
		}, nil
	case "key":
		if op == "~" || op == "!~" || op == "is" || op == "is not" {
			return nil, unsupportedOp()
		}
		keys := make([]string, 0, len(vals))
		for _, v := range vals {
			if v.fn != "" {
				return nil, unsupportedFunction(v.fn)
			}
			keys = append(keys, strings.ToUpper(v.text))
		}
		return func(v *issueView) bool {
			switch op {
			case "=", "in":
				return slices.Contains(keys, v.Key)
			case "!=", "not in":
				return !slices.Contains(keys, v.Key)
			}
			return compareOrdered(compareKeys(v.Key, keys[0]), op)
		}, nil
	case "created", "updated":
		if op == "~" || op == "!~" || op == "in" || op == "not in" || op == "is" || op == "is not" {
			return nil, unsupportedOp()
		}
		at, err := c.parseDate(field, vals[0])
		if err != nil {
			return nil, err
		}
		return func(v *issueView) bool {
			t := v.Updated
			if f == "created" {
				t = v.Created
			}
			return compareOrdered(t.Compare(at), op)
		}, nil
	case "parent", "epic link":
		// Cloud's parent covers every child, epics' included; Data Center's
		// covers sub-tasks only, its epics' children being found through
		// "Epic Link". "Epic Link" matches children of epics on both.
		if op != "=" && op != "!=" && op != "in" && op != "not in" && op != "is" && op != "is not" {
			return nil, unsupportedOp()
		}
		if (op == "is" || op == "is not") && f == "parent" {
			return nil, unsupportedOp()
		}
		var keys []string
		empty := false
		for _, v := range vals {
			switch {
			case v.empty:
				empty = true
			case v.fn != "":
				return nil, unsupportedFunction(v.fn)
			case !c.keys[strings.ToUpper(v.text)]:
				return nil, fieldErrorf("An issue with key '%s' does not exist for field '%s'.", v.text, field)
			default:
				keys = append(keys, strings.ToUpper(v.text))
			}
		}
		neg := op == "!=" || op == "not in" || op == "is not"
		return func(v *issueView) bool {
			parent := v.Parent
			switch {
			case f == "epic link" && !v.ParentIsEpic:
				parent = ""
			case f == "parent" && !c.cloud && !v.Subtask:
				parent = ""
			}
			if neg && op != "is not" && parent == "" {
				// As in Jira, != and NOT IN never match an empty field.
				return false
			}
			m := (empty && parent == "") || (parent != "" && slices.Contains(keys, parent))
			return m != neg
		}, nil
	case "summary", "text":
		if op != "~" && op != "!~" {
			return nil, unsupportedOp()
		}
		needle := strings.ToLower(strings.Trim(vals[0].text, "*"))
		return func(v *issueView) bool {
			return strings.Contains(strings.ToLower(v.Summary), needle) != (op == "!~")
		}, nil
	}
	return nil, fieldErrorf("Field '%s' does not exist or you do not have permission to view it.", field)
}

func stringGetter(f string) func(*issueView) string {
	switch f {
	case "project":
		return func(v *issueView) string { return v.Project }
	case "issuetype":
		return func(v *issueView) string { return v.Type }
	case "status":
		return func(v *issueView) string { return v.Status }
	case "resolution":
		return func(v *issueView) string { return v.Resolution }
	default:
		return func(v *issueView) string { return v.Assignee }
	}
}

// valueSet is the right-hand side of an equality or membership clause.
type valueSet struct {
	names    []string // lower-case
	empty    bool
	subtasks int // 1: every sub-task type, -1: every standard type
}

func (s valueSet) match(x string, subtask bool) bool {
	switch {
	case s.empty && x == "":
		return true
	case s.subtasks == 1 && subtask, s.subtasks == -1 && !subtask:
		return true
	}
	return x != "" && slices.Contains(s.names, strings.ToLower(x))
}

func (c *catalog) valueSet(f, field string, vals []operand) (valueSet, error) {
	var set valueSet
	for _, v := range vals {
		switch {
		case v.empty:
			set.empty = true
		case v.fn != "":
			switch {
			case f == "issuetype" && strings.EqualFold(v.fn, "subTaskIssueTypes"):
				set.subtasks = 1
			case f == "issuetype" && strings.EqualFold(v.fn, "standardIssueTypes"):
				set.subtasks = -1
			default:
				return set, unsupportedFunction(v.fn)
			}
		case f == "resolution" && strings.EqualFold(v.text, "unresolved") && !v.quoted:
			set.empty = true
		default:
			lv := strings.ToLower(v.text)
			known := true
			switch f {
			case "project":
				known = c.projects[strings.ToUpper(v.text)]
			case "issuetype":
				known = c.types[lv]
			case "status":
				known = c.statuses[lv]
			}
			if !known {
				return set, fieldErrorf("The value '%s' does not exist for the field '%s'.", v.text, field)
			}
			set.names = append(set.names, lv)
		}
	}
	return set, nil
}

func unsupportedFunction(name string) error {
	return fieldErrorf("Unable to find JQL function '%s()'.", name)
}

func compareOrdered(cmp int, op string) bool {
	switch op {
	case "=":
		return cmp == 0
	case "!=":
		return cmp != 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	}
	return false
}

var relativeDate = regexp.MustCompile(`^([-+]?)((?:\d+[wdhm]\s*)+)$`)

var relativePart = regexp.MustCompile(`(\d+)([wdhm])`)

// parseDate reads a JQL date the way Jira does: absolute dates in the
// searching user's time zone, relative periods counted from now.
func (c *catalog) parseDate(field string, v operand) (time.Time, error) {
	invalid := fieldErrorf("Date value '%s' for field '%s' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.", v.text, field)
	if v.fn != "" {
		if strings.EqualFold(v.fn, "now") {
			return c.now, nil
		}
		return time.Time{}, unsupportedFunction(v.fn)
	}
	if v.empty {
		return time.Time{}, invalid
	}
	s := strings.TrimSpace(v.text)
	for _, layout := range []string{"2006/01/02 15:04", "2006-01-02 15:04", "2006/01/02", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, c.loc); err == nil {
			return t, nil
		}
	}
	if m := relativeDate.FindStringSubmatch(s); m != nil {
		var d time.Duration
		for _, part := range relativePart.FindAllStringSubmatch(m[2], -1) {
			n, err := strconv.Atoi(part[1])
			if err != nil {
				return time.Time{}, invalid
			}
			unit := map[string]time.Duration{"w": 7 * 24 * time.Hour, "d": 24 * time.Hour, "h": time.Hour, "m": time.Minute}[part[2]]
			d += time.Duration(n) * unit
		}
		if m[1] == "-" {
			d = -d
		}
		return c.now.Add(d), nil
	}
	return time.Time{}, invalid
}

// compareKeys orders issue keys as Jira does: by project key, then by
// number, so ABC-9 comes before ABC-10.
func compareKeys(a, b string) int {
	ap, an := splitKey(a)
	bp, bn := splitKey(b)
	if c := strings.Compare(ap, bp); c != 0 {
		return c
	}
	return cmp.Compare(an, bn)
}

func splitKey(k string) (string, int) {
	i := strings.LastIndexByte(k, '-')
	if i < 0 {
		return k, 0
	}
	n, err := strconv.Atoi(k[i+1:])
	if err != nil {
		return k, 0
	}
	return k[:i], n
}
