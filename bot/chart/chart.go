// Package chart draws flowbot's answers as PNG pictures for Slack: the
// cycle-time scatterplot, aging work in progress, the throughput run chart,
// the cumulative flow diagram, the value stream map and the forecast
// histogram. Each chart renders from the same coach report the text answer
// is written from, so the picture and the words always agree.
//
// Every picture is 1200x675 pixels with large type (Liberation Sans, built
// in: no system fonts needed) and the Okabe-Ito colour-blind-safe palette.
// An empty report gives a picture that says there is no data, never an
// error.
package chart

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strings"
	"time"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Width and Height are the size of every chart in pixels: 16:9, wide
// enough to stay sharp when Slack scales it down.
const (
	Width  = 1200
	Height = 675
	dpi    = 96
)

// The Okabe-Ito palette: distinguishable with every common colour-vision
// deficiency.
var (
	orange     = color.NRGBA{0xe6, 0x9f, 0x00, 0xff}
	skyBlue    = color.NRGBA{0x56, 0xb4, 0xe9, 0xff}
	green      = color.NRGBA{0x00, 0x9e, 0x73, 0xff}
	yellow     = color.NRGBA{0xf0, 0xe4, 0x42, 0xff}
	blue       = color.NRGBA{0x00, 0x72, 0xb2, 0xff}
	vermillion = color.NRGBA{0xd5, 0x5e, 0x00, 0xff}
	purple     = color.NRGBA{0xcc, 0x79, 0xa7, 0xff}

	ink       = color.NRGBA{0x22, 0x22, 0x22, 0xff} // text
	muted     = color.NRGBA{0x55, 0x55, 0x55, 0xff} // secondary text
	gridColor = color.NRGBA{0xdd, 0xdd, 0xdd, 0xff}
	bandColor = color.NRGBA{0xf3, 0xf3, 0xf3, 0xff}
)

// Type sizes in points (at 96 dpi a point is 4/3 of a pixel).
const (
	titleSize    = 22
	subtitleSize = 14
	labelSize    = 16
	tickSize     = 14
	noteSize     = 14
)

// Layout in points.
const (
	pad       = vg.Length(18)
	headerGap = vg.Length(12)
)

var (
	regular = font.Font{Typeface: "Liberation", Variant: "Sans"}
	bold    = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
)

// textStyle is a plain-text style in Liberation Sans.
func textStyle(f font.Font, size vg.Length, c color.Color, xa text.XAlignment, ya text.YAlignment) text.Style {
	return text.Style{
		Color:   c,
		Font:    font.From(f, size),
		XAlign:  xa,
		YAlign:  ya,
		Handler: plot.DefaultTextHandler,
	}
}

// newPlot is a plot with flowbot's type and axes: light horizontal grid
// lines, no title (the frame draws it), axis labels with units. under are
// drawn before the grid.
func newPlot(xLabel, yLabel string, under ...plot.Plotter) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = color.White
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(regular, labelSize)
		a.Label.TextStyle.Color = ink
		a.Label.Padding = 6
		a.Tick.Label.Font = font.From(regular, tickSize)
		a.Tick.Label.Color = ink
		a.Tick.Length = 5
		a.Tick.Color = muted
		a.Color = muted
		a.Width = 1
		a.Padding = 0
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Y.Tick.Marker = countTicks{}
	p.Add(under...)
	g := plotter.NewGrid()
	g.Vertical.Color = nil
	g.Horizontal.Color = gridColor
	g.Horizontal.Width = 1
	p.Add(g)
	return p
}

// drawFunc is a plotter drawn by a function, for what gonum's plotters do
// not draw: bands, labelled lines, bars with marks.
type drawFunc func(c draw.Canvas, p *plot.Plot)

func (f drawFunc) Plot(c draw.Canvas, p *plot.Plot) { f(c, p) }

// key is one entry of a legend: a swatch (filled box), a dot or a line.
type key struct {
	label  string
	color  color.Color
	shape  keyShape
	dashes []vg.Length
}

type keyShape int

const (
	keyBox keyShape = iota
	keyDot
	keyRing
	keyLine
)

