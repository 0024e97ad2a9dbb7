package client

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/server"
)

// tlsHub is a real hub in this process with a plaintext and, unless off,
// a TLS port on 127.0.0.1, its key kept in a data folder.
type tlsHub struct {
	hub       *server.Hub
	plain     string // "" when off
	tls       string // "" when off
	fp        identity.Fingerprint
	stopHub   func()
	stoppedCh chan struct{}
}

// listenRetry listens on addr, waiting a little for the port of a hub that
// just stopped to come free.
func listenRetry(t *testing.T, addr string) net.Listener {
	t.Helper()
	var ln net.Listener
	var err error
	for range 100 {
		if ln, err = net.Listen("tcp", addr); err == nil {
			return ln
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, err)
	return nil
}

// runTLSHub serves a hub with its key in dataDir ("" for no TLS) on the
// plaintext address plain and the TLS address tlsAddr ("127.0.0.1:0" for
// any port; tlsAddr "" for none, plain "" for none).
func runTLSHub(t *testing.T, dataDir, plain, tlsAddr string) *tlsHub {
	t.Helper()
	cfg := server.Config{Dir: t.TempDir(), Name: "TLS hub", Logger: slog.New(slog.DiscardHandler)}
	var ls server.Listeners
	if plain == "" {
		cfg.Addr = server.NoAddr
	} else {
		ls.Sessions = listenRetry(t, plain)
	}
	if tlsAddr != "" {
		cfg.DataDir, cfg.TLS = dataDir, &server.TLSConfig{}
		ls.TLS = listenRetry(t, tlsAddr)
	}
	hub, err := server.New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	h := &tlsHub{hub: hub, stoppedCh: make(chan struct{})}
	if ls.Sessions != nil {
		h.plain = ls.Sessions.Addr().String()
	}
	if ls.TLS != nil {
		h.tls = ls.TLS.Addr().String()
		h.fp, _ = hub.Fingerprint()
	}
	go func() {
		assert.NoError(t, hub.ServeListeners(ctx, ls))
		close(h.stoppedCh)
	}()
	h.stopHub = func() {
		cancel()
		select {
		case <-h.stoppedCh:
		case <-time.After(30 * time.Second):
			t.Error("hub did not stop")
		}
	}
	t.Cleanup(h.stopHub)
	return h
}

// trustConfig is a client config for nick with its own pin store and
// device identity in dir.
func trustConfig(t *testing.T, dir, addr, nick string) Config {
	t.Helper()
	device, err := identity.LoadOrCreateDevice(filepath.Join(dir, "device"))
	require.NoError(t, err)
	return fastReconnect(Config{Addr: addr, Nick: nick, Pins: identity.NewPinStore(filepath.Join(dir, "pins")), Device: device})
}

func closedFor(c Cause) func(*Snapshot) bool {
	return func(s *Snapshot) bool { return s.Conn.State == Closed && s.Conn.Cause == c }
}

// A client given the plaintext address of a hub that offers TLS moves to
// TLS, pins the key on first contact under both addresses, and connects
// to the pinned hub again.
func TestTLSFirstContactPins(t *testing.T) {
	h := runTLSHub(t, t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	dir := t.TempDir()
	cfg := trustConfig(t, dir, h.plain, "alice")
	alice := startClient(t, cfg)
	s := waitFor(t, alice, "alice registered", registered)
	assert.Equal(t, Security{TLS: true, HubKey: h.fp, FirstContact: true}, s.Security)
	for _, addr := range []string{h.plain, h.tls} {
		fp, ok, err := cfg.Pins.Lookup(addr)
		require.NoError(t, err)
		assert.True(t, ok, addr)
		assert.Equal(t, h.fp, fp, addr)
	}
	alice.Quit("")
	require.NoError(t, alice.Wait())

	again := startClient(t, cfg)
	s = waitFor(t, again, "registered again", registered)
	assert.Equal(t, Security{TLS: true, HubKey: h.fp}, s.Security, "pinned: not a first contact")
}

// A hub whose key changed is refused with both keys, by a client that
// was connected (its reconnect does not fall back to plaintext) and by a
// new one, until the user trusts the new key.
func TestTLSChangedKeyRefused(t *testing.T) {
	old := runTLSHub(t, t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	dir := t.TempDir()
	cfg := trustConfig(t, dir, old.plain, "alice")
	alice := startClient(t, cfg)
	waitFor(t, alice, "alice registered", registered)

	old.stopHub()
	changed := runTLSHub(t, t.TempDir(), old.plain, old.tls)
	require.NotEqual(t, old.fp, changed.fp)
	s := waitFor(t, alice, "the reconnect refused", closedFor(CauseKeyChanged))
	var kc *identity.KeyChangedError
	require.ErrorAs(t, s.Conn.Err, &kc)
	assert.Equal(t, old.fp, kc.Pinned)
	assert.Equal(t, changed.fp, kc.Presented)
	assert.NotEqual(t, kc.Pinned.ShortCode(), kc.Presented.ShortCode())
	assert.Equal(t, changed.tls, kc.Addr)
	for _, m := range s.Messages {
		if m.Event == SysConnection && m.Note == NoteReconnected {
			t.Errorf("the client registered again after the key changed: %+v", m)
		}
	}

	fresh := startClient(t, cfg)
	s = waitFor(t, fresh, "a new client refused too", closedFor(CauseKeyChanged))
	require.ErrorAs(t, s.Conn.Err, &kc)
	assert.Equal(t, changed.fp, kc.Presented)

	require.NoError(t, TrustNewKey(cfg, kc))
	trusted := startClient(t, cfg)
	s = waitFor(t, trusted, "registered with the new key", registered)
	assert.Equal(t, changed.fp, s.Security.HubKey)
}

// A pinned hub that stops offering TLS gets no plaintext session.
func TestTLSPinnedHubWithoutTLSRefused(t *testing.T) {
	h := runTLSHub(t, t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	cfg := trustConfig(t, t.TempDir(), h.plain, "alice")
	alice := startClient(t, cfg)
	waitFor(t, alice, "alice registered", registered)
	alice.Quit("")
	require.NoError(t, alice.Wait())
	h.stopHub()

	runTLSHub(t, "", h.plain, "")
	bob := startClient(t, cfg)
	s := waitFor(t, bob, "refused", closedFor(CauseNoTLS))
	var noTLS *NoTLSError
	require.ErrorAs(t, s.Conn.Err, &noTLS)
	assert.True(t, noTLS.Pinned)
}

// A join link's key is the only one accepted: the right one connects
// (straight to the TLS port, the hub having no other) and is pinned, a
// wrong one is refused and pins nothing.
func TestTLSJoinLink(t *testing.T) {
	h := runTLSHub(t, t.TempDir(), "", "127.0.0.1:0")
	wrong := identity.Fingerprint{7}
	link, err := identity.ParseJoinLink("natter://" + h.tls + "/?fp=" + wrong.String())
	require.NoError(t, err)
	cfg := trustConfig(t, t.TempDir(), "", "alice")
	cfg.UseJoinLink(link)
	c := startClient(t, cfg)
	s := waitFor(t, c, "wrong key refused", closedFor(CauseKeyChanged))
	var kc *identity.KeyChangedError
	require.ErrorAs(t, s.Conn.Err, &kc)
	assert.Equal(t, wrong, kc.Pinned)
	assert.Equal(t, h.fp, kc.Presented)
	_, pinned, err := cfg.Pins.Lookup(h.tls)
	require.NoError(t, err)
	assert.False(t, pinned, "a refused key is never pinned")

	link.Fingerprint = h.fp
	cfg.UseJoinLink(link)
	c = startClient(t, cfg)
	s = waitFor(t, c, "the link's key accepted", registered)
	assert.Equal(t, Security{TLS: true, HubKey: h.fp, FirstContact: true}, s.Security)
	fp, pinned, err := cfg.Pins.Lookup(h.tls)
	require.NoError(t, err)
	assert.True(t, pinned)
	assert.Equal(t, h.fp, fp)
}

// Plaintext only on request: a hub without TLS is refused unless the
// user asked for plaintext, and a hub with TLS is talked to in plaintext
// when asked; the Snapshot says so.
func TestTLSPlaintextOnlyOnRequest(t *testing.T) {
	plain := runTLSHub(t, "", "127.0.0.1:0", "")
	cfg := trustConfig(t, t.TempDir(), plain.plain, "alice")
	c := startClient(t, cfg)
	s := waitFor(t, c, "no TLS refused", closedFor(CauseNoTLS))
	var noTLS *NoTLSError
	require.ErrorAs(t, s.Conn.Err, &noTLS)
	assert.False(t, noTLS.Pinned)

	cfg.Plaintext = true
	c = startClient(t, cfg)
	s = waitFor(t, c, "plaintext as asked", registered)
	assert.Equal(t, Security{Plaintext: true}, s.Security)

	both := runTLSHub(t, t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	cfg.Addr = both.plain
	c = startClient(t, cfg)
	s = waitFor(t, c, "plaintext though TLS is offered", registered)
	assert.Equal(t, Security{Plaintext: true}, s.Security)
	_, pinned, err := cfg.Pins.Lookup(both.tls)
	require.NoError(t, err)
	assert.False(t, pinned, "a plaintext session pins nothing")
}
