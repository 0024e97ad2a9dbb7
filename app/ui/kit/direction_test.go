package kit

import (
	"image"
	"testing"

	"gioui.org/io/system"
	"gioui.org/layout"
	"github.com/stretchr/testify/assert"
)

func TestDirectionFollowsTheFirstStrongCharacter(t *testing.T) {
	for txt, want := range map[string]system.TextDirection{
		"hello":                  system.LTR,
		"":                       system.LTR,
		"12:30 🎉":                system.LTR,
		"שלום לכולם":             system.RTL,
		"مرحبا بالجميع":          system.RTL,
		"10:30 👍 נתראה":          system.RTL,
		"OK, אז נתראה":           system.LTR,
		"«مرحبا» said Zoë":       system.RTL,
		"こんにちは、مرحبا":            system.LTR,
		"\u200f(RLM) then Latin": system.RTL,
	} {
		assert.Equal(t, want, Direction(txt), "%q", txt)
	}
}

func TestParagraphStartsRightToLeftLinesAtTheRightEdge(t *testing.T) {
	gtx := C{Constraints: layout.Constraints{Max: image.Pt(300, 100)}}
	rtl := Paragraph(gtx, "שלום לכולם")
	assert.Equal(t, system.RTL, rtl.Locale.Direction)
	assert.Equal(t, 300, rtl.Constraints.Min.X, "the line takes the whole width to start at its right edge")
	ltr := Paragraph(gtx, "hello")
	assert.Equal(t, system.LTR, ltr.Locale.Direction)
	assert.Equal(t, 0, ltr.Constraints.Min.X)
}
