package ui_test

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
)

func TestHostSeesPreviewsOfSharedImages(t *testing.T) {
	h, _, shared := hostHarness(t, ui.Config{})
	img := image.NewNRGBA(image.Rect(0, 0, 300, 200))
	for y := range 200 {
		for x := range 300 {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x), G: 120, B: uint8(y), A: 255})
		}
	}
	f, err := os.Create(filepath.Join(shared, "team photo.png"))
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	require.NoError(t, os.WriteFile(filepath.Join(shared, "notes.txt"), []byte("words\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(shared, "broken.jpg"), []byte("not a JPEG"), 0o644))
	h.Press(h.UI.Files.RefreshButton())
	h.Until("the files are listed", func() bool { return len(h.snap().Files) == 3 })
	h.Until("the image shows a preview", func() bool { return h.UI.Files.HasPreview("team photo.png") })
	h.Frame()
	assert.False(t, h.UI.Files.HasPreview("notes.txt"), "not an image")
	assert.False(t, h.UI.Files.HasPreview("broken.jpg"), "an image that does not decode keeps the icon")
}
