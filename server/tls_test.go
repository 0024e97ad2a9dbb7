package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/core/proto"
)

// startTLSHub runs a hub with a plaintext and a TLS port on 127.0.0.1, its
// key kept in dataDir, until the test ends. addr is the plaintext port's
// address ("" when configure turned it off).
func startTLSHub(t *testing.T, dataDir string, configure func(*Config)) (h *Hub, addr, tlsAddr string) {
	t.Helper()
	c := startClaimHub(t, dataDir, configure)
	return c.h, c.addr, c.tlsAddr
}

// dialTLS connects to the hub's TLS port as device (nil: no client
// certificate), accepting only the key want, and reads HELLO and CAPS.
func dialTLS(t *testing.T, addr string, device *identity.Identity, want identity.Fingerprint) (*testClient, proto.Event) {
	t.Helper()
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: guard}, Config: identity.ClientConfig(device, identity.ExpectFingerprint(want))}
	conn, err := d.DialContext(context.Background(), "tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	c := &testClient{t: t, conn: conn, r: proto.NewReader(bufio.NewReader(conn), proto.MaxHubLineLen)}
	c.expect("HELLO natter/1 Test hub")
	caps := c.event()
	require.Equal(t, proto.KwCaps, caps.Keyword)
	return c, caps
}

