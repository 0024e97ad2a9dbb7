package identity

import (
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
	_, err := dial(t, addr, ClientConfig(nil, pins.Check(addr, TrustOnFirstUse)))
	require.NoError(t, err)
	require.NoError(t, (<-seen).err)
	fp, ok, err := pins.Lookup(addr)
	require.NoError(t, err)
	require.True(t, ok, "first contact pins the hub's key")
	assert.Equal(t, hub.Fingerprint(), fp)

	// The same key again, now with a pin required.
	addr2, seen2 := serveOne(t, hub)
	require.NoError(t, pins.Replace(addr2, fp))
	_, err = dial(t, addr2, ClientConfig(nil, pins.Check(addr2, RequirePin)))
	require.NoError(t, err)
	require.NoError(t, (<-seen2).err)
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
	addr2, seen2 := serveOne(t, impostor)
	require.NoError(t, pins.Replace(addr2, impostor.Fingerprint()))
	_, err = dial(t, addr2, ClientConfig(nil, pins.Check(addr2, RequirePin)))
	require.NoError(t, err)
	require.NoError(t, (<-seen2).err)
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

	addr2, seen2 := serveOne(t, hub)
	link, err := ParseJoinLink("natter://" + addr2 + "/?fp=" + hub.Fingerprint().String())
	require.NoError(t, err)
	assert.Equal(t, addr2, link.Addr())
	_, err = dial(t, link.Addr(), ClientConfig(nil, ExpectFingerprint(link.Fingerprint)))
	require.NoError(t, err)
	require.NoError(t, (<-seen2).err)
}

func TestClientCertificateReachesHub(t *testing.T) {
	hub, device := newHub(t), newDevice(t)
	addr, seen := serveOne(t, hub)
	_, err := dial(t, addr, ClientConfig(device, ExpectFingerprint(hub.Fingerprint())))
	require.NoError(t, err)
	s := <-seen
	require.NoError(t, s.err)
	require.True(t, s.hasClient)
	assert.Equal(t, device.Fingerprint(), s.client)
	assert.NotEqual(t, hub.Fingerprint(), s.client)
}

func TestNoClientCertificate(t *testing.T) {
	hub := newHub(t)
	addr, seen := serveOne(t, hub)
	_, err := dial(t, addr, ClientConfig(nil, ExpectFingerprint(hub.Fingerprint())))
	require.NoError(t, err)
	s := <-seen
	require.NoError(t, s.err)
	assert.False(t, s.hasClient)
	assert.True(t, s.client.IsZero())
}

func TestTransferKeyAgrees(t *testing.T) {
	hub := newHub(t)
	check := ExpectFingerprint(hub.Fingerprint())

	addr, seen := serveOne(t, hub)
	cs, err := dial(t, addr, ClientConfig(newDevice(t), check))
	require.NoError(t, err)
	s := <-seen
	require.NoError(t, s.err)
	clientKey, err := TransferKey(cs, testToken)
	require.NoError(t, err)
	assert.Equal(t, s.transferKey, clientKey, "both ends derive one key")
	assert.NotEqual(t, [32]byte{}, clientKey)

	otherToken, err := TransferKey(cs, "0d4e6f1a2b3c4d5e6f708192a3b4c5d6")
	require.NoError(t, err)
	assert.NotEqual(t, clientKey, otherToken, "another token, another key")

	addr2, seen2 := serveOne(t, hub)
	cs2, err := dial(t, addr2, ClientConfig(nil, check))
	require.NoError(t, err)
	require.NoError(t, (<-seen2).err)
	otherSession, err := TransferKey(cs2, testToken)
	require.NoError(t, err)
	assert.NotEqual(t, clientKey, otherSession, "another session, another key")
}
