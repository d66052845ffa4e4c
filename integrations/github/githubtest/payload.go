package githubtest

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"
	"time"
)

// The types below spell out GitHub's JSON field by field, in GitHub's
// order, as in the pulls/get, pulls/list and pulls/list-reviews examples
// of GitHub's OpenAPI description (testdata/ holds copies; the shape test
// compares against them). Those examples disagree on the repository object
// inside head and base; repoJSON serves the union of their fields.

// stamp is a GitHub timestamp: RFC 3339 in UTC to the second, null when zero.
type stamp time.Time

func (t stamp) MarshalJSON() ([]byte, error) {
	if time.Time(t).IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(time.Time(t).UTC().Truncate(time.Second).Format(time.RFC3339))
}

type href struct {
	Href string `json:"href"`
}

type userJSON struct {
	Login             string `json:"login"`
	ID                int64  `json:"id"`
	NodeID            string `json:"node_id"`
	AvatarURL         string `json:"avatar_url"`
	GravatarID        string `json:"gravatar_id"`
	URL               string `json:"url"`
	HTMLURL           string `json:"html_url"`
	FollowersURL      string `json:"followers_url"`
	FollowingURL      string `json:"following_url"`
	GistsURL          string `json:"gists_url"`
	StarredURL        string `json:"starred_url"`
	SubscriptionsURL  string `json:"subscriptions_url"`
	OrganizationsURL  string `json:"organizations_url"`
	ReposURL          string `json:"repos_url"`
	EventsURL         string `json:"events_url"`
	ReceivedEventsURL string `json:"received_events_url"`
	Type              string `json:"type"`
	SiteAdmin         bool   `json:"site_admin"`
}

type permissionsJSON struct {
	Admin bool `json:"admin"`
	Push  bool `json:"push"`
	Pull  bool `json:"pull"`
}

