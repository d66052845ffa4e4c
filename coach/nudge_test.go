package coach

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDecide(t *testing.T) {
	ben := Person{Source: PersonGitHub, Name: "ben"}
	cy := Person{Source: PersonGitHub, Name: "cy"}
	episode := nov(18, 0)
	// n is a nudge of the aging episode that began Wednesday the 18th.
	n := func(level Level, mod ...func(*Nudge)) Nudge {
		x := Nudge{Rule: RuleAging, Level: level, Subject: "A-1", Key: "aging:A-1", Since: episode, Moved: nov(20, 0),
			Who: []Person{ben}}
		for _, m := range mod {
			m(&x)
		}
		return x
	}
	sent := func(level Level, when time.Time, mod ...func(*Sent)) *Sent {
		s := &Sent{Key: "aging:A-1", Level: level, At: when, Since: episode}
		for _, m := range mod {
			m(s)
		}
		return s
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	type decision struct {
		Post   bool
		Reason string
	}
	tests := []struct {
		name  string
		prev  *Sent
		n     Nudge
		quiet Quiet
		now   time.Time
		loc   *time.Location
		want  decision
	}{
		{name: "never sent: posted as the first notification",
			n: n(LevelQuiet), now: nov(25, 9.25), want: decision{true, "first notification"}},
		{name: "sent at the same level this morning: held",
			prev: sent(LevelMention, nov(25, 9.25)), n: n(LevelMention), now: nov(25, 15), want: decision{false, "same level within a working day"}},
		{name: "sent at the same level yesterday at 09:15: repeated today at 09:15",
			prev: sent(LevelMention, nov(24, 9.25)), n: n(LevelMention), now: nov(25, 9.25), want: decision{true, "repeat after a working day"}},
		{name: "yesterday's post a second later than today's run still counts as yesterday's: repeated",
			prev: sent(LevelMention, nov(24, 9.25).Add(2*time.Second)), n: n(LevelMention), now: nov(25, 9.25).Add(time.Second),
			want: decision{true, "repeat after a working day"}},
		{name: "sent Friday, asked Monday: the weekend is skipped, repeated",
			prev: sent(LevelMention, nov(20, 9.25)), n: n(LevelMention), now: nov(23, 9.25), want: decision{true, "repeat after a working day"}},
		{name: "quiet this morning, past the SLE this afternoon: escalated at once",
			prev: sent(LevelQuiet, nov(25, 9.25)), n: n(LevelMention), now: nov(25, 15), want: decision{true, "escalated"}},
		{name: "mention this morning, escalated this afternoon: escalated at once",
			prev: sent(LevelMention, nov(25, 9.25)), n: n(LevelEscalated), now: nov(25, 15), want: decision{true, "escalated"}},
		{name: "a lower level the same day does not post",
			prev: sent(LevelEscalated, nov(25, 9.25)), n: n(LevelMention), now: nov(25, 15), want: decision{false, "same level within a working day"}},
		{name: "the condition ended and began again (a new episode): first notification, even the same day",
			prev: sent(LevelMention, nov(25, 9.25)), n: n(LevelMention, func(x *Nudge) { x.Since = nov(25, 10) }), now: nov(25, 15),
			want: decision{true, "first notification"}},
		{name: "a once-only nudge already sent is not repeated the next day",
			prev: sent(LevelMention, nov(24, 9.25)), n: n(LevelMention, func(x *Nudge) { x.Once = true }), now: nov(25, 9.25),
			want: decision{false, "sent once"}},
		{name: "the team is paused until Friday: held, saying until when",
			n: n(LevelMention), quiet: Quiet{PausedUntil: nov(27, 0)}, now: nov(25, 9.25), want: decision{false, "paused until Fri 27 Nov 00:00"}},
		{name: "the item is snoozed until tomorrow 09:00 Berlin time: held, the time shown in the team's zone",
			n: n(LevelMention), quiet: Quiet{SnoozedUntil: nov(26, 8)}, now: nov(25, 9.25), loc: berlin,
			want: decision{false, "snoozed until Thu 26 Nov 09:00"}},
		{name: "a snooze that ran out holds nothing",
			n: n(LevelMention), quiet: Quiet{SnoozedUntil: nov(25, 9)}, now: nov(25, 9.25), want: decision{true, "first notification"}},
		{name: "on it, and the item has not moved since: quiet",
			prev: sent(LevelMention, nov(24, 9.25), func(s *Sent) { s.OnIt = nov(24, 10) }), n: n(LevelEscalated), now: nov(25, 9.25),
			want: decision{false, "on it: quiet until the item moves"}},
		{name: "on it, and the item moved after: nudged again",
			prev: sent(LevelMention, nov(24, 9.25), func(s *Sent) { s.OnIt = nov(24, 10) }),
			n:    n(LevelMention, func(x *Nudge) { x.Moved = nov(24, 12) }), now: nov(25, 9.25),
			want: decision{true, "repeat after a working day"}},
		{name: "everyone it would mention is away: held",
			n: n(LevelMention), quiet: Quiet{Away: map[Person]time.Time{{Source: PersonGitHub, Name: "Ben"}: nov(30, 0)}}, now: nov(25, 9.25),
			want: decision{false, "away"}},
		{name: "one of two people away does not hold the post",
			n: n(LevelMention, func(x *Nudge) { x.Who = []Person{ben, cy} }), quiet: Quiet{Away: map[Person]time.Time{ben: nov(30, 0)}},
			now: nov(25, 9.25), want: decision{true, "first notification"}},
		{name: "away with the same name in another system is someone else",
			n: n(LevelMention), quiet: Quiet{Away: map[Person]time.Time{{Source: PersonJira, Name: "ben"}: nov(30, 0)}}, now: nov(25, 9.25),
			want: decision{true, "first notification"}},
		{name: "a quiet nudge mentions nobody, so nobody's absence holds it",
			n: n(LevelQuiet, func(x *Nudge) { x.Who = nil }), quiet: Quiet{Away: map[Person]time.Time{ben: nov(30, 0)}}, now: nov(25, 9.25),
			want: decision{true, "first notification"}},
		{name: "Saturday is not a working day: nothing posts",
			n: n(LevelMention), now: nov(28, 9.25), want: decision{false, "not a working day"}},
		{name: "Tuesday 23:30 UTC is already Wednesday in Berlin: the same working day as Wednesday 09:15 there",
			prev: sent(LevelMention, nov(24, 23.5)), n: n(LevelMention), now: nov(25, 8.25), loc: berlin,
			want: decision{false, "same level within a working day"}},
		{name: "the same instants in UTC are two days: repeated",
			prev: sent(LevelMention, nov(24, 23.5)), n: n(LevelMention), now: nov(25, 8.25),
			want: decision{true, "repeat after a working day"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			post, reason := Decide(tt.prev, tt.n, tt.quiet, tt.now, Calendar{Location: tt.loc}, 0)
			if diff := cmp.Diff(decision{post, reason}, tt.want); diff != "" {
				t.Errorf("Decide (-got +want):\n%s", diff)
			}
		})
	}
}

func TestDecideWorkdays(t *testing.T) {
	// A Sunday-to-Thursday team: Sunday posts, Friday does not.
	sunThu := [7]bool{time.Sunday: true, time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true}
	n := Nudge{Rule: RuleStalled, Level: LevelMention, Key: "stalled:A-1", Since: nov(18, 0)}
	for _, tt := range []struct {
		name string
		now  time.Time
		want bool
	}{
		{name: "Sunday is a working day", now: nov(22, 9), want: true},
		{name: "Friday is not", now: nov(27, 9), want: false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := Decide(nil, n, Quiet{}, tt.now, Calendar{Workdays: sunThu}, 0)
			if got != tt.want {
				t.Errorf("post = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestDecideCalendar pins Decide against a full working calendar:
// Monday to Friday 09:00-17:00 UTC with Thursday 2026-11-26 a holiday.
// Friday the 20th and Monday the 23rd are working days; so are Tuesday
// the 24th, Wednesday the 25th and Friday the 27th.
func TestDecideCalendar(t *testing.T) {
	cal := Calendar{
		Workdays: [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true},
		Hours:    WorkingHours{Start: 9 * time.Hour, End: 17 * time.Hour},
		Holidays: []string{"2026-11-26"},
	}
	episode := nov(16, 10)
	n := func(level Level) Nudge {
		return Nudge{Rule: RuleStalled, Level: level, Subject: "A-1", Key: "stalled:A-1", Since: episode}
	}
	sent := func(level Level, at time.Time) *Sent {
		return &Sent{Key: "stalled:A-1", Level: level, At: at, Since: episode}
	}
	type decision struct {
		Post   bool
		Reason string
	}
	tests := []struct {
		name   string
		prev   *Sent
		n      Nudge
		now    time.Time
		repeat time.Duration
		want   decision
	}{
		{name: "a holiday on a weekday is not a working day",
			n: n(LevelMention), now: nov(26, 9.25), want: decision{false, "not a working day"}},
		{name: "before the working hours start on a working day: outside working hours",
			n: n(LevelMention), now: nov(25, 8.5), want: decision{false, "outside working hours"}},
		{name: "at 17:00 the working day is over: outside working hours",
			n: n(LevelMention), now: nov(25, 17), want: decision{false, "outside working hours"}},
		{name: "at 09:00 the working day has begun: posted",
			n: n(LevelMention), now: nov(25, 9), want: decision{true, "first notification"}},
		{name: "an escalation waits for the working hours too",
			prev: sent(LevelMention, nov(25, 9.25)), n: n(LevelEscalated), now: nov(25, 18), want: decision{false, "outside working hours"}},
		{name: "1d: posted Friday 09:15, repeated Monday 09:15 (the weekend is not working time)",
			prev: sent(LevelMention, nov(20, 9.25)), n: n(LevelMention), now: nov(23, 9.25), repeat: 24 * time.Hour,
			want: decision{true, "repeat after a working day"}},
		{name: "1d by default: the same",
			prev: sent(LevelMention, nov(20, 9.25)), n: n(LevelMention), now: nov(23, 9.25),
			want: decision{true, "repeat after a working day"}},
		{name: "1d: Friday's post went out late at 09:40, Monday's 09:15 check still repeats it",
			prev: sent(LevelMention, nov(20, 9+40.0/60)), n: n(LevelMention), now: nov(23, 9.25), repeat: 24 * time.Hour,
			want: decision{true, "repeat after a working day"}},
		{name: "1d: posted this morning, held this afternoon",
			prev: sent(LevelMention, nov(23, 9.25)), n: n(LevelMention), now: nov(23, 15), repeat: 24 * time.Hour,
			want: decision{false, "same level within a working day"}},
		{name: "2d: posted Monday 09:15, held Tuesday 09:15 (one working day since)",
			prev: sent(LevelMention, nov(23, 9.25)), n: n(LevelMention), now: nov(24, 9.25), repeat: 48 * time.Hour,
			want: decision{false, "repeated less than repeat_every ago"}},
		{name: "2d: posted Monday 09:15, repeated Wednesday 09:15",
			prev: sent(LevelMention, nov(23, 9.25)), n: n(LevelMention), now: nov(25, 9.25), repeat: 48 * time.Hour,
			want: decision{true, "repeat after a working day"}},
		{name: "2d: posted Wednesday 09:15, held Friday 09:15 because Thursday is a holiday",
			prev: sent(LevelMention, nov(25, 9.25)), n: n(LevelMention), now: nov(27, 9.25), repeat: 48 * time.Hour,
			want: decision{false, "repeated less than repeat_every ago"}},
		{name: "2d: posted Wednesday 09:15, repeated Monday 09:15 after the holiday and the weekend",
			prev: sent(LevelMention, nov(25, 9.25)), n: n(LevelMention), now: nov(30, 9.25), repeat: 48 * time.Hour,
			want: decision{true, "repeat after a working day"}},
		{name: "2d: an escalation the next day is still immediate",
			prev: sent(LevelMention, nov(23, 9.25)), n: n(LevelEscalated), now: nov(24, 9.25), repeat: 48 * time.Hour,
			want: decision{true, "escalated"}},
		{name: "2d: an escalation the same day is still immediate",
			prev: sent(LevelQuiet, nov(23, 9.25)), n: n(LevelMention), now: nov(23, 14), repeat: 48 * time.Hour,
			want: decision{true, "escalated"}},
		{name: "4h: still at most once per working day",
			prev: sent(LevelMention, nov(23, 9.25)), n: n(LevelMention), now: nov(23, 16), repeat: 4 * time.Hour,
			want: decision{false, "same level within a working day"}},
		{name: "1.5d: posted Monday 09:15, held Tuesday 09:15, repeated Tuesday 13:00 (12 working hours since Monday 09:00)",
			prev: sent(LevelMention, nov(23, 9.25)), n: n(LevelMention), now: nov(24, 13), repeat: 36 * time.Hour,
			want: decision{true, "repeat after a working day"}},
		{name: "1.5d: held Tuesday 12:59",
			prev: sent(LevelMention, nov(23, 9.25)), n: n(LevelMention), now: nov(24, 12+59.0/60), repeat: 36 * time.Hour,
			want: decision{false, "repeated less than repeat_every ago"}},
		{name: "a new episode is a first notification whatever repeat_every says",
			prev: &Sent{Key: "stalled:A-1", Level: LevelMention, At: nov(23, 9.25), Since: nov(10, 0)}, n: n(LevelMention), now: nov(24, 9.25),
			repeat: 48 * time.Hour, want: decision{true, "first notification"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			post, reason := Decide(tt.prev, tt.n, Quiet{}, tt.now, cal, tt.repeat)
			if diff := cmp.Diff(decision{post, reason}, tt.want); diff != "" {
				t.Errorf("Decide (-got +want):\n%s", diff)
			}
		})
	}
}

func TestPresent(t *testing.T) {
	ben := Person{Source: PersonGitHub, Name: "ben"}
	cy := Person{Source: PersonGitHub, Name: "cy"}
	away := map[Person]time.Time{ben: nov(30, 0), cy: nov(20, 0)}
	got := Present([]Person{ben, cy}, away, rnow)
	if diff := cmp.Diff(got, []Person{cy}); diff != "" {
		t.Errorf("Present (-got +want): ben is away until the 30th, cy came back on the 20th:\n%s", diff)
	}
}

func TestSentOf(t *testing.T) {
	n := Nudge{Rule: RuleAging, Level: LevelMention, Key: "aging:A-1", Since: nov(18, 0)}
	got := SentOf(n, rnow)
	want := Sent{Key: "aging:A-1", Level: LevelMention, At: rnow, Since: nov(18, 0)}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("SentOf (-got +want):\n%s", diff)
	}
	// Posting it, the same nudge is then held the same day.
	if post, reason := Decide(&got, n, Quiet{}, rnow.Add(time.Hour), Calendar{}, 0); post {
		t.Errorf("Decide after SentOf posted again: %s", reason)
	}
}
