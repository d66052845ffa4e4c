package jiratest

import (
	"fmt"
	"hash/fnv"
	"net/url"
	"slices"
	"strings"

	"github.com/flowbot/flowbot/coach"
)

// The shapes below follow Jira's responses field for field where flowbot or
// a typical client reads them; decorative fields (avatars, icons) are kept
// so payloads look like the real thing to a decoder.

// jiraTime is the layout Jira writes timestamps in.
const jiraTime = "2006-01-02T15:04:05.000-0700"

type cloudSearchJSON struct {
	Issues        []issueJSON `json:"issues"`
	NextPageToken string      `json:"nextPageToken,omitempty"`
	IsLast        bool        `json:"isLast"`
}

type dcSearchJSON struct {
	Expand     string      `json:"expand"`
	StartAt    int         `json:"startAt"`
	MaxResults int         `json:"maxResults"`
	Total      int         `json:"total"`
	Issues     []issueJSON `json:"issues"`
}

type issueJSON struct {
	Expand    string         `json:"expand,omitempty"`
	ID        string         `json:"id"`
	Self      string         `json:"self,omitempty"`
	Key       string         `json:"key,omitempty"`
	Fields    map[string]any `json:"fields,omitempty"`
	Changelog *changelogJSON `json:"changelog,omitempty"`
}

type changelogJSON struct {
	StartAt    int           `json:"startAt"`
	MaxResults int           `json:"maxResults"`
	Total      int           `json:"total"`
	Histories  []historyJSON `json:"histories"`
}

type changelogPageJSON struct {
	Self       string        `json:"self"`
	NextPage   string        `json:"nextPage,omitempty"`
	MaxResults int           `json:"maxResults"`
	StartAt    int           `json:"startAt"`
	Total      int           `json:"total"`
	IsLast     bool          `json:"isLast"`
	Values     []historyJSON `json:"values"`
}

type historyJSON struct {
	ID      string         `json:"id"`
	Author  map[string]any `json:"author"`
	Created string         `json:"created"`
	Items   []itemJSON     `json:"items"`
}

type itemJSON struct {
	Field      string  `json:"field"`
	FieldType  string  `json:"fieldtype"`
	FieldID    string  `json:"fieldId,omitempty"`
	From       *string `json:"from"`
	FromString *string `json:"fromString"`
	To         *string `json:"to"`
	ToString   *string `json:"toString"`
}

type statusJSON struct {
	Self           string       `json:"self"`
	Description    string       `json:"description"`
	IconURL        string       `json:"iconUrl"`
	Name           string       `json:"name"`
	ID             string       `json:"id"`
	StatusCategory categoryJSON `json:"statusCategory"`
}

type categoryJSON struct {
	Self      string `json:"self"`
	ID        int    `json:"id"`
	Key       string `json:"key"`
	ColorName string `json:"colorName"`
	Name      string `json:"name"`
}

// Jira's four built-in status categories.
var categories = map[string]categoryJSON{
	"undefined":                 {ID: 1, Key: "undefined", ColorName: "medium-gray", Name: "No Category"},
	coach.CategoryNew:           {ID: 2, Key: coach.CategoryNew, ColorName: "blue-gray", Name: "To Do"},
	coach.CategoryDone:          {ID: 3, Key: coach.CategoryDone, ColorName: "green", Name: "Done"},
	coach.CategoryIndeterminate: {ID: 4, Key: coach.CategoryIndeterminate, ColorName: "yellow", Name: "In Progress"},
}

func renderStatus(base, id, name, category string) statusJSON {
	cat, ok := categories[category]
	if !ok {
		cat = categories[coach.CategoryIndeterminate]
	}
	cat.Self = fmt.Sprintf("%s/rest/api/2/statuscategory/%d", base, cat.ID)
	return statusJSON{
		Self:           base + "/rest/api/2/status/" + id,
		IconURL:        base + "/images/icons/statuses/generic.png",
		Name:           name,
		ID:             id,
		StatusCategory: cat,
	}
}

// fieldSet is the fields parameter: which fields to render.
type fieldSet struct {
	all   bool
	names map[string]bool
}

func (f fieldSet) has(name string) bool { return f.all || f.names[name] }

func (f fieldSet) empty() bool { return !f.all && len(f.names) == 0 }

// parseFields reads fields=... ; navigableByDefault says what an absent
// parameter means (Data Center and issue GET: every navigable field; Cloud
// enhanced search: nothing but the id).
func parseFields(q url.Values, navigableByDefault bool) fieldSet {
	names := listParam(q, "fields")
	if len(names) == 0 {
		return fieldSet{all: navigableByDefault}
	}
	fs := fieldSet{names: map[string]bool{}}
	for n := range names {
		switch {
		case n == "*all" || n == "*navigable":
			fs.all = true
		case strings.HasPrefix(n, "-"):
		default:
			fs.names[n] = true
		}
	}
	for n := range names {
		if strings.HasPrefix(n, "-") && fs.all {
			// Exclusions only matter next to *all; model them by listing
			// what remains.
			fs.all = false
			for _, f := range allFields {
				if !names["-"+f] {
					fs.names[f] = true
				}
			}
		}
	}
	return fs
}

