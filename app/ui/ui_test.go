package ui_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gioui.org/io/key"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/chat"
	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/internal/rawclient"
)

// login fills the form as a person would and presses Join, then waits for
// the chat screen.
func (h *harness) login(nick, addr string) {
	h.t.Helper()
	f := h.UI.Login
	f.Nick.SetText("")
	f.Addr.SetText("")
	h.TypeInto(&f.Nick.Editor, nick)
	h.TypeInto(&f.Addr.Editor, addr)
	h.Press(f.JoinButton())
	h.Until("the chat screen shows", func() bool { return h.UI.Route() == ui.RouteChat })
}

// addressTo waits until nick is listed and picks them in the people list,
// which addresses the next message to them.
func (h *harness) addressTo(nick string) *chat.Composer {
	h.t.Helper()
	h.Until(nick+" is listed", func() bool { return h.hasUser(nick) })
	h.Press(h.UI.People.Row(nick))
	c := h.UI.Chat.Composer
	require.Equal(h.t, nick, c.To.Nick)
	return c
}

func (h *harness) snap() *client.Snapshot { return h.UI.Session().Snapshot() }

func (h *harness) hasUser(nick string) bool {
	for _, u := range h.snap().Users {
		if u.Nick == nick {
			return true
		}
	}
	return false
}

func (h *harness) hasMessage(pred func(client.Message) bool) bool {
	for _, m := range h.snap().Messages {
		if pred(m) {
			return true
		}
	}
	return false
}

func TestLoginSendAndReceive(t *testing.T) {
	hub := startHub(t, nil)
	zed := rawclient.Dial(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{DataDir: t.TempDir()})
	require.Equal(t, ui.RouteLogin, h.UI.Route())

	h.login("alice", hub.addr)
	zed.Expect("JOIN ")

	h.TypeInto(&h.UI.Chat.Composer.Editor, "hello from the window")
	h.Key(key.NameReturn, 0)

	line := zed.Expect("MSG ")
	assert.Equal(t, []string{"alice", "hello from the window"}, fields(line, 4)[2:])
	h.Until("our own message comes back from the hub", func() bool {
		return h.hasMessage(func(m client.Message) bool { return m.Own && m.Text == "hello from the window" })
	})
	assert.Empty(t, h.UI.Chat.Composer.Editor.Text(), "the composer is cleared after sending")

	// And a message from someone else shows in the log.
	zed.Send("MSG hi alice")
	h.Until("zed's message arrives", func() bool {
		return h.hasMessage(func(m client.Message) bool { return m.From == "zed" && m.Text == "hi alice" })
	})
}

func TestShiftEnterStartsANewLine(t *testing.T) {
	hub := startHub(t, nil)
	zed := rawclient.Dial(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)

	e := &h.UI.Chat.Composer.Editor
	h.TypeInto(e, "first line")
	h.Key(key.NameReturn, key.ModShift)
	h.TypeInto(e, "second line")
	require.Equal(t, "first line\nsecond line", e.Text(), "Shift+Enter inserts a line break")
	h.Key(key.NameReturn, 0)

	line := zed.Expect("MSG ")
	assert.Equal(t, `first line\nsecond line`, fields(line, 4)[3], "the line break travels escaped")
	h.Until("the two-line message comes back", func() bool {
		return h.hasMessage(func(m client.Message) bool { return m.Own && m.Text == "first line\nsecond line" })
	})
}

func TestLoginErrorsShowInPlace(t *testing.T) {
	hub := startHub(t, nil)
	rawclient.Dial(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{})
	f := h.UI.Login

	// A nick the rules refuse never reaches the hub.
	f.Nick.SetText("9lives")
	h.Press(f.JoinButton())
	assert.Equal(t, ui.RouteLogin, h.UI.Route())
	assert.True(t, f.Nick.IsErrored(), "the nickname field shows the error")
	assert.Nil(t, h.UI.Session())

	// A nick in use (case-insensitively) is refused by the hub.
	f.Nick.SetText("ZED")
	f.Addr.SetText(hub.addr)
	h.Press(f.JoinButton())
	h.Until("the hub refuses the nick", func() bool { return !f.Busy && f.Nick.IsErrored() })
	assert.Equal(t, ui.RouteLogin, h.UI.Route())

	// Nobody listening at the address.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := l.Addr().String()
	require.NoError(t, l.Close())
	f.Nick.SetText("alice")
	f.Addr.SetText(dead)
	h.Press(f.JoinButton())
	h.Until("the address is reported unreachable", func() bool { return !f.Busy && f.Addr.IsErrored() })
	assert.Equal(t, ui.RouteLogin, h.UI.Route())

	// The same form then joins fine.
	f.Addr.SetText(hub.addr)
	h.Press(f.JoinButton())
	h.Until("the chat screen shows", func() bool { return h.UI.Route() == ui.RouteChat })
}

