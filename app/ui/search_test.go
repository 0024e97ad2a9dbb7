package ui_test

import (
	"slices"
	"testing"
	"time"

	"gioui.org/io/key"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/chat"
)

// TestSearchJumpsToAnOldMessage opens the search with Ctrl+F, finds a
// message older than the log holds and chooses it with the keyboard: the
// log pages back until the message is in it and scrolls to it, marked.
func TestSearchJumpsToAnOldMessage(t *testing.T) {
	const total, replay = 350, 20
	hub := storingHub(t, replay, total)
	h := newHarness(t, ui.Config{DataDir: t.TempDir()})
	h.login("alice", hub.addr)
	h.Until("the replay and CAPS store", func() bool {
		s := h.snap()
		return s.HubStores && len(publicTexts(s)) == replay
	})
	f := h.UI.Chat.Finder
	require.False(t, f.Open)
	h.Key("F", key.ModShortcut)
	h.Frame()
	require.True(t, f.Open, "Ctrl+F did not open the search")
	require.True(t, h.Focused(&f.Editor), "the search field has no focus")
	h.Type("Message 7")
	// A message is indexed a moment after the hub took it: ask again
	// until the search finds it.
	for range 100 {
		h.Key(key.NameReturn, 0)
		h.Until("the search is answered", func() bool {
			s := h.snap()
			return !s.Searching && s.FoundFor == "Message 7"
		})
		if len(h.snap().Found) == 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.Len(t, h.snap().Found, 1)
	require.Equal(t, "message 7", h.snap().Found[0].Text)
	h.Frame()
	require.Contains(t, h.Labels(), "1 message holds “Message 7”:")
	require.NotNil(t, f.Result(0))

	// Down goes to the result, Up back to the field; Enter shows it.
	h.Key(key.NameDownArrow, 0)
	require.True(t, h.Focused(f.Result(0)), "Down did not reach the result")
	h.Key(key.NameUpArrow, 0)
	require.True(t, h.Focused(&f.Editor), "Up did not go back to the field")
	h.Key(key.NameDownArrow, 0)
	require.True(t, h.Focused(f.Result(0)))
	h.Key(key.NameReturn, 0)
	h.Frame()
	require.False(t, f.Open, "choosing a result leaves the search open")
	log := h.UI.Chat.Log
	h.Until("message 7 is in view", func() bool {
		return slices.ContainsFunc(log.Shown(), func(r chat.ShownRow) bool { return r.Msg.Text == "message 7" })
	})
	m, on := log.Flashed(time.Now())
	require.True(t, on, "the message jumped to is not marked")
	require.Equal(t, "message 7", m.Text)
	// Messages before it show too, for context.
	require.True(t, slices.ContainsFunc(log.Shown(), func(r chat.ShownRow) bool { return r.Msg.Text == "message 6" }))

	// Esc closes the search again.
	h.Key("F", key.ModShortcut)
	h.Frame()
	require.True(t, f.Open)
	h.Key(key.NameEscape, 0)
	require.False(t, f.Open, "Esc did not close the search")
	h.Frame()
	require.True(t, h.Focused(&h.UI.Chat.Composer.Editor), "the composer did not get the keyboard back")
	// The header's button opens it too, with the last results.
	h.Press(f.ToggleButton())
	require.True(t, f.Open, "the search button did not open the search")
	require.Contains(t, h.Labels(), "1 message holds “Message 7”:")
}

// TestSearchOnAHubWithoutStoreSaysWhy shows no search button on a hub
// that keeps no history, and Ctrl+F says why there is nothing to search.
func TestSearchOnAHubWithoutStoreSaysWhy(t *testing.T) {
	hub := startHub(t, nil)
	h := newHarness(t, ui.Config{DataDir: t.TempDir()})
	h.login("alice", hub.addr)
	h.Frame()
	require.NotContains(t, h.Labels(), "Search messages (Ctrl+F)")
	h.Key("F", key.ModShortcut)
	h.Frame()
	require.True(t, h.UI.Chat.Finder.Open)
	require.Contains(t, h.Labels(), "This hub keeps no history, so it cannot search past messages.")
}
