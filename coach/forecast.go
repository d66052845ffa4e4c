package coach

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Forecast parameters (docs/metrics.md, "Forecast").
const (
	DefaultTrials      = 10_000
	forecastSampleDays = 60
	minThroughputDays  = 10
	forecastHorizon    = 3660 // days a "when" trial may run
	recentDays         = 28
)

// Forecast reasons and exclusions.
const (
	ReasonTooFewThroughputDays = "fewer than 10 days in the last 60 had any throughput"
	ReasonDateNotAfterToday    = "the date is not after today"
	ReasonNothingToForecast    = "no items to forecast"
	ExcludedNonWorkingDays     = "non-working days"
	ExcludedDoneOnNonWorkday   = "done on a non-working day"
)

// ForecastOptions are the settings of one forecast.
type ForecastOptions struct {
	Loc *time.Location // the team's zone; nil: UTC
	// Workdays, indexed by time.Weekday; the zero value means every day
	// is a working day.
	Workdays [7]bool
	Trials   int // 0: DefaultTrials
	Seed     uint64
}

// ForecastReport is a Monte Carlo forecast. The dates or item counts mean
// something only when OK and their own flag is set.
type ForecastReport struct {
	Window   Window // the throughput sample
	N        int    // sampled days
	Excluded map[string]int
	// ThroughputDays is the sampled days with any throughput; Delivered
	// the items delivered on sampled days.
	ThroughputDays int
	Delivered      int
	Trials         int
	Seed           uint64

	OK     bool
	Reason string

	// Shifted: the last 4 weeks' throughput lies outside the 10th-90th
	// percentile range of 28-day totals simulated from the sample.
	Shifted              bool
	Recent               int // delivered in the sample's last 28 days
	RecentP10, RecentP90 int

	// When N items: Items, and the finish dates (midnight in the zone).
	Items                     int
	P50Date, P85Date, P95Date time.Time
	P50OK, P85OK, P95OK       bool

	// How many by a date: By (midnight in the zone) and the totals at 50,
	// 85 (the 15th percentile) and 95 (the 5th) percent.
	By                           time.Time
	P50Items, P85Items, P95Items int

	// Outcomes is the simulated distribution the percentiles are read
	// from: every distinct trial outcome with how many trials had it,
	// ascending by Value. In a when forecast Value is the calendar days
	// after today a trial finished on (1 is tomorrow), and trials not
	// finished within the horizon are counted in Unfinished instead; in a
	// how-many forecast Value is the items a trial delivered.
	Outcomes   []Outcome
	Unfinished int
}

// Outcome is one simulated result and the number of trials that had it.
type Outcome struct {
	Value  int
	Trials int
}

// outcomesOf bins sorted trial results; values above limit are not listed
// and are counted in the second result.
func outcomesOf(sorted []int, limit int) (out []Outcome, over int) {
	for _, v := range sorted {
		switch {
		case v > limit:
			over++
		case len(out) > 0 && out[len(out)-1].Value == v:
			out[len(out)-1].Trials++
		default:
			out = append(out, Outcome{Value: v, Trials: 1})
		}
	}
	return out, over
}

// sample is the daily throughput the trials draw from.
type sample struct {
	r       ForecastReport
	days    []int // throughput of each sampled day
	today   time.Time
	weekday time.Weekday // today's
	every   bool         // every day works
	work    [7]bool
}

func (o ForecastOptions) norm() ForecastOptions {
	if o.Loc == nil {
		o.Loc = time.UTC
	}
	if o.Trials <= 0 {
		o.Trials = DefaultTrials
	}
	return o
}

// ForecastSample is the window a forecast as of now samples throughput
// from: the 60 whole days before today in loc (nil: UTC).
func ForecastSample(now time.Time, loc *time.Location) Window {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := now.In(loc).Date()
	return Window{From: time.Date(y, m, d-forecastSampleDays, 0, 0, 0, 0, loc), To: time.Date(y, m, d, 0, 0, 0, 0, loc)}
}

