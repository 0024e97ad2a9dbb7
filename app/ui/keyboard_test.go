package ui_test

import (
	"testing"

	"gioui.org/io/key"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/internal/rawclient"
)

// TestKeyboardOnlySignInAndPrivateMessage signs in, picks a recipient in
// the menu and sends a private message with the keyboard alone, and checks
// what the hub delivered.
func TestKeyboardOnlySignInAndPrivateMessage(t *testing.T) {
	hub := startHub(t, nil)
	bob := rawclient.Dial(t, hub.addr, "bob")
	rawclient.Dial(t, hub.addr, "carol")
	h := newHarness(t, ui.Config{})
	f := h.UI.Login
	require.True(t, h.Focused(&f.Nick.Editor), "the nickname field has the focus from the start")
	h.TypeInto(&f.Nick.Editor, "alice")
	h.Tab(false)
	require.True(t, h.Focused(&f.Addr.Editor), "Tab goes to the address")
	f.Addr.SetText("")
	h.TypeInto(&f.Addr.Editor, hub.addr)
	require.True(t, h.TabTo(f.JoinButton(), 5), "Tab reaches Join")
	// Space presses a button as Enter does.
	h.Key(key.NameSpace, 0)
	h.Until("the chat screen shows", func() bool { return h.UI.Route() == ui.RouteChat })
	h.Until("bob and carol are listed", func() bool { return h.hasUser("bob") && h.hasUser("carol") })

	c := h.UI.Chat.Composer
	h.Frame()
	require.True(t, h.Focused(&c.Editor), "the composer has the focus once joined")
	h.Tab(true)
	require.True(t, h.Focused(c.RecipientButton()), "Shift+Tab goes to the recipient button")
	h.Key(key.NameReturn, 0)
	require.True(t, c.MenuOpen())
	assert.True(t, h.Focused(c.MenuItem("")), "opening the menu puts the focus on the recipient chosen")
	h.Key(key.NameDownArrow, 0)
	require.True(t, h.Focused(c.MenuItem("bob")), "Down goes to the next entry")
	h.Key(key.NameDownArrow, 0)
	require.True(t, h.Focused(c.MenuItem("carol")))
	h.Key(key.NameDownArrow, 0)
	require.True(t, h.Focused(c.MenuItem("carol")), "the last entry stays focused at the end")
	h.Key(key.NameUpArrow, 0)
	require.True(t, h.Focused(c.MenuItem("bob")), "Up goes back")

	// Escape leaves the menu and the message goes to everyone.
	h.Key(key.NameEscape, 0)
	require.False(t, c.MenuOpen())
	assert.True(t, c.To.Everyone(), "Escape returns the recipient to Everyone")
	assert.True(t, h.Focused(&c.Editor), "and the focus to the composer")

	// Down on the recipient button opens the menu too; Enter chooses.
	h.Tab(true)
	require.True(t, h.Focused(c.RecipientButton()))
	h.Key(key.NameDownArrow, 0)
	require.True(t, c.MenuOpen(), "Down opens the menu")
	h.Key(key.NameDownArrow, 0)
	h.Key(key.NameReturn, 0)
	require.False(t, c.MenuOpen())
	require.Equal(t, "bob", c.To.Nick)
	require.True(t, h.Focused(&c.Editor), "after choosing, the focus is back in the composer")

	h.TypeInto(&c.Editor, "only for bob")
	h.Key(key.NameReturn, 0)
	line := bob.Expect("PRIV ")
	assert.Equal(t, []string{"alice", "bob", "only for bob"}, fields(line, 5)[2:])
}

// TestArrowsMoveAlongThePeopleList checks that Up and Down walk the rows
// of the people list and Enter chooses the one focused.
func TestArrowsMoveAlongThePeopleList(t *testing.T) {
	hub := startHub(t, nil)
	rawclient.Dial(t, hub.addr, "bob")
	carol := rawclient.Dial(t, hub.addr, "carol")
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	h.Until("bob and carol are listed", func() bool { return h.hasUser("bob") && h.hasUser("carol") })
	h.Frame()
	p := h.UI.People
	h.Focus(p.Row("bob"))
	require.True(t, h.Focused(p.Row("bob")))
	h.Key(key.NameDownArrow, 0)
	require.True(t, h.Focused(p.Row("carol")), "Down goes to the next person")
	h.Key(key.NameReturn, 0)
	h.Frame()
	c := h.UI.Chat.Composer
	require.Equal(t, "carol", c.To.Nick, "Enter chooses the person focused")
	h.TypeInto(&c.Editor, "hello carol")
	h.Key(key.NameReturn, 0)
	assert.Equal(t, "hello carol", fields(carol.Expect("PRIV "), 5)[4])
}

// TestArrowsMoveAlongTheTabs checks that on a narrow window Left and Right
// walk the tabs and Space opens the one focused.
func TestArrowsMoveAlongTheTabs(t *testing.T) {
	hub := startHub(t, nil)
	h := newHarness(t, ui.Config{})
	h.Size.X, h.Size.Y = 400, 800
	h.login("alice", hub.addr)
	h.Focus(h.UI.TabButton(ui.TabChat))
	h.Key(key.NameRightArrow, 0)
	require.True(t, h.Focused(h.UI.TabButton(ui.TabPeople)), "Right goes to the next tab")
	h.Key(key.NameEnd, 0)
	require.True(t, h.Focused(h.UI.TabButton(ui.TabTransfers)), "End to the last")
	h.Key(key.NameLeftArrow, 0)
	require.True(t, h.Focused(h.UI.TabButton(ui.TabFiles)))
	h.Key(key.NameSpace, 0)
	h.Frame()
	assert.Equal(t, ui.TabFiles, h.UI.Tab)
}
