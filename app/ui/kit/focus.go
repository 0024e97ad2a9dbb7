package kit

import (
	"image"

	"gioui.org/io/event"
	"gioui.org/io/key"
	"gioui.org/layout"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"

	"github.com/natter-chat/natter/app/theme"
)

// FocusRing lays out w and, while tag has the keyboard focus, a ring in the
// accent colour around it: the hover tint material draws for a focused
// control is too faint to find the keyboard's place by.
func FocusRing(gtx C, th *theme.Theme, tag event.Tag, radius unit.Dp, w layout.Widget) D {
	dims := w(gtx)
	if tag == nil || !gtx.Focused(tag) {
		return dims
	}
	width := max(gtx.Dp(2), 1)
	r := image.Rectangle{Max: dims.Size}
	rr := clip.UniformRRect(r, gtx.Dp(radius))
	paint.FillShape(gtx.Ops, th.Primary, clip.Stroke{Path: rr.Path(gtx.Ops), Width: float32(width)}.Op())
	return dims
}

// ArrowFocus moves the keyboard focus along a column of controls: Up and
// Down to the previous and next of tags, Home and End to the first and
// last. It reads the keys only while one of tags has the focus, so the
// arrows keep their meaning everywhere else. It returns the index it moved
// the focus to, or -1; list, when not nil, scrolls to keep it in view.
func ArrowFocus(gtx C, tags []event.Tag, list *widget.List) int {
	moved := arrowFocus(gtx, tags, key.NameUpArrow, key.NameDownArrow)
	if moved >= 0 && list != nil {
		ScrollIntoView(&list.List, moved, len(tags))
	}
	return moved
}

// ArrowFocusRow is ArrowFocus for a row of controls, such as tabs: Left
// and Right move the focus.
func ArrowFocusRow(gtx C, tags []event.Tag) int {
	return arrowFocus(gtx, tags, key.NameLeftArrow, key.NameRightArrow)
}

func arrowFocus(gtx C, tags []event.Tag, back, forth key.Name) int {
	moved := -1
	for i, tag := range tags {
		for {
			ev, ok := gtx.Event(
				key.Filter{Focus: tag, Name: back},
				key.Filter{Focus: tag, Name: forth},
				key.Filter{Focus: tag, Name: key.NameHome},
				key.Filter{Focus: tag, Name: key.NameEnd},
			)
			if !ok {
				break
			}
			e, ok := ev.(key.Event)
			if !ok || e.State != key.Press || !gtx.Focused(tag) {
				continue
			}
			next := i
			switch e.Name {
			case back:
				next = max(i-1, 0)
			case forth:
				next = min(i+1, len(tags)-1)
			case key.NameHome:
				next = 0
			case key.NameEnd:
				next = len(tags) - 1
			}
			if next != i {
				gtx.Execute(key.FocusCmd{Tag: tags[next]})
				moved = next
			}
		}
	}
	return moved
}

// ScrollIntoView scrolls l, a list of n items, so that item i is in view,
// and leaves it alone when it already is.
func ScrollIntoView(l *layout.List, i, n int) {
	p := l.Position
	last := p.First + p.Count - 1 // the last item in view, perhaps cut
	switch {
	case i < p.First || (i == p.First && p.Offset > 0):
		l.ScrollTo(i)
	case p.Count > 0 && i >= last && !(p.First+p.Count == n && p.OffsetLast >= 0):
		l.ScrollBy(float32(i - last + 1))
	}
}
