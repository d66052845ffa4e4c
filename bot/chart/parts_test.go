package chart

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/plot"

	"github.com/flowbot/flowbot/coach"
)

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSamePicture pins the tolerant comparison: anti-aliasing noise
// passes, a changed region or another size does not.
func TestSamePicture(t *testing.T) {
	base := func() *image.NRGBA {
		img := image.NewNRGBA(image.Rect(0, 0, 200, 100))
		for y := range 100 {
			for x := range 200 {
				img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
			}
		}
		return img
	}
	want := encodePNG(t, base())
	tests := []struct {
		name   string
		change func(*image.NRGBA) image.Image
		ok     bool
	}{
		{"identical", func(img *image.NRGBA) image.Image { return img }, true},
		{"every pixel a little off", func(img *image.NRGBA) image.Image {
			for i := 0; i < len(img.Pix); i += 4 {
				img.Pix[i] += 20
			}
			return img
		}, true},
		{"a few pixels far off", func(img *image.NRGBA) image.Image {
			for x := range 30 { // 30 of 20,000 pixels: 0.15%
				img.Set(x, 50, color.Black)
			}
			return img
		}, true},
		{"scattered pixels beyond the share allowed", func(img *image.NRGBA) image.Image {
			for i := range 60 { // 0.3% of pixels, like anti-aliasing noise
				img.Set((i*37)%200, (i*53)%100, color.Black)
			}
			return img
		}, false},
		{"a changed digit", func(img *image.NRGBA) image.Image {
			for y := 40; y < 48; y++ {
				for x := 80; x < 84; x++ { // 32 pixels in one place
					img.Set(x, y, color.White)
				}
			}
			return img
		}, false},
		{"a block far off", func(img *image.NRGBA) image.Image {
			for y := range 10 {
				for x := range 10 {
					img.Set(x, y, color.White)
				}
			}
			return img
		}, false},
		{"another size", func(*image.NRGBA) image.Image { return image.NewNRGBA(image.Rect(0, 0, 201, 100)) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := samePicture(encodePNG(t, tt.change(base())), want)
			if got := err == nil; got != tt.ok {
				t.Errorf("same = %v (%v), want %v", got, err, tt.ok)
			}
		})
	}
}

func TestAgingColumns(t *testing.T) {
	items := []coach.AgingItem{{Stage: "Review"}, {Stage: "On Hold"}, {Stage: "build"}, {Stage: "Blocked"}, {Stage: "On Hold"}}
	got := agingColumns(items, []string{"Build", "Review", "review", "Test"})
	want := []string{"Build", "Review", "Test", "On Hold", "Blocked"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("columns (-got +want):\n%s", diff)
	}
}

func TestJitter(t *testing.T) {
	// Keys of one project differ in their last digits; their dots must
	// still spread across the column, not pile up in one strip of it.
	var bins [6]int
	for i := range 120 {
		key := fmt.Sprintf("PAY-%d", 40+i)
		j := jitter(key)
		if j < -0.3 || j > 0.3 {
			t.Fatalf("jitter(%q) = %v, want within [-0.3, 0.3]", key, j)
		}
		if j != jitter(key) {
			t.Errorf("jitter(%q) differs between calls", key)
		}
		bins[min(int((j+0.3)/0.1), 5)]++
	}
	for i, n := range bins {
		if n < 10 { // 20 expected in each
			t.Errorf("%d of 120 keys in strip %d of 6 (%v): dots pile up", n, i, bins)
		}
	}
}

