package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/store"
	"github.com/flowbot/flowbot/store/storetest"
)

func TestTeamSettings(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	at := time.Date(2026, 11, 20, 9, 30, 0, 123, cet)

	if _, ok, err := db.GetTeamSettings(ctx, "payments"); err != nil || ok {
		t.Fatalf("GetTeamSettings before any save: ok=%v err=%v, want none", ok, err)
	}
	first := store.TeamSettings{Team: "payments", Document: []byte("id: payments\nwip_limit: 5\n"), Updated: at, By: "U1"}
	change := []store.SettingsChange{{Path: "wip_limit", Old: "", New: "5"}}
	rev, err := db.PutTeamSettings(ctx, first, 0, store.AuditEntry{At: at, User: "U1", Changes: change})
	if err != nil || rev != 1 {
		t.Fatalf("first PutTeamSettings: rev=%d err=%v, want 1", rev, err)
	}
	t.Run("a stale revision is refused", func(t *testing.T) {
		_, err := db.PutTeamSettings(ctx, first, 0, store.AuditEntry{At: at, User: "U2"})
		if !errors.Is(err, store.ErrSettingsConflict) {
			t.Errorf("PutTeamSettings with revision 0 after a save: got %v, want ErrSettingsConflict", err)
		}
	})
	second := store.TeamSettings{Team: "payments", Document: []byte("id: payments\nwip_limit: 4\n"), Updated: at.Add(time.Hour), By: "U2"}
	if rev, err := db.PutTeamSettings(ctx, second, 1, store.AuditEntry{At: at.Add(time.Hour), User: "U2",
		Changes: []store.SettingsChange{{Path: "wip_limit", Old: "5", New: "4"}}}); err != nil || rev != 2 {
		t.Fatalf("second PutTeamSettings: rev=%d err=%v, want 2", rev, err)
	}
	other := store.TeamSettings{Team: "checkout", Document: []byte("id: checkout\n"), Updated: at, By: "U1"}
	if _, err := db.PutTeamSettings(ctx, other, 0, store.AuditEntry{At: at, User: "U1"}); err != nil {
		t.Fatal(err)
	}

	t.Run("read back", func(t *testing.T) {
		got, ok, err := db.GetTeamSettings(ctx, "payments")
		if err != nil || !ok {
			t.Fatalf("GetTeamSettings: ok=%v err=%v", ok, err)
		}
		want := second
		want.Revision = 2
		want.Updated = want.Updated.UTC()
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("(-got +want):\n%s", diff)
		}
	})
	t.Run("all teams", func(t *testing.T) {
		all, err := db.AllTeamSettings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range all {
			got = append(got, s.Team)
		}
		if diff := cmp.Diff(got, []string{"checkout", "payments"}); diff != "" {
			t.Errorf("(-got +want):\n%s", diff)
		}
	})
	t.Run("audit newest first", func(t *testing.T) {
		got, err := db.SettingsAudit(ctx, "payments", 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.AuditEntry{
			{At: at.Add(time.Hour).UTC(), User: "U2", Team: "payments", Revision: 2, Changes: []store.SettingsChange{{Path: "wip_limit", Old: "5", New: "4"}}},
			{At: at.UTC(), User: "U1", Team: "payments", Revision: 1, Changes: change},
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("(-got +want):\n%s", diff)
		}
		if got, _ := db.SettingsAudit(ctx, "payments", 1); len(got) != 1 || got[0].Revision != 2 {
			t.Errorf("SettingsAudit limit 1 = %+v, want the newest entry only", got)
		}
	})
	t.Run("bad team id", func(t *testing.T) {
		if _, _, err := db.GetTeamSettings(ctx, "Pay{x}"); !errors.Is(err, store.ErrInvalidTeam) {
			t.Errorf("got %v, want ErrInvalidTeam", err)
		}
	})
}
