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
	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/core/client"
)

// login fills the form as a person would and presses Join, then waits for
// the chat screen.
func (h *harness) login(nick, addr string) {
	h.t.Helper()
	f := h.u.Login
	f.Nick.SetText("")
	f.Addr.SetText("")
	h.typeInto(&f.Nick.Editor, nick)
	h.typeInto(&f.Addr.Editor, addr)
	h.press(f.JoinButton())
	h.until("the chat screen shows", func() bool { return h.u.Route() == ui.RouteChat })
}

func (h *harness) snap() *client.Snapshot { return h.u.Session().Snapshot() }

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
	zed := dialRaw(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{DataDir: t.TempDir()})
	require.Equal(t, ui.RouteLogin, h.u.Route())

	h.login("alice", hub.addr)
	zed.expect("JOIN ")

	h.typeInto(&h.u.Chat.Composer.Editor, "hello from the window")
	h.key(key.NameReturn, 0)

	line := zed.expect("MSG ")
	assert.Equal(t, []string{"alice", "hello from the window"}, fields(line, 4)[2:])
	h.until("our own message comes back from the hub", func() bool {
		return h.hasMessage(func(m client.Message) bool { return m.Own && m.Text == "hello from the window" })
	})
	assert.Empty(t, h.u.Chat.Composer.Editor.Text(), "the composer is cleared after sending")

	// And a message from someone else shows in the log.
	zed.send("MSG hi alice")
	h.until("zed's message arrives", func() bool {
		return h.hasMessage(func(m client.Message) bool { return m.From == "zed" && m.Text == "hi alice" })
	})
}

func TestShiftEnterStartsANewLine(t *testing.T) {
	hub := startHub(t, nil)
	zed := dialRaw(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)

	e := &h.u.Chat.Composer.Editor
	h.typeInto(e, "first line")
	h.key(key.NameReturn, key.ModShift)
	h.typeInto(e, "second line")
	require.Equal(t, "first line\nsecond line", e.Text(), "Shift+Enter inserts a line break")
	h.key(key.NameReturn, 0)

	line := zed.expect("MSG ")
	assert.Equal(t, `first line\nsecond line`, fields(line, 4)[3], "the line break travels escaped")
	h.until("the two-line message comes back", func() bool {
		return h.hasMessage(func(m client.Message) bool { return m.Own && m.Text == "first line\nsecond line" })
	})
}

func TestLoginErrorsShowInPlace(t *testing.T) {
	hub := startHub(t, nil)
	dialRaw(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{})
	f := h.u.Login

	// A nick the rules refuse never reaches the hub.
	f.Nick.SetText("9lives")
	h.press(f.JoinButton())
	assert.Equal(t, ui.RouteLogin, h.u.Route())
	assert.True(t, f.Nick.IsErrored(), "the nickname field shows the error")
	assert.Nil(t, h.u.Session())

	// A nick in use (case-insensitively) is refused by the hub.
	f.Nick.SetText("ZED")
	f.Addr.SetText(hub.addr)
	h.press(f.JoinButton())
	h.until("the hub refuses the nick", func() bool { return !f.Busy && f.Nick.IsErrored() })
	assert.Equal(t, ui.RouteLogin, h.u.Route())

	// Nobody listening at the address.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := l.Addr().String()
	require.NoError(t, l.Close())
	f.Nick.SetText("alice")
	f.Addr.SetText(dead)
	h.press(f.JoinButton())
	h.until("the address is reported unreachable", func() bool { return !f.Busy && f.Addr.IsErrored() })
	assert.Equal(t, ui.RouteLogin, h.u.Route())

	// The same form then joins fine.
	f.Addr.SetText(hub.addr)
	h.press(f.JoinButton())
	h.until("the chat screen shows", func() bool { return h.u.Route() == ui.RouteChat })
}

