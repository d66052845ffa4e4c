package config

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

func TestNudgeSettings(t *testing.T) {
	type got struct {
		FlowCheck, Standup, Digest string
		Stalled, Blocked           time.Duration
		MaxPoints                  int
		CatchUp                    time.Duration
		Repeat                     time.Duration
	}
	tests := []struct {
		name string
		yaml string
		want got
	}{
		{"absent keys take the defaults", "", got{FlowCheck: "15 9 * * 1-5", Standup: "30 9 * * 1-5", Digest: "0 9 * * 1", CatchUp: 30 * time.Minute, Repeat: 24 * time.Hour}},
		{"an empty schedule is off, the others keep their defaults",
			"    schedules: {standup: \"\"}\n",
			got{FlowCheck: "15 9 * * 1-5", Digest: "0 9 * * 1", CatchUp: 30 * time.Minute, Repeat: 24 * time.Hour}},
		{"every key set",
			"    schedules: {flow_check: \"0 10 * * 1-4\", standup: \"45 9 * * *\", digest: \"0 16 * * 5\"}\n    stalled_after: 3d\n    blocked_after: 1.5d\n    max_points: 8\n    catch_up: 1h\n    repeat_every: 2d\n",
			got{FlowCheck: "0 10 * * 1-4", Standup: "45 9 * * *", Digest: "0 16 * * 5", Stalled: 72 * time.Hour, Blocked: 36 * time.Hour, MaxPoints: 8, CatchUp: time.Hour, Repeat: 48 * time.Hour}},
		{"hours of working time", "    blocked_after: 36h\n    repeat_every: 12h\n", got{FlowCheck: "15 9 * * 1-5", Standup: "30 9 * * 1-5", Digest: "0 9 * * 1", Blocked: 36 * time.Hour, CatchUp: 30 * time.Minute, Repeat: 12 * time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte("teams:\n  - id: payments\n    jira:\n      jql: project = PAY\n" + tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			tm := &c.Teams[0]
			g := got{tm.FlowCheckSpec(), tm.StandupSpec(), tm.DigestSpec(), tm.StalledAfter.Duration, tm.BlockedAfter.Duration, tm.MaxPoints, tm.CatchUpWindow(), tm.RepeatInterval()}
			if diff := cmp.Diff(g, tt.want); diff != "" {
				t.Errorf("settings (-got +want):\n%s", diff)
			}
			// Written out and read back, the team means the same.
			out, err := yaml.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse(out)
			if err != nil {
				t.Fatalf("parsing the marshalled config: %v\n%s", err, out)
			}
			bt := &back.Teams[0]
			if diff := cmp.Diff(got{bt.FlowCheckSpec(), bt.StandupSpec(), bt.DigestSpec(), bt.StalledAfter.Duration, bt.BlockedAfter.Duration, bt.MaxPoints, bt.CatchUpWindow(), bt.RepeatInterval()}, tt.want); diff != "" {
				t.Errorf("after a round trip (-got +want):\n%s\n%s", diff, out)
			}
		})
	}
}

func TestParseScheduleInTeamZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSchedule(DefaultFlowCheckSchedule, berlin)
	if err != nil {
		t.Fatal(err)
	}
	// Friday before the spring change, then Monday after it: 09:15 local
	// both times, an hour apart in UTC.
	fri := s.Next(time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC))
	mon := s.Next(fri)
	if got, want := fri.UTC(), time.Date(2026, 3, 27, 8, 15, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Friday's fire = %v, want %v", got, want)
	}
	if got, want := mon.UTC(), time.Date(2026, 3, 30, 7, 15, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Monday's fire = %v, want %v", got, want)
	}
}
