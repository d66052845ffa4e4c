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

// Reply is what the bot answers to a Request. Text is Slack mrkdwn and
// always set: it is the fallback where rich layout cannot be shown.
// Message, when set, is the same answer laid out for display.
type Reply struct {
	Text    string
	Public  bool // false: only the asker sees it (ephemeral)
	Message *Message
}

// Message is an answer laid out for a chat client, independent of Block
// Kit: the adapter turns it into blocks.
type Message struct {
	Title   string   // the header
	Fields  []Field  // the key numbers
	Reading string   // one plain-language sentence: what the numbers mean
	Body    []string // further mrkdwn sections, in order (tables as code blocks)
	Context string   // window, team and data freshness
	Chart   *Chart   // a picture of the same values, when asked for
	Actions []Action // buttons under the answer
}

// Field is one labelled number of a Message.
type Field struct {
	Label string
	Value string
}

// Chart is a rendered picture of an answer.
type Chart struct {
	Filename string // e.g. "cycle-time-payments-2026-11-20.png"
	Title    string
	AltText  string
	PNG      []byte
}

// Action is a button: pressing it sends Value back with ActionID.
type Action struct {
	ActionID string
	Text     string
	Value    string
}
