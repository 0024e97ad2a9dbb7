package ui_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/internal/rawclient"
)

// TestClickedLinkOpensThroughTheUI checks that a link in a message is
// opened by the UI through Config.OpenURL, and that a failure is shown.
func TestClickedLinkOpensThroughTheUI(t *testing.T) {
	hub := startHub(t, nil)
	zed := rawclient.Dial(t, hub.addr, "zed")
	var opened []string
	var openErr error
	h := newHarness(t, ui.Config{OpenURL: func(url string) error {
		opened = append(opened, url)
		return openErr
	}})
	h.login("alice", hub.addr)
	zed.Send("MSG the agenda is at https://intranet.example/agenda.")
	var seq uint64
	h.Until("the message arrives", func() bool {
		for _, m := range h.snap().Messages {
			if m.From == "zed" && m.Kind == client.Public {
				seq = m.Seq
			}
		}
		return seq != 0
	})
	h.Frame()
	h.Press(h.UI.Chat.Log.LinkButton(seq, 0))
	assert.Equal(t, []string{"https://intranet.example/agenda"}, opened)
	assert.Empty(t, h.UI.Chat.Log.Err)

	openErr = errors.New("no program to open web pages was found (xdg-open is missing)")
	h.Press(h.UI.Chat.Log.LinkButton(seq, 0))
	require.Len(t, opened, 2)
	assert.Contains(t, h.UI.Chat.Log.Err, "xdg-open is missing", "the reason is shown in the chat")
	assert.Contains(t, h.Labels(), h.UI.Chat.Log.Err)
}
