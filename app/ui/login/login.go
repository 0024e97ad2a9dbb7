// Package login is the first screen: nickname, hub address, the choice to
// host a hub on this device, and the hubs found on the local network.
package login

import (
	"fmt"
	"image"
	"net"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gioui.org/io/event"
	"gioui.org/io/key"
	"gioui.org/layout"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"
	"gioui.org/x/component"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/icons"
)

type (
	C = layout.Context
	D = layout.Dimensions
)

// DefaultAddr is the hub address offered when none was used before.
const DefaultAddr = "localhost:50000"

// FoundHub is a hub announced on the local network.
type FoundHub struct {
	Name string
	// Addr is where to join it, host:port.
	Addr string
	// TLSAddr is its TLS port, host:port, when it announced one.
	TLSAddr string
	// Users is how many users were online when last heard.
	Users int
}

// Request is what the user asked for when they pressed Join.
type Request struct {
	Nick string
	// Addr is the hub to join; empty when Host is set.
	Addr string
	// Host asks to start a hub on this device and join it.
	Host bool
	// Link is the join link pasted as the address, if one was: only the
	// hub key it names is accepted.
	Link *identity.JoinLink
	// Plaintext is the user's choice to join without encryption.
	Plaintext bool
	// TLSAddr is the hub's TLS port when known from the network (a hub
	// picked from the list); "" to ask the hub.
	TLSAddr string
}

// Field names the input an error belongs to.
type Field int

const (
	// General errors show under the Join button.
	General Field = iota
	NickField
	AddrField
)

// Form is the login screen's state.
type Form struct {
	Nick component.TextField
	Addr component.TextField
	Host widget.Bool
	// Plaintext joins without encryption (hubs that offer none).
	Plaintext widget.Bool
	join      widget.Clickable
	picked    FoundHub // the hub last picked from the list
	// cancel stops joining; cancelled holds a press not taken yet.
	cancel    widget.Clickable
	cancelled bool

	found     []foundRow
	foundList widget.List

	// Served is set in a browser: the hub is the one that served the
	// page, so there is no address to type, no hub to host and no network
	// to search, only a nick to choose.
	Served bool
	// Busy is set while joining; the form is disabled meanwhile.
	Busy bool
	// BusyText says what is happening ("Joining localhost:50000…").
	BusyText string
	// Err is a general error, shown under the Join button.
	Err string
	// SearchNote says, in one line, why the search for hubs on the
	// network does not work or works only in part; empty when it works.
	SearchNote string

	logo    paint.ImageOp
	hasLogo bool
	// focused is set once the cursor was put in the first field.
	focused bool

	request *Request
}

type foundRow struct {
	hub FoundHub
	btn widget.Clickable
}

// New returns a form prefilled with nick and addr (DefaultAddr if empty).
func New(nick, addr string) *Form {
	f := &Form{}
	f.Nick.SingleLine, f.Nick.Submit = true, true
	f.Addr.SingleLine, f.Addr.Submit = true, true
	f.Nick.MaxLen = 24
	f.Nick.SetText(nick)
	if addr == "" {
		addr = DefaultAddr
	}
	f.Addr.SetText(addr)
	f.foundList.Axis = layout.Vertical
	if img, err := icons.AppIcon(); err == nil {
		f.logo = paint.NewImageOp(img)
		f.hasLogo = true
	}
	return f
}

// JoinButton is the Join clickable, for tests.
func (f *Form) JoinButton() *widget.Clickable { return &f.join }

// CancelButton is the Cancel clickable shown while joining, for tests.
func (f *Form) CancelButton() *widget.Clickable { return &f.cancel }

// Cancelled reports, once, that the person gave up joining.
func (f *Form) Cancelled() bool {
	c := f.cancelled
	f.cancelled = false
	return c
}

// FoundButton is the clickable of a found hub's row, for tests.
func (f *Form) FoundButton(addr string) *widget.Clickable {
	for i := range f.found {
		if f.found[i].hub.Addr == addr {
			return &f.found[i].btn
		}
	}
	return nil
}

// Submitted returns, once, the request made with Join or Enter.
func (f *Form) Submitted() (Request, bool) {
	if f.request == nil {
		return Request{}, false
	}
	r := *f.request
	f.request = nil
	return r, true
}