func labels(ts []plot.Tick) []string {
	var out []string
	for _, t := range ts {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

func TestDateTicks(t *testing.T) {
	day := func(m time.Month, d int) float64 { return unix(time.Date(2024, m, d, 0, 0, 0, 0, berlin)) }
	tests := []struct {
		name   string
		lo, hi float64
		want   []string
	}{
		{"a week: every day", day(3, 4), day(3, 10), []string{"4 Mar", "5 Mar", "6 Mar", "7 Mar", "8 Mar", "9 Mar", "10 Mar"}},
		{"two weeks: every other day", day(3, 4), day(3, 17), []string{"4 Mar", "6 Mar", "8 Mar", "10 Mar", "12 Mar", "14 Mar", "16 Mar"}},
		// Across the change to summer time on 31 March: still midnights.
		{"six weeks: Mondays", day(3, 20), day(4, 30), []string{"25 Mar", "1 Apr", "8 Apr", "15 Apr", "22 Apr", "29 Apr"}},
		{"a year: months", day(1, 15), unix(time.Date(2025, 1, 10, 0, 0, 0, 0, berlin)),
			[]string{"Mar 2024", "May 2024", "Jul 2024", "Sep 2024", "Nov 2024", "Jan 2025"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := dateTicks{loc: berlin}.Ticks(tt.lo, tt.hi)
			if diff := cmp.Diff(labels(ts), tt.want); diff != "" {
				t.Errorf("labels (-got +want):\n%s", diff)
			}
			for _, tk := range ts {
				at := time.Unix(int64(tk.Value), 0).In(berlin)
				if at.Hour() != 0 || at.Minute() != 0 {
					t.Errorf("tick at %v, want midnight", at)
				}
			}
		})
	}
}

func TestCountTicks(t *testing.T) {
	tests := []struct {
		name   string
		ticker plot.Ticker
		lo, hi float64
		want   []string
	}{
		{"days", countTicks{}, 0, 13, []string{"0", "2", "4", "6", "8", "10", "12"}},
		{"hours", countTicks{}, 0, 0.5, []string{"0.0", "0.1", "0.2", "0.3", "0.4", "0.5"}},
		{"items: whole numbers", intTicks{}, 0, 3.5, []string{"0", "1", "2", "3"}},
		{"many items", intTicks{}, 0, 480, []string{"0", "100", "200", "300", "400"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(labels(tt.ticker.Ticks(tt.lo, tt.hi)), tt.want); diff != "" {
				t.Errorf("labels (-got +want):\n%s", diff)
			}
		})
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct{ got, want string }{
		{thousands(0), "0"},
		{thousands(999), "999"},
		{thousands(10000), "10,000"},
		{thousands(-1234567), "-1,234,567"},
		{days(0.25), "6.0 hours"},
		{days(6.23), "6.2 days"},
		{days(12.6), "13 days"},
		{span(time.Date(2024, 3, 16, 0, 0, 0, 0, berlin), time.Date(2024, 5, 16, 0, 0, 0, 0, berlin), berlin), "16 Mar – 15 May 2024"},
		{span(time.Date(2023, 12, 1, 0, 0, 0, 0, berlin), time.Date(2024, 1, 1, 0, 0, 0, 0, berlin), nil), "1 Dec – 31 Dec 2023"},
		{span(time.Date(2023, 12, 1, 0, 0, 0, 0, berlin), time.Date(2024, 1, 2, 0, 0, 0, 0, berlin), nil), "1 Dec 2023 – 1 Jan 2024"},
		{shorten("Waiting for the vendor to reply", 18), "Waiting for the v…"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestForecastOutcomes checks the distribution coach hands the histogram:
// every trial is in it once, and the percentiles read off it are the
// report's.
func TestForecastOutcomes(t *testing.T) {
	flows := deliveredFlows(45, 1)
	opts := coach.ForecastOptions{Loc: berlin, Seed: 1, Trials: 2000}
	rank := func(r coach.ForecastReport, p float64) int {
		need := int(float64(r.Trials)*p/100 + 0.999999)
		seen := 0
		for _, o := range r.Outcomes {
			seen += o.Trials
			if seen >= need {
				return o.Value
			}
		}
		return -1
	}
	check := func(t *testing.T, r coach.ForecastReport) {
		t.Helper()
		sum := r.Unfinished
		for i, o := range r.Outcomes {
			sum += o.Trials
			if i > 0 && o.Value <= r.Outcomes[i-1].Value {
				t.Errorf("outcomes not ascending at %d: %v", i, r.Outcomes)
			}
		}
		if sum != r.Trials {
			t.Errorf("outcomes hold %d trials, want %d", sum, r.Trials)
		}
	}
	t.Run("when", func(t *testing.T) {
		r := coach.ForecastWhen(flows, now, 40, opts)
		check(t, r)
		y, m, d := r.Window.To.Date()
		for _, tt := range []struct {
			p    float64
			date time.Time
		}{{50, r.P50Date}, {85, r.P85Date}, {95, r.P95Date}} {
			if got := time.Date(y, m, d+rank(r, tt.p), 0, 0, 0, 0, berlin); !got.Equal(tt.date) {
				t.Errorf("P%v read off the outcomes %v, report %v", tt.p, got, tt.date)
			}
		}
	})
	t.Run("how many", func(t *testing.T) {
		r := coach.ForecastHowMany(flows, now, time.Date(2024, 6, 30, 0, 0, 0, 0, berlin), opts)
		check(t, r)
		got := []int{rank(r, 50), rank(r, 15), rank(r, 5)}
		if diff := cmp.Diff(got, []int{r.P50Items, r.P85Items, r.P95Items}); diff != "" {
			t.Errorf("percentiles off the outcomes (-got +want):\n%s", diff)
		}
	})
}

// TestConcurrentRenders: the bot renders for several channels at once.
func TestConcurrentRenders(t *testing.T) {
	flows := deliveredFlows(20, 3)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = CycleTime(coach.Deliveries(flows), coach.CycleTime(flows, last60), berlin)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	flows := deliveredFlows(200, 1)
	items := teamItems()
	teamFlows := coach.Flows(workflow, items, now)
	ct := coach.CycleTime(flows, last60)
	ag := agingReport(true)
	tp := coach.Throughput(flows, last60, berlin)
	cfd := coach.CFD(workflow, items, last60, berlin)
	vsm := coach.VSM(workflow, teamFlows, last60, nil)
	fc := coach.ForecastWhen(flows, now, 40, coach.ForecastOptions{Loc: berlin, Seed: 1})
	benches := []struct {
		name   string
		render func() ([]byte, error)
	}{
		{"CycleTime", func() ([]byte, error) { return CycleTime(coach.Deliveries(flows), ct, berlin) }},
		{"Aging", func() ([]byte, error) { return Aging(ag, []string{"Build", "Review", "Test"}) }},
		{"Throughput", func() ([]byte, error) { return Throughput(tp, berlin) }},
		{"CFD", func() ([]byte, error) { return CFD(cfd, berlin) }},
		{"VSM", func() ([]byte, error) { return VSM(vsm) }},
		{"Forecast", func() ([]byte, error) { return Forecast(fc) }},
		{"NoData", func() ([]byte, error) { return Aging(coach.AgingReport{}, nil) }},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := bb.render(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
