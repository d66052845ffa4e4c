package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store/storetest"
)

// quietBot is the nudge tests' bot with a real nudge store, as of
// fridayCheck.
func quietBot(t *testing.T) *Bot {
	t.Helper()
	n := newNudger(t, storetest.New(t).Nudges(), nudgeItems(), nil)
	n.Bot.Nudges = storetest.New(t).Nudges()
	n.Bot.Now = func() time.Time { return fridayCheck }
	return n.Bot
}

// suppressedWhy is what `nudges` says it holds back, by key.
func suppressedWhy(t *testing.T, b *Bot) map[string]string {
	t.Helper()
	ans, err := b.Ask(t.Context(), "payments", "nudges", fridayCheck)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range ans.JSON.(NudgesJSON).Suppressed {
		out[s.Rule+":"+s.Key] = s.Why
	}
	return out
}

func TestQuietCommands(t *testing.T) {
	tests := []struct {
		name     string
		user     string
		text     string
		reply    string            // a part of the reply
		held     map[string]string // `nudges` afterwards: held back, by key
		noChange bool              // a usage error: nothing is stored
	}{
		{
			name: "snooze an item for three working days: Friday to Wednesday",
			text: "snooze PAY-1 3d", reply: "Snoozed *PAY-1* until Wed 25 Nov 09:15",
			held: map[string]string{"stalled:PAY-1": "snoozed until Wed 25 Nov 09:15"},
		},
		{
			name: "snooze for a week", text: "snooze PAY-3 1w", reply: "until Fri 27 Nov 09:15",
			held: map[string]string{"blocked:PAY-3": "snoozed until Fri 27 Nov 09:15"},
		},
		{
			name: "snooze in working hours past the weekend", text: "snooze PAY-2 16h", reply: "until Mon 23 Nov 01:15",
			held: map[string]string{"stalled:PAY-2": "snoozed until Mon 23 Nov 01:15"},
		},
		{name: "snooze a stage in any case", text: "snooze build 1d", reply: "Snoozed *Build* until Mon 23 Nov 09:15", held: map[string]string{}},
		{name: "snooze needs a length", text: "snooze PAY-1", reply: "Say what to snooze and for how long", noChange: true},
		{name: "snooze needs a subject it knows", text: "snooze hello 3d", reply: "`hello` is not an item key", noChange: true},
		{name: "a length in months is refused", text: "snooze PAY-1 3m", reply: "`3m` is not a length", noChange: true},
		{name: "zero is refused", text: "snooze PAY-1 0d", reply: "out of range", noChange: true},
		{name: "over 90 days is refused", text: "pause 20w", reply: "out of range", noChange: true},
		{
			name: "pause the team", text: "pause 2d", reply: "Paused the nudges of Payments until Tue 24 Nov 09:15",
			held: map[string]string{"stalled:PAY-1": "paused until Tue 24 Nov 09:15", "stalled:PAY-2": "paused until Tue 24 Nov 09:15", "blocked:PAY-3": "paused until Tue 24 Nov 09:15"},
		},
		{name: "pause off", text: "pause off", reply: "The nudges of Payments are back on", held: map[string]string{}},
		{
			// Ana is the only person PAY-1 and PAY-3 would mention.
			name: "away holds back what would mention only the asker", user: "U0ANA", text: "away 1w", reply: "You are away until Fri 27 Nov 09:15",
			held: map[string]string{"stalled:PAY-1": "away", "blocked:PAY-3": "away"},
		},
		{name: "away needs a person", text: "away 1w", reply: "`away` marks the person asking", noChange: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := quietBot(t)
			reply := b.HandleCommand(t.Context(), Request{ChannelID: "C0PAYMENTS", UserID: tt.user, Text: tt.text})
			if !strings.Contains(reply.Text, tt.reply) {
				t.Errorf("reply = %q, want it to contain %q", reply.Text, tt.reply)
			}
			if reply.Public {
				t.Error("the reply is public, want it only for the asker")
			}
			got := suppressedWhy(t, b)
			want := tt.held
			if tt.noChange {
				want = map[string]string{}
			}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("held back afterwards (-got +want):\n%s", diff)
			}
		})
	}
}

func TestNudgesCommandJSON(t *testing.T) {
	b := quietBot(t)
	ans, err := b.Ask(t.Context(), "payments", "nudges", fridayCheck)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(ans.JSON)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	if diff := cmp.Diff(len(keys), 5); diff != "" {
		t.Errorf("keys %v (-got +want):\n%s", keys, diff)
	}
	for _, k := range []string{"command", "team", "now", "nudges", "suppressed"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %q in %s", k, raw)
		}
	}
	if n := len(got["nudges"].([]any)); n != 3 {
		t.Errorf("%d nudges, want 3: %s", n, raw)
	}
}