type repoJSON struct {
	ID               int64           `json:"id"`
	NodeID           string          `json:"node_id"`
	Name             string          `json:"name"`
	FullName         string          `json:"full_name"`
	Owner            userJSON        `json:"owner"`
	Private          bool            `json:"private"`
	HTMLURL          string          `json:"html_url"`
	Description      *string         `json:"description"`
	Fork             bool            `json:"fork"`
	URL              string          `json:"url"`
	ArchiveURL       string          `json:"archive_url"`
	AssigneesURL     string          `json:"assignees_url"`
	BlobsURL         string          `json:"blobs_url"`
	BranchesURL      string          `json:"branches_url"`
	CollaboratorsURL string          `json:"collaborators_url"`
	CommentsURL      string          `json:"comments_url"`
	CommitsURL       string          `json:"commits_url"`
	CompareURL       string          `json:"compare_url"`
	ContentsURL      string          `json:"contents_url"`
	ContributorsURL  string          `json:"contributors_url"`
	DeploymentsURL   string          `json:"deployments_url"`
	DownloadsURL     string          `json:"downloads_url"`
	EventsURL        string          `json:"events_url"`
	ForksURL         string          `json:"forks_url"`
	GitCommitsURL    string          `json:"git_commits_url"`
	GitRefsURL       string          `json:"git_refs_url"`
	GitTagsURL       string          `json:"git_tags_url"`
	GitURL           string          `json:"git_url"`
	IssueCommentURL  string          `json:"issue_comment_url"`
	IssueEventsURL   string          `json:"issue_events_url"`
	IssuesURL        string          `json:"issues_url"`
	KeysURL          string          `json:"keys_url"`
	LabelsURL        string          `json:"labels_url"`
	LanguagesURL     string          `json:"languages_url"`
	MergesURL        string          `json:"merges_url"`
	MilestonesURL    string          `json:"milestones_url"`
	NotificationsURL string          `json:"notifications_url"`
	PullsURL         string          `json:"pulls_url"`
	ReleasesURL      string          `json:"releases_url"`
	SSHURL           string          `json:"ssh_url"`
	StargazersURL    string          `json:"stargazers_url"`
	StatusesURL      string          `json:"statuses_url"`
	SubscribersURL   string          `json:"subscribers_url"`
	SubscriptionURL  string          `json:"subscription_url"`
	TagsURL          string          `json:"tags_url"`
	TeamsURL         string          `json:"teams_url"`
	TreesURL         string          `json:"trees_url"`
	CloneURL         string          `json:"clone_url"`
	MirrorURL        *string         `json:"mirror_url"`
	HooksURL         string          `json:"hooks_url"`
	SvnURL           string          `json:"svn_url"`
	Homepage         *string         `json:"homepage"`
	Language         *string         `json:"language"`
	ForksCount       int             `json:"forks_count"`
	StargazersCount  int             `json:"stargazers_count"`
	WatchersCount    int             `json:"watchers_count"`
	Size             int             `json:"size"`
	DefaultBranch    string          `json:"default_branch"`
	OpenIssuesCount  int             `json:"open_issues_count"`
	IsTemplate       bool            `json:"is_template"`
	Topics           []string        `json:"topics"`
	HasIssues        bool            `json:"has_issues"`
	HasProjects      bool            `json:"has_projects"`
	HasWiki          bool            `json:"has_wiki"`
	HasPages         bool            `json:"has_pages"`
	HasDownloads     bool            `json:"has_downloads"`
	HasDiscussions   bool            `json:"has_discussions"`
	Archived         bool            `json:"archived"`
	Disabled         bool            `json:"disabled"`
	Visibility       string          `json:"visibility"`
	PushedAt         stamp           `json:"pushed_at"`
	CreatedAt        stamp           `json:"created_at"`
	UpdatedAt        stamp           `json:"updated_at"`
	Permissions      permissionsJSON `json:"permissions"`
	AllowRebaseMerge bool            `json:"allow_rebase_merge"`
	TemplateRepo     any             `json:"template_repository"`
	TempCloneToken   string          `json:"temp_clone_token"`
	AllowSquashMerge bool            `json:"allow_squash_merge"`
	AllowAutoMerge   bool            `json:"allow_auto_merge"`
	DeleteBranch     bool            `json:"delete_branch_on_merge"`
	AllowMergeCommit bool            `json:"allow_merge_commit"`
	Subscribers      int             `json:"subscribers_count"`
	Network          int             `json:"network_count"`
	AllowForking     bool            `json:"allow_forking"`
	Forks            int             `json:"forks"`
	OpenIssues       int             `json:"open_issues"`
	License          any             `json:"license"`
	Watchers         int             `json:"watchers"`
}

type branchJSON struct {
	Label string   `json:"label"`
	Ref   string   `json:"ref"`
	SHA   string   `json:"sha"`
	User  userJSON `json:"user"`
	Repo  repoJSON `json:"repo"`
}

type pullLinksJSON struct {
	Self           href `json:"self"`
	HTML           href `json:"html"`
	Issue          href `json:"issue"`
	Comments       href `json:"comments"`
	ReviewComments href `json:"review_comments"`
	ReviewComment  href `json:"review_comment"`
	Commits        href `json:"commits"`
	Statuses       href `json:"statuses"`
}

// pullSimpleJSON is a pull-request-simple: what the list endpoint serves.
type pullSimpleJSON struct {
	URL                string        `json:"url"`
	ID                 int64         `json:"id"`
	NodeID             string        `json:"node_id"`
	HTMLURL            string        `json:"html_url"`
	DiffURL            string        `json:"diff_url"`
	PatchURL           string        `json:"patch_url"`
	IssueURL           string        `json:"issue_url"`
	CommitsURL         string        `json:"commits_url"`
	ReviewCommentsURL  string        `json:"review_comments_url"`
	ReviewCommentURL   string        `json:"review_comment_url"`
	CommentsURL        string        `json:"comments_url"`
	StatusesURL        string        `json:"statuses_url"`
	Number             int           `json:"number"`
	State              string        `json:"state"`
	Locked             bool          `json:"locked"`
	Title              string        `json:"title"`
	User               userJSON      `json:"user"`
	Body               *string       `json:"body"`
	Labels             []any         `json:"labels"`
	Milestone          any           `json:"milestone"`
	ActiveLockReason   *string       `json:"active_lock_reason"`
	CreatedAt          stamp         `json:"created_at"`
	UpdatedAt          stamp         `json:"updated_at"`
	ClosedAt           stamp         `json:"closed_at"`
	MergedAt           stamp         `json:"merged_at"`
	MergeCommitSHA     string        `json:"merge_commit_sha"`
	Assignee           any           `json:"assignee"`
	Assignees          []userJSON    `json:"assignees"`
	RequestedReviewers []userJSON    `json:"requested_reviewers"`
	RequestedTeams     []any         `json:"requested_teams"`
	Head               branchJSON    `json:"head"`
	Base               branchJSON    `json:"base"`
	Links              pullLinksJSON `json:"_links"`
	AuthorAssociation  string        `json:"author_association"`
	AutoMerge          any           `json:"auto_merge"`
	Draft              bool          `json:"draft"`
}

