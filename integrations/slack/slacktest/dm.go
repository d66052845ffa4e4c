package slacktest

import (
	"net/http"
	"strings"
)

// DMChannel is the id of the direct-message channel conversations.open
// gives for user.
func DMChannel(user string) string { return "D" + user }

// serveDM answers users.lookupByEmail, dnd.info and conversations.open,
// reporting whether method was one of them. Users come from AddUser:
// their Email, and DND for do-not-disturb (snoozed) on.
func (s *Server) serveDM(w http.ResponseWriter, method, token string, p params) bool {
	switch method {
	case "users.lookupByEmail", "dnd.info", "conversations.open":
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
	case "users.lookupByEmail":
		email := strings.ToLower(strings.TrimSpace(p.str("email")))
		for _, u := range v.users {
			if email != "" && strings.ToLower(u.Email) == email {
				writeJSON(w, map[string]any{"ok": true, "user": map[string]any{
					"id": u.ID, "team_id": TeamID, "name": u.Name, "real_name": u.Name, "tz": u.TZ,
					"deleted": false, "is_bot": false, "profile": map[string]any{"email": u.Email}}})
				return true
			}
		}
		writeJSON(w, apiError("users_not_found"))
	case "dnd.info":
		u, ok := v.users[p.str("user")]
		if !ok {
			writeJSON(w, apiError("user_not_found"))
			return true
		}
		resp := map[string]any{"ok": true, "dnd_enabled": false, "next_dnd_start_ts": 1, "next_dnd_end_ts": 1, "snooze_enabled": u.DND}
		if u.DND {
			resp["snooze_endtime"] = 4102444800 // 2100-01-01
			resp["snooze_remaining"] = 3600
		}
		writeJSON(w, resp)
	case "conversations.open":
		users := p.str("users")
		if users == "" || strings.Contains(users, ",") {
			writeJSON(w, apiError("invalid_arguments"))
			return true
		}
		if _, ok := v.users[users]; !ok {
			writeJSON(w, apiError("user_not_found"))
			return true
		}
		writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": DMChannel(users), "is_im": true, "user": users}})
	}
	return true
}
