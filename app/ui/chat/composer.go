package chat

import (
	"image"
	"image/color"
	"strings"

	"gioui.org/font"
	"gioui.org/io/event"
	"gioui.org/io/key"
	"gioui.org/layout"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/app/ui/words"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/icons"
)

// Send is the user's request to send Text to To, made with Enter or the
// send button. The top-level UI carries it out and reports back with
// Composer.Performed.
type Send struct {
	To   Recipient
	Text string
}

// Recipient is who the next message goes to: everyone, or one nick.
type Recipient struct {
	// Nick is empty for everyone.
	Nick string
}

// Everyone reports whether the message goes to everyone.
func (r Recipient) Everyone() bool { return r.Nick == "" }

// Composer is the message editor with its recipient selector and send
// button. On desktops Enter sends and Shift+Enter starts a new line; on
// phones Enter starts a new line and the button sends.
type Composer struct {
	Editor widget.Editor
	send   kit.IconClickable

	// To is the selected recipient. It stays selected when that person
	// leaves, so a private conversation never turns public by itself, and
	// follows them when they change nick (see Screen.Follow).
	To       Recipient
	toButton widget.Clickable
	menuOpen bool
	everyone widget.Clickable
	users    []userOption
	menuList widget.List
	// breaks line breaks typed with Shift+Enter wait to be inserted at
	// breakAt (see takeLineBreaks).
	breaks, breakAt int
	// focusEntry puts the focus on the chosen entry once the menu is
	// laid out (it was just opened).
	focusEntry bool

	// Err is why the last send failed, shown under the editor.
	Err string
	// intents are the messages the user asked to send this frame.
	intents kit.Intents[Send]
	// sent is set when a message was handed to the hub, until the chat
	// screen takes it (to show the log's newest lines).
	sent bool
}

type userOption struct {
	nick string
	btn  widget.Clickable
}

// NewComposer returns an empty composer addressed to everyone.
func NewComposer() *Composer {
	c := &Composer{}
	c.Editor.Submit = enterSends
	c.menuList.Axis = layout.Vertical
	return c
}

// SendButton and RecipientButton are the clickables, for tests.
func (c *Composer) SendButton() *widget.Clickable      { return &c.send.Clickable }
func (c *Composer) RecipientButton() *widget.Clickable { return &c.toButton }

// MenuOpen reports whether the recipient menu is showing.
func (c *Composer) MenuOpen() bool { return c.menuOpen }

// Gone reports whether the selected recipient is no longer online.
func (c *Composer) Gone(users []client.User) bool {
	return !c.To.Everyone() && !online(users, c.To.Nick)
}

func online(users []client.User, nick string) bool {
	for _, u := range users {
		if client.SameNick(u.Nick, nick) {
			return true
		}
	}
	return false
}

// Intents returns, once, the messages the user asked to send since the
// last call, oldest first.
func (c *Composer) Intents() []Send { return c.intents.Take() }

// Performed tells the composer how sending in went. A message handed to
// the hub empties the editor and scrolls the log to where it will show; a
// refused one keeps its text, so nothing typed is lost, and says why.
func (c *Composer) Performed(in Send, err error) {
	if err != nil {
		c.Err = "Not sent: " + words.Plain(err)
		return
	}
	c.Err = ""
	c.Editor.SetText("")
	c.sent = true
}

// ComposerStyle draws a Composer.
type ComposerStyle struct {
	Th       *theme.Theme
	Composer *Composer
	// Users are the people online, for the recipient menu.
	Users []client.User
	// Disabled, when not empty, is why sending is off (not connected).
	Disabled string
}

// reason is why sending is not possible now, or "".
func (s ComposerStyle) reason() string {
	c := s.Composer
	if s.Disabled != "" {
		return s.Disabled
	}
	if c.Gone(s.Users) {
		return c.To.Nick + " has left. Choose someone else, or Everyone."
	}
	return ""
}

