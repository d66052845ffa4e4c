package github

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/integrations/github/githubtest"
	"github.com/flowbot/flowbot/integrations/retry"
)

func appKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// TestAppAuthentication runs the GitHub App round trip against the
// stand-in: a JWT signed with the App's key is traded for an installation
// token, which then reads pull requests, on github.com's layout and on a
// GitHub Enterprise Server's /api/v3.
func TestAppAuthentication(t *testing.T) {
	key, keyPEM := appKey(t)
	_, otherPEM := appKey(t)
	tests := []struct {
		name       string
		prefix     string
		appID      int64
		install    int64
		keyPEM     []byte
		wantPRs    int
		wantTokens int
		wantErr    string
	}{
		{name: "github.com", appID: 4242, install: 77, keyPEM: keyPEM, wantPRs: 2, wantTokens: 1},
		{name: "enterprise server under /api/v3", prefix: "/api/v3", appID: 4242, install: 77, keyPEM: keyPEM, wantPRs: 2, wantTokens: 1},
		{name: "a key that is not the app's", appID: 4242, install: 77, keyPEM: otherPEM, wantErr: "401"},
		{name: "another app's id", appID: 4243, install: 77, keyPEM: keyPEM, wantErr: "401"},
		{name: "an installation that does not exist", appID: 4242, install: 78, keyPEM: keyPEM, wantErr: "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubtest.NewServer(githubtest.Options{
				PathPrefix: tt.prefix,
				App:        &githubtest.App{ID: 4242, InstallationID: 77, Key: &key.PublicKey},
			})
			defer srv.Close()
			srv.Put(
				githubtest.PullRequest{Repo: "acme/api", Number: 1, Title: "one", User: "ada", Created: now.AddDate(0, 0, -3)},
				githubtest.PullRequest{Repo: "acme/api", Number: 2, Title: "two", User: "bob", Created: now.AddDate(0, 0, -2)},
			)
			c := newClient(t, Config{
				APIURL:     srv.URL(),
				App:        &App{ID: tt.appID, InstallationID: tt.install, PrivateKey: tt.keyPEM},
				HTTPClient: &http.Client{Transport: &retry.Transport{Service: "github"}},
			})
			var got []coach.PullRequest
			_, _, err := c.Sync(context.Background(), "acme/api", "", func(prs []coach.PullRequest) error {
				got = append(got, prs...)
				return nil
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Sync = %v, want an error mentioning %q", err, tt.wantErr)
				}
				if n := srv.TokensIssued(); n != 0 {
					t.Errorf("the stand-in issued %d tokens, want none", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if len(got) != tt.wantPRs {
				t.Errorf("got %d pull requests, want %d", len(got), tt.wantPRs)
			}
			// One token serves every call of the sync.
			if n := srv.TokensIssued(); n != tt.wantTokens {
				t.Errorf("the stand-in issued %d tokens, want %d", n, tt.wantTokens)
			}
			reqs := srv.Requests()
			if want := "POST " + tt.prefix + "/app/installations/77/access_tokens 201"; len(reqs) == 0 || reqs[0] != want {
				t.Errorf("first request = %q, want %q", reqs, want)
			}
		})
	}
}

func TestAppRefusedWithoutItsToken(t *testing.T) {
	key, _ := appKey(t)
	srv := githubtest.NewServer(githubtest.Options{App: &githubtest.App{ID: 1, InstallationID: 2, Key: &key.PublicKey}})
	defer srv.Close()
	srv.Put(githubtest.PullRequest{Repo: "acme/api", Number: 1, User: "ada", Created: now})
	c := newClient(t, Config{APIURL: srv.URL(), Token: "ghs_made_up"})
	_, _, err := c.Sync(context.Background(), "acme/api", "", func([]coach.PullRequest) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "bad credentials") {
		t.Errorf("Sync with a made-up token = %v, want bad credentials", err)
	}
}

func TestNewWithApp(t *testing.T) {
	_, keyPEM := appKey(t)
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"app", Config{App: &App{ID: 1, InstallationID: 2, PrivateKey: keyPEM}}, ""},
		{"token and app", Config{Token: "ghp_x", App: &App{ID: 1, InstallationID: 2, PrivateKey: keyPEM}}, "both a token and an app"},
		{"not a key", Config{App: &App{ID: 1, InstallationID: 2, PrivateKey: []byte("nope")}}, "github app 1: reading its private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("New = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
