package chat

import (
	"time"

	"gioui.org/font"
	"gioui.org/layout"
	"gioui.org/op"

	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/app/ui/words"
	"github.com/natter-chat/natter/core/client"
)

// Older is what the log shows before the client's own log: the pages of
// the hub's stored history loaded so far (natter/1 section 10).
type Older struct {
	// Msgs are the loaded messages, oldest first (Snapshot.Older).
	Msgs []client.Message
	// Stores is set when the hub keeps its history (CAPS store): only
	// then is there anything older to page back to.
	Stores bool
	// Loading is set while a page is on its way; Complete once the hub
	// said there is nothing older.
	Loading, Complete bool
	// Ready is set while the session is registered and may ask.
	Ready bool
}

// OlderOf is the Older part of snap.
func OlderOf(snap *client.Snapshot) Older {
	return Older{
		Msgs: snap.Older, Stores: snap.HubStores,
		Loading: snap.OlderLoading, Complete: snap.OlderComplete,
		Ready: snap.Conn.State == client.Registered,
	}
}

// LoadOlder asks for the page of messages before the oldest the log shows.
type LoadOlder struct{}

// olderSeq is the row key of a message of the stored history: such
// messages carry no Seq, and their times are unique among them. The top
// bit keeps the keys apart from the client's Seq numbers.
func olderSeq(m *client.Message) uint64 { return 1<<63 | uint64(m.Time.UnixMilli()) }

// paging is the log's state for the stored history.
type paging struct {
	// prefix is how many rows came before the client's log at the last
	// frame: the status row and the older messages.
	prefix int
	// olders is how many of those rows were older messages.
	olders int
	// statusH is the height of the status row at the last frame.
	statusH int
	// pending is set from asking for a page until the answer is in; the
	// count of older messages and the newest Seq at that time tell when.
	pending    bool
	pendingLen int
	pendingSeq uint64
	sawLoading bool
	// asks counts the pages asked for; wantOlder is set when one is
	// asked for and not yet taken as an intent.
	asks      int
	wantOlder bool
	// heights are the heights of the rows laid out this frame, by index;
	// shown are the rows in view at the last frame.
	heights map[int]int
	shown   []ShownRow
	// keyed are the older messages with their row keys as Seq.
	keyed []client.Message
	// target is the time of the message to scroll to, when targetSet.
	target    time.Time
	targetSet bool
	// flash is the row key of the message jumped to, highlighted until
	// flashUntil.
	flash      uint64
	flashMsg   client.Message
	flashUntil time.Time
}

// OlderShown is how many messages of the hub's stored history the last
// frame showed above the client's log, for tests.
func (l *Log) OlderShown() int { return l.paging.olders }

// OlderAsks is how many pages the log has asked for, for tests.
func (l *Log) OlderAsks() int { return l.paging.asks }

// TakeLoadOlder reports, once, whether the log asked for an older page
// since the last call.
func (l *Log) TakeLoadOlder() bool {
	w := l.paging.wantOlder
	l.paging.wantOlder = false
	return w
}

// ShownRow is a message row in view: the message and where its top is, in
// pixels below the top of the list (negative when cut at the top).
type ShownRow struct {
	Msg client.Message
	Y   int
}

// Shown are the message rows in view at the last frame, top to bottom,
// for tests.
func (l *Log) Shown() []ShownRow { return l.paging.shown }

// Top is the first message row whose top is in view, for tests; ok is
// false when there is none.
func (l *Log) Top() (ShownRow, bool) {
	for _, r := range l.paging.shown {
		if r.Y >= 0 {
			return r, true
		}
	}
	return ShownRow{}, false
}

// ScrollToMessage scrolls the log to the public message stamped t and
// highlights it briefly, loading older pages until it is in the log.
func (l *Log) ScrollToMessage(t time.Time) {
	l.paging.target, l.paging.targetSet = t, true
}

// Flashed is the message last jumped to and whether it is still
// highlighted at now, for tests.
func (l *Log) Flashed(now time.Time) (client.Message, bool) {
	return l.paging.flashMsg, l.paging.flash != 0 && now.Before(l.paging.flashUntil)
}

// flashTime is how long a message jumped to stays highlighted.
const flashTime = 2 * time.Second

// statusRows is 1 when the log shows a row above the messages for the
// stored history, else 0.
func (o *Older) statusRows() int {
	if o.Stores || len(o.Msgs) > 0 {
		return 1
	}
	return 0
}

// prefixRows is how many rows come before the client's log.
func (o *Older) prefixRows() int { return o.statusRows() + len(o.Msgs) }

// item is the message of row i of the log, or nil for the status row.
func (s LogStyle) item(i int) *client.Message {
	st := s.Older.statusRows()
	switch {
	case i < st:
		return nil
	case i < st+len(s.Older.Msgs):
		return &s.Log.paging.keyed[i-st]
	default:
		return &s.Msgs[i-st-len(s.Older.Msgs)]
	}
}

// rowCount is how many rows the log has.
func (s LogStyle) rowCount() int { return s.Older.prefixRows() + len(s.Msgs) }

