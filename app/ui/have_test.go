package ui_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/core/client"
)

// TestFilesAlreadyDownloadedOfferOpen shares two files of which the
// download folder holds one as it is and one of the same name but other
// content: the first offers Open, the second downloads beside it under a
// new name, which its transfer row shows.
func TestFilesAlreadyDownloadedOfferOpen(t *testing.T) {
	hub := startHub(t, map[string][]byte{"have.txt": []byte("the same words\n"), "notes.txt": []byte("new notes\n")})
	downloads := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(downloads, "have.txt"), []byte("the same words\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(downloads, "notes.txt"), []byte("old notes\n"), 0o644))
	var opened []string
	h := newHarness(t, ui.Config{DownloadDir: downloads, OpenFolder: func(dir string) error { opened = append(opened, dir); return nil }})
	h.login("alice", hub.addr)
	h.Until("the files are listed with their hashes", func() bool {
		n := 0
		for _, f := range h.snap().Files {
			if f.SHA256 != "" {
				n++
			}
		}
		return n == 2
	})
	h.Until("have.txt offers Open", func() bool { return h.UI.Files.OpenButton("have.txt") != nil })
	assert.Nil(t, h.UI.Files.OpenButton("notes.txt"), "other content under the same name is not had")

	h.Press(h.UI.Files.OpenButton("have.txt"))
	assert.Equal(t, []string{downloads}, opened)

	h.Press(h.UI.Files.DownloadButton("notes.txt"))
	h.Until("the download is done", func() bool {
		tr := h.snap().Transfers
		return len(tr) == 1 && tr[0].State == client.TransferDone
	})
	tr := h.snap().Transfers[0]
	assert.Equal(t, filepath.Join(downloads, "notes (1).txt"), tr.Path)
	h.Frame()
	assert.Contains(t, h.Labels(), "notes (1).txt", "the row shows the name it was saved under")
	// The folder's notes.txt is still the old one: the list goes on
	// offering the download (the new copy has another name).
	assert.Nil(t, h.UI.Files.OpenButton("notes.txt"))
}

// TestOpenOpensTheDownloadedFile opens a file already downloaded with the
// platform's opener, and says in plain words when the opener fails.
func TestOpenOpensTheDownloadedFile(t *testing.T) {
	hub := startHub(t, map[string][]byte{"have.txt": []byte("the same words\n")})
	downloads := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(downloads, "have.txt"), []byte("the same words\n"), 0o644))
	var files, folders []string
	var fail error
	h := newHarness(t, ui.Config{DownloadDir: downloads,
		OpenFolder: func(dir string) error { folders = append(folders, dir); return nil },
		OpenFile:   func(path string) error { files = append(files, path); return fail }})
	h.login("alice", hub.addr)
	h.Until("have.txt offers Open", func() bool { return h.UI.Files.OpenButton("have.txt") != nil })

	h.Press(h.UI.Files.OpenButton("have.txt"))
	assert.Equal(t, []string{filepath.Join(downloads, "have.txt")}, files)
	assert.Empty(t, folders, "the file itself is opened, not its folder")

	fail = &os.PathError{Op: "open", Path: "x", Err: os.ErrNotExist}
	h.Press(h.UI.Files.OpenButton("have.txt"))
	h.Frame()
	assert.Contains(t, h.UI.Files.Err, "Cannot open have.txt: there is no such file or folder")
}
