package chat_test

import (
	"image"
	"testing"
	"time"

	"gioui.org/font"
	"gioui.org/layout"
	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/chat"
	"github.com/natter-chat/natter/app/ui/fonts"
	"github.com/natter-chat/natter/app/ui/uitest"
	"github.com/natter-chat/natter/core/client"
)

// TestEveryScriptShowsInTheChat lays out the chat screen with messages in
// many scripts and checks that the shaper it draws with has a glyph for
// every character of them, names included, in regular and bold.
func TestEveryScriptShowsInTheChat(t *testing.T) {
	th := theme.New(fonts.NewEmbeddedShaper(), false)
	at := time.Unix(1_800_000_000, 0)
	msgs := []client.Message{
		{From: "bob", Text: "Launch day 🚀🎉 coffee is on me ☕️👍"},
		{From: "سارة", Text: "صباح الخير، الاجتماع في الساعة العاشرة"},
		{From: "דנה", Text: "בוקר טוב, אני אגיע בעוד עשר דקות"},
		{From: "はると", Text: "資料は共有フォルダにあります 📁"},
		{From: "李明", Text: "我们下午三点开会，请准时参加。"},
		{From: "alice", Own: true, Text: "Mixed: שלום and مرحبا and 你好 😀"},
	}
	for i := range msgs {
		msgs[i].Seq, msgs[i].Kind, msgs[i].Time = uint64(i+1), client.Public, at
	}
	snap := &client.Snapshot{Conn: client.Connection{State: client.Registered}, Messages: msgs,
		Users: []client.User{{Nick: "alice", Self: true}, {Nick: "bob"}}}
	screen := chat.New()
	d := uitest.NewScreen(t, image.Pt(700, 900), func(gtx layout.Context) layout.Dimensions {
		return chat.Style{Th: th, Screen: screen, Snap: snap}.Layout(gtx)
	})
	d.Frame()
	d.Frame()

	labels := d.Labels()
	for _, m := range msgs {
		assert.Contains(t, labels, m.Text, "the message is on screen")
		for _, line := range []struct {
			text   string
			weight font.Weight
		}{{m.Text, font.Normal}, {m.From, font.Bold}} {
			missing, _ := uitest.MissingGlyphs(th.Shaper, font.Font{Weight: line.weight}, line.text)
			assert.Zero(t, missing, "glyphs drawn as empty boxes in %q", line.text)
		}
	}
	// Right-to-left lines are shaped right to left.
	for _, m := range msgs[1:3] {
		_, rtl := uitest.MissingGlyphs(th.Shaper, font.Font{}, m.Text)
		assert.NotZero(t, rtl, m.Text)
	}
}
