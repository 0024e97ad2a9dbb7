package ui

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
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

// hugeHeaderPNG is a small PNG file whose header claims w×h pixels.
func hugeHeaderPNG(t *testing.T, w, h uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// The IHDR chunk: length (8..12), type (12..16), width, height, …,
	// and its CRC over type and data (29..33).
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestDecodeRefusesHugeDimensionsBeforeDecoding(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.png")
	if err := os.WriteFile(path, hugeHeaderPNG(t, 100_000, 100_000), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeFile(path); !errors.Is(err, errImageTooLarge) {
		t.Fatalf("decodeFile = %v, want errImageTooLarge", err)
	}
	ok := filepath.Join(t.TempDir(), "ok.png")
	if err := os.WriteFile(ok, hugeHeaderPNG(t, 1, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeFile(ok); err != nil {
		t.Fatalf("a 1×1 PNG with its header rewritten does not decode: %v", err)
	}
}