// pullJSON is a full pull-request: what the single-PR endpoint serves. The
// embedded simple fields come first, as in GitHub's.
type pullJSON struct {
	pullSimpleJSON
	Merged              bool      `json:"merged"`
	Mergeable           *bool     `json:"mergeable"`
	Rebaseable          *bool     `json:"rebaseable"`
	MergeableState      string    `json:"mergeable_state"`
	MergedBy            *userJSON `json:"merged_by"`
	Comments            int       `json:"comments"`
	ReviewComments      int       `json:"review_comments"`
	MaintainerCanModify bool      `json:"maintainer_can_modify"`
	Commits             int       `json:"commits"`
	Additions           int       `json:"additions"`
	Deletions           int       `json:"deletions"`
	ChangedFiles        int       `json:"changed_files"`
}

type reviewLinksJSON struct {
	HTML        href `json:"html"`
	PullRequest href `json:"pull_request"`
}

type reviewJSON struct {
	ID                int64           `json:"id"`
	NodeID            string          `json:"node_id"`
	User              userJSON        `json:"user"`
	Body              string          `json:"body"`
	State             string          `json:"state"`
	HTMLURL           string          `json:"html_url"`
	PullRequestURL    string          `json:"pull_request_url"`
	Links             reviewLinksJSON `json:"_links"`
	SubmittedAt       *stamp          `json:"submitted_at,omitempty"` // absent on PENDING reviews
	CommitID          string          `json:"commit_id"`
	AuthorAssociation string          `json:"author_association"`
}

// renderer builds payloads with the server's URLs: api is the API base
// (ending in "/"), web the site root for html_url and friends.
type renderer struct {
	api, web string
	host     string
}

func newRenderer(api, web string) renderer {
	u, _ := url.Parse(web)
	return renderer{api: api, web: web, host: u.Host}
}

// nodeID mimics GitHub's legacy global IDs: base64 of "0{len}:{Type}{id}",
// e.g. "MDQ6VXNlcjE=" for user 1.
func nodeID(typ string, id int64) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "0%d:%s%d", len(typ), typ, id))
}

// userID gives every login a stable id, so payloads are reproducible.
func userID(login string) int64 {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(login)))
	return int64(h.Sum32()%90_000_000) + 1
}

// sha is a stable fake commit id.
func sha(parts ...any) string {
	sum := sha1.Sum(fmt.Append(nil, parts...))
	return hex.EncodeToString(sum[:])
}

func (rd renderer) user(login, typ string) userJSON {
	id := userID(login)
	api := rd.api + "users/" + url.PathEscape(login)
	html := rd.web + url.PathEscape(login)
	if typ == "Bot" {
		html = rd.web + "apps/" + url.PathEscape(strings.TrimSuffix(login, "[bot]"))
	}
	return userJSON{
		Login:             login,
		ID:                id,
		NodeID:            nodeID(typ, id),
		AvatarURL:         fmt.Sprintf("%savatars/u/%d?v=4", rd.web, id),
		GravatarID:        "",
		URL:               api,
		HTMLURL:           html,
		FollowersURL:      api + "/followers",
		FollowingURL:      api + "/following{/other_user}",
		GistsURL:          api + "/gists{/gist_id}",
		StarredURL:        api + "/starred{/owner}{/repo}",
		SubscriptionsURL:  api + "/subscriptions",
		OrganizationsURL:  api + "/orgs",
		ReposURL:          api + "/repos",
		EventsURL:         api + "/events{/privacy}",
		ReceivedEventsURL: api + "/received_events",
		Type:              typ,
		SiteAdmin:         false,
	}
}