func TestPrivateMessageToChosenRecipient(t *testing.T) {
	hub := startHub(t, nil)
	bob := rawclient.Dial(t, hub.addr, "bob")
	carol := rawclient.Dial(t, hub.addr, "carol")
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	h.Until("bob is listed", func() bool { return h.hasUser("bob") && h.hasUser("carol") })

	// Choose bob in the recipient menu.
	c := h.UI.Chat.Composer
	h.Press(c.RecipientButton())
	require.True(t, c.MenuOpen())
	h.Key(key.NameEscape, 0)
	require.False(t, c.MenuOpen(), "Escape closes the menu")
	h.Press(c.RecipientButton())
	require.True(t, c.MenuOpen())
	h.Press(c.MenuItem("bob"))
	require.Equal(t, "bob", c.To.Nick)

	h.TypeInto(&c.Editor, "just for you")
	h.Key(key.NameReturn, 0)
	line := bob.Expect("PRIV ")
	assert.Equal(t, []string{"alice", "bob", "just for you"}, fields(line, 5)[2:])
	h.Until("the confirmation shows as a private message to bob", func() bool {
		return h.hasMessage(func(m client.Message) bool {
			return m.Kind == client.Private && m.Own && m.To == "bob" && m.Text == "just for you"
		})
	})

	// Choosing carol in the people list addresses her.
	h.Press(h.UI.People.Row("carol"))
	require.Equal(t, "carol", c.To.Nick)
	h.TypeInto(&c.Editor, "and this one for carol")
	h.Key(key.NameReturn, 0)
	line = carol.Expect("PRIV ")
	assert.Equal(t, "and this one for carol", fields(line, 5)[4])
}