// newSample reads the 60 whole days before today in o.Loc from the
// deliveries, which must have been read as of now.
func newSample(ds []Delivery, now time.Time, o ForecastOptions) sample {
	y, m, d := now.In(o.Loc).Date()
	win := ForecastSample(now, o.Loc)
	today, from := win.To, win.From
	s := sample{
		r: ForecastReport{
			Window: Window{From: from, To: today}, Excluded: map[string]int{},
			Trials: o.Trials, Seed: o.Seed,
		},
		today: today, weekday: today.Weekday(),
		every: o.Workdays == [7]bool{}, work: o.Workdays,
	}
	starts := make([]time.Time, forecastSampleDays+1)
	for i := range starts {
		starts[i] = time.Date(y, m, d-forecastSampleDays+i, 0, 0, 0, 0, o.Loc)
	}
	counts := make([]int, forecastSampleDays)
	for i := range ds {
		f := &ds[i]
		if f.Done.Before(from) || !f.Done.Before(today) {
			continue
		}
		i, found := slices.BinarySearchFunc(starts, f.Done, func(s, t time.Time) int { return s.Compare(t) })
		if !found {
			i--
		}
		counts[i]++
	}
	for i, c := range counts {
		if !s.works(starts[i].Weekday()) {
			s.r.Excluded[ExcludedNonWorkingDays]++
			if c > 0 {
				s.r.Excluded[ExcludedDoneOnNonWorkday] += c
			}
			continue
		}
		s.days = append(s.days, c)
		s.r.Delivered += c
		if c > 0 {
			s.r.ThroughputDays++
		}
		if i >= forecastSampleDays-recentDays {
			s.r.Recent += c
		}
	}
	s.r.N = len(s.days)
	if s.r.ThroughputDays < minThroughputDays {
		s.r.Reason = ReasonTooFewThroughputDays
	}
	return s
}

func (s *sample) works(wd time.Weekday) bool { return s.every || s.work[wd] }

// pick draws one sampled day's throughput uniformly: PCG's 64-bit output
// scaled by multiply-shift (bias below len(days)/2^64).
func (s *sample) pick(src *rand.PCG) int {
	hi, _ := bits.Mul64(src.Uint64(), uint64(len(s.days)))
	return s.days[hi]
}

// workingDays counts the working days among simulated days 1..k.
func (s *sample) workingDays(k int) int {
	if s.every {
		return k
	}
	n := 0
	for d := 1; d <= k; d++ {
		if s.work[(int(s.weekday)+d)%7] {
			n++
		}
	}
	return n
}

// totals simulates trials totals over k days; only working days deliver,
// so a total is the sum of that many draws.
func (s *sample) totals(src *rand.PCG, trials, k int) []int {
	w := s.workingDays(k)
	out := make([]int, trials)
	for t := range out {
		sum := 0
		for range w {
			sum += s.pick(src)
		}
		out[t] = sum
	}
	slices.Sort(out)
	return out
}

// shift simulates 28-day totals and flags the recent throughput when it is
// outside their 10th-90th percentile range.
func (s *sample) shift(trials int, seed uint64) {
	totals := s.totals(rand.NewPCG(seed, 1), trials, recentDays)
	s.r.RecentP10 = rankOf(totals, 10)
	s.r.RecentP90 = rankOf(totals, 90)
	s.r.Shifted = s.r.Recent < s.r.RecentP10 || s.r.Recent > s.r.RecentP90
}

// rankOf is nearestRank over sorted ints.
func rankOf(sorted []int, p float64) int {
	n := len(sorted)
	rank := int(math.Ceil(p * float64(n) / 100))
	return sorted[min(max(rank, 1), n)-1]
}

