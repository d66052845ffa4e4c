package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPeopleParse(t *testing.T) {
	c, _, probs := decode([]byte(`teams:
  - id: payments
    people:
      - {slack: U123, jira: "Ana Lima", github: ana-lima}
      - {slack: U456, github: bo}
`))
	if len(probs) > 0 {
		t.Fatalf("problems: %v", probs)
	}
	want := []Person{{Slack: "U123", Jira: "Ana Lima", GitHub: "ana-lima"}, {Slack: "U456", GitHub: "bo"}}
	if diff := cmp.Diff(c.Teams[0].People, want); diff != "" {
		t.Errorf("People (-got +want):\n%s", diff)
	}
}
