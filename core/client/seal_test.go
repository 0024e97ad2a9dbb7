package client

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/core/tftp"
)

// tlsPipe returns both ends of a TLS 1.3 session over an in-memory pipe.
func tlsPipe(t *testing.T) (hub, client *tls.Conn) {
	t.Helper()
	pem, err := identity.NewHubKey()
	require.NoError(t, err)
	id, err := identity.HubFromPEM(pem)
	require.NoError(t, err)
	a, b := net.Pipe()
	hub = tls.Server(a, identity.HubConfig(id))
	client = tls.Client(b, identity.ClientConfig(nil, identity.ExpectFingerprint(id.Fingerprint())))
	// The pipe ends, not the TLS conns: a TLS Close writes close_notify,
	// which on an unread net.Pipe waits out its 5 s deadline.
	t.Cleanup(func() { a.Close(); b.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- hub.HandshakeContext(ctx) }()
	require.NoError(t, client.HandshakeContext(ctx))
	require.NoError(t, <-errc)
	return hub, client
}

// keyEngine records the key each transfer was given.
type keyEngine struct{ keys chan *[tftp.SealKeySize]byte }

func (e keyEngine) download(_ context.Context, _, _ string, key *[tftp.SealKeySize]byte, _, _ string, _ int64, _ string, _ func(int64)) (string, error) {
	e.keys <- key
	return "", nil
}

func (e keyEngine) upload(_ context.Context, _, _ string, key *[tftp.SealKeySize]byte, _ io.Reader, _ int64, _ func(int64)) error {
	e.keys <- key
	return nil
}

func TestTransferOverTLSIsSealed(t *testing.T) {
	hub, client := tlsPipe(t)
	const token = "0123456789abcdef0123456789abcdef"
	want, err := identity.TransferKey(hub.ConnectionState(), token)
	require.NoError(t, err)
	eng := keyEngine{keys: make(chan *[tftp.SealKeySize]byte, 1)}

	j := &job{kind: jobDownload, w: &worker{}, token: token, session: client}
	m := j.run(context.Background(), eng, func() {})
	require.NoError(t, m.err)
	got := <-eng.keys
	require.NotNil(t, got, "a transfer of a TLS session is sealed")
	assert.Equal(t, want, *got, "both ends derive the same key")

	other, err := identity.TransferKey(hub.ConnectionState(), token[1:]+"0")
	require.NoError(t, err)
	assert.NotEqual(t, other, *got, "every token has a key of its own")
}

func TestTransferOverPlaintextIsNotSealed(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	eng := keyEngine{keys: make(chan *[tftp.SealKeySize]byte, 1)}
	j := &job{kind: jobDownload, w: &worker{}, token: "t", session: b}
	require.NoError(t, j.run(context.Background(), eng, func() {}).err)
	assert.Nil(t, <-eng.keys)
}