// frame is what surrounds a plot: the title and subtitle lines above it, a
// legend in the header, and a gutter to the right of the plot for labels.
type frame struct {
	title    string
	subtitle []string
	keys     []key
	gutter   vg.Length
	// gutterKeys are drawn as a vertical legend in the gutter, top down.
	gutterKeys []key
}

// render draws p inside f and encodes the picture as PNG.
func render(f frame, p *plot.Plot) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(Width)*vg.Inch/dpi, vg.Length(Height)*vg.Inch/dpi), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	top := f.drawHeader(dc)
	area := draw.Crop(dc, pad, -(pad + f.gutter), pad, -(dc.Max.Y - top + headerGap))
	if p != nil {
		p.Draw(area)
		if len(f.gutterKeys) > 0 {
			data := p.DataCanvas(area)
			drawKeysVertical(dc, f.gutterKeys, data.Max.X+12, data.Max.Y)
		}
	}
	return encode(c)
}

// encoder favours speed: a chart compresses well either way, and rendering
// is most of an answer's time.
var encoder = png.Encoder{CompressionLevel: png.BestSpeed}

func encode(c *vgimg.Canvas) ([]byte, error) {
	var buf bytes.Buffer
	if err := encoder.Encode(&buf, c.Image()); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// drawHeader draws the title, the subtitle lines and the header legend,
// and returns the y below them.
func (f frame) drawHeader(dc draw.Canvas) vg.Length {
	title := textStyle(bold, titleSize, ink, draw.XLeft, draw.YTop)
	sub := textStyle(regular, subtitleSize, muted, draw.XLeft, draw.YTop)
	y := dc.Max.Y - pad
	dc.FillText(title, vg.Point{X: pad, Y: y}, f.title)
	y -= title.Height(f.title) + 4
	for _, line := range f.subtitle {
		dc.FillText(sub, vg.Point{X: pad, Y: y}, line)
		y -= sub.Height(line) + 2
	}
	if len(f.keys) > 0 {
		titleEnd := pad + title.Width(f.title) + 30
		if right := dc.Max.X - pad; right-keysWidth(f.keys) >= titleEnd {
			// Right-aligned on the title's line.
			drawKeysRow(dc, f.keys, right, dc.Max.Y-pad-4)
		} else {
			// Too long to share the title's line: a line of its own.
			y -= 4
			drawKeysRow(dc, f.keys, pad+keysWidth(f.keys)+8, y)
			y -= textStyle(regular, noteSize, ink, draw.XLeft, draw.YCenter).Height("Ag") + 2
		}
	}
	return y
}

const swatch = vg.Length(14)

func drawSwatch(dc draw.Canvas, k key, x, yMid vg.Length) {
	switch k.shape {
	case keyBox:
		dc.FillPolygon(k.color, rect(x, yMid-swatch/2, x+swatch, yMid+swatch/2))
	case keyDot:
		dc.DrawGlyph(draw.GlyphStyle{Color: k.color, Radius: 5, Shape: draw.CircleGlyph{}}, vg.Point{X: x + swatch/2, Y: yMid})
	case keyRing:
		dc.DrawGlyph(draw.GlyphStyle{Color: k.color, Radius: 5, Shape: draw.CircleGlyph{}}, vg.Point{X: x + swatch/2, Y: yMid})
		dc.DrawGlyph(draw.GlyphStyle{Color: color.White, Radius: 3, Shape: draw.CircleGlyph{}}, vg.Point{X: x + swatch/2, Y: yMid})
	case keyLine:
		dc.StrokeLine2(draw.LineStyle{Color: k.color, Width: 2.5, Dashes: k.dashes}, x-8, yMid, x+swatch+2, yMid)
	}
}

// drawKeysRow draws keys left to right ending at right, centred on yTop's
// line of text.
func drawKeysRow(dc draw.Canvas, keys []key, right, yTop vg.Length) {
	st := textStyle(regular, noteSize, ink, draw.XLeft, draw.YCenter)
	x := right - keysWidth(keys)
	yMid := yTop - st.Height("Ag")/2
	for _, k := range keys {
		drawSwatch(dc, k, x, yMid)
		x += swatch + keyGap
		dc.FillText(st, vg.Point{X: x, Y: yMid}, k.label)
		x += st.Width(k.label) + keySpace
	}
}

const keyGap, keySpace = vg.Length(8), vg.Length(26)

// keysWidth is how wide drawKeysRow draws keys.
func keysWidth(keys []key) vg.Length {
	st := textStyle(regular, noteSize, ink, draw.XLeft, draw.YCenter)
	var total vg.Length
	for i, k := range keys {
		if i > 0 {
			total += keySpace
		}
		total += swatch + keyGap + st.Width(k.label)
	}
	return total
}

// drawKeysVertical draws keys top down from (x, yTop).
func drawKeysVertical(dc draw.Canvas, keys []key, x, yTop vg.Length) {
	st := textStyle(regular, noteSize, ink, draw.XLeft, draw.YCenter)
	line := st.Height("Ag") + 8
	y := yTop - line/2
	for _, k := range keys {
		drawSwatch(dc, k, x, y)
		dc.FillText(st, vg.Point{X: x + swatch + 8, Y: y}, k.label)
		y -= line
	}
}

func rect(x0, y0, x1, y1 vg.Length) []vg.Point {
	return []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
}

// noData is the picture for an empty report: the chart's title and, where
// the plot would be, why there is nothing to draw.
func noData(title, message string) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(Width)*vg.Inch/dpi, vg.Length(Height)*vg.Inch/dpi), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	top := frame{title: title}.drawHeader(dc)
	box := draw.Crop(dc, pad, -pad, pad, -(dc.Max.Y - top + headerGap))
	dc.FillPolygon(bandColor, rect(box.Min.X, box.Min.Y, box.Max.X, box.Max.Y))
	big := textStyle(bold, 26, muted, draw.XCenter, draw.YCenter)
	small := textStyle(regular, 18, muted, draw.XCenter, draw.YTop)
	mid := box.Center()
	dc.FillText(big, vg.Point{X: mid.X, Y: mid.Y + 30}, "No data to draw")
	dc.FillText(small, vg.Point{X: mid.X, Y: mid.Y}, wrap(small, message, box.Size().X*0.8))
	return encode(c)
}