var allFields = []string{
	"summary", "status", "issuetype", "resolution", "assignee", "created", "updated", "project",
	"parent", "resolutiondate", "issuelinks", "comment", PointsField, FlaggedField, EpicLinkField,
}

// renderComments draws the comment field: its first page, of at most
// limit comments (0: all), oldest first.
func (s *Server) renderComments(base string, rec *record, limit int) map[string]any {
	cs := rec.Comments
	if limit > 0 && len(cs) > limit {
		cs = cs[:limit]
	}
	list := make([]map[string]any, 0, len(cs))
	for i, c := range cs {
		updated := c.Updated
		if updated.IsZero() {
			updated = c.Created
		}
		author := s.user(base, c.Author)
		cm := map[string]any{
			"self":         base + "/rest/api/2/issue/" + rec.ID + "/comment/" + rec.commentIDs[i],
			"id":           rec.commentIDs[i],
			"author":       author,
			"body":         c.Body,
			"updateAuthor": author,
			"created":      c.Created.In(s.loc).Format(jiraTime),
			"updated":      updated.In(s.loc).Format(jiraTime),
		}
		if s.flavor == Cloud {
			cm["jsdPublic"] = true
		}
		list = append(list, cm)
	}
	return map[string]any{
		"self":     base + "/rest/api/2/issue/" + rec.ID + "/comment",
		"comments": list, "maxResults": len(list), "total": len(rec.Comments), "startAt": 0,
	}
}

// renderIssue draws one issue; limit caps the inlined changelog at the
// most recent histories, comments the comment field at the oldest
// comments (0: no cap).
func (s *Server) renderIssue(base string, rec *record, fields fieldSet, changelog bool, limit, comments int) issueJSON {
	out := issueJSON{ID: rec.ID}
	if !fields.empty() {
		out.Expand = "operations,versionedRepresentations,editmeta,changelog,renderedFields"
		out.Self = base + "/rest/api/2/issue/" + rec.ID
		out.Key = rec.Key
		out.Fields = s.renderFields(base, rec, fields, comments)
	}
	if changelog {
		hs := rec.histories
		if limit > 0 && len(hs) > limit {
			hs = hs[len(hs)-limit:]
		}
		cl := &changelogJSON{MaxResults: len(hs), Total: len(rec.histories), Histories: make([]historyJSON, 0, len(hs))}
		for _, h := range hs {
			cl.Histories = append(cl.Histories, s.renderHistory(base, h))
		}
		if s.flavor == Cloud {
			// Cloud inlines the most recent changes first.
			slices.Reverse(cl.Histories)
		}
		out.Changelog = cl
	}
	return out
}

