package slacktest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// viewState is what the stand-in knows about people, their channels and
// the views published and opened. Guarded by Server.mu; the zero value is
// ready.
type viewState struct {
	users    map[string]User
	members  map[string][]string        // user -> channel IDs
	home     map[string]json.RawMessage // user -> the last view published
	homeWait map[string][]chan json.RawMessage
	opened   []OpenedView
	viewSeq  int
}

// User is a workspace member as users.info describes one.
type User struct {
	ID      string
	Name    string
	IsAdmin bool
	IsOwner bool
	TZ      string // IANA zone, e.g. Europe/Berlin
	Email   string // found by users.lookupByEmail
	DND     bool   // do-not-disturb on (snoozed), as dnd.info says
}

// OpenedView is a view opened with views.open.
type OpenedView struct {
	ID        string
	TriggerID string
	View      json.RawMessage
}

// AddUser makes u known to users.info, in channels for users.conversations.
// Unknown users get user_not_found.
func (s *Server) AddUser(u User, channels ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.views.users == nil {
		s.views.users = map[string]User{}
		s.views.members = map[string][]string{}
	}
	s.views.users[u.ID] = u
	s.views.members[u.ID] = slices.Clone(channels)
}

// HomeView returns the last view published to user's Home tab.
func (s *Server) HomeView(user string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.views.home[user]
	return v, ok
}

// OpenedViews returns the views opened with views.open, oldest first.
func (s *Server) OpenedViews() []OpenedView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.views.opened)
}

