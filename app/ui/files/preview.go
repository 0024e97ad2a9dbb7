package files

import (
	"image"

	"gioui.org/layout"
	"gioui.org/op/clip"
	"gioui.org/widget"

	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/icons"
)

// previewSize is the side of the square a file's picture fits in.
const previewSize = 40

// HasPreview reports whether the row of name shows a picture, for tests.
func (l *List) HasPreview(name string) bool {
	for i := range l.rows {
		if l.rows[i].name == name {
			return l.rows[i].preview
		}
	}
	return false
}

// lead is what starts row i: the file's picture when there is one, else
// the file icon.
func (s Style) lead(i int) layout.Widget {
	r := &s.List.rows[i]
	r.preview = false
	if s.Preview == nil {
		return s.fileIcon
	}
	op, ok := s.Preview(s.Snap.Files[i])
	if !ok {
		return s.fileIcon
	}
	r.preview = true
	return func(gtx C) D {
		side := gtx.Dp(previewSize)
		gtx.Constraints = layout.Exact(image.Pt(side, side))
		defer clip.UniformRRect(image.Rectangle{Max: image.Pt(side, side)}, gtx.Dp(4)).Push(gtx.Ops).Pop()
		return widget.Image{Src: op, Fit: widget.Cover, Position: layout.Center}.Layout(gtx)
	}
}

func (s Style) fileIcon(gtx C) D { return kit.Icon(gtx, icons.File, s.Th.TextMuted, 22) }
