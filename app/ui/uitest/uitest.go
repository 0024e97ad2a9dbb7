// Package uitest drives a ui.UI, or a single screen, without a window, for
// tests: it lays the UI out into ops through a real input.Router (which
// registers hit areas and focus), queues input events, and lays it out
// again. Only tests import it.
package uitest

import (
	"image"
	"testing"
	"time"
	"unicode/utf8"

	"gioui.org/font"
	"gioui.org/io/event"
	"gioui.org/io/input"
	"gioui.org/io/key"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/text"
	"gioui.org/unit"
	"gioui.org/widget"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/math/fixed"

	"github.com/natter-chat/natter/app/ui"
)

// Driver lays out a UI frame by frame, at one pixel per dp.
type Driver struct {
	t      *testing.T
	r      input.Router
	ops    op.Ops
	layout layout.Widget
	// UI is the UI driven; nil when the Driver drives a single screen.
	UI *ui.UI
	// Size is the window's size, 1024×700 unless changed.
	Size image.Point
	// BeforeFrame, when not nil, runs before each frame is laid out, as
	// the app's main loop does its own work between frames.
	BeforeFrame func()
}

// New returns a Driver for u, which it closes when the test ends. It lays
// out no frame yet.
func New(t *testing.T, u *ui.UI) *Driver {
	t.Helper()
	d := &Driver{t: t, UI: u, layout: u.Layout, Size: image.Pt(1024, 700)}
	t.Cleanup(func() { require.NoError(t, u.Close()) })
	return d
}

// NewScreen returns a Driver for one screen's layout function, in a
// window of size. It lays out no frame yet.
func NewScreen(t *testing.T, size image.Point, screen layout.Widget) *Driver {
	return &Driver{t: t, layout: screen, Size: size}
}

// Frame lays the UI out once.
func (d *Driver) Frame() {
	if d.BeforeFrame != nil {
		d.BeforeFrame()
	}
	d.ops.Reset()
	gtx := layout.Context{
		Ops:         &d.ops,
		Now:         time.Now(),
		Metric:      unit.Metric{PxPerDp: 1, PxPerSp: 1},
		Constraints: layout.Exact(d.Size),
		Source:      d.r.Source(),
	}
	d.layout(gtx)
	d.r.Frame(&d.ops)
}

// Until lays out frames until cond holds, failing after a generous time.
func (d *Driver) Until(what string, cond func() bool) {
	d.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			d.t.Fatalf("timed out waiting until %s; labels: %q", what, d.Labels())
		}
		time.Sleep(10 * time.Millisecond)
		d.Frame()
	}
}

// Press focuses the clickable (as Tab would) and presses Return on it,
// which clicks it only if it was laid out, enabled, in the last frame.
func (d *Driver) Press(btn *widget.Clickable) {
	d.t.Helper()
	require.NotNil(d.t, btn, "no such button")
	d.r.Source().Execute(key.FocusCmd{Tag: btn})
	d.Frame()
	require.True(d.t, d.r.Source().Focused(btn), "the button is not on screen or not enabled")
	d.r.Queue(
		key.Event{Name: key.NameReturn, State: key.Press},
		key.Event{Name: key.NameReturn, State: key.Release},
	)
	d.Frame()
	d.Frame()
}

// TypeInto focuses the editor and types text as the keyboard would.
func (d *Driver) TypeInto(e *widget.Editor, text string) {
	d.t.Helper()
	d.r.Source().Execute(key.FocusCmd{Tag: e})
	d.Frame()
	require.True(d.t, d.r.Source().Focused(e), "the editor is not on screen")
	// Type at the caret and move the caret past the text, as the
	// platform's input method does.
	start, end := e.Selection()
	start, end = min(start, end), max(start, end)
	d.r.Queue(key.EditEvent{Range: key.Range{Start: start, End: end}, Text: text})
	d.Frame()
	caret := start + utf8.RuneCountInString(text)
	d.r.Queue(key.SelectionEvent{Start: caret, End: caret})
	d.Frame()
}