// ForecastWhen forecasts the dates by which items more items will be done.
// flows must have been read as of now.
func ForecastWhen(flows []Flow, now time.Time, items int, o ForecastOptions) ForecastReport {
	return ForecastWhenOf(Deliveries(flows), now, items, o)
}

// ForecastWhenOf is ForecastWhen over deliveries.
func ForecastWhenOf(ds []Delivery, now time.Time, items int, o ForecastOptions) ForecastReport {
	o = o.norm()
	s := newSample(ds, now, o)
	s.r.Items = items
	if s.r.Reason != "" {
		return s.r
	}
	if items <= 0 {
		s.r.Reason = ReasonNothingToForecast
		return s.r
	}
	s.shift(o.Trials, o.Seed)
	src := rand.NewPCG(o.Seed, 0)
	// Which simulated days work, as a weekly pattern starting tomorrow.
	var works [7]bool
	for d := range works {
		works[d] = s.works(time.Weekday((int(s.weekday) + d + 1) % 7))
	}
	finish := make([]int, o.Trials)
	for t := range finish {
		total, k := 0, 0
		for wd := 0; total < items && k < forecastHorizon; wd++ {
			if wd == 7 {
				wd = 0
			}
			k++
			if works[wd] {
				total += s.pick(src)
			}
		}
		if total < items {
			k = forecastHorizon + 1 // later than any date
		}
		finish[t] = k
	}
	slices.Sort(finish)
	s.r.Outcomes, s.r.Unfinished = outcomesOf(finish, forecastHorizon)
	date := func(p float64) (time.Time, bool) {
		k := rankOf(finish, p)
		if k > forecastHorizon {
			return time.Time{}, false
		}
		y, m, d := s.today.Date()
		return time.Date(y, m, d+k, 0, 0, 0, 0, o.Loc), true
	}
	s.r.P50Date, s.r.P50OK = date(50)
	s.r.P85Date, s.r.P85OK = date(85)
	s.r.P95Date, s.r.P95OK = date(95)
	s.r.OK = true
	return s.r
}

// ForecastHowMany forecasts how many items will be done from tomorrow
// through the date of by (its year, month and day, read in o.Loc).
// flows must have been read as of now.
func ForecastHowMany(flows []Flow, now time.Time, by time.Time, o ForecastOptions) ForecastReport {
	return ForecastHowManyOf(Deliveries(flows), now, by, o)
}

// ForecastHowManyOf is ForecastHowMany over deliveries.
func ForecastHowManyOf(ds []Delivery, now time.Time, by time.Time, o ForecastOptions) ForecastReport {
	o = o.norm()
	s := newSample(ds, now, o)
	y, m, d := by.Date()
	s.r.By = time.Date(y, m, d, 0, 0, 0, 0, o.Loc)
	if s.r.Reason != "" {
		return s.r
	}
	if !s.r.By.After(s.today) {
		s.r.Reason = ReasonDateNotAfterToday
		return s.r
	}
	// Calendar days from tomorrow through by; counted by date, so a
	// daylight-saving change does not shift it.
	ty, tm, td := s.today.Date()
	days := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
	s.shift(o.Trials, o.Seed)
	totals := s.totals(rand.NewPCG(o.Seed, 0), o.Trials, days)
	s.r.P50Items = rankOf(totals, 50)
	s.r.P85Items = rankOf(totals, 15)
	s.r.P95Items = rankOf(totals, 5)
	s.r.Outcomes, _ = outcomesOf(totals, math.MaxInt)
	s.r.OK = true
	return s.r
}

// OpenChildren lists the keys of epic's open child items: items whose
// Parent is epic (case-insensitive), neither delivered nor excluded as of
// the instant flows were read.
func OpenChildren(flows []Flow, epic string) []string {
	var keys []string
	for _, f := range flows {
		if strings.EqualFold(f.Item.Parent, epic) && !f.Delivered() && !f.Excluded {
			keys = append(keys, f.Item.Key)
		}
	}
	slices.Sort(keys)
	return keys
}