func TestRecipientWhoLeavesIsShownGone(t *testing.T) {
	hub := startHub(t, nil)
	bob := rawclient.Dial(t, hub.addr, "bob")
	zed := rawclient.Dial(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	c := h.addressTo("bob")

	bob.Send("QUIT bye")
	h.Until("bob is gone from the list", func() bool { return !h.hasUser("bob") })
	assert.Equal(t, "bob", c.To.Nick, "the recipient does not silently fall back to everyone")
	assert.True(t, c.Gone(h.snap().Users))
	h.Frame()
	assert.Contains(t, h.Labels(), `bob left ("bye")`, "the log says who left, in their words")

	// Sending is refused while the recipient is gone, and says why: nothing
	// reaches anyone.
	h.TypeInto(&c.Editor, "are you there?")
	h.Key(key.NameReturn, 0)
	assert.Equal(t, "are you there?", c.Editor.Text(), "the text is kept")
	h.Press(c.SendButton())
	assert.Equal(t, "are you there?", c.Editor.Text(), "the text is kept")
	assert.Contains(t, h.Labels(), "bob has left. Choose someone else, or Everyone.")
	assert.Contains(t, h.Labels(), "To: bob (left)")
	assert.False(t, h.hasMessage(func(m client.Message) bool { return m.Text == "are you there?" }))

	// Back to everyone: the kept text goes to the room.
	h.Press(c.RecipientButton())
	h.Press(c.MenuItem(""))
	h.Key(key.NameReturn, 0)
	line := zed.Expect("MSG ")
	assert.Equal(t, "are you there?", fields(line, 4)[3])
}

func TestDownloadShowsTransferAndCompletes(t *testing.T) {
	content := []byte(strings.Repeat("natter shares files over TFTP\n", 700))
	hub := startHub(t, map[string][]byte{"notes.txt": content})
	// The folder does not exist yet: the first download creates it.
	downloads := filepath.Join(t.TempDir(), "Downloads", "Natter")
	var opened []string
	h := newHarness(t, ui.Config{DownloadDir: downloads, OpenFolder: func(dir string) error {
		opened = append(opened, dir)
		return nil
	}})
	h.login("alice", hub.addr)
	h.Until("the shared file is listed", func() bool { return h.UI.Files.DownloadButton("notes.txt") != nil })

	h.Press(h.UI.Files.DownloadButton("notes.txt"))
	h.Until("a transfer row appears", func() bool { return len(h.snap().Transfers) == 1 })
	h.Until("the download completes", func() bool {
		tr := h.snap().Transfers[0]
		require.NotEqual(t, client.TransferFailed, tr.State, tr.Reason)
		return tr.State == client.TransferDone
	})
	got, err := os.ReadFile(filepath.Join(downloads, "notes.txt"))
	require.NoError(t, err)
	assert.Equal(t, content, got)

	// "Open folder" shows the download folder.
	_, _, open := h.UI.Transfers.Buttons(h.snap().Transfers[0].ID)
	h.Press(open)
	assert.Equal(t, []string{downloads}, opened)
}

func TestRefreshShowsNewFiles(t *testing.T) {
	hub := startHub(t, nil)
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	h.Until("the empty list is known", func() bool { return !h.snap().FilesTime.IsZero() })
	assert.Empty(t, h.snap().Files)

	require.NoError(t, os.WriteFile(filepath.Join(hub.dir, "agenda.txt"), []byte("1. hello\n"), 0o644))
	h.Press(h.UI.Files.RefreshButton())
	h.Until("the new file is listed", func() bool { return h.UI.Files.DownloadButton("agenda.txt") != nil })
}

func TestThemeToggleIsRemembered(t *testing.T) {
	hub := startHub(t, nil)
	dir := t.TempDir()
	h := newHarness(t, ui.Config{DataDir: dir})
	h.login("alice", hub.addr)
	require.False(t, h.UI.Dark)
	h.Press(h.UI.ThemeButton())
	assert.True(t, h.UI.Dark)
	assert.True(t, newHarness(t, ui.Config{DataDir: dir}).UI.Dark, "the next start uses the dark theme")
}

func TestDisconnectSaysQuitAndReturnsToLogin(t *testing.T) {
	hub := startHub(t, nil)
	zed := rawclient.Dial(t, hub.addr, "zed")
	dir := t.TempDir()
	h := newHarness(t, ui.Config{DataDir: dir})
	h.login("alice", hub.addr)
	zed.Expect("JOIN ")

	h.Press(h.UI.DisconnectButton())
	assert.Equal(t, ui.RouteLogin, h.UI.Route())
	line := zed.Expect("LEAVE ")
	assert.Equal(t, []string{"alice", "quit"}, fields(line, 4)[2:])

	// The nick and address are remembered for next time.
	h2 := newHarness(t, ui.Config{DataDir: dir})
	assert.Equal(t, "alice", h2.UI.Login.Nick.Text())
	assert.Equal(t, hub.addr, h2.UI.Login.Addr.Text())
}

func TestNarrowWindowUsesTabs(t *testing.T) {
	hub := startHub(t, nil)
	zed := rawclient.Dial(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{})
	h.Size.X, h.Size.Y = 400, 800
	h.login("alice", hub.addr)
	require.Equal(t, ui.TabChat, h.UI.Tab)
	for _, tab := range []ui.Tab{ui.TabPeople, ui.TabFiles, ui.TabTransfers, ui.TabChat} {
		h.Press(h.UI.TabButton(tab))
		assert.Equal(t, tab, h.UI.Tab)
	}
	// Choosing someone in the people tab goes back to the chat, addressed to them.
	h.Press(h.UI.TabButton(ui.TabPeople))
	h.Until("zed is listed", func() bool { return h.hasUser("zed") })
	h.Frame()
	h.Press(h.UI.People.Row("zed"))
	assert.Equal(t, ui.TabChat, h.UI.Tab)
	assert.Equal(t, "zed", h.UI.Chat.Composer.To.Nick)

	// Messages that arrive while another tab shows are counted on the Chat tab.
	h.Press(h.UI.TabButton(ui.TabFiles))
	zed.Send("MSG one")
	zed.Send("MSG two")
	h.Until("the Chat tab counts two new messages", func() bool { return slices.Contains(h.Labels(), "Chat (2 new)") })
	h.Press(h.UI.TabButton(ui.TabChat))
	assert.Contains(t, h.Labels(), "Chat")
}

func TestChoosingAFoundHubFillsTheAddress(t *testing.T) {
	hub := startHub(t, nil)
	h := newHarness(t, ui.Config{Found: func() []login.FoundHub {
		return []login.FoundHub{{Name: "Test hub", Addr: hub.addr}}
	}})
	f := h.UI.Login
	f.Nick.SetText("alice")
	h.Press(f.FoundButton(hub.addr))
	assert.Equal(t, hub.addr, f.Addr.Text())
	h.Press(f.JoinButton())
	h.Until("the chat screen shows", func() bool { return h.UI.Route() == ui.RouteChat })
}

func TestNoHubsFoundSaysSo(t *testing.T) {
	h := newHarness(t, ui.Config{})
	assert.Contains(t, h.Labels(), "No hubs found on this network — enter an address.")
}

func TestEnterInTheFormJoins(t *testing.T) {
	hub := startHub(t, nil)
	h := newHarness(t, ui.Config{Nick: "alice", Addr: hub.addr})
	// The nickname field has the focus from the start.
	require.True(t, h.Focused(&h.UI.Login.Nick.Editor))
	h.Key(key.NameReturn, 0)
	h.Until("the chat screen shows", func() bool { return h.UI.Route() == ui.RouteChat })
	h.Frame()
	assert.True(t, h.Focused(&h.UI.Chat.Composer.Editor), "the composer has the focus once joined")
}

func TestRecipientWhoRenamesIsFollowed(t *testing.T) {
	hub := startHub(t, nil)
	bob := rawclient.Dial(t, hub.addr, "bob")
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	c := h.addressTo("bob")

	bob.Send("NICK Robert")
	h.Until("the people list shows the new nick", func() bool { return h.UI.People.Row("Robert") != nil })
	assert.Nil(t, h.UI.People.Row("bob"), "the old nick is gone from the list")
	assert.Equal(t, "Robert", c.To.Nick, "the recipient follows the rename")
	assert.False(t, c.Gone(h.snap().Users))
	h.Frame()
	labels := h.Labels()
	assert.Contains(t, labels, "To: Robert")
	assert.NotContains(t, labels, "To: bob (left)")
	assert.Contains(t, labels, "bob is now known as Robert")
	assert.Contains(t, labels, "private", "the people list highlights the new nick as the recipient")

	// The next message goes to the new nick.
	h.TypeInto(&c.Editor, "nice name")
	h.Key(key.NameReturn, 0)
	line := bob.Expect("PRIV ")
	assert.Equal(t, []string{"alice", "Robert", "nice name"}, fields(line, 5)[2:])
}

func TestEventsAreNotReadAfterTheSessionStops(t *testing.T) {
	hub := startHub(t, nil)
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	s := h.UI.Session()
	s.Quit("")
	select {
	case <-s.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the session did not stop")
	}
	h.Until("the banner says the session ended", func() bool { return h.snap().Conn.State == client.Closed })
	h.Frame()
	// What was left in the closed channel has been taken; a closed
	// channel yields no more events, however often a frame asks.
	for range 3 {
		assert.Equal(t, 0, h.UI.DrainEvents())
	}
}

func TestChatTabCountsNewMessagesWhenOldOnesAreDropped(t *testing.T) {
	hub := startHub(t, nil)
	zed := rawclient.Dial(t, hub.addr, "zed")
	// A log of at most 8 (+1) lines: the client drops the oldest soon.
	h := newHarness(t, ui.Config{ClientConfig: func(c *client.Config) { c.MaxMessages = 8 }})
	h.Size.X, h.Size.Y = 400, 800
	h.login("alice", hub.addr)
	h.Press(h.UI.TabButton(ui.TabFiles))
	for i := range 9 {
		zed.Send(fmt.Sprintf("MSG note %d", i))
	}
	h.Until("the last note arrives", func() bool {
		return h.hasMessage(func(m client.Message) bool { return m.Text == "note 8" })
	})
	require.Less(t, len(h.snap().Messages), 10, "the oldest lines were dropped")
	h.Frame()
	// Every line still in the log is a note from zed that was not seen.
	assert.Contains(t, h.Labels(), fmt.Sprintf("Chat (%d new)", len(h.snap().Messages)))
}
