package chat

import (
	"image"
	"io"
	"strings"

	"gioui.org/gesture"
	"gioui.org/io/clipboard"
	"gioui.org/io/pointer"
	"gioui.org/io/semantic"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/core/client"
)

// OpenLink is the user's request to open URL in the system's browser,
// made by clicking a link in a message. The top-level UI carries it out
// and reports back with Log.Performed.
type OpenLink struct {
	URL string
}

// rowState is what a message row keeps between frames: its selectable
// text, its links and its copy button. Rows exist only while in view.
type rowState struct {
	text  widget.Selectable
	copy  kit.IconClickable
	hover gesture.Hover
	// click sees clicks on the text, which the selectable text takes too.
	click gesture.Click
	links []linkButton
	// more shows the rest of a long message, or folds it again.
	more widget.Clickable
	// mention is whether the message names mentionNick, once known.
	mention, mentionKnown bool
	mentionNick           string
	// laidOut is set when the row was laid out in the current frame.
	laidOut bool
}

type linkButton struct {
	Link
	btn     widget.Clickable
	regions []widget.Region
}

// rowFor returns the state of the row for m, the i-th message, making it
// on first sight. Rows are known by Seq, which the client gives every
// message; a message without one (made up for a test) goes by its index.
func (l *Log) rowFor(i int, m *client.Message) *rowState {
	id := m.Seq
	if id == 0 {
		id = ^uint64(i)
	}
	r, ok := l.rows[id]
	if !ok {
		r = &rowState{}
		for _, link := range FindLinks(m.Text) {
			r.links = append(r.links, linkButton{Link: link})
		}
		l.rows[id] = r
	}
	r.laidOut = true
	return r
}

// pruneRows forgets the rows not laid out in this frame, so the log keeps
// state for the rows in view only, however long it grows.
func (l *Log) pruneRows() {
	for seq, r := range l.rows {
		if !r.laidOut {
			delete(l.rows, seq)
			continue
		}
		r.laidOut = false
	}
}

// update handles the row's copy, link and "Show more" buttons.
func (r *rowState) update(gtx C, l *Log, m *client.Message) {
	if r.more.Clicked(gtx) {
		if l.expanded[m.Seq] {
			delete(l.expanded, m.Seq)
		} else {
			l.expanded[m.Seq] = true
		}
	}
	for {
		e, ok := r.click.Update(gtx.Source)
		if !ok {
			break
		}
		// A click that selected nothing was not meant for the text: the
		// keyboard goes back to the composer, so typing is not lost.
		if e.Kind == gesture.KindClick && e.NumClicks == 1 && r.text.SelectionLen() == 0 {
			l.toComposer = true
		}
	}
	if r.copy.Clicked(gtx) {
		copyText(gtx, m.Text)
		l.Copied = m.Seq
	}
	for i := range r.links {
		if !r.links[i].btn.Clicked(gtx) {
			continue
		}
		// A drag that selected text across the link is a selection, not
		// a click on the link.
		if r.text.SelectionLen() > 0 {
			continue
		}
		l.intents.Add(OpenLink{URL: r.links[i].URL})
	}
}

// copyText puts text on the clipboard.
func copyText(gtx C, text string) {
	gtx.Execute(clipboard.WriteCmd{Type: "application/text", Data: io.NopCloser(strings.NewReader(text))})
}

// messageText lays out m's text, selectable, with its links underlined
// and clickable (and reachable with Tab).
func (s LogStyle) messageText(gtx C, r *rowState, m *client.Message) D {
	th := s.Th
	lbl := kit.Label(th, 15, th.Text, m.Text)
	lbl.State = &r.text
	lbl.SelectionColor = th.Selection
	expanded := s.Log.expanded[m.Seq]
	if !expanded {
		// A very long message would fill the log: fold it.
		lbl.MaxLines = foldedLines
	}
	gtx = kit.Paragraph(gtx, m.Text)
	macro := op.Record(gtx.Ops)
	dims := lbl.Layout(gtx)
	text := macro.Stop()
	if !expanded && !r.text.Truncated() {
		return s.textAndLinks(gtx, r, m, dims, text)
	}
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(func(gtx C) D { return s.textAndLinks(gtx, r, m, dims, text) }),
		layout.Rigid(func(gtx C) D {
			txt := "Show more"
			if expanded {
				txt = "Show less"
			}
			return layout.Inset{Top: 4}.Layout(gtx, func(gtx C) D {
				return kit.FocusRing(gtx, th, &r.more, 4, func(gtx C) D {
					return material.Clickable(gtx, &r.more, func(gtx C) D {
						return layout.UniformInset(2).Layout(gtx, kit.Bold(kit.Label(th, 13, th.Primary, txt)).Layout)
					})
				})
			})
		}),
	)
}

