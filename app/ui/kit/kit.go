// Package kit holds the small drawing functions and formatters every Natter
// screen shares: filled boxes, dividers, pills, flat icon buttons, and
// human-readable sizes, speeds and ages.
package kit

import (
	"image"
	"image/color"
	"strings"

	"gioui.org/font"
	"gioui.org/layout"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/natter-chat/natter/app/theme"
)

type (
	C = layout.Context
	D = layout.Dimensions
)

// Fill paints the whole constraint area with col and takes all of it.
func Fill(gtx C, col color.NRGBA) D {
	size := gtx.Constraints.Max
	paint.FillShape(gtx.Ops, col, clip.Rect{Max: size}.Op())
	return D{Size: size}
}

// Background lays out w over a rectangle of col the size of w, with rounded
// corners of radius r.
func Background(gtx C, col color.NRGBA, r unit.Dp, w layout.Widget) D {
	return layout.Background{}.Layout(gtx,
		func(gtx C) D {
			rr := gtx.Dp(r)
			sz := gtx.Constraints.Min
			paint.FillShape(gtx.Ops, col, clip.UniformRRect(image.Rectangle{Max: sz}, rr).Op(gtx.Ops))
			return D{Size: sz}
		}, w)
}

// MarkedBackground is Background with a bar of mark down its leading edge.
func MarkedBackground(gtx C, col, mark color.NRGBA, r unit.Dp, w layout.Widget) D {
	return layout.Background{}.Layout(gtx,
		func(gtx C) D {
			rr := gtx.Dp(r)
			sz := gtx.Constraints.Min
			paint.FillShape(gtx.Ops, col, clip.UniformRRect(image.Rectangle{Max: sz}, rr).Op(gtx.Ops))
			bar := image.Rectangle{Max: image.Pt(max(gtx.Dp(3), 1), sz.Y)}
			paint.FillShape(gtx.Ops, mark, clip.RRect{Rect: bar, NW: rr, SW: rr}.Op(gtx.Ops))
			return D{Size: sz}
		}, w)
}

// Panel lays out w over a rectangle of col the size of w.
func Panel(gtx C, col color.NRGBA, w layout.Widget) D {
	return layout.Background{}.Layout(gtx,
		func(gtx C) D {
			sz := gtx.Constraints.Min
			paint.FillShape(gtx.Ops, col, clip.Rect{Max: sz}.Op())
			return D{Size: sz}
		}, w)
}

// HLine is a horizontal divider one dp high across the available width.
func HLine(gtx C, col color.NRGBA) D {
	h := max(gtx.Dp(1), 1)
	sz := image.Pt(gtx.Constraints.Max.X, h)
	paint.FillShape(gtx.Ops, col, clip.Rect{Max: sz}.Op())
	return D{Size: sz}
}

// VLine is a vertical divider one dp wide across the available height.
func VLine(gtx C, col color.NRGBA) D {
	w := max(gtx.Dp(1), 1)
	sz := image.Pt(w, gtx.Constraints.Max.Y)
	paint.FillShape(gtx.Ops, col, clip.Rect{Max: sz}.Op())
	return D{Size: sz}
}

// Label is a material label in size sp and colour col.
func Label(th *theme.Theme, size unit.Sp, col color.NRGBA, txt string) material.LabelStyle {
	l := material.Label(th.Theme, size, txt)
	l.Color = col
	return l
}

// Bold makes l bold.
func Bold(l material.LabelStyle) material.LabelStyle {
	l.Font.Weight = font.Bold
	return l
}

// IconButtonStyle is a flat, round icon button drawn in its colour on a
// transparent background, with a description for screen readers and a
// ring while it has the keyboard focus.
type IconButtonStyle struct {
	material.IconButtonStyle
	// Place says where the tooltip (the description) goes.
	Place TipPlace
	th    *theme.Theme
	state *IconClickable
}

// IconButton is a flat, round icon button drawn in fg, described by desc
// for screen readers and in its tooltip.
func IconButton(th *theme.Theme, btn *IconClickable, ic *widget.Icon, fg color.NRGBA, desc string) IconButtonStyle {
	b := material.IconButton(th.Theme, &btn.Clickable, ic, desc)
	b.Background = color.NRGBA{}
	b.Color = fg
	b.Size = 22
	b.Inset = layout.UniformInset(7)
	return IconButtonStyle{IconButtonStyle: b, th: th, state: btn}
}

// EndTip aligns the tooltip with the button's trailing edge, for buttons
// near the window's right edge.
func (b IconButtonStyle) EndTip() IconButtonStyle {
	b.Place.End = true
	return b
}

// Layout draws the button, the focus ring around it and its tooltip.
func (b IconButtonStyle) Layout(gtx C) D {
	return b.state.Tip.Layout(gtx, b.th, b.Description, b.Place, b.Button, func(gtx C) D {
		return FocusRing(gtx, b.th, b.Button, 18, b.IconButtonStyle.Layout)
	})
}

// ButtonStyle is a material text button with a ring while it has the
// keyboard focus.
type ButtonStyle struct {
	material.ButtonStyle
	th *theme.Theme
}

// Button is a text button; with primary false it is drawn as a quieter,
// tinted button.
func Button(th *theme.Theme, btn *widget.Clickable, txt string, primary bool) ButtonStyle {
	b := material.Button(th.Theme, btn, txt)
	b.TextSize = 14
	b.Inset = layout.Inset{Top: 8, Bottom: 8, Left: 14, Right: 14}
	if !primary {
		b.Background = th.SurfaceAlt
		b.Color = th.Primary
	}
	return ButtonStyle{ButtonStyle: b, th: th}
}

