// Package theme holds Natter's colours, type and spacing: a material.Theme
// plus the few extra colours the chat screens need, in a light and a dark
// variant that share one text shaper.
package theme

import (
	"image/color"

	"gioui.org/font/gofont"
	"gioui.org/text"
	"gioui.org/unit"
	"gioui.org/widget/material"
)

// Colors are the roles the screens paint with, beyond material.Palette.
type Colors struct {
	// Window is the background behind every panel.
	Window color.NRGBA
	// Surface is the background of panels (log, side bars, cards).
	Surface color.NRGBA
	// SurfaceAlt is a slightly different surface: headers, selected rows.
	SurfaceAlt color.NRGBA
	// Text and TextMuted are for body text and secondary text (times, sizes).
	Text      color.NRGBA
	TextMuted color.NRGBA
	// Primary is the accent (buttons, own nick); OnPrimary is text on it.
	Primary   color.NRGBA
	OnPrimary color.NRGBA
	// Own is the background of our own messages; Private of private ones.
	Own     color.NRGBA
	Private color.NRGBA
	// PrivateText marks the direction line of a private message.
	PrivateText color.NRGBA
	// Mention is the background of a message that names us; MentionMark
	// the bar beside it and its "mentions you" note.
	Mention     color.NRGBA
	MentionMark color.NRGBA
	// Danger is for errors and failed transfers; Warning for the banner.
	Danger    color.NRGBA
	Warning   color.NRGBA
	OnWarning color.NRGBA
	Success   color.NRGBA
	// Selection is the background of selected text.
	Selection color.NRGBA
	// Divider separates panels and rows.
	Divider color.NRGBA
}

// Theme is a material.Theme with Natter's extra colours.
type Theme struct {
	*material.Theme
	Dark bool
	Colors
}

// NewShaper returns a text shaper that uses the embedded Go fonts only, so
// every label renders the same on machines without system fonts.
func NewShaper() *text.Shaper {
	return text.NewShaper(text.NoSystemFonts(), text.WithCollection(gofont.Collection()))
}

// New returns the light or the dark theme, drawing text with shaper.
// A nil shaper gets a fresh one from NewShaper.
func New(shaper *text.Shaper, dark bool) *Theme {
	if shaper == nil {
		shaper = NewShaper()
	}
	mt := material.NewTheme()
	mt.Shaper = shaper
	mt.TextSize = unit.Sp(15)
	c := light
	if dark {
		c = darkColors
	}
	mt.Palette = material.Palette{
		Bg:         c.Surface,
		Fg:         c.Text,
		ContrastBg: c.Primary,
		ContrastFg: c.OnPrimary,
	}
	return &Theme{Theme: mt, Dark: dark, Colors: c}
}

func rgb(v uint32) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

var light = Colors{
	Window:      rgb(0xe9edf2),
	Surface:     rgb(0xffffff),
	SurfaceAlt:  rgb(0xf2f5f8),
	Text:        rgb(0x1d2430),
	TextMuted:   rgb(0x6a7482),
	Primary:     rgb(0x2f6fd6),
	OnPrimary:   rgb(0xffffff),
	Own:         rgb(0xe3eefe),
	Private:     rgb(0xfdf1dc),
	PrivateText: rgb(0x9a5b00),
	Mention:     rgb(0xfff7c7),
	MentionMark: rgb(0x8a6d00),
	Danger:      rgb(0xc62828),
	Warning:     rgb(0xffd166),
	OnWarning:   rgb(0x3a2a00),
	Success:     rgb(0x2e7d32),
	Divider:     rgb(0xd9dee5),
	Selection:   color.NRGBA{R: 0x2f, G: 0x6f, B: 0xd6, A: 0x55},
}

var darkColors = Colors{
	Window:      rgb(0x0f1318),
	Surface:     rgb(0x171c23),
	SurfaceAlt:  rgb(0x212832),
	Text:        rgb(0xe4e8ee),
	TextMuted:   rgb(0x8d97a5),
	Primary:     rgb(0x6ea2ff),
	OnPrimary:   rgb(0x0b1526),
	Own:         rgb(0x1d3150),
	Private:     rgb(0x3a2c12),
	PrivateText: rgb(0xf2b54d),
	Mention:     rgb(0x3b3510),
	MentionMark: rgb(0xf0d050),
	Danger:      rgb(0xff6b6b),
	Warning:     rgb(0xc99a2e),
	OnWarning:   rgb(0x1a1200),
	Success:     rgb(0x66bb6a),
	Divider:     rgb(0x2a323d),
	Selection:   color.NRGBA{R: 0x6e, G: 0xa2, B: 0xff, A: 0x66},
}

// Spacing used throughout, so panels line up.
const (
	Gap      = unit.Dp(8)
	GapSmall = unit.Dp(4)
	GapLarge = unit.Dp(16)
)
