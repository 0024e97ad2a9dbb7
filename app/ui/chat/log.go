package chat

import (
	"fmt"
	"image"
	"math"
	"time"

	"gioui.org/font"
	"gioui.org/io/event"
	"gioui.org/io/key"
	"gioui.org/io/pointer"
	"gioui.org/layout"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/app/ui/words"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/icons"
)

type (
	C = layout.Context
	D = layout.Dimensions
)

// Log is the state of the message log: its scroll position and the
// "new messages" pill. Only the rows in view are laid out each frame.
type Log struct {
	List widget.List
	jump widget.Clickable
	// seen is how many messages there were when the log was last scrolled
	// to the bottom; messages beyond it are "new" while scrolled up.
	seen int
	// firstSeq is the Seq of the oldest message at the last frame: when
	// the client drops the oldest lines of a long log, the scroll position
	// and seen move back by as many.
	firstSeq uint64
	// RowsLaidOut is how many rows the last frame laid out;
	// EarlierLaidOut and DaysLaidOut how many of them had the "earlier
	// messages" divider and a day's rule above them (see Marks).
	RowsLaidOut, EarlierLaidOut, DaysLaidOut int
	// PreviewsLaidOut names the files whose picture the last frame showed
	// under their SHARED line.
	PreviewsLaidOut []string

	// wheelTag receives mouse wheel events over the log.
	wheelTag int
	// rows are the states of the message rows in view, by Seq.
	rows map[uint64]*rowState
	// intents are the links the user asked to open this frame.
	intents kit.Intents[OpenLink]
	// Err is why the last link did not open, shown above the log.
	Err string
	// expanded are the long messages shown in full, by Seq.
	expanded map[uint64]bool
	// toComposer asks for the keyboard focus to go back to the composer.
	toComposer bool
	// Copied is the Seq of the message last copied with its button.
	Copied uint64
	// paging is the state for the hub's stored history (older.go).
	paging paging
	// earlier is where the earlier messages end (see Marks).
	earlier earlierCache
}

// Intents returns, once, the links the user asked to open since the last
// call, oldest first.
func (l *Log) Intents() []OpenLink { return l.intents.Take() }

// Performed tells the log how opening a link went; a failure is shown
// above the log until the next link opens.
func (l *Log) Performed(in OpenLink, err error) {
	if err != nil {
		l.Err = "Could not open the link: " + words.Plain(err) + ". You can copy the message and open the address yourself."
		return
	}
	l.Err = ""
}

// CopyButton is the copy button of the message with seq, for tests; nil
// when that row is not in view.
func (l *Log) CopyButton(seq uint64) *widget.Clickable {
	if r, ok := l.rows[seq]; ok {
		return &r.copy.Clickable
	}
	return nil
}

// LinkButton is the button of the i-th link of the message with seq, for
// tests; nil when there is none in view.
func (l *Log) LinkButton(seq uint64, i int) *widget.Clickable {
	if r, ok := l.rows[seq]; ok && i < len(r.links) {
		return &r.links[i].btn
	}
	return nil
}

// MoreButton is the "Show more" button of the message with seq, for
// tests; nil when that row is not in view.
func (l *Log) MoreButton(seq uint64) *widget.Clickable {
	if r, ok := l.rows[seq]; ok {
		return &r.more
	}
	return nil
}

// Text is the selectable text of the message with seq, for tests; nil
// when that row is not in view.
func (l *Log) Text(seq uint64) *widget.Selectable {
	if r, ok := l.rows[seq]; ok {
		return &r.text
	}
	return nil
}

// NewLog returns a log that starts at, and sticks to, the newest message.
func NewLog() *Log {
	l := &Log{rows: map[uint64]*rowState{}, expanded: map[uint64]bool{}}
	l.List.Axis = layout.Vertical
	l.List.ScrollToEnd = true
	return l
}

// AtBottom reports whether the log shows the newest message.
func (l *Log) AtBottom() bool { return !l.List.Position.BeforeEnd }

// ScrollToBottom jumps to the newest message and sticks there again.
func (l *Log) ScrollToBottom() { l.List.Position.BeforeEnd = false }

// Unread is how many messages arrived since the user scrolled up.
func (l *Log) Unread(total int) int {
	if l.AtBottom() || total < l.seen {
		return 0
	}
	return total - l.seen
}

