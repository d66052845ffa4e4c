package bot

import (
	"context"
	"strings"
	"testing"
)

// Every command's help states what its numbers mean in a sentence of its
// own, never the generic fallback.
func TestHelpDefinesEveryCommand(t *testing.T) {
	b := newTestBot(t)
	fallback := helpDefinition("no-such-command")
	for _, sp := range append(append([]spec(nil), specs...), adminSpecs...) {
		t.Run(sp.name, func(t *testing.T) {
			ans, err := b.Ask(context.Background(), "payments", "help "+sp.name, now)
			if err != nil {
				t.Fatalf("Ask(help %s): %v", sp.name, err)
			}
			def := helpDefinition(sp.name)
			if def == fallback {
				t.Errorf("help %s: no definition of its own", sp.name)
			}
			if !strings.Contains(ans.Text, def) {
				t.Errorf("help %s text = %q, want it to contain the definition %q", sp.name, ans.Text, def)
			}
			if !strings.Contains(ans.Text, sp.example) {
				t.Errorf("help %s text = %q, want the example %q", sp.name, ans.Text, sp.example)
			}
		})
	}
}
