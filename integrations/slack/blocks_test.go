package slack

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	slackapi "github.com/slack-go/slack"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/integrations/slack/slacktest"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test ./integrations/slack -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(got), string(want)); diff != "" {
		t.Errorf("%s (-got +want):\n%s", path, diff)
	}
}

func cycleTimeMessage() *bot.Message {
	return &bot.Message{
		Title: "Cycle time · Payments",
		Fields: []bot.Field{
			{Label: "Items finished", Value: "4"}, {Label: "50% within", Value: "4.5 days"},
			{Label: "85% within", Value: "10 days"}, {Label: "95% within", Value: "10 days"}, {Label: "Longest", Value: "10 days"},
		},
		Reading: "85% of items finish within 10 days; 1 item in progress is older than that.",
		Body:    []string{"_Few items: read these numbers as a rough guide._"},
		Context: "Last 90d · Payments · synced 4 minutes ago",
		Actions: []bot.Action{{ActionID: bot.ActionShowChart, Text: "Show chart", Value: "cycle-time"}},
	}
}

func agingMessage(items int) *bot.Message {
	m := &bot.Message{
		Title:   "Aging work in progress · Payments",
		Fields:  []bot.Field{{Label: "In progress", Value: fmt.Sprint(items)}, {Label: "SLE (85%)", Value: "10 days"}},
		Reading: "85% of items finish within 10 days; 2 items in progress are older than that.",
		Context: "Now · Payments · synced 4 minutes ago",
		Chart:   &bot.Chart{Filename: "aging-payments-2026-11-20.png", Title: "Aging work in progress · Payments", AltText: "Aging WIP by stage", PNG: []byte("\x89PNG fake")},
	}
	for i := range items {
		m.Body = append(m.Body, fmt.Sprintf("• *PAY-%d* Item &lt;%d&gt;, %d days in In Progress (Build) · Ana", i+1, i+1, items-i))
	}
	return m
}

// TestBlocksGolden pins the Block Kit JSON of a few answers.
func TestBlocksGolden(t *testing.T) {
	tests := []struct {
		name   string
		m      *bot.Message
		fileID string
	}{
		{"cycle-time", cycleTimeMessage(), ""},
		{"aging-with-chart", agingMessage(3), "F0CHART01"},
		{"help", &bot.Message{Title: "flowbot help", Reading: "flowbot answers questions about your team's flow of work.",
			Body: []string{"• `/flow wip`: work in progress now, by stage\n• `/flow aging`: oldest first"}, Context: "flowbot"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.MarshalIndent(Blocks(tt.m, tt.fileID), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("blocks", tt.name+".json"), append(got, '\n'))
		})
	}
}

// texts returns every section text of blocks, in order.
func texts(blocks []slackapi.Block) []string {
	var out []string
	for _, b := range blocks {
		if s, ok := b.(*slackapi.SectionBlock); ok && s.Text != nil {
			out = append(out, s.Text.Text)
		}
	}
	return out
}