// foldedLines is how many lines of a long message show until the user
// asks for more.
const foldedLines = 12

// textAndLinks draws the laid out text, says it for screen readers, and
// adds the links over it.
func (s LogStyle) textAndLinks(gtx C, r *rowState, m *client.Message, dims D, text op.CallOp) D {
	// With the keyboard on it (to select), the text has its ring too.
	kit.FocusRing(gtx, s.Th, &r.text, 2, func(gtx C) D {
		text.Add(gtx.Ops)
		return dims
	})
	// Selectable draws no label for screen readers; say the text here.
	area := clip.Rect{Max: dims.Size}.Push(gtx.Ops)
	semantic.LabelOp(m.Text).Add(gtx.Ops)
	area.Pop()
	pass := pointer.PassOp{}.Push(gtx.Ops)
	area = clip.Rect{Max: dims.Size}.Push(gtx.Ops)
	r.click.Add(gtx.Ops)
	area.Pop()
	pass.Pop()
	for i := range r.links {
		s.link(gtx, r, &r.links[i])
	}
	return dims
}

// link draws the underline of a link and lays its button over each line
// the link takes.
func (s LogStyle) link(gtx C, r *rowState, lb *linkButton) {
	th := s.Th
	lb.regions = r.text.Regions(lb.Start, lb.End, lb.regions[:0])
	thick := max(gtx.Dp(1), 1)
	for _, reg := range lb.regions {
		b := reg.Bounds
		y := b.Max.Y - reg.Baseline + thick
		paint.FillShape(gtx.Ops, th.Primary, clip.Rect{Min: image.Pt(b.Min.X, y), Max: image.Pt(b.Max.X, y+thick)}.Op())
	}
	for j, reg := range lb.regions {
		b := reg.Bounds
		off := op.Offset(b.Min).Push(gtx.Ops)
		// Presses go through to the text as well, so a selection can
		// start on a link.
		pass := pointer.PassOp{}.Push(gtx.Ops)
		area := clip.Rect{Max: b.Size()}.Push(gtx.Ops)
		pointer.CursorPointer.Add(gtx.Ops)
		area.Pop()
		w := func(gtx C) D { return D{Size: b.Size()} }
		if j == 0 {
			// One focus stop per link, on its first line.
			kit.FocusRing(gtx, th, &lb.btn, 2, func(gtx C) D { return lb.btn.Layout(gtx, w) })
		} else {
			lb.btn.Layout(gtx, w)
		}
		pass.Pop()
		off.Pop()
	}
}

// copyButton is the "Copy" action of a row, shown while the pointer is
// over the row or the keyboard is on it.
func (s LogStyle) copyButton(gtx C, r *rowState, m *client.Message) D {
	if !r.hover.Update(gtx.Source) && !gtx.Focused(&r.copy.Clickable) && !gtx.Focused(&r.text) && s.Log.Copied != m.Seq {
		return D{}
	}
	desc := "Copy"
	if s.Log.Copied == m.Seq {
		desc = "Copied"
	}
	b := kit.IconButton(s.Th, &r.copy, kit.CopyIcon, s.Th.TextMuted, desc)
	b.Size = 16
	b.Inset = layout.UniformInset(4)
	return b.Layout(gtx)
}

// hoverArea makes the row, dims big, report the pointer over it.
func (r *rowState) hoverArea(gtx C, dims D) {
	defer pointer.PassOp{}.Push(gtx.Ops).Pop()
	defer clip.Rect{Max: dims.Size}.Push(gtx.Ops).Pop()
	r.hover.Add(gtx.Ops)
}
