package ui_test

import (
	"context"
	"path/filepath"
	"testing"

	"gioui.org/io/key"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/hosting"
	"github.com/natter-chat/natter/app/ui"
)

// TestHostChoiceIsRemembered checks that "Host a hub on this device" is
// offered again after a run that hosted, and that the form then does not
// ask for an address it hides.
func TestHostChoiceIsRemembered(t *testing.T) {
	dir := t.TempDir()
	shared := filepath.Join(t.TempDir(), "shared")
	cfg := ui.Config{DataDir: dir, Host: func(ctx context.Context) (ui.Hosted, error) {
		return hosting.Start(ctx, hosting.Config{Addr: "127.0.0.1:0", Dir: shared, Name: "Laptop hub"})
	}}
	h := newHarness(t, cfg)
	f := h.UI.Login
	require.False(t, f.Host.Value, "a first run does not host")
	f.Nick.SetText("alice")
	h.Focus(&f.Host)
	h.Key(key.NameSpace, 0)
	require.True(t, f.Host.Value)
	h.Press(f.JoinButton())
	h.Until("the chat screen shows", func() bool { return h.UI.Route() == ui.RouteChat })
	h.Press(h.UI.DisconnectButton())

	h2 := newHarness(t, cfg)
	assert.True(t, h2.UI.Login.Host.Value, "the next start offers to host again")
	labels := h2.Labels()
	assert.NotContains(t, labels, "No hubs found on this network — enter an address.")
	assert.Contains(t, labels, "No other hubs found on this network.")

	// Unticked and joined elsewhere, the next start does not host.
	hub := startHub(t, nil)
	f2 := h2.UI.Login
	h2.Focus(&f2.Host)
	h2.Key(key.NameSpace, 0)
	require.False(t, f2.Host.Value)
	f2.Addr.SetText(hub.addr)
	h2.Press(f2.JoinButton())
	h2.Until("the chat screen shows", func() bool { return h2.UI.Route() == ui.RouteChat })
	assert.False(t, newHarness(t, cfg).UI.Login.Host.Value)
}
