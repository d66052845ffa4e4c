package chart

import (
	"fmt"
	"image/color"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/flowbot/flowbot/coach"
)

// percentileLine is how one percentile is drawn wherever it appears.
type percentileLine struct {
	name  string
	color color.Color
	style draw.LineStyle
}

var (
	line50 = percentileLine{"50%", green, draw.LineStyle{Color: green, Width: 2.5, Dashes: []vg.Length{10, 5}}}
	line85 = percentileLine{"85%", orange, draw.LineStyle{Color: orange, Width: 2.5}}
	line95 = percentileLine{"95%", vermillion, draw.LineStyle{Color: vermillion, Width: 2.5, Dashes: []vg.Length{3, 4}}}
)

// CycleTime draws the cycle-time scatterplot of r: one dot per item
// delivered in r.Window (x the day it was done in loc, y its cycle time in
// days) and the 50th, 85th and 95th percentile lines, labelled. ds are
// the deliveries r was computed from; the dots are exactly the items r
// counts.
func CycleTime(ds []coach.Delivery, r coach.CycleTimeReport, loc *time.Location) ([]byte, error) {
	loc = orUTC(loc)
	const title = "Cycle time"
	win := span(r.Window.From, r.Window.To, loc)
	var pts plotter.XYs
	for _, f := range ds {
		if !r.Window.Contains(f.Done) {
			continue
		}
		if d, ok := f.CycleTime(); ok {
			pts = append(pts, plotter.XY{X: unix(f.Done), Y: d})
		}
	}
	if !r.OK || len(pts) == 0 {
		return noData(title, fmt.Sprintf("No item was delivered after starting in %s, so there is no cycle time to show.", win))
	}

	p := newPlot("Date done", "Cycle time (days)")
	p.X.Min, p.X.Max = unix(r.Window.From), unix(r.Window.To)
	p.X.Tick.Marker = dateTicks{loc: loc}
	p.Y.Min, p.Y.Max = 0, max(r.Max, r.P95)*1.08
	if p.Y.Max <= 0 {
		p.Y.Max = 1
	}

	s, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, fmt.Errorf("cycle-time scatter: %w", err)
	}
	s.GlyphStyle = draw.GlyphStyle{Color: color.NRGBA{0x00, 0x72, 0xb2, 0xb0}, Radius: 5, Shape: draw.CircleGlyph{}}

	lines := []struct {
		percentileLine
		v float64
	}{{line50, r.P50}, {line85, r.P85}, {line95, r.P95}}
	p.Add(drawFunc(func(c draw.Canvas, p *plot.Plot) {
		var labels []gutterLabel
		for _, l := range lines {
			y := hline(c, p, l.v, l.style)
			labels = append(labels, gutterLabel{y: y, text: l.name + "  " + days(l.v), color: l.color})
		}
		drawGutterLabels(c, c.Max.X+10, labels)
	}), s)

	return render(frame{
		title: title,
		subtitle: []string{
			fmt.Sprintf("%s delivered %s: one dot per item. 85%% finished within %s.",
				plural(r.Count, "item", "items"), win, days(r.P85)),
		},
		gutter: 130,
	}, p)
}
