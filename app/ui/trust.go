package ui

import (
	"errors"

	"gioui.org/op"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/app/ui/trust"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/core/identity"
)

// trustJoin sets what cc trusts for the join r asked for: the device's
// identity and pins of the Config, the key of a pasted link, or the
// user's choice of plaintext; and remembers the join, to repeat it once
// the user trusts a changed key.
func (u *UI) trustJoin(cc *client.Config, r login.Request) {
	cc.Pins, cc.Device = u.cfg.Pins, u.cfg.Device
	if r.Link != nil {
		cc.UseJoinLink(*r.Link)
	}
	cc.Plaintext = r.Plaintext
	if r.TLSAddr != "" && r.Link == nil {
		cc.TLSAddr = r.TLSAddr
	}
	u.lastJoin, u.lastClient = r, *cc
}

// KeyWarning is the warning about a changed hub key on screen, or nil.
func (u *UI) KeyWarning() *trust.Warning { return u.warning }

// checkKeyChanged ends a session the client closed because the hub's key
// changed, and puts up the warning; it reports whether it did.
func (u *UI) checkKeyChanged(snap *client.Snapshot) bool {
	var changed *identity.KeyChangedError
	if snap == nil || snap.Conn.State != client.Closed || snap.Conn.Cause != client.CauseKeyChanged || !errors.As(snap.Conn.Err, &changed) {
		return false
	}
	u.endSession("")
	u.route = RouteLogin
	u.Login.Busy = false
	u.resetScreens()
	u.warning = trust.New(changed)
	return true
}

// layoutWarning draws the warning and carries out what it asks for:
// trusting the new key replaces the pin and joins again; back returns to
// the login form.
func (u *UI) layoutWarning(gtx C, th *theme.Theme) D {
	w := u.warning
	d := trust.Style{Th: th, Warning: w}.Layout(gtx)
	for _, in := range w.Intents() {
		switch in := in.(type) {
		case trust.TrustNewKey:
			err := client.TrustNewKey(u.lastClient, in.Changed)
			w.Performed(in, err)
			if err == nil {
				u.warning = nil
				u.startJoin(u.lastJoin)
			}
		case trust.Back:
			u.warning = nil
		}
		gtx.Execute(op.InvalidateCmd{})
	}
	return d
}