// SetError shows msg at field, clearing the others.
func (f *Form) SetError(field Field, msg string) {
	f.ClearErrors()
	switch field {
	case NickField:
		f.Nick.SetError(msg)
	case AddrField:
		f.Addr.SetError(msg)
	default:
		f.Err = msg
	}
}

// ClearErrors removes every error from the form.
func (f *Form) ClearErrors() {
	f.Nick.ClearError()
	f.Addr.ClearError()
	f.Err = ""
}

// CheckNick reports what is wrong with nick by natter/1's rules, or "".
func CheckNick(nick string) string {
	switch {
	case nick == "":
		return "Choose a nickname"
	case !utf8.ValidString(nick):
		return "The nickname is not valid text"
	case utf8.RuneCountInString(nick) > 24:
		return "At most 24 characters"
	}
	for i, r := range nick {
		if i == 0 && !unicode.IsLetter(r) {
			return "Start with a letter"
		}
		if unicode.IsSpace(r) {
			return "Nicknames cannot contain spaces — a space is not allowed; use _ or - instead"
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' && r != '.' {
			return fmt.Sprintf("%q is not allowed: use letters, digits, _ - or .", r)
		}
	}
	switch strings.ToLower(nick) {
	case "hub", "everyone", "all", "server":
		return fmt.Sprintf("%q is reserved; choose another nickname", nick)
	}
	return ""
}

// CheckAddr reports what is wrong with a hub address, or "". A missing
// port means the default port 50000.
func CheckAddr(addr string) string {
	if addr == "" {
		return "Enter the hub's address, for example 192.168.1.20:50000"
	}
	host, port, err := net.SplitHostPort(NormalizeAddr(addr))
	if err != nil || host == "" {
		return "Use host:port, for example 192.168.1.20:50000"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "The port must be a number from 1 to 65535"
	}
	return ""
}

// NormalizeAddr adds the default port to an address without one.
func NormalizeAddr(addr string) string {
	addr = strings.TrimSpace(addr)
	if _, _, err := net.SplitHostPort(addr); err != nil && !strings.Contains(err.Error(), "too many colons") {
		return net.JoinHostPort(strings.Trim(addr, "[]"), "50000")
	}
	return addr
}

// UsersText says how many users a found hub has: "1 user", "3 users".
func UsersText(n int) string {
	if n == 1 {
		return "1 user"
	}
	return strconv.Itoa(n) + " users"
}

// Style draws a Form.
type Style struct {
	Th   *theme.Theme
	Form *Form
	// Found are the hubs seen on the network; may be empty.
	Found []FoundHub
	// HostNote describes where a hosted hub would listen.
	HostNote string
}

func (s Style) sync() {
	f := s.Form
	if len(f.found) != len(s.Found) {
		f.found = make([]foundRow, len(s.Found))
	}
	for i, h := range s.Found {
		if f.found[i].hub.Addr != h.Addr {
			// Another hub in this row: a press meant for the old one
			// must not pick it.
			f.found[i] = foundRow{hub: h}
		}
		f.found[i].hub = h
	}
}

func (s Style) update(gtx C) {
	f := s.Form
	if !f.focused {
		f.focused = true
		n := f.Nick.Len()
		f.Nick.SetCaret(n, n)
		gtx.Execute(key.FocusCmd{Tag: &f.Nick.Editor})
	}
	submit := false
	for _, e := range []*widget.Editor{&f.Nick.Editor, &f.Addr.Editor} {
		for {
			ev, ok := e.Update(gtx)
			if !ok {
				break
			}
			switch ev.(type) {
			case widget.SubmitEvent:
				submit = true
			case widget.ChangeEvent:
				f.ClearErrors()
			}
		}
	}
	for i := range f.found {
		if f.found[i].btn.Clicked(gtx) {
			f.Addr.SetText(f.found[i].hub.Addr)
			f.picked = f.found[i].hub
			f.Host.Value = false
			f.ClearErrors()
		}
	}
	found := make([]event.Tag, len(f.found))
	for i := range f.found {
		found[i] = &f.found[i].btn
	}
	kit.ArrowFocus(gtx, found, &f.foundList)
	if f.Host.Update(gtx) {
		f.ClearErrors()
	}
	if f.join.Clicked(gtx) {
		submit = true
	}
	if f.cancel.Clicked(gtx) && f.Busy {
		f.cancelled = true
	}
	if !submit || f.Busy {
		return
	}
	nick := strings.TrimSpace(f.Nick.Text())
	if msg := CheckNick(nick); msg != "" {
		f.SetError(NickField, msg)
		return
	}
	r := Request{Nick: nick, Host: f.Host.Value}
	if !r.Host {
		addr := strings.TrimSpace(f.Addr.Text())
		if IsLink(addr) {
			link, msg := CheckLink(addr)
			if msg != "" {
				f.SetError(AddrField, msg)
				return
			}
			r.Link, addr = &link, link.Addr()
		}
		if msg := CheckAddr(addr); msg != "" {
			f.SetError(AddrField, msg)
			return
		}
		r.Addr = NormalizeAddr(addr)
		r.Plaintext = f.Plaintext.Value && r.Link == nil
		if r.Link == nil && r.Addr == f.picked.Addr {
			r.TLSAddr = f.picked.TLSAddr
		}
	}
	f.ClearErrors()
	f.request = &r
}

