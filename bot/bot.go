// Package bot is flowbot's application: the /flow command grammar, the
// answers built from a store snapshot and coach's metrics, and the sync loop
// that moves Jira and GitHub data into the store. It declares the small
// interfaces it needs and imports no adapter.
package bot

// Request is one /flow invocation as a chat platform delivers it.
type Request struct {
	ChannelID string
	UserID    string
	UserName  string
	Text      string // everything after "/flow "
}

// Reply is what the bot answers to a Request. Text is Slack mrkdwn.
type Reply struct {
	Text   string
	Public bool // false: only the asker sees it (ephemeral)
}
