package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/store"
)

// settingsStore adapts the store to bot.SettingsStore: team settings are
// stored as config.MarshalSettings documents.
type settingsStore struct{ db *store.DB }

func (s settingsStore) AllSettings(ctx context.Context) ([]bot.SavedSettings, error) {
	stored, err := s.db.AllTeamSettings(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]bot.SavedSettings, 0, len(stored))
	for _, st := range stored {
		ts, err := config.ParseSettings(st.Document)
		if err != nil {
			return nil, fmt.Errorf("settings of team %s: %w", st.Team, err)
		}
		out = append(out, bot.SavedSettings{Settings: ts, Revision: st.Revision})
	}
	return out, nil
}

func (s settingsStore) SaveSettings(ctx context.Context, ts config.TeamSettings, prev int64, e bot.SettingsEntry) (int64, error) {
	doc, err := config.MarshalSettings(ts)
	if err != nil {
		return 0, err
	}
	changes := make([]store.SettingsChange, len(e.Changes))
	for i, c := range e.Changes {
		changes[i] = store.SettingsChange{Path: c.Path, Old: c.Old, New: c.New}
	}
	rev, err := s.db.PutTeamSettings(ctx, store.TeamSettings{Team: ts.ID, Document: doc, Updated: e.At, By: e.User}, prev,
		store.AuditEntry{At: e.At, User: e.User, Team: ts.ID, Changes: changes})
	if errors.Is(err, store.ErrSettingsConflict) {
		return 0, fmt.Errorf("%w: %w", bot.ErrSettingsConflict, err)
	}
	return rev, err
}

func (s settingsStore) SettingsHistory(ctx context.Context, team string, limit int) ([]bot.SettingsEntry, error) {
	es, err := s.db.SettingsAudit(ctx, team, limit)
	if err != nil {
		return nil, err
	}
	out := make([]bot.SettingsEntry, len(es))
	for i, e := range es {
		changes := make([]config.Change, len(e.Changes))
		for j, c := range e.Changes {
			changes[j] = config.Change{Path: c.Path, Old: c.Old, New: c.New}
		}
		out[i] = bot.SettingsEntry{At: e.At, User: e.User, Team: e.Team, Revision: e.Revision, Changes: changes}
	}
	return out, nil
}

func (s settingsStore) SettingsTeams(ctx context.Context) ([]string, error) {
	return s.db.SettingsTeams(ctx)
}
