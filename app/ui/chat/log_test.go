package chat

import (
	"fmt"
	"image"
	"strings"
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
	"github.com/natter-chat/natter/app/ui/fonts"
	"github.com/natter-chat/natter/core/client"
)

var testShaper = fonts.NewEmbeddedShaper()

// logHarness lays out a LogStyle in a 600×400 window through a real input
// router, so scrolling and clicks behave as in the app.
type logHarness struct {
	r    input.Router
	ops  op.Ops
	th   *theme.Theme
	log  *Log
	msgs []client.Message
	now  time.Time
}

func newLogHarness(msgs []client.Message) *logHarness {
	return &logHarness{th: theme.New(testShaper, false), log: NewLog(), msgs: msgs, now: time.Unix(1_800_000_000, 0)}
}

func (h *logHarness) frame() {
	h.ops.Reset()
	gtx := layout.Context{
		Ops: &h.ops, Now: h.now,
		Metric:      unit.Metric{PxPerDp: 1, PxPerSp: 1},
		Constraints: layout.Exact(image.Pt(600, 400)),
		Source:      h.r.Source(),
	}
	LogStyle{Th: h.th, Log: h.log, Msgs: h.msgs}.Layout(gtx)
	h.r.Frame(&h.ops)
}

func (h *logHarness) scroll(dy float32) {
	h.r.Queue(pointer.Event{Kind: pointer.Scroll, Source: pointer.Mouse, Position: f32.Pt(300, 200), Scroll: f32.Pt(0, dy)})
}

func messages(n int) []client.Message {
	base := time.Unix(1_800_000_000, 0)
	msgs := make([]client.Message, n)
	for i := range msgs {
		m := client.Message{Kind: client.Public, Time: base.Add(time.Duration(i) * 4 * time.Minute), From: "bob",
			Text: fmt.Sprintf("message number %d with some words to wrap across the row", i)}
		switch i % 7 {
		case 1:
			m.From, m.Own = "alice", true
		case 3:
			m.Kind, m.From, m.To = client.Private, "carol", "alice"
		case 5:
			m = client.Message{Kind: client.System, Event: client.SysJoin, Time: m.Time, Text: "dave joined"}
		case 6:
			m.Text = "line one\nline two\nline three"
		}
		msgs[i] = m
	}
	return msgs
}

func TestLogLaysOutOnlyVisibleRows(t *testing.T) {
	h := newLogHarness(messages(10_000))
	h.frame()
	h.frame()
	assert.True(t, h.log.AtBottom(), "a new log starts at the newest message")
	assert.Greater(t, h.log.RowsLaidOut, 0)
	assert.Less(t, h.log.RowsLaidOut, 40, "only the rows in view are laid out")
	last := h.log.List.Position.First + h.log.List.Position.Count
	assert.Equal(t, 10_000, last, "the newest message is in view")
}

func TestLogSticksToBottomUnlessScrolledUp(t *testing.T) {
	h := newLogHarness(messages(200))
	h.frame()
	h.frame()
	require.True(t, h.log.AtBottom())

	// New messages while at the bottom: still at the bottom, no pill.
	h.msgs = append(h.msgs, messages(3)...)
	h.frame()
	assert.True(t, h.log.AtBottom())
	assert.Equal(t, 0, h.log.Unread(len(h.msgs)))

	// Scroll up, then messages arrive: the view stays, the pill counts them.
	h.scroll(-600)
	h.frame()
	h.frame()
	require.False(t, h.log.AtBottom(), "scrolling up leaves the bottom")
	first := h.log.List.Position.First
	h.msgs = append(h.msgs, messages(2)...)
	h.frame()
	assert.False(t, h.log.AtBottom())
	assert.Equal(t, first, h.log.List.Position.First, "the view does not jump while reading")
	assert.Equal(t, 2, h.log.Unread(len(h.msgs)))

	// Jumping down resumes sticking.
	h.log.ScrollToBottom()
	h.frame()
	assert.True(t, h.log.AtBottom())
	assert.Equal(t, 0, h.log.Unread(len(h.msgs)))
}

