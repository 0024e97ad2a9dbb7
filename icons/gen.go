//go:build ignore

// gen.go draws Natter's application icon: a white speech bubble with three
// dots on a blue rounded square. Run it with `go generate ./icons`.
package main

import (
	"flag"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

func main() {
	out := flag.String("out", "appicon.png", "PNG file to write")
	size := flag.Int("size", 512, "width and height in pixels")
	flag.Parse()
	img := draw(*size)
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

var (
	blueTop    = color.NRGBA{0x3b, 0x82, 0xf6, 0xff}
	blueBottom = color.NRGBA{0x1e, 0x4f, 0xbf, 0xff}
	white      = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	dot        = color.NRGBA{0x2f, 0x6f, 0xd6, 0xff}
)

// draw renders the icon with 4×4 supersampling per pixel so edges are smooth.
func draw(n int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	const ss = 4
	s := float64(n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					px := (float64(x) + (float64(sx)+0.5)/ss) / s
					py := (float64(y) + (float64(sy)+0.5)/ss) / s
					c := sample(px, py)
					fa := float64(c.A) / 255
					r += float64(c.R) * fa
					g += float64(c.G) * fa
					b += float64(c.B) * fa
					a += fa
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8(r / a), G: uint8(g / a), B: uint8(b / a),
				A: uint8(math.Round(a / (ss * ss) * 255)),
			})
		}
	}
	return img
}

// sample returns the colour at (x, y) in the unit square.
func sample(x, y float64) color.NRGBA {
	if !inRoundedRect(x, y, 0.04, 0.04, 0.96, 0.96, 0.2) {
		return color.NRGBA{}
	}
	// The dots of the bubble.
	for _, cx := range []float64{0.34, 0.5, 0.66} {
		if math.Hypot(x-cx, y-0.45) < 0.055 {
			return dot
		}
	}
	// The bubble: a rounded rectangle with a tail at the lower left.
	if inRoundedRect(x, y, 0.2, 0.24, 0.8, 0.66, 0.12) || inTail(x, y) {
		return white
	}
	t := y
	return color.NRGBA{
		R: lerp(blueTop.R, blueBottom.R, t),
		G: lerp(blueTop.G, blueBottom.G, t),
		B: lerp(blueTop.B, blueBottom.B, t),
		A: 0xff,
	}
}

func inTail(x, y float64) bool {
	// Triangle (0.3,0.6) (0.46,0.64) (0.27,0.8).
	return inTriangle(x, y, 0.3, 0.6, 0.46, 0.64, 0.27, 0.8)
}

func inTriangle(px, py, x1, y1, x2, y2, x3, y3 float64) bool {
	d1 := (px-x2)*(y1-y2) - (x1-x2)*(py-y2)
	d2 := (px-x3)*(y2-y3) - (x2-x3)*(py-y3)
	d3 := (px-x1)*(y3-y1) - (x3-x1)*(py-y1)
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}

func inRoundedRect(x, y, x0, y0, x1, y1, r float64) bool {
	if x < x0 || x > x1 || y < y0 || y > y1 {
		return false
	}
	cx := math.Max(x0+r, math.Min(x, x1-r))
	cy := math.Max(y0+r, math.Min(y, y1-r))
	return math.Hypot(x-cx, y-cy) <= r
}

func lerp(a, b uint8, t float64) uint8 {
	return uint8(float64(a) + (float64(b)-float64(a))*t)
}
