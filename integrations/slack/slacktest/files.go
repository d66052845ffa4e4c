package slacktest

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// maxUpload bounds one uploaded file; Slack's own limit is far higher, but
// flowbot uploads charts of a few hundred kilobytes.
const maxUpload = 20 << 20

// Files returns every file uploaded so far, completed or not, in upload
// order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.fileOrder))
	for _, id := range s.fileOrder {
		f := *s.files[id]
		f.Bytes = append([]byte(nil), f.Bytes...)
		out = append(out, f)
	}
	return out
}

// getUploadURL is files.getUploadURLExternal: it reserves a file id and
// hands out a one-file upload URL on this server. Shaped like
// fixtures/slack/files.getUploadURLExternal.json.
func (s *Server) getUploadURL(p params) map[string]any {
	name := p.str("filename")
	length, err := strconv.Atoi(p.str("length"))
	if name == "" || err != nil || length <= 0 {
		return apiError("invalid_arguments")
	}
	if length > maxUpload {
		return apiError("file_too_large")
	}
	id := "F" + strings.ToUpper(hex.EncodeToString(randomBytes(5)))
	s.mu.Lock()
	s.files[id] = &File{ID: id, Name: name, AltText: p.str("alt_txt")}
	s.fileOrder = append(s.fileOrder, id)
	s.mu.Unlock()
	return map[string]any{"ok": true, "upload_url": s.srv.URL + "/upload/" + id, "file_id": id}
}

// serveUpload takes a file's bytes at its upload URL, as a multipart form
// (slack-go's way, field "file") or as a raw body, as Slack accepts both.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	s.calls["upload_url"]++
	f, ok := s.files[id]
	done := ok && (f.Complete || f.Bytes != nil)
	s.mu.Unlock()
	if !ok || done {
		http.Error(w, "invalid upload URL", http.StatusNotFound)
		return
	}
	body, err := readUpload(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	f.Bytes = body
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "OK - %d", len(body))
}

func readUpload(r *http.Request) ([]byte, error) {
	ct, ps, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, "multipart/") {
		return io.ReadAll(io.LimitReader(r.Body, maxUpload))
	}
	mr := multipart.NewReader(r.Body, ps["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, fmt.Errorf("no file part in the upload: %w", err)
		}
		if part.FormName() == "file" {
			return io.ReadAll(io.LimitReader(part, maxUpload))
		}
	}
}

// completeUpload is files.completeUploadExternal: every listed file must
// have its bytes; with channel_id the files are shared there, with
// initial_comment as the message text. Shaped like
// fixtures/slack/files.completeUploadExternal.json.
func (s *Server) completeUpload(p params) map[string]any {
	var list []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(p.str("files")), &list); err != nil || len(list) == 0 {
		return apiError("invalid_arguments")
	}
	channel, comment := p.str("channel_id"), p.str("initial_comment")
	if channel == "" {
		channel = p.str("channels") // one channel is all the stand-in shares to
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range list {
		f, ok := s.files[l.ID]
		if !ok || f.Bytes == nil {
			return apiError("file_not_found")
		}
		if f.Complete {
			return apiError("file_already_completed")
		}
	}
	var files []map[string]any
	var ids []string
	for _, l := range list {
		f := s.files[l.ID]
		f.Complete, f.Title, f.Channel, f.Comment = true, l.Title, channel, comment
		if f.Title == "" {
			f.Title = f.Name
		}
		ids = append(ids, f.ID)
		files = append(files, s.fileObject(f))
	}
	if channel != "" {
		s.record(Message{Channel: channel, Text: comment, Via: "files.completeUploadExternal", Files: ids}, nil)
	}
	return map[string]any{"ok": true, "files": files}
}

// fileObject is a file as Slack describes it, with the fields a client
// reads.
func (s *Server) fileObject(f *File) map[string]any {
	mimetype := http.DetectContentType(f.Bytes)
	filetype := strings.TrimPrefix(mimetype, "image/")
	if i := strings.IndexAny(filetype, "/;"); i >= 0 {
		filetype = "binary"
	}
	var channels []string
	if f.Channel != "" {
		channels = []string{f.Channel}
	}
	url := s.srv.URL + "/files/" + f.ID + "/" + f.Name
	return map[string]any{
		"id": f.ID, "created": s.tsBase, "timestamp": s.tsBase, "name": f.Name, "title": f.Title,
		"mimetype": mimetype, "filetype": filetype, "pretty_type": strings.ToUpper(filetype),
		"user": BotUserID, "user_team": TeamID, "editable": false, "size": len(f.Bytes), "mode": "hosted",
		"is_external": false, "external_type": "", "is_public": f.Channel != "", "public_url_shared": false,
		"display_as_bot": false, "username": "", "url_private": url, "url_private_download": url + "?download=1",
		"permalink":        "https://" + strings.ToLower(TeamName) + ".slack.com/files/" + BotUserID + "/" + f.ID + "/" + f.Name,
		"permalink_public": "", "channels": channels, "groups": []string{}, "ims": []string{},
		"comments_count": 0, "is_starred": false, "has_rich_preview": false, "file_access": "visible",
		"alt_txt": f.AltText,
	}
}
