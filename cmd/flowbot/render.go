package main

import (
	"regexp"
	"strings"
)

var (
	boldRe   = regexp.MustCompile(`\*([^*\n]+)\*`)
	italicRe = regexp.MustCompile(`(^|\s)_([^_\n]+)_`)
	emoji    = strings.NewReplacer(":warning:", "⚠", ":white_check_mark:", "✅")
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
