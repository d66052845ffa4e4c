package chart

import (
	"fmt"
	"image/color"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/flowbot/flowbot/coach"
)

// cfdStageColors colour the stage columns in order; Backlog and Done have
// their own.
var cfdStageColors = []color.Color{skyBlue, orange, green, yellow, purple, vermillion}

var backlogColor = color.NRGBA{0xcc, 0xcc, 0xcc, 0xff}

// CFD draws r as a cumulative flow diagram: for every day (x, in loc) the
// items in each column at its end stacked as areas, Done at the bottom and
// Backlog on top, with a legend naming each band and its count on the last
// day.
func CFD(r coach.CFDReport, loc *time.Location) ([]byte, error) {
	loc = orUTC(loc)
	const title = "Cumulative flow"
	win := span(r.Window.From, r.Window.To, loc)
	if len(r.Days) == 0 || len(r.Columns) == 0 || r.N == 0 {
		return noData(title, fmt.Sprintf("No item was in any column in %s.", win))
	}

	nc := len(r.Columns)
	colors := make([]color.Color, nc)
	for i := range colors {
		switch {
		case i == 0 && r.Columns[0] == coach.ColumnBacklog:
			colors[i] = backlogColor
		case i == nc-1 && r.Columns[nc-1] == coach.ColumnDone:
			colors[i] = blue
		default:
			colors[i] = cfdStageColors[(i-1+len(cfdStageColors))%len(cfdStageColors)]
		}
	}

	// x of each day; a single day is drawn a day wide.
	xs := make([]float64, len(r.Days))
	counts := make([][]int, len(r.Days))
	for i, d := range r.Days {
		xs[i] = unix(d.Date)
		counts[i] = d.Counts
	}
	if len(xs) == 1 {
		y, m, d := r.Days[0].Date.In(loc).Date()
		xs = append(xs, unix(time.Date(y, m, d+1, 0, 0, 0, 0, loc)))
		counts = append(counts, counts[0])
	}
	// tops[i][k] is the top of column k on day i; columns stack from the
	// last (Done) up to the first (Backlog).
	tops := make([][]float64, len(xs))
	maxTotal := 0.0
	for i, cs := range counts {
		tops[i] = make([]float64, nc)
		sum := 0.0
		for k := nc - 1; k >= 0; k-- {
			if k < len(cs) {
				sum += float64(cs[k])
			}
			tops[i][k] = sum
		}
		maxTotal = max(maxTotal, sum)
	}

	p := newPlot("Date", "Items")
	p.X.Min, p.X.Max = xs[0], xs[len(xs)-1]
	p.X.Tick.Marker = dateTicks{loc: loc}
	p.Y.Min, p.Y.Max = 0, max(maxTotal*1.05, 1)
	p.Y.Tick.Marker = intTicks{}
	p.Add(drawFunc(func(c draw.Canvas, p *plot.Plot) {
		tx, ty := p.Transforms(&c)
		edge := draw.LineStyle{Color: color.White, Width: 1}
		for k := nc - 1; k >= 0; k-- {
			pts := make([]vg.Point, 0, 2*len(xs))
			upper := make([]vg.Point, len(xs))
			for i, x := range xs {
				lower := 0.0
				if k+1 < nc {
					lower = tops[i][k+1]
				}
				pts = append(pts, vg.Point{X: tx(x), Y: ty(lower)})
				upper[i] = vg.Point{X: tx(x), Y: ty(tops[i][k])}
			}
			for i := len(upper) - 1; i >= 0; i-- {
				pts = append(pts, upper[i])
			}
			c.FillPolygon(colors[k], pts)
			c.StrokeLines(edge, upper)
		}
	}))

	last := r.Days[len(r.Days)-1]
	keys := make([]key, nc)
	for k, name := range r.Columns {
		n := 0
		if k < len(last.Counts) {
			n = last.Counts[k]
		}
		keys[k] = key{label: fmt.Sprintf("%s  %d", shorten(name, 14), n), color: colors[k], shape: keyBox}
	}
	subtitle := []string{fmt.Sprintf("Items in each column at the end of each day, %s; the legend counts the last day.", win)}
	if r.CycleOK {
		subtitle = append(subtitle, fmt.Sprintf("Average WIP %.1f, throughput %.2f items a day: an average cycle time of about %s (Little's law, approximate).",
			r.AvgWIP, r.ThroughputPerDay, days(r.CycleTime)))
	}
	return render(frame{title: title, subtitle: subtitle, gutter: 170, gutterKeys: keys}, p)
}
