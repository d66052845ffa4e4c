package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxValues bounds how many YAML values one document may expand to. Aliases
// let a small file name the same list many times over, and nested lists of
// aliases grow geometrically; a real configuration is a few hundred values.
const maxValues = 100_000

// decode reads data into a Config with defaults applied. It returns a nil
// Config only when the YAML cannot be read at all; otherwise the problems
// are those of the file's shape (unknown keys, wrong kinds of values), and
// positions records where each path was written.
func decode(data []byte) (*Config, positions, Problems) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF): // an empty file is an empty config
	case err != nil:
		return nil, positions{}, Problems{syntaxProblem(err)}
	}
	w := walker{pos: positions{lines: map[string]int{}, failed: map[string]bool{}}}
	for { // later documents: a stray "---" at the end is harmless, more content is not
		var extra yaml.Node
		err := dec.Decode(&extra)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, positions{}, Problems{syntaxProblem(err)}
		}
		if len(extra.Content) > 0 && extra.Content[0].ShortTag() != "!!null" {
			w.add("", extra.Line, "a second YAML document; keep the whole configuration in one document, without another ---")
			break
		}
	}

	c := &Config{}
	if len(doc.Content) > 0 {
		w.walk(doc.Content[0], "", reflect.ValueOf(c).Elem())
	}
	if w.overflow {
		return nil, positions{}, w.probs
	}
	c.setDefaults(w.pos)
	return c, w.pos, w.probs
}

// syntaxLine pulls the line out of yaml.v3's syntax errors, which carry it
// only in their text ("yaml: line 3: mapping values are not allowed ...").
var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parserHint recognises the problems yaml.v3's parser (as opposed to its
// scanner) reports. It numbers their lines from 0, and for the block and
// flow ones gives the line where the enclosing mapping or list starts rather
// than the offending line, so the fix needs a hint of where to look.
func parserHint(problem string) (hint string, ok bool) {
	switch problem {
	case "did not find expected key":
		return "; check the indentation of the keys from this line on", true
	case "did not find expected '-' indicator":
		return "; check the indentation of the list items from this line on", true
	case "did not find expected ',' or ']'":
		return "; a [...] list from this line on is not closed", true
	case "did not find expected ',' or '}'":
		return "; a {...} mapping from this line on is not closed", true
	case "did not find expected node content",
		"did not find expected <document start>",
		"found undefined tag handle",
		"found incompatible YAML document",
		"found duplicate %YAML directive",
		"found duplicate %TAG directive":
		return "", true
	}
	return "", false
}

func syntaxProblem(err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := syntaxLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = err.Error()[len(m[0]):]
	}
	if hint, ok := parserHint(msg); ok {
		line++ // 0-based, and yaml.v3 leaves out "line 0"
		msg += hint
	}
	return Problem{Line: line, Message: "invalid YAML: " + msg}
}

// setDefaults fills in what the file left out. A key that is present keeps
// its value, so "sync_interval: 0s" is reported rather than replaced.
func (c *Config) setDefaults(present positions) {
	if c.Timezone == "" {
		c.Timezone = DefaultTimezone
	}
	if _, ok := present.lines["sync_interval"]; !ok {
		c.SyncInterval.Duration = DefaultSyncInterval
	}
	if c.Jira.Flavor == "" {
		c.Jira.Flavor = FlavorCloud
	}
	if c.Jira.ExcludeResolutions == nil { // absent; an explicit [] keeps every resolution
		c.Jira.ExcludeResolutions = DefaultExcludeResolutions()
	}
	for i := range c.Teams {
		t := &c.Teams[i]
		if t.Name == "" {
			t.Name = t.ID
		}
		if t.Timezone == "" {
			t.Timezone = c.Timezone
		}
		t.setDefaults(present, fmt.Sprintf("teams[%d]", i))
	}
}

