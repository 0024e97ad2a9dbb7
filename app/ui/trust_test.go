package ui_test

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/hosting"
	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/server"
)

// tlsHub is a real hub with a plaintext and a TLS port on 127.0.0.1.
type tlsHub struct {
	plain, tls string
	key        identity.Fingerprint
	stop       func()
}

// listenAgain listens on addr, waiting a little for a port just freed.
func listenAgain(t *testing.T, addr string) net.Listener {
	t.Helper()
	var err error
	for range 100 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil {
			return ln
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, err)
	return nil
}

// startTLSHub runs a hub with a fresh key on plain and tlsAddr
// ("127.0.0.1:0" for any port).
func startTLSHub(t *testing.T, plain, tlsAddr string) *tlsHub {
	t.Helper()
	ls := server.Listeners{Sessions: listenAgain(t, plain), TLS: listenAgain(t, tlsAddr)}
	hub, err := server.New(server.Config{Dir: t.TempDir(), DataDir: t.TempDir(), TLS: &server.TLSConfig{},
		Name: "Test hub", Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	key, _ := hub.Fingerprint()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hub.ServeListeners(ctx, ls) }()
	h := &tlsHub{plain: ls.Sessions.Addr().String(), tls: ls.TLS.Addr().String(), key: key}
	stopped := false
	h.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			require.NoError(t, <-done)
		}
	}
	t.Cleanup(h.stop)
	return h
}

func (h *harness) hasLabel(pred func(string) bool) bool {
	for _, l := range h.Labels() {
		if pred(l) {
			return true
		}
	}
	return false
}

// The header shows the hub's short code; a changed key puts up the
// warning with both codes, whose "Back" trusts nothing and whose "Trust
// the new key" joins the hub again with it.
func TestKeyChangeWarning(t *testing.T) {
	dir := t.TempDir()
	device, err := identity.LoadOrCreateDevice(filepath.Join(dir, "config"))
	require.NoError(t, err)
	pins := identity.NewPinStore(filepath.Join(dir, "config", "pins"))
	old := startTLSHub(t, "127.0.0.1:0", "127.0.0.1:0")
	h := newHarness(t, ui.Config{Pins: pins, Device: device})
	h.login("alice", old.plain)
	h.Until("the header shows the short code", func() bool {
		return h.hasLabel(func(l string) bool { return strings.Contains(l, old.key.ShortCode()) })
	})

	old.stop()
	changed := startTLSHub(t, old.plain, old.tls)
	h.Until("the warning shows", func() bool { return h.UI.KeyWarning() != nil })
	h.Frame()
	assert.Contains(t, h.Labels(), "Expected key: "+old.key.ShortCode())
	assert.Contains(t, h.Labels(), "Key presented: "+changed.key.ShortCode())
	assert.Nil(t, h.UI.Session(), "the session has ended")

	_, back := h.UI.KeyWarning().Buttons()
	h.Press(back)
	h.Frame()
	assert.Nil(t, h.UI.KeyWarning())
	assert.Equal(t, ui.RouteLogin, h.UI.Route())
	pinned, _, err := pins.Lookup(old.tls)
	require.NoError(t, err)
	assert.Equal(t, old.key, pinned, "back trusts nothing")

	f := h.UI.Login
	h.Press(f.JoinButton())
	h.Until("the warning shows again", func() bool { return h.UI.KeyWarning() != nil })
	trustBtn, _ := h.UI.KeyWarning().Buttons()
	h.Press(trustBtn)
	h.Until("joined with the new key", func() bool { return h.UI.Route() == ui.RouteChat })
	h.Until("the header shows the new code", func() bool {
		return h.hasLabel(func(l string) bool { return strings.Contains(l, changed.key.ShortCode()) })
	})
	pinned, _, err = pins.Lookup(old.tls)
	require.NoError(t, err)
	assert.Equal(t, changed.key, pinned)
}

// A hosted hub is joined over TLS, and the header offers its join links,
// which carry its key.
func TestHostedHubShowsJoinLinks(t *testing.T) {
	dir := t.TempDir()
	var hosted *hosting.Hub
	h := newHarness(t, ui.Config{
		Pins: identity.NewPinStore(filepath.Join(dir, "pins")),
		Host: func(ctx context.Context) (ui.Hosted, error) {
			hub, err := hosting.Start(ctx, hosting.Config{Addr: "127.0.0.1:0", Dir: filepath.Join(dir, "shared"),
				DataDir: filepath.Join(dir, "hub"), Name: "Laptop hub", NoAnnounce: true})
			hosted = hub
			return hub, err
		},
	})
	f := h.UI.Login
	f.Nick.SetText("alice")
	h.Frame()
	f.Host.Value = true
	h.Press(f.JoinButton())
	h.Until("the chat screen shows", func() bool { return h.UI.Route() == ui.RouteChat })
	key, ok := hosted.Key()
	require.True(t, ok)
	assert.Equal(t, client.Security{TLS: true, HubKey: key, FirstContact: true}, h.snap().Security)
	links := hosted.JoinLinks()
	h.Until("the header shows the key", func() bool {
		return h.hasLabel(func(l string) bool {
			return strings.Contains(l, key.ShortCode()) && (len(links) == 0 || strings.Contains(l, links[0]))
		})
	})
}