// update handles the composer's events: menu choices, Enter and the send
// button. A message the user sends while reason says why sending is off
// stays in the editor.
func (c *Composer) update(gtx C, reason string) {
	if c.toButton.Clicked(gtx) {
		c.menuOpen = !c.menuOpen
		// From the keyboard the entries must be reachable at once: the
		// focus goes to the entry of the recipient now chosen.
		c.focusEntry = c.menuOpen
	}
	// Down on the recipient button opens the menu, as in any drop-down.
	for {
		ev, ok := gtx.Event(key.Filter{Focus: &c.toButton, Name: key.NameDownArrow})
		if !ok {
			break
		}
		if e, ok := ev.(key.Event); ok && e.State == key.Press && !c.menuOpen {
			c.menuOpen, c.focusEntry = true, true
		}
	}
	if c.menuOpen {
		kit.ArrowFocus(gtx, c.entryTags(), &c.menuList)
	}
	// Escape closes the recipient menu and goes back to everyone: a
	// menu left without a choice must not leave a private recipient
	// behind that the user did not mean.
	for c.menuOpen {
		ev, ok := gtx.Event(key.Filter{Name: key.NameEscape})
		if !ok {
			break
		}
		if e, ok := ev.(key.Event); ok && e.State == key.Press {
			c.choose(gtx, Recipient{})
		}
	}
	if c.everyone.Clicked(gtx) {
		c.choose(gtx, Recipient{})
	}
	for i := range c.users {
		if c.users[i].btn.Clicked(gtx) {
			c.choose(gtx, Recipient{Nick: c.users[i].nick})
		}
	}
	c.takeLineBreaks(gtx)
	submit := false
	for {
		ev, ok := c.Editor.Update(gtx)
		if !ok {
			break
		}
		switch ev.(type) {
		case widget.SubmitEvent:
			submit = true
		case widget.ChangeEvent:
			c.Err = ""
		}
	}
	c.insertLineBreaks()
	if c.send.Clicked(gtx) {
		submit = true
		// Keep typing after a click on Send.
		gtx.Execute(focusEditor(&c.Editor))
	}
	if submit && reason == "" {
		c.submit()
	}
}

// takeLineBreaks reads Shift+Enter before the editor does, and only notes
// where the caret was: the line break goes in after the editor has taken
// this frame's typing (insertLineBreaks).
//
// A desktop window says where typed text goes from the caret it knew when
// the key came, which is the caret of the last frame. Text typed in the
// same frame as Shift+Enter, before the editor inserted the line break,
// would be placed at the old caret: before the break.
func (c *Composer) takeLineBreaks(gtx C) {
	for {
		ev, ok := gtx.Event(
			key.Filter{Focus: &c.Editor, Name: key.NameReturn, Required: key.ModShift},
			key.Filter{Focus: &c.Editor, Name: key.NameEnter, Required: key.ModShift},
		)
		if !ok {
			return
		}
		e, ok := ev.(key.Event)
		if !ok || e.State != key.Press || !gtx.Focused(&c.Editor) {
			continue
		}
		start, end := c.Editor.Selection()
		if start != end {
			// A selection is replaced at once; nothing typed can be
			// meant to follow it in the same frame.
			c.insertLineBreaks()
			c.Editor.Insert("\n")
			c.Err = ""
			continue
		}
		if c.breaks == 0 {
			c.breakAt = start
		}
		c.breaks++
	}
}

// insertLineBreaks inserts the line breaks takeLineBreaks noted, at the
// caret of the time, and keeps what was typed since after them.
func (c *Composer) insertLineBreaks() {
	if c.breaks == 0 {
		return
	}
	start, end := c.Editor.Selection()
	at, n := c.breakAt, c.breaks
	c.breaks = 0
	c.Editor.SetCaret(at, at)
	c.Editor.Insert(strings.Repeat("\n", n))
	move := func(p int) int {
		if p >= at {
			return p + n
		}
		return p
	}
	c.Editor.SetCaret(move(start), move(end))
	c.Err = ""
}

// choose addresses the next messages to r from the recipient menu.
func (c *Composer) choose(gtx C, r Recipient) {
	c.To = r
	c.menuOpen = false
	gtx.Execute(focusEditor(&c.Editor))
}

