package chat

import (
	"strings"
	"testing"
	"time"

	"gioui.org/io/input"
	"gioui.org/io/key"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/client"
)

func (h *logHarness) press(name key.Name, mods key.Modifiers) {
	h.r.Queue(key.Event{Name: name, Modifiers: mods, State: key.Press}, key.Event{Name: name, Modifiers: mods, State: key.Release})
	h.frame()
}

func (h *logHarness) focus(tag any) {
	h.r.Source().Execute(key.FocusCmd{Tag: tag})
	h.frame()
}

func (h *logHarness) clipboard() string {
	_, b, _ := h.r.WriteClipboard()
	return string(b)
}

func oneMessage(text string) []client.Message {
	return []client.Message{{Seq: 1, Kind: client.Public, From: "bob", Time: time.Unix(1_800_000_000, 0), Text: text}}
}

func TestMessageTextCanBeSelectedAndCopied(t *testing.T) {
	h := newLogHarness(oneMessage("first line of the message\nand the second"))
	h.frame()
	h.frame()
	sel := h.log.Text(1)
	require.NotNil(t, sel, "the row is in view")
	h.focus(sel)
	require.True(t, h.r.Source().Focused(sel), "the text takes the focus, for the keyboard's selection")
	h.press(key.NameEnd, key.ModShift)
	assert.Equal(t, "first line of the message", sel.SelectedText(), "Shift+End selects to the end of the line")
	h.press("C", key.ModShortcut)
	assert.Equal(t, "first line of the message", h.clipboard(), "the shortcut copies the selection")
	assert.Contains(t, labels(h), "first line of the message\nand the second", "screen readers still read the text")
}

func TestCopyButtonCopiesTheWholeMessage(t *testing.T) {
	text := "the whole message, all of it"
	h := newLogHarness(oneMessage(text))
	h.frame()
	h.frame()
	assert.NotContains(t, descriptions(h), "Copy", "the button shows only on the row in use")
	h.focus(h.log.Text(1))
	assert.Contains(t, descriptions(h), "Copy", "the keyboard on the row shows the button")
	btn := h.log.CopyButton(1)
	h.focus(btn)
	require.True(t, h.r.Source().Focused(btn))
	h.press(key.NameSpace, 0)
	h.frame()
	assert.Equal(t, text, h.clipboard())
	assert.Contains(t, descriptions(h), "Copied", "the button says it worked")
}

func TestLinksAskToBeOpened(t *testing.T) {
	h := newLogHarness(oneMessage("notes at https://example.com/notes, and http://10.0.0.5:8080 too"))
	h.frame()
	h.frame()
	for i, want := range []string{"https://example.com/notes", "http://10.0.0.5:8080"} {
		btn := h.log.LinkButton(1, i)
		require.NotNil(t, btn)
		h.focus(btn)
		require.True(t, h.r.Source().Focused(btn), "a link is a stop for Tab")
		h.press(key.NameReturn, 0)
		assert.Equal(t, []OpenLink{{URL: want}}, h.log.Intents())
	}
	assert.Nil(t, h.log.LinkButton(1, 2), "two links, two buttons")

	h.log.Performed(OpenLink{URL: "https://example.com/notes"}, assert.AnError)
	h.frame()
	assert.Contains(t, h.log.Err, "Could not open the link")
	assert.Contains(t, labels(h), h.log.Err, "the failure is on screen")
	h.log.Performed(OpenLink{}, nil)
	assert.Empty(t, h.log.Err)
}

// descriptions are the descriptions of the controls on screen, as screen
// readers read them (an icon button has one, not a label).
func descriptions(h *logHarness) []string {
	return semantics(h, func(d input.SemanticDesc) string { return d.Description })
}

func TestLongMessageFoldsWithShowMore(t *testing.T) {
	long := strings.Repeat("word ", 1000) // 5,000 characters
	h := newLogHarness(append(oneMessage("short and whole"), client.Message{
		Seq: 2, Kind: client.Public, From: "carol", Time: time.Unix(1_800_000_060, 0), Text: long}))
	h.frame()
	h.frame()
	assert.Contains(t, labels(h), "Show more", "a 5,000-character message is folded")
	assert.Equal(t, 0, h.log.List.Position.First, "folded, both messages fit in the window")
	h.focus(h.log.MoreButton(2))
	h.press(key.NameReturn, 0)
	h.frame()
	assert.Contains(t, labels(h), "Show less", "unfolded, it can be folded again")
	assert.NotContains(t, labels(h), "Show more")
	assert.Greater(t, h.log.List.Position.First+h.log.List.Position.Offset, 0, "in full it is taller than the window")
	assert.Contains(t, labels(h), long, "the whole text is there to read")
	assert.Equal(t, 1, strings.Count(strings.Join(labels(h), "\n"), "Show"), "the short message has no button")
}
