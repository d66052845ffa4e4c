package main

import (
	"encoding/json"
	"regexp"
	"strings"
)

var (
	boldRe   = regexp.MustCompile(`\*([^*\n]+)\*`)
	italicRe = regexp.MustCompile(`(^|\s)_([^_\n]+)_`)
	emoji    = strings.NewReplacer(":warning:", "⚠", ":white_check_mark:", "✅", ":bar_chart:", "📊")
	entities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// renderMrkdwn shows Slack mrkdwn in a terminal roughly as Slack draws it:
// bold as bold (on a terminal), code fences as indented blocks, emoji
// codes as emoji, entities decoded.
func renderMrkdwn(text string, ansi bool) string {
	var b strings.Builder
	inCode := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			rest := strings.TrimPrefix(line, "```")
			if rest == "" {
				continue
			}
			line = rest
		}
		if inCode {
			b.WriteString("    " + entities.Replace(line) + "\n")
			continue
		}
		bold, italic := "$1", "$1$2"
		if ansi {
			bold, italic = "\x1b[1m$1\x1b[0m", "$1\x1b[3m$2\x1b[0m"
		}
		line = boldRe.ReplaceAllString(line, bold)
		line = italicRe.ReplaceAllString(line, italic)
		b.WriteString(entities.Replace(emoji.Replace(line)) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// block is the part of a Block Kit block the demo draws.
type block struct {
	Type   string      `json:"type"`
	Text   *blockText  `json:"text"`
	Fields []blockText `json:"fields"`
	// context elements (text objects) and actions elements (buttons)
	Elements  []json.RawMessage `json:"elements"`
	Title     *blockText        `json:"title"`
	AltText   string            `json:"alt_text"`
	SlackFile *struct {
		ID string `json:"id"`
	} `json:"slack_file"`
}

type blockText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// button is the part of an actions element the demo draws.
type button struct {
	Type string    `json:"type"`
	Text blockText `json:"text"`
}

// renderBlocks draws Block Kit blocks in a terminal roughly as Slack shows
// them: the header bold, fields as "label: value" pairs, sections as
// mrkdwn, the chart as a line naming it, the context dimmed and buttons
// in brackets. ok is false when raw holds no blocks it can read.
func renderBlocks(raw json.RawMessage, ansi bool) (out string, ok bool) {
	var blocks []json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &blocks) != nil || len(blocks) == 0 {
		return "", false
	}
	bold, dim, reset := "", "", ""
	if ansi {
		bold, dim, reset = "\x1b[1m", "\x1b[2m", "\x1b[0m"
	}
	var b strings.Builder
	for _, r := range blocks {
		var bl block
		if json.Unmarshal(r, &bl) != nil {
			continue
		}
		switch bl.Type {
		case "header":
			if bl.Text != nil {
				b.WriteString(bold + bl.Text.Text + reset + "\n")
			}
		case "section":
			if bl.Text != nil {
				b.WriteString(renderMrkdwn(bl.Text.Text, ansi) + "\n")
			}
			var pairs []string
			for _, f := range bl.Fields {
				label, value, _ := strings.Cut(f.Text, "\n")
				pairs = append(pairs, renderMrkdwn(strings.Trim(label, "*")+": "+value, ansi))
			}
			if len(pairs) > 0 {
				b.WriteString(strings.Join(pairs, "   ") + "\n")
			}
		case "image":
			title := bl.AltText
			if bl.Title != nil {
				title = bl.Title.Text
			}
			id := ""
			if bl.SlackFile != nil {
				id = " (file " + bl.SlackFile.ID + ")"
			}
			b.WriteString("[picture: " + title + id + "]\n")
		case "context":
			for _, raw := range bl.Elements {
				var e blockText
				if json.Unmarshal(raw, &e) == nil && e.Text != "" {
					b.WriteString(dim + entities.Replace(emoji.Replace(e.Text)) + reset + "\n")
				}
			}
		case "actions":
			var labels []string
			for _, raw := range bl.Elements {
				var e button
				if json.Unmarshal(raw, &e) == nil && e.Type == "button" {
					labels = append(labels, "[ "+e.Text.Text+" ]")
				}
			}
			b.WriteString(strings.Join(labels, " ") + "\n")
		case "divider":
			b.WriteString("────────\n")
		}
	}
	return strings.TrimRight(b.String(), "\n"), true
}
