package ui_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gioui.org/io/key"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/hosting"
	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/chat"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/server"
)

func TestHostAHubOnThisDevice(t *testing.T) {
	shared := filepath.Join(t.TempDir(), "shared")
	var hosted *hosting.Hub
	h := newHarness(t, ui.Config{
		Host: func(ctx context.Context) (ui.Hosted, error) {
			hub, err := hosting.Start(ctx, hosting.Config{Addr: "127.0.0.1:0", Dir: shared, Name: "Laptop hub"})
			hosted = hub
			return hub, err
		},
	})
	f := h.u.Login
	f.Nick.SetText("alice")
	h.frame()
	f.Host.Value = true
	h.press(f.JoinButton())
	h.until("the chat screen shows", func() bool { return h.u.Route() == ui.RouteChat })
	require.NotNil(t, hosted)
	assert.Equal(t, "Laptop hub", h.snap().HubName)

	// Others can join the hosted hub.
	bob := dialRaw(t, hosted.Addr(), "bob")
	h.until("bob is listed", func() bool { return h.hasUser("bob") })

	// Leaving stops the hosted hub: bob is told.
	h.press(h.u.DisconnectButton())
	bob.expect("BYE ")
}

func TestHubFullIsReported(t *testing.T) {
	hub := startHub(t, nil, func(c *server.Config) { c.MaxClients = 1 })
	dialRaw(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{})
	f := h.u.Login
	f.Nick.SetText("alice")
	f.Addr.SetText(hub.addr)
	h.press(f.JoinButton())
	h.until("the hub is reported full", func() bool { return !f.Busy && f.Addr.IsErrored() })
	assert.Equal(t, ui.RouteLogin, h.u.Route())
}

func TestPrivateMessageNotifiesWhileUnfocused(t *testing.T) {
	hub := startHub(t, nil)
	bob := dialRaw(t, hub.addr, "bob")
	var mu sync.Mutex
	var notes []string
	h := newHarness(t, ui.Config{Notify: func(title, body string) error {
		mu.Lock()
		defer mu.Unlock()
		notes = append(notes, title+": "+body)
		return nil
	}})
	h.login("alice", hub.addr)
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(notes) }

	bob.send("PRIV alice seen while focused")
	h.until("the first message arrives", func() bool {
		return h.hasMessage(func(m client.Message) bool { return m.Text == "seen while focused" })
	})
	h.frame() // the frame that handles the message's event
	assert.Equal(t, 0, count(), "no notification while the window has the focus")

	h.u.SetFocused(false)
	bob.send("PRIV alice are you there?")
	h.until("a notification is shown", func() bool { return count() == 1 })
	mu.Lock()
	assert.Equal(t, "Private message from bob: are you there?", notes[0])
	mu.Unlock()
}

