package ui_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/core/identity"
)

// The header's action makes our nick ours over TLS, and gives it up; a
// private message sent while we were away shows as kept for us.
func TestClaimNickAndInbox(t *testing.T) {
	hub := startTLSHub(t, "127.0.0.1:0", "127.0.0.1:0")
	dir := t.TempDir()
	device, err := identity.LoadOrCreateDevice(filepath.Join(dir, "config"))
	require.NoError(t, err)
	pins := identity.NewPinStore(filepath.Join(dir, "config", "pins"))
	h := newHarness(t, ui.Config{Pins: pins, Device: device})
	h.login("alice", hub.plain)
	h.Until("the hub offers claim over TLS", func() bool {
		s := h.snap()
		return s.Caps.Claim && s.Security.TLS && s.Conn.State == client.Registered
	})
	h.Frame()
	assert.NotContains(t, h.Labels(), "owned")
	h.Press(h.UI.ClaimButton())
	h.Until("the nick is ours", func() bool { return h.snap().Owned })
	h.Until("the chat says so", func() bool {
		return h.hasLabel(func(l string) bool { return strings.Contains(l, "alice is now yours") })
	})
	assert.Contains(t, h.Labels(), "owned", "the people list marks the nick")

	// Away, bob writes to us; back, the message shows as kept.
	h.UI.Disconnect()
	h.Frame()
	bob, err := client.New(client.Config{Addr: hub.plain, Nick: "bob"})
	require.NoError(t, err)
	require.NoError(t, bob.Start(context.Background()))
	t.Cleanup(func() { bob.Close() })
	h.Until("bob registered", func() bool { return bob.Snapshot().Conn.State == client.Registered })
	h.Until("alice is gone", func() bool {
		for _, u := range bob.Snapshot().Users {
			if u.Nick == "alice" {
				return false
			}
		}
		return true
	})
	require.NoError(t, bob.SendPrivate("alice", "are you there?"))
	h.Until("bob is told it is kept", func() bool {
		for _, m := range bob.Snapshot().Messages {
			if m.Note == client.NoteKept {
				return true
			}
		}
		return false
	})

	h.login("alice", hub.plain)
	h.Until("the kept message shows", func() bool {
		return h.hasLabel(func(l string) bool { return strings.Contains(l, "kept while you were away") })
	})
	h.Until("the nick is ours again", func() bool { return h.snap().Owned })
	h.Frame()
	h.Press(h.UI.ClaimButton())
	h.Until("given up", func() bool { return !h.snap().Owned })
	h.Until("the chat says so", func() bool {
		return h.hasLabel(func(l string) bool { return strings.Contains(l, "You gave up the nickname alice") })
	})
}
