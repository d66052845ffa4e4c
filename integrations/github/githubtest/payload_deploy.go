package githubtest

import (
	"fmt"
	"time"
)

// Payloads for commits, timelines, deployments, workflow runs and
// compare, field by field in GitHub's order as in the commit-items,
// timeline-issue-events, deployment*, deployment-status*,
// workflow-run-paginated and commit-comparison examples of GitHub's
// OpenAPI description (copies in testdata/).

type gitUserJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  stamp  `json:"date"`
}

type shaRefJSON struct {
	URL string `json:"url"`
	SHA string `json:"sha"`
}

type verificationJSON struct {
	Verified  bool    `json:"verified"`
	Reason    string  `json:"reason"`
	Signature *string `json:"signature"`
	Payload   *string `json:"payload"`
}

type gitCommitJSON struct {
	URL          string           `json:"url"`
	Author       gitUserJSON      `json:"author"`
	Committer    gitUserJSON      `json:"committer"`
	Message      string           `json:"message"`
	Tree         shaRefJSON       `json:"tree"`
	CommentCount int              `json:"comment_count"`
	Verification verificationJSON `json:"verification"`
}

type commitJSON struct {
	URL         string        `json:"url"`
	SHA         string        `json:"sha"`
	NodeID      string        `json:"node_id"`
	HTMLURL     string        `json:"html_url"`
	CommentsURL string        `json:"comments_url"`
	Commit      gitCommitJSON `json:"commit"`
	Author      userJSON      `json:"author"`
	Committer   userJSON      `json:"committer"`
	Parents     []shaRefJSON  `json:"parents"`
}

type compareJSON struct {
	URL             string       `json:"url"`
	HTMLURL         string       `json:"html_url"`
	PermalinkURL    string       `json:"permalink_url"`
	DiffURL         string       `json:"diff_url"`
	PatchURL        string       `json:"patch_url"`
	BaseCommit      commitJSON   `json:"base_commit"`
	MergeBaseCommit commitJSON   `json:"merge_base_commit"`
	Status          string       `json:"status"`
	AheadBy         int          `json:"ahead_by"`
	BehindBy        int          `json:"behind_by"`
	TotalCommits    int          `json:"total_commits"`
	Commits         []commitJSON `json:"commits"`
	Files           []any        `json:"files"`
}

type timelineEventJSON struct {
	ID                    int64    `json:"id"`
	NodeID                string   `json:"node_id"`
	URL                   string   `json:"url"`
	Actor                 userJSON `json:"actor"`
	Event                 string   `json:"event"`
	CommitID              *string  `json:"commit_id"`
	CommitURL             *string  `json:"commit_url"`
	CreatedAt             stamp    `json:"created_at"`
	PerformedViaGitHubApp any      `json:"performed_via_github_app"`
}

type deploymentJSON struct {
	URL                   string         `json:"url"`
	ID                    int64          `json:"id"`
	NodeID                string         `json:"node_id"`
	SHA                   string         `json:"sha"`
	Ref                   string         `json:"ref"`
	Task                  string         `json:"task"`
	Payload               map[string]any `json:"payload"`
	OriginalEnvironment   string         `json:"original_environment"`
	Environment           string         `json:"environment"`
	Description           string         `json:"description"`
	Creator               userJSON       `json:"creator"`
	CreatedAt             stamp          `json:"created_at"`
	UpdatedAt             stamp          `json:"updated_at"`
	StatusesURL           string         `json:"statuses_url"`
	RepositoryURL         string         `json:"repository_url"`
	TransientEnvironment  bool           `json:"transient_environment"`
	ProductionEnvironment bool           `json:"production_environment"`
}

type deploymentStatusJSON struct {
	URL            string   `json:"url"`
	ID             int64    `json:"id"`
	NodeID         string   `json:"node_id"`
	State          string   `json:"state"`
	Creator        userJSON `json:"creator"`
	Description    string   `json:"description"`
	Environment    string   `json:"environment"`
	TargetURL      string   `json:"target_url"`
	CreatedAt      stamp    `json:"created_at"`
	UpdatedAt      stamp    `json:"updated_at"`
	DeploymentURL  string   `json:"deployment_url"`
	RepositoryURL  string   `json:"repository_url"`
	EnvironmentURL string   `json:"environment_url"`
	LogURL         string   `json:"log_url"`
}

