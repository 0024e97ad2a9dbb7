package chat

import (
	"strings"
	"unicode/utf8"

	"gioui.org/font"
	"gioui.org/io/event"
	"gioui.org/io/key"
	"gioui.org/io/semantic"
	"gioui.org/layout"
	"gioui.org/op/clip"
	"gioui.org/widget"
	"gioui.org/widget/material"
	"gioui.org/x/styledtext"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/app/ui/words"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/icons"
)

// Search asks the hub for the public messages holding all of Words
// (natter/1 section 10).
type Search struct{ Words string }

// Finder is the state of the search field and its results, above the log.
type Finder struct {
	Editor widget.Editor
	// Open is set while the search field shows.
	Open   bool
	toggle kit.IconClickable
	close  kit.IconClickable
	list   widget.List
	// results are the result rows' buttons, one per result shown.
	results []widget.Clickable
	// focus asks for the keyboard focus to go to the editor.
	focus bool
	// chosen is the result chosen this frame, taken by the screen.
	chosen   client.Message
	isChosen bool
	intents  kit.Intents[Search]
	// asked is the words last sent.
	asked string
	// closed is set when the field closed, until the composer has the
	// focus back.
	closed bool
}

// NewFinder returns a closed search field.
func NewFinder() *Finder {
	f := &Finder{}
	f.Editor.SingleLine = true
	f.Editor.Submit = true
	f.list.Axis = layout.Vertical
	return f
}

// ToggleButton is the button that opens and closes the search: the
// header above the screens lays it out (FinderStyle.Button) and handles
// its clicks, with Toggle.
func (f *Finder) ToggleButton() *widget.Clickable { return &f.toggle.Clickable }

// Result is the button of the i-th result shown, for tests; nil when there
// is none.
func (f *Finder) Result(i int) *widget.Clickable {
	if i < len(f.results) {
		return &f.results[i]
	}
	return nil
}

// Intents returns, once, the searches asked for since the last call.
func (f *Finder) Intents() []Search { return f.intents.Take() }

// Show opens the search field and puts the cursor in it.
func (f *Finder) Show() { f.Open, f.focus = true, true }

// Toggle opens the search field, or closes it when open.
func (f *Finder) Toggle(gtx C) {
	if f.Open {
		f.Hide(gtx)
		return
	}
	f.Show()
}

// Hide closes the search field; its words and results stay for next time,
// and the keyboard goes back to the composer.
func (f *Finder) Hide(gtx C) {
	f.Open, f.closed = false, true
}

// takeClosed reports, once, whether the field was closed.
func (f *Finder) takeClosed() bool {
	c := f.closed
	f.closed = false
	return c
}

// take returns, once, the result chosen in the last frame.
func (f *Finder) take() (client.Message, bool) {
	m, ok := f.chosen, f.isChosen
	f.chosen, f.isChosen = client.Message{}, false
	return m, ok
}

// FinderStyle draws a Finder's field and the results of snap's last search.
type FinderStyle struct {
	Th     *theme.Theme
	Finder *Finder
	Snap   *client.Snapshot
}

// update handles Ctrl+F, Esc, the field's Enter, the arrows and the result
// buttons.
func (s FinderStyle) update(gtx C) {
	f := s.Finder
	for {
		ev, ok := gtx.Event(key.Filter{Name: "F", Required: key.ModShortcut})
		if !ok {
			break
		}
		if e, ok := ev.(key.Event); ok && e.State == key.Press {
			f.Show()
		}
	}
	if f.close.Clicked(gtx) {
		f.Hide(gtx)
	}
	if !f.Open {
		return
	}
	if f.focus {
		f.focus = false
		gtx.Execute(key.FocusCmd{Tag: &f.Editor})
	}
	for {
		ev, ok := gtx.Event(key.Filter{Name: key.NameEscape})
		if !ok {
			break
		}
		if e, ok := ev.(key.Event); ok && e.State == key.Press {
			f.Hide(gtx)
			return
		}
	}
	// Down in the field goes to the first result, before the editor
	// takes the key.
	for {
		ev, ok := gtx.Event(key.Filter{Focus: &f.Editor, Name: key.NameDownArrow})
		if !ok {
			break
		}
		if e, ok := ev.(key.Event); ok && e.State == key.Press && len(f.results) > 0 {
			gtx.Execute(key.FocusCmd{Tag: &f.results[0]})
			f.list.Position.First, f.list.Position.Offset = 0, 0
		}
	}
	for {
		ev, ok := f.Editor.Update(gtx)
		if !ok {
			break
		}
		if _, ok := ev.(widget.SubmitEvent); ok {
			s.submit()
		}
	}
	tags := make([]event.Tag, len(f.results))
	for i := range f.results {
		tags[i] = &f.results[i]
	}
	// Up from the first result goes back to the field (read before
	// ArrowFocus, which would keep the focus there).
	if len(f.results) > 0 {
		for {
			ev, ok := gtx.Event(key.Filter{Focus: &f.results[0], Name: key.NameUpArrow})
			if !ok {
				break
			}
			if e, ok := ev.(key.Event); ok && e.State == key.Press {
				gtx.Execute(key.FocusCmd{Tag: &f.Editor})
			}
		}
	}
	kit.ArrowFocus(gtx, tags, &f.list)
	for i := range f.results {
		if f.results[i].Clicked(gtx) && i < len(s.Snap.Found) {
			f.chosen, f.isChosen = s.Snap.Found[i], true
			f.Hide(gtx)
			return
		}
	}
}

// submit sends the field's words.
func (s FinderStyle) submit() {
	f := s.Finder
	w := strings.Join(strings.Fields(f.Editor.Text()), " ")
	if w == "" {
		return
	}
	f.asked = w
	f.intents.Add(Search{Words: w})
}

