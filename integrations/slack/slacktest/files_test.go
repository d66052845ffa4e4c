package slacktest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/flowbot/flowbot/integrations/slack/slacktest"
)

// TestUploadFile runs slack-go's UploadFileContext (getUploadURLExternal,
// the upload URL, completeUploadExternal) against the stand-in.
func TestUploadFile(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nchart bytes")
	tests := []struct {
		name    string
		params  slackapi.UploadFileParameters
		want    slacktest.File
		message bool // shared: a message in the channel
	}{
		{
			name:   "private",
			params: slackapi.UploadFileParameters{Filename: "a.png", Title: "A", AltTxt: "alt"},
			want:   slacktest.File{Name: "a.png", Title: "A", AltText: "alt", Bytes: png, Complete: true},
		},
		{
			name:    "shared with a comment",
			params:  slackapi.UploadFileParameters{Filename: "b.png", Title: "B", Channel: "C1", InitialComment: "Cycle time"},
			want:    slacktest.File{Name: "b.png", Title: "B", Bytes: png, Channel: "C1", Comment: "Cycle time", Complete: true},
			message: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := slacktest.NewServer(slacktest.Options{})
			defer srv.Close()
			api := slackapi.New(slacktest.DefaultBotToken, slackapi.OptionAPIURL(srv.APIURL()))
			tt.params.Reader, tt.params.FileSize = bytes.NewReader(png), len(png)
			f, err := api.UploadFileContext(t.Context(), tt.params)
			if err != nil {
				t.Fatal(err)
			}
			files := srv.Files()
			if len(files) != 1 {
				t.Fatalf("%d files, want 1", len(files))
			}
			tt.want.ID = f.ID
			if diff := cmp.Diff(files[0], tt.want); diff != "" {
				t.Errorf("file (-got +want):\n%s", diff)
			}
			var msgs []slacktest.Message
			if tt.message {
				msgs = []slacktest.Message{{Channel: "C1", Text: "Cycle time", Via: "files.completeUploadExternal", Files: []string{f.ID}}}
			}
			if diff := cmp.Diff(srv.Messages(), msgs); diff != "" {
				t.Errorf("messages (-got +want):\n%s", diff)
			}
		})
	}
}

func TestFilesFieldNamesMatchFixtures(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	defer srv.Close()
	got := call(t, srv, "files.getUploadURLExternal", slacktest.DefaultBotToken, url.Values{"filename": {"c.png"}, "length": {"3"}})
	if string(got["ok"]) != "true" {
		t.Fatalf("files.getUploadURLExternal = %v", got)
	}
	if diff := missing(got, fixture(t, "files.getUploadURLExternal.json")); diff != nil {
		t.Errorf("fields not in the fixture: %v", diff)
	}
	var uploadURL, id string
	json.Unmarshal(got["upload_url"], &uploadURL)
	json.Unmarshal(got["file_id"], &id)
	if !strings.HasPrefix(uploadURL, strings.TrimSuffix(srv.APIURL(), "api/")) {
		t.Errorf("upload_url %q is not on the stand-in", uploadURL)
	}

	// Completing before the bytes arrive is refused.
	early := call(t, srv, "files.completeUploadExternal", slacktest.DefaultBotToken, url.Values{"files": {`[{"id":"` + id + `"}]`}})
	if string(early["error"]) != `"file_not_found"` {
		t.Errorf("completing an empty upload = %v, want file_not_found", early)
	}
	resp, err := http.Post(uploadURL, "application/octet-stream", strings.NewReader("abc"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %s", resp.Status)
	}
	done := call(t, srv, "files.completeUploadExternal", slacktest.DefaultBotToken, url.Values{"files": {`[{"id":"` + id + `","title":"C"}]`}, "channel_id": {"C1"}})
	want := fixture(t, "files.completeUploadExternal.json")
	if diff := missing(done, want); diff != nil {
		t.Errorf("fields not in the fixture: %v", diff)
	}
	var files []map[string]json.RawMessage
	var wantFiles []map[string]json.RawMessage
	if err := json.Unmarshal(done["files"], &files); err != nil || len(files) != 1 {
		t.Fatalf("files = %s (%v)", done["files"], err)
	}
	json.Unmarshal(want["files"], &wantFiles)
	if diff := missing(files[0], wantFiles[0]); diff != nil {
		t.Errorf("file fields not in the fixture: %v", diff)
	}
	if string(files[0]["size"]) != "3" || string(files[0]["title"]) != `"C"` {
		t.Errorf("file = size %s title %s", files[0]["size"], files[0]["title"])
	}
	again := call(t, srv, "files.completeUploadExternal", slacktest.DefaultBotToken, url.Values{"files": {`[{"id":"` + id + `"}]`}})
	if string(again["ok"]) != "false" {
		t.Errorf("completing twice = %v, want an error", again)
	}
	if bad := call(t, srv, "files.getUploadURLExternal", "xoxb-wrong", url.Values{"filename": {"c.png"}, "length": {"3"}}); string(bad["error"]) != `"invalid_auth"` {
		t.Errorf("wrong token = %v", bad)
	}
}

// TestPressButton checks the block_actions envelope: its payload's fields
// are those of Slack's recorded payload, slack-go reads it, and the answer
// posted to its response_url comes back.
func TestPressButton(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	defer srv.Close()
	ws, _ := dial(t, srv)
	type result struct {
		m   slacktest.Message
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := srv.PressButton(t.Context(), "flow_chart", "cycle-time --since 30d", "C42", "U7")
		done <- result{m, err}
	}()
	var env socketmode.Request
	if err := ws.ReadJSON(&env); err != nil {
		t.Fatal(err)
	}
	if env.Type != "interactive" || env.EnvelopeID == "" {
		t.Errorf("envelope = %+v", env)
	}
	var payload map[string]json.RawMessage
	if err := json.Unmarshal(env.Payload, &payload); err != nil {
		t.Fatal(err)
	}
	want := fixture(t, "BlockActionPayload.json")
	if diff := missing(payload, want); diff != nil {
		t.Errorf("payload fields not in the fixture: %v", diff)
	}
	var actions, wantActions []map[string]json.RawMessage
	json.Unmarshal(payload["actions"], &actions)
	json.Unmarshal(want["actions"], &wantActions)
	if diff := missing(actions[0], wantActions[0]); diff != nil {
		t.Errorf("action fields not in the fixture: %v", diff)
	}
	var cb slackapi.InteractionCallback
	if err := json.Unmarshal(env.Payload, &cb); err != nil {
		t.Fatal(err)
	}
	if cb.Type != slackapi.InteractionTypeBlockActions || cb.Channel.ID != "C42" || cb.User.ID != "U7" || cb.ResponseURL == "" || cb.TriggerID == "" {
		t.Errorf("callback = type %q channel %q user %q", cb.Type, cb.Channel.ID, cb.User.ID)
	}
	if a := cb.ActionCallback.BlockActions; len(a) != 1 || a[0].ActionID != "flow_chart" || a[0].Value != "cycle-time --since 30d" {
		t.Errorf("block actions = %+v", a)
	}
	if err := ws.WriteJSON(map[string]string{"envelope_id": env.EnvelopeID}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(cb.ResponseURL, "application/json", strings.NewReader(`{"text":"with chart","blocks":[{"type":"divider"}],"replace_original":false}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if diff := cmp.Diff(r.m, slacktest.Message{Channel: "C42", Text: "with chart", Ephemeral: true, Via: "response_url", Blocks: json.RawMessage(`[{"type":"divider"}]`)}); diff != "" {
		t.Errorf("answer (-got +want):\n%s", diff)
	}
}