// serveViews answers views.publish, views.open, users.info and
// users.conversations, reporting whether method was one of them.
func (s *Server) serveViews(w http.ResponseWriter, method, token string, p params) bool {
	switch method {
	case "views.publish", "views.open", "users.info", "users.conversations":
	default:
		return false
	}
	if e := s.checkToken(token, s.opts.BotToken); e != "" {
		writeJSON(w, apiError(e))
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := &s.views
	switch method {
	case "users.info":
		u, ok := v.users[p.str("user")]
		if !ok {
			writeJSON(w, apiError("user_not_found"))
			return true
		}
		writeJSON(w, map[string]any{"ok": true, "user": map[string]any{
			"id": u.ID, "team_id": TeamID, "name": u.Name, "real_name": u.Name, "tz": u.TZ,
			"is_admin": u.IsAdmin, "is_owner": u.IsOwner, "is_bot": false, "deleted": false,
		}})
	case "users.conversations":
		user := p.str("user")
		if _, ok := v.users[user]; !ok {
			writeJSON(w, apiError("user_not_found"))
			return true
		}
		chans := []map[string]any{}
		for _, c := range v.members[user] {
			chans = append(chans, map[string]any{"id": c, "name": strings.ToLower(c), "is_channel": true, "is_member": true})
		}
		writeJSON(w, map[string]any{"ok": true, "channels": chans, "response_metadata": map[string]any{"next_cursor": ""}})
	case "views.publish":
		user, view := p.str("user_id"), p.raw("view")
		if user == "" || view == nil {
			writeJSON(w, apiError("invalid_arguments"))
			return true
		}
		if e := checkView(view, "home"); e != "" {
			writeJSON(w, apiError(e))
			return true
		}
		if v.home == nil {
			v.home = map[string]json.RawMessage{}
		}
		v.home[user] = view
		for _, ch := range v.homeWait[user] {
			ch <- view // buffered
		}
		delete(v.homeWait, user)
		writeJSON(w, map[string]any{"ok": true, "view": viewReply(view, s.nextViewID())})
	case "views.open":
		trigger, view := p.str("trigger_id"), p.raw("view")
		if trigger == "" || view == nil {
			writeJSON(w, apiError("invalid_arguments"))
			return true
		}
		if e := checkView(view, "modal"); e != "" {
			writeJSON(w, apiError(e))
			return true
		}
		id := s.nextViewID()
		v.opened = append(v.opened, OpenedView{ID: id, TriggerID: trigger, View: view})
		// A modal is the answer to the slash command whose trigger_id
		// opened it.
		for _, c := range s.commands {
			if c.triggerID == trigger {
				var blocks struct {
					Blocks json.RawMessage `json:"blocks"`
				}
				_ = json.Unmarshal(view, &blocks) // checked by checkView
				s.record(Message{Channel: c.channelID, Via: "views.open", ViewID: id, Blocks: blocks.Blocks}, c)
				break
			}
		}
		writeJSON(w, map[string]any{"ok": true, "view": viewReply(view, id)})
	}
	return true
}

// checkView applies Slack's limits to a view: its type, at most 100
// blocks, and a title (modals) of at most 24 characters.
func checkView(raw json.RawMessage, want string) string {
	var v struct {
		Type   string            `json:"type"`
		Blocks []json.RawMessage `json:"blocks"`
		Title  *struct {
			Text string `json:"text"`
		} `json:"title"`
	}
	if json.Unmarshal(raw, &v) != nil || v.Type != want {
		return "invalid_arguments"
	}
	if len(v.Blocks) > 100 {
		return "invalid_blocks"
	}
	if want == "modal" && (v.Title == nil || v.Title.Text == "" || len([]rune(v.Title.Text)) > 24) {
		return "invalid_arguments"
	}
	return ""
}

func (s *Server) nextViewID() string {
	s.views.viewSeq++
	return fmt.Sprintf("V%08d", s.views.viewSeq)
}

// viewReply is the view object Slack returns (fixtures/slack/views.*.json):
// the view sent, with its id and team.
func viewReply(raw json.RawMessage, id string) map[string]any {
	var v map[string]any
	_ = json.Unmarshal(raw, &v) // checked by checkView
	v["id"], v["team_id"], v["app_id"], v["bot_id"] = id, TeamID, AppID, BotID
	return v
}

// OpenHome delivers app_home_opened for user, as Slack does when they open
// the app's Home tab, waits for the ack, and then for a views.publish to
// user's Home tab, which it returns.
func (s *Server) OpenHome(ctx context.Context, user string) (json.RawMessage, error) {
	published := make(chan json.RawMessage, 1)
	s.mu.Lock()
	if s.views.homeWait == nil {
		s.views.homeWait = map[string][]chan json.RawMessage{}
	}
	s.views.homeWait[user] = append(s.views.homeWait[user], published)
	ts := s.nextTS()
	s.mu.Unlock()
	envelopeID := newID()
	env, err := json.Marshal(envelope{
		EnvelopeID: envelopeID,
		Type:       "events_api",
		Payload: map[string]any{
			"token": "slacktest-verification-token", "team_id": TeamID, "api_app_id": AppID,
			"type": "event_callback", "event_id": "Ev" + hex.EncodeToString(randomBytes(6)), "event_time": s.tsBase,
			"event": map[string]any{"type": "app_home_opened", "user": user, "channel": "D0" + strings.TrimPrefix(user, "U"), "tab": "home", "event_ts": ts},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("encoding envelope: %w", err)
	}
	ack, _ := s.send(env, envelopeID)
	select {
	case <-ack.ch:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the ack of app_home_opened: %w", ctx.Err())
	case <-s.done:
		return nil, errors.New("server closed")
	}
	select {
	case v := <-published:
		return v, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for views.publish to %s: %w", user, ctx.Err())
	case <-s.done:
		return nil, errors.New("server closed")
	}
}

// SubmitView delivers a view_submission of the opened view viewID by user,
// with values as Slack reports a modal's state (block_id -> action_id ->
// element value, e.g. {"type":"plain_text_input","value":"x"}), waits for
// the ack and returns the ack's payload: empty when the app closed the
// modal, or a response_action such as "errors".
func (s *Server) SubmitView(ctx context.Context, user, viewID string, values map[string]map[string]any) (json.RawMessage, error) {
	s.mu.Lock()
	var opened *OpenedView
	for i := range s.views.opened {
		if s.views.opened[i].ID == viewID {
			opened = &s.views.opened[i]
		}
	}
	var view map[string]any
	if opened != nil {
		_ = json.Unmarshal(opened.View, &view)
	}
	s.mu.Unlock()
	if opened == nil {
		return nil, fmt.Errorf("no opened view %q", viewID)
	}
	view["id"], view["team_id"] = viewID, TeamID
	view["state"] = map[string]any{"values": values}
	envelopeID := newID()
	env, err := json.Marshal(envelope{
		EnvelopeID:             envelopeID,
		Type:                   "interactive",
		AcceptsResponsePayload: true,
		Payload: map[string]any{
			"type":       "view_submission",
			"team":       payloadTeam{ID: TeamID, Domain: strings.ToLower(TeamName)},
			"user":       payloadUser{ID: user, Username: user, Name: user, TeamID: TeamID},
			"api_app_id": AppID,
			"token":      "slacktest-verification-token",
			"trigger_id": fmt.Sprintf("%d.%s", s.tsBase, hex.EncodeToString(randomBytes(8))),
			"view":       view,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("encoding envelope: %w", err)
	}
	ack, _ := s.send(env, envelopeID)
	select {
	case raw := <-ack.ch:
		var a struct {
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, fmt.Errorf("reading the ack: %w", err)
		}
		return a.Payload, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the ack of the view submission: %w", ctx.Err())
	case <-s.done:
		return nil, errors.New("server closed")
	}
}
