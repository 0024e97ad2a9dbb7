package ui

import (
	"errors"
	"image"
	"image/color"
	_ "image/gif" // previews of GIF files
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gioui.org/op/paint"

	"github.com/natter-chat/natter/core/client"
)

// previewMaxBytes bounds the images previewed: a preview is a glance, not
// a reason to decode a 40 MB photo.
const previewMaxBytes = 8 << 20

// previewMaxSide bounds the width and height of the images decoded, as
// their headers say before any decoding: a small file can claim a huge
// picture, which decoding would allocate.
const previewMaxSide = 8192

// errImageTooLarge is why an image with too many pixels is not decoded.
var errImageTooLarge = errors.New("image too large to preview")

// previewSide is the longest side of a preview, in pixels.
const previewSide = 96

type previewKey struct {
	path        string
	size, mtime int64
}

// previewCache makes small previews of image files this device holds (a
// hosted hub's shared folder, files already downloaded), decoding them
// with the standard library in the background, one at a time.
type previewCache struct {
	done func()

	mu      sync.Mutex
	ops     map[previewKey]paint.ImageOp
	failed  map[previewKey]bool
	working bool
	wg      sync.WaitGroup
}

func newPreviewCache(done func()) *previewCache {
	return &previewCache{done: done, ops: map[previewKey]paint.ImageOp{}, failed: map[previewKey]bool{}}
}

// isImageName reports whether name is of a kind the standard library
// decodes.
func isImageName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".gif":
		return true
	}
	return false
}

// Preview returns the preview of the image at path, if it is ready; a
// first call starts making it.
func (c *previewCache) Preview(path string) (paint.ImageOp, bool) {
	if !isImageName(path) {
		return paint.ImageOp{}, false
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > previewMaxBytes {
		return paint.ImageOp{}, false
	}
	k := previewKey{path: path, size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	c.mu.Lock()
	defer c.mu.Unlock()
	if op, ok := c.ops[k]; ok {
		return op, true
	}
	if !c.failed[k] && !c.working {
		c.working = true
		c.wg.Add(1)
		go c.make(k)
	}
	return paint.ImageOp{}, false
}

func (c *previewCache) make(k previewKey) {
	defer c.wg.Done()
	img, err := decodeFile(k.path)
	c.mu.Lock()
	if err != nil {
		c.failed[k] = true
	} else {
		c.ops[k] = paint.NewImageOp(thumbnail(img, previewSide))
	}
	c.working = false
	c.mu.Unlock()
	if c.done != nil {
		c.done()
	}
}

func (c *previewCache) wait() {
	if c != nil {
		c.wg.Wait()
	}
}

func decodeFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, err
	}
	if cfg.Width > previewMaxSide || cfg.Height > previewMaxSide {
		return nil, errImageTooLarge
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(f)
	return img, err
}

// thumbnail scales img down to at most side pixels on its longer side,
// averaging the source pixels each target pixel covers.
func thumbnail(img image.Image, side int) *image.NRGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return image.NewNRGBA(image.Rect(0, 0, 1, 1))
	}
	tw, th := w, h
	if w > side || h > side {
		if w >= h {
			tw, th = side, max(1, h*side/w)
		} else {
			tw, th = max(1, w*side/h), side
		}
	}
	out := image.NewNRGBA(image.Rect(0, 0, tw, th))
	for y := range th {
		y0, y1 := b.Min.Y+y*h/th, b.Min.Y+max((y+1)*h/th, y*h/th+1)
		for x := range tw {
			x0, x1 := b.Min.X+x*w/tw, b.Min.X+max((x+1)*w/tw, x*w/tw+1)
			var r, g, bl, a, n uint64
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					c := color.NRGBAModel.Convert(img.At(sx, sy)).(color.NRGBA)
					r, g, bl, a = r+uint64(c.R), g+uint64(c.G), bl+uint64(c.B), a+uint64(c.A)
					n++
				}
			}
			out.SetNRGBA(x, y, color.NRGBA{R: uint8(r / n), G: uint8(g / n), B: uint8(bl / n), A: uint8(a / n)})
		}
	}
	return out
}

// preview is the picture of a listed image file that this device holds:
// in the shared folder of the hub it hosts, already downloaded, or
// fetched for its preview (a small one is fetched when first asked for).
func (u *UI) preview(f client.File, now time.Time) (paint.ImageOp, bool) {
	if !isImageName(f.Name) || filepath.Base(f.Name) != f.Name {
		return paint.ImageOp{}, false
	}
	if dir := u.sharedDir(); dir != "" {
		return u.previews.Preview(filepath.Join(dir, f.Name))
	}
	if u.have.Have(f, now) {
		return u.previews.Preview(filepath.Join(u.cfg.DownloadDir, f.Name))
	}
	if u.cached.Have(f, now) {
		return u.previews.Preview(filepath.Join(u.cfg.PreviewDir, f.Name))
	}
	if path, ok := u.fetches.path(f); ok {
		return u.previews.Preview(path)
	}
	u.fetches.want(f, u.cfg.PreviewDir)
	return paint.ImageOp{}, false
}

// sharedPreview is the picture under m, a SHARED line, from the file of
// that name in the hub's list (the same picture the list shows), when the
// line's size is the listed file's: a file replaced since has another.
func (u *UI) sharedPreview(snap *client.Snapshot, m *client.Message, now time.Time) (paint.ImageOp, bool) {
	if !isImageName(m.Name) {
		return paint.ImageOp{}, false
	}
	for _, f := range snap.Files {
		if f.Name == m.Name && f.Size == m.Size {
			return u.preview(f, now)
		}
	}
	return paint.ImageOp{}, false
}
