package identity

import (
	"bufio"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testToken is a transfer token as a hub grants them.
const testToken = "9b1c7e05a3d24f6e8a0b1c2d3e4f5a6b"

// hubSide is what a hub saw of one session.
type hubSide struct {
	err         error
	client      Fingerprint
	hasClient   bool
	transferKey [32]byte
}

// serveOne listens on 127.0.0.1 with hub's identity, takes one session,
// completes its handshake, writes "ok\n" and reports what it saw.
func serveOne(t *testing.T, hub *Identity) (addr string, seen <-chan hubSide) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", HubConfig(hub))
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	ch := make(chan hubSide, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			ch <- hubSide{err: err}
			return
		}
		defer conn.Close()
		// Bounds a test whose client never completes the handshake.
		conn.SetDeadline(time.Now().Add(time.Minute))
		tc := conn.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			ch <- hubSide{err: err}
			return
		}
		var s hubSide
		cs := tc.ConnectionState()
		s.client, s.hasClient = PeerFingerprint(cs)
		s.transferKey, s.err = TransferKey(cs, testToken)
		if s.err == nil {
			_, s.err = conn.Write([]byte("ok\n"))
		}
		ch <- s
	}()
	return ln.Addr().String(), ch
}

// dial connects to addr with cfg and reads the hub's "ok"; it returns the
// session's state.
func dial(t *testing.T, addr string, cfg *tls.Config) (tls.ConnectionState, error) {
	t.Helper()
	d := &net.Dialer{Timeout: time.Minute}
	conn, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return tls.ConnectionState{}, err
	}
	if line != "ok\n" {
		t.Fatalf("hub said %q", line)
	}
	return conn.ConnectionState(), nil
}

// connect runs one session with hub, which must succeed, and returns the
// client's state of it and what the hub saw.
func connect(t *testing.T, hub *Identity, cfg func(addr string) *tls.Config) (tls.ConnectionState, hubSide) {
	t.Helper()
	addr, seen := serveOne(t, hub)
	cs, err := dial(t, addr, cfg(addr))
	require.NoError(t, err)
	s := <-seen
	require.NoError(t, s.err)
	return cs, s
}

func newHub(t *testing.T) *Identity {
	t.Helper()
	id, err := LoadOrCreateHub(t.TempDir())
	require.NoError(t, err)
	return id
}

func newDevice(t *testing.T) *Identity {
	t.Helper()
	id, err := LoadOrCreateDevice(t.TempDir())
	require.NoError(t, err)
	return id
}