func TestCancelAndRetryTransfers(t *testing.T) {
	hub := startHub(t, map[string][]byte{"small.txt": []byte("small but wanted\n"), "big.bin": nil})
	// A big (sparse) file keeps the one transfer slot busy for seconds.
	require.NoError(t, os.Truncate(filepath.Join(hub.dir, "big.bin"), 512<<20))
	h := newHarness(t, ui.Config{ClientConfig: func(c *client.Config) { c.MaxTransfers = 1 }})
	h.login("alice", hub.addr)
	h.until("the files are listed", func() bool { return h.u.Files.DownloadButton("small.txt") != nil })

	// One slot: the big download runs, the small one waits behind it.
	h.press(h.u.Files.DownloadButton("big.bin"))
	h.press(h.u.Files.DownloadButton("small.txt"))
	h.until("both rows show", func() bool { return len(h.snap().Transfers) == 2 })
	big, small := h.snap().Transfers[0].ID, h.snap().Transfers[1].ID
	state := func(id client.TransferID) client.TransferState {
		tr, _ := h.snap().Transfer(id)
		return tr.State
	}
	require.False(t, state(small).Finished())

	cancel, _, _ := h.u.Transfers.Buttons(small)
	h.press(cancel)
	h.until("the queued download is cancelled", func() bool { return state(small) == client.TransferCancelled })
	if !state(big).Finished() {
		cancel, _, _ = h.u.Transfers.Buttons(big)
		h.press(cancel)
		h.until("the running download stops", func() bool { return state(big).Finished() })
	}
	_, err := os.Stat(filepath.Join(h.downloads, "small.txt"))
	assert.True(t, os.IsNotExist(err), "a cancelled download leaves nothing under its name")

	// Retry replaces the row and completes.
	_, retry, _ := h.u.Transfers.Buttons(small)
	h.press(retry)
	h.until("the retry completes", func() bool {
		ts := h.snap().Transfers
		return len(ts) == 3 && ts[2].Name == "small.txt" && ts[2].State == client.TransferDone
	})
	visible := h.u.Transfers.Visible(h.snap().Transfers)
	for _, tr := range visible {
		assert.NotEqual(t, small, tr.ID, "the retried row gives way to the new one")
	}
	got, err := os.ReadFile(filepath.Join(h.downloads, "small.txt"))
	require.NoError(t, err)
	assert.Equal(t, "small but wanted\n", string(got))
}

func TestUploadFromThePicker(t *testing.T) {
	hub := startHub(t, nil)
	src := filepath.Join(t.TempDir(), "report.txt")
	require.NoError(t, os.WriteFile(src, []byte("quarterly numbers\n"), 0o644))
	h := newHarness(t, ui.Config{
		PickFile: func() (io.ReadCloser, error) { return os.Open(src) },
	})
	h.login("alice", hub.addr)
	h.press(h.u.Files.UploadButton())
	h.until("an upload row appears", func() bool {
		ts := h.snap().Transfers
		return len(ts) == 1 && ts[0].Direction == client.Upload && ts[0].Name == "report.txt"
	})
	h.until("the upload completes", func() bool { return h.snap().Transfers[0].State == client.TransferDone })
	got, err := os.ReadFile(filepath.Join(hub.dir, "report.txt"))
	require.NoError(t, err)
	assert.Equal(t, "quarterly numbers\n", string(got))
}

func TestConnectionBannerWhileTheHubIsAway(t *testing.T) {
	hub := startHub(t, nil)
	h := newHarness(t, ui.Config{ClientConfig: func(c *client.Config) {
		c.ReconnectMin = time.Second
		c.ReconnectMax = 2 * time.Second
	}})
	h.login("alice", hub.addr)
	assert.Empty(t, ui.BannerText(h.snap().Conn, func() int { return 0 }))

	hub.stop()
	h.until("the client is reconnecting", func() bool { return h.snap().Conn.State == client.Reconnecting })
	conn := h.snap().Conn
	banner := ui.BannerText(conn, func() int { return conn.SecondsLeft(time.Now()) })
	assert.Contains(t, banner, "Reconnecting")
	assert.NotEmpty(t, chat.DisabledReason(conn), "sending is off while away")

	// Typing still works; Enter does not send and keeps the text.
	h.typeInto(&h.u.Chat.Composer.Editor, "kept for later")
	h.key(key.NameReturn, 0)
	assert.Equal(t, "kept for later", h.u.Chat.Composer.Editor.Text())

	// Disconnect from the reconnecting state goes back to the login.
	h.press(h.u.DisconnectButton())
	assert.Equal(t, ui.RouteLogin, h.u.Route())
}

func TestClosingTheWindowSaysQuit(t *testing.T) {
	hub := startHub(t, nil)
	zed := dialRaw(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	zed.expect("JOIN ")
	require.NoError(t, h.u.Close(), "what the window does on its DestroyEvent")
	line := zed.expect("LEAVE ")
	assert.Equal(t, []string{"alice", "quit"}, fields(line, 4)[2:])
}
