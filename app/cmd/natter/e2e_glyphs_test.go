package main

// What the end-to-end test checks of a message in every script: that the
// window's shaper has a glyph for every character of it, and that the
// window drew it as an offscreen rendering with the same fonts draws it,
// not as a rendering with the Go fonts alone (empty boxes).

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"testing"

	"gioui.org/font/gofont"
	"gioui.org/gpu/headless"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/paint"
	"gioui.org/text"
	"gioui.org/unit"
	"gioui.org/widget/material"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui/fonts"
)

// everyScript is the message the app sends in the end-to-end test: emoji,
// Arabic and Hebrew (right to left), Japanese, Chinese and Latin. It starts
// with Latin, so the line runs left to right as a whole.
const everyScript = "Hi 👋🎉 مرحبا بالجميع שלום こんにちは世界 你好"

// messageTextSize is the size of a message's text in the chat log
// (app/ui/chat, messageText).
const messageTextSize = 15

// renderLine draws txt as a label of the message text's size, dark on
// white, with sh, through an offscreen GPU window, and returns it in grey
// levels cropped to the label.
func renderLine(t *testing.T, sh *text.Shaper, txt string) *image.Gray {
	t.Helper()
	// Render without a display server; the app, started before, keeps
	// its own environment.
	old, had := os.LookupEnv("EGL_PLATFORM")
	os.Setenv("EGL_PLATFORM", "surfaceless")
	defer func() {
		if had {
			os.Setenv("EGL_PLATFORM", old)
		} else {
			os.Unsetenv("EGL_PLATFORM")
		}
	}()
	size := image.Pt(1000, 60)
	win, err := headless.NewWindow(size.X, size.Y)
	require.NoError(t, err, "offscreen window (needs libegl-mesa0 libgl1-mesa-dri libgles2)")
	defer win.Release()
	th := material.NewTheme()
	th.Shaper = sh
	var ops op.Ops
	paint.Fill(&ops, color.NRGBA{R: 255, G: 255, B: 255, A: 255})
	gtx := layout.Context{Ops: &ops, Metric: unit.Metric{PxPerDp: 1, PxPerSp: 1},
		Constraints: layout.Constraints{Max: size}}
	l := material.Label(th, messageTextSize, txt)
	l.Color = color.NRGBA{A: 255}
	l.MaxLines = 1
	dims := l.Layout(gtx)
	require.NoError(t, win.Frame(&ops))
	img := image.NewRGBA(image.Rectangle{Max: size})
	require.NoError(t, win.Screenshot(img))
	return grey(img, image.Rectangle{Max: dims.Size})
}

// grey converts the part r of img to grey levels.
func grey(img image.Image, r image.Rectangle) *image.Gray {
	g := image.NewGray(image.Rectangle{Max: r.Size()})
	draw.Draw(g, g.Bounds(), img, r.Min, draw.Src)
	return g
}

// match is where a template fits a screenshot best, and how well: the
// normalised cross-correlation there, 1 for the same picture up to
// brightness and contrast.
type match struct {
	at    image.Point
	score float64
}

