package slacktest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// PressButton delivers a block_actions envelope, as Slack sends when a
// person presses a button with actionID and value on a message the app
// posted in channel, then waits for its ack and the answer (a post to the
// envelope's response_url, or a chat.* post to channel), as SlashCommand
// does. Empty channel and user take DefaultChannelID and DefaultUserID.
// The payload has the fields of fixtures/slack/BlockActionPayload.json.
func (s *Server) PressButton(ctx context.Context, actionID, value, channel, user string) (Message, error) {
	if channel == "" {
		channel = DefaultChannelID
	}
	if user == "" {
		user = DefaultUserID
	}
	envelopeID := newID()
	c := &command{envelopeID: envelopeID, channelID: channel}
	responseToken := hex.EncodeToString(randomBytes(12))
	s.mu.Lock()
	messageTS := s.nextTS()
	actionTS := s.nextTS()
	s.mu.Unlock()
	payload := blockActionPayload{
		Type:        "block_actions",
		Team:        payloadTeam{ID: TeamID, Domain: strings.ToLower(TeamName)},
		User:        payloadUser{ID: user, Username: DefaultUserName, Name: DefaultUserName, TeamID: TeamID},
		APIAppID:    AppID,
		Token:       "slacktest-verification-token",
		Container:   payloadContainer{Type: "message", MessageTS: messageTS, ChannelID: channel, IsEphemeral: true},
		TriggerID:   fmt.Sprintf("%d.%s", s.tsBase, hex.EncodeToString(randomBytes(8))),
		Channel:     payloadChannel{ID: channel, Name: "flow"},
		ResponseURL: s.srv.URL + "/respond/" + responseToken,
		State:       map[string]any{"values": map[string]any{}},
		Actions: []payloadAction{{
			ActionID: actionID, BlockID: "actions", Value: value, Type: "button", ActionTS: actionTS,
			Text: payloadText{Type: "plain_text", Text: "Show chart", Emoji: true},
		}},
		IsEnterprise: false,
	}
	env, err := json.Marshal(envelope{
		EnvelopeID:             envelopeID,
		Payload:                payload,
		Type:                   "interactive",
		AcceptsResponsePayload: false,
	})
	if err != nil {
		return Message{}, fmt.Errorf("encoding envelope: %w", err)
	}
	return s.exchange(ctx, env, c, responseToken, "button "+actionID+" "+value)
}

// blockActionPayload is the part of fixtures/slack/BlockActionPayload.json
// that a button press on an ephemeral message carries (Slack sends no
// message object for an ephemeral one).
type blockActionPayload struct {
	Type         string           `json:"type"`
	Team         payloadTeam      `json:"team"`
	User         payloadUser      `json:"user"`
	APIAppID     string           `json:"api_app_id"`
	Token        string           `json:"token"`
	Container    payloadContainer `json:"container"`
	TriggerID    string           `json:"trigger_id"`
	Channel      payloadChannel   `json:"channel"`
	ResponseURL  string           `json:"response_url"`
	State        map[string]any   `json:"state"`
	Actions      []payloadAction  `json:"actions"`
	IsEnterprise bool             `json:"is_enterprise_install"`
}

type payloadTeam struct {
	ID     string `json:"id"`
	Domain string `json:"domain"`
}

type payloadUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	TeamID   string `json:"team_id"`
}

type payloadContainer struct {
	Type        string `json:"type"`
	MessageTS   string `json:"message_ts"`
	ChannelID   string `json:"channel_id"`
	IsEphemeral bool   `json:"is_ephemeral"`
}

type payloadChannel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type payloadText struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji"`
}

type payloadAction struct {
	ActionID string      `json:"action_id"`
	BlockID  string      `json:"block_id"`
	Text     payloadText `json:"text"`
	Value    string      `json:"value"`
	Type     string      `json:"type"`
	ActionTS string      `json:"action_ts"`
}

// MessageButton is a press on a button of a message the app posted in a
// channel (not ephemeral): Slack then sends the message, blocks and all,
// and the block_id of the button's actions block.
type MessageButton struct {
	ActionID, Value, BlockID string
	Channel, User            string // empty: DefaultChannelID, DefaultUserID
	MessageTS                string
	Text                     string
	Blocks                   json.RawMessage // the message's blocks as posted
}

// PressMessageButton delivers a block_actions envelope for a press on a
// channel message, then waits for its ack and the answer, as PressButton
// does.
func (s *Server) PressMessageButton(ctx context.Context, b MessageButton) (Message, error) {
	if b.Channel == "" {
		b.Channel = DefaultChannelID
	}
	if b.User == "" {
		b.User = DefaultUserID
	}
	envelopeID := newID()
	c := &command{envelopeID: envelopeID, channelID: b.Channel}
	responseToken := hex.EncodeToString(randomBytes(12))
	s.mu.Lock()
	actionTS := s.nextTS()
	s.mu.Unlock()
	payload := struct {
		blockActionPayload
		Message map[string]any `json:"message"`
	}{
		blockActionPayload: blockActionPayload{
			Type:        "block_actions",
			Team:        payloadTeam{ID: TeamID, Domain: strings.ToLower(TeamName)},
			User:        payloadUser{ID: b.User, Username: DefaultUserName, Name: DefaultUserName, TeamID: TeamID},
			APIAppID:    AppID,
			Token:       "slacktest-verification-token",
			Container:   payloadContainer{Type: "message", MessageTS: b.MessageTS, ChannelID: b.Channel},
			TriggerID:   fmt.Sprintf("%d.%s", s.tsBase, hex.EncodeToString(randomBytes(8))),
			Channel:     payloadChannel{ID: b.Channel, Name: "flow"},
			ResponseURL: s.srv.URL + "/respond/" + responseToken,
			State:       map[string]any{"values": map[string]any{}},
			Actions: []payloadAction{{
				ActionID: b.ActionID, BlockID: b.BlockID, Value: b.Value, Type: "button", ActionTS: actionTS,
				Text: payloadText{Type: "plain_text", Text: b.ActionID, Emoji: true},
			}},
		},
		Message: s.botMessage(b.Text, b.MessageTS, b.Blocks),
	}
	env, err := json.Marshal(envelope{EnvelopeID: envelopeID, Payload: payload, Type: "interactive"})
	if err != nil {
		return Message{}, fmt.Errorf("encoding envelope: %w", err)
	}
	return s.exchange(ctx, env, c, responseToken, "button "+b.ActionID+" "+b.Value)
}