func TestLogPillClickJumpsDown(t *testing.T) {
	h := newLogHarness(messages(300))
	h.frame()
	h.frame()
	h.scroll(-800)
	h.frame()
	h.msgs = append(h.msgs, messages(5)...)
	h.frame()
	h.frame()
	require.Equal(t, 5, h.log.Unread(len(h.msgs)))
	// The pill sits centred near the bottom edge.
	p := f32.Pt(300, 400-12-14)
	h.r.Queue(
		pointer.Event{Kind: pointer.Press, Source: pointer.Mouse, Buttons: pointer.ButtonPrimary, Position: p},
		pointer.Event{Kind: pointer.Release, Source: pointer.Mouse, Buttons: pointer.ButtonPrimary, Position: p},
	)
	h.frame()
	h.frame()
	assert.True(t, h.log.AtBottom(), "clicking the pill jumps to the newest message")
}

// BenchmarkLogFrame measures one frame of the log at the bottom of a long
// and of a short history: with virtualisation both cost about the same.
func BenchmarkLogFrame(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
			h := newLogHarness(messages(n))
			h.frame()
			b.ReportAllocs()
			b.ResetTimer()
			rows := 0
			for range b.N {
				h.frame()
				rows += h.log.RowsLaidOut
			}
			b.ReportMetric(float64(rows)/float64(b.N), "rows/frame")
		})
	}
}

// numbered returns n messages numbered from seq on, as the client's log
// numbers them.
func numbered(seq uint64, n int) []client.Message {
	msgs := messages(n)
	for i := range msgs {
		msgs[i].Seq = seq + uint64(i)
	}
	return msgs
}

func TestLogPillCountsAndLabelsNewMessages(t *testing.T) {
	h := newLogHarness(numbered(1, 200))
	h.frame()
	h.frame()
	h.scroll(-600)
	h.frame()
	h.frame()
	require.False(t, h.log.AtBottom())
	assert.NotContains(t, labels(h), "1 new message", "no pill before anything new arrives")

	h.msgs = append(h.msgs, numbered(201, 1)...)
	h.frame()
	assert.Contains(t, labels(h), "1 new message")
	h.msgs = append(h.msgs, numbered(202, 2)...)
	h.frame()
	assert.Contains(t, labels(h), "3 new messages")
}

func TestLogKeepsItsPlaceWhenOldLinesAreDropped(t *testing.T) {
	h := newLogHarness(numbered(1, 300))
	h.frame()
	h.frame()
	h.scroll(-800)
	h.frame()
	h.frame()
	require.False(t, h.log.AtBottom())
	inView := h.msgs[h.log.List.Position.First].Seq

	// The client drops the 50 oldest lines as 5 new ones arrive.
	h.msgs = append(h.msgs[50:len(h.msgs):len(h.msgs)], numbered(301, 5)...)
	h.frame()
	assert.False(t, h.log.AtBottom())
	assert.Equal(t, inView, h.msgs[h.log.List.Position.First].Seq, "the same line stays in view")
	assert.Equal(t, 5, h.log.Unread(len(h.msgs)))
	assert.Contains(t, labels(h), "5 new messages")

	h.log.ScrollToBottom()
	h.frame()
	assert.True(t, h.log.AtBottom())
	assert.Equal(t, 0, h.log.Unread(len(h.msgs)))
}

// labels are the texts on screen, as screen readers see them.
func labels(h *logHarness) []string {
	return semantics(h, func(d input.SemanticDesc) string { return d.Label })
}

