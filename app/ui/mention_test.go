package ui_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/internal/rawclient"
)

// TestMentionNotifiesAndCountsInTheTitle checks that a message naming us
// is highlighted, raises a notification while the window is not focused,
// and is counted in the window title until the window is focused again.
func TestMentionNotifiesAndCountsInTheTitle(t *testing.T) {
	hub := startHub(t, nil)
	bob := rawclient.Dial(t, hub.addr, "bob")
	shown := &notifications{}
	h := newHarness(t, ui.Config{Notify: shown.notify})
	h.login("alice", hub.addr)
	count := func() int { return len(shown.all()) }
	arrived := func(text string) func() bool {
		return func() bool { return h.hasMessage(func(m client.Message) bool { return m.Text == text }) }
	}
	h.Until("the hub's name is known", func() bool { return h.UI.Title() == "Test hub · Natter" })

	bob.Send("MSG hi ALICE, seen while focused")
	h.Until("the first mention arrives", arrived("hi ALICE, seen while focused"))
	h.Frame()
	assert.Contains(t, h.Labels(), "mentions you", "a mention is marked in the log")
	assert.Equal(t, 0, count(), "no notification while the window has the focus")
	assert.Equal(t, "Test hub · Natter", h.UI.Title())

	h.UI.SetFocused(false)
	bob.Send("MSG nothing for anyone")
	bob.Send("MSG talking about malice, not her")
	bob.Send("MSG @alice: lunch?")
	bob.Send("PRIV alice and a private one")
	bob.Send("MSG alice. are you there")
	h.Until("three notifications are shown", func() bool { return count() == 3 })
	h.Until("the title counts them", func() bool { return h.UI.Title() == "(3) Test hub · Natter" })
	assert.Equal(t, []string{"bob mentioned you: @alice: lunch?", "Private message from bob: and a private one",
		"bob mentioned you: alice. are you there"}, shown.all())

	h.UI.SetFocused(true)
	h.Frame()
	assert.Equal(t, "Test hub · Natter", h.UI.Title(), "coming back to the window reads them")
}

// notifications records the notifications the UI shows.
type notifications struct {
	mu    sync.Mutex
	shown []string
}

func (n *notifications) notify(title, body string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.shown = append(n.shown, title+": "+body)
	return nil
}

func (n *notifications) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.shown)
}

// TestNoNotificationServiceIsSaidOnce checks that a desktop without a
// notification service gets one note in the chat, not silence.
func TestNoNotificationServiceIsSaidOnce(t *testing.T) {
	hub := startHub(t, nil)
	bob := rawclient.Dial(t, hub.addr, "bob")
	var mu sync.Mutex
	tries := 0
	h := newHarness(t, ui.Config{Notify: func(title, body string) error {
		mu.Lock()
		defer mu.Unlock()
		tries++
		return errors.New("org.freedesktop.Notifications was not provided by any .service files")
	}})
	h.login("alice", hub.addr)
	assert.Empty(t, h.UI.NotifyNote())
	h.UI.SetFocused(false)
	bob.Send("PRIV alice first")
	h.Until("the note shows", func() bool { return h.UI.NotifyNote() != "" })
	h.Frame()
	note := h.UI.NotifyNote()
	assert.True(t, slices.Contains(h.Labels(), note), "the note is on screen")
	assert.NotContains(t, note, "freedesktop", "the technical reason goes to the log, not the screen")
	assert.True(t, strings.Contains(note, "window title"), "the note says what happens instead")

	h.Press(h.UI.DismissNoteButton())
	assert.Empty(t, h.UI.NotifyNote())
	bob.Send("PRIV alice second")
	h.Until("the second message is counted", func() bool { return h.UI.Unread() == 2 })
	h.Frame()
	assert.Empty(t, h.UI.NotifyNote(), "the note comes only once")
	mu.Lock()
	assert.Equal(t, 2, tries, "each message still tries to notify")
	mu.Unlock()
}
