// Package chat is the conversation screen: the message log, the recipient
// selector and the composer.
package chat

import (
	"gioui.org/io/key"
	"gioui.org/layout"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/core/client"
)

// Screen is the chat screen's state.
type Screen struct {
	Log      *Log
	Composer *Composer
}

// New returns an empty chat screen addressed to everyone.
func New() *Screen {
	return &Screen{Log: NewLog(), Composer: NewComposer()}
}

// SetRecipient addresses the next messages to nick ("" for everyone) and
// puts the cursor in the editor.
func (s *Screen) SetRecipient(gtx C, nick string) {
	s.Composer.To = Recipient{Nick: nick}
	s.Composer.menuOpen = false
	gtx.Execute(focusEditor(&s.Composer.Editor))
}

// Focus puts the cursor in the editor.
func (s *Screen) Focus(gtx C) { gtx.Execute(focusEditor(&s.Composer.Editor)) }

func focusEditor(tag any) key.FocusCmd { return key.FocusCmd{Tag: tag} }

// Style draws a Screen.
type Style struct {
	Th     *theme.Theme
	Screen *Screen
	Sender Sender
	Snap   *client.Snapshot
}

// DisabledReason is why sending is off in conn's state, or "".
func DisabledReason(conn client.Connection) string {
	switch conn.State {
	case client.Registered:
		return ""
	case client.Closed:
		return "Disconnected from the hub."
	default:
		return "Not connected to the hub; sending is off until it is back."
	}
}

// Layout lays out the log over the composer.
func (s Style) Layout(gtx C) D {
	th := s.Th
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Flexed(1, func(gtx C) D {
			return kit.Panel(gtx, th.Surface, LogStyle{Th: th, Log: s.Screen.Log, Msgs: s.Snap.Messages}.Layout)
		}),
		layout.Rigid(func(gtx C) D { return kit.HLine(gtx, th.Divider) }),
		layout.Rigid(func(gtx C) D {
			return kit.Panel(gtx, th.Surface, ComposerStyle{
				Th:       th,
				Composer: s.Screen.Composer,
				Sender:   s.Sender,
				Users:    s.Snap.Users,
				Disabled: DisabledReason(s.Snap.Conn),
			}.Layout)
		}),
	)
}