// repo renders a repository; created and pushed bound its pull requests'
// times, which is all the stand-in knows of its history.
func (rd renderer) repo(rs *repoState, created, pushed time.Time) repoJSON {
	full := rs.owner + "/" + rs.name
	api := rd.api + "repos/" + full
	html := rd.web + full
	return repoJSON{
		ID: rs.id, NodeID: nodeID("Repository", rs.id),
		Name: rs.name, FullName: full,
		Owner:   rd.user(rs.owner, "User"),
		HTMLURL: html, URL: api,
		ArchiveURL:       api + "/{archive_format}{/ref}",
		AssigneesURL:     api + "/assignees{/user}",
		BlobsURL:         api + "/git/blobs{/sha}",
		BranchesURL:      api + "/branches{/branch}",
		CollaboratorsURL: api + "/collaborators{/collaborator}",
		CommentsURL:      api + "/comments{/number}",
		CommitsURL:       api + "/commits{/sha}",
		CompareURL:       api + "/compare/{base}...{head}",
		ContentsURL:      api + "/contents/{+path}",
		ContributorsURL:  api + "/contributors",
		DeploymentsURL:   api + "/deployments",
		DownloadsURL:     api + "/downloads",
		EventsURL:        api + "/events",
		ForksURL:         api + "/forks",
		GitCommitsURL:    api + "/git/commits{/sha}",
		GitRefsURL:       api + "/git/refs{/sha}",
		GitTagsURL:       api + "/git/tags{/sha}",
		GitURL:           "git://" + rd.host + "/" + full + ".git",
		IssueCommentURL:  api + "/issues/comments{/number}",
		IssueEventsURL:   api + "/issues/events{/number}",
		IssuesURL:        api + "/issues{/number}",
		KeysURL:          api + "/keys{/key_id}",
		LabelsURL:        api + "/labels{/name}",
		LanguagesURL:     api + "/languages",
		MergesURL:        api + "/merges",
		MilestonesURL:    api + "/milestones{/number}",
		NotificationsURL: api + "/notifications{?since,all,participating}",
		PullsURL:         api + "/pulls{/number}",
		ReleasesURL:      api + "/releases{/id}",
		SSHURL:           "git@" + rd.host + ":" + full + ".git",
		StargazersURL:    api + "/stargazers",
		StatusesURL:      api + "/statuses/{sha}",
		SubscribersURL:   api + "/subscribers",
		SubscriptionURL:  api + "/subscription",
		TagsURL:          api + "/tags",
		TeamsURL:         api + "/teams",
		TreesURL:         api + "/git/trees{/sha}",
		CloneURL:         html + ".git",
		HooksURL:         api + "/hooks",
		SvnURL:           html,
		DefaultBranch:    rs.defaultBranch,
		Visibility:       "public",
		Topics:           []string{},
		HasIssues:        true, HasProjects: true, HasWiki: true, HasDownloads: true,
		PushedAt: stamp(pushed), CreatedAt: stamp(created), UpdatedAt: stamp(pushed),
		Permissions:      permissionsJSON{Pull: true},
		AllowRebaseMerge: true, AllowSquashMerge: true, AllowMergeCommit: true, AllowForking: true,
	}
}

