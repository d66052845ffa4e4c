package chart

import (
	"fmt"
	"hash/fnv"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/flowbot/flowbot/coach"
)

// agingLabels is how many of the oldest items over the SLE are named.
const agingLabels = 3

// Aging draws r's work in progress by stage: stages left to right in the
// order of stages (the names the team's workflow gives them, e.g. the
// stages of coach.WIPReport.ByStage), then any stage an item is in that
// stages does not list; one dot per item at its age in days, spread
// sideways so equal ages stay visible; the SLE as a line. Items older than
// the SLE are drawn in another colour and the oldest of them are named.
func Aging(r coach.AgingReport, stages []string) ([]byte, error) {
	const title = "Aging work in progress"
	if len(r.Items) == 0 {
		return noData(title, "Nothing is in progress right now.")
	}

	cols := agingColumns(r.Items, stages)
	index := make(map[string]int, len(cols))
	for i, c := range cols {
		index[strings.ToLower(c)] = i
	}
	counts := make([]int, len(cols))
	maxAge := 0.0
	over := 0
	for _, it := range r.Items {
		counts[index[strings.ToLower(it.Stage)]]++
		maxAge = max(maxAge, it.AgeDays)
		if it.OverSLE {
			over++
		}
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = shorten(c, 18) + "\n" + plural(counts[i], "item", "items")
	}

	bands := drawFunc(func(c draw.Canvas, p *plot.Plot) {
		tx, _ := p.Transforms(&c)
		// Every other stage on a light band, so columns read apart.
		for i := range cols {
			if i%2 == 0 {
				c.FillPolygon(bandColor, rect(tx(float64(i)-0.5), c.Min.Y, tx(float64(i)+0.5), c.Max.Y))
			}
		}
	})
	p := newPlot("", "Age (days since started)", bands)
	p.X.Min, p.X.Max = -0.5, float64(len(cols))-0.5
	p.X.Tick.Marker = categoryTicks(names)
	p.X.Tick.Color = color.Transparent
	top := maxAge
	if r.HasSLE {
		top = max(top, r.SLE)
	}
	p.Y.Min, p.Y.Max = 0, max(top*1.1, 1)

	within := draw.GlyphStyle{Color: color.NRGBA{0x00, 0x72, 0xb2, 0xc0}, Radius: 6, Shape: draw.CircleGlyph{}}
	older := draw.GlyphStyle{Color: color.NRGBA{0xd5, 0x5e, 0x00, 0xe0}, Radius: 6, Shape: draw.CircleGlyph{}}
	p.Add(drawFunc(func(c draw.Canvas, p *plot.Plot) {
		tx, ty := p.Transforms(&c)
		if r.HasSLE {
			y := hline(c, p, r.SLE, line85.style)
			drawGutterLabels(c, c.Max.X+10, []gutterLabel{{y: y, text: "SLE  " + days(r.SLE), color: line85.color}})
		}
		named := 0
		label := textStyle(regular, 12, ink, draw.XLeft, draw.YCenter)
		for _, it := range r.Items { // oldest first
			x := float64(index[strings.ToLower(it.Stage)]) + jitter(it.Key)
			pt := vg.Point{X: tx(x), Y: ty(it.AgeDays)}
			g := within
			if it.OverSLE {
				g = older
			}
			c.DrawGlyph(g, pt)
			if it.OverSLE && named < agingLabels {
				named++
				c.FillText(label, vg.Point{X: pt.X + 9, Y: pt.Y}, it.Key)
			}
		}
	}))

	subtitle := fmt.Sprintf("%s in progress, one dot per item.", plural(len(r.Items), "item", "items"))
	var keys []key
	if r.HasSLE {
		subtitle += fmt.Sprintf(" SLE: 85%% of recent items finished within %s; %d %s older than that.",
			days(r.SLE), over, isAre(over))
		keys = []key{{label: "within SLE", color: blue, shape: keyDot}, {label: "older than SLE", color: vermillion, shape: keyDot}}
	} else {
		subtitle += " No SLE yet: nothing was delivered in the last 90 days."
	}
	return render(frame{title: title, subtitle: []string{subtitle}, keys: keys, gutter: 100}, p)
}

// agingColumns are stages (first spelling of each, case-insensitively),
// then the stages of items that stages does not list, in item order.
func agingColumns(items []coach.AgingItem, stages []string) []string {
	seen := map[string]bool{}
	var cols []string
	add := func(s string) {
		if k := strings.ToLower(s); !seen[k] {
			seen[k] = true
			cols = append(cols, s)
		}
	}
	for _, s := range stages {
		add(s)
	}
	for _, it := range items {
		add(it.Stage)
	}
	return cols
}

// jitter is an item's sideways offset within its column, in [-0.3, 0.3]:
// from its key, so the same item sits in the same place in every picture.
func jitter(key string) float64 {
	h := fnv.New32a()
	h.Write([]byte(key))
	// FNV alone keeps keys that differ in their last digit close in the
	// high bits; murmur3's finaliser spreads them.
	x := h.Sum32()
	x ^= x >> 16
	x *= 0x85ebca6b
	x ^= x >> 13
	x *= 0xc2b2ae35
	x ^= x >> 16
	return (float64(x)/math.MaxUint32 - 0.5) * 0.6
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
