package trust_test

import (
	"errors"
	"image"
	"testing"

	"gioui.org/layout"
	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/fonts"
	"github.com/natter-chat/natter/app/ui/trust"
	"github.com/natter-chat/natter/app/ui/uitest"
	"github.com/natter-chat/natter/core/identity"
)

func TestWarningShowsBothCodesAndAsks(t *testing.T) {
	th := theme.New(fonts.NewEmbeddedShaper(), false)
	changed := &identity.KeyChangedError{Addr: "10.0.0.5:50001", Pinned: identity.Fingerprint{1, 2, 3}, Presented: identity.Fingerprint{9, 8, 7}}
	w := trust.New(changed)
	d := uitest.NewScreen(t, image.Pt(700, 600), func(gtx layout.Context) layout.Dimensions {
		return trust.Style{Th: th, Warning: w}.Layout(gtx)
	})
	d.Frame()
	labels := d.Labels()
	assert.Contains(t, labels, "Expected key: "+changed.Pinned.ShortCode())
	assert.Contains(t, labels, "Key presented: "+changed.Presented.ShortCode())
	assert.Contains(t, labels, "Trust the new key")
	assert.Contains(t, labels, "Back")

	trustBtn, back := w.Buttons()
	d.Press(trustBtn)
	assert.Equal(t, []trust.Intent{trust.TrustNewKey{Changed: changed}}, w.Intents())
	assert.Empty(t, w.Intents(), "an intent is taken once")
	d.Press(back)
	assert.Equal(t, []trust.Intent{trust.Back{}}, w.Intents())

	w.Performed(trust.TrustNewKey{Changed: changed}, errors.New("pin file is read-only"))
	d.Frame()
	assert.Contains(t, d.Labels(), "Cannot trust the new key: pin file is read-only")
}