// Type types text at the caret the window knows of, as a desktop window
// does with typed characters: the range to replace comes from the input
// router's editor state, not from the editor, so an editor that does not
// tell the router where its caret went gets the text in the wrong place.
func (d *Driver) Type(text string) {
	sel := d.r.EditorState().Selection.Range
	start := min(sel.Start, sel.End)
	d.r.Queue(key.EditEvent{Range: sel, Text: text})
	caret := start + utf8.RuneCountInString(text)
	d.r.Queue(key.SelectionEvent{Start: caret, End: caret})
	d.Frame()
}

// Key presses a named key (with modifiers) on whatever has the focus.
func (d *Driver) Key(name key.Name, mods key.Modifiers) {
	d.r.Queue(
		key.Event{Name: name, Modifiers: mods, State: key.Press},
		key.Event{Name: name, Modifiers: mods, State: key.Release},
	)
	d.Frame()
}

// Tab presses Tab (Shift+Tab with back) as the window does: the focused
// widget may take the key, and when none does the focus moves to the
// next (previous) control.
func (d *Driver) Tab(back bool) {
	dir, mods := key.FocusForward, key.Modifiers(0)
	if back {
		dir, mods = key.FocusBackward, key.ModShift
	}
	// The window reads (and so clears) the router's wish for a new frame
	// after each frame: what remains after the key is the key's doing.
	d.r.WakeupTime()
	d.r.Queue(input.SystemEvent{Event: key.Event{Name: key.NameTab, Modifiers: mods, State: key.Press}})
	if _, handled := d.r.WakeupTime(); !handled {
		d.r.MoveFocus(dir)
	}
	d.r.Queue(key.Event{Name: key.NameTab, Modifiers: mods, State: key.Release})
	d.Frame()
}

// TabTo presses Tab until tag has the focus, at most limit times, and
// reports whether it got there.
func (d *Driver) TabTo(tag event.Tag, limit int) bool {
	for range limit {
		if d.Focused(tag) {
			return true
		}
		d.Tab(false)
	}
	return d.Focused(tag)
}

// Focus gives tag the keyboard focus, as a click would, without clicking.
func (d *Driver) Focus(tag event.Tag) {
	d.r.Source().Execute(key.FocusCmd{Tag: tag})
	d.Frame()
}

// Clipboard is what the UI last wrote to the clipboard, if anything.
func (d *Driver) Clipboard() (string, bool) {
	_, b, ok := d.r.WriteClipboard()
	return string(b), ok
}

// Focused reports whether tag has the keyboard focus.
func (d *Driver) Focused(tag event.Tag) bool { return d.r.Source().Focused(tag) }

// Labels are the texts on screen, as screen readers see them.
func (d *Driver) Labels() []string {
	var out []string
	for _, n := range d.r.AppendSemantics(nil) {
		if n.Desc.Label != "" {
			out = append(out, n.Desc.Label)
		}
	}
	return out
}

// MissingGlyphs counts the glyphs sh draws as the empty box ("tofu") when
// it shapes txt in f: the runes no face it knows covers. rtl counts the
// glyphs shaped right to left.
func MissingGlyphs(sh *text.Shaper, f font.Font, txt string) (missing, rtl int) {
	sh.LayoutString(text.Parameters{Font: f, PxPerEm: fixed.I(15), MaxWidth: 1 << 20, MaxLines: 1}, txt)
	for range utf8.RuneCountInString(txt) + 1 {
		g, ok := sh.NextGlyph()
		if !ok {
			break
		}
		if g.Flags&text.FlagTowardOrigin != 0 {
			rtl++
		}
		// Glyph 0 of a face is its box for runes it lacks. (The glyph that
		// ends a paragraph stands for no rune: Runes is 0.)
		if uint32(g.ID) == 0 && g.Runes > 0 {
			missing++
		}
	}
	return missing, rtl
}
