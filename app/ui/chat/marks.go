package chat

import (
	"time"

	"gioui.org/layout"

	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/core/client"
)

// EarlierText labels the divider where the saved and replayed messages
// end and the ones that arrived in this session begin.
const EarlierText = "Earlier messages above"

// Marks are the rules drawn above a row of the log.
type Marks struct {
	// Earlier: the rows above are earlier messages (saved by the app, or
	// replayed by the hub), this one and those below arrived live.
	Earlier bool
	// Day: this row is on another day than the one above; DayLabel says
	// which.
	Day bool
}

// EarlierEnd is the index of the last earlier message of msgs (one with
// History set), or -1. The divider goes under it, when rows follow.
func EarlierEnd(msgs []client.Message) int {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].History {
			return i
		}
	}
	return -1
}

// MarksAbove says which rules go above row i of msgs: the divider under
// the earlier messages (end is EarlierEnd(msgs)), and a day's rule when
// the row is on another day than the one above.
func MarksAbove(msgs []client.Message, i, end int) Marks {
	if i <= 0 || i >= len(msgs) {
		return Marks{}
	}
	return marksBetween(&msgs[i-1], &msgs[i], end >= 0 && i == end+1)
}

// marksBetween says which rules go between prev (nil at the top) and m,
// with the divider when earlier.
func marksBetween(prev, m *client.Message, earlier bool) Marks {
	mk := Marks{Earlier: earlier && prev != nil}
	if prev != nil && !prev.Time.IsZero() && !m.Time.IsZero() {
		y1, m1, d1 := prev.Time.Local().Date()
		y2, m2, d2 := m.Time.Local().Date()
		mk.Day = y1 != y2 || m1 != m2 || d1 != d2
	}
	return mk
}

// DayLabel names the local day of t as seen at now: "Today", "Yesterday",
// "Monday 30 November", and with the year when it is not now's.
func DayLabel(now, t time.Time) string {
	t, now = t.Local(), now.Local()
	day := func(x time.Time) time.Time { y, m, d := x.Date(); return time.Date(y, m, d, 0, 0, 0, 0, time.Local) }
	switch day(now).Sub(day(t)).Round(time.Hour) {
	case 0:
		return "Today"
	case 24 * time.Hour:
		return "Yesterday"
	}
	if t.Year() != now.Year() {
		return t.Format("Monday 2 January 2006")
	}
	return t.Format("Monday 2 January")
}

// earlierEnd is EarlierEnd(msgs), worked out again only when msgs
// changed since the last frame.
func (l *Log) earlierEnd(msgs []client.Message) int {
	var last uint64
	if len(msgs) > 0 {
		last = msgs[len(msgs)-1].Seq
	}
	if l.earlier.n != len(msgs) || l.earlier.last != last || !l.earlier.known {
		l.earlier.n, l.earlier.last, l.earlier.known = len(msgs), last, true
		l.earlier.end = EarlierEnd(msgs)
	}
	return l.earlier.end
}

// earlierCache keeps EarlierEnd of the rows of the last frame.
type earlierCache struct {
	known bool
	n     int
	last  uint64
	end   int
}

// withMarks lays out the rules mk asks for above row.
func (s LogStyle) withMarks(gtx C, mk Marks, m *client.Message, row layout.Widget) D {
	if !mk.Earlier && !mk.Day {
		return row(gtx)
	}
	th := s.Th
	rule := func(txt string) layout.FlexChild {
		return layout.Rigid(func(gtx C) D {
			return layout.Inset{Top: 8, Bottom: 2, Left: 12, Right: 12}.Layout(gtx, func(gtx C) D {
				return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
					layout.Flexed(1, func(gtx C) D { return kit.HLine(gtx, th.Divider) }),
					layout.Rigid(func(gtx C) D {
						return layout.Inset{Left: 8, Right: 8}.Layout(gtx, kit.Label(th, 12, th.TextMuted, txt).Layout)
					}),
					layout.Flexed(1, func(gtx C) D { return kit.HLine(gtx, th.Divider) }),
				)
			})
		})
	}
	var children []layout.FlexChild
	if mk.Earlier {
		s.Log.EarlierLaidOut++
		children = append(children, rule(EarlierText))
	}
	if mk.Day {
		s.Log.DaysLaidOut++
		children = append(children, rule(DayLabel(gtx.Now, m.Time)))
	}
	children = append(children, layout.Rigid(row))
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx, children...)
}