// setDefaults fills in the team keys of issue 3 that the file left out.
// Text keys read empty as absent, as timezone does; numbers and durations
// that are present keep their value, so "max_pr_lines: 0" is reported.
func (t *Team) setDefaults(present positions, path string) {
	if t.Jira.IncidentJQL == "" {
		t.Jira.IncidentJQL = DefaultIncidentJQL
	}
	if t.Jira.PointsField == "" {
		t.Jira.PointsField = DefaultPointsField
	}
	if t.GitHub.ProductionEnvironment == "" {
		t.GitHub.ProductionEnvironment = DefaultProductionEnvironment
	}
	if t.GitHub.HotfixPattern == "" {
		t.GitHub.HotfixPattern = DefaultHotfixPattern
	}
	if _, ok := present.lines[path+".github.max_pr_lines"]; !ok {
		t.GitHub.MaxPRLines = DefaultMaxPRLines
	}
	if _, ok := present.lines[path+".dora.attribution_window"]; !ok {
		t.DORA.AttributionWindow.Duration = DefaultAttributionWindow
	}
	if t.WorkingDays == nil { // absent; an explicit [] is reported
		t.WorkingDays = DefaultWorkingDays()
	}
}

// positions is what decoding learned about paths ("teams[0].channel").
type positions struct {
	// lines holds the line each value starts on. A path is in it exactly
	// when the file gives it a non-null value.
	lines map[string]int
	// failed holds the paths whose value could not be decoded.
	failed map[string]bool
}

// locate gives validation problems the line of their path, or of the
// nearest enclosing path the file has. It drops problems about values that
// failed to decode, which would only repeat the decoding problem about the
// zero value left in their place.
func (pos positions) locate(ps Problems) Problems {
	var out Problems
	for _, p := range ps {
		if within(p.Path, pos.failed) {
			continue
		}
		for path := p.Path; ; path = parent(path) {
			if line, ok := pos.lines[path]; ok {
				p.Line = line
				break
			}
			if path == "" {
				break
			}
		}
		out = append(out, p)
	}
	return out
}

// within reports whether path is one of set or lies under one of them.
func within(path string, set map[string]bool) bool {
	for p := path; ; p = parent(p) {
		if set[p] {
			return true
		}
		if p == "" {
			return false
		}
	}
}

// parent strips the last element of a path: "teams[0].jira" -> "teams[0]"
// -> "teams" -> "".
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// walker decodes a node tree into Go values by their yaml tags, recording
// every problem instead of stopping at the first.
type walker struct {
	probs    Problems
	pos      positions
	values   int
	overflow bool
}

func (w *walker) add(path string, line int, format string, args ...any) {
	w.probs = append(w.probs, Problem{Path: path, Line: line, Message: fmt.Sprintf(format, args...)})
}

// fail records a value that could not be decoded; validation stays quiet
// about it.
func (w *walker) fail(path string, line int, format string, args ...any) {
	w.pos.failed[path] = true
	w.add(path, line, format, args...)
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

func (w *walker) walk(n *yaml.Node, path string, v reflect.Value) {
	// An alias's target is never itself an alias, but a malformed tree is no
	// reason to loop.
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	if w.overflow {
		return
	}
	if w.values++; w.values > maxValues {
		w.overflow = true
		w.probs = Problems{{Line: n.Line, Message: fmt.Sprintf("the document expands to more than %d values through aliases; write the configuration out plainly", maxValues)}}
		return
	}
	if n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode {
		w.fail(path, n.Line, "unreadable value")
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // "key:" with nothing after it reads as absent
	}
	w.pos.lines[path] = n.Line

	if reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		if err := v.Addr().Interface().(yaml.Unmarshaler).UnmarshalYAML(n); err != nil {
			w.fail(path, n.Line, "%s", err.Error())
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		w.mapping(n, path, v)
	case reflect.Slice:
		w.sequence(n, path, v)
	case reflect.Map:
		w.dictionary(n, path, v)
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			w.fail(path, n.Line, "expected a whole number such as 400, found %s", valueName(n))
			return
		}
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if err != nil || v.OverflowInt(i) {
			w.fail(path, n.Line, "%s is out of range; use a whole number such as 400", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			w.fail(path, n.Line, "expected true or false, found %s", valueName(n))
			return
		}
		b, err := strconv.ParseBool(n.Value)
		if err != nil { // YAML 1.1 spellings such as yes are not !!bool in yaml.v3
			w.fail(path, n.Line, "expected true or false, found %s", n.Value)
			return
		}
		v.SetBool(b)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			w.fail(path, n.Line, "expected text, found %s", kindName(n))
			return
		}
		v.SetString(n.Value)
	default:
		panic(fmt.Sprintf("config: no decoding for %s", v.Type())) // the types above are all this package has
	}
}