func (s *Server) renderFields(base string, rec *record, fs fieldSet, comments int) map[string]any {
	f := map[string]any{}
	if fs.has("summary") {
		f["summary"] = rec.Summary
	}
	if fs.has("status") {
		f["status"] = renderStatus(base, s.statusID(rec.Status), rec.Status, s.category(rec.Status))
	}
	if fs.has("issuetype") {
		t := s.types[strings.ToLower(rec.Type)]
		it := map[string]any{
			"self":        base + "/rest/api/2/issuetype/" + t.id,
			"id":          t.id,
			"description": "",
			"iconUrl":     base + "/images/icons/issuetypes/" + strings.ToLower(t.name) + ".svg",
			"name":        rec.Type,
			"subtask":     rec.Subtask,
		}
		if s.flavor == Cloud {
			level := 0
			switch {
			case rec.Subtask:
				level = -1
			case strings.EqualFold(rec.Type, "Epic"):
				level = 1
			}
			it["avatarId"] = 10315
			it["hierarchyLevel"] = level
		}
		f["issuetype"] = it
	}
	if fs.has("resolution") {
		if rec.Resolution == "" {
			f["resolution"] = nil
		} else {
			id, ok := s.resIDs[strings.ToLower(rec.Resolution)]
			if !ok {
				id = fmt.Sprint(10000 + len(s.resIDs))
				s.resIDs[strings.ToLower(rec.Resolution)] = id
			}
			f["resolution"] = map[string]any{
				"self": base + "/rest/api/2/resolution/" + id, "id": id, "description": "", "name": rec.Resolution,
			}
		}
	}
	if fs.has("assignee") {
		if rec.Assignee == "" {
			f["assignee"] = nil
		} else {
			f["assignee"] = s.user(base, rec.Assignee)
		}
	}
	if fs.has("created") {
		f["created"] = rec.Created.In(s.loc).Format(jiraTime)
	}
	if fs.has("updated") {
		f["updated"] = rec.Updated.In(s.loc).Format(jiraTime)
	}
	if fs.has("parent") && rec.Parent != "" && (s.flavor == Cloud || rec.Subtask) {
		// Jira leaves the field out when there is no parent. Data Center
		// has it for sub-tasks only.
		f["parent"] = s.renderRelated(base, rec.Parent)
	}
	if fs.has(EpicLinkField) && s.flavor == DataCenter {
		f[EpicLinkField] = nil
		if rec.Parent != "" && !rec.Subtask && s.isEpic(rec.Parent) {
			f[EpicLinkField] = strings.ToUpper(rec.Parent)
		}
	}
	if fs.has("resolutiondate") {
		f["resolutiondate"] = nil
		if !rec.Resolved.IsZero() {
			f["resolutiondate"] = rec.Resolved.In(s.loc).Format(jiraTime)
		}
	}
	if fs.has(PointsField) {
		f[PointsField] = nil
		if rec.Estimated {
			f[PointsField] = rec.Points
		}
	}
	if fs.has(FlaggedField) {
		f[FlaggedField] = nil
		if flagged(rec.History) {
			f[FlaggedField] = []any{map[string]any{
				"self": base + "/rest/api/2/customFieldOption/" + flaggedOptionID, "value": impediment, "id": flaggedOptionID,
			}}
		}
	}
	if fs.has("issuelinks") {
		f["issuelinks"] = s.renderLinks(base, rec)
	}
	if fs.has("comment") {
		f["comment"] = s.renderComments(base, rec, comments)
	}
	if fs.has("project") {
		id := s.projectIDs[rec.Project]
		f["project"] = map[string]any{
			"self": base + "/rest/api/2/project/" + id, "id": id, "key": rec.Project, "name": rec.Project,
			"projectTypeKey": "software", "avatarUrls": avatars(base + "/secure/projectavatar?pid=" + id),
		}
	}
	return f
}

// The Flagged field's one option.
const (
	impediment      = "Impediment"
	flaggedOptionID = "10019"
)

// flagged reports whether the latest Flagged change (history is oldest
// first) set the flag.
func flagged(history []Change) bool {
	for i := len(history) - 1; i >= 0; i-- {
		if strings.EqualFold(history[i].Field, "Flagged") {
			return history[i].To != ""
		}
	}
	return false
}

// renderRelated draws an issue as Jira nests it in another's parent or
// issuelinks: id, key, self and summary, status (with its category, which
// clients read) and issue type. Jira adds priority, which the stand-in
// does not model.
func (s *Server) renderRelated(base, key string) map[string]any {
	rec := s.issues[strings.ToUpper(key)]
	if rec == nil {
		// A parent that is not held: Jira cannot have one, but a test may
		// leave it out; the key is what clients need.
		return map[string]any{"key": strings.ToUpper(key)}
	}
	t := s.types[strings.ToLower(rec.Type)]
	it := map[string]any{
		"self": base + "/rest/api/2/issuetype/" + t.id, "id": t.id, "description": "",
		"iconUrl": base + "/images/icons/issuetypes/" + strings.ToLower(t.name) + ".svg",
		"name":    rec.Type, "subtask": rec.Subtask,
	}
	return map[string]any{
		"id":   rec.ID,
		"key":  rec.Key,
		"self": base + "/rest/api/2/issue/" + rec.ID,
		"fields": map[string]any{
			"summary":   rec.Summary,
			"status":    renderStatus(base, s.statusID(rec.Status), rec.Status, s.category(rec.Status)),
			"issuetype": it,
		},
	}
}

// Link types every site has, by name: inward and outward descriptions.
var linkTypes = map[string]struct{ id, inward, outward string }{
	"blocks":    {"10000", "is blocked by", "blocks"},
	"cloners":   {"10001", "is cloned by", "clones"},
	"duplicate": {"10002", "is duplicated by", "duplicates"},
	"relates":   {"10003", "relates to", "relates to"},
}

