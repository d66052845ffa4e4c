package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/store"
)

// runConfigExport writes the effective configuration as YAML: the file,
// with the settings made in Slack (stored in Redis) applied when REDIS_URL
// is set. What it writes parses back to the same configuration.
func runConfigExport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("config export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	file, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	eff := file
	env, problems := config.EnvFrom(getenv)
	if len(problems) > 0 {
		return fmt.Errorf("reading the environment: %w", problems)
	}
	if env.RedisURL != "" {
		logger := newLogger(stderr, slog.LevelWarn)
		db, closeDB, err := openStore(ctx, env, logger)
		if err != nil {
			return err
		}
		defer closeDB()
		if eff, err = effectiveConfig(ctx, file, db); err != nil {
			return err
		}
	}
	data, err := config.Marshal(eff)
	if err != nil {
		return err
	}
	_, err = stdout.Write(data)
	return err
}

// settingsReader is what effectiveConfig reads from the store.
type settingsReader interface {
	AllTeamSettings(ctx context.Context) ([]store.TeamSettings, error)
}

// effectiveConfig is file with every team's stored settings applied,
// validated as the file is.
func effectiveConfig(ctx context.Context, file *config.Config, db settingsReader) (*config.Config, error) {
	stored, err := db.AllTeamSettings(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading settings made in Slack: %w", err)
	}
	overrides := make([]config.TeamSettings, 0, len(stored))
	for _, s := range stored {
		ts, err := config.ParseSettings(s.Document)
		if err != nil {
			return nil, fmt.Errorf("settings of team %s: %w", s.Team, err)
		}
		overrides = append(overrides, ts)
	}
	eff, err := config.Apply(file, overrides)
	if err != nil {
		return nil, fmt.Errorf("the settings made in Slack do not apply to the file: %w", err)
	}
	return eff, nil
}

// inEffect is the configuration sync, ask and serve act on: the file with
// the settings made in Slack applied (effectiveConfig, as config export
// writes it). When those no longer apply to the file, it logs why and acts
// on the file alone, so a bad stored setting cannot stop the teams the
// file describes.
func inEffect(ctx context.Context, file *config.Config, db settingsReader, logger *slog.Logger) *config.Config {
	eff, err := effectiveConfig(ctx, file, db)
	if err != nil {
		logger.Error("using the configuration file alone; fix the file or save the teams again with /flow setup", "err", err)
		return file
	}
	return eff
}
