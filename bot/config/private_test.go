package config

import "testing"

// TestPrivate: private reads as a boolean, absent is false.
func TestPrivate(t *testing.T) {
	tests := []struct {
		name string
		line string // the team's private line, if any
		want bool
	}{
		{"absent", "", false},
		{"true", "private: true", true},
		{"false", "private: false", false},
		{"True", "private: True", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte("teams:\n  - id: payments\n    channel: C0PAYMENTS\n    jira: {jql: project = PAY}\n    " + tt.line + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Teams[0].Private; got != tt.want {
				t.Errorf("Private = %v, want %v", got, tt.want)
			}
		})
	}
}