func TestBlocksLimits(t *testing.T) {
	t.Run("60 aging items fit in 50 blocks", func(t *testing.T) {
		blocks := Blocks(agingMessage(60), "F1")
		if len(blocks) > 50 {
			t.Fatalf("%d blocks, want at most 50", len(blocks))
		}
		if len(blocks) != maxBlocks {
			t.Errorf("%d blocks, want the whole budget of %d used", len(blocks), maxBlocks)
		}
		ts := texts(blocks)
		// header, fields, reading, 44 items, "…and 16 more", image, context.
		if got, want := ts[len(ts)-1], "…and 16 more"; got != want {
			t.Errorf("last section = %q, want %q", got, want)
		}
		if got, want := ts[len(ts)-2], "• *PAY-44* Item &lt;44&gt;, 17 days in In Progress (Build) · Ana"; got != want {
			t.Errorf("last item shown = %q, want %q", got, want)
		}
		if _, ok := blocks[len(blocks)-1].(*slackapi.ContextBlock); !ok {
			t.Errorf("last block is %T, want the context", blocks[len(blocks)-1])
		}
	})
	t.Run("exactly as many sections as fit are not cut", func(t *testing.T) {
		blocks := Blocks(agingMessage(45), "F1") // header, fields, reading, image, context: 45 left
		if len(blocks) != maxBlocks {
			t.Errorf("%d blocks, want %d", len(blocks), maxBlocks)
		}
		for _, s := range texts(blocks) {
			if strings.HasPrefix(s, "…and") {
				t.Errorf("cut although everything fits: %q", s)
			}
		}
	})
	t.Run("a 5000-character body is cut at a line", func(t *testing.T) {
		var lines []string
		for i := range 100 {
			lines = append(lines, fmt.Sprintf("line %03d %s", i, strings.Repeat("x", 40)))
		}
		body := "```\n" + strings.Join(lines, "\n") + "\n```"
		if n := utf8.RuneCountInString(body); n < 5000 {
			t.Fatalf("body has %d characters, want at least 5000", n)
		}
		blocks := Blocks(&bot.Message{Title: "t", Body: []string{body}}, "")
		ts := texts(blocks)
		if len(ts) != 1 {
			t.Fatalf("%d sections, want 1", len(ts))
		}
		got := ts[0]
		if n := utf8.RuneCountInString(got); n > maxSectionText {
			t.Errorf("section has %d characters, limit %d", n, maxSectionText)
		}
		if !strings.HasSuffix(got, "more lines") || !strings.Contains(got, "…and ") {
			t.Errorf("cut section does not end with \"…and N more lines\": ...%q", got[len(got)-60:])
		}
		if strings.Count(got, "```")%2 != 0 {
			t.Errorf("cut section leaves a code block open")
		}
		kept := strings.Count(got, "line ")
		if want := fmt.Sprintf("…and %d more lines", 102-1-kept); !strings.HasSuffix(got, want) {
			t.Errorf("section ends %q, want %q", got[len(got)-30:], want)
		}
	})
	t.Run("long header, field and one long line are clipped", func(t *testing.T) {
		m := &bot.Message{
			Title:  strings.Repeat("h", 400),
			Fields: []bot.Field{{Label: "big", Value: strings.Repeat("v", 5000)}},
			Body:   []string{strings.Repeat("y", 4000)},
		}
		blocks := Blocks(m, "")
		h := blocks[0].(*slackapi.HeaderBlock)
		if n := utf8.RuneCountInString(h.Text.Text); n > maxHeaderText {
			t.Errorf("header has %d characters", n)
		}
		f := blocks[1].(*slackapi.SectionBlock).Fields[0]
		if n := utf8.RuneCountInString(f.Text); n > maxFieldText {
			t.Errorf("field has %d characters", n)
		}
		if n := utf8.RuneCountInString(texts(blocks)[0]); n > maxSectionText {
			t.Errorf("section has %d characters", n)
		}
	})
	t.Run("more than 20 fields end with and N more", func(t *testing.T) {
		m := &bot.Message{Title: "t"}
		for i := range 25 {
			m.Fields = append(m.Fields, bot.Field{Label: fmt.Sprint(i), Value: "v"})
		}
		blocks := Blocks(m, "")
		second := blocks[2].(*slackapi.SectionBlock).Fields
		if len(blocks[1].(*slackapi.SectionBlock).Fields) != maxSectionFields || len(second) != maxSectionFields {
			t.Fatalf("field sections of %d and %d, want 10 and 10", len(blocks[1].(*slackapi.SectionBlock).Fields), len(second))
		}
		if got := second[len(second)-1].Text; got != "*…*\nand 6 more" {
			t.Errorf("last field = %q", got)
		}
	})
}

// charting answers like the bot: a "Show chart" button on answers asked
// without "chart", a picture on those asked with it.
type charting struct {
	mu   sync.Mutex
	reqs []bot.Request
}

var pngBytes = []byte("\x89PNG\r\n\x1a\nnot really a picture")

func (c *charting) HandleCommand(_ context.Context, req bot.Request) bot.Reply {
	c.mu.Lock()
	c.reqs = append(c.reqs, req)
	c.mu.Unlock()
	public := strings.Contains(req.Text, "public")
	m := cycleTimeMessage()
	if strings.HasSuffix(req.Text, " chart") || strings.Contains(req.Text, " chart ") {
		m.Actions = nil
		m.Chart = &bot.Chart{Filename: "cycle-time-payments-2026-11-20.png", Title: "Cycle time · Payments", AltText: m.Reading, PNG: pngBytes}
	} else {
		m.Actions[0].Value = req.Text
	}
	return bot.Reply{Text: "*Cycle time · Payments*\nfallback", Public: public, Message: m}
}

func blockTypes(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var blocks []struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatalf("blocks: %v (%s)", err, raw)
	}
	var out []string
	for _, b := range blocks {
		out = append(out, b.Type)
	}
	return out
}