// pageKeys scrolls a page for Page Up and Page Down, wherever the focus is
// (the composer's editor has no use for them): the log is what there is to
// page through. A page keeps one line of the last in view.
func (l *Log) pageKeys(gtx C) {
	page := gtx.Constraints.Max.Y - gtx.Dp(lineHeight)
	for {
		ev, ok := gtx.Event(key.Filter{Name: key.NamePageUp}, key.Filter{Name: key.NamePageDown})
		if !ok {
			break
		}
		e, ok := ev.(key.Event)
		if !ok || e.State != key.Press {
			continue
		}
		if e.Name == key.NamePageUp {
			l.ScrollBy(-page)
		} else {
			l.ScrollBy(page)
		}
	}
}

// wheel scrolls three lines for each notch of a mouse wheel. Gio reports
// a notch as 10 pixels (on X11 and Wayland), which the list alone scrolls
// by 10 pixels: half a line. A touchpad reports fractions of a pixel, and
// scrolls as reported.
func (l *Log) wheel(gtx C) {
	for {
		ev, ok := gtx.Event(pointer.Filter{
			Target: &l.wheelTag, Kinds: pointer.Scroll,
			ScrollY: pointer.ScrollRange{Min: -1 << 30, Max: 1 << 30},
		})
		if !ok {
			return
		}
		e, ok := ev.(pointer.Event)
		if !ok || e.Kind != pointer.Scroll {
			continue
		}
		dy := e.Scroll.Y
		if notches := dy / wheelNotch; dy != 0 && notches == float32(int(notches)) {
			dy = notches * wheelLines * float32(gtx.Dp(lineHeight))
		}
		l.ScrollBy(int(dy))
	}
}

const (
	// wheelNotch is the distance, in pixels, Gio reports for one notch of
	// a mouse wheel.
	wheelNotch = 10
	// wheelLines is how many lines a notch scrolls, as most desktops do.
	wheelLines = 3
)

// scrollbarEnds finishes a scrollbar drag (or a click on its track) that
// reached either end of the track at that end of the log. The scrollbar
// moves the list by a fraction of an estimated length, from rows of uneven
// heights, and fell short of the first message by part of a row.
func (l *Log) scrollbarEnds(n, viewport int) {
	d := l.List.ScrollDistance()
	if d == 0 || n == 0 {
		return
	}
	// The position the scrollbar started from: before its ScrollBy.
	pre := l.List.Position
	whole, frac := math.Modf(float64(d * float32(n)))
	pre.First -= int(whole)
	pre.Offset -= int(math.Round(float64(pre.Length) / float64(n) * frac))
	start, end := viewportRange(pre, n, viewport)
	const near = 1e-4
	switch {
	case d < 0 && start+d <= near:
		l.List.Position.First, l.List.Position.Offset = 0, 0
	case d > 0 && end+d >= 1-near:
		l.ScrollToBottom()
	}
}

// viewportRange is where the scrollbar shows the view, as fractions of
// the log's length; it is material.List's own estimate (fromListPosition).
func viewportRange(p layout.Position, n, viewport int) (start, end float32) {
	if p.Length <= 0 {
		return 0, 1
	}
	length := float32(p.Length)
	item := length / float32(n)
	clamp := func(v float32) float32 { return max(0, min(1, v)) }
	start = clamp((float32(p.First)*item + float32(p.Offset)) / length)
	end = clamp((float32(p.First+p.Count)*item + float32(p.OffsetLast)) / length)
	shown := end - start
	if shown < 1 {
		miss := float32(viewport)/length - shown
		start -= start / (1 - shown) * miss
		end += (1 - end) / (1 - shown) * miss
	}
	return start, end
}

// wheelArea takes the scroll events over the log, before the list does
// (the list still gets presses and drags).
func (l *Log) wheelArea(gtx C) {
	defer pointer.PassOp{}.Push(gtx.Ops).Pop()
	defer clip.Rect{Max: gtx.Constraints.Max}.Push(gtx.Ops).Pop()
	event.Op(gtx.Ops, &l.wheelTag)
}

// lineHeight is about one line of message text.
const lineHeight = unit.Dp(20)

// ScrollBy moves the view px pixels toward newer messages (older ones for
// negative px). Past either end the list stops at the end, and at the
// bottom it sticks to the newest message again.
func (l *Log) ScrollBy(px int) {
	if px == 0 {
		return
	}
	// At the bottom First and Offset describe the view already; the list
	// finds out on its next layout whether the view is still at the end.
	l.List.Position.Offset += px
	l.List.Position.BeforeEnd = true
}

// JumpButton is the pill's clickable, for tests.
func (l *Log) JumpButton() *widget.Clickable { return &l.jump }

