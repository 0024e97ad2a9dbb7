package ui

import (
	"image"
	"net"
	"strconv"

	"gioui.org/layout"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"
	"github.com/skip2/go-qrcode"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/kit"
)

// joinLink is the top bar's panel for joining from a phone: the link to
// the hub's web app (natter/1 section 11) and a QR code of it, for a
// phone's camera.
type joinLink struct {
	btn  kit.IconClickable
	open bool
	link string        // what the QR code says
	qr   paint.ImageOp // of link
	err  error         // why there is no QR code of link
}

// JoinLinkButton is the top bar's clickable that shows the join link, for
// tests.
func (u *UI) JoinLinkButton() *widget.Clickable { return &u.join.btn.Clickable }

// JoinLink is the link a browser joins the hub by, or "" when the hub has
// no web app: its web port on the host the app reached it at (for a hub
// hosted here, the first address others join it at).
func (u *UI) JoinLink(webPort int) string {
	if webPort == 0 {
		return ""
	}
	addr := u.addr
	if u.hosted != nil && len(u.joinAt) > 0 {
		addr = u.joinAt[0]
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(webPort)) + "/"
}

// update toggles the panel and keeps the QR code that of link.
func (j *joinLink) update(gtx C, link string) {
	if j.btn.Clicked(gtx) {
		j.open = !j.open
	}
	if link == j.link {
		return
	}
	j.link, j.err = link, nil
	if link == "" {
		j.open = false
		return
	}
	q, err := qrcode.New(link, qrcode.Medium)
	if err != nil {
		j.err = err
		return
	}
	q.DisableBorder = false
	j.qr = paint.NewImageOp(q.Image(256))
}

// layout draws the open panel: the link in words and the QR code.
func (j *joinLink) layout(gtx C, th *theme.Theme) D {
	if !j.open || j.link == "" {
		return D{}
	}
	return kit.Panel(gtx, th.Surface, func(gtx C) D {
		return layout.UniformInset(12).Layout(gtx, func(gtx C) D {
			return layout.Flex{Axis: layout.Vertical, Alignment: layout.Middle}.Layout(gtx,
				layout.Rigid(kit.Label(th, 13, th.TextMuted, "Join from a phone: scan this, or open").Layout),
				layout.Rigid(kit.Bold(kit.Label(th, 15, th.Text, j.link)).Layout),
				layout.Rigid(layout.Spacer{Height: unit.Dp(8)}.Layout),
				layout.Rigid(func(gtx C) D {
					if j.err != nil {
						return kit.Label(th, 12, th.Danger, "No QR code: "+j.err.Error()).Layout(gtx)
					}
					side := gtx.Dp(192)
					gtx.Constraints = layout.Exact(image.Pt(side, side))
					return widget.Image{Src: j.qr, Fit: widget.Contain}.Layout(gtx)
				}),
			)
		})
	})
}