// Layout draws the button, and the focus ring around it.
func (b ButtonStyle) Layout(gtx C) D {
	return FocusRing(gtx, b.th, b.Button, b.CornerRadius, b.ButtonStyle.Layout)
}

// Disabled lays out w greyed and unclickable when off is true.
func Disabled(gtx C, off bool, w layout.Widget) D {
	if off {
		gtx = gtx.Disabled()
	}
	return w(gtx)
}

// Pill lays out a small rounded tag of txt in fg on bg.
func Pill(gtx C, th *theme.Theme, bg, fg color.NRGBA, txt string) D {
	return Background(gtx, bg, 10, func(gtx C) D {
		return layout.Inset{Top: 2, Bottom: 2, Left: 8, Right: 8}.Layout(gtx,
			Label(th, 12, fg, txt).Layout)
	})
}

// IconLabel lays out an icon of size sz followed by a label.
func IconLabel(gtx C, ic *widget.Icon, col color.NRGBA, sz unit.Dp, l material.LabelStyle) D {
	return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
		layout.Rigid(func(gtx C) D {
			s := gtx.Dp(sz)
			gtx.Constraints = layout.Exact(image.Pt(s, s))
			return ic.Layout(gtx, col)
		}),
		layout.Rigid(layout.Spacer{Width: 6}.Layout),
		layout.Rigid(l.Layout),
	)
}

// Icon lays out ic at size sz in col.
func Icon(gtx C, ic *widget.Icon, col color.NRGBA, sz unit.Dp) D {
	s := gtx.Dp(sz)
	gtx.Constraints = layout.Exact(image.Pt(s, s))
	return ic.Layout(gtx, col)
}

// ErrorLine lays out msg in the danger colour, as a line under a panel's
// header or above its editor, or nothing when msg is empty.
func ErrorLine(gtx C, th *theme.Theme, msg string) D {
	if msg == "" {
		return D{}
	}
	return layout.Inset{Left: 12, Right: 12, Bottom: 6}.Layout(gtx, Label(th, 13, th.Danger, msg).Layout)
}

// IconRow lays out a row of a list: icon ic, sz square, in col, then
// lines stacked in the width left over, then trailing widgets such as
// buttons, all centred across the row.
func IconRow(gtx C, ic *widget.Icon, col color.NRGBA, sz unit.Dp, lines []layout.FlexChild, trailing ...layout.FlexChild) D {
	return LeadRow(gtx, func(gtx C) D { return Icon(gtx, ic, col, sz) }, lines, trailing...)
}

// LeadRow is IconRow with any widget, such as a picture, in place of the
// icon.
func LeadRow(gtx C, lead layout.Widget, lines []layout.FlexChild, trailing ...layout.FlexChild) D {
	children := make([]layout.FlexChild, 0, 3+len(trailing))
	children = append(children,
		layout.Rigid(lead),
		layout.Rigid(layout.Spacer{Width: 10}.Layout),
		layout.Flexed(1, func(gtx C) D {
			return layout.Flex{Axis: layout.Vertical}.Layout(gtx, lines...)
		}),
	)
	return layout.Flex{Alignment: layout.Middle}.Layout(gtx, append(children, trailing...)...)
}

// OneLine lays out l on a single line.
func OneLine(l material.LabelStyle) layout.Widget {
	l.MaxLines = 1
	return l.Layout
}

// SectionHeader is a panel title in small capitals-like bold muted text.
func SectionHeader(gtx C, th *theme.Theme, title string) D {
	return layout.Inset{Top: 10, Bottom: 6, Left: 12, Right: 12}.Layout(gtx,
		Bold(Label(th, 13, th.TextMuted, title)).Layout)
}

// Avatar is a small coloured disc with the first letter of nick; the
// colour is derived from the nick so each person keeps theirs.
func Avatar(gtx C, th *theme.Theme, nick string) D {
	sz := gtx.Dp(26)
	var h uint32 = 2166136261
	for _, r := range strings.ToLower(nick) {
		h = (h ^ uint32(r)) * 16777619
	}
	col := avatarColors[h%uint32(len(avatarColors))]
	letter := "?"
	for _, r := range nick {
		letter = strings.ToUpper(string(r))
		break
	}
	return layout.Stack{Alignment: layout.Center}.Layout(gtx,
		layout.Expanded(func(gtx C) D {
			paint.FillShape(gtx.Ops, col, clip.Ellipse{Max: image.Pt(sz, sz)}.Op(gtx.Ops))
			return D{Size: image.Pt(sz, sz)}
		}),
		layout.Stacked(func(gtx C) D {
			gtx.Constraints.Min = image.Pt(sz, sz)
			return layout.Center.Layout(gtx, Bold(Label(th, 13, color.NRGBA{R: 255, G: 255, B: 255, A: 255}, letter)).Layout)
		}),
	)
}

var avatarColors = []color.NRGBA{
	{0xe5, 0x73, 0x73, 0xff}, {0xba, 0x68, 0xc8, 0xff}, {0x79, 0x86, 0xcb, 0xff},
	{0x4f, 0xa3, 0xd9, 0xff}, {0x4d, 0xb6, 0xac, 0xff}, {0x81, 0xa7, 0x4f, 0xff},
	{0xe0, 0x8a, 0x3c, 0xff}, {0xa1, 0x88, 0x7f, 0xff},
}