// wrap breaks s into lines no wider than w.
func wrap(st text.Style, s string, w vg.Length) string {
	var lines []string
	var line string
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if line != "" && st.Width(try) > w {
			lines = append(lines, line)
			try = word
		}
		line = try
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// gutterLabel is a label in the right gutter at the height of a value.
type gutterLabel struct {
	y     vg.Length
	text  string
	color color.Color
}

// drawGutterLabels draws labels left-aligned at x, each near its y but
// moved apart so none overlaps another.
func drawGutterLabels(c draw.Canvas, x vg.Length, labels []gutterLabel) {
	if len(labels) == 0 {
		return
	}
	st := textStyle(bold, noteSize, ink, draw.XLeft, draw.YCenter)
	h := st.Height("Ag") + 2
	ls := slices.Clone(labels)
	slices.SortStableFunc(ls, func(a, b gutterLabel) int { return cmpLength(a.y, b.y) })
	// Push up from the bottom, then back down from the top so the stack
	// stays inside the canvas.
	for i := 1; i < len(ls); i++ {
		ls[i].y = max(ls[i].y, ls[i-1].y+h)
	}
	if top := c.Max.Y - h/2; ls[len(ls)-1].y > top {
		ls[len(ls)-1].y = top
		for i := len(ls) - 2; i >= 0; i-- {
			ls[i].y = min(ls[i].y, ls[i+1].y-h)
		}
	}
	for _, l := range ls {
		st.Color = l.color
		c.FillText(st, vg.Point{X: x, Y: l.y}, l.text)
	}
}

func cmpLength(a, b vg.Length) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// hline draws a horizontal line across the data area at value v.
func hline(c draw.Canvas, p *plot.Plot, v float64, ls draw.LineStyle) vg.Length {
	_, ty := p.Transforms(&c)
	y := ty(v)
	c.StrokeLine2(ls, c.Min.X, y, c.Max.X, y)
	return y
}

// days formats a duration in days the way the text answers do.
func days(d float64) string {
	switch {
	case d < 1:
		return fmt.Sprintf("%.1f hours", d*24)
	case d < 10:
		return fmt.Sprintf("%.1f days", d)
	}
	return fmt.Sprintf("%.0f days", d)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// span formats the window [from, to) as the days it covers in loc.
func span(from, to time.Time, loc *time.Location) string {
	if loc == nil {
		loc = from.Location()
	}
	a, b := from.In(loc), to.Add(-time.Nanosecond).In(loc)
	switch {
	case !to.After(from):
		return a.Format("2 Jan 2006")
	case a.Year() != b.Year():
		return a.Format("2 Jan 2006") + " – " + b.Format("2 Jan 2006")
	case a.YearDay() == b.YearDay():
		return a.Format("2 Jan 2006")
	}
	return a.Format("2 Jan") + " – " + b.Format("2 Jan 2006")
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

func unix(t time.Time) float64 { return float64(t.Unix()) }

// countTicks marks a count or a number of days with round steps: whole
// numbers only when the range is small, about six labels.
type countTicks struct{}

func (countTicks) Ticks(lo, hi float64) []plot.Tick {
	if hi <= lo {
		return nil
	}
	step := niceStep((hi - lo) / 7)
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ts = append(ts, plot.Tick{Value: v, Label: formatTick(v, step)})
	}
	return ts
}

// niceStep is 1, 2 or 5 times a power of ten, at least raw and at least
// 0.1.
func niceStep(raw float64) float64 {
	if raw <= 0.1 {
		return 0.1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

func formatTick(v, step float64) string {
	if step >= 1 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// intTicks is countTicks with steps of at least one, for counts of items.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	if hi <= lo {
		return nil
	}
	step := max(1, niceStep((hi-lo)/6))
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprintf("%.0f", v)})
	}
	return ts
}

