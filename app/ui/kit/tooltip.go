package kit

import (
	"image"
	"time"

	"gioui.org/gesture"
	"gioui.org/io/pointer"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/unit"
	"gioui.org/widget"

	"github.com/natter-chat/natter/app/theme"
)

// IconClickable is the state of an icon-only button: its clickable and its
// tooltip, which says in words what the icon stands for.
type IconClickable struct {
	widget.Clickable
	Tip Tip
}

// Tip is the state of a tooltip: it shows after the pointer has rested on
// its widget for TipDelay, or the keyboard has been on it as long.
type Tip struct {
	hover gesture.Hover
	since time.Time
}

// TipDelay is how long the pointer rests on a control before its tooltip
// shows.
const TipDelay = 500 * time.Millisecond

// TipPlace says where a tooltip goes: below its widget, centred, unless
// Above or End (aligned with the widget's trailing edge, for controls at
// the window's right edge).
type TipPlace struct {
	Above, End bool
}

// Layout lays out w, and over it, after the delay, a tooltip of txt. focus
// is the tag whose keyboard focus shows the tip as the pointer does; it may
// be nil.
func (t *Tip) Layout(gtx C, th *theme.Theme, txt string, place TipPlace, focus any, w layout.Widget) D {
	hovered := t.hover.Update(gtx.Source)
	dims := w(gtx)
	func() {
		defer pointer.PassOp{}.Push(gtx.Ops).Pop()
		defer clip.Rect{Max: dims.Size}.Push(gtx.Ops).Pop()
		t.hover.Add(gtx.Ops)
	}()
	if !hovered && (focus == nil || !gtx.Focused(focus)) {
		t.since = time.Time{}
		return dims
	}
	if t.since.IsZero() {
		t.since = gtx.Now
	}
	if due := t.since.Add(TipDelay); gtx.Now.Before(due) {
		gtx.Execute(op.InvalidateCmd{At: due})
		return dims
	}
	macro := op.Record(gtx.Ops)
	tgtx := gtx
	tgtx.Constraints = layout.Constraints{Max: image.Pt(gtx.Dp(unit.Dp(260)), gtx.Dp(unit.Dp(200)))}
	tip := Background(tgtx, th.Text, 4, func(gtx C) D {
		return layout.Inset{Top: 4, Bottom: 4, Left: 8, Right: 8}.Layout(gtx, Label(th, 12, th.Surface, txt).Layout)
	})
	call := macro.Stop()
	x := (dims.Size.X - tip.Size.X) / 2
	if place.End {
		x = dims.Size.X - tip.Size.X
	}
	y := dims.Size.Y + gtx.Dp(4)
	if place.Above {
		y = -tip.Size.Y - gtx.Dp(4)
	}
	macro = op.Record(gtx.Ops)
	op.Offset(image.Pt(x, y)).Add(gtx.Ops)
	call.Add(gtx.Ops)
	// Drawn last, over whatever follows the widget.
	op.Defer(gtx.Ops, macro.Stop())
	return dims
}
