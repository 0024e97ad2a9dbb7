package ui

import (
	"fmt"
	"image"
	"strings"

	"gioui.org/io/event"
	"gioui.org/layout"
	"gioui.org/op/paint"
	"gioui.org/text"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/natter-chat/natter/app/prefs"
	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/chat"
	"github.com/natter-chat/natter/app/ui/files"
	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/app/ui/people"
	"github.com/natter-chat/natter/app/ui/transfers"
	"github.com/natter-chat/natter/app/ui/words"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/icons"
)

// topBar holds the buttons of the bar above the chat.
type topBar struct {
	theme      kit.IconClickable
	disconnect kit.IconClickable
	claim      kit.IconClickable // make our nick ours, or give it up
	back       widget.Clickable  // on the banner once the session closed
	// dismissNote closes the note that notifications cannot be shown.
	dismissNote kit.IconClickable
}

// DismissNoteButton closes the note about notifications, for tests.
func (u *UI) DismissNoteButton() *widget.Clickable { return &u.bar.dismissNote.Clickable }

// tabBar holds the tab buttons of narrow windows.
type tabBar struct {
	btns [4]widget.Clickable
}

// DisconnectButton and ThemeButton are the top bar's clickables, for tests.
func (u *UI) DisconnectButton() *widget.Clickable { return &u.bar.disconnect.Clickable }
func (u *UI) ThemeButton() *widget.Clickable      { return &u.bar.theme.Clickable }

// ClaimButton is the top bar's "Make this nick mine" / "Give up this
// nick", for tests; it shows only where the hub can keep owned nicks.
func (u *UI) ClaimButton() *widget.Clickable { return &u.bar.claim.Clickable }

// claimer is a Session that can own nicks (*client.Client is one).
type claimer interface {
	Claim()
	Unclaim()
}

// canClaim reports whether the header offers the claim action: a hub that
// keeps owned nicks, over TLS with this device's identity, registered.
func (u *UI) canClaim(snap *client.Snapshot) bool {
	_, ok := u.session.(claimer)
	return ok && snap.Caps.Claim && snap.Security.TLS && snap.Conn.State == client.Registered
}

// updateClaim asks the session to own our nick, or to give it up, on a
// click of the header's action.
func (u *UI) updateClaim(gtx C, snap *client.Snapshot) {
	if !u.bar.claim.Clicked(gtx) || !u.canClaim(snap) {
		return
	}
	c := u.session.(claimer)
	if snap.Owned {
		c.Unclaim()
	} else {
		c.Claim()
	}
}

// TabButton is the clickable of a narrow window's tab, for tests.
func (u *UI) TabButton(t Tab) *widget.Clickable { return &u.tabs.btns[t] }

// Wide reports whether a window gtx wide shows the panels side by side.
func Wide(gtx C) bool { return gtx.Constraints.Max.X >= gtx.Dp(WideWidth) }

func (u *UI) updateShell(gtx C) {
	if u.bar.theme.Clicked(gtx) {
		u.themeChoice = u.nextTheme()
		u.savedTheme = u.themeChoice
		u.applyTheme()
		u.savePrefs(func(*prefs.Prefs) {})
	}
	if u.bar.dismissNote.Clicked(gtx) {
		u.notifyNote = ""
	}
	if u.bar.back.Clicked(gtx) {
		u.Disconnect()
	}
	if u.bar.disconnect.Clicked(gtx) {
		u.askLeave()
	}
	if u.Chat.Finder.ToggleButton().Clicked(gtx) {
		u.Chat.Finder.Toggle(gtx)
		u.Tab = TabChat
	}
	u.updateLeave(gtx)
	var tabs [len(u.tabs.btns)]event.Tag
	for i := range u.tabs.btns {
		if u.tabs.btns[i].Clicked(gtx) {
			u.Tab = Tab(i)
		}
		tabs[i] = &u.tabs.btns[i]
	}
	if !Wide(gtx) {
		kit.ArrowFocusRow(gtx, tabs[:])
	}
}