func TestPrivateMessageToChosenRecipient(t *testing.T) {
	hub := startHub(t, nil)
	bob := dialRaw(t, hub.addr, "bob")
	carol := dialRaw(t, hub.addr, "carol")
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	h.until("bob is listed", func() bool { return h.hasUser("bob") && h.hasUser("carol") })

	// Choose bob in the recipient menu.
	c := h.u.Chat.Composer
	h.press(c.RecipientButton())
	require.True(t, c.MenuOpen())
	h.key(key.NameEscape, 0)
	require.False(t, c.MenuOpen(), "Escape closes the menu")
	h.press(c.RecipientButton())
	require.True(t, c.MenuOpen())
	h.press(c.MenuItem("bob"))
	require.Equal(t, "bob", c.To.Nick)

	h.typeInto(&c.Editor, "just for you")
	h.key(key.NameReturn, 0)
	line := bob.expect("PRIV ")
	assert.Equal(t, []string{"alice", "bob", "just for you"}, fields(line, 5)[2:])
	h.until("the confirmation shows as a private message to bob", func() bool {
		return h.hasMessage(func(m client.Message) bool {
			return m.Kind == client.Private && m.Own && m.To == "bob" && m.Text == "just for you"
		})
	})

	// Choosing carol in the people list addresses her.
	h.press(h.u.People.Row("carol"))
	require.Equal(t, "carol", c.To.Nick)
	h.typeInto(&c.Editor, "and this one for carol")
	h.key(key.NameReturn, 0)
	line = carol.expect("PRIV ")
	assert.Equal(t, "and this one for carol", fields(line, 5)[4])
}

