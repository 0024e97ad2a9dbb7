package server

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/core/tftp"
)

// TestTLSSessionGrantsAreSealed: a GET asked over the hub's TLS port is a
// sealed grant. Fetched with the key both ends derive from the session it
// arrives whole; without it, over plain TFTP or over HTTP, it is refused.
func TestTLSSessionGrantsAreSealed(t *testing.T) {
	data := randomData(7, 9000)
	var dir string
	h, _, tlsAddr := startTLSHub(t, t.TempDir(), func(c *Config) {
		c.Transfers = &TransferConfig{}
		c.Web = &WebConfig{Addr: "127.0.0.1:0"}
		dir = c.Dir
	})
	writeData(t, dir, "notes.txt", data)
	fp, ok := h.Fingerprint()
	require.True(t, ok)
	c, _ := dialTLS(t, tlsAddr, nil, fp)
	c.send("NICK alice")
	c.skipTo("HISTORY ")
	state := c.conn.(*tls.Conn).ConnectionState()
	udp := func(port int) string { return hubUDP(port) }

	// With the session's key: the file, byte for byte.
	g := c.grant("GET notes.txt")
	key, err := identity.TransferKey(state, g.Token)
	require.NoError(t, err)
	var got bytes.Buffer
	_, err = tftp.Download(testContext(t), udp(g.Port), g.Token, &tftp.ClientOptions{SealKey: &key}, &got)
	require.NoError(t, err)
	require.Equal(t, data, got.Bytes())

	// Without it: refused, and nothing of the file is sent.
	g = c.grant("GET notes.txt")
	got.Reset()
	_, err = tftp.Download(testContext(t), udp(g.Port), g.Token, nil, &got)
	var pe *tftp.PeerError
	require.True(t, errors.As(err, &pe), "a plain request for a sealed grant is refused: %v", err)
	require.Zero(t, got.Len())

	// Over HTTP: refused too, and the grant's slot is given back.
	g = c.grant("GET notes.txt")
	web := h.WebAddr().(*net.TCPAddr)
	resp, err := http.Get("http://" + web.String() + "/t/" + g.Token)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Eventually(t, func() bool { return h.Stats().Transfers.Slots == 0 }, guard, 5*time.Millisecond)
}