func (u *UI) layoutShell(gtx C, th *theme.Theme, snap *client.Snapshot) D {
	u.updateShell(gtx)
	u.join.update(gtx, u.JoinLink(snap.Caps.WebPort))
	if u.session != nil {
		u.updateClaim(gtx, snap)
	}
	if u.session == nil {
		// Disconnected by a click above; the next frame shows the login.
		return kit.Fill(gtx, th.Window)
	}
	kit.Fill(gtx, th.Window)
	wide := Wide(gtx)
	if wide {
		u.chatSeen = lastSeq(snap.Messages)
	}
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(func(gtx C) D { return u.layoutTopBar(gtx, th, snap) }),
		layout.Rigid(func(gtx C) D { return kit.HLine(gtx, th.Divider) }),
		layout.Rigid(func(gtx C) D { return u.join.layout(gtx, th) }),
		layout.Rigid(func(gtx C) D { return u.layoutBanner(gtx, th, snap) }),
		layout.Rigid(func(gtx C) D { return u.layoutLeave(gtx, th) }),
		layout.Rigid(func(gtx C) D { return u.layoutNote(gtx, th) }),
		layout.Flexed(1, func(gtx C) D {
			if wide {
				return u.layoutWide(gtx, th, snap)
			}
			return u.layoutPanel(gtx, th, snap, u.Tab)
		}),
		layout.Rigid(func(gtx C) D {
			if wide {
				return D{}
			}
			return u.layoutTabs(gtx, th, snap)
		}),
	)
}

func (u *UI) layoutTopBar(gtx C, th *theme.Theme, snap *client.Snapshot) D {
	return kit.Panel(gtx, th.Surface, func(gtx C) D {
		return layout.Inset{Top: 6, Bottom: 6, Left: 12, Right: 6}.Layout(gtx, func(gtx C) D {
			gtx.Constraints.Min.X = gtx.Constraints.Max.X
			themeIcon, themeDesc := kit.MoonIcon, "Switch to the dark theme"
			switch u.nextTheme() {
			case prefs.ThemeLight:
				themeIcon, themeDesc = kit.SunIcon, "Switch to the light theme"
			case prefs.ThemeSystem:
				themeIcon, themeDesc = kit.AutoThemeIcon, "Follow the system's theme"
			}
			hub := snap.HubName
			if hub == "" {
				hub = "Natter hub"
			}
			sub := fmt.Sprintf("%s · you are %s · %s", u.addr, snap.Nick, words.Security(snap.Security))
			if u.hosted != nil {
				at := u.addr
				if len(u.joinAt) > 0 {
					at = strings.Join(u.joinAt, ", ")
				}
				sub = fmt.Sprintf("hosted here · others join at %s · you are %s · %s", at, snap.Nick, words.Security(snap.Security))
			}
			return kit.IconRow(gtx, icons.Conversation, th.Primary, 26,
				[]layout.FlexChild{
					layout.Rigid(kit.OneLine(kit.Bold(kit.Label(th, 16, th.Text, hub)))),
					layout.Rigid(kit.OneLine(kit.Label(th, 12, th.TextMuted, sub))),
				},
				layout.Rigid(func(gtx C) D {
					if u.join.link == "" {
						return D{}
					}
					return kit.IconButton(th, &u.join.btn, icons.JoinLink, th.TextMuted, "Join from a phone").EndTip().Layout(gtx)
				}),
				layout.Rigid(func(gtx C) D {
					if !u.canClaim(snap) {
						return D{}
					}
					icon, col := icons.Claim, th.TextMuted
					if snap.Owned {
						icon, col = icons.Owned, th.Primary
					}
					return kit.IconButton(th, &u.bar.claim, icon, col, words.ClaimAction(snap.Owned)).EndTip().Layout(gtx)
				}),
				layout.Rigid(chat.FinderStyle{Th: th, Finder: u.Chat.Finder, Snap: snap}.Button),
				layout.Rigid(kit.IconButton(th, &u.bar.theme, themeIcon, th.TextMuted, themeDesc).EndTip().Layout),
				layout.Rigid(kit.IconButton(th, &u.bar.disconnect, icons.Disconnect, th.TextMuted, "Disconnect").EndTip().Layout),
			)
		})
	})
}