func TestRecipientWhoLeavesIsShownGone(t *testing.T) {
	hub := startHub(t, nil)
	bob := dialRaw(t, hub.addr, "bob")
	zed := dialRaw(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	h.until("bob is listed", func() bool { return h.hasUser("bob") })
	h.press(h.u.People.Row("bob"))
	c := h.u.Chat.Composer
	require.Equal(t, "bob", c.To.Nick)

	bob.send("QUIT bye")
	h.until("bob is gone from the list", func() bool { return !h.hasUser("bob") })
	assert.Equal(t, "bob", c.To.Nick, "the recipient does not silently fall back to everyone")
	assert.True(t, c.Gone(h.snap().Users))
	h.frame()
	assert.Contains(t, h.labels(), `bob left ("bye")`, "the log says who left, in their words")

	// Sending is refused while the recipient is gone, and says why: nothing
	// reaches anyone.
	h.typeInto(&c.Editor, "are you there?")
	h.key(key.NameReturn, 0)
	assert.Equal(t, "are you there?", c.Editor.Text(), "the text is kept")
	h.press(c.SendButton())
	assert.Equal(t, "are you there?", c.Editor.Text(), "the text is kept")
	assert.Contains(t, h.labels(), "bob has left. Choose someone else, or Everyone.")
	assert.Contains(t, h.labels(), "To: bob (left)")
	assert.False(t, h.hasMessage(func(m client.Message) bool { return m.Text == "are you there?" }))

	// Back to everyone: the kept text goes to the room.
	h.press(c.RecipientButton())
	h.press(c.MenuItem(""))
	h.key(key.NameReturn, 0)
	line := zed.expect("MSG ")
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
	h.until("the shared file is listed", func() bool { return h.u.Files.DownloadButton("notes.txt") != nil })

	h.press(h.u.Files.DownloadButton("notes.txt"))
	h.until("a transfer row appears", func() bool { return len(h.snap().Transfers) == 1 })
	h.until("the download completes", func() bool {
		tr := h.snap().Transfers[0]
		require.NotEqual(t, client.TransferFailed, tr.State, tr.Reason)
		return tr.State == client.TransferDone
	})
	got, err := os.ReadFile(filepath.Join(downloads, "notes.txt"))
	require.NoError(t, err)
	assert.Equal(t, content, got)

	// "Open folder" shows the download folder.
	_, _, open := h.u.Transfers.Buttons(h.snap().Transfers[0].ID)
	h.press(open)
	assert.Equal(t, []string{downloads}, opened)
}

func TestRefreshShowsNewFiles(t *testing.T) {
	hub := startHub(t, nil)
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	h.until("the empty list is known", func() bool { return !h.snap().FilesTime.IsZero() })
	assert.Empty(t, h.snap().Files)

	require.NoError(t, os.WriteFile(filepath.Join(hub.dir, "agenda.txt"), []byte("1. hello\n"), 0o644))
	h.press(h.u.Files.RefreshButton())
	h.until("the new file is listed", func() bool { return h.u.Files.DownloadButton("agenda.txt") != nil })
}

func TestThemeToggleIsRemembered(t *testing.T) {
	hub := startHub(t, nil)
	dir := t.TempDir()
	h := newHarness(t, ui.Config{DataDir: dir})
	h.login("alice", hub.addr)
	require.False(t, h.u.Dark)
	h.press(h.u.ThemeButton())
	assert.True(t, h.u.Dark)
	assert.True(t, newHarness(t, ui.Config{DataDir: dir}).u.Dark, "the next start uses the dark theme")
}

func TestDisconnectSaysQuitAndReturnsToLogin(t *testing.T) {
	hub := startHub(t, nil)
	zed := dialRaw(t, hub.addr, "zed")
	dir := t.TempDir()
	h := newHarness(t, ui.Config{DataDir: dir})
	h.login("alice", hub.addr)
	zed.expect("JOIN ")

	h.press(h.u.DisconnectButton())
	assert.Equal(t, ui.RouteLogin, h.u.Route())
	line := zed.expect("LEAVE ")
	assert.Equal(t, []string{"alice", "quit"}, fields(line, 4)[2:])

	// The nick and address are remembered for next time.
	h2 := newHarness(t, ui.Config{DataDir: dir})
	assert.Equal(t, "alice", h2.u.Login.Nick.Text())
	assert.Equal(t, hub.addr, h2.u.Login.Addr.Text())
}

func TestNarrowWindowUsesTabs(t *testing.T) {
	hub := startHub(t, nil)
	zed := dialRaw(t, hub.addr, "zed")
	h := newHarness(t, ui.Config{})
	h.size.X, h.size.Y = 400, 800
	h.login("alice", hub.addr)
	require.Equal(t, ui.TabChat, h.u.Tab)
	for _, tab := range []ui.Tab{ui.TabPeople, ui.TabFiles, ui.TabTransfers, ui.TabChat} {
		h.press(h.u.TabButton(tab))
		assert.Equal(t, tab, h.u.Tab)
	}
	// Choosing someone in the people tab goes back to the chat, addressed to them.
	h.press(h.u.TabButton(ui.TabPeople))
	h.until("zed is listed", func() bool { return h.hasUser("zed") })
	h.frame()
	h.press(h.u.People.Row("zed"))
	assert.Equal(t, ui.TabChat, h.u.Tab)
	assert.Equal(t, "zed", h.u.Chat.Composer.To.Nick)

	// Messages that arrive while another tab shows are counted on the Chat tab.
	h.press(h.u.TabButton(ui.TabFiles))
	zed.send("MSG one")
	zed.send("MSG two")
	h.until("the Chat tab counts two new messages", func() bool { return slices.Contains(h.labels(), "Chat (2 new)") })
	h.press(h.u.TabButton(ui.TabChat))
	assert.Contains(t, h.labels(), "Chat")
}

func TestChoosingAFoundHubFillsTheAddress(t *testing.T) {
	hub := startHub(t, nil)
	h := newHarness(t, ui.Config{Found: func() []login.FoundHub {
		return []login.FoundHub{{Name: "Test hub", Addr: hub.addr}}
	}})
	f := h.u.Login
	f.Nick.SetText("alice")
	h.press(f.FoundButton(hub.addr))
	assert.Equal(t, hub.addr, f.Addr.Text())
	h.press(f.JoinButton())
	h.until("the chat screen shows", func() bool { return h.u.Route() == ui.RouteChat })
}

func TestNoHubsFoundSaysSo(t *testing.T) {
	h := newHarness(t, ui.Config{})
	assert.Contains(t, h.labels(), "No hubs found on this network — enter an address.")
}

func TestEnterInTheFormJoins(t *testing.T) {
	hub := startHub(t, nil)
	h := newHarness(t, ui.Config{Nick: "alice", Addr: hub.addr})
	// The nickname field has the focus from the start.
	require.True(t, h.r.Source().Focused(&h.u.Login.Nick.Editor))
	h.key(key.NameReturn, 0)
	h.until("the chat screen shows", func() bool { return h.u.Route() == ui.RouteChat })
	h.frame()
	assert.True(t, h.r.Source().Focused(&h.u.Chat.Composer.Editor), "the composer has the focus once joined")
}

func TestRecipientWhoRenamesIsFollowed(t *testing.T) {
	hub := startHub(t, nil)
	bob := dialRaw(t, hub.addr, "bob")
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	h.until("bob is listed", func() bool { return h.hasUser("bob") })
	h.press(h.u.People.Row("bob"))
	c := h.u.Chat.Composer
	require.Equal(t, "bob", c.To.Nick)

	bob.send("NICK Robert")
	h.until("the people list shows the new nick", func() bool { return h.u.People.Row("Robert") != nil })
	assert.Nil(t, h.u.People.Row("bob"), "the old nick is gone from the list")
	assert.Equal(t, "Robert", c.To.Nick, "the recipient follows the rename")
	assert.False(t, c.Gone(h.snap().Users))
	h.frame()
	labels := h.labels()
	assert.Contains(t, labels, "To: Robert")
	assert.NotContains(t, labels, "To: bob (left)")
	assert.Contains(t, labels, "bob is now known as Robert")
	assert.Contains(t, labels, "private", "the people list highlights the new nick as the recipient")

	// The next message goes to the new nick.
	h.typeInto(&c.Editor, "nice name")
	h.key(key.NameReturn, 0)
	line := bob.expect("PRIV ")
	assert.Equal(t, []string{"alice", "Robert", "nice name"}, fields(line, 5)[2:])
}

func TestEventsAreNotReadAfterTheSessionStops(t *testing.T) {
	hub := startHub(t, nil)
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	s := h.u.Session()
	s.Quit("")
	select {
	case <-s.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the session did not stop")
	}
	h.until("the banner says the session ended", func() bool { return h.snap().Conn.State == client.Closed })
	h.frame()
	// What was left in the closed channel has been taken; a closed
	// channel yields no more events, however often a frame asks.
	for range 3 {
		assert.Equal(t, 0, h.u.DrainEvents())
	}
}

func TestChatTabCountsNewMessagesWhenOldOnesAreDropped(t *testing.T) {
	hub := startHub(t, nil)
	zed := dialRaw(t, hub.addr, "zed")
	// A log of at most 8 (+1) lines: the client drops the oldest soon.
	h := newHarness(t, ui.Config{ClientConfig: func(c *client.Config) { c.MaxMessages = 8 }})
	h.size.X, h.size.Y = 400, 800
	h.login("alice", hub.addr)
	h.press(h.u.TabButton(ui.TabFiles))
	for i := range 9 {
		zed.send(fmt.Sprintf("MSG note %d", i))
	}
	h.until("the last note arrives", func() bool {
		return h.hasMessage(func(m client.Message) bool { return m.Text == "note 8" })
	})
	require.Less(t, len(h.snap().Messages), 10, "the oldest lines were dropped")
	h.frame()
	// Every line still in the log is a note from zed that was not seen.
	assert.Contains(t, h.labels(), fmt.Sprintf("Chat (%d new)", len(h.snap().Messages)))
}
