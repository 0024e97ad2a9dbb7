package main

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"gioui.org/gpu/headless"
	"gioui.org/io/input"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/unit"
)

// renderer draws a layout function into PNG files through an offscreen GPU
// window, one per size.
type renderer struct {
	out     string
	windows map[image.Point]*headless.Window
	router  input.Router
	ops     op.Ops
	written []string
}

func newRenderer(out string) (*renderer, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	return &renderer{out: out, windows: map[image.Point]*headless.Window{}}, nil
}

func (r *renderer) window(size image.Point) (*headless.Window, error) {
	if w, ok := r.windows[size]; ok {
		return w, nil
	}
	w, err := headless.NewWindow(size.X, size.Y)
	if err != nil {
		return nil, fmt.Errorf("offscreen window %v (set EGL_PLATFORM=surfaceless, or install mesa-vulkan-drivers): %w", size, err)
	}
	r.windows[size] = w
	return w, nil
}

// frame lays out w at size through the input router, without drawing.
func (r *renderer) frame(size image.Point, w layout.Widget) {
	r.ops.Reset()
	gtx := layout.Context{
		Ops:         &r.ops,
		Now:         time.Now(),
		Metric:      unit.Metric{PxPerDp: 1, PxPerSp: 1},
		Constraints: layout.Exact(size),
		Source:      r.router.Source(),
	}
	w(gtx)
	r.router.Frame(&r.ops)
}

// shoot lays out w a few times (lists settle at their ends, animations
// finish) and writes the last frame to name.png.
func (r *renderer) shoot(name string, size image.Point, w layout.Widget) error {
	win, err := r.window(size)
	if err != nil {
		return err
	}
	for range 4 {
		r.frame(size, w)
	}
	if err := win.Frame(&r.ops); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	img := image.NewRGBA(image.Rectangle{Max: size})
	if err := win.Screenshot(img); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	path := filepath.Join(r.out, name+".png")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	// Smaller files for the README, the same pixels.
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	r.written = append(r.written, path)
	return nil
}

func (r *renderer) release() {
	for _, w := range r.windows {
		w.Release()
	}
}
