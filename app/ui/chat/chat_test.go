package chat

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
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/core/client"
)

// recordingSender keeps what the screen sends.
type recordingSender struct{ sent []string }

func (r *recordingSender) Send(text string) error { r.sent = append(r.sent, text); return nil }
func (r *recordingSender) SendPrivate(nick, text string) error {
	r.sent = append(r.sent, nick+": "+text)
	return nil
}

// screenHarness lays out the whole chat screen in a 600×400 window.
type screenHarness struct {
	r      input.Router
	ops    op.Ops
	th     *theme.Theme
	screen *Screen
	sender *recordingSender
	snap   *client.Snapshot
}

func (h *screenHarness) frame() {
	h.ops.Reset()
	gtx := layout.Context{
		Ops: &h.ops, Now: time.Unix(1_800_000_000, 0),
		Metric:      unit.Metric{PxPerDp: 1, PxPerSp: 1},
		Constraints: layout.Exact(image.Pt(600, 400)),
		Source:      h.r.Source(),
	}
	Style{Th: h.th, Screen: h.screen, Sender: h.sender, Snap: h.snap}.Layout(gtx)
	h.r.Frame(&h.ops)
}

func TestSendingScrollsTheLogDown(t *testing.T) {
	h := &screenHarness{
		th: theme.New(testShaper, false), screen: New(), sender: &recordingSender{},
		snap: &client.Snapshot{Conn: client.Connection{State: client.Registered}, Messages: numbered(1, 300),
			Users: []client.User{{Nick: "alice", Self: true}, {Nick: "bob"}}},
	}
	h.frame()
	h.frame()
	h.r.Queue(pointer.Event{Kind: pointer.Scroll, Source: pointer.Mouse, Position: f32.Pt(300, 100), Scroll: f32.Pt(0, -800)})
	h.frame()
	h.frame()
	require.False(t, h.screen.Log.AtBottom(), "scrolled up to read")

	e := &h.screen.Composer.Editor
	h.r.Source().Execute(key.FocusCmd{Tag: e})
	h.frame()
	require.True(t, h.r.Source().Focused(e))
	h.r.Queue(key.EditEvent{Text: "back to the present"})
	h.frame()
	h.r.Queue(key.Event{Name: key.NameReturn, State: key.Press}, key.Event{Name: key.NameReturn, State: key.Release})
	h.frame()
	require.Equal(t, []string{"back to the present"}, h.sender.sent)
	h.frame()
	assert.True(t, h.screen.Log.AtBottom(), "after sending, the log shows the newest lines")
}

func TestFollowKeepsTheRecipientThroughRenames(t *testing.T) {
	s := New()
	s.Composer.To = Recipient{Nick: "bob"}
	rename := func(seq uint64, from, to string) client.Message {
		return client.Message{Seq: seq, Kind: client.System, Event: client.SysRename, From: from, To: to}
	}
	log := []client.Message{rename(1, "carol", "caro")}
	s.Follow(log)
	assert.Equal(t, "bob", s.Composer.To.Nick, "someone else's rename changes nothing")

	log = append(log, rename(2, "BOB", "robert"), rename(3, "robert", "Bobby"))
	s.Follow(log)
	assert.Equal(t, "Bobby", s.Composer.To.Nick, "renames are followed in order, nicks compared as the hub does")

	// Lines already read are not read again: a new "bob" is someone else.
	s.Composer.To = Recipient{Nick: "bob"}
	s.Follow(log)
	assert.Equal(t, "bob", s.Composer.To.Nick)

	s.Composer.To = Recipient{}
	s.Follow(append(log, rename(4, "alice", "bob")))
	assert.True(t, s.Composer.To.Everyone(), "a message to everyone stays to everyone")
}

func TestGoneComparesNicksAsTheHubDoes(t *testing.T) {
	c := NewComposer()
	users := []client.User{{Nick: "alice", Self: true}, {Nick: "straße"}, {Nick: "Émile"}}
	for nick, gone := range map[string]bool{"": false, "STRASSE": false, "e\u0301mile": false, "bob": true} {
		c.To = Recipient{Nick: nick}
		assert.Equal(t, gone, c.Gone(users), nick)
	}
}
