// Package people is the list of who is online. Choosing someone addresses
// the next message to them.
package people

import (
	"fmt"

	"gioui.org/font"
	"gioui.org/io/event"
	"gioui.org/layout"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/icons"
)

type (
	C = layout.Context
	D = layout.Dimensions
)

// List is the people list's state.
type List struct {
	list widget.List
	rows []row
	// chosen is the nick picked since the last call to Chosen.
	chosen  string
	pending bool
}

type row struct {
	nick string
	btn  widget.Clickable
}

// New returns an empty people list.
func New() *List {
	l := &List{}
	l.list.Axis = layout.Vertical
	return l
}

// Chosen returns the nick the user picked since the last call, if any.
func (l *List) Chosen() (string, bool) {
	if !l.pending {
		return "", false
	}
	l.pending = false
	return l.chosen, true
}

// Row returns the clickable of nick's row, for tests; nil if not listed.
func (l *List) Row(nick string) *widget.Clickable {
	for i := range l.rows {
		if l.rows[i].nick == nick {
			return &l.rows[i].btn
		}
	}
	return nil
}

// Header is the title with the count: "People · 3 online".
func Header(users []client.User) string {
	return fmt.Sprintf("People · %d online", len(users))
}

// Style draws a List of users.
type Style struct {
	Th    *theme.Theme
	List  *List
	Users []client.User
	// Selected is the nick the composer is addressed to, highlighted.
	Selected string
	// ShowHeader draws the title with the count above the list.
	ShowHeader bool
}

func (s Style) sync() {
	l := s.List
	if len(l.rows) != len(s.Users) {
		l.rows = make([]row, len(s.Users))
	}
	for i, u := range s.Users {
		if l.rows[i].nick != u.Nick {
			l.rows[i] = row{nick: u.Nick}
		}
	}
}

// Layout handles clicks on rows, then lays out the header and the rows.
func (s Style) Layout(gtx C) D {
	l := s.List
	th := s.Th
	for i := range l.rows {
		if l.rows[i].btn.Clicked(gtx) && i < len(s.Users) && !s.Users[i].Self {
			l.chosen, l.pending = s.Users[i].Nick, true
		}
	}
	s.sync()
	kit.ArrowFocus(gtx, l.tags(s.Users), &l.list)
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(func(gtx C) D {
			if !s.ShowHeader {
				return D{}
			}
			return kit.SectionHeader(gtx, th, Header(s.Users))
		}),
		layout.Flexed(1, func(gtx C) D {
			if len(s.Users) == 0 {
				return layout.UniformInset(12).Layout(gtx,
					kit.Label(th, 14, th.TextMuted, "Nobody is online.").Layout)
			}
			return material.List(th.Theme, &l.list).Layout(gtx, len(s.Users), func(gtx C, i int) D {
				return s.row(gtx, i)
			})
		}),
	)
}

func (s Style) row(gtx C, i int) D {
	th := s.Th
	u := s.Users[i]
	selected := s.Selected != "" && client.SameNick(s.Selected, u.Nick)
	draw := func(gtx C) D {
		if selected {
			return kit.Panel(gtx, th.SurfaceAlt, func(gtx C) D { return s.rowContent(gtx, u, selected) })
		}
		return s.rowContent(gtx, u, selected)
	}
	if u.Self {
		return draw(gtx)
	}
	btn := &s.List.rows[i].btn
	return kit.FocusRing(gtx, th, btn, 4, func(gtx C) D { return material.Clickable(gtx, btn, draw) })
}

// tags are the rows one can choose (everyone but ourselves), in order,
// for the arrow keys.
func (l *List) tags(users []client.User) []event.Tag {
	tags := make([]event.Tag, 0, len(l.rows))
	for i := range l.rows {
		if i < len(users) && !users[i].Self {
			tags = append(tags, &l.rows[i].btn)
		}
	}
	return tags
}

func (s Style) rowContent(gtx C, u client.User, selected bool) D {
	th := s.Th
	return layout.Inset{Top: 8, Bottom: 8, Left: 12, Right: 12}.Layout(gtx, func(gtx C) D {
		gtx.Constraints.Min.X = gtx.Constraints.Max.X
		name := u.Nick
		col := th.Text
		if u.Self {
			name += " (you)"
			col = th.Primary
		}
		l := kit.Label(th, 14, col, name)
		l.MaxLines = 1
		if selected {
			l.Font.Weight = font.Bold
		}
		return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
			layout.Rigid(func(gtx C) D { return kit.Avatar(gtx, th, u.Nick) }),
			layout.Rigid(layout.Spacer{Width: 10}.Layout),
			layout.Flexed(1, l.Layout),
			layout.Rigid(func(gtx C) D {
				if !u.Owned {
					return D{}
				}
				return layout.Inset{Left: 6}.Layout(gtx, func(gtx C) D {
					return kit.IconLabel(gtx, icons.Owned, th.Primary, 14, kit.Label(th, 12, th.TextMuted, "owned"))
				})
			}),
			layout.Rigid(func(gtx C) D {
				if !selected {
					return D{}
				}
				return kit.IconLabel(gtx, icons.Private, th.PrivateText, 14, kit.Label(th, 12, th.PrivateText, "private"))
			}),
		)
	})
}