func (w *walker) mapping(n *yaml.Node, path string, v reflect.Value) {
	names := fieldNames(v.Type())
	if n.Kind != yaml.MappingNode {
		w.fail(path, n.Line, "expected a mapping with keys such as %s, found %s", strings.Join(names, ", "), kindName(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		for j := 0; k.Kind == yaml.AliasNode && k.Alias != nil && j < 8; j++ {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			w.add(path, k.Line, "found %s used as a key; keys are plain names such as %s", kindName(k), names[0])
			continue
		}
		if k.Value == "<<" && k.ShortTag() == "!!merge" {
			w.merge(val, path, v)
			continue
		}
		kp := join(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			w.add(kp, k.Line, "key written twice (first on line %d); keep one", first)
			continue
		}
		seen[k.Value] = k.Line
		f, ok := field(v, k.Value)
		if !ok {
			if s := suggest(k.Value, names); s != "" {
				w.add(kp, k.Line, "unknown key; did you mean %s?", s)
			} else {
				w.add(kp, k.Line, "unknown key; valid keys here are %s", strings.Join(names, ", "))
			}
			continue
		}
		f.SetZero() // a key of its own replaces a merged one entirely
		w.walk(val, kp, f)
	}
}

// merge applies a YAML merge key ("<<: *defaults"): the keys of the merged
// mappings, the earlier ones winning, and those of the mapping itself over all.
func (w *walker) merge(n *yaml.Node, path string, v reflect.Value) {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	sources := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		sources = n.Content
	}
	for i := len(sources) - 1; i >= 0; i-- {
		w.walk(sources[i], path, v)
	}
}

func (w *walker) sequence(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		if n.Kind == yaml.ScalarNode && v.Type().Elem().Kind() == reflect.String {
			w.fail(path, n.Line, "expected a list, found text; write [%s]", n.Value)
		} else {
			w.fail(path, n.Line, "expected a list, found %s", kindName(n))
		}
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content)) // non-nil even when empty: present, not absent
	for i, item := range n.Content {
		w.walk(item, fmt.Sprintf("%s[%d]", path, i), s.Index(i))
	}
	v.Set(s)
}

// dictionary decodes a mapping of free-form keys (such as kinds, keyed by
// issue type) into a map of strings.
func (w *walker) dictionary(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		w.fail(path, n.Line, "expected a mapping such as {Story: feature, Bug: defect}, found %s", kindName(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		for j := 0; k.Kind == yaml.AliasNode && k.Alias != nil && j < 8; j++ {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			w.add(path, k.Line, "found %s used as a key; keys are plain names such as Story", kindName(k))
			continue
		}
		if k.Value == "<<" && k.ShortTag() == "!!merge" {
			w.add(path, k.Line, "merge keys (<<) are not supported here; write the entries out")
			continue
		}
		kp := mapPath(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			w.add(kp, k.Line, "key written twice (first on line %d); keep one", first)
			continue
		}
		seen[k.Value] = k.Line
		if val.Kind == yaml.ScalarNode && val.ShortTag() == "!!null" {
			w.fail(kp, k.Line, "no value; write one after the colon, or remove the key")
			continue
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		w.walk(val, kp, elem)
		m.SetMapIndex(reflect.ValueOf(k.Value), elem)
	}
	v.Set(m)
}

// mapPath names an entry of a free-form mapping: kinds.Story, or
// kinds["Tech Debt"] when the key is not a plain name.
func mapPath(path, key string) string {
	if plainKey.MatchString(key) {
		return join(path, key)
	}
	return fmt.Sprintf("%s[%q]", path, key)
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// valueName describes a node for a problem, naming scalars by their value.
func valueName(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return fmt.Sprintf("%q", n.Value)
	}
	return kindName(n)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldNames lists a struct's YAML keys in declaration order.
func fieldNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if name := yamlName(f); name != "" {
			names = append(names, name)
		}
	}
	return names
}

func field(v reflect.Value, key string) (reflect.Value, bool) {
	for i := range v.NumField() {
		if name := yamlName(v.Type().Field(i)); name != "" && name == key {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "text"
	}
	return "something else"
}
