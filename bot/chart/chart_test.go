package chart

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs under testdata/")

// Tolerances of the golden comparison: anti-aliased edges may differ a
// little from one machine's rasteriser to another's (floating point, e.g.
// fused multiply-add), scattered thinly over the picture; a moved line, a
// changed digit or a missing label differs densely in one place.
const (
	channelTolerance = 48    // per colour channel, of 255
	maxDifferent     = 0.002 // share of all pixels allowed beyond it
	block            = 8     // side of the squares checked for dense change
	maxBlockShare    = 0.25  // share of one square allowed beyond it
)

// golden compares got, a PNG, with testdata/name.png.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".png")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if err := samePicture(got, want); err != nil {
		bad := filepath.Join(t.TempDir(), name+".png")
		_ = os.WriteFile(bad, got, 0o644)
		t.Errorf("%s: %v; got written to %s (go test -update rewrites the golden file)", name, err, bad)
	}
}

// samePicture decodes two PNGs and compares them: the same size exactly,
// and pixels alike within channelTolerance but for a share of maxDifferent.
func samePicture(got, want []byte) error {
	g, err := png.Decode(bytes.NewReader(got))
	if err != nil {
		return fmt.Errorf("decode got: %w", err)
	}
	w, err := png.Decode(bytes.NewReader(want))
	if err != nil {
		return fmt.Errorf("decode want: %w", err)
	}
	if g.Bounds().Size() != w.Bounds().Size() {
		return fmt.Errorf("size %v, want %v", g.Bounds().Size(), w.Bounds().Size())
	}
	differ, dense := differentPixels(g, w)
	total := g.Bounds().Dx() * g.Bounds().Dy()
	if float64(differ) > maxDifferent*float64(total) {
		return fmt.Errorf("%d of %d pixels differ (%.2f%%, at most %.2f%% allowed)",
			differ, total, 100*float64(differ)/float64(total), 100*maxDifferent)
	}
	if dense != nil {
		return fmt.Errorf("the %dx%d pixels at %v differ", block, block, *dense)
	}
	return nil
}

// differentPixels counts the pixels of a and b (the same size) that differ
// beyond channelTolerance, and returns the corner of the first block-square
// where more than maxBlockShare of them do.
func differentPixels(a, b image.Image) (int, *image.Point) {
	pa, pb := toNRGBA(a), toNRGBA(b)
	w, h := pa.Rect.Dx(), pa.Rect.Dy()
	perBlock := make([]int, (w/block+1)*(h/block+1))
	n := 0
	for y := range h {
		for x := range w {
			i := pa.PixOffset(x, y)
			if far(pa.Pix[i], pb.Pix[i]) || far(pa.Pix[i+1], pb.Pix[i+1]) ||
				far(pa.Pix[i+2], pb.Pix[i+2]) || far(pa.Pix[i+3], pb.Pix[i+3]) {
				n++
				perBlock[(y/block)*(w/block+1)+x/block]++
			}
		}
	}
	for i, c := range perBlock {
		if float64(c) > maxBlockShare*block*block {
			return n, &image.Point{X: (i % (w/block + 1)) * block, Y: (i / (w/block + 1)) * block}
		}
	}
	return n, nil
}

// toNRGBA copies img into an NRGBA image at the origin.
func toNRGBA(img image.Image) *image.NRGBA {
	out := image.NewNRGBA(image.Rectangle{Max: img.Bounds().Size()})
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}

func far(a, b uint8) bool {
	d := int(a) - int(b)
	return d > channelTolerance || d < -channelTolerance
}
