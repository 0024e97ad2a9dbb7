package ui

import (
	"gioui.org/layout"
	"gioui.org/widget"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/app/ui/words"
	"github.com/natter-chat/natter/icons"
)

// BackgroundHub is a hub this device kept running after its window
// closed (Config.KeepHosting), found again by the next start.
type BackgroundHub struct {
	// Addr is where it listens, for joining it from here.
	Addr string
	// Stop stops it: its sessions get BYE shutdown.
	Stop func() error
}

// background is the login screen's note about a hub left running.
type background struct {
	stop    widget.Clickable
	stopped bool
	err     string
}

// StopBackgroundButton stops a hub left running from an earlier window,
// for tests.
func (u *UI) StopBackgroundButton() *widget.Clickable { return &u.bg.stop }

// BackgroundNote is the login screen's note about a hub left running, or "".
func (u *UI) BackgroundNote() string {
	b := u.cfg.Background
	switch {
	case b == nil:
		return ""
	case u.bg.err != "":
		return u.bg.err
	case u.bg.stopped:
		return "The hub that ran without a window has stopped."
	}
	return "A hub you host is still running without a window, at " + b.Addr + ". Join it there, or stop it."
}

func (u *UI) layoutBackground(gtx C, th *theme.Theme) D {
	b := u.cfg.Background
	if b == nil {
		return D{}
	}
	if u.bg.stop.Clicked(gtx) && !u.bg.stopped {
		if err := b.Stop(); err != nil {
			u.log.Warn("background hub not stopped", "err", err)
			u.bg.err = "The hub running without a window could not be stopped: " + words.Plain(err)
		} else {
			u.bg.stopped = true
		}
	}
	return noteBar(gtx, th, th.SurfaceAlt, th.Text, icons.Host, u.BackgroundNote(),
		layout.Rigid(func(gtx C) D {
			if u.bg.stopped {
				return D{}
			}
			return kit.Button(th, &u.bg.stop, "Stop it", false).Layout(gtx)
		}),
	)
}