// LogStyle draws a Log of msgs.
type LogStyle struct {
	Th   *theme.Theme
	Log  *Log
	Msgs []client.Message
	// Nick is ours: messages from others that name it are highlighted.
	Nick string
	// Older is the hub's stored history before Msgs.
	Older Older
	// Owned, when set, says whether a nick is owned by the one connected
	// (natter/1 section 9): its messages carry the mark.
	Owned func(nick string) bool
	// Preview, when set, is a small picture of the file a SHARED line
	// names, when one is ready (the same the files list shows).
	Preview func(m *client.Message) (paint.ImageOp, bool)
}

// sharedPictureSide is the largest side of the picture under a SHARED
// line.
const sharedPictureSide = 160

// sharedPreview is the picture under m, a SHARED line of an image file,
// when it is ready.
func (s LogStyle) sharedPreview(m *client.Message) (paint.ImageOp, bool) {
	if s.Preview == nil || m.Event != client.SysShared || m.Name == "" {
		return paint.ImageOp{}, false
	}
	op, ok := s.Preview(m)
	if ok {
		s.Log.PreviewsLaidOut = append(s.Log.PreviewsLaidOut, m.Name)
	}
	return op, ok
}

// sharedPicture draws op within a square of sharedPictureSide, keeping
// its shape, with rounded corners.
func sharedPicture(gtx C, op paint.ImageOp) D {
	side := gtx.Dp(sharedPictureSide)
	sz := op.Size()
	w, h := side, side
	if sz.X > 0 && sz.Y > 0 {
		if sz.X >= sz.Y {
			h = max(1, side*sz.Y/sz.X)
		} else {
			w = max(1, side*sz.X/sz.Y)
		}
	}
	gtx.Constraints = layout.Exact(image.Pt(w, h))
	defer clip.UniformRRect(image.Rectangle{Max: image.Pt(w, h)}, gtx.Dp(6)).Push(gtx.Ops).Pop()
	return widget.Image{Src: op, Fit: widget.Cover, Position: layout.Center}.Layout(gtx)
}

// mentionsUs reports whether m, the message of row r, is someone else's
// public message naming us. The answer is kept with the row, for as long
// as our nick stays the same: folding text for the comparison is not free.
func (s LogStyle) mentionsUs(r *rowState, m *client.Message) bool {
	if r.mentionNick != s.Nick || !r.mentionKnown {
		r.mentionNick, r.mentionKnown = s.Nick, true
		r.mention = m.Kind == client.Public && !m.Own && Mentions(m.Text, s.Nick)
	}
	return r.mention
}

// Layout handles the pill's clicks, then lays out the visible rows and,
// when scrolled up with unread messages, the pill over them.
func (s LogStyle) Layout(gtx C) D {
	l := s.Log
	if l.jump.Clicked(gtx) {
		l.ScrollToBottom()
	}
	l.pageKeys(gtx)
	l.trimmed(s.Msgs)
	s.prepended()
	n := s.rowCount()
	s.seekTarget(gtx, n)
	l.RowsLaidOut, l.EarlierLaidOut, l.DaysLaidOut = 0, 0, 0
	l.PreviewsLaidOut = l.PreviewsLaidOut[:0]
	defer l.pruneRows()
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(func(gtx C) D {
			if l.Err == "" {
				return D{}
			}
			return layout.Inset{Top: 6}.Layout(gtx, func(gtx C) D { return kit.ErrorLine(gtx, s.Th, l.Err) })
		}),
		layout.Flexed(1, func(gtx C) D { return s.layoutList(gtx, n) }),
	)
}

