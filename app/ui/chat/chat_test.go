package chat

import (
	"errors"
	"image"
	"testing"
	"time"

	"gioui.org/f32"
	"gioui.org/io/input"
	"gioui.org/io/key"
	"gioui.org/io/pointer"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/unit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/core/client"
)

// screenHarness lays out the whole chat screen in a 600×400 window.
type screenHarness struct {
	r      input.Router
	ops    op.Ops
	th     *theme.Theme
	screen *Screen
	snap   *client.Snapshot
	// intents are what the screen asked to send; sent the same as
	// "nick: text" for private ones; sendErr is what sending returns.
	intents []Send
	sent    []string
	sendErr error
}

func (h *screenHarness) frame() {
	h.ops.Reset()
	gtx := layout.Context{
		Ops: &h.ops, Now: time.Unix(1_800_000_000, 0),
		Metric:      unit.Metric{PxPerDp: 1, PxPerSp: 1},
		Constraints: layout.Exact(image.Pt(600, 400)),
		Source:      h.r.Source(),
	}
	Style{Th: h.th, Screen: h.screen, Snap: h.snap}.Layout(gtx)
	h.r.Frame(&h.ops)
	// Carry out what the screen asked for, as the top-level UI does.
	for _, in := range h.screen.Composer.Intents() {
		h.intents = append(h.intents, in)
		if in.To.Everyone() {
			h.sent = append(h.sent, in.Text)
		} else {
			h.sent = append(h.sent, in.To.Nick+": "+in.Text)
		}
		h.screen.Composer.Performed(in, h.sendErr)
	}
}

func TestSendingScrollsTheLogDown(t *testing.T) {
	h := &screenHarness{
		th: theme.New(testShaper, false), screen: New(),
		snap: &client.Snapshot{Conn: client.Connection{State: client.Registered}, Messages: numbered(1, 300),
			Users: []client.User{{Nick: "alice", Self: true}, {Nick: "bob"}}},
	}
	h.frame()
	h.frame()
	h.r.Queue(pointer.Event{Kind: pointer.Scroll, Source: pointer.Mouse, Position: f32.Pt(300, 100), Scroll: f32.Pt(0, -800)})
	h.frame()
	h.frame()
	require.False(t, h.screen.Log.AtBottom(), "scrolled up to read")

	e := &h.screen.Composer.Editor
	h.r.Source().Execute(key.FocusCmd{Tag: e})
	h.frame()
	require.True(t, h.r.Source().Focused(e))
	h.r.Queue(key.EditEvent{Text: "back to the present"})
	h.frame()
	h.r.Queue(key.Event{Name: key.NameReturn, State: key.Press}, key.Event{Name: key.NameReturn, State: key.Release})
	h.frame()
	require.Equal(t, []string{"back to the present"}, h.sent)
	h.frame()
	assert.True(t, h.screen.Log.AtBottom(), "after sending, the log shows the newest lines")
}

// typeAndSend types text into the focused composer and presses Enter.
func (h *screenHarness) typeAndSend(text string) {
	e := &h.screen.Composer.Editor
	h.r.Source().Execute(key.FocusCmd{Tag: e})
	h.frame()
	h.r.Queue(key.EditEvent{Range: key.Range{Start: e.Len(), End: e.Len()}, Text: text})
	h.frame()
	h.r.Queue(key.Event{Name: key.NameReturn, State: key.Press}, key.Event{Name: key.NameReturn, State: key.Release})
	h.frame()
}

func TestComposerAsksToSendToTheRecipient(t *testing.T) {
	h := &screenHarness{
		th: theme.New(testShaper, false), screen: New(),
		snap: &client.Snapshot{Conn: client.Connection{State: client.Registered},
			Users: []client.User{{Nick: "alice", Self: true}, {Nick: "bob"}}},
	}
	h.frame()
	h.typeAndSend("hello room  \n")
	h.screen.Composer.To = Recipient{Nick: "bob"}
	h.typeAndSend("just for bob")
	h.typeAndSend("   ")
	assert.Equal(t, []Send{{Text: "hello room"}, {To: Recipient{Nick: "bob"}, Text: "just for bob"}}, h.intents,
		"trailing blanks are trimmed; a blank message asks for nothing")

	// A message the hub cannot take keeps its text and says why.
	h.screen.Composer.Editor.SetText("")
	h.sendErr = errors.New("the connection is down")
	h.typeAndSend("try again")
	assert.Equal(t, "try again", h.screen.Composer.Editor.Text())
	assert.Equal(t, "Not sent: the connection is down", h.screen.Composer.Err)

	// While sending is off, Enter asks for nothing.
	h.intents = nil
	h.snap.Conn.State = client.Reconnecting
	h.typeAndSend("!")
	assert.Empty(t, h.intents)
	assert.Equal(t, "try again!", h.screen.Composer.Editor.Text())
}

func TestFollowKeepsTheRecipientThroughRenames(t *testing.T) {
	s := New()
	s.Composer.To = Recipient{Nick: "bob"}
	rename := func(seq uint64, from, to string) client.Message {
		return client.Message{Seq: seq, Kind: client.System, Event: client.SysRename, From: from, To: to}
	}
	log := []client.Message{rename(1, "carol", "caro")}
	s.Follow(log)
	assert.Equal(t, "bob", s.Composer.To.Nick, "someone else's rename changes nothing")

	log = append(log, rename(2, "BOB", "robert"), rename(3, "robert", "Bobby"))
	s.Follow(log)
	assert.Equal(t, "Bobby", s.Composer.To.Nick, "renames are followed in order, nicks compared as the hub does")

	// Lines already read are not read again: a new "bob" is someone else.
	s.Composer.To = Recipient{Nick: "bob"}
	s.Follow(log)
	assert.Equal(t, "bob", s.Composer.To.Nick)

	s.Composer.To = Recipient{}
	s.Follow(append(log, rename(4, "alice", "bob")))
	assert.True(t, s.Composer.To.Everyone(), "a message to everyone stays to everyone")
}