// dateTicks marks an axis of Unix seconds with dates in loc: days, weeks
// starting Monday, or months, whichever gives at most eight labels.
type dateTicks struct{ loc *time.Location }

func (d dateTicks) Ticks(lo, hi float64) []plot.Tick {
	loc := orUTC(d.loc)
	if hi <= lo {
		return nil
	}
	from := time.Unix(int64(math.Floor(lo)), 0).In(loc)
	to := time.Unix(int64(math.Ceil(hi)), 0).In(loc)
	spanDays := (hi - lo) / 86400
	const most = 8
	y, m, dd := from.Date()
	var ts []plot.Tick
	add := func(t time.Time, label string) {
		if v := unix(t); v >= lo && v <= hi {
			ts = append(ts, plot.Tick{Value: v, Label: label})
		}
	}
	for _, step := range []int{1, 2, 7, 14} {
		if spanDays/float64(step) > most {
			continue
		}
		start := time.Date(y, m, dd, 0, 0, 0, 0, loc)
		if step >= 7 {
			start = time.Date(y, m, dd+(8-int(start.Weekday()))%7, 0, 0, 0, 0, loc) // next Monday
		}
		for i := 0; ; i++ {
			sy, sm, sd := start.Date()
			t := time.Date(sy, sm, sd+i, 0, 0, 0, 0, loc)
			if t.After(to) {
				break
			}
			label := ""
			if i%step == 0 {
				label = t.Format("2 Jan")
			}
			// Daily minor ticks only where they stay readable.
			if label != "" || spanDays <= 70 {
				add(t, label)
			}
		}
		return ts
	}
	for _, months := range []int{1, 2, 3, 6, 12, 24, 60} {
		if spanDays/(30.4*float64(months)) > most {
			continue
		}
		for i := 0; ; i++ {
			t := time.Date(y, m+time.Month(i), 1, 0, 0, 0, 0, loc)
			if t.After(to) {
				break
			}
			label := ""
			if (int(t.Month())-1)%months == 0 {
				label = t.Format("Jan 2006")
			}
			add(t, label)
		}
		return ts
	}
	return nil
}

// categoryTicks labels whole numbers 0..n-1 with names.
func categoryTicks(names []string) plot.ConstantTicks {
	ts := make(plot.ConstantTicks, len(names))
	for i, n := range names {
		ts[i] = plot.Tick{Value: float64(i), Label: n}
	}
	return ts
}

// shorten cuts s to at most n runes with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
