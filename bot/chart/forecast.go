package chart

import (
	"fmt"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/flowbot/flowbot/coach"
)

// forecastBins is the most bars a forecast histogram draws; wider spreads
// of outcomes are binned.
const forecastBins = 60

// Forecast draws r's simulated outcomes as a histogram with the 50%, 85%
// and 95% lines: for a "when" forecast (r.Items > 0) the share of trials
// finishing on each date, for a "how many" forecast (r.By set) the share
// delivering each number of items. A forecast that is not OK gives a
// picture saying why.
func Forecast(r coach.ForecastReport) ([]byte, error) {
	howMany := !r.By.IsZero()
	title := "Forecast"
	loc := r.Window.To.Location()
	today := r.Window.To // midnight in the team's zone: the sample ends today
	switch {
	case howMany:
		title = fmt.Sprintf("Forecast: how many items by %s?", r.By.Format("2 Jan 2006"))
	case r.Items > 0:
		title = fmt.Sprintf("Forecast: when will %s be done?", plural(r.Items, "item", "items"))
	}
	if !r.OK {
		reason := r.Reason
		if reason == "" {
			reason = "there is no forecast"
		}
		return noData(title, "No forecast: "+reason+".")
	}
	total := 0
	for _, o := range r.Outcomes {
		total += o.Trials
	}
	if total == 0 {
		return noData(title, fmt.Sprintf("None of the %d simulated trials finished within ten years.", r.Trials))
	}
	trials := r.Trials
	if trials <= 0 {
		trials = total + r.Unfinished
	}

	lo, hi := r.Outcomes[0].Value, r.Outcomes[len(r.Outcomes)-1].Value
	width := max(1, (hi-lo+forecastBins)/forecastBins)
	bins := make([]int, (hi-lo)/width+1)
	for _, o := range r.Outcomes {
		bins[(o.Value-lo)/width] += o.Trials
	}
	// x of outcome v: a date's midnight for "when", the count for "how
	// many"; a bar covers its outcomes and is centred on them.
	x := func(v float64) float64 { return v }
	unit := 1.0
	if !howMany {
		y, m, d := today.Date()
		base := unix(time.Date(y, m, d, 0, 0, 0, 0, loc))
		unit = 86400
		x = func(v float64) float64 { return base + v*unit }
	}
	top := 0.0
	for _, b := range bins {
		top = max(top, 100*float64(b)/float64(trials))
	}

	type mark struct {
		percentileLine
		v     float64
		label string
	}
	var marks []mark
	if howMany {
		marks = []mark{
			{line50, float64(r.P50Items), fmt.Sprintf("50%%: %d or more", r.P50Items)},
			{line85, float64(r.P85Items), fmt.Sprintf("85%%: %d or more", r.P85Items)},
			{line95, float64(r.P95Items), fmt.Sprintf("95%%: %d or more", r.P95Items)},
		}
	} else {
		add := func(l percentileLine, t time.Time, ok bool) {
			if !ok {
				return
			}
			y, m, d := t.Date()
			days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)).Hours() / 24
			marks = append(marks, mark{l, days, fmt.Sprintf("%s: by %s", l.name, t.Format("Mon 2 Jan"))})
		}
		add(line50, r.P50Date, r.P50OK)
		add(line85, r.P85Date, r.P85OK)
		add(line95, r.P95Date, r.P95OK)
	}

	xLabel := "Items delivered by " + r.By.Format("2 Jan")
	if !howMany {
		xLabel = "Date the last item is done"
	}
	p := newPlot(xLabel, "Share of trials (%)")
	minV, maxV := float64(lo)-0.5*float64(width), float64(lo+len(bins)*width)-0.5*float64(width)
	for _, m := range marks {
		minV, maxV = min(minV, m.v-0.5), max(maxV, m.v+0.5)
	}
	p.X.Min, p.X.Max = x(minV), x(maxV)
	if howMany {
		p.X.Tick.Marker = intTicks{}
	} else {
		p.X.Tick.Marker = dateTicks{loc: loc}
	}
	p.Y.Min, p.Y.Max = 0, top*1.12
	p.Add(drawFunc(func(c draw.Canvas, p *plot.Plot) {
		tx, ty := p.Transforms(&c)
		gap := vg.Length(1)
		for i, b := range bins {
			if b == 0 {
				continue
			}
			v0 := float64(lo+i*width) - 0.5
			x0, x1 := tx(x(v0)), tx(x(v0+float64(width)))
			c.FillPolygon(skyBlue, rect(x0+gap, ty(0), x1-gap, ty(100*float64(b)/float64(trials))))
		}
		// Each line tagged at the top, one tag a line lower than the
		// last so equal values stay readable.
		tag := textStyle(bold, noteSize, ink, draw.XLeft, draw.YTop)
		h := tag.Height("Ag") + 2
		for i, m := range marks {
			xv := tx(x(m.v))
			c.StrokeLine2(m.style, xv, c.Min.Y, xv, c.Max.Y)
			tag.Color = m.color
			c.FillText(tag, vg.Point{X: xv + 5, Y: c.Max.Y - vg.Length(i)*h}, m.name)
		}
	}))

	keys := make([]key, len(marks))
	for i, m := range marks {
		keys[i] = key{label: m.label, color: m.color, shape: keyLine, dashes: m.style.Dashes}
	}
	sample := fmt.Sprintf("%s simulated trials drawing on the daily throughput of %s (%d delivered).",
		thousands(trials), span(r.Window.From, r.Window.To, loc), r.Delivered)
	if r.Unfinished > 0 {
		sample += fmt.Sprintf(" %d did not finish within ten years.", r.Unfinished)
	}
	subtitle := []string{sample}
	if r.Shifted {
		subtitle = append(subtitle, fmt.Sprintf("Warning: the last 4 weeks delivered %d items, outside the usual %d–%d; throughput has changed, so this forecast may be off.",
			r.Recent, r.RecentP10, r.RecentP90))
	}
	return render(frame{title: title, subtitle: subtitle, keys: keys}, p)
}

// thousands writes n with thousands separators: 10,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
