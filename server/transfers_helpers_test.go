package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/tftp"
)

// transferHub is a hub with a transferService, both on 127.0.0.1.
type transferHub struct {
	*testHub
	ts  *transferService
	udp string // host:port of the UDP listener
}

// startTransferHub runs a hub with transfers; configure may change both
// configurations. Everything is stopped at the end of the test.
func startTransferHub(t testing.TB, configure func(*Config, *TransferConfig)) *transferHub {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Dir = t.TempDir()
	cfg.Name = "Test hub"
	cfg.Logger = slog.New(slog.DiscardHandler)
	var tcfg TransferConfig
	if configure != nil {
		configure(&cfg, &tcfg)
	}
	cfg.Transfers = &tcfg
	h, err := New(cfg)
	require.NoError(t, err)
	ts := h.transfers
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	stop := serveForTest(t, h, Listeners{Sessions: ln, Packets: pc})
	t.Cleanup(func() { require.NoError(t, stop()) })
	require.Eventually(t, func() bool { return ts.Addr() != nil }, guard, time.Millisecond)
	return &transferHub{
		testHub: &testHub{Hub: h, addr: ln.Addr().String(), dir: cfg.Dir, stop: stop},
		ts:      ts,
		udp:     pc.LocalAddr().String(),
	}
}

// hubUDP is the address a client sends the TFTP request of a grant to.
func hubUDP(port int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// grant sends a GET or PUT line and returns the grant.
func (c *testClient) grant(line string) proto.Event {
	c.t.Helper()
	c.send(line)
	ev := c.event()
	require.Contains(c.t, []string{proto.KwGet, proto.KwPut}, ev.Keyword, "answer to %q: %+v", line, ev)
	require.Len(c.t, ev.Token, 32, "token of %+v", ev)
	return ev
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func randomData(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	t.Cleanup(cancel)
	return ctx
}

// dirNames lists the shared folder, hidden entries included.
func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// requireDirSettles waits until the folder holds exactly want (transfers
// end on the hub's side a moment after the client's) and checks it.
func requireDirSettles(t testing.TB, dir string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if want == nil {
		want = []string{}
	}
	deadline := time.Now().Add(guard)
	for {
		got := dirNames(t, dir)
		if got == nil {
			got = []string{}
		}
		if slices.Equal(got, want) || time.Now().After(deadline) {
			require.Equal(t, want, got, "contents of the shared folder")
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// requireTFTPError checks that err is an ERROR packet from the hub with
// this code.
func requireTFTPError(t testing.TB, err error, code tftp.ErrorCode) *tftp.Error {
	t.Helper()
	require.Error(t, err)
	var pe *tftp.PeerError
	require.True(t, errors.As(err, &pe), "want an ERROR packet from the hub, got %v", err)
	require.Equal(t, code, pe.Packet.Code, "ERROR %v", pe.Packet)
	return pe.Packet
}

func writeData(t testing.TB, dir, name string, data []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
}

// loopback2 returns a UDP socket on 127.0.0.2, another loopback address
// than the one sessions come from, or skips the test.
func loopback2(t testing.TB) net.PacketConn {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot bind 127.0.0.2: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
