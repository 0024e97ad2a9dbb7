package ui_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/core/client"
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

func pngBytes(t *testing.T, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x), G: 80, B: uint8(y), A: 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// TestSmallSharedImagesAreFetchedForPreviews shares images this device
// does not hold: the small one is fetched into the preview folder, not the
// download folder, without being asked, and shows a preview; the large one
// is not fetched; one whose header claims a huge picture is not decoded.
func TestSmallSharedImagesAreFetchedForPreviews(t *testing.T) {
	big := make([]byte, ui.PreviewFetchMaxBytes+1)
	copy(big, pngBytes(t, 4, 4))
	hub := startHub(t, map[string][]byte{
		"small.png": pngBytes(t, 120, 80),
		"big.png":   big,
		"huge.png":  ui.HugeHeaderPNG(t, 100_000, 100_000),
	})
	previews := filepath.Join(t.TempDir(), "previews")
	h := newHarness(t, ui.Config{PreviewDir: previews})
	h.login("alice", hub.addr)
	h.Until("the files are hashed", func() bool {
		n := 0
		for _, f := range h.snap().Files {
			if f.SHA256 != "" {
				n++
			}
		}
		return n == 3
	})
	h.Until("the small image shows a preview", func() bool { return h.UI.Files.HasPreview("small.png") })
	h.Until("the fetches are over", func() bool {
		for _, tr := range h.snap().Transfers {
			if !tr.State.Finished() {
				return false
			}
		}
		return len(h.snap().Transfers) == 2
	})
	h.Frame()
	h.Frame()
	assert.False(t, h.UI.Files.HasPreview("huge.png"), "a picture too large is refused")
	assert.False(t, h.UI.Files.HasPreview("big.png"), "a large file is not fetched")
	for _, tr := range h.snap().Transfers {
		assert.NotEqual(t, "big.png", tr.Name, "a large file is not fetched")
		assert.Equal(t, previews, filepath.Dir(tr.Path))
	}
	assert.FileExists(t, filepath.Join(previews, "small.png"))
	entries, _ := os.ReadDir(h.downloads)
	assert.Empty(t, entries, "nothing lands in the download folder")
	// Wide enough that the transfers panel shows beside the files when
	// there are transfers to show.
	assert.Contains(t, h.Labels(), "No transfers. Downloads and uploads show up here.", "a preview fetch is not the user's transfer")
}

// TestPreviewsFetchedInAnEarlierRunAreNotFetchedAgain finds the small
// image already in the preview folder: it shows without a transfer.
func TestPreviewsFetchedInAnEarlierRunAreNotFetchedAgain(t *testing.T) {
	small := pngBytes(t, 120, 80)
	hub := startHub(t, map[string][]byte{"small.png": small})
	previews := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(previews, "small.png"), small, 0o644))
	h := newHarness(t, ui.Config{PreviewDir: previews})
	h.login("alice", hub.addr)
	h.Until("the small image shows a preview", func() bool { return h.UI.Files.HasPreview("small.png") })
	assert.Empty(t, h.snap().Transfers, "fetched once, in the earlier run")
}

// TestSharedLineShowsPicture copies an image into the hosted hub's folder:
// the SHARED line in the chat shows its picture, and a text file's line
// shows none.
func TestSharedLineShowsPicture(t *testing.T) {
	h, _, shared := hostHarness(t, ui.Config{})
	h.Until("the file list came", func() bool { return !h.snap().FilesTime.IsZero() })
	require.NoError(t, os.WriteFile(filepath.Join(shared, "beach.png"), pngBytes(t, 200, 120), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(shared, "list.txt"), []byte("eggs\n"), 0o644))
	h.Until("the chat shows the picture", func() bool {
		return slices.Contains(h.UI.Chat.Log.PreviewsLaidOut, "beach.png")
	})
	h.Until("the text file's line is in the chat", func() bool {
		return h.hasMessage(func(m client.Message) bool { return m.Note == client.NoteShared && m.Name == "list.txt" })
	})
	h.Frame()
	assert.NotContains(t, h.UI.Chat.Log.PreviewsLaidOut, "list.txt")
}
