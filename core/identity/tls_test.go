package identity

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFirstUsePinsThenPinnedHubConnects(t *testing.T) {
	hub := newHub(t)
	pins := NewPinStore(filepath.Join(t.TempDir(), "pins"))

	addr, seen := serveOne(t, hub)
	conn, err := DialHub(context.Background(), nil, addr, nil, pins, TrustOnFirstUse)
	require.NoError(t, err)
	line, err := bufio.NewReader(conn).ReadString('\n')
	conn.Close()
	require.NoError(t, err)
	assert.Equal(t, "ok\n", line)
	require.NoError(t, (<-seen).err)
	fp, ok, err := pins.Lookup(addr)
	require.NoError(t, err)
	require.True(t, ok, "first contact pins the hub's key")
	assert.Equal(t, hub.Fingerprint(), fp)

	// The same key again (on another port), now with a pin required.
	connect(t, hub, func(addr string) *tls.Config {
		require.NoError(t, pins.Replace(addr, fp))
		return ClientConfig(nil, pins.Check(addr, RequirePin))
	})
}

// A hub presenting a certificate whose key it does not hold fails the
// handshake after the fingerprint check has run; nothing is pinned.
func TestFailedHandshakeLeavesNoPin(t *testing.T) {
	real, other := newHub(t), newHub(t)
	stolen := &Identity{cert: real.Certificate(), fp: real.Fingerprint()}
	stolen.cert.PrivateKey = other.Certificate().PrivateKey
	addr, seen := serveOne(t, stolen)
	pins := NewPinStore(filepath.Join(t.TempDir(), "pins"))
	_, err := DialHub(context.Background(), nil, addr, nil, pins, TrustOnFirstUse)
	require.Error(t, err)
	var changed *KeyChangedError
	assert.False(t, errors.As(err, &changed), "a bad signature, not a changed key: %v", err)
	assert.Error(t, (<-seen).err)
	_, ok, err := pins.Lookup(addr)
	require.NoError(t, err)
	assert.False(t, ok, "a failed handshake pins nothing")
}

func TestDialHubRefusesChangedKey(t *testing.T) {
	old, impostor := newHub(t), newHub(t)
	addr, seen := serveOne(t, impostor)
	pins := NewPinStore(filepath.Join(t.TempDir(), "pins"))
	require.NoError(t, pins.Pin(addr, old.Fingerprint()))
	_, err := DialHub(context.Background(), nil, addr, nil, pins, TrustOnFirstUse)
	var changed *KeyChangedError
	require.True(t, errors.As(err, &changed), "got %v", err)
	assert.Equal(t, old.Fingerprint(), changed.Pinned)
	assert.Equal(t, impostor.Fingerprint(), changed.Presented)
	assert.Error(t, (<-seen).err)
}

func TestRequirePinRefusesUnknownHub(t *testing.T) {
	addr, seen := serveOne(t, newHub(t))
	pins := NewPinStore(filepath.Join(t.TempDir(), "pins"))
	_, err := dial(t, addr, ClientConfig(nil, pins.Check(addr, RequirePin)))
	assert.ErrorIs(t, err, ErrNotPinned)
	assert.Error(t, (<-seen).err)
	_, ok, err := pins.Lookup(addr)
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestChangedKeyRefused(t *testing.T) {
	old, impostor := newHub(t), newHub(t)
	require.NotEqual(t, old.Fingerprint(), impostor.Fingerprint())
	pins := NewPinStore(filepath.Join(t.TempDir(), "pins"))

	addr, seen := serveOne(t, impostor)
	require.NoError(t, pins.Pin(addr, old.Fingerprint()))
	_, err := dial(t, addr, ClientConfig(nil, pins.Check(addr, TrustOnFirstUse)))
	var changed *KeyChangedError
	require.True(t, errors.As(err, &changed), "got %v", err)
	assert.Equal(t, old.Fingerprint(), changed.Pinned)
	assert.Equal(t, impostor.Fingerprint(), changed.Presented)
	assert.Equal(t, addr, changed.Addr)
	assert.Contains(t, err.Error(), old.Fingerprint().ShortCode())
	assert.Contains(t, err.Error(), impostor.Fingerprint().ShortCode())
	assert.Error(t, (<-seen).err, "the hub's handshake fails too")

	fp, _, err := pins.Lookup(addr)
	require.NoError(t, err)
	assert.Equal(t, old.Fingerprint(), fp, "a refused key never replaces the pin")

	// The user trusts the new key.
	require.NoError(t, pins.Replace(addr, impostor.Fingerprint()))
	connect(t, impostor, func(addr string) *tls.Config {
		require.NoError(t, pins.Replace(addr, impostor.Fingerprint()))
		return ClientConfig(nil, pins.Check(addr, RequirePin))
	})
}

func TestJoinLinkFingerprint(t *testing.T) {
	hub, other := newHub(t), newHub(t)

	addr, seen := serveOne(t, hub)
	wrong := JoinLink{Host: "127.0.0.1", Fingerprint: other.Fingerprint()}
	_, err := dial(t, addr, ClientConfig(nil, ExpectFingerprint(wrong.Fingerprint)))
	var changed *KeyChangedError
	require.True(t, errors.As(err, &changed), "got %v", err)
	assert.Equal(t, other.Fingerprint(), changed.Pinned)
	assert.Equal(t, hub.Fingerprint(), changed.Presented)
	assert.Error(t, (<-seen).err)

	connect(t, hub, func(addr string) *tls.Config {
		link, err := ParseJoinLink("natter://" + addr + "/?fp=" + hub.Fingerprint().String())
		require.NoError(t, err)
		require.Equal(t, addr, link.Addr())
		return ClientConfig(nil, ExpectFingerprint(link.Fingerprint))
	})
}

func TestClientCertificateReachesHub(t *testing.T) {
	hub, device := newHub(t), newDevice(t)
	_, s := connect(t, hub, func(string) *tls.Config { return ClientConfig(device, ExpectFingerprint(hub.Fingerprint())) })
	require.True(t, s.hasClient)
	assert.Equal(t, device.Fingerprint(), s.client)
	assert.NotEqual(t, hub.Fingerprint(), s.client)
}

func TestNoClientCertificate(t *testing.T) {
	hub := newHub(t)
	_, s := connect(t, hub, func(string) *tls.Config { return ClientConfig(nil, ExpectFingerprint(hub.Fingerprint())) })
	assert.False(t, s.hasClient)
	assert.True(t, s.client.IsZero())
}

func TestTransferKeyAgrees(t *testing.T) {
	hub, device := newHub(t), newDevice(t)
	cs, s := connect(t, hub, func(string) *tls.Config { return ClientConfig(device, ExpectFingerprint(hub.Fingerprint())) })
	clientKey, err := TransferKey(cs, testToken)
	require.NoError(t, err)
	assert.Equal(t, s.transferKey, clientKey, "both ends derive one key")
	assert.NotEqual(t, [32]byte{}, clientKey)

	otherToken, err := TransferKey(cs, "0d4e6f1a2b3c4d5e6f708192a3b4c5d6")
	require.NoError(t, err)
	assert.NotEqual(t, clientKey, otherToken, "another token, another key")

	cs2, _ := connect(t, hub, func(string) *tls.Config { return ClientConfig(nil, ExpectFingerprint(hub.Fingerprint())) })
	otherSession, err := TransferKey(cs2, testToken)
	require.NoError(t, err)
	assert.NotEqual(t, clientKey, otherSession, "another session, another key")
}