// renderLinks draws an issue's links: those it declares, then those other
// issues declare to it, reversed. Links to issues the server does not hold
// are left out (Jira cannot link to an issue that does not exist), and a
// link declared on both sides is drawn once.
func (s *Server) renderLinks(base string, rec *record) []any {
	type side struct {
		id   string
		link IssueLink
	}
	var sides []side
	for i, l := range rec.Links {
		sides = append(sides, side{rec.linkIDs[i], l})
	}
	for _, ref := range s.reverse[strings.ToUpper(rec.Key)] {
		sides = append(sides, side{ref.id, IssueLink{Type: ref.link.Type, Inward: !ref.link.Inward, Key: ref.from}})
	}
	out := []any{}
	seen := map[IssueLink]bool{}
	for _, sd := range sides {
		l := sd.link
		l.Key = strings.ToUpper(l.Key)
		norm := IssueLink{Type: strings.ToLower(l.Type), Inward: l.Inward, Key: l.Key}
		if seen[norm] || s.issues[l.Key] == nil {
			continue
		}
		seen[norm] = true
		lt, ok := linkTypes[strings.ToLower(l.Type)]
		if !ok {
			lt.id = fmt.Sprint(10100 + fnvMod(strings.ToLower(l.Type), 900))
			lt.inward, lt.outward = strings.ToLower(l.Type), strings.ToLower(l.Type)
		}
		m := map[string]any{
			"id":   sd.id,
			"self": base + "/rest/api/2/issueLink/" + sd.id,
			"type": map[string]any{
				"id": lt.id, "name": l.Type, "inward": lt.inward, "outward": lt.outward,
				"self": base + "/rest/api/2/issueLinkType/" + lt.id,
			},
		}
		if l.Inward {
			m["inwardIssue"] = s.renderRelated(base, l.Key)
		} else {
			m["outwardIssue"] = s.renderRelated(base, l.Key)
		}
		out = append(out, m)
	}
	return out
}

func fnvMod(s string, n uint64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64() % n
}

func (s *Server) category(status string) string {
	for _, st := range s.statuses {
		if strings.EqualFold(st.Name, status) {
			return st.Category
		}
	}
	return coach.CategoryIndeterminate
}

func (s *Server) renderHistory(base string, h history) historyJSON {
	out := historyJSON{ID: h.id, Author: s.user(base, h.author), Created: h.at.In(s.loc).Format(jiraTime)}
	for _, ch := range h.changes {
		it := itemJSON{Field: ch.Field, FieldType: "custom", FromString: optional(ch.From), ToString: optional(ch.To)}
		switch strings.ToLower(ch.Field) {
		case "status":
			it.FieldType = "jira"
			it.From = optional(s.statusID(ch.From))
			it.To = optional(s.statusID(ch.To))
		case "resolution", "assignee", "summary", "priority", "labels", "description", "issuetype", "reporter":
			it.FieldType = "jira"
		case "flagged":
			// A checkbox: the option id in brackets, its value as the string.
			if ch.From != "" {
				it.From = optional("[" + flaggedOptionID + "]")
			}
			if ch.To != "" {
				it.To = optional("[" + flaggedOptionID + "]")
			}
			if s.flavor == Cloud {
				it.FieldID = FlaggedField
			}
		}
		if s.flavor == Cloud && it.FieldType == "jira" {
			it.FieldID = strings.ToLower(ch.Field)
		}
		out.Items = append(out.Items, it)
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// user draws a user the way each flavor identifies people: Cloud by an
// opaque account id, Data Center by user name and key.
func (s *Server) user(base, displayName string) map[string]any {
	h := fnv.New64a()
	h.Write([]byte(displayName))
	sum := h.Sum64()
	known, isKnown := s.users[displayName]
	if s.flavor == Cloud {
		id := fmt.Sprintf("712020:%016x", sum)
		if known.AccountID != "" {
			id = known.AccountID
		}
		u := map[string]any{
			"self":        base + "/rest/api/2/user?accountId=" + id,
			"accountId":   id,
			"avatarUrls":  avatars(base + "/avatar/" + id),
			"displayName": displayName,
			"active":      true,
			"timeZone":    s.tz,
			"accountType": "atlassian",
		}
		if known.Email != "" {
			u["emailAddress"] = known.Email
		}
		return u
	}
	name := strings.ReplaceAll(strings.ToLower(displayName), " ", ".")
	email := name + "@example.com"
	key := fmt.Sprintf("JIRAUSER%d", 10000+sum%90000)
	if isKnown {
		if known.Key != "" {
			key = known.Key
		}
		email = known.Email
		if known.Name != "" {
			name = known.Name
		}
	}
	u := map[string]any{
		"self":        base + "/rest/api/2/user?username=" + url.QueryEscape(name),
		"name":        name,
		"key":         key,
		"avatarUrls":  avatars(base + "/secure/useravatar?ownerId=" + url.QueryEscape(name)),
		"displayName": displayName,
		"active":      true,
		"timeZone":    s.tz,
	}
	if email != "" {
		u["emailAddress"] = email
	}
	return u
}

func avatars(prefix string) map[string]string {
	sep := "?"
	if strings.Contains(prefix, "?") {
		sep = "&"
	}
	out := map[string]string{}
	for _, size := range []string{"16x16", "24x24", "32x32", "48x48"} {
		out[size] = prefix + sep + "size=" + size
	}
	return out
}
