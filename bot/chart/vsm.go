package chart

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/flowbot/flowbot/coach"
)

// VSM draws r's value stream map: the stages left to right, each a bar of
// its median active time with its median wait stacked on top (days per
// item that passed through it), and the bottleneck marked.
func VSM(r coach.VSMReport) ([]byte, error) {
	const title = "Value stream"
	win := span(r.Window.From, r.Window.To, nil)
	if r.N == 0 || len(r.Stages) == 0 {
		return noData(title, fmt.Sprintf("No item was delivered after starting in %s, or the team has no stages, so there is no value stream to map.", win))
	}

	n := len(r.Stages)
	names := make([]string, n)
	top := 0.0
	for i, s := range r.Stages {
		names[i] = shorten(s.Stage, 18) + "\n" + plural(s.Items, "item", "items")
		top = max(top, s.ActiveP50+s.WaitP50)
	}
	p := newPlot("", "Median days per item in the stage")
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	p.X.Tick.Marker = categoryTicks(names)
	p.X.Tick.Color = nil
	p.X.Tick.Width = 0
	// Room above the tallest bar for its total and the bottleneck mark.
	p.Y.Min, p.Y.Max = 0, max(top*1.3, 0.5)

	const barWidth = 0.56
	p.Add(drawFunc(func(c draw.Canvas, p *plot.Plot) {
		tx, ty := p.Transforms(&c)
		inside := textStyle(bold, noteSize, ink, draw.XCenter, draw.YCenter)
		above := textStyle(regular, noteSize, ink, draw.XCenter, draw.YBottom)
		mark := textStyle(bold, noteSize, vermillion, draw.XCenter, draw.YBottom)
		// A segment's label fits inside it when it is this tall.
		fits := inside.Height("Ag") + 4
		for i, s := range r.Stages {
			x0, x1 := tx(float64(i)-barWidth/2), tx(float64(i)+barWidth/2)
			y0, y1, y2 := ty(0), ty(s.ActiveP50), ty(s.ActiveP50+s.WaitP50)
			if s.Items == 0 {
				c.FillText(above, vg.Point{X: tx(float64(i)), Y: y0 + 6}, "nothing passed\nthrough")
				continue
			}
			c.FillPolygon(green, rect(x0, y0, x1, y1))
			c.FillPolygon(orange, rect(x0, y1, x1, y2))
			// Each segment's median inside it, or above the bar when the
			// segment is too thin to hold it.
			var outside []string
			if y1-y0 >= fits {
				c.FillText(inside, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, days(s.ActiveP50))
			} else if s.ActiveP50 > 0 {
				outside = append(outside, days(s.ActiveP50)+" active")
			}
			if y2-y1 >= fits {
				c.FillText(inside, vg.Point{X: (x0 + x1) / 2, Y: (y1 + y2) / 2}, days(s.WaitP50))
			} else if s.WaitP50 > 0 {
				outside = append(outside, days(s.WaitP50)+" waiting")
			}
			at := y2 + 6
			if len(outside) > 0 {
				label := strings.Join(outside, "\n")
				c.FillText(above, vg.Point{X: (x0 + x1) / 2, Y: at}, label)
				at += above.Height(label) + 2
			}
			if r.HasBottleneck && s.Stage == r.Bottleneck.Stage {
				c.StrokeLines(draw.LineStyle{Color: vermillion, Width: 4},
					[]vg.Point{{X: x0, Y: y0}, {X: x0, Y: y2}, {X: x1, Y: y2}, {X: x1, Y: y0}, {X: x0, Y: y0}})
				c.FillText(mark, vg.Point{X: (x0 + x1) / 2, Y: at},
					fmt.Sprintf("Bottleneck: %.0f%% of all waiting", 100*r.Bottleneck.WaitShare))
			}
		}
	}))

	line := fmt.Sprintf("%s delivered %s. Lead time median %s", plural(r.N, "item", "items"), win, days(r.LeadTimeP50))
	if r.Efficiency.OK {
		line += fmt.Sprintf(", flow efficiency %.0f%%", 100*r.Efficiency.Efficiency)
	}
	subtitle := []string{line + "."}
	if r.HasBottleneck {
		subtitle = append(subtitle, fmt.Sprintf("Bottleneck: %s, where the work waited longest (median wait %s, %s queued now).",
			r.Bottleneck.Stage, days(r.Bottleneck.MedianWait), plural(r.Bottleneck.QueuedNow, "item", "items")))
	}
	return render(frame{
		title:    title,
		subtitle: subtitle,
		keys: []key{
			{label: "active (median)", color: green, shape: keyBox},
			{label: "waiting (median)", color: orange, shape: keyBox},
		},
	}, p)
}
