// Package chat is the conversation screen: the message log, the recipient
// selector and the composer.
package chat

import (
	"gioui.org/io/key"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/paint"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/core/client"
)

// Screen is the chat screen's state.
type Screen struct {
	Log      *Log
	Composer *Composer
	// Finder is the search field over the log.
	Finder *Finder
	// followed is the Seq of the newest log line Follow has read.
	followed uint64
}

// Follow keeps the composer addressed to the same person when they change
// nick: it reads the rename lines of msgs (the client's log, oldest first)
// that it has not read before, and moves the recipient to the new nick.
// Call it each frame before the composer is drawn.
func (s *Screen) Follow(msgs []client.Message) {
	if len(msgs) == 0 {
		return
	}
	// The log only grows at its end (and is trimmed at its start), so the
	// lines not yet read are a tail.
	i := len(msgs)
	for i > 0 && msgs[i-1].Seq > s.followed {
		i--
	}
	to := &s.Composer.To
	for _, m := range msgs[i:] {
		if m.Kind == client.System && m.Event == client.SysRename && m.To != "" &&
			!to.Everyone() && client.SameNick(m.From, to.Nick) {
			to.Nick = m.To
		}
	}
	s.followed = msgs[len(msgs)-1].Seq
}

// New returns an empty chat screen addressed to everyone.
func New() *Screen {
	return &Screen{Log: NewLog(), Composer: NewComposer(), Finder: NewFinder()}
}

// Intent is a request of the chat screen to the hub, other than sending
// (the composer's) and opening links (the log's): LoadOlder or Search.
type Intent interface{ chatIntent() }

func (LoadOlder) chatIntent() {}
func (Search) chatIntent()    {}

// Intents returns, once, what the screen asked for since the last call:
// an older page of the log, and searches, in that order.
func (s *Screen) Intents() []Intent {
	var out []Intent
	if s.Log.TakeLoadOlder() {
		out = append(out, LoadOlder{})
	}
	for _, in := range s.Finder.Intents() {
		out = append(out, in)
	}
	return out
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
	Snap   *client.Snapshot
	// Msgs are the log's rows when they are more than the client's log
	// (the app's saved messages merged in); nil means Snap.Messages.
	Msgs []client.Message
	// Preview is a small picture of the file a SHARED line names, when
	// one is ready; nil shows none.
	Preview func(m *client.Message) (paint.ImageOp, bool)
}

// msgs are the log's rows after the hub's stored pages.
func (s Style) msgs() []client.Message {
	if s.Msgs == nil {
		return s.Snap.Messages
	}
	return s.Msgs
}

// layoutLog lays out the search field, when open, over the log. A result
// chosen scrolls the log to it.
func (s Style) layoutLog(gtx C) D {
	fs := FinderStyle{Th: s.Th, Finder: s.Screen.Finder, Snap: s.Snap}
	log := LogStyle{Th: s.Th, Log: s.Screen.Log, Msgs: s.msgs(), Nick: s.Snap.Nick, Older: OlderOf(s.Snap), Owned: ownedNicks(s.Snap.Users), Preview: s.Preview}
	d := layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(fs.Layout),
		layout.Flexed(1, log.Layout),
	)
	if m, ok := s.Screen.Finder.take(); ok {
		s.Screen.Log.ScrollToMessage(m.Time)
		gtx.Execute(op.InvalidateCmd{})
	}
	if s.Screen.Finder.takeClosed() {
		s.Screen.Focus(gtx)
	}
	return d
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

// Layout lays out the log over the composer. Sending a message scrolls
// the log to the newest line, where the message will show.
func (s Style) Layout(gtx C) D {
	th := s.Th
	if s.Screen.Composer.sent {
		s.Screen.Composer.sent = false
		s.Screen.Log.ScrollToBottom()
	}
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Flexed(1, func(gtx C) D {
			d := kit.Panel(gtx, th.Surface, s.layoutLog)
			if s.Screen.Log.toComposer {
				s.Screen.Log.toComposer = false
				s.Screen.Focus(gtx)
			}
			return d
		}),
		layout.Rigid(func(gtx C) D { return kit.HLine(gtx, th.Divider) }),
		layout.Rigid(func(gtx C) D {
			return kit.Panel(gtx, th.Surface, ComposerStyle{
				Th:       th,
				Composer: s.Screen.Composer,
				Users:    s.Snap.Users,
				Disabled: DisabledReason(s.Snap.Conn),
			}.Layout)
		}),
	)
}

// ownedNicks says which of users are owned by the one connected; nil when
// none is.
func ownedNicks(users []client.User) func(string) bool {
	var owned []string
	for _, u := range users {
		if u.Owned {
			owned = append(owned, u.Nick)
		}
	}
	if owned == nil {
		return nil
	}
	return func(nick string) bool {
		for _, o := range owned {
			if client.SameNick(o, nick) {
				return true
			}
		}
		return false
	}
}