// BannerText is the connection banner's text for conn at now, or "" when
// connected.
func BannerText(conn client.Connection, now func() int) string {
	switch conn.State {
	case client.Reconnecting:
		cause := "Connection lost"
		if r := words.Connection(conn); r != "" {
			cause = r
		}
		if s := now(); s > 0 {
			return fmt.Sprintf("%s. Reconnecting in %d s…", cause, s)
		}
		return cause + ". Reconnecting…"
	case client.Connecting:
		return "Connecting…"
	case client.Closed:
		if r := words.Connection(conn); r != "" {
			return "Disconnected: " + r
		}
		return "Disconnected"
	}
	return ""
}

func (u *UI) layoutBanner(gtx C, th *theme.Theme, snap *client.Snapshot) D {
	txt := BannerText(snap.Conn, func() int { return snap.Conn.SecondsLeft(gtx.Now) })
	if txt == "" {
		return D{}
	}
	return kit.Panel(gtx, th.Warning, func(gtx C) D {
		return layout.Inset{Top: 6, Bottom: 6, Left: 12, Right: 8}.Layout(gtx, func(gtx C) D {
			gtx.Constraints.Min.X = gtx.Constraints.Max.X
			return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
				layout.Flexed(1, func(gtx C) D {
					return kit.IconLabel(gtx, icons.Offline, th.OnWarning, 18, kit.Label(th, 13, th.OnWarning, txt))
				}),
				layout.Rigid(func(gtx C) D {
					if snap.Conn.State != client.Closed {
						return D{}
					}
					b := kit.Button(th, &u.bar.back, "Back to sign in", true)
					return b.Layout(gtx)
				}),
			)
		})
	})
}

// layoutNote shows the note that notifications cannot be shown, with a
// button to dismiss it.
func (u *UI) layoutNote(gtx C, th *theme.Theme) D {
	if u.notifyNote == "" {
		return D{}
	}
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(func(gtx C) D {
			return kit.Panel(gtx, th.SurfaceAlt, func(gtx C) D {
				return layout.Inset{Top: 4, Bottom: 4, Left: 12, Right: 6}.Layout(gtx, func(gtx C) D {
					gtx.Constraints.Min.X = gtx.Constraints.Max.X
					return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
						layout.Flexed(1, func(gtx C) D {
							return kit.IconLabel(gtx, icons.Error, th.TextMuted, 18, kit.Label(th, 13, th.Text, u.notifyNote))
						}),
						layout.Rigid(kit.IconButton(th, &u.bar.dismissNote, icons.Close, th.TextMuted, "Dismiss").EndTip().Layout),
					)
				})
			})
		}),
		layout.Rigid(func(gtx C) D { return kit.HLine(gtx, th.Divider) }),
	)
}

// sidebarWidth is the width of the side panel on wide windows.
const sidebarWidth = 330

// lastSeq is the Seq of the newest message in msgs, 0 if none.
func lastSeq(msgs []client.Message) uint64 {
	if len(msgs) == 0 {
		return 0
	}
	return msgs[len(msgs)-1].Seq
}

// unreadChat counts the messages from others in msgs newer than seq.
func unreadChat(msgs []client.Message, seq uint64) int {
	n := 0
	for i := len(msgs) - 1; i >= 0 && msgs[i].Seq > seq; i-- {
		if m := &msgs[i]; m.Kind != client.System && !m.Own {
			n++
		}
	}
	return n
}

func (u *UI) layoutWide(gtx C, th *theme.Theme, snap *client.Snapshot) D {
	return layout.Flex{}.Layout(gtx,
		layout.Flexed(1, func(gtx C) D { return u.layoutPanel(gtx, th, snap, TabChat) }),
		layout.Rigid(func(gtx C) D { return kit.VLine(gtx, th.Divider) }),
		layout.Rigid(func(gtx C) D {
			w := gtx.Dp(sidebarWidth)
			gtx.Constraints = layout.Exact(image.Pt(w, gtx.Constraints.Max.Y))
			return kit.Panel(gtx, th.Surface, func(gtx C) D {
				hasTransfers := len(u.Transfers.Visible(snap.Transfers)) > 0
				tw := float32(0.22)
				if hasTransfers {
					tw = 0.34
				}
				return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
					layout.Flexed(0.30, func(gtx C) D { return u.layoutPanel(gtx, th, snap, TabPeople) }),
					layout.Rigid(func(gtx C) D { return kit.HLine(gtx, th.Divider) }),
					layout.Flexed(0.70-tw, func(gtx C) D { return u.layoutPanel(gtx, th, snap, TabFiles) }),
					layout.Rigid(func(gtx C) D { return kit.HLine(gtx, th.Divider) }),
					layout.Flexed(tw, func(gtx C) D { return u.layoutPanel(gtx, th, snap, TabTransfers) }),
				)
			})
		}),
	)
}

