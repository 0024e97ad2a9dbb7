package ui_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gioui.org/io/key"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/hosting"
	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/chat"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/internal/rawclient"
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
	f := h.UI.Login
	f.Nick.SetText("alice")
	h.Frame()
	f.Host.Value = true
	h.Press(f.JoinButton())
	h.Until("the chat screen shows", func() bool { return h.UI.Route() == ui.RouteChat })
	require.NotNil(t, hosted)
	assert.Equal(t, "Laptop hub", h.snap().HubName)

	// Others can join the hosted hub.
	bob := rawclient.Dial(t, hosted.Addr(), "bob")
	h.Until("bob is listed", func() bool { return h.hasUser("bob") })

	// Leaving stops the hosted hub, once the host says so: bob is told.
	h.Press(h.UI.DisconnectButton())
	h.Press(h.UI.StopHubButton())
	bob.Expect("BYE ")
}

func TestHubFullIsReported(t *testing.T) {
	hub := startHub(t, nil, func(c *server.Config) { c.MaxClients = 1 })
	rawclient.Dial(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{})
	f := h.UI.Login
	f.Nick.SetText("alice")
	f.Addr.SetText(hub.addr)
	h.Press(f.JoinButton())
	h.Until("the hub is reported full", func() bool { return !f.Busy && f.Addr.IsErrored() })
	assert.Equal(t, ui.RouteLogin, h.UI.Route())
}

func TestPrivateMessageNotifiesWhileUnfocused(t *testing.T) {
	hub := startHub(t, nil)
	bob := rawclient.Dial(t, hub.addr, "bob")
	shown := &notifications{}
	h := newHarness(t, ui.Config{Notify: shown.notify})
	h.login("alice", hub.addr)
	count := func() int { return len(shown.all()) }

	bob.Send("PRIV alice seen while focused")
	h.Until("the first message arrives", func() bool {
		return h.hasMessage(func(m client.Message) bool { return m.Text == "seen while focused" })
	})
	h.Frame() // the frame that handles the message's event
	assert.Equal(t, 0, count(), "no notification while the window has the focus")

	h.UI.SetFocused(false)
	bob.Send("PRIV alice are you there?")
	h.Until("a notification is shown", func() bool { return count() == 1 })
	assert.Equal(t, "Private message from bob: are you there?", shown.all()[0])
}

func TestCancelAndRetryTransfers(t *testing.T) {
	hub := startHub(t, map[string][]byte{"small.txt": []byte("small but wanted\n"), "big.bin": nil})
	// A big (sparse) file keeps the one transfer slot busy for seconds.
	require.NoError(t, os.Truncate(filepath.Join(hub.dir, "big.bin"), 512<<20))
	h := newHarness(t, ui.Config{ClientConfig: func(c *client.Config) { c.MaxTransfers = 1 }})
	h.login("alice", hub.addr)
	h.Until("the files are listed", func() bool { return h.UI.Files.DownloadButton("small.txt") != nil })

	// One slot: the big download runs, the small one waits behind it.
	h.Press(h.UI.Files.DownloadButton("big.bin"))
	h.Press(h.UI.Files.DownloadButton("small.txt"))
	h.Until("both rows show", func() bool { return len(h.snap().Transfers) == 2 })
	big, small := h.snap().Transfers[0].ID, h.snap().Transfers[1].ID
	state := func(id client.TransferID) client.TransferState {
		tr, _ := h.snap().Transfer(id)
		return tr.State
	}
	require.False(t, state(small).Finished())

	cancel, _, _ := h.UI.Transfers.Buttons(small)
	h.Press(cancel)
	h.Until("the queued download is cancelled", func() bool { return state(small) == client.TransferCancelled })
	if !state(big).Finished() {
		cancel, _, _ = h.UI.Transfers.Buttons(big)
		h.Press(cancel)
		h.Until("the running download stops", func() bool { return state(big).Finished() })
	}
	_, err := os.Stat(filepath.Join(h.downloads, "small.txt"))
	assert.True(t, os.IsNotExist(err), "a cancelled download leaves nothing under its name")

	// Retry replaces the row and completes.
	_, retry, _ := h.UI.Transfers.Buttons(small)
	h.Press(retry)
	h.Until("the retry completes", func() bool {
		ts := h.snap().Transfers
		return len(ts) == 3 && ts[2].Name == "small.txt" && ts[2].State == client.TransferDone
	})
	visible := h.UI.Transfers.Visible(h.snap().Transfers)
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
	h.Press(h.UI.Files.UploadButton())
	h.Until("an upload row appears", func() bool {
		ts := h.snap().Transfers
		return len(ts) == 1 && ts[0].Direction == client.Upload && ts[0].Name == "report.txt"
	})
	h.Until("the upload completes", func() bool { return h.snap().Transfers[0].State == client.TransferDone })
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
	h.Until("the client is reconnecting", func() bool { return h.snap().Conn.State == client.Reconnecting })
	conn := h.snap().Conn
	banner := ui.BannerText(conn, func() int { return conn.SecondsLeft(time.Now()) })
	assert.Contains(t, banner, "Reconnecting")
	assert.NotEmpty(t, chat.DisabledReason(conn), "sending is off while away")

	// Typing still works; Enter does not send and keeps the text.
	h.TypeInto(&h.UI.Chat.Composer.Editor, "kept for later")
	h.Key(key.NameReturn, 0)
	assert.Equal(t, "kept for later", h.UI.Chat.Composer.Editor.Text())

	// Disconnect from the reconnecting state goes back to the login.
	h.Press(h.UI.DisconnectButton())
	assert.Equal(t, ui.RouteLogin, h.UI.Route())
}

func TestClosingTheWindowSaysQuit(t *testing.T) {
	hub := startHub(t, nil)
	zed := rawclient.Dial(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	zed.Expect("JOIN ")
	require.NoError(t, h.UI.Close(), "what the window does on its DestroyEvent")
	line := zed.Expect("LEAVE ")
	assert.Equal(t, []string{"alice", "quit"}, fields(line, 4)[2:])
}