// submit asks for the editor's text to be sent, unless it is blank.
func (c *Composer) submit() {
	text := strings.TrimRight(c.Editor.Text(), " \t\r\n")
	if strings.TrimSpace(text) == "" {
		return
	}
	c.intents.Add(Send{To: c.To, Text: text})
}

// Layout handles events, then draws the optional recipient menu, the
// reason sending is off (if it is), the editor row and any error.
func (s ComposerStyle) Layout(gtx C) D {
	c := s.Composer
	c.update(gtx, s.reason())
	th := s.Th
	s.syncUsers()
	reason := s.reason()
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(func(gtx C) D {
			if !c.menuOpen {
				return D{}
			}
			return s.menu(gtx)
		}),
		layout.Rigid(func(gtx C) D {
			if reason == "" {
				return D{}
			}
			return layout.Inset{Top: 6, Left: 12, Right: 12}.Layout(gtx, func(gtx C) D {
				return kit.IconLabel(gtx, icons.Error, th.Danger, 16, kit.Label(th, 13, th.Danger, reason))
			})
		}),
		layout.Rigid(func(gtx C) D {
			return layout.UniformInset(8).Layout(gtx, func(gtx C) D {
				return layout.Flex{Alignment: layout.End}.Layout(gtx,
					layout.Rigid(s.recipientButton),
					layout.Rigid(layout.Spacer{Width: 6}.Layout),
					layout.Flexed(1, s.editor),
					layout.Rigid(layout.Spacer{Width: 4}.Layout),
					layout.Rigid(func(gtx C) D {
						return kit.Disabled(gtx, reason != "", func(gtx C) D {
							b := kit.IconButton(th, &c.send, icons.Send, th.OnPrimary, "Send")
							b.Background = th.Primary
							b.Inset = layout.UniformInset(9)
							b.Place = kit.TipPlace{Above: true, End: true}
							return b.Layout(gtx)
						})
					}),
				)
			})
		}),
		layout.Rigid(func(gtx C) D { return kit.ErrorLine(gtx, th, c.Err) }),
	)
}

func (s ComposerStyle) recipientButton(gtx C) D {
	c := s.Composer
	th := s.Th
	label := "To: Everyone"
	col := th.Primary
	if !c.To.Everyone() {
		label = "To: " + c.To.Nick
		col = th.PrivateText
		if c.Gone(s.Users) {
			label += " (left)"
			col = th.Danger
		}
	}
	b := material.ButtonLayout(th.Theme, &c.toButton)
	b.Background = th.SurfaceAlt
	b.CornerRadius = 18
	return kit.FocusRing(gtx, th, &c.toButton, 18, func(gtx C) D { return b.Layout(gtx, s.recipientLabel(label, col)) })
}

// recipientLabel is the recipient button's content: who, and a drop-down
// arrow.
func (s ComposerStyle) recipientLabel(label string, col color.NRGBA) layout.Widget {
	th := s.Th
	return func(gtx C) D {
		return layout.Inset{Top: 9, Bottom: 9, Left: 12, Right: 6}.Layout(gtx, func(gtx C) D {
			return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
				layout.Rigid(func(gtx C) D {
					gtx.Constraints.Max.X = min(gtx.Constraints.Max.X, gtx.Dp(160))
					l := kit.Bold(kit.Label(th, 13, col, label))
					l.MaxLines = 1
					return l.Layout(gtx)
				}),
				layout.Rigid(func(gtx C) D { return kit.Icon(gtx, icons.DropDown, col, 18) }),
			)
		})
	}
}

func (s ComposerStyle) editor(gtx C) D {
	c := s.Composer
	th := s.Th
	hint := "Message everyone"
	if !c.To.Everyone() {
		hint = "Private message to " + c.To.Nick
	}
	return kit.Background(gtx, th.SurfaceAlt, 18, func(gtx C) D {
		return layout.Inset{Top: 9, Bottom: 9, Left: 14, Right: 14}.Layout(gtx, func(gtx C) D {
			gtx.Constraints.Min.X = gtx.Constraints.Max.X
			gtx.Constraints.Max.Y = min(gtx.Constraints.Max.Y, gtx.Dp(120))
			e := material.Editor(th.Theme, &c.Editor, hint)
			e.TextSize = 15
			e.HintColor = th.TextMuted
			return e.Layout(gtx)
		})
	})
}