// Button is the toggle, for the header; nothing on a hub that keeps no
// history.
func (s FinderStyle) Button(gtx C) D {
	if !s.Snap.HubStores {
		return D{}
	}
	desc := words.SearchOpen
	if s.Finder.Open {
		desc = words.SearchClose
	}
	return kit.IconButton(s.Th, &s.Finder.toggle, icons.Search, s.Th.TextMuted, desc).EndTip().Layout(gtx)
}

// Layout handles the keys and buttons and, while open, draws the field, a
// status line and the results.
func (s FinderStyle) Layout(gtx C) D {
	f := s.Finder
	s.update(gtx)
	if !f.Open {
		return D{}
	}
	th := s.Th
	n := len(s.Snap.Found)
	if !s.Snap.HubStores {
		n = 0
	}
	if len(f.results) != n {
		f.results = make([]widget.Clickable, n)
	}
	return layout.Inset{Top: 6, Bottom: 6, Left: 8, Right: 8}.Layout(gtx, func(gtx C) D {
		return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
			layout.Rigid(func(gtx C) D { return s.field(gtx) }),
			layout.Rigid(func(gtx C) D {
				return layout.Inset{Top: 4, Bottom: 4, Left: 6}.Layout(gtx,
					kit.Label(th, 13, th.TextMuted, s.status()).Layout)
			}),
			layout.Rigid(func(gtx C) D {
				if n == 0 {
					return D{}
				}
				gtx.Constraints.Max.Y = min(gtx.Constraints.Max.Y, gtx.Dp(260))
				return material.List(th.Theme, &f.list).Layout(gtx, n, func(gtx C, i int) D {
					return s.result(gtx, i, &s.Snap.Found[i])
				})
			}),
		)
	})
}

// status is the line under the field.
func (s FinderStyle) status() string {
	snap := s.Snap
	switch {
	case !snap.HubStores:
		return words.SearchNoStore
	case snap.Conn.State != client.Registered:
		return words.SearchNotConnected
	case snap.Searching:
		return words.Searching
	case snap.FoundFor != "":
		return words.Found(len(snap.Found), snap.FoundFor)
	}
	return words.SearchHow
}

func (s FinderStyle) field(gtx C) D {
	th, f := s.Th, s.Finder
	return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
		layout.Flexed(1, func(gtx C) D {
			return kit.Background(gtx, th.SurfaceAlt, 18, func(gtx C) D {
				return layout.Inset{Top: 8, Bottom: 8, Left: 12, Right: 12}.Layout(gtx, func(gtx C) D {
					return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
						layout.Rigid(func(gtx C) D { return kit.Icon(gtx, icons.Search, th.TextMuted, 18) }),
						layout.Rigid(layout.Spacer{Width: 8}.Layout),
						layout.Flexed(1, func(gtx C) D {
							e := material.Editor(th.Theme, &f.Editor, words.SearchHint)
							e.TextSize = 15
							e.HintColor = th.TextMuted
							return e.Layout(gtx)
						}),
					)
				})
			})
		}),
		layout.Rigid(layout.Spacer{Width: 4}.Layout),
		layout.Rigid(kit.IconButton(th, &f.close, icons.Close, th.TextMuted, words.SearchClose).EndTip().Layout),
	)
}

// resultMax is the most of a found message's text its row shows.
const resultMax = 300

// resultText is a found message's text, at most two lines of it, with the
// words searched for in bold and the accent colour.
func (s FinderStyle) resultText(gtx C, m *client.Message) D {
	th := s.Th
	txt := m.Text
	if utf8.RuneCountInString(txt) > resultMax {
		txt = string([]rune(txt)[:resultMax]) + "…"
	}
	var spans []styledtext.SpanStyle
	for _, p := range Highlight(txt, s.Snap.FoundFor) {
		sp := styledtext.SpanStyle{Content: p.Text, Size: 14, Color: th.Text, Font: font.Font{Typeface: th.Face}}
		if p.Match {
			sp.Font.Weight, sp.Color = font.Bold, th.Primary
		}
		spans = append(spans, sp)
	}
	semantic.LabelOp(m.Text).Add(gtx.Ops)
	gtx.Constraints.Max.Y = min(gtx.Constraints.Max.Y, gtx.Sp(40))
	defer clip.Rect{Max: gtx.Constraints.Max}.Push(gtx.Ops).Pop()
	d := styledtext.Text(th.Shaper, spans...).Layout(gtx, nil)
	d.Size.Y = min(d.Size.Y, gtx.Constraints.Max.Y)
	return d
}

// result is one found message: sender and time over its text, the
// searched words in bold.
func (s FinderStyle) result(gtx C, i int, m *client.Message) D {
	th, f := s.Th, s.Finder
	btn := &f.results[i]
	return layout.Inset{Bottom: 2}.Layout(gtx, func(gtx C) D {
		return kit.FocusRing(gtx, th, btn, 8, func(gtx C) D {
			return material.Clickable(gtx, btn, func(gtx C) D {
				gtx.Constraints.Min.X = gtx.Constraints.Max.X
				return layout.Inset{Top: 4, Bottom: 4, Left: 8, Right: 8}.Layout(gtx, func(gtx C) D {
					return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
						layout.Rigid(func(gtx C) D {
							return layout.Flex{Alignment: layout.Baseline}.Layout(gtx,
								layout.Rigid(kit.Bold(kit.Label(th, 13, th.Text, m.From)).Layout),
								layout.Rigid(layout.Spacer{Width: 8}.Layout),
								layout.Rigid(kit.Label(th, 12, th.TextMuted, kit.Clock(gtx.Now, m.Time)).Layout),
							)
						}),
						layout.Rigid(func(gtx C) D { return s.resultText(gtx, m) }),
					)
				})
			})
		})
	})
}
