package client

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/server"
)

// TestLoadOlderPagesBackToTheFirstMessage fills a storing hub with more
// messages than its replay, then pages back with LoadOlder until the hub
// has nothing older: every message comes exactly once, in order.
func TestLoadOlderPagesBackToTheFirstMessage(t *testing.T) {
	h := startHub(t, server.Config{DataDir: t.TempDir(), History: 20, MaxLineRate: server.NoLineLimit}, "127.0.0.1:0")
	const total = 250
	// The hub lets the writer send at any rate; the writer's own pace
	// would otherwise spread 250 lines over 12 s.
	writer := startClient(t, Config{Addr: h.addr, Nick: "writer", MaxMessages: 1000, SendRate: 1e6, SendBurst: 1000})
	waitFor(t, writer, "writer registered", registered)
	for i := range total {
		require.NoError(t, writer.Send(fmt.Sprintf("message %d", i)))
	}
	waitFor(t, writer, "all sent", func(s *Snapshot) bool { return len(publicTexts(s)) == total })

	reader := startClient(t, Config{Addr: h.addr, Nick: "reader"})
	s := waitFor(t, reader, "replay", func(s *Snapshot) bool { return registered(s) && len(publicTexts(s)) == 20 })
	require.True(t, s.HubStores, "CAPS store")
	for range total/olderPage + 3 {
		before := len(reader.Snapshot().Older)
		reader.LoadOlder()
		s = waitFor(t, reader, "a page", func(s *Snapshot) bool {
			return !s.OlderLoading && (len(s.Older) > before || s.OlderComplete)
		})
		if s.OlderComplete {
			break
		}
	}
	require.True(t, s.OlderComplete, "never reached the first message")
	var all []string
	for _, m := range append(append([]Message{}, s.Older...), s.Messages...) {
		if m.Kind == Public {
			all = append(all, m.Text)
		}
	}
	require.Len(t, all, total)
	for i, text := range all {
		require.Equal(t, fmt.Sprintf("message %d", i), text)
	}

	// Asking again once complete sends nothing and changes nothing.
	reader.LoadOlder()
	require.Len(t, reader.Snapshot().Older, total-20)
}

func TestSearchFindsWordsNewestFirst(t *testing.T) {
	h := startHub(t, server.Config{DataDir: t.TempDir()}, "127.0.0.1:0")
	c := startClient(t, Config{Addr: h.addr, Nick: "ann"})
	waitFor(t, c, "registered", registered)
	for _, text := range []string{"Le café est prêt", "東京で会議", "nothing here", "CAFE au lait"} {
		require.NoError(t, c.Send(text))
	}
	waitFor(t, c, "all sent", func(s *Snapshot) bool { return len(publicTexts(s)) == 4 })
	// A message is indexed a moment after it was sent.
	var s *Snapshot
	for range 200 {
		c.Search("  cafe ")
		s = waitFor(t, c, "found", func(s *Snapshot) bool { return !s.Searching && s.FoundFor == "cafe" })
		if len(s.Found) == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.Len(t, s.Found, 2)
	require.Equal(t, "CAFE au lait", s.Found[0].Text)
	require.Equal(t, "Le café est prêt", s.Found[1].Text)
	// Asked while another search may still be on its way: sent after it.
	c.Search("lait")
	c.Search("東京")
	s = waitFor(t, c, "found", func(s *Snapshot) bool { return !s.Searching && s.FoundFor == "東京" })
	require.Len(t, s.Found, 1)
	c.Search("")
	waitFor(t, c, "cleared", func(s *Snapshot) bool { return s.Found == nil && s.FoundFor == "" })
}

func TestSearchOnAHubWithoutStore(t *testing.T) {
	h := startHub(t, server.Config{}, "127.0.0.1:0")
	c := startClient(t, Config{Addr: h.addr, Nick: "ann"})
	s := waitFor(t, c, "registered", registered)
	require.False(t, s.HubStores)
	c.Search("anything")
	s = waitFor(t, c, "refused", func(s *Snapshot) bool { return s.LastError != nil && s.LastError.Keyword == "SEARCH" })
	require.False(t, s.Searching)
	require.Empty(t, s.Found)
}
