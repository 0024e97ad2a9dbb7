package ui_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/internal/rawclient"
)

// TestHostsFolderIsWatched copies a file into the hosted hub's folder and
// removes it again: the file list follows without a refresh, and others
// are told.
func TestHostsFolderIsWatched(t *testing.T) {
	var opened []string
	h, hosted, shared := hostHarness(t, ui.Config{OpenFolder: func(dir string) error { opened = append(opened, dir); return nil }})
	h.Until("the file list came", func() bool { return !h.snap().FilesTime.IsZero() })
	bob := rawclient.Dial(t, hosted.Addr(), "bob")

	// The host can open the folder from the files panel.
	h.Press(h.UI.Files.OpenSharedButton())
	assert.Equal(t, []string{shared}, opened)

	listed := func(name string) bool {
		return slices.ContainsFunc(h.snap().Files, func(f client.File) bool { return f.Name == name })
	}
	require.NoError(t, os.WriteFile(filepath.Join(shared, "holiday.txt"), []byte("photos soon\n"), 0o644))
	bob.ExpectContaining("SHARED ", " - 12 ")
	h.Until("the new file is listed", func() bool { return listed("holiday.txt") && h.UI.Files.DownloadButton("holiday.txt") != nil })
	h.Until("the chat says so", func() bool {
		return h.hasMessage(func(m client.Message) bool { return m.Note == client.NoteShared && m.Name == "holiday.txt" })
	})

	require.NoError(t, os.Remove(filepath.Join(shared, "holiday.txt")))
	bob.ExpectWithin("UNSHARED ", "holiday.txt", 20*time.Second)
	h.Until("the file leaves the list", func() bool { return !listed("holiday.txt") })
}

func TestOthersGetNoOpenSharedFolder(t *testing.T) {
	hub := startHub(t, nil)
	h := newHarness(t, ui.Config{OpenFolder: func(string) error { return nil }})
	h.login("alice", hub.addr)
	h.Frame()
	// Not drawn: it cannot take the focus (Press asserts the opposite for
	// the host).
	h.Focus(h.UI.Files.OpenSharedButton())
	h.Frame()
	assert.False(t, h.Focused(h.UI.Files.OpenSharedButton()), "a guest has no shared folder to open")
}
