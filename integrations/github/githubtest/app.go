package githubtest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// App is a GitHub App installed once. POST
// /app/installations/{InstallationID}/access_tokens must carry
// "Authorization: Bearer <JWT>" signed RS256 with the private half of Key,
// issued by ID (iss), not expired and issued at most ten minutes before it
// expires, as GitHub demands; it answers 201 with an installation token
// valid for TokenTTL and its expires_at. The stand-in then accepts that
// token ("token …" or "Bearer …") on every other call until it expires.
type App struct {
	ID             int64
	InstallationID int64
	Key            *rsa.PublicKey
	TokenTTL       time.Duration // 0: one hour, as GitHub
}

// TokensIssued is how many installation tokens the App was issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenIssued
}

func (s *Server) isAccessTokenRequest(r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, s.prefix+"/app/installations/")
	return ok && strings.HasSuffix(rest, "/access_tokens")
}

// authorized checks a request's Authorization header against Token and the
// App's unexpired installation tokens. It answers GitHub's message when
// the request is refused.
func (s *Server) authorized(auth string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == "" && s.app == nil {
		return "", true
	}
	if auth == "" {
		return "Requires authentication", false
	}
	tok, ok := strings.CutPrefix(auth, "token ")
	if !ok {
		tok, ok = strings.CutPrefix(auth, "Bearer ")
	}
	if !ok {
		return "Bad credentials", false
	}
	if s.token != "" && tok == s.token {
		return "", true
	}
	if exp, ok := s.appTokens[tok]; ok && time.Now().Before(exp) {
		return "", true
	}
	return "Bad credentials", false
}

func (s *Server) accessToken(w http.ResponseWriter, r *http.Request) {
	const doc = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app"
	if s.app == nil {
		s.writeError(w, http.StatusNotFound, "Not Found", doc)
		return
	}
	jwt, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		s.writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded", doc)
		return
	}
	now := time.Now()
	if msg := jwtProblem(jwt, s.app, now); msg != "" {
		s.writeError(w, http.StatusUnauthorized, msg, doc)
		return
	}
	if r.PathValue("installation") != strconv.FormatInt(s.app.InstallationID, 10) {
		s.writeError(w, http.StatusNotFound, "Not Found", doc)
		return
	}
	ttl := s.app.TokenTTL
	if ttl == 0 {
		ttl = time.Hour
	}
	s.mu.Lock()
	s.nextToken++
	s.tokenIssued++
	tok := fmt.Sprintf("ghs_standin%06d", s.nextToken)
	exp := now.Add(ttl).Truncate(time.Second)
	s.appTokens[tok] = exp
	s.mu.Unlock()
	body, _ := marshal(map[string]any{
		"token":                tok,
		"expires_at":           exp.UTC().Format(time.RFC3339),
		"permissions":          map[string]string{"contents": "read", "pull_requests": "read", "deployments": "read", "actions": "read"},
		"repository_selection": "all",
	})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(body)
}

// jwtProblem checks an App's JWT the way GitHub does: RS256 over
// header.payload with the App's key, iss the App ID, exp in the future and
// at most ten minutes after iat. It returns GitHub's message for a JWT it
// refuses, "" for a good one.
func jwtProblem(token string, app *App, now time.Time) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "A JSON web token could not be decoded"
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := decodePart(parts[0], &header); err != nil || header.Alg != "RS256" {
		return "A JSON web token could not be decoded"
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "A JSON web token could not be decoded"
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(app.Key, crypto.SHA256, sum[:], sig); err != nil {
		return "A JSON web token could not be decoded"
	}
	var claims struct {
		Iss json.RawMessage `json:"iss"`
		Iat int64           `json:"iat"`
		Exp int64           `json:"exp"`
	}
	if err := decodePart(parts[1], &claims); err != nil {
		return "A JSON web token could not be decoded"
	}
	iss := strings.Trim(string(claims.Iss), `"`)
	if iss != strconv.FormatInt(app.ID, 10) {
		return fmt.Sprintf("Integration %s not found", iss)
	}
	switch {
	case claims.Exp <= now.Unix():
		return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	case claims.Exp-claims.Iat > 600:
		return "'Expiration time' claim ('exp') is too far in the future"
	}
	return ""
}

func decodePart(part string, v any) error {
	data, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