// Layout handles input, then lays out the form centred in a card.
func (s Style) Layout(gtx C) D {
	s.update(gtx)
	s.sync()
	th := s.Th
	kit.Fill(gtx, th.Window)
	return layout.Center.Layout(gtx, func(gtx C) D {
		gtx.Constraints.Max.X = min(gtx.Constraints.Max.X, gtx.Dp(440))
		gtx.Constraints.Min.X = gtx.Constraints.Max.X
		gtx.Constraints.Min.Y = 0
		return layout.UniformInset(12).Layout(gtx, func(gtx C) D {
			return kit.Background(gtx, th.Surface, 12, func(gtx C) D {
				return layout.UniformInset(24).Layout(gtx, s.form)
			})
		})
	})
}

func (s Style) form(gtx C) D {
	f := s.Form
	th := s.Th
	mth := *th.Theme
	mth.Palette.Bg = th.Surface
	disabled := func(w layout.Widget) layout.Widget {
		return func(gtx C) D { return kit.Disabled(gtx, f.Busy, w) }
	}
	space := func(h unit.Dp) layout.FlexChild { return layout.Rigid(layout.Spacer{Height: h}.Layout) }
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(s.title),
		space(20),
		layout.Rigid(disabled(func(gtx C) D { return f.Nick.Layout(gtx, &mth, "Nickname") })),
		space(12),
		layout.Rigid(func(gtx C) D {
			if f.Host.Value || f.Served {
				// The hub will be this device, or is the page's: no
				// address to type.
				return D{}
			}
			return layout.Inset{Bottom: 8}.Layout(gtx, disabled(func(gtx C) D { return f.Addr.Layout(gtx, &mth, "Hub address or natter:// link") }))
		}),
		layout.Rigid(func(gtx C) D {
			if f.Host.Value || f.Served {
				// A hosted hub is joined on this device; the page's hub
				// over its own WebSocket: no choice to make.
				return D{}
			}
			return disabled(func(gtx C) D {
				cb := material.CheckBox(&mth, &f.Plaintext, "Join without encryption (for hubs that offer none)")
				cb.Color = th.Text
				cb.IconColor = th.Primary
				cb.TextSize = 14
				return kit.FocusRing(gtx, th, &f.Plaintext, 4, cb.Layout)
			})(gtx)
		}),
		layout.Rigid(disabled(func(gtx C) D {
			if f.Served {
				return D{}
			}
			cb := material.CheckBox(&mth, &f.Host, "Host a hub on this device")
			cb.Color = th.Text
			cb.IconColor = th.Primary
			cb.TextSize = 14
			return kit.FocusRing(gtx, th, &f.Host, 4, cb.Layout)
		})),
		layout.Rigid(func(gtx C) D {
			if !f.Host.Value || s.HostNote == "" {
				return D{}
			}
			return layout.Inset{Left: 32}.Layout(gtx, kit.Label(th, 12, th.TextMuted, s.HostNote).Layout)
		}),
		space(16),
		layout.Rigid(disabled(func(gtx C) D {
			gtx.Constraints.Min.X = gtx.Constraints.Max.X
			txt := "Join"
			if f.Host.Value {
				txt = "Host and join"
			}
			if f.Busy {
				txt = "Joining…"
			}
			b := kit.Button(th, &f.join, txt, true)
			b.TextSize = 15
			return b.Layout(gtx)
		})),
		layout.Rigid(func(gtx C) D {
			switch {
			case f.Busy:
				// Joining can take a while (an address that does not
				// answer): the way out stays at hand.
				return layout.Inset{Top: 10}.Layout(gtx, func(gtx C) D {
					return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
						layout.Flexed(1, kit.Label(th, 13, th.TextMuted, f.BusyText).Layout),
						layout.Rigid(kit.Button(th, &f.cancel, "Cancel", false).Layout),
					)
				})
			case f.Err != "":
				return layout.Inset{Top: 10}.Layout(gtx, func(gtx C) D {
					return kit.IconLabel(gtx, icons.Error, th.Danger, 18, kit.Label(th, 13, th.Danger, f.Err))
				})
			}
			return D{}
		}),
		layout.Rigid(func(gtx C) D {
			if f.Served {
				return D{}
			}
			return s.network(gtx)
		}),
	)
}

