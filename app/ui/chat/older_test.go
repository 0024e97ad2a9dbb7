package chat

import (
	"fmt"
	"image"
	"testing"
	"time"

	"gioui.org/layout"
	"gioui.org/unit"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/client"
)

// frameWith lays out the harness's log with o before its messages.
func (h *logHarness) frameWith(o Older) {
	h.ops.Reset()
	gtx := layout.Context{
		Ops: &h.ops, Now: h.now,
		Metric:      unit.Metric{PxPerDp: 1, PxPerSp: 1},
		Constraints: layout.Exact(image.Pt(600, 400)),
		Source:      h.r.Source(),
	}
	LogStyle{Th: h.th, Log: h.log, Msgs: h.msgs, Older: o}.Layout(gtx)
	h.r.Frame(&h.ops)
}

// olderPage is n stored messages, Seq-less as the client gives them,
// stamped before the log's own (messages), oldest first, from start.
func olderPage(start, n int) []client.Message {
	base := time.Unix(1_800_000_000, 0).Add(-time.Hour)
	out := make([]client.Message, n)
	for i := range out {
		out[i] = client.Message{Kind: client.Public, History: true, From: "bob",
			Time: base.Add(time.Duration(start+i) * time.Second), Text: fmt.Sprintf("old %d", start+i)}
	}
	return out
}

// top is the first message whose top is in view.
func (h *logHarness) top(t *testing.T) ShownRow {
	t.Helper()
	r, ok := h.log.Top()
	require.True(t, ok, "no message in view")
	return r
}

// TestPrependKeepsAViewInTheMiddle: a page of older messages coming in
// while the view is somewhere in the log (asked for by a search) moves
// nothing that is in view, and the new rows do not count as new messages.
func TestPrependKeepsAViewInTheMiddle(t *testing.T) {
	h := newLogHarness(messages(60))
	o := Older{Stores: true, Ready: true, Msgs: olderPage(200, 100)}
	h.frameWith(o)
	h.log.ScrollBy(-1500)
	h.frameWith(o)
	h.frameWith(o)
	before := h.top(t)
	require.NotContains(t, before.Msg.Text, "old", "the view should be in the client's log")
	o.Msgs = append(olderPage(100, 100), o.Msgs...)
	h.frameWith(o)
	after := h.top(t)
	require.Equal(t, before, after)
	require.Zero(t, h.log.Unread(h.log.paging.prefix+len(h.msgs)), "older rows counted as new")

	// In the older part of the log, too.
	h.log.ScrollBy(-60 * 100)
	h.frameWith(o)
	h.frameWith(o)
	before = h.top(t)
	require.Contains(t, before.Msg.Text, "old")
	o.Msgs = append(olderPage(0, 100), o.Msgs...)
	h.frameWith(o)
	require.Equal(t, before, h.top(t))
}

// TestLogAsksOncePerPageAtTheTop: the view at the top asks for one page
// and no more until it came in; the end of the history asks no more.
func TestLogAsksOncePerPageAtTheTop(t *testing.T) {
	h := newLogHarness(messages(60))
	o := Older{Stores: true, Ready: true}
	h.frameWith(o)
	require.False(t, h.log.TakeLoadOlder(), "asked at the bottom of the log")
	h.log.ScrollBy(-1 << 20)
	h.frameWith(o)
	require.True(t, h.log.TakeLoadOlder(), "the top of the log asked for nothing")
	o.Loading = true
	for range 5 {
		h.frameWith(o)
		require.False(t, h.log.TakeLoadOlder(), "asked again while a page is on its way")
	}
	o.Loading, o.Msgs = false, olderPage(0, 100)
	h.frameWith(o)
	h.frameWith(o)
	require.False(t, h.log.TakeLoadOlder(), "the page kept the view away from the top, yet it asked")
	h.log.ScrollBy(-1 << 20)
	h.frameWith(o)
	require.True(t, h.log.TakeLoadOlder())
	o.Msgs, o.Complete = append(olderPage(-10, 10), o.Msgs...), true
	h.frameWith(o)
	h.log.ScrollBy(-1 << 20)
	for range 3 {
		h.frameWith(o)
	}
	require.False(t, h.log.TakeLoadOlder(), "asked past the first message")
	require.Equal(t, "old -10", h.top(t).Msg.Text)
	require.Equal(t, 2, h.log.OlderAsks())

	// A hub that keeps nothing is never asked.
	h2 := newLogHarness(messages(3))
	h2.frameWith(Older{Ready: true})
	require.False(t, h2.log.TakeLoadOlder())
}

// TestScrollToMessageLoadsUntilFound: a message older than the log asks
// for pages whatever the view, then scrolls to it once it is in, marked.
func TestScrollToMessageLoadsUntilFound(t *testing.T) {
	h := newLogHarness(messages(60))
	o := Older{Stores: true, Ready: true}
	h.frameWith(o)
	target := olderPage(5, 1)[0]
	h.log.ScrollToMessage(target.Time)
	h.frameWith(o)
	require.True(t, h.log.TakeLoadOlder(), "a message not in the log asked for no page")
	o.Msgs = olderPage(0, 10)
	h.frameWith(o)
	h.frameWith(o)
	require.False(t, h.log.TakeLoadOlder())
	var shown bool
	for _, r := range h.log.Shown() {
		shown = shown || r.Msg.Text == "old 5"
	}
	require.True(t, shown, "the message is not in view")
	m, on := h.log.Flashed(h.now)
	require.True(t, on)
	require.Equal(t, "old 5", m.Text)
	_, on = h.log.Flashed(h.now.Add(flashTime))
	require.False(t, on, "still marked after %v", flashTime)
}

// BenchmarkLogFrameWithOlder lays out a log of the same 10,000 messages,
// scrolled into its middle: all in the client's log (the baseline), or
// 9,900 of them loaded from the hub's stored history.
func BenchmarkLogFrameWithOlder(b *testing.B) {
	const total = 10_000
	for _, older := range []int{0, total - 100} {
		b.Run(fmt.Sprintf("older=%d", older), func(b *testing.B) {
			msgs := numbered(1, total)
			stored := make([]client.Message, older)
			for i := range stored {
				stored[i] = msgs[i]
				stored[i].Seq, stored[i].History = 0, true
			}
			h := newLogHarness(msgs[older:])
			o := Older{Stores: true, Ready: true, Msgs: stored}
			h.frameWith(o)
			h.log.List.Position.First, h.log.List.Position.BeforeEnd = total/2, true
			h.frameWith(o)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				h.frameWith(o)
			}
		})
	}
}