// layoutList lays out the visible rows and, when scrolled up with unread
// messages, the pill over them.
func (s LogStyle) layoutList(gtx C, n int) D {
	l := s.Log
	dims := layout.Stack{Alignment: layout.S}.Layout(gtx,
		layout.Expanded(func(gtx C) D {
			msgs := len(s.Older.Msgs) + len(s.Msgs)
			if msgs == 0 {
				return layout.Center.Layout(gtx,
					kit.Label(s.Th, 14, s.Th.TextMuted, "No messages yet. Say hello!").Layout)
			}
			l.wheel(gtx)
			lst := material.List(s.Th.Theme, &l.List)
			lst.AnchorStrategy = material.Overlay
			defer l.wheelArea(gtx)
			defer s.pageOlder(msgs)
			defer s.noteShown(n)
			defer l.scrollbarEnds(n, gtx.Constraints.Max.Y)
			end, first := l.earlierEnd(s.Msgs), s.Older.prefixRows()
			return lst.Layout(gtx, n, func(gtx C, i int) D {
				m := s.item(i)
				if m == nil {
					return s.laidOut(i, s.statusRow(gtx))
				}
				l.RowsLaidOut++
				var prev *client.Message
				if i > 0 {
					prev = s.item(i - 1)
				}
				mk := marksBetween(prev, m, i-first == end+1 && end >= 0)
				if mk.Earlier || mk.Day {
					// A new day or the live messages start a group.
					prev = nil
				}
				return s.laidOut(i, s.withMarks(gtx, mk, m, func(gtx C) D { return s.row(gtx, i, prev, m) }))
			})
		}),
		layout.Stacked(func(gtx C) D {
			unread := l.Unread(n)
			if unread == 0 {
				return D{}
			}
			txt := "1 new message"
			if unread > 1 {
				txt = fmt.Sprintf("%d new messages", unread)
			}
			return layout.Inset{Bottom: 12}.Layout(gtx, func(gtx C) D {
				b := material.ButtonLayout(s.Th.Theme, &l.jump)
				b.Background = s.Th.Primary
				b.CornerRadius = 16
				return kit.FocusRing(gtx, s.Th, &l.jump, 16, func(gtx C) D {
					return b.Layout(gtx, func(gtx C) D {
						return layout.Inset{Top: 6, Bottom: 6, Left: 12, Right: 14}.Layout(gtx, func(gtx C) D {
							return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
								layout.Rigid(func(gtx C) D { return kit.Icon(gtx, icons.ArrowDown, s.Th.OnPrimary, 18) }),
								layout.Rigid(layout.Spacer{Width: 6}.Layout),
								layout.Rigid(kit.Label(s.Th, 13, s.Th.OnPrimary, txt).Layout),
							)
						})
					})
				})
			})
		}),
	)
	if l.AtBottom() {
		l.seen = n
	}
	return dims
}

// trimmed keeps the view on the same lines, and the count of new messages
// right, after the client dropped the oldest lines of msgs. Seq numbers are
// consecutive, so the first line's Seq says how many went.
func (l *Log) trimmed(msgs []client.Message) {
	if len(msgs) == 0 {
		return
	}
	first := msgs[0].Seq
	if l.firstSeq != 0 && first > l.firstSeq {
		// Rows before the client's log (older.go) stay as they are.
		pre := l.paging.prefix
		pos := max(l.List.Position.First-pre, 0)
		// Dropping more lines than the view and seen reach back to
		// counts the same as dropping all of those (and cannot overflow).
		cut := max(l.seen, pos) + 1
		if d := first - l.firstSeq; d < uint64(cut) {
			cut = int(d)
		}
		switch {
		case l.List.Position.First < pre:
		case pos < cut:
			l.List.Position.First, l.List.Position.Offset = pre, 0
		default:
			l.List.Position.First -= cut
		}
		l.seen = max(l.seen-cut, 0)
	}
	l.firstSeq = first
}

// continues reports whether m follows prev closely enough (same sender,
// same kind and recipient, within three minutes) to leave out its header.
func continues(prev, m *client.Message) bool {
	if prev == nil || prev.Kind == client.System || m.Kind == client.System {
		return false
	}
	return prev.Kind == m.Kind && prev.From == m.From && prev.To == m.To &&
		m.Time.Sub(prev.Time) < 3*time.Minute && !m.Time.Before(prev.Time)
}

func (s LogStyle) row(gtx C, i int, prev, m *client.Message) D {
	th := s.Th
	if m.Kind == client.System {
		col := th.TextMuted
		if m.Event == client.SysError {
			col = th.Danger
		}
		line := func(gtx C) D {
			return layout.Flex{Alignment: layout.Baseline}.Layout(gtx,
				layout.Rigid(s.clock(m)),
				layout.Flexed(1, func(gtx C) D {
					l := kit.Label(th, 13, col, words.System(*m))
					l.Font.Style = font.Italic
					return l.Layout(gtx)
				}),
			)
		}
		return layout.Inset{Top: 3, Bottom: 3, Left: 12, Right: 12}.Layout(gtx, func(gtx C) D {
			op, ok := s.sharedPreview(m)
			if !ok {
				return line(gtx)
			}
			return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
				layout.Rigid(line),
				layout.Rigid(func(gtx C) D {
					return layout.Inset{Top: 4, Left: unit.Dp(timeWidth)}.Layout(gtx, func(gtx C) D {
						return sharedPicture(gtx, op)
					})
				}),
			)
		})
	}
	grouped := continues(prev, m)
	top := unit.Dp(6)
	if grouped {
		top = 1
	}
	r := s.Log.rowFor(i, m)
	r.update(gtx, s.Log, m)
	bg := th.Surface
	mention := s.mentionsUs(r, m)
	switch {
	case m.Kind == client.Private:
		bg = th.Private
	case m.Own:
		bg = th.Own
	case mention:
		bg = th.Mention
	}
	flash := s.flashing(gtx, m)
	if flash {
		bg = th.Mention
	}
	dims := layout.Inset{Top: top, Left: 8, Right: 12}.Layout(gtx, func(gtx C) D {
		bubble := func(gtx C) D {
			return layout.Stack{Alignment: layout.NE}.Layout(gtx,
				layout.Stacked(func(gtx C) D { return s.bubble(gtx, r, m, grouped) }),
				layout.Stacked(func(gtx C) D { return s.copyButton(gtx, r, m) }),
			)
		}
		if flash {
			return kit.MarkedBackground(gtx, bg, th.Primary, 8, bubble)
		}
		if mention {
			// A bar as well as a colour: the colour alone is easy to miss.
			return kit.MarkedBackground(gtx, bg, th.MentionMark, 8, bubble)
		}
		return kit.Background(gtx, bg, 8, bubble)
	})
	r.hoverArea(gtx, dims)
	return dims
}