// syncUsers keeps one menu entry per online user other than ourselves.
func (s ComposerStyle) syncUsers() {
	c := s.Composer
	n := 0
	for _, u := range s.Users {
		if !u.Self {
			n++
		}
	}
	if cap(c.users) < n {
		c.users = append(c.users[:cap(c.users)], make([]userOption, n-cap(c.users))...)
	}
	c.users = c.users[:n]
	i := 0
	for _, u := range s.Users {
		if u.Self {
			continue
		}
		if c.users[i].nick != u.Nick {
			c.users[i] = userOption{nick: u.Nick}
		}
		i++
	}
}

func (s ComposerStyle) menu(gtx C) D {
	c := s.Composer
	th := s.Th
	return layout.Inset{Top: 6, Left: 8, Right: 8}.Layout(gtx, func(gtx C) D {
		gtx.Constraints.Max.Y = min(gtx.Constraints.Max.Y, gtx.Dp(220))
		gtx.Constraints.Max.X = min(gtx.Constraints.Max.X, gtx.Dp(280))
		gtx.Constraints.Min = image.Pt(gtx.Constraints.Max.X, 0)
		return kit.Background(gtx, th.SurfaceAlt, 8, func(gtx C) D {
			item := func(gtx C, btn *widget.Clickable, txt string, selected bool, ic *widget.Icon) D {
				return kit.FocusRing(gtx, th, btn, 6, func(gtx C) D {
					return material.Clickable(gtx, btn, func(gtx C) D {
						return layout.Inset{Top: 8, Bottom: 8, Left: 12, Right: 12}.Layout(gtx, func(gtx C) D {
							gtx.Constraints.Min.X = gtx.Constraints.Max.X
							l := kit.Label(th, 14, th.Text, txt)
							if selected {
								l.Font.Weight = font.Bold
								l.Color = th.Primary
							}
							return kit.IconLabel(gtx, ic, th.TextMuted, 18, l)
						})
					})
				})
			}
			if c.focusEntry {
				c.focusEntry = false
				i := c.chosenEntry()
				kit.ScrollIntoView(&c.menuList.List, i, 1+len(c.users))
				gtx.Execute(key.FocusCmd{Tag: c.entryTags()[i]})
			}
			return material.List(th.Theme, &c.menuList).Layout(gtx, 1+len(c.users), func(gtx C, i int) D {
				if i == 0 {
					return item(gtx, &c.everyone, "Everyone", c.To.Everyone(), icons.People)
				}
				u := &c.users[i-1]
				return item(gtx, &u.btn, u.nick, !c.To.Everyone() && client.SameNick(c.To.Nick, u.nick), icons.Person)
			})
		})
	})
}

// entryTags are the menu's entries in order: everyone, then each person.
func (c *Composer) entryTags() []event.Tag {
	tags := make([]event.Tag, 0, 1+len(c.users))
	tags = append(tags, &c.everyone)
	for i := range c.users {
		tags = append(tags, &c.users[i].btn)
	}
	return tags
}

// chosenEntry is the index in entryTags of the recipient now chosen.
func (c *Composer) chosenEntry() int {
	if !c.To.Everyone() {
		for i := range c.users {
			if client.SameNick(c.users[i].nick, c.To.Nick) {
				return 1 + i
			}
		}
	}
	return 0
}

// MenuItem returns the clickable of the menu entry for nick ("" for
// everyone), for tests; nil when there is none.
func (c *Composer) MenuItem(nick string) *widget.Clickable {
	if nick == "" {
		return &c.everyone
	}
	for i := range c.users {
		if c.users[i].nick == nick {
			return &c.users[i].btn
		}
	}
	return nil
}
