package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/discovery"
	"github.com/natter-chat/natter/server"
)

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newDiscoveryHub(t *testing.T, name string) *server.Hub {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Addr, cfg.UDPAddr, cfg.Dir, cfg.Name = "127.0.0.1:0", "127.0.0.1:0", t.TempDir(), name
	cfg.Transfers = server.NewTransferService(server.TransferConfig{})
	h, err := server.New(cfg)
	require.NoError(t, err)
	return h
}

// runDiscovery runs d.Run until the test ends.
func runDiscovery(t *testing.T, d *server.Discovery, h *server.Hub, tcp, udp net.Addr) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, h, tcp, udp) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(20 * time.Second):
			t.Error("Run did not return")
		}
	})
}

func TestDiscoveryAnswersProbesWhileRunning(t *testing.T) {
	h := newDiscoveryHub(t, "Desk hub")
	d := server.NewDiscovery(discovery.AnnouncerOptions{Interfaces: []string{"lo"}}, nil)
	probe := discovery.BuildProbe(discovery.NewNonce())
	from := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}
	assert.Nil(t, d.OtherPacket(probe, from), "no answer before Run")

	runDiscovery(t, d, h, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4001})
	var reply []byte
	require.Eventually(t, func() bool {
		reply = d.OtherPacket(probe, from)
		return reply != nil
	}, 10*time.Second, 5*time.Millisecond)
	a, err := discovery.ParseAnswer(reply)
	require.NoError(t, err)
	assert.Equal(t, "Desk hub", a.Name)
	assert.Equal(t, 4000, a.TCPPort)
	assert.Equal(t, 4001, a.UDPPort)
	assert.Equal(t, 0, a.Users)
	assert.LessOrEqual(t, len(reply), len(probe))

	bad := append([]byte(nil), probe...)
	bad[7] = 9
	assert.Nil(t, d.OtherPacket(bad, from), "wrong version")
	assert.Nil(t, d.OtherPacket([]byte("\x00\x01file\x00octet\x00"), from), "not a probe")
}

// A hub listening on every address is announced; where no interface can
// carry multicast DNS the log names the interfaces and the reason, and
// probes are still answered. The announcer is confined to loopback, which
// carries no multicast, so nothing is sent anywhere.
func TestDiscoveryLogsWhyItCannotAnnounce(t *testing.T) {
	h := newDiscoveryHub(t, "Wide hub")
	var logs lockedBuffer
	d := server.NewDiscovery(discovery.AnnouncerOptions{Interfaces: []string{"lo"}}, slog.New(slog.NewTextHandler(&logs, nil)))
	runDiscovery(t, d, h, &net.TCPAddr{IP: net.IPv4zero, Port: 4000}, &net.UDPAddr{IP: net.IPv4zero, Port: 4001})
	require.Eventually(t, func() bool { return bytes.Contains([]byte(logs.String()), []byte("not announcing by multicast DNS")) },
		10*time.Second, 5*time.Millisecond)
	assert.Contains(t, logs.String(), "no interface with multicast among [lo]")
	assert.Contains(t, logs.String(), "can still be found by broadcast probes")
	assert.NotNil(t, d.OtherPacket(discovery.BuildProbe(discovery.NewNonce()), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}))
}

func TestDiscoveryRejectsBadInput(t *testing.T) {
	h := newDiscoveryHub(t, "Hub")
	d := server.NewDiscovery(discovery.AnnouncerOptions{Interfaces: []string{"lo"}}, nil)
	tcp := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}
	err := d.Run(context.Background(), h, tcp, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	assert.ErrorContains(t, err, "UDP port 0 out of range")
	err = d.Run(context.Background(), h, tcp, &net.UnixAddr{Name: "/x", Net: "unixgram"})
	assert.ErrorContains(t, err, "not a TCP or UDP address")
}