// bubble is a message's time, header and text, inside its background.
func (s LogStyle) bubble(gtx C, r *rowState, m *client.Message, grouped bool) D {
	gtx.Constraints.Min.X = gtx.Constraints.Max.X
	return layout.Inset{Top: 4, Bottom: 4, Left: 4, Right: 8}.Layout(gtx, func(gtx C) D {
		return layout.Flex{Alignment: layout.Start}.Layout(gtx,
			layout.Rigid(func(gtx C) D {
				if grouped {
					gtx.Constraints.Min.X = gtx.Dp(timeWidth)
					return D{Size: image.Pt(gtx.Dp(timeWidth), 0)}
				}
				return layout.Inset{Top: 2}.Layout(gtx, s.clock(m))
			}),
			layout.Flexed(1, func(gtx C) D {
				return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
					layout.Rigid(func(gtx C) D {
						if grouped {
							return D{}
						}
						return s.header(gtx, r, m)
					}),
					layout.Rigid(func(gtx C) D { return s.messageText(gtx, r, m) }),
				)
			}),
		)
	})
}

// timeWidth fits "Mon 15:04"; older dates wrap onto a second line.
const timeWidth = unit.Dp(56)

func (s LogStyle) clock(m *client.Message) layout.Widget {
	return func(gtx C) D {
		gtx.Constraints.Min.X = gtx.Dp(timeWidth)
		gtx.Constraints.Max.X = gtx.Constraints.Min.X
		return layout.Inset{Left: 4}.Layout(gtx, kit.Label(s.Th, 12, s.Th.TextMuted, kit.Clock(gtx.Now, m.Time)).Layout)
	}
}

// header is the sender line: the nick, and for a private message a lock
// and its direction ("to Bob" or "from Bob").
func (s LogStyle) header(gtx C, r *rowState, m *client.Message) D {
	th := s.Th
	nickCol := th.Text
	if m.Own {
		nickCol = th.Primary
	}
	from := m.From
	if m.Own {
		from = m.From + " (you)"
	}
	children := []layout.FlexChild{
		layout.Rigid(kit.Bold(kit.Label(th, 14, nickCol, from)).Layout),
	}
	if s.Owned != nil && s.Owned(m.From) {
		children = append(children,
			layout.Rigid(layout.Spacer{Width: 4}.Layout),
			layout.Rigid(func(gtx C) D { return kit.Icon(gtx, icons.Owned, th.Primary, 14) }),
		)
	}
	if s.mentionsUs(r, m) {
		children = append(children,
			layout.Rigid(layout.Spacer{Width: 8}.Layout),
			layout.Rigid(kit.Label(th, 13, th.MentionMark, "mentions you").Layout),
		)
	}
	if m.Kind == client.Private {
		dir := "from " + m.From
		if m.Own {
			dir = "to " + m.To
		}
		if m.Inbox {
			dir += ", " + words.InboxNote
		}
		children = append(children,
			layout.Rigid(layout.Spacer{Width: 8}.Layout),
			layout.Rigid(func(gtx C) D { return kit.Icon(gtx, icons.Private, th.PrivateText, 14) }),
			layout.Rigid(layout.Spacer{Width: 3}.Layout),
			layout.Rigid(kit.Label(th, 13, th.PrivateText, "private, "+dir).Layout),
		)
	}
	return layout.Flex{Alignment: layout.Middle}.Layout(gtx, children...)
}
