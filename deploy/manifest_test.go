package deploy_test

import (
	"os"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// The Slack manifest must give flowbot what its features use, and nothing
// a reviewer of the app would have to ask about.
func TestSlackManifest(t *testing.T) {
	data, err := os.ReadFile("slack-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			AppHome struct {
				HomeTab bool `yaml:"home_tab_enabled"`
			} `yaml:"app_home"`
			SlashCommands []struct {
				Command   string `yaml:"command"`
				UsageHint string `yaml:"usage_hint"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				Bot []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			SocketMode    bool `yaml:"socket_mode_enabled"`
			Interactivity struct {
				Enabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("slack-manifest.yaml: %v", err)
	}
	if !m.Settings.SocketMode {
		t.Error("socket mode is off: flowbot connects over socket mode")
	}
	if !m.Settings.Interactivity.Enabled {
		t.Error("interactivity is off: the Show chart button and the setup form need it")
	}
	if !m.Features.AppHome.HomeTab || !slices.Contains(m.Settings.Events.Bot, "app_home_opened") {
		t.Errorf("home tab %v, bot events %v: the Home tab needs home_tab_enabled and app_home_opened", m.Features.AppHome.HomeTab, m.Settings.Events.Bot)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/flow" || m.Features.SlashCommands[0].UsageHint == "" {
		t.Errorf("slash commands = %+v, want /flow with a usage hint", m.Features.SlashCommands)
	}
	want := []string{"channels:read", "chat:write", "commands", "dnd:read", "files:write", "groups:read", "im:write", "users:read", "users:read.email"}
	got := slices.Sorted(slices.Values(m.OAuth.Scopes.Bot))
	if !slices.Equal(got, want) {
		t.Errorf("bot scopes = %v, want exactly %v", got, want)
	}
}