func TestAddWorking(t *testing.T) {
	mon2fri := [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	tests := []struct {
		name string
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{"within a day", fridayCheck, 2 * time.Hour, fridayCheck.Add(2 * time.Hour)},
		{"a day from Friday is Monday", fridayCheck, 24 * time.Hour, time.Date(2026, 11, 23, 9, 15, 0, 0, time.UTC)},
		{"from Saturday counts from Monday", time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), 24 * time.Hour, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)},
		{"five days is a week", fridayCheck, 5 * 24 * time.Hour, fridayCheck.AddDate(0, 0, 7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := addWorking(tt.from, tt.d, time.UTC, mon2fri)
			if !got.Equal(tt.want) {
				t.Errorf("addWorking = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPressNudge(t *testing.T) {
	tests := []struct {
		name   string
		press  NudgePress
		reply  string
		note   string
		held   map[string]string
		errSub string
	}{
		{name: "snooze a day: Friday to Monday", press: NudgePress{ActionID: ActionSnoozeDay, Value: "payments|stalled:PAY-1", User: "U0BO"},
			reply: "Snoozed *PAY-1* until Mon 23 Nov 09:15", note: ":zzz: snoozed by <@U0BO> until Mon 23 Nov 09:15",
			held: map[string]string{"stalled:PAY-1": "snoozed until Mon 23 Nov 09:15"}},
		{name: "snooze a week", press: NudgePress{ActionID: ActionSnoozeWeek, Value: "payments|blocked:PAY-3", User: "U0BO"},
			reply: "until Fri 27 Nov 09:15", note: "until Fri 27 Nov 09:15",
			held: map[string]string{"blocked:PAY-3": "snoozed until Fri 27 Nov 09:15"}},
		{name: "on it holds the nudge back until the item moves", press: NudgePress{ActionID: ActionOnIt, Value: "payments|stalled:PAY-2", User: "U0ANA"},
			reply: "no more stalled nudges about *PAY-2* until it moves", note: ":raised_hand: <@U0ANA> is on it",
			held: map[string]string{"stalled:PAY-2": "on it: quiet until the item moves"}},
		{name: "split it is a how-to and changes nothing", press: NudgePress{ActionID: ActionSplitIt, Value: "payments|oversized-item:PAY-1"},
			reply: "*Splitting PAY-1*", held: map[string]string{}},
		{name: "a value without a key", press: NudgePress{ActionID: ActionOnIt, Value: "payments"}, errSub: "malformed value"},
		{name: "a team it does not know", press: NudgePress{ActionID: ActionOnIt, Value: "nope|stalled:PAY-1"}, errSub: "malformed value"},
		{name: "an unknown action", press: NudgePress{ActionID: "nudge_frob", Value: "payments|stalled:PAY-1"}, errSub: "unknown action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := quietBot(t)
			// The nudges were posted earlier that morning.
			for _, key := range []string{"stalled:PAY-1", "stalled:PAY-2", "blocked:PAY-3"} {
				if err := b.Nudges.RecordSent(t.Context(), "payments", coachSent(key)); err != nil {
					t.Fatal(err)
				}
			}
			out, err := b.PressNudge(t.Context(), tt.press)
			if tt.errSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errSub) {
					t.Fatalf("err = %v, want %q", err, tt.errSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.Reply, tt.reply) || !strings.Contains(out.Note, tt.note) || (tt.note == "") != (out.Note == "") {
				t.Errorf("outcome = %+v, want reply with %q and note %q", out, tt.reply, tt.note)
			}
			got := suppressedWhy(t, b)
			for k, why := range got { // posted earlier today: the rest are the same level
				if why == "same level within a working day" {
					delete(got, k)
				}
			}
			if diff := cmp.Diff(got, tt.held); diff != "" {
				t.Errorf("held back afterwards (-got +want):\n%s", diff)
			}
		})
	}
}

// coachSent is a record of key posted at the flow check's 09:00 run,
// for the episode the test items are in.
func coachSent(key string) coach.Sent {
	for _, n := range coach.Evaluate(coach.RulesInput{Items: nudgeItems(), Workflow: coach.Workflow{Stages: []coach.Stage{
		{Name: "Build", Active: []string{"In Progress"}, Wait: []string{"Blocked"}}, {Name: "Review", Active: []string{"In Review"}}, {Name: "Done", Done: []string{"Done"}}}}}, fridayCheck) {
		if n.Key == key {
			return coach.SentOf(n, fridayCheck.Add(-15*time.Minute))
		}
	}
	return coach.Sent{Key: key, Level: coach.LevelMention, At: fridayCheck.Add(-15 * time.Minute)}
}
