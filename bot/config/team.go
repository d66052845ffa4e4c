package config

import (
	"regexp"
	"strings"
	"time"
)

// Defaults for the per-team keys of issue 3, applied by Parse when a key is
// absent.
const (
	DefaultIncidentJQL           = "issuetype = Incident"
	DefaultPointsField           = "customfield_10016"
	DefaultProductionEnvironment = "(?i)^prod"
	DefaultMaxPRLines            = 400
	DefaultHotfixPattern         = "(?i)^hotfix[/-]"
	DefaultAttributionWindow     = 48 * time.Hour
)

// Work item kinds, as KindOf returns them.
const (
	KindFeature = "feature"
	KindDefect  = "defect"
	KindRisk    = "risk"
	KindDebt    = "debt"
	KindOther   = "other"
)

// The default patterns, compiled once; a *regexp.Regexp is safe for
// concurrent use and these are never changed.
var (
	defaultProdEnv = regexp.MustCompile(DefaultProductionEnvironment)
	defaultHotfix  = regexp.MustCompile(DefaultHotfixPattern)
)

// DefaultWorkingDays are the working days when working_days is absent.
func DefaultWorkingDays() []string {
	return []string{"Mon", "Tue", "Wed", "Thu", "Fri"}
}

// DefaultKinds maps Jira issue types, lowercased, to kinds. A team's kinds
// are merged over it.
func DefaultKinds() map[string]string {
	return map[string]string{
		"story":          KindFeature,
		"feature":        KindFeature,
		"epic":           KindFeature,
		"task":           KindFeature,
		"improvement":    KindFeature,
		"bug":            KindDefect,
		"defect":         KindDefect,
		"incident":       KindDefect,
		"risk":           KindRisk,
		"security":       KindRisk,
		"vulnerability":  KindRisk,
		"spike":          KindRisk,
		"debt":           KindDebt,
		"tech debt":      KindDebt,
		"technical debt": KindDebt,
		"chore":          KindDebt,
		"refactor":       KindDebt,
	}
}

// validKind reports whether k (in any case) is a kind a team may map an
// issue type to. "other" is allowed so a team can take a type out of the
// four kinds the defaults give it.
func validKind(k string) bool {
	switch strings.ToLower(strings.TrimSpace(k)) {
	case KindFeature, KindDefect, KindRisk, KindDebt, KindOther:
		return true
	}
	return false
}

// kindKey normalises an issue type for lookup: case and surrounding space
// do not matter.
func kindKey(issueType string) string {
	return strings.ToLower(strings.TrimSpace(issueType))
}

// KindOf returns the kind of a Jira issue type: feature, defect, risk, debt,
// or other. The team's kinds come first, then DefaultKinds; issue types are
// matched regardless of case.
func (t *Team) KindOf(issueType string) string {
	key := kindKey(issueType)
	for k, v := range t.Kinds {
		if kindKey(k) == key && validKind(v) {
			return strings.ToLower(strings.TrimSpace(v))
		}
	}
	if kind, ok := DefaultKinds()[key]; ok {
		return kind
	}
	return KindOther
}

// parseWeekday reads a day name as working_days accepts it: Mon or Monday,
// in any case.
func parseWeekday(name string) (time.Weekday, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	for d := time.Sunday; d <= time.Saturday; d++ {
		full := strings.ToLower(d.String())
		if n == full || n == full[:3] {
			return d, true
		}
	}
	return 0, false
}

// Workdays says, indexed by time.Weekday, which days count as working
// time. A team built in code without working days, or with none that
// read as days, works Monday to Friday.
func (t *Team) Workdays() [7]bool {
	var days [7]bool
	found := false
	for _, name := range t.WorkingDays {
		if d, ok := parseWeekday(name); ok {
			days[d] = true
			found = true
		}
	}
	if !found {
		for _, name := range DefaultWorkingDays() {
			d, _ := parseWeekday(name)
			days[d] = true
		}
	}
	return days
}

// ProductionEnvironment matches the names of the team's production
// deployment environments. After Parse (or a clean Validate) it is the
// pattern compiled at validation. A Team built in code and never validated
// gets its pattern compiled on each call, and the default if it is empty or
// does not compile. It is never nil.
func (t *Team) ProductionEnvironment() *regexp.Regexp {
	if t.prodEnv != nil {
		return t.prodEnv
	}
	return compileOr(t.GitHub.ProductionEnvironment, defaultProdEnv)
}

// HotfixPattern matches the head branch or title of the team's hotfix pull
// requests; it is never nil, and falls back as ProductionEnvironment does.
func (t *Team) HotfixPattern() *regexp.Regexp {
	if t.hotfix != nil {
		return t.hotfix
	}
	return compileOr(t.GitHub.HotfixPattern, defaultHotfix)
}

func compileOr(expr string, fallback *regexp.Regexp) *regexp.Regexp {
	if expr == "" {
		return fallback
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return fallback
	}
	return re
}
