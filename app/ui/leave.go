package ui

import (
	"image/color"

	"gioui.org/layout"
	"gioui.org/widget"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/app/ui/words"
	"github.com/natter-chat/natter/icons"
)

// othersCounter is a Hosted hub that can say who would notice it stop:
// the people connected besides this device, and the transfers under way.
// (*hosting.Hub is one.)
type othersCounter interface {
	Others() (people, transfers int)
}

// leaveQuestion is the question asked before a host leaves while others
// still use the hub: leaving stops it for everyone.
type leaveQuestion struct {
	// asked is true while the question shows; people and transfers are
	// the counts it was asked with.
	asked             bool
	people, transfers int
	// closing is set when the question was asked for closing the
	// window, which "Stop the hub" then closes.
	closing          bool
	stop, stay, keep widget.Clickable
}

// LeaveQuestion is the question shown before a hosted hub is stopped, or
// "" when none shows.
func (u *UI) LeaveQuestion() string {
	if !u.leave.asked {
		return ""
	}
	return words.StopHub(u.leave.people, u.leave.transfers)
}

// StopHubButton and KeepHostingButton answer the leave question, for tests.
func (u *UI) StopHubButton() *widget.Clickable     { return &u.leave.stop }
func (u *UI) KeepHostingButton() *widget.Clickable { return &u.leave.stay }

// KeepInBackgroundButton answers the leave question with "keep hosting
// with the window closed", for tests.
func (u *UI) KeepInBackgroundButton() *widget.Clickable { return &u.leave.keep }

// AskBeforeClose is for a window about to close: when this device hosts
// the hub and others use it, it asks the leave question and returns true,
// and the window should stay open for the answer (Gio's
// app.ClosingEvent.Abort). Otherwise closing may go on.
func (u *UI) AskBeforeClose() bool {
	if u.session == nil || u.hosted == nil {
		return false
	}
	u.askLeave()
	if !u.leave.asked {
		return false
	}
	u.leave.closing = true
	return true
}

// askLeave leaves at once, unless this device hosts the hub and others
// use it: then it asks first.
func (u *UI) askLeave() {
	c, ok := u.hosted.(othersCounter)
	if !ok {
		u.Disconnect()
		return
	}
	people, transfers := c.Others()
	if people == 0 && transfers == 0 {
		u.Disconnect()
		return
	}
	u.leave = leaveQuestion{asked: true, people: people, transfers: transfers}
}

// updateLeave handles the answers to the leave question.
func (u *UI) updateLeave(gtx C) {
	if !u.leave.asked {
		return
	}
	if u.leave.stay.Clicked(gtx) {
		u.leave.asked = false
	}
	if u.leave.stop.Clicked(gtx) {
		closing := u.leave.closing
		u.leave.asked = false
		u.Disconnect() // which forgets the question
		if closing && u.cfg.CloseWindow != nil {
			u.cfg.CloseWindow()
		}
	}
	if u.leave.keep.Clicked(gtx) && u.cfg.KeepHosting != nil {
		u.leave.asked = false
		h := u.hosted
		u.hosted = nil // endSession leaves it running
		u.Disconnect()
		u.cfg.KeepHosting(h)
	}
}

func (u *UI) layoutLeave(gtx C, th *theme.Theme) D {
	if !u.leave.asked {
		return D{}
	}
	return noteBar(gtx, th, th.Warning, th.OnWarning, icons.Error, u.LeaveQuestion(),
		layout.Rigid(func(gtx C) D {
			if u.cfg.KeepHosting == nil {
				return D{}
			}
			return layout.Inset{Right: 8}.Layout(gtx, kit.Button(th, &u.leave.keep, "Keep hosting with the window closed", false).Layout)
		}),
		layout.Rigid(kit.Button(th, &u.leave.stay, "Keep hosting", false).Layout),
		layout.Rigid(layout.Spacer{Width: 8}.Layout),
		layout.Rigid(kit.Button(th, &u.leave.stop, "Stop the hub", true).Layout),
	)
}

// noteBar is a full-width bar of colour bg under the top bar: an icon
// and txt in fg, then the buttons that answer it.
func noteBar(gtx C, th *theme.Theme, bg, fg color.NRGBA, ic *widget.Icon, txt string, buttons ...layout.FlexChild) D {
	return kit.Panel(gtx, bg, func(gtx C) D {
		return layout.Inset{Top: 6, Bottom: 6, Left: 12, Right: 8}.Layout(gtx, func(gtx C) D {
			gtx.Constraints.Min.X = gtx.Constraints.Max.X
			children := append([]layout.FlexChild{layout.Flexed(1, func(gtx C) D {
				return kit.IconLabel(gtx, ic, fg, 18, kit.Label(th, 13, fg, txt))
			})}, buttons...)
			return layout.Flex{Alignment: layout.Middle}.Layout(gtx, children...)
		})
	})
}
