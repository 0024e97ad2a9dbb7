//go:build linux

package tftp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net"
	"os"
	"os/signal"
	"testing"
	"time"

	"github.com/natter-chat/natter/internal/netnstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveEnv names the environment variable that turns this test binary into
// the server of TestReplyFromRequestedAddress: a process of its own, so
// that every socket it makes, transfer sockets included, is in the
// namespace it was started in.
const serveEnv = "NATTER_TFTP_TEST_SERVE"

const nsFileSeed, nsFileSize = 90, 200*1024 + 3

// TestServeInNamespace is the server process; it does nothing unless
// started by TestReplyFromRequestedAddress.
func TestServeInNamespace(t *testing.T) {
	addr := os.Getenv(serveEnv)
	if addr == "" {
		t.Skip("runs only as the server process of TestReplyFromRequestedAddress")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := net.ListenPacket("udp4", addr)
	require.NoError(t, err)
	defer conn.Close()
	h := newMemHandler()
	h.add("f", randomBytes(nsFileSeed, nsFileSize))
	require.NoError(t, (&Server{Handler: h}).Serve(ctx, conn))
}

// TestReplyFromRequestedAddress: a hub with two addresses on one subnet,
// listening on all of them, answers a request sent to its second address
// from that address. The kernel would pick the first (the subnet's primary)
// for a socket bound to no address, and a client that checks where answers
// come from, as Natter's does, would take it for a stranger's.
func TestReplyFromRequestedAddress(t *testing.T) {
	ns := netnstest.New(t, "tftpla", "h", "c")
	hub, client := ns[0], ns[1]
	netnstest.Link(t, hub, "vethH", "10.77.0.1/24", client, "vethC", "10.77.0.3/24")
	require.NoError(t, netnstest.Run("ip", "-n", hub, "addr", "add", "10.77.0.2/24", "dev", "vethH"))
	exe, err := os.Executable()
	require.NoError(t, err)
	netnstest.Start(t, append(os.Environ(), serveEnv+"=0.0.0.0:6969"), hub,
		exe, "-test.run=^TestServeInNamespace$", "-test.count=1")

	want := randomBytes(nsFileSeed, nsFileSize)
	var got bytes.Buffer
	var dlErr error
	var from *net.UDPAddr
	var rawErr error
	<-netnstest.Go(t, client, func() {
		// The client's request is repeated on its timer until the server
		// process is up.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, dlErr = Download(ctx, "10.77.0.2:6969", "f", nil, &got)
		if dlErr != nil {
			return
		}
		// The source of the first answer, seen by a bare socket.
		c, err := net.ListenUDP("udp4", nil)
		if rawErr = err; err != nil {
			return
		}
		defer c.Close()
		pkt, _ := AppendRequest(nil, OpRRQ, "f", "octet", Options{{OptBlockSize, "2048"}})
		if _, rawErr = c.WriteToUDP(pkt, &net.UDPAddr{IP: net.IPv4(10, 77, 0, 2), Port: 6969}); rawErr != nil {
			return
		}
		buf := make([]byte, 4096)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, from, rawErr = c.ReadFromUDP(buf)
		_, _ = c.WriteToUDP(AppendError(nil, ErrNotDefined, "enough"), from)
	})
	require.NoError(t, dlErr)
	assert.Equal(t, sha256.Sum256(want), sha256.Sum256(got.Bytes()))
	require.NoError(t, rawErr)
	assert.Equal(t, "10.77.0.2", from.IP.String(), "the answer comes from the address asked")
}
