package ui_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"gioui.org/io/key"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/core/client"
)

// recording is a Session that keeps what the UI asks of it, as lines
// ("Send hello"), and answers every request with err.
type recording struct {
	*still
	mu    sync.Mutex
	calls []string
	err   error
}

func (r *recording) record(format string, args ...any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf(format, args...))
	return r.err
}

// take returns the calls since the last take.
func (r *recording) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

func (r *recording) fail(err error) { r.mu.Lock(); r.err = err; r.mu.Unlock() }

func (r *recording) Send(text string) error { return r.record("Send %s", text) }
func (r *recording) SendPrivate(nick, text string) error {
	return r.record("SendPrivate %s %s", nick, text)
}
func (r *recording) RefreshFiles() { _ = r.record("RefreshFiles") }
func (r *recording) MoreFiles()    { _ = r.record("MoreFiles") }
func (r *recording) Download(name string) (client.TransferID, error) {
	return 9, r.record("Download %s", name)
}
func (r *recording) Upload(path string) (client.TransferID, error) {
	return 9, r.record("Upload %s", path)
}
func (r *recording) Cancel(id client.TransferID) error { return r.record("Cancel %d", id) }

// TestTheUICarriesOutWhatTheScreensAskFor drives every screen's action
// through the whole UI against a session that records what reaches it.
func TestTheUICarriesOutWhatTheScreensAskFor(t *testing.T) {
	sess := &recording{still: stillSession(3)}
	done := filepath.Join(t.TempDir(), "notes.md")
	sess.snap.Transfers = []client.Transfer{
		{ID: 1, Name: "big.bin", Direction: client.Download, State: client.TransferRunning, Bytes: 1, Total: 100, ETA: -1},
		{ID: 2, Name: "report.txt", Direction: client.Upload, State: client.TransferCancelled, Path: "/home/alice/report.txt", Total: 5, ETA: -1},
		{ID: 3, Name: "notes.md", Direction: client.Download, State: client.TransferDone, Path: done, Total: 3000},
	}
	var opened []string
	h := newHarness(t, ui.Config{
		Connect: func(context.Context, client.Config) (ui.Session, error) { return sess, nil },
		OpenFolder: func(dir string) error {
			opened = append(opened, dir)
			return errors.New("no file manager running")
		},
	})
	h.Size.Y = 1200 // room for every transfer row
	h.UI.Join(login.Request{Nick: "alice", Addr: "127.0.0.1:1"})
	h.Until("the chat screen shows", func() bool { return h.UI.Route() == ui.RouteChat })
	h.Frame()
	assert.Contains(t, sess.take(), "RefreshFiles", "the files are asked for on joining")

	c := h.UI.Chat.Composer
	h.TypeInto(&c.Editor, "hello room")
	h.Key(key.NameReturn, 0)
	assert.Equal(t, []string{"Send hello room"}, sess.take())
	assert.Empty(t, c.Editor.Text(), "a message handed to the session leaves the editor")

	h.Press(h.UI.People.Row("bob"))
	h.TypeInto(&c.Editor, "psst")
	h.Key(key.NameReturn, 0)
	assert.Equal(t, []string{"SendPrivate bob psst"}, sess.take())

	h.Press(h.UI.Files.RefreshButton())
	assert.Equal(t, []string{"RefreshFiles"}, sess.take())
	h.Press(h.UI.Files.DownloadButton("notes.md"))
	assert.Equal(t, []string{"Download notes.md"}, sess.take())

	// Without a picker, a typed path uploads.
	h.Press(h.UI.Files.UploadButton())
	h.TypeInto(&h.UI.Files.Path, "/home/alice/slides.pdf")
	h.Press(h.UI.Files.PathUploadButton())
	assert.Equal(t, []string{"Upload /home/alice/slides.pdf"}, sess.take())
	assert.False(t, h.UI.Files.PathEntry, "the field closes once the upload started")

	cancel, _, _ := h.UI.Transfers.Buttons(1)
	h.Press(cancel)
	assert.Equal(t, []string{"Cancel 1"}, sess.take())
	_, retry, _ := h.UI.Transfers.Buttons(2)
	h.Press(retry)
	assert.Equal(t, []string{"Upload /home/alice/report.txt"}, sess.take(), "an upload from a path retries from it")
	_, _, open := h.UI.Transfers.Buttons(3)
	h.Press(open)
	assert.Equal(t, []string{filepath.Dir(done)}, opened)
	h.Frame()
	assert.Contains(t, h.Labels(), "Cannot open the folder: no file manager running")

	// What the session refuses comes back to the screen that asked.
	sess.fail(errors.New("not connected"))
	h.TypeInto(&c.Editor, "kept")
	h.Key(key.NameReturn, 0)
	require.Equal(t, []string{"SendPrivate bob kept"}, sess.take())
	assert.Equal(t, "kept", c.Editor.Text(), "a refused message keeps its text")
	h.Press(h.UI.Files.DownloadButton("notes.md"))
	require.Equal(t, []string{"Download notes.md"}, sess.take())
	h.Frame()
	labels := h.Labels()
	assert.Contains(t, labels, "Not sent: not connected")
	assert.True(t, slices.Contains(labels, "Cannot download notes.md: not connected"), "labels: %q", labels)
}