// The TLS port serves the same sessions as the plaintext one, with the
// hub's kept key; both ports announce it in CAPS, and the hub notes the
// key a client presents.
func TestTLSSessions(t *testing.T) {
	dataDir := t.TempDir()
	h, addr, tlsAddr := startTLSHub(t, dataDir, nil)
	fp, ok := h.Fingerprint()
	require.True(t, ok)
	_, port, _ := net.SplitHostPort(tlsAddr)

	plain := dial(t, addr)
	caps := plain.event()
	require.Equal(t, proto.KwCaps, caps.Keyword, "CAPS follows HELLO")
	v, _ := caps.Capability("tls")
	assert.Equal(t, port, v)
	v, _ = caps.Capability("fp")
	assert.Equal(t, fp.String(), v)

	device, err := identity.LoadOrCreateDevice(filepath.Join(t.TempDir(), "device"))
	require.NoError(t, err)
	alice, caps := dialTLS(t, tlsAddr, device, fp)
	v, _ = caps.Capability("fp")
	assert.Equal(t, fp.String(), v)
	alice.send("NICK alice")
	alice.expect("WELCOME alice")
	alice.readBlock(proto.KwUsers)
	alice.readBlock(proto.KwHistory)

	bob, _ := dialTLS(t, tlsAddr, nil, fp)
	bob.send("NICK bob")
	bob.expect("WELCOME bob")
	bob.readBlock(proto.KwUsers)
	bob.readBlock(proto.KwHistory)

	alice.send("MSG over TLS")
	ev := bob.event()
	for ev.Keyword == proto.KwJoin {
		ev = bob.event()
	}
	assert.Equal(t, proto.KwMsg, ev.Keyword)
	assert.Equal(t, "over TLS", ev.Text)

	keys := map[string]identity.Fingerprint{}
	h.mu.Lock()
	for _, s := range h.roster {
		keys[s.nick] = s.clientKey
	}
	h.mu.Unlock()
	assert.Equal(t, device.Fingerprint(), keys["alice"], "the hub notes the key alice presented")
	assert.True(t, keys["bob"].IsZero(), "bob presented none")

	// The key is kept, mode 0600, and the next hub on the folder has it.
	info, err := os.Stat(filepath.Join(dataDir, identity.HubKeyFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	// (A second hub on the folder would open its database too: the key
	// alone is what is checked.)
	again, err := identity.LoadOrCreateHub(dataDir)
	require.NoError(t, err)
	assert.Equal(t, fp, again.Fingerprint())
}

// A client that refuses the hub's key gets no session, and the limits of
// the plaintext port hold on the TLS port too.
func TestTLSLimits(t *testing.T) {
	_, _, tlsAddr := startTLSHub(t, t.TempDir(), func(c *Config) { c.MaxClients = 1 })
	d := &tls.Dialer{Config: identity.ClientConfig(nil, identity.ExpectFingerprint(identity.Fingerprint{1}))}
	_, err := d.DialContext(context.Background(), "tcp", tlsAddr)
	var changed *identity.KeyChangedError
	require.ErrorAs(t, err, &changed)

	h, _, tlsAddr := startTLSHub(t, t.TempDir(), func(c *Config) { c.MaxClients = 1 })
	fp, _ := h.Fingerprint()
	dialTLS(t, tlsAddr, nil, fp)
	d = &tls.Dialer{Config: identity.ClientConfig(nil, identity.ExpectFingerprint(fp))}
	conn, err := d.DialContext(context.Background(), "tcp", tlsAddr)
	require.NoError(t, err)
	defer conn.Close()
	c := &testClient{t: t, conn: conn, r: proto.NewReader(bufio.NewReader(conn), proto.MaxHubLineLen)}
	c.expect("HELLO natter/1 Test hub")
	c.expectErr(503, "", proto.ReasonHubFull)
	c.expect("BYE hub-full")
}

// With the plaintext port off the hub serves TLS alone.
func TestTLSOnly(t *testing.T) {
	h, addr, tlsAddr := startTLSHub(t, t.TempDir(), func(c *Config) { c.Addr = NoAddr })
	assert.Empty(t, addr)
	assert.Nil(t, h.Addr())
	fp, _ := h.Fingerprint()
	c, _ := dialTLS(t, tlsAddr, nil, fp)
	c.send("NICK carol")
	c.expect("WELCOME carol")

	_, err := New(Config{Dir: t.TempDir(), Addr: NoAddr})
	assert.ErrorContains(t, err, "NoAddr")
	_, err = New(Config{Dir: t.TempDir(), TLS: &TLSConfig{}})
	assert.ErrorContains(t, err, "DataDir")
}

// heldConn holds what is written while hold is set, to send it in one
// write: the TLS records written meanwhile then reach the hub together.
type heldConn struct {
	net.Conn
	hold bool
	held []byte
}

func (c *heldConn) Write(p []byte) (int, error) {
	if c.hold {
		c.held = append(c.held, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *heldConn) flush() error {
	c.hold = false
	_, err := c.Conn.Write(c.held)
	c.held = nil
	return err
}

// However a client's lines fall into TLS records (many in one record, one
// split over several, several records arriving at once), each is answered
// without waiting for more input; and an idle TLS session waits for input
// in the runtime's poller, not inside tls.Conn.Read (see recordConn).
func TestTLSLinesAcrossRecords(t *testing.T) {
	h, _, tlsAddr := startTLSHub(t, t.TempDir(), func(c *Config) { c.MaxLineRate = NoLineLimit })
	fp, _ := h.Fingerprint()
	raw, err := net.DialTimeout("tcp", tlsAddr, guard)
	require.NoError(t, err)
	held := &heldConn{Conn: raw}
	conn := tls.Client(held, identity.ClientConfig(nil, identity.ExpectFingerprint(fp)))
	t.Cleanup(func() { conn.Close() })
	c := &testClient{t: t, conn: conn, r: proto.NewReader(bufio.NewReader(conn), proto.MaxHubLineLen)}
	c.expect("HELLO natter/1 Test hub")
	c.event() // CAPS

	// 40 lines in one record, the first as long as the hub's first read
	// of it: that read ends at a line's end, with the rest of the record
	// left in TLS.
	var many strings.Builder
	first := "PING " + strings.Repeat("f", firstReadSize-len("PING \n"))
	many.WriteString(first + "\n")
	for i := range 40 {
		fmt.Fprintf(&many, "PING many%d\n", i)
	}
	c.sendRaw(many.String())
	c.expect("PONG " + first[len("PING "):])
	for i := range 40 {
		c.expect(fmt.Sprintf("PONG many%d", i))
	}
	// One line in three records.
	for _, part := range []string{"PI", "NG spl", "it\n"} {
		c.sendRaw(part)
	}
	c.expect("PONG split")
	// Five records in one TCP write.
	held.hold = true
	for i := range 5 {
		c.send(fmt.Sprintf("PING together%d", i))
	}
	require.NoError(t, held.flush())
	for i := range 5 {
		c.expect(fmt.Sprintf("PONG together%d", i))
	}

	if !rawReadSupported {
		return
	}
	// Idle now: the session's reader waits in the poller.
	deadline := time.Now().Add(guard)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if strings.Contains(stacks, "(*recordConn).waitReadable") {
			require.NotContains(t, stacks, "crypto/tls.(*Conn).Read", "a TLS session waits inside tls.Conn.Read")
			return
		}
		require.True(t, time.Now().Before(deadline), "no TLS session waits in recordConn.waitReadable:\n%s", stacks)
		time.Sleep(10 * time.Millisecond)
	}
}