func (rd renderer) pullSimple(rs *repoState, sp *storedPull, repo repoJSON) pullSimpleJSON {
	p := sp.PullRequest
	full := rs.owner + "/" + rs.name
	api := rd.api + "repos/" + full
	self := fmt.Sprintf("%s/pulls/%d", api, p.Number)
	html := fmt.Sprintf("%s%s/pull/%d", rd.web, full, p.Number)
	issue := fmt.Sprintf("%s/issues/%d", api, p.Number)
	headSHA := sha(full, p.Number, "head", p.Updated.Unix())
	owner := rd.user(rs.owner, "User")
	return pullSimpleJSON{
		URL: self, ID: sp.id, NodeID: nodeID("PullRequest", sp.id),
		HTMLURL: html, DiffURL: html + ".diff", PatchURL: html + ".patch",
		IssueURL:           issue,
		CommitsURL:         self + "/commits",
		ReviewCommentsURL:  self + "/comments",
		ReviewCommentURL:   api + "/pulls/comments{/number}",
		CommentsURL:        issue + "/comments",
		StatusesURL:        api + "/statuses/" + headSHA,
		Number:             p.Number,
		State:              p.State,
		Title:              p.Title,
		User:               rd.user(p.User, p.UserType),
		Labels:             []any{},
		CreatedAt:          stamp(p.Created),
		UpdatedAt:          stamp(p.Updated),
		ClosedAt:           stamp(p.Closed),
		MergedAt:           stamp(p.Merged),
		MergeCommitSHA:     cmpOr(p.MergeCommitSHA, sha(full, p.Number, "merge", p.Updated.Unix())),
		Body:               body(p.Body),
		Assignees:          []userJSON{},
		RequestedReviewers: rd.users(p.RequestedReviewers),
		RequestedTeams:     []any{},
		Head:               branchJSON{Label: rs.owner + ":" + p.Head, Ref: p.Head, SHA: headSHA, User: owner, Repo: repo},
		Base:               branchJSON{Label: rs.owner + ":" + p.Base, Ref: p.Base, SHA: sha(full, p.Base, p.Created.Unix()), User: owner, Repo: repo},
		Links: pullLinksJSON{
			Self: href{self}, HTML: href{html}, Issue: href{issue},
			Comments:       href{issue + "/comments"},
			ReviewComments: href{self + "/comments"},
			ReviewComment:  href{api + "/pulls/comments{/number}"},
			Commits:        href{self + "/commits"},
			Statuses:       href{api + "/statuses/" + headSHA},
		},
		AuthorAssociation: association(p.UserType),
		Draft:             p.Draft,
	}
}

func (rd renderer) pull(rs *repoState, sp *storedPull, repo repoJSON) pullJSON {
	p := sp.PullRequest
	out := pullJSON{
		pullSimpleJSON: rd.pullSimple(rs, sp, repo),
		Merged:         !p.Merged.IsZero(),
		MergeableState: "unknown",
		Commits:        p.Commits,
		Additions:      p.Additions,
		Deletions:      p.Deletions,
		ChangedFiles:   p.ChangedFiles,
	}
	if p.State == "open" {
		yes := true
		out.Mergeable, out.Rebaseable = &yes, &yes
		out.MergeableState = "clean"
		if p.Draft {
			out.MergeableState = "draft"
		}
		out.MaintainerCanModify = true
	}
	if out.Merged {
		// Who merged is not modelled; the author merging their own change
		// is the common case.
		by := rd.user(p.User, p.UserType)
		out.MergedBy = &by
	}
	return out
}

func (rd renderer) review(rs *repoState, p PullRequest, rv Review) reviewJSON {
	full := rs.owner + "/" + rs.name
	html := fmt.Sprintf("%s%s/pull/%d#pullrequestreview-%d", rd.web, full, p.Number, rv.ID)
	pr := fmt.Sprintf("%srepos/%s/pulls/%d", rd.api, full, p.Number)
	out := reviewJSON{
		ID: rv.ID, NodeID: nodeID("PullRequestReview", rv.ID),
		User:              rd.user(rv.User, rv.UserType),
		Body:              rv.Body,
		State:             rv.State,
		HTMLURL:           html,
		PullRequestURL:    pr,
		Links:             reviewLinksJSON{HTML: href{html}, PullRequest: href{pr}},
		CommitID:          sha(full, p.Number, "head", p.Updated.Unix()),
		AuthorAssociation: association(rv.UserType),
	}
	if !rv.Submitted.IsZero() {
		at := stamp(rv.Submitted)
		out.SubmittedAt = &at
	}
	return out
}

func association(userType string) string {
	if userType == "Bot" {
		return "NONE"
	}
	return "CONTRIBUTOR"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// body is GitHub's pull-request body: null when empty.
func body(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (rd renderer) users(logins []string) []userJSON {
	out := make([]userJSON, 0, len(logins))
	for _, l := range logins {
		out = append(out, rd.user(l, userType(l, "")))
	}
	return out
}
