package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/redis/go-redis/v9"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/store"
)

const exportFile = `
timezone: UTC
teams:
  - id: payments
    channel: C0PAYMENTS
    jira:
      jql: project = PAY
`

// config export writes the file with the settings stored in Redis applied,
// and what it writes parses back to that configuration.
func TestConfigExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	db := store.New(rdb, store.Options{})
	override := config.TeamSettings{ID: "search", Name: "Search", Channel: "C0SEARCH", JQL: "project = SRCH", WIPLimit: 5, Timezone: "Europe/Berlin"}
	doc, err := config.MarshalSettings(override)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if _, err := db.PutTeamSettings(ctx, store.TeamSettings{Team: "search", Document: doc, Updated: at, By: "U0ADMIN"}, 0, store.AuditEntry{At: at, User: "U0ADMIN"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "flowbot.yaml")
	if err := os.WriteFile(path, []byte(exportFile), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		if k == "REDIS_URL" {
			return "redis://" + mr.Addr() + "/0"
		}
		return ""
	}
	if err := runConfigExport(ctx, []string{"--config", path}, &stdout, &stderr, getenv); err != nil {
		t.Fatalf("config export: %v\n%s", err, stderr.String())
	}
	got, err := config.Parse(stdout.Bytes())
	if err != nil {
		t.Fatalf("exported config does not parse: %v\n%s", err, stdout.String())
	}
	file, err := config.Parse([]byte(exportFile))
	if err != nil {
		t.Fatal(err)
	}
	want, err := config.Apply(file, []config.TeamSettings{override})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, want, cmpopts.IgnoreUnexported(config.Team{}), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("exported config (-got +want):\n%s", diff)
	}
	if !strings.Contains(stdout.String(), "id: search") {
		t.Errorf("export lacks the team made in Slack:\n%s", stdout.String())
	}
}