// bestMatch finds tpl in img: first at half resolution everywhere, then at
// full resolution around the best few places found.
func bestMatch(img, tpl *image.Gray) match {
	half := func(g *image.Gray) *image.Gray {
		b := g.Bounds()
		h := image.NewGray(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
		for y := range h.Rect.Dy() {
			for x := range h.Rect.Dx() {
				s := int(g.GrayAt(2*x, 2*y).Y) + int(g.GrayAt(2*x+1, 2*y).Y) +
					int(g.GrayAt(2*x, 2*y+1).Y) + int(g.GrayAt(2*x+1, 2*y+1).Y)
				h.SetGray(x, y, color.Gray{Y: uint8(s / 4)})
			}
		}
		return h
	}
	si, st := half(img), half(tpl)
	// The best places at half resolution, a few, as text has look-alikes.
	const keep = 8
	var coarse []match
	for y := 0; y+st.Rect.Dy() <= si.Rect.Dy(); y++ {
		for x := 0; x+st.Rect.Dx() <= si.Rect.Dx(); x++ {
			s := ncc(si, st, image.Pt(x, y))
			if len(coarse) < keep || s > coarse[len(coarse)-1].score {
				coarse = insertMatch(coarse, match{image.Pt(x, y), s}, keep)
			}
		}
	}
	best := match{score: math.Inf(-1)}
	for _, c := range coarse {
		for dy := -3; dy <= 3; dy++ {
			for dx := -3; dx <= 3; dx++ {
				p := image.Pt(2*c.at.X+dx, 2*c.at.Y+dy)
				if p.X < 0 || p.Y < 0 || p.X+tpl.Rect.Dx() > img.Rect.Dx() || p.Y+tpl.Rect.Dy() > img.Rect.Dy() {
					continue
				}
				if s := ncc(img, tpl, p); s > best.score {
					best = match{p, s}
				}
			}
		}
	}
	return best
}

// insertMatch keeps ms sorted best first and at most n long.
func insertMatch(ms []match, m match, n int) []match {
	i := len(ms)
	for i > 0 && ms[i-1].score < m.score {
		i--
	}
	ms = append(ms, match{})
	copy(ms[i+1:], ms[i:])
	ms[i] = m
	if len(ms) > n {
		ms = ms[:n]
	}
	return ms
}

// ncc is the normalised cross-correlation of tpl with img's part at p.
func ncc(img, tpl *image.Gray, p image.Point) float64 {
	w, h := tpl.Rect.Dx(), tpl.Rect.Dy()
	var si, st, sii, stt, sit float64
	for y := range h {
		ri := img.Pix[(p.Y+y)*img.Stride+p.X:]
		rt := tpl.Pix[y*tpl.Stride:]
		for x := range w {
			a, b := float64(ri[x]), float64(rt[x])
			si += a
			st += b
			sii += a * a
			stt += b * b
			sit += a * b
		}
	}
	n := float64(w * h)
	cov := sit - si*st/n
	vi, vt := sii-si*si/n, stt-st*st/n
	if vi <= 0 || vt <= 0 {
		return 0
	}
	return cov / math.Sqrt(vi*vt)
}

// glyphsOnScreen compares the screenshot at path with txt drawn offscreen
// with the window's fonts and with the Go fonts alone, and returns how
// well each matches the screenshot at its best place.
func glyphsOnScreen(t *testing.T, path string, window *text.Shaper, txt string) (good, boxes match) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err, "%s", path)
	shot := grey(img, img.Bounds())
	goOnly := text.NewShaper(text.NoSystemFonts(), text.WithCollection(gofont.Collection()))
	return bestMatch(shot, renderLine(t, window, txt)), bestMatch(shot, renderLine(t, goOnly, txt))
}

func (m match) String() string { return fmt.Sprintf("%.3f at %v", m.score, m.at) }

// TestGlyphsOnScreenCanFail puts the line, drawn once with the app's
// fonts and once with the Go fonts alone (boxes), on a blank screen, and
// checks that the end-to-end test's comparison finds the first and tells
// the second apart.
func TestGlyphsOnScreenCanFail(t *testing.T) {
	t.Setenv("EGL_PLATFORM", "surfaceless")
	if w, err := headless.NewWindow(8, 8); err != nil {
		t.Skipf("no offscreen window here: %v", err)
	} else {
		w.Release()
	}
	goOnly := text.NewShaper(text.NoSystemFonts(), text.WithCollection(gofont.Collection()))
	good := renderLine(t, fonts.NewEmbeddedShaper(), everyScript)
	boxes := renderLine(t, goOnly, everyScript)
	at := image.Pt(57, 83)
	screen := func(line *image.Gray) *image.Gray {
		s := image.NewGray(image.Rect(0, 0, 700, 200))
		draw.Draw(s, s.Bounds(), image.White, image.Point{}, draw.Src)
		draw.Draw(s, line.Bounds().Add(at), line, image.Point{}, draw.Src)
		return s
	}
	m := bestMatch(screen(good), good)
	assert.Equal(t, at, m.at, "found where it was drawn")
	assert.Greater(t, m.score, 0.99)
	m = bestMatch(screen(boxes), good)
	t.Logf("the line drawn with boxes against its rendering with the app's fonts: %v", m)
	assert.Less(t, m.score, 0.9, "boxes do not pass for the app's fonts")
}
