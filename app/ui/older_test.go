package ui_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/internal/rawclient"
	"github.com/natter-chat/natter/server"
)

// storingHub is a hub that keeps its history, replays the last replay
// messages on registration and holds total messages from "writer",
// "message 0" to "message <total-1>".
func storingHub(t *testing.T, replay, total int) *testHub {
	t.Helper()
	dir := t.TempDir()
	hub := startHub(t, nil, func(c *server.Config) {
		c.DataDir, c.History, c.MaxLineRate = dir, replay, server.NoLineLimit
	})
	w := rawclient.Dial(t, hub.addr, "writer")
	lines := make([]string, total)
	for i := range lines {
		lines[i] = fmt.Sprintf("MSG message %d", i)
	}
	w.Send(strings.Join(lines, "\n"))
	w.ExpectContaining("MSG ", fmt.Sprintf(" message %d", total-1))
	return hub
}

// publicTexts are the texts of the public messages the log holds: the
// pages loaded from the hub, then the client's own log.
func publicTexts(s *client.Snapshot) []string {
	var out []string
	for _, m := range append(append([]client.Message{}, s.Older...), s.Messages...) {
		if m.Kind == client.Public {
			out = append(out, m.Text)
		}
	}
	return out
}

// TestScrollbackPagesToTheFirstMessage scrolls the log to its top again
// and again: each time the log asks for one older page, shows it above
// without moving the text in view, until the hub has nothing older. Every
// message is then in the log once, in order.
func TestScrollbackPagesToTheFirstMessage(t *testing.T) {
	const total, replay = 1200, 20
	hub := storingHub(t, replay, total)
	h := newHarness(t, ui.Config{DataDir: t.TempDir()})
	h.login("alice", hub.addr)
	log := h.UI.Chat.Log
	h.Until("the replay and CAPS store", func() bool {
		s := h.snap()
		return s.HubStores && len(publicTexts(s)) == replay
	})
	require.Zero(t, log.OlderAsks(), "paged back before the view reached the top")

	pages := 0
	for range total/100 + 3 {
		log.ScrollBy(-1 << 20) // to the top, as a drag of the scrollbar would
		before := log.OlderShown()
		// This frame reaches the top and asks for a page, which the
		// next frames show.
		h.Frame()
		top, ok := log.Top()
		require.True(t, ok, "no message in view")
		require.Equal(t, before, log.OlderShown())
		h.Until("a page came in", func() bool {
			return log.OlderShown() > before || h.snap().OlderComplete
		})
		h.Frame()
		pages++
		require.Equal(t, pages, log.OlderAsks(), "asked more than once for a page")
		if log.OlderShown() == before {
			break
		}
		// The message at the top of the view stays where it was.
		var y int
		found := false
		for _, r := range log.Shown() {
			if r.Msg.Text == top.Msg.Text {
				y, found = r.Y, true
			}
		}
		require.True(t, found, "%q left the view after a page came in", top.Msg.Text)
		require.Equal(t, top.Y, y, "%q moved after a page came in", top.Msg.Text)
		if h.snap().OlderComplete {
			break
		}
	}
	s := h.snap()
	require.True(t, s.OlderComplete, "never reached the first message")
	texts := publicTexts(s)
	require.Len(t, texts, total)
	for i, txt := range texts {
		require.Equal(t, fmt.Sprintf("message %d", i), txt)
	}
	log.ScrollBy(-1 << 20)
	h.Frame()
	h.Frame()
	require.Contains(t, h.Labels(), "Start of the conversation")
	top, ok := log.Top()
	require.True(t, ok)
	require.Equal(t, "message 0", top.Msg.Text)
	asks := log.OlderAsks()
	h.Frame()
	require.Equal(t, asks, log.OlderAsks(), "asked again after the first message")
}
