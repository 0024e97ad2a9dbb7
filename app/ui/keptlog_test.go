package ui_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/chatlog"
	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/chat"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/internal/rawclient"
)

// rowTexts counts the log's rows by text.
func rowTexts(u *ui.UI) map[string]int {
	n := map[string]int{}
	for _, m := range u.LogRows() {
		if m.Kind != client.System {
			n[m.Text]++
		}
	}
	return n
}

func TestChatLogSurvivesARestart(t *testing.T) {
	hub := startHub(t, nil)
	zed := rawclient.Dial(t, hub.addr, "zed")
	logDir := t.TempDir()

	// A message kept from two days ago, for a day's rule.
	old, err := chatlog.Open(logDir, chatlog.Key("", hub.addr))
	require.NoError(t, err)
	require.NoError(t, old.Append(client.Message{Kind: client.Public, From: "zed", Text: "from the other day",
		Time: time.Now().Add(-48 * time.Hour)}))
	require.NoError(t, old.Close())

	first := newHarness(t, ui.Config{ChatLogDir: logDir})
	first.login("alice", hub.addr)
	zed.Expect("JOIN ")
	zed.Send("MSG hello alice")
	zed.Send("PRIV alice just between us")
	first.Until("both messages arrive", func() bool {
		n := rowTexts(first.UI)
		return n["hello alice"] == 1 && n["just between us"] == 1
	})
	require.NoError(t, first.UI.Close())
	zed.Expect("LEAVE ")
	zed.Send("MSG said while you were away")
	zed.Expect("MSG ")

	// A new window on the same folder shows the conversation, the private
	// message too, with the hub's replayed history merged in once.
	h := newHarness(t, ui.Config{ChatLogDir: logDir})
	h.login("alice", hub.addr)
	h.Until("the hub's history is in", func() bool { return rowTexts(h.UI)["said while you were away"] == 1 })
	n := rowTexts(h.UI)
	assert.Equal(t, 1, n["from the other day"], "the saved message from before")
	assert.Equal(t, 1, n["hello alice"], "saved and replayed: shown once")
	assert.Equal(t, 1, n["just between us"], "the private message, which the hub does not replay")
	var priv client.Message
	for _, m := range h.UI.LogRows() {
		if m.Text == "just between us" {
			priv = m
		}
	}
	assert.Equal(t, client.Private, priv.Kind)
	assert.Equal(t, "alice", priv.To)

	texts := func() []string {
		var s []string
		for _, m := range h.UI.LogRows() {
			if m.Kind != client.System {
				s = append(s, m.Text)
			}
		}
		return s
	}
	assert.Equal(t, []string{"from the other day", "hello alice", "just between us", "said while you were away"}, texts(), "in order of time")

	zed.Send("MSG and now live")
	h.Until("the live message shows", func() bool { return rowTexts(h.UI)["and now live"] == 1 })
	h.Frame()
	assert.Equal(t, []string{"from the other day", "hello alice", "just between us", "said while you were away", "and now live"}, texts(),
		"a live message goes at the end")
	lg := h.UI.Chat.Log
	assert.Equal(t, 1, lg.EarlierLaidOut, "the divider between earlier and live messages")
	assert.GreaterOrEqual(t, lg.DaysLaidOut, 1, "a rule between the days")
	labels := h.Labels()
	assert.Contains(t, labels, chat.EarlierText)
	assert.Contains(t, labels, "Today")

	// The file holds each message once, the live one too.
	require.NoError(t, h.UI.Close())
	l, err := chatlog.Open(logDir, chatlog.Key("", hub.addr))
	require.NoError(t, err)
	defer l.Close()
	saved, bad, err := l.Load()
	require.NoError(t, err)
	assert.Empty(t, bad)
	var got []string
	for _, m := range saved {
		got = append(got, m.Text)
	}
	assert.Equal(t, []string{"from the other day", "hello alice", "just between us", "said while you were away", "and now live"}, got)
	assert.False(t, slices.ContainsFunc(saved, func(m client.Message) bool { return m.Kind == client.System }))
}

// A log folder that cannot be made keeps no log, and the chat goes on.
func TestChatGoesOnWithoutItsLog(t *testing.T) {
	hub := startHub(t, nil)
	zed := rawclient.Dial(t, hub.addr, "zed")
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	h := newHarness(t, ui.Config{ChatLogDir: filepath.Join(file, "chatlog")})
	h.login("alice", hub.addr)
	zed.Expect("JOIN ")
	zed.Send("MSG still here")
	h.Until("the message shows", func() bool { return rowTexts(h.UI)["still here"] == 1 })
}

// Over TLS the log is kept under the hub's key, whatever address it was
// joined at.
func TestChatLogKeptUnderTheHubsKey(t *testing.T) {
	dir := t.TempDir()
	device, err := identity.LoadOrCreateDevice(filepath.Join(dir, "config"))
	require.NoError(t, err)
	pins := identity.NewPinStore(filepath.Join(dir, "config", "pins"))
	hub := startTLSHub(t, "127.0.0.1:0", "127.0.0.1:0")
	zed := rawclient.Dial(t, hub.plain, "zed")
	logDir := filepath.Join(dir, "chatlog")
	h := newHarness(t, ui.Config{Pins: pins, Device: device, ChatLogDir: logDir})
	h.login("alice", hub.plain)
	require.True(t, h.snap().Security.TLS)
	zed.Expect("JOIN ")
	zed.Send("MSG over tls")
	h.Until("the message shows", func() bool { return rowTexts(h.UI)["over tls"] == 1 })
	require.NoError(t, h.UI.Close())

	l, err := chatlog.Open(logDir, chatlog.Key(hub.key.String(), "another address"))
	require.NoError(t, err)
	defer l.Close()
	saved, _, err := l.Load()
	require.NoError(t, err)
	require.Len(t, saved, 1)
	assert.Equal(t, "over tls", saved[0].Text)
}
