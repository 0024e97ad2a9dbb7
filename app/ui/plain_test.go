package ui_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gioui.org/io/key"
	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/core/client"
)

// lockedBuffer is a log the UI's goroutines may write to at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestErrorsShowPlainWordsAndLogTheDetail fails every action the way a
// desktop without its helpers does, and checks that the screens say so in
// plain words while the log keeps what the system said.
func TestErrorsShowPlainWordsAndLogTheDetail(t *testing.T) {
	sess := &recording{still: stillSession(3)}
	done := filepath.Join(t.TempDir(), "notes.md")
	sess.snap.Transfers = []client.Transfer{
		{ID: 3, Name: "notes.md", Direction: client.Download, State: client.TransferDone, Path: done, Total: 3000},
	}
	logBuf := &lockedBuffer{}
	noOpener := &exec.Error{Name: "xdg-open", Err: exec.ErrNotFound}
	h := newHarness(t, ui.Config{
		Connect:    func(context.Context, client.Config) (ui.Session, error) { return sess, nil },
		OpenFolder: func(dir string) error { return fmt.Errorf("open %s: %w", dir, noOpener) },
		PickFile: func() (io.ReadCloser, error) {
			return nil, errors.New(`unable to connect to session bus: exec: "dbus-launch": executable file not found in $PATH`)
		},
		Logger: slog.New(slog.NewTextHandler(logBuf, nil)),
	})
	h.Size.Y = 1200
	h.UI.Join(login.Request{Nick: "alice", Addr: "127.0.0.1:1"})
	h.Until("the chat screen shows", func() bool { return h.UI.Route() == ui.RouteChat })
	h.Frame()

	_, _, open := h.UI.Transfers.Buttons(3)
	h.Press(open)
	h.Press(h.UI.Files.UploadButton())
	h.Until("the picker's failure shows", func() bool { return h.UI.Files.PathEntry })
	sess.fail(fmt.Errorf("write: %w", client.ErrClosed))
	h.TypeInto(&h.UI.Chat.Composer.Editor, "hello")
	h.Key(key.NameReturn, 0)
	h.Frame()

	labels := strings.Join(h.Labels(), "\n")
	for _, want := range []string{
		"Cannot open the folder: the program this needs is not installed on this device",
		"The file picker is not available (the desktop's services are not running (log in to a full desktop session)); type the file's path instead.",
		"Not sent: you are not connected to the hub; sign in again",
	} {
		assert.Contains(t, labels, want)
	}
	for _, internal := range []string{"exec:", "$PATH", "dbus-launch", "client:", "xdg-open"} {
		assert.NotContains(t, labels, internal, "the screen shows a program internal")
	}
	log := logBuf.String()
	for _, detail := range []string{"xdg-open", "dbus-launch", "client: closed"} {
		assert.Contains(t, log, detail, "the log keeps the detail")
	}
}
