package chart

import (
	"fmt"
	"image/color"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/flowbot/flowbot/coach"
)

// Throughput draws r as a run chart: items delivered per week (weeks start
// Monday in loc, labelled by their Monday), the weeks the window covers only
// in part drawn hollow, and the median of the whole weeks as a line.
func Throughput(r coach.ThroughputReport, loc *time.Location) ([]byte, error) {
	loc = orUTC(loc)
	const title = "Throughput"
	win := span(r.Window.From, r.Window.To, loc)
	if len(r.Weeks) == 0 || r.Total == 0 {
		return noData(title, fmt.Sprintf("No item was delivered in %s.", win))
	}

	n := len(r.Weeks)
	partial := make([]bool, n)
	var whole []float64
	maxCount := 0
	for i, w := range r.Weeks {
		maxCount = max(maxCount, w.Count)
		y, m, d := w.Start.In(loc).Date()
		end := time.Date(y, m, d+7, 0, 0, 0, 0, loc)
		partial[i] = w.Start.Before(r.Window.From) || end.After(r.Window.To)
		if !partial[i] {
			whole = append(whole, float64(w.Count))
		}
	}
	// The median of the whole weeks; of all weeks when none is whole.
	if len(whole) == 0 {
		for _, w := range r.Weeks {
			whole = append(whole, float64(w.Count))
		}
	}
	median, _ := coach.Percentile(whole, 50)

	labelEvery := (n + 12) / 13
	ticks := make(plot.ConstantTicks, n)
	for i, w := range r.Weeks {
		ticks[i] = plot.Tick{Value: float64(i)}
		if i%labelEvery == 0 {
			ticks[i].Label = w.Start.In(loc).Format("2 Jan")
		}
	}
	p := newPlot("Week starting (Monday)", "Items delivered per week")
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	p.X.Tick.Marker = ticks
	p.Y.Min, p.Y.Max = 0, float64(maxCount)*1.15+0.5
	p.Y.Tick.Marker = intTicks{}

	line := draw.LineStyle{Color: blue, Width: 2.5}
	full := draw.GlyphStyle{Color: blue, Radius: 6, Shape: draw.CircleGlyph{}}
	hollow := draw.GlyphStyle{Color: color.White, Radius: 3.5, Shape: draw.CircleGlyph{}}
	p.Add(drawFunc(func(c draw.Canvas, p *plot.Plot) {
		y := hline(c, p, median, line50.style)
		drawGutterLabels(c, c.Max.X+10, []gutterLabel{{y: y, text: "median\n" + fmt.Sprintf("%g a week", median), color: line50.color}})
		tx, ty := p.Transforms(&c)
		pts := make([]vg.Point, n)
		for i, w := range r.Weeks {
			pts[i] = vg.Point{X: tx(float64(i)), Y: ty(float64(w.Count))}
		}
		c.StrokeLines(line, pts)
		count := textStyle(bold, noteSize, ink, draw.XCenter, draw.YBottom)
		for i, w := range r.Weeks {
			if partial[i] {
				// A thick ring, white inside so the line does not show
				// through.
				c.DrawGlyph(full, pts[i])
				c.DrawGlyph(hollow, pts[i])
			} else {
				c.DrawGlyph(full, pts[i])
			}
			if n <= 26 {
				c.FillText(count, vg.Point{X: pts[i].X, Y: pts[i].Y + 10}, fmt.Sprint(w.Count))
			}
		}
	}))

	keys := []key{{label: "whole week", color: blue, shape: keyDot}}
	if slices.Contains(partial, true) {
		keys = append(keys, key{label: "week partly in the window", color: blue, shape: keyRing})
	}
	return render(frame{
		title: title,
		subtitle: []string{fmt.Sprintf("%s delivered %s, %s; the median line is of the whole weeks.",
			plural(r.Total, "item", "items"), win, plural(n, "week", "weeks"))},
		keys:   keys,
		gutter: 110,
	}, p)
}
