package kit

import (
	"gioui.org/io/system"
	"golang.org/x/text/unicode/bidi"
)

// Direction is the direction a paragraph of txt reads in, by its first
// strongly directional character (rules P2 and P3 of the Unicode bidi
// algorithm): right to left for a line that starts in Arabic or Hebrew,
// left to right otherwise. Digits, punctuation and emoji have no say.
func Direction(txt string) system.TextDirection {
	for _, r := range txt {
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.L:
			return system.LTR
		case bidi.R, bidi.AL:
			return system.RTL
		}
	}
	return system.LTR
}

// Paragraph returns gtx set up to lay out txt as a paragraph of its own, in
// the direction it reads in: one that starts in Arabic or Hebrew takes the
// whole width and starts at its right edge.
func Paragraph(gtx C, txt string) C {
	gtx.Locale.Direction = Direction(txt)
	if gtx.Locale.Direction == system.RTL {
		gtx.Constraints.Min.X = gtx.Constraints.Max.X
	}
	return gtx
}
