// Package trust is the warning shown when a hub's key has changed: both
// short codes side by side, a button that trusts the new key and one that
// goes back without it. Like every screen it only describes what the user
// asked for (intents); the UI replaces the pin and joins again.
package trust

import (
	"gioui.org/layout"
	"gioui.org/widget"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/app/ui/words"
	"github.com/natter-chat/natter/core/identity"
)

type (
	C = layout.Context
	D = layout.Dimensions
)

// Intent is what the user asked for on the warning.
type Intent interface{ trustIntent() }

// TrustNewKey asks to pin Changed.Presented in place of Changed.Pinned
// and join the hub again.
type TrustNewKey struct{ Changed *identity.KeyChangedError }

// Back asks to leave the hub, trusting nothing new.
type Back struct{}

func (TrustNewKey) trustIntent() {}
func (Back) trustIntent()        {}

// Warning is the state of the warning about one changed key.
type Warning struct {
	Changed *identity.KeyChangedError
	trust   widget.Clickable
	back    widget.Clickable
	failure string // why trusting the key failed, if it did
	intents kit.Intents[Intent]
}

// New returns the warning about changed.
func New(changed *identity.KeyChangedError) *Warning { return &Warning{Changed: changed} }

// Buttons are the warning's clickables, for tests.
func (w *Warning) Buttons() (trust, back *widget.Clickable) { return &w.trust, &w.back }

// Intents returns what the user asked for since the last call.
func (w *Warning) Intents() []Intent { return w.intents.Take() }

// Performed tells the warning how an intent went; a failure is shown.
func (w *Warning) Performed(in Intent, err error) {
	if _, ok := in.(TrustNewKey); ok && err != nil {
		w.failure = words.KeyChanged(w.Changed).Failure + err.Error()
	}
}

func (w *Warning) update(gtx C) {
	if w.trust.Clicked(gtx) {
		w.intents.Add(TrustNewKey{Changed: w.Changed})
	}
	if w.back.Clicked(gtx) {
		w.intents.Add(Back{})
	}
}

// Style draws a Warning.
type Style struct {
	Th      *theme.Theme
	Warning *Warning
}

// Layout handles the clicks of this frame and draws the warning.
func (s Style) Layout(gtx C) D {
	w, th := s.Warning, s.Th
	w.update(gtx)
	txt := words.KeyChanged(w.Changed)
	kit.Fill(gtx, th.Window)
	return layout.Center.Layout(gtx, func(gtx C) D {
		gtx.Constraints.Max.X = min(gtx.Constraints.Max.X, gtx.Dp(520))
		return layout.UniformInset(24).Layout(gtx, func(gtx C) D {
			gap := layout.Rigid(layout.Spacer{Height: 12}.Layout)
			return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
				layout.Rigid(kit.Bold(kit.Label(th, 20, th.Danger, txt.Title)).Layout),
				gap,
				layout.Rigid(kit.Label(th, 14, th.Text, txt.Body).Layout),
				gap,
				layout.Rigid(kit.Bold(kit.Label(th, 16, th.Text, txt.Was)).Layout),
				layout.Rigid(kit.Bold(kit.Label(th, 16, th.Danger, txt.Now)).Layout),
				gap,
				layout.Rigid(kit.Label(th, 13, th.TextMuted, txt.Advice).Layout),
				gap,
				layout.Rigid(func(gtx C) D { return kit.ErrorLine(gtx, th, w.failure) }),
				layout.Rigid(func(gtx C) D {
					return layout.Flex{}.Layout(gtx,
						layout.Rigid(kit.Button(th, &w.back, txt.Back, true).Layout),
						layout.Rigid(layout.Spacer{Width: 12}.Layout),
						layout.Rigid(kit.Button(th, &w.trust, txt.Trust, false).Layout),
					)
				}),
			)
		})
	})
}