// semantics collects one field of what screen readers see, where set.
func semantics(h *logHarness, field func(input.SemanticDesc) string) []string {
	var out []string
	for _, n := range h.r.AppendSemantics(nil) {
		if s := field(n.Desc); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func TestPageKeysScrollTheLog(t *testing.T) {
	h := newLogHarness(numbered(1, 300))
	h.frame()
	h.frame()
	require.True(t, h.log.AtBottom())
	bottom := h.log.List.Position.First
	press := func(name key.Name) {
		h.r.Queue(key.Event{Name: name, State: key.Press}, key.Event{Name: name, State: key.Release})
		h.frame()
		h.frame()
	}
	press(key.NamePageUp)
	require.False(t, h.log.AtBottom(), "Page Up leaves the bottom")
	up := h.log.List.Position.First
	// A page of 400 pixels holds several rows of two lines or more.
	assert.Less(t, up, bottom-3, "Page Up moves by a page, not a line")
	press(key.NamePageUp)
	assert.Less(t, h.log.List.Position.First, up, "and again")
	press(key.NamePageDown)
	press(key.NamePageDown)
	assert.True(t, h.log.AtBottom(), "Page Down goes back to the newest message, and sticks there")
}

// TestWheelNotchScrollsLines checks that a mouse wheel scrolls by lines:
// ten notches move more than ten one-line messages.
func TestWheelNotchScrollsLines(t *testing.T) {
	msgs := numbered(1, 300)
	for i := range msgs {
		msgs[i].Kind, msgs[i].From, msgs[i].Own, msgs[i].Text = client.Public, "bob", false, fmt.Sprintf("short %d", i)
		msgs[i].Event = 0
	}
	h := newLogHarness(msgs)
	h.frame()
	h.frame()
	start := h.log.List.Position.First
	for range 10 {
		h.scroll(-wheelNotch)
		h.frame()
	}
	h.frame()
	moved := start - h.log.List.Position.First
	assert.GreaterOrEqual(t, moved, 10, "10 notches move at least 10 one-line rows (moved %d)", moved)
	assert.LessOrEqual(t, moved, 60, "but not pages at a time")
}

// TestScrollbarDraggedToTheTopShowsTheFirstMessage drags the scrollbar's
// indicator from the bottom of the track past its top: the log must show
// its first message, however uneven the rows' heights made the estimate
// the scrollbar works from.
func TestScrollbarDraggedToTheTopShowsTheFirstMessage(t *testing.T) {
	msgs := numbered(1, 400)
	for i := range msgs {
		if i%5 == 0 {
			msgs[i].Text = strings.Repeat(fmt.Sprintf("a long message %d ", i), 60)
		}
	}
	h := newLogHarness(msgs)
	h.frame()
	h.frame()
	require.True(t, h.log.AtBottom())
	x := float32(600 - 4) // the indicator runs down the right edge
	steps := []f32.Point{f32.Pt(x, 396), f32.Pt(x, 200), f32.Pt(x, -40)}
	h.r.Queue(pointer.Event{Kind: pointer.Press, Source: pointer.Mouse, Buttons: pointer.ButtonPrimary, Position: steps[0]})
	h.frame()
	for _, p := range steps[1:] {
		h.r.Queue(pointer.Event{Kind: pointer.Move, Source: pointer.Mouse, Buttons: pointer.ButtonPrimary, Position: p})
		h.frame()
	}
	h.r.Queue(pointer.Event{Kind: pointer.Release, Source: pointer.Mouse, Position: steps[len(steps)-1]})
	h.frame()
	h.frame()
	assert.Equal(t, 0, h.log.List.Position.First, "the first message is in view")
	assert.Equal(t, 0, h.log.List.Position.Offset, "from its top")

	// And dragged back down past the end, it sticks to the newest again.
	h.r.Queue(pointer.Event{Kind: pointer.Press, Source: pointer.Mouse, Buttons: pointer.ButtonPrimary, Position: f32.Pt(x, 2)})
	h.frame()
	for _, y := range []float32{100, 250, 390, 460} {
		h.r.Queue(pointer.Event{Kind: pointer.Move, Source: pointer.Mouse, Buttons: pointer.ButtonPrimary, Position: f32.Pt(x, y)})
		h.frame()
	}
	h.r.Queue(pointer.Event{Kind: pointer.Release, Source: pointer.Mouse, Position: f32.Pt(x, 460)})
	h.frame()
	h.frame()
	assert.True(t, h.log.AtBottom())
}
