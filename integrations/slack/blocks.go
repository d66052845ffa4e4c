package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/flowbot/flowbot/bot"
)

// Slack's Block Kit limits (api.slack.com/reference/block-kit). A Message
// that does not fit is cut, saying how much was left out, never refused.
const (
	maxBlocks        = 50   // blocks in a message
	maxSectionText   = 3000 // characters in a section's text
	maxSectionFields = 10   // fields in a section
	maxFieldText     = 2000 // characters in one field
	maxHeaderText    = 150  // characters in a header
	maxContextText   = 3000 // characters in a context element
	maxAltText       = 2000 // characters in an image's alt text
	maxButtonText    = 75   // characters in a button's label
	maxButtonValue   = 2000 // characters in a button's value
	maxButtons       = 25   // elements in an actions block
	maxFieldSections = 2    // sections of fields flowbot uses before cutting
	// maxFallbackText bounds the top-level text Slack shows in
	// notifications; it truncates longer text itself, cutting markup.
	maxFallbackText = 40000
)

// chartRef says how an uploaded chart appears in the answer: an image
// block showing the file, or a line saying where it was shared.
type chartRef struct {
	fileID string // show the file in an image block
	shared string // the file was shared in the channel as its own message
}

// Blocks lays out m as Block Kit blocks: a header, the key numbers as
// fields, the reading, the body sections, the chart (when uploaded as
// fileID), the context line and the buttons, within Slack's limits.
func Blocks(m *bot.Message, chartFileID string) []slackapi.Block {
	return layout(m, chartRef{fileID: chartFileID})
}

func layout(m *bot.Message, chart chartRef) []slackapi.Block {
	var head, tail []slackapi.Block
	if m.Title != "" {
		head = append(head, slackapi.NewHeaderBlock(plain(clip(m.Title, maxHeaderText))))
	}
	fields := m.Fields
	if len(fields) > maxFieldSections*maxSectionFields {
		n := maxFieldSections*maxSectionFields - 1
		fields = append(fields[:n:n], bot.Field{Label: "…", Value: fmt.Sprintf("and %d more", len(m.Fields)-n)})
	}
	for i := 0; i < len(fields); i += maxSectionFields {
		var texts []*slackapi.TextBlockObject
		for _, f := range fields[i:min(i+maxSectionFields, len(fields))] {
			texts = append(texts, mrkdwn(clip("*"+escapeMrkdwn(f.Label)+"*\n"+f.Value, maxFieldText)))
		}
		head = append(head, slackapi.NewSectionBlock(nil, texts, nil))
	}
	if m.Reading != "" {
		head = append(head, slackapi.NewSectionBlock(mrkdwn(cutText(m.Reading, maxSectionText)), nil, nil))
	}
	if m.Chart != nil {
		switch {
		case chart.fileID != "":
			alt := m.Chart.AltText
			if alt == "" {
				alt = m.Chart.Title
			}
			tail = append(tail, slackapi.NewImageBlockSlackFile(&slackapi.SlackFileObject{ID: chart.fileID},
				clip(alt, maxAltText), "", plain(clip(m.Chart.Title, maxAltText))))
		case chart.shared != "":
			tail = append(tail, slackapi.NewContextBlock("", mrkdwn(clip(":bar_chart: Chart shared in the channel: "+chart.shared, maxContextText))))
		}
	}
	if m.Context != "" {
		tail = append(tail, slackapi.NewContextBlock("", mrkdwn(clip(m.Context, maxContextText))))
	}
	if len(m.Actions) > 0 {
		var buttons []slackapi.BlockElement
		for _, a := range m.Actions[:min(len(m.Actions), maxButtons)] {
			buttons = append(buttons, slackapi.NewButtonBlockElement(a.ActionID, clip(a.Value, maxButtonValue), plain(clip(a.Text, maxButtonText))))
		}
		tail = append(tail, slackapi.NewActionBlock("actions", buttons...))
	}

	// The body gets the blocks left; when it has more sections, the last
	// one says how many were left out.
	room := maxBlocks - len(head) - len(tail)
	var body []slackapi.Block
	for i, text := range m.Body {
		if text == "" {
			continue
		}
		if len(body) == room-1 && countNonEmpty(m.Body[i:]) > 1 {
			body = append(body, slackapi.NewSectionBlock(mrkdwn(fmt.Sprintf("…and %d more", countNonEmpty(m.Body[i:]))), nil, nil))
			break
		}
		body = append(body, slackapi.NewSectionBlock(mrkdwn(cutText(text, maxSectionText)), nil, nil))
	}
	blocks := append(head, body...)
	return append(blocks, tail...)
}

func countNonEmpty(ss []string) int {
	n := 0
	for _, s := range ss {
		if s != "" {
			n++
		}
	}
	return n
}

func plain(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, s, true, false)
}

func mrkdwn(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, s, false, false)
}

// escapeMrkdwn keeps a label from being read as markup or a mention.
func escapeMrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// clip cuts s to at most n characters, ending in "…" when cut. Slack
// counts characters, not bytes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// cutText fits mrkdwn into n characters: whole lines are kept while they
// fit, an open code block is closed, and a last line says how many lines
// were left out. A single line too long on its own is clipped.
func cutText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	lines := strings.Split(s, "\n")
	const reserve = 40 // room for the closing fence and "…and N more lines"
	var b strings.Builder
	used, kept, fence := 0, 0, false
	for _, line := range lines {
		l := utf8.RuneCountInString(line) + 1
		if used+l > n-reserve {
			break
		}
		b.WriteString(line + "\n")
		used += l
		kept++
		if strings.HasPrefix(line, "```") || (strings.HasSuffix(line, "```") && strings.Count(line, "```")%2 == 1) {
			fence = !fence
		}
	}
	if kept == 0 {
		if len(lines) == 1 {
			return clip(s, n)
		}
		return clip(lines[0], n-reserve) + fmt.Sprintf("\n…and %d more lines", len(lines)-1)
	}
	if fence {
		b.WriteString("```\n")
	}
	fmt.Fprintf(&b, "…and %d more lines", len(lines)-kept)
	return b.String()
}