func (u *UI) layoutPanel(gtx C, th *theme.Theme, snap *client.Snapshot, t Tab) D {
	switch t {
	case TabPeople:
		return kit.Panel(gtx, th.Surface, people.Style{
			Th: th, List: u.People, Users: snap.Users,
			Selected: u.Chat.Composer.To.Nick, ShowHeader: true,
		}.Layout)
	case TabFiles:
		return kit.Panel(gtx, th.Surface, files.Style{
			Th: th, List: u.Files, Snap: snap,
			CanUpload:     u.cfg.PickFile != nil,
			CanOpenShared: u.sharedDir() != "" && u.cfg.OpenFolder != nil,
			Have:          func(f client.File) bool { return u.have.Have(f, gtx.Now) },
			Preview:       func(f client.File) (paint.ImageOp, bool) { return u.preview(f, gtx.Now) },
		}.Layout)
	case TabTransfers:
		return kit.Panel(gtx, th.Surface, transfers.Style{
			Th: th, List: u.Transfers, Snap: snap,
			CanOpenFolder: u.cfg.OpenFolder != nil, ShowHeader: true,
		}.Layout)
	}
	return chat.Style{Th: th, Screen: u.Chat, Snap: snap, Msgs: u.logRows(snap.Messages), Preview: func(m *client.Message) (paint.ImageOp, bool) {
		return u.sharedPreview(snap, m, gtx.Now)
	}}.Layout(gtx)
}

func (u *UI) layoutTabs(gtx C, th *theme.Theme, snap *client.Snapshot) D {
	type tab struct {
		icon  *widget.Icon
		label string
	}
	if u.Tab == TabChat {
		u.chatSeen = lastSeq(snap.Messages)
	}
	chatLabel := "Chat"
	if n := unreadChat(snap.Messages, u.chatSeen); n > 0 {
		chatLabel = fmt.Sprintf("Chat (%d new)", n)
	}
	tabs := [4]tab{
		{icons.Chat, chatLabel},
		{icons.People, fmt.Sprintf("People (%d)", len(snap.Users))},
		{icons.Files, "Files"},
		{icons.Transfers, "Transfers"},
	}
	if n := transfers.Active(snap.Transfers); n > 0 {
		tabs[TabTransfers].label = fmt.Sprintf("Transfers (%d)", n)
	}
	children := make([]layout.FlexChild, 0, 5)
	children = append(children, layout.Rigid(func(gtx C) D { return kit.HLine(gtx, th.Divider) }))
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx, append(children, layout.Rigid(func(gtx C) D {
		return kit.Panel(gtx, th.Surface, func(gtx C) D {
			var row [4]layout.FlexChild
			for i := range tabs {
				i := i
				row[i] = layout.Flexed(1, func(gtx C) D {
					col := th.TextMuted
					if u.Tab == Tab(i) {
						col = th.Primary
					}
					btn := &u.tabs.btns[i]
					return kit.FocusRing(gtx, th, btn, 4, func(gtx C) D {
						return material.Clickable(gtx, btn, func(gtx C) D {
							return layout.Inset{Top: 6, Bottom: 6}.Layout(gtx, func(gtx C) D {
								gtx.Constraints.Min.X = gtx.Constraints.Max.X
								return layout.Flex{Axis: layout.Vertical, Alignment: layout.Middle}.Layout(gtx,
									layout.Rigid(func(gtx C) D { return kit.Icon(gtx, tabs[i].icon, col, 22) }),
									layout.Rigid(func(gtx C) D {
										l := kit.Label(th, 11, col, tabs[i].label)
										l.MaxLines = 1
										l.Alignment = text.Middle
										return l.Layout(gtx)
									}),
								)
							})
						})
					})
				})
			}
			return layout.Flex{}.Layout(gtx, row[:]...)
		})
	}))...)
}
