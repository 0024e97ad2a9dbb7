package ui

import (
	"image"
	"image/color"
	"testing"
)

func TestThumbnailKeepsTheShapeAndAveragesPixels(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 400, 200))
	for y := range 200 {
		for x := range 400 {
			c := color.NRGBA{A: 255}
			if x%2 == 0 { // fine stripes: white and black columns
				c = color.NRGBA{R: 255, G: 255, B: 255, A: 255}
			}
			src.SetNRGBA(x, y, c)
		}
	}
	th := thumbnail(src, 96)
	if got := th.Bounds().Size(); got != image.Pt(96, 48) {
		t.Fatalf("thumbnail is %v, want 96×48", got)
	}
	// Each target pixel covers about four columns, half of them white.
	if c := th.NRGBAAt(10, 10); c.R < 100 || c.R > 160 {
		t.Errorf("pixel %v is not the grey of its stripes", c)
	}
	small := thumbnail(image.NewNRGBA(image.Rect(0, 0, 30, 20)), 96)
	if got := small.Bounds().Size(); got != image.Pt(30, 20) {
		t.Errorf("a small image is %v, want its own 30×20", got)
	}
}