// minimalRepoJSON is GitHub's minimal-repository, as workflow runs embed it.
type minimalRepoJSON struct {
	ID               int64    `json:"id"`
	NodeID           string   `json:"node_id"`
	Name             string   `json:"name"`
	FullName         string   `json:"full_name"`
	Owner            userJSON `json:"owner"`
	Private          bool     `json:"private"`
	HTMLURL          string   `json:"html_url"`
	Description      *string  `json:"description"`
	Fork             bool     `json:"fork"`
	URL              string   `json:"url"`
	ArchiveURL       string   `json:"archive_url"`
	AssigneesURL     string   `json:"assignees_url"`
	BlobsURL         string   `json:"blobs_url"`
	BranchesURL      string   `json:"branches_url"`
	CollaboratorsURL string   `json:"collaborators_url"`
	CommentsURL      string   `json:"comments_url"`
	CommitsURL       string   `json:"commits_url"`
	CompareURL       string   `json:"compare_url"`
	ContentsURL      string   `json:"contents_url"`
	ContributorsURL  string   `json:"contributors_url"`
	DeploymentsURL   string   `json:"deployments_url"`
	DownloadsURL     string   `json:"downloads_url"`
	EventsURL        string   `json:"events_url"`
	ForksURL         string   `json:"forks_url"`
	GitCommitsURL    string   `json:"git_commits_url"`
	GitRefsURL       string   `json:"git_refs_url"`
	GitTagsURL       string   `json:"git_tags_url"`
	GitURL           string   `json:"git_url,omitempty"` // absent in head_repository, as in GitHub's example
	IssueCommentURL  string   `json:"issue_comment_url"`
	IssueEventsURL   string   `json:"issue_events_url"`
	IssuesURL        string   `json:"issues_url"`
	KeysURL          string   `json:"keys_url"`
	LabelsURL        string   `json:"labels_url"`
	LanguagesURL     string   `json:"languages_url"`
	MergesURL        string   `json:"merges_url"`
	MilestonesURL    string   `json:"milestones_url"`
	NotificationsURL string   `json:"notifications_url"`
	PullsURL         string   `json:"pulls_url"`
	ReleasesURL      string   `json:"releases_url"`
	SSHURL           string   `json:"ssh_url,omitempty"`
	StargazersURL    string   `json:"stargazers_url"`
	StatusesURL      string   `json:"statuses_url"`
	SubscribersURL   string   `json:"subscribers_url"`
	SubscriptionURL  string   `json:"subscription_url"`
	TagsURL          string   `json:"tags_url"`
	TeamsURL         string   `json:"teams_url"`
	TreesURL         string   `json:"trees_url"`
	HooksURL         string   `json:"hooks_url"`
}

func minimalRepo(r repoJSON) minimalRepoJSON {
	return minimalRepoJSON{
		ID: r.ID, NodeID: r.NodeID, Name: r.Name, FullName: r.FullName, Owner: r.Owner,
		Private: r.Private, HTMLURL: r.HTMLURL, Description: r.Description, Fork: r.Fork, URL: r.URL,
		ArchiveURL: r.ArchiveURL, AssigneesURL: r.AssigneesURL, BlobsURL: r.BlobsURL,
		BranchesURL: r.BranchesURL, CollaboratorsURL: r.CollaboratorsURL, CommentsURL: r.CommentsURL,
		CommitsURL: r.CommitsURL, CompareURL: r.CompareURL, ContentsURL: r.ContentsURL,
		ContributorsURL: r.ContributorsURL, DeploymentsURL: r.DeploymentsURL, DownloadsURL: r.DownloadsURL,
		EventsURL: r.EventsURL, ForksURL: r.ForksURL, GitCommitsURL: r.GitCommitsURL,
		GitRefsURL: r.GitRefsURL, GitTagsURL: r.GitTagsURL, GitURL: r.GitURL,
		IssueCommentURL: r.IssueCommentURL, IssueEventsURL: r.IssueEventsURL, IssuesURL: r.IssuesURL,
		KeysURL: r.KeysURL, LabelsURL: r.LabelsURL, LanguagesURL: r.LanguagesURL, MergesURL: r.MergesURL,
		MilestonesURL: r.MilestonesURL, NotificationsURL: r.NotificationsURL, PullsURL: r.PullsURL,
		ReleasesURL: r.ReleasesURL, SSHURL: r.SSHURL, StargazersURL: r.StargazersURL,
		StatusesURL: r.StatusesURL, SubscribersURL: r.SubscribersURL, SubscriptionURL: r.SubscriptionURL,
		TagsURL: r.TagsURL, TeamsURL: r.TeamsURL, TreesURL: r.TreesURL, HooksURL: r.HooksURL,
	}
}

type nameEmailJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type headCommitJSON struct {
	ID        string        `json:"id"`
	TreeID    string        `json:"tree_id"`
	Message   string        `json:"message"`
	Timestamp stamp         `json:"timestamp"`
	Author    nameEmailJSON `json:"author"`
	Committer nameEmailJSON `json:"committer"`
}

type workflowRunJSON struct {
	ID               int64           `json:"id"`
	Name             string          `json:"name"`
	NodeID           string          `json:"node_id"`
	CheckSuiteID     int64           `json:"check_suite_id"`
	CheckSuiteNodeID string          `json:"check_suite_node_id"`
	HeadBranch       string          `json:"head_branch"`
	HeadSHA          string          `json:"head_sha"`
	Path             string          `json:"path"`
	RunNumber        int             `json:"run_number"`
	Event            string          `json:"event"`
	DisplayTitle     string          `json:"display_title"`
	Status           string          `json:"status"`
	Conclusion       *string         `json:"conclusion"`
	WorkflowID       int64           `json:"workflow_id"`
	URL              string          `json:"url"`
	HTMLURL          string          `json:"html_url"`
	PullRequests     []any           `json:"pull_requests"`
	CreatedAt        stamp           `json:"created_at"`
	UpdatedAt        stamp           `json:"updated_at"`
	Actor            userJSON        `json:"actor"`
	RunAttempt       int             `json:"run_attempt"`
	RunStartedAt     stamp           `json:"run_started_at"`
	TriggeringActor  userJSON        `json:"triggering_actor"`
	JobsURL          string          `json:"jobs_url"`
	LogsURL          string          `json:"logs_url"`
	CheckSuiteURL    string          `json:"check_suite_url"`
	ArtifactsURL     string          `json:"artifacts_url"`
	CancelURL        string          `json:"cancel_url"`
	RerunURL         string          `json:"rerun_url"`
	WorkflowURL      string          `json:"workflow_url"`
	HeadCommit       headCommitJSON  `json:"head_commit"`
	Repository       minimalRepoJSON `json:"repository"`
	HeadRepository   minimalRepoJSON `json:"head_repository"`
}

type workflowRunsJSON struct {
	TotalCount   int               `json:"total_count"`
	WorkflowRuns []workflowRunJSON `json:"workflow_runs"`
}

func gitUser(login string, at time.Time) gitUserJSON {
	return gitUserJSON{Name: login, Email: login + "@users.noreply.github.com", Date: stamp(at)}
}

// commit renders one commit; login authored it at at, parent is "" for a
// root commit.
func (rd renderer) commit(full, sha, login, message string, at time.Time, parent string) commitJSON {
	api := rd.api + "repos/" + full
	u := rd.user(login, userType(login, ""))
	out := commitJSON{
		URL: api + "/commits/" + sha, SHA: sha, NodeID: nodeID("Commit", int64(userID(sha))),
		HTMLURL:     rd.web + full + "/commit/" + sha,
		CommentsURL: api + "/commits/" + sha + "/comments",
		Commit: gitCommitJSON{
			URL:    api + "/git/commits/" + sha,
			Author: gitUser(login, at), Committer: gitUser(login, at),
			Message:      message,
			Tree:         shaRefJSON{URL: api + "/tree/" + treeOf(sha), SHA: treeOf(sha)},
			Verification: verificationJSON{Reason: "unsigned"},
		},
		Author: u, Committer: u,
		Parents: []shaRefJSON{},
	}
	if parent != "" {
		out.Parents = append(out.Parents, shaRefJSON{URL: api + "/commits/" + parent, SHA: parent})
	}
	return out
}

func treeOf(commit string) string { return sha("tree", commit) }