func TestGoneComparesNicksAsTheHubDoes(t *testing.T) {
	c := NewComposer()
	users := []client.User{{Nick: "alice", Self: true}, {Nick: "straße"}, {Nick: "Émile"}}
	for nick, gone := range map[string]bool{"": false, "STRASSE": false, "e\u0301mile": false, "bob": true} {
		c.To = Recipient{Nick: nick}
		assert.Equal(t, gone, c.Gone(users), nick)
	}
}

// TestTextTypedAfterShiftEnterFollowsTheLineBreak types as a desktop window
// does: the range typed text replaces is the caret the window knew of, and
// a quick typist's key can come before the frame that handled Shift+Enter.
func TestTextTypedAfterShiftEnterFollowsTheLineBreak(t *testing.T) {
	h := &screenHarness{
		th: theme.New(testShaper, false), screen: New(),
		snap: &client.Snapshot{Conn: client.Connection{State: client.Registered},
			Users: []client.User{{Nick: "alice", Self: true}}},
	}
	h.frame()
	e := &h.screen.Composer.Editor
	h.r.Source().Execute(key.FocusCmd{Tag: e})
	h.frame()
	typeText := func(text string) {
		sel := h.r.EditorState().Selection.Range
		h.r.Queue(key.EditEvent{Range: sel, Text: text})
		caret := sel.Start + len(text)
		h.r.Queue(key.SelectionEvent{Start: caret, End: caret})
	}
	typeText("first")
	h.frame()
	h.r.Queue(key.Event{Name: key.NameReturn, Modifiers: key.ModShift, State: key.Press})
	typeText("second")
	h.r.Queue(key.Event{Name: key.NameReturn, Modifiers: key.ModShift, State: key.Release})
	h.frame()
	h.frame()
	assert.Equal(t, "first\nsecond", e.Text())
	typeText(" line")
	h.frame()
	assert.Equal(t, "first\nsecond line", e.Text(), "typing goes on at the end")

	// Slowly, one frame after another, the same.
	h.r.Queue(key.Event{Name: key.NameReturn, Modifiers: key.ModShift, State: key.Press},
		key.Event{Name: key.NameReturn, Modifiers: key.ModShift, State: key.Release})
	h.frame()
	typeText("third")
	h.frame()
	assert.Equal(t, "first\nsecond line\nthird", e.Text())
	assert.Empty(t, h.sent, "Shift+Enter sends nothing")
}

// bounds is where the text is on screen, as screen readers see it.
func (h *screenHarness) bounds(t *testing.T, text string) image.Rectangle {
	t.Helper()
	for _, n := range h.r.AppendSemantics(nil) {
		if n.Desc.Label == text {
			return n.Desc.Bounds
		}
	}
	t.Fatalf("%q is not on screen", text)
	return image.Rectangle{}
}

// TestClickInTheLogGivesTheKeyboardBack checks that a plain click on a
// message leaves the keyboard in the composer, while a drag selects text
// and keeps it for copying.
func TestClickInTheLogGivesTheKeyboardBack(t *testing.T) {
	text := "a message to click on and to select from"
	h := &screenHarness{
		th: theme.New(testShaper, false), screen: New(),
		snap: &client.Snapshot{Conn: client.Connection{State: client.Registered},
			Messages: []client.Message{{Seq: 1, Kind: client.Public, From: "bob", Time: time.Unix(1_800_000_000, 0), Text: text}},
			Users:    []client.User{{Nick: "alice", Self: true}, {Nick: "bob"}}},
	}
	h.frame()
	h.frame()
	b := h.bounds(t, text)
	at := func(x int) f32.Point { return f32.Pt(float32(x), float32(b.Min.Y+b.Dy()/2)) }
	press := func(p f32.Point) {
		h.r.Queue(pointer.Event{Kind: pointer.Press, Source: pointer.Mouse, Buttons: pointer.ButtonPrimary, Position: p})
	}
	release := func(p f32.Point) {
		h.r.Queue(pointer.Event{Kind: pointer.Release, Source: pointer.Mouse, Position: p})
	}
	e := &h.screen.Composer.Editor
	press(at(b.Min.X + 20))
	release(at(b.Min.X + 20))
	h.frame()
	h.frame()
	assert.True(t, h.r.Source().Focused(e), "a click that selects nothing leaves the keyboard in the composer")

	press(at(b.Min.X + 2))
	h.frame()
	h.r.Queue(pointer.Event{Kind: pointer.Move, Source: pointer.Mouse, Buttons: pointer.ButtonPrimary, Position: at(b.Max.X - 2)})
	h.frame()
	release(at(b.Max.X - 2))
	h.frame()
	h.frame()
	sel := h.screen.Log.Text(1)
	assert.NotEmpty(t, sel.SelectedText(), "a drag selects")
	assert.True(t, h.r.Source().Focused(sel), "and keeps the keyboard, for the copy shortcut")
}