// prepended keeps the visible text where it is when rows came before the
// client's log (a page of older messages): the list's position moves by
// as many rows. A view that starts on the status row keeps the message
// below it in place.
func (s LogStyle) prepended() {
	l, p := s.Log, &s.Log.paging
	s.keyOlder()
	now := s.Older.prefixRows()
	p.olders = len(s.Older.Msgs)
	d := now - p.prefix
	if d == 0 {
		return
	}
	pos := &l.List.Position
	switch {
	case p.prefix > 0 && pos.First == 0 && s.Older.statusRows() == 1:
		// The status row was at the top: its message below keeps its
		// place, now d rows further down.
		pos.First = 1 + d
		pos.Offset -= p.statusH
	case pos.First > 0 || p.prefix == 0:
		pos.First += d
	}
	l.seen += d
	p.prefix = now
}

// keyOlder gives the older messages their row keys, anew when they
// changed (a page came in: they only grow at their start).
func (s LogStyle) keyOlder() {
	p, msgs := &s.Log.paging, s.Older.Msgs
	k := p.keyed
	if len(k) == len(msgs) && (len(k) == 0 || k[0].Time.Equal(msgs[0].Time) && k[len(k)-1].Time.Equal(msgs[len(msgs)-1].Time)) {
		return
	}
	p.keyed = make([]client.Message, len(msgs))
	for i := range msgs {
		p.keyed[i] = msgs[i]
		p.keyed[i].Seq = olderSeq(&msgs[i])
	}
}

// pageOlder asks for an older page when the view reaches the top of the
// log, or a message to jump to is not in it yet, once at a time. n is the
// count of messages (not rows) in the log.
func (s LogStyle) pageOlder(n int) {
	l, o, p := s.Log, &s.Older, &s.Log.paging
	var newest uint64
	if len(s.Msgs) > 0 {
		newest = s.Msgs[len(s.Msgs)-1].Seq
	}
	if o.Loading {
		p.sawLoading = true
	}
	if p.pending && !o.Loading && (p.sawLoading || len(o.Msgs) != p.pendingLen || o.Complete || newest != p.pendingSeq) {
		p.pending = false
	}
	if !o.Ready {
		p.pending = false
	}
	if p.pending || !o.Ready || !o.Stores || o.Loading || o.Complete || n == 0 {
		return
	}
	atTop := l.List.Position.First == 0 && l.List.Position.Count > 0
	if !atTop && !p.targetSet {
		return
	}
	p.pending, p.pendingLen, p.pendingSeq, p.sawLoading = true, len(o.Msgs), newest, false
	p.asks++
	p.wantOlder = true
}

// seekTarget scrolls to the message asked for by ScrollToMessage once it
// is in the log: it goes a third of the way down the view, so that what
// came before it shows too.
func (s LogStyle) seekTarget(gtx C, n int) {
	p := &s.Log.paging
	if !p.targetSet {
		return
	}
	want := p.target.UnixMilli()
	for i := n - 1; i >= 0; i-- {
		m := s.item(i)
		if m == nil || m.Kind != client.Public || m.Time.UnixMilli() != want {
			continue
		}
		pos := &s.Log.List.Position
		pos.First, pos.Offset, pos.BeforeEnd = i, -gtx.Constraints.Max.Y/3, true
		p.targetSet = false
		p.flash, p.flashMsg, p.flashUntil = m.Seq, *m, gtx.Now.Add(flashTime)
		return
	}
	if s.Older.Complete || !s.Older.Stores {
		p.targetSet = false // not in the hub's history either
	}
}

// flashing reports whether the row of m is highlighted, having just been
// jumped to.
func (s LogStyle) flashing(gtx C, m *client.Message) bool {
	p := &s.Log.paging
	if p.flash == 0 || m.Seq != p.flash {
		return false
	}
	if !gtx.Now.Before(p.flashUntil) {
		p.flash = 0
		return false
	}
	gtx.Execute(op.InvalidateCmd{At: p.flashUntil})
	return true
}

// laidOut notes the height of row i, laid out this frame.
func (s LogStyle) laidOut(i int, d D) D {
	p := &s.Log.paging
	if p.heights == nil {
		p.heights = make(map[int]int)
	}
	p.heights[i] = d.Size.Y
	return d
}

// noteShown records the message rows in view and where they are, for
// tests, from the list's position and this frame's row heights.
func (s LogStyle) noteShown(n int) {
	p := &s.Log.paging
	pos := s.Log.List.Position
	p.shown = p.shown[:0]
	y := -pos.Offset
	for i := pos.First; i < pos.First+pos.Count && i < n; i++ {
		if m := s.item(i); m != nil {
			p.shown = append(p.shown, ShownRow{Msg: *m, Y: y})
		}
		y += p.heights[i]
	}
	clear(p.heights)
}

// statusRow is the row above the oldest message: loading, the start of
// the conversation, or nothing more to say yet.
func (s LogStyle) statusRow(gtx C) D {
	th := s.Th
	txt := words.OlderIdle
	switch {
	case s.Older.Complete:
		txt = words.OlderStart
	case s.Older.Loading || s.Log.paging.pending:
		txt = words.OlderLoading
	case !s.Older.Stores:
		txt = words.OlderUnavailable
	}
	d := layout.Inset{Top: 8, Bottom: 8}.Layout(gtx, func(gtx C) D {
		gtx.Constraints.Min.X = gtx.Constraints.Max.X
		return layout.Center.Layout(gtx, func(gtx C) D {
			lb := kit.Label(th, 13, th.TextMuted, txt)
			lb.Font.Style = font.Italic
			return lb.Layout(gtx)
		})
	})
	s.Log.paging.statusH = d.Size.Y
	return d
}