func (rd renderer) deployment(full, creator string, d *Deployment) deploymentJSON {
	api := rd.api + "repos/" + full
	self := fmt.Sprintf("%s/deployments/%d", api, d.ID)
	updated := d.Created
	for _, st := range d.Statuses {
		if st.Created.After(updated) {
			updated = st.Created
		}
	}
	return deploymentJSON{
		URL: self, ID: d.ID, NodeID: nodeID("Deployment", d.ID), SHA: d.SHA, Ref: d.Ref,
		Task: "deploy", Payload: map[string]any{},
		OriginalEnvironment: d.Environment, Environment: d.Environment,
		Description: "Deploy " + d.Ref, Creator: rd.user(creator, "User"),
		CreatedAt: stamp(d.Created), UpdatedAt: stamp(updated),
		StatusesURL: self + "/statuses", RepositoryURL: api,
		ProductionEnvironment: true,
	}
}

func (rd renderer) deploymentStatus(full, creator string, d *Deployment, i int) deploymentStatusJSON {
	api := rd.api + "repos/" + full
	dep := fmt.Sprintf("%s/deployments/%d", api, d.ID)
	st := d.Statuses[i]
	id := d.ID*100 + int64(i) + 1
	target := fmt.Sprintf("%s%s/actions/deployments/%d", rd.web, full, d.ID)
	return deploymentStatusJSON{
		URL: fmt.Sprintf("%s/statuses/%d", dep, id), ID: id, NodeID: nodeID("DeploymentStatus", id),
		State: st.State, Creator: rd.user(creator, "User"),
		Description: "Deployment " + st.State + ".", Environment: d.Environment,
		TargetURL: target, CreatedAt: stamp(st.Created), UpdatedAt: stamp(st.Created),
		DeploymentURL: dep, RepositoryURL: api, EnvironmentURL: "", LogURL: target,
	}
}

func (rd renderer) workflowRun(full, login string, repo repoJSON, r *WorkflowRun) workflowRunJSON {
	api := rd.api + "repos/" + full
	self := fmt.Sprintf("%s/actions/runs/%d", api, r.ID)
	wfID := userID(full + "/" + r.Workflow)
	var conclusion *string
	if r.Conclusion != "" {
		c := r.Conclusion
		conclusion = &c
	}
	actor := rd.user(login, "User")
	min := minimalRepo(repo)
	head := min
	head.GitURL, head.SSHURL = "", ""
	return workflowRunJSON{
		ID: r.ID, Name: r.Workflow, NodeID: nodeID("WorkflowRun", r.ID),
		CheckSuiteID: r.ID + 1, CheckSuiteNodeID: nodeID("CheckSuite", r.ID+1),
		HeadBranch: r.HeadBranch, HeadSHA: r.HeadSHA,
		Path: ".github/workflows/" + r.Workflow + "@" + r.HeadBranch, RunNumber: int(r.ID % 100000),
		Event: "push", DisplayTitle: "Deploy " + short(r.HeadSHA),
		Status: r.Status, Conclusion: conclusion, WorkflowID: wfID,
		URL: self, HTMLURL: fmt.Sprintf("%s%s/actions/runs/%d", rd.web, full, r.ID),
		PullRequests: []any{},
		CreatedAt:    stamp(r.Created), UpdatedAt: stamp(r.Updated),
		Actor: actor, RunAttempt: 1, RunStartedAt: stamp(r.Created), TriggeringActor: actor,
		JobsURL: self + "/jobs", LogsURL: self + "/logs",
		CheckSuiteURL: fmt.Sprintf("%s/check-suites/%d", api, r.ID+1),
		ArtifactsURL:  self + "/artifacts", CancelURL: self + "/cancel", RerunURL: self + "/rerun",
		WorkflowURL: fmt.Sprintf("%s/actions/workflows/%d", api, wfID),
		HeadCommit: headCommitJSON{
			ID: r.HeadSHA, TreeID: treeOf(r.HeadSHA), Message: "Deploy " + short(r.HeadSHA),
			Timestamp: stamp(r.Created),
			Author:    nameEmailJSON{actor.Login, actor.Login + "@users.noreply.github.com"},
			Committer: nameEmailJSON{"GitHub", "noreply@github.com"},
		},
		Repository: min, HeadRepository: head,
	}
}

func short(s string) string {
	if len(s) > 7 {
		return s[:7]
	}
	return s
}