// TestChartRoundTrip asks without a chart, presses "Show chart" and gets
// the same answer with the picture uploaded and shown.
func TestChartRoundTrip(t *testing.T) {
	h := startWith(t, slacktest.NewServer(slacktest.Options{}), Config{}, &charting{})

	first, err := h.srv.SlashCommand(h.ctx, slacktest.SlashCommand{Text: "cycle-time --since 30d", ChannelID: "C1", UserID: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	if first.Text != "*Cycle time · Payments*\nfallback" {
		t.Errorf("fallback text = %q", first.Text)
	}
	if diff := cmp.Diff(blockTypes(t, first.Blocks), []string{"header", "section", "section", "section", "context", "actions"}); diff != "" {
		t.Errorf("first answer's blocks (-got +want):\n%s", diff)
	}
	var withButton []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(first.Blocks, &withButton); err != nil {
		t.Fatal(err)
	}
	button := withButton[len(withButton)-1].Elements[0]
	if button.ActionID != "flow_chart" || button.Value != "cycle-time --since 30d" {
		t.Fatalf("button = %+v", button)
	}

	got, err := h.srv.PressButton(h.ctx, button.ActionID, button.Value, "C1", "U1")
	if err != nil {
		t.Fatal(err)
	}
	files := h.srv.Files()
	if len(files) != 1 {
		t.Fatalf("%d files uploaded, want 1", len(files))
	}
	f := files[0]
	if f.Name != "cycle-time-payments-2026-11-20.png" || string(f.Bytes) != string(pngBytes) || !f.Complete || f.Channel != "" {
		t.Errorf("uploaded file = %+v", f)
	}
	if !got.Ephemeral || got.Via != "response_url" || got.Channel != "C1" {
		t.Errorf("chart answer = %+v", got)
	}
	if diff := cmp.Diff(blockTypes(t, got.Blocks), []string{"header", "section", "section", "section", "image", "context"}); diff != "" {
		t.Errorf("chart answer's blocks (-got +want):\n%s", diff)
	}
	var image []struct {
		SlackFile *struct {
			ID string `json:"id"`
		} `json:"slack_file"`
	}
	if err := json.Unmarshal(got.Blocks, &image); err != nil {
		t.Fatal(err)
	}
	if sf := image[4].SlackFile; sf == nil || sf.ID != f.ID {
		t.Errorf("image block shows %+v, want file %s", sf, f.ID)
	}
	h.stop()
	if got := h.logs.all("uploading chart failed"); len(got) > 0 {
		t.Errorf("upload failures logged: %v", attrs(got[0]))
	}
}

// TestPublicChartIsShared: a public answer's chart is shared in the
// channel with its title as the comment, and the answer says so.
func TestPublicChartIsShared(t *testing.T) {
	h := startWith(t, slacktest.NewServer(slacktest.Options{}), Config{}, &charting{})
	got, err := h.srv.SlashCommand(h.ctx, slacktest.SlashCommand{Text: "cycle-time chart public", ChannelID: "C9"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Ephemeral {
		t.Error("public answer posted ephemeral")
	}
	if !strings.Contains(string(got.Blocks), "Chart shared in the channel: Cycle time · Payments") {
		t.Errorf("answer does not point to the shared chart: %s", got.Blocks)
	}
	var shared []slacktest.Message
	for _, m := range h.srv.Messages() {
		if m.Via == "files.completeUploadExternal" {
			shared = append(shared, m)
		}
	}
	files := h.srv.Files()
	if len(shared) != 1 || len(files) != 1 {
		t.Fatalf("shared messages %+v, files %d; want one of each", shared, len(files))
	}
	want := slacktest.Message{Channel: "C9", Text: "Cycle time · Payments", Via: "files.completeUploadExternal", Files: []string{files[0].ID}}
	if diff := cmp.Diff(shared[0], want); diff != "" {
		t.Errorf("shared file message (-got +want):\n%s", diff)
	}
}

// TestChartUploadFailureStillAnswers: when the upload fails the answer is
// posted without its picture, saying so.
func TestChartUploadFailureStillAnswers(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	srv.FailNext("files.getUploadURLExternal", 500, "", 1)
	h := startWith(t, srv, Config{}, &charting{})
	got, err := h.srv.SlashCommand(h.ctx, slacktest.SlashCommand{Text: "cycle-time chart"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got.Blocks), "the chart could not be uploaded") {
		t.Errorf("answer does not say the chart is missing: %s", got.Blocks)
	}
	if strings.Contains(string(got.Blocks), `"image"`) {
		t.Errorf("answer shows an image that was not uploaded")
	}
}
