package kit_test

import (
	"image"
	"testing"
	"time"

	"gioui.org/f32"
	"gioui.org/io/input"
	"gioui.org/io/key"
	"gioui.org/io/pointer"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/unit"
	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/fonts"
	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/icons"
)

// TestIconButtonTooltip checks that an icon-only button says what it does
// once the pointer has rested on it, or the keyboard is on it.
func TestIconButtonTooltip(t *testing.T) {
	th := theme.New(fonts.NewEmbeddedShaper(), false)
	var (
		r   input.Router
		ops op.Ops
		btn kit.IconClickable
		now = time.Unix(1_800_000_000, 0)
	)
	frame := func() {
		ops.Reset()
		gtx := layout.Context{Ops: &ops, Now: now, Metric: unit.Metric{PxPerDp: 1, PxPerSp: 1},
			Constraints: layout.Exact(image.Pt(300, 200)), Source: r.Source()}
		layout.Center.Layout(gtx, kit.IconButton(th, &btn, icons.Refresh, th.Primary, "Refresh the list").Layout)
		r.Frame(&ops)
	}
	shown := func() bool {
		for _, n := range r.AppendSemantics(nil) {
			if n.Desc.Label == "Refresh the list" {
				return true
			}
		}
		return false
	}
	frame()
	assert.False(t, shown(), "no tooltip at first")
	r.Queue(pointer.Event{Kind: pointer.Move, Source: pointer.Mouse, Position: f32.Pt(150, 100)})
	frame()
	now = now.Add(kit.TipDelay / 2)
	frame()
	assert.False(t, shown(), "not before the delay")
	now = now.Add(kit.TipDelay)
	frame()
	assert.True(t, shown(), "the pointer resting on the button shows its tooltip")
	r.Queue(pointer.Event{Kind: pointer.Move, Source: pointer.Mouse, Position: f32.Pt(5, 5)})
	frame()
	frame()
	assert.False(t, shown(), "leaving the button hides it")

	r.Source().Execute(key.FocusCmd{Tag: &btn.Clickable})
	frame()
	now = now.Add(2 * kit.TipDelay)
	frame()
	assert.True(t, shown(), "the keyboard on the button shows it too")
}