// network lists the hubs found on the network, below the form.
func (s Style) network(gtx C) D {
	th := s.Th
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(layout.Spacer{Height: 20}.Layout),
		layout.Rigid(func(gtx C) D { return kit.HLine(gtx, th.Divider) }),
		layout.Rigid(func(gtx C) D {
			return layout.Inset{Top: 12, Bottom: 6}.Layout(gtx,
				kit.Bold(kit.Label(th, 13, th.TextMuted, "Hubs on this network")).Layout)
		}),
		layout.Rigid(s.searchNote),
		layout.Rigid(s.foundHubs),
	)
}

func (s Style) searchNote(gtx C) D {
	th := s.Th
	note := s.Form.SearchNote
	if note == "" {
		return D{}
	}
	return layout.Inset{Bottom: 8}.Layout(gtx, func(gtx C) D {
		l := kit.Label(th, 12, th.TextMuted, note)
		l.MaxLines = 2
		return kit.IconLabel(gtx, icons.Error, th.TextMuted, 16, l)
	})
}

func (s Style) title(gtx C) D {
	th := s.Th
	f := s.Form
	return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
		layout.Rigid(func(gtx C) D {
			if !f.hasLogo {
				return D{}
			}
			sz := gtx.Dp(48)
			gtx.Constraints = layout.Exact(image.Pt(sz, sz))
			img := widget.Image{Src: f.logo, Fit: widget.Contain}
			return img.Layout(gtx)
		}),
		layout.Rigid(layout.Spacer{Width: 14}.Layout),
		layout.Flexed(1, func(gtx C) D {
			return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
				layout.Rigid(kit.Bold(kit.Label(th, 24, th.Text, "Natter")).Layout),
				layout.Rigid(kit.Label(th, 13, th.TextMuted, "Chat and share files on your local network").Layout),
			)
		}),
	)
}

func (s Style) foundHubs(gtx C) D {
	th := s.Th
	f := s.Form
	if len(f.found) == 0 {
		if f.Host.Value {
			// The address field is hidden while hosting: do not ask for
			// an address there is nowhere to type.
			return kit.Label(th, 13, th.TextMuted, "No other hubs found on this network.").Layout(gtx)
		}
		return kit.Label(th, 13, th.TextMuted, "No hubs found on this network — enter an address.").Layout(gtx)
	}
	gtx.Constraints.Max.Y = min(gtx.Constraints.Max.Y, gtx.Dp(160))
	return material.List(th.Theme, &f.foundList).Layout(gtx, len(f.found), func(gtx C, i int) D {
		h := f.found[i].hub
		btn := &f.found[i].btn
		return kit.FocusRing(gtx, th, btn, 4, func(gtx C) D {
			return material.Clickable(gtx, btn, func(gtx C) D {
				return layout.Inset{Top: 6, Bottom: 6, Left: 4, Right: 4}.Layout(gtx, func(gtx C) D {
					gtx.Constraints.Min.X = gtx.Constraints.Max.X
					name := h.Name
					if name == "" {
						name = h.Addr
					}
					return kit.IconRow(gtx, icons.Host, th.Primary, 20,
						[]layout.FlexChild{
							layout.Rigid(kit.OneLine(kit.Label(th, 14, th.Text, name))),
							layout.Rigid(kit.Label(th, 12, th.TextMuted, h.Addr).Layout),
						},
						layout.Rigid(layout.Spacer{Width: 8}.Layout),
						layout.Rigid(kit.Label(th, 12, th.TextMuted, UsersText(h.Users)).Layout),
					)
				})
			})
		})
	})
}
