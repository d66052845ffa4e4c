package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/bot/config"
)

// storeTeam saves ts as a team's settings the way /flow setup does, into
// the Redis at redisURL.
func storeTeam(t *testing.T, w *world, redisURL string, ts config.TeamSettings) {
	t.Helper()
	db, closeDB, err := openStore(t.Context(), faultEnv(t, w, redisURL, nil), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	entry := bot.SettingsEntry{At: time.Now(), User: "U0ADMIN", Team: ts.ID, Changes: config.Diff(config.TeamSettings{}, ts)}
	if _, err := (settingsStore{db}).SaveSettings(t.Context(), ts, 0, entry); err != nil {
		t.Fatalf("saving settings of %s: %v", ts.ID, err)
	}
}

// webTeam is a team set up in Slack that the file does not have: the
// payments project's web repository, in a channel of its own.
var webTeam = config.TeamSettings{ID: "web", Name: "Web", Channel: "C0WEB", JQL: "project = PAY", Repos: []string{"acme/payments-web"}, Timezone: "UTC"}

// teamLine reads a team's counts from sync's summary.
func teamLine(t *testing.T, out, team string) (items, prs int) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == team {
			if _, err := fmt.Sscanf(line, " "+team+" %d items %d pull requests", &items, &prs); err != nil {
				t.Fatalf("summary line %q: %v", line, err)
			}
			return items, prs
		}
	}
	t.Fatalf("sync's summary has no line for team %s:\n%s", team, out)
	return 0, 0
}

// TestSyncAndAskUseSettingsMadeInSlack: a team that exists only in the
// settings stored from Slack is synced by `flowbot sync` and answered by
// `flowbot ask`, as serve and config export see it.
func TestSyncAndAskUseSettingsMadeInSlack(t *testing.T) {
	r := startRedis(t)
	w := newWorld(t)
	env := map[string]string{}
	for k, v := range w.env {
		env[k] = v
	}
	env["REDIS_URL"] = r.url(0)
	storeTeam(t, w, r.url(0), webTeam)

	code, out, errOut := runCmd(t, env, "", "sync", "--config", w.config, "--quiet")
	if code != 0 {
		t.Fatalf("sync exited %d\n%s\n%s", code, out, errOut)
	}
	if items, prs := teamLine(t, out, "web"); items == 0 || prs == 0 {
		t.Errorf("sync stored %d items and %d pull requests for the team set up in Slack, want some of each:\n%s", items, prs, out)
	}
	if items, _ := teamLine(t, out, "payments"); items == 0 {
		t.Errorf("sync stored no items for the file's team:\n%s", out)
	}

	code, out, errOut = runCmd(t, env, "", "ask", "--config", w.config, "--team", "web", "--now", w.now.Format(time.RFC3339), "--format", "json", "prs --since 60d")
	if code != 0 {
		t.Fatalf("ask --team web exited %d\n%s\n%s", code, out, errOut)
	}
	var prs struct {
		Command string `json:"command"`
	}
	if err := json.Unmarshal([]byte(out), &prs); err != nil {
		t.Fatalf("ask --format json: %v\n%s", err, out)
	}
	if prs.Command != "prs" || !strings.Contains(out, "acme/payments-web") || strings.Contains(out, "acme/payments-api") {
		t.Errorf("ask --team web prs answered for other repositories than the team's:\n%s", out)
	}

	// The file has one team, but two are in effect: ask no longer guesses.
	code, out, errOut = runCmd(t, env, "", "ask", "--config", w.config, "wip")
	if code != exitUsage || !strings.Contains(errOut, "one of: payments, web") {
		t.Errorf("ask without --team exited %d, want %d naming both teams\n%s\n%s", code, exitUsage, out, errOut)
	}
	assertNoSecrets(t, out+errOut, secretsOf(w))
}

// TestSyncWithoutRedisSaysNothingMore: with REDIS_URL unset nothing can
// have been set up in Slack, and sync says nothing about settings.
func TestSyncWithoutRedisSaysNothingMore(t *testing.T) {
	w := newWorld(t)
	env := map[string]string{}
	for k, v := range w.env {
		if k != "REDIS_URL" {
			env[k] = v
		}
	}
	code, out, errOut := runCmd(t, env, "", "sync", "--config", w.config, "--quiet")
	if code != 0 {
		t.Fatalf("sync exited %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(strings.ToLower(out+errOut), "setting") {
		t.Errorf("sync without REDIS_URL speaks of settings:\n%s\n%s", out, errOut)
	}
}
