package server

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/discovery"
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

// newDiscoveryHub returns a hub named name, not serving, whose discovery
// announces on loopback only (which carries no multicast, so nothing is
// sent anywhere) and logs to log (nil: nowhere).
func newDiscoveryHub(t *testing.T, name string, log *slog.Logger) *Hub {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := DefaultConfig()
	cfg.Addr, cfg.UDPAddr, cfg.Dir, cfg.Name, cfg.Logger = "127.0.0.1:0", "127.0.0.1:0", t.TempDir(), name, log
	cfg.Transfers = &TransferConfig{}
	cfg.Discovery = &DiscoveryConfig{Announcer: discovery.AnnouncerOptions{Interfaces: []string{"lo"}}}
	h, err := New(cfg)
	require.NoError(t, err)
	return h
}

// runDiscovery runs the discovery of h as if it listened at tcp and udp,
// until the test ends.
func runDiscovery(t *testing.T, h *Hub, tcp, udp net.Addr) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.discovery.run(ctx, h.discoveryInfo(), tcp, udp) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(20 * time.Second):
			t.Error("run did not return")
		}
	})
}

func TestDiscoveryAnswersProbesWhileRunning(t *testing.T) {
	h := newDiscoveryHub(t, "Desk hub", nil)
	d := h.discovery
	probe := discovery.BuildProbe(discovery.NewNonce())
	from := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}
	assert.Nil(t, d.answer(probe, from), "no answer before run")

	runDiscovery(t, h, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4001})
	var reply []byte
	require.Eventually(t, func() bool {
		reply = d.answer(probe, from)
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
	assert.Nil(t, d.answer(bad, from), "wrong version")
	assert.Nil(t, d.answer([]byte("\x00\x01file\x00octet\x00"), from), "not a probe")
}

// A hub listening on every address is announced; where no interface can
// carry multicast DNS the log names the interfaces and the reason, and
// probes are still answered.
func TestDiscoveryLogsWhyItCannotAnnounce(t *testing.T) {
	var logs lockedBuffer
	h := newDiscoveryHub(t, "Wide hub", slog.New(slog.NewTextHandler(&logs, nil)))
	runDiscovery(t, h, &net.TCPAddr{IP: net.IPv4zero, Port: 4000}, &net.UDPAddr{IP: net.IPv4zero, Port: 4001})
	require.Eventually(t, func() bool { return bytes.Contains([]byte(logs.String()), []byte("not announcing by multicast DNS")) },
		10*time.Second, 5*time.Millisecond)
	assert.Contains(t, logs.String(), "no interface with multicast among [lo]")
	assert.Contains(t, logs.String(), "can still be found by broadcast probes")
	assert.NotNil(t, h.discovery.answer(discovery.BuildProbe(discovery.NewNonce()), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}))
}

func TestDiscoveryRejectsBadInput(t *testing.T) {
	h := newDiscoveryHub(t, "Hub", nil)
	tcp := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}
	err := h.discovery.run(context.Background(), h.discoveryInfo(), tcp, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	assert.ErrorContains(t, err, "UDP port 0 out of range")
	err = h.discovery.run(context.Background(), h.discoveryInfo(), tcp, &net.UnixAddr{Name: "/x", Net: "unixgram"})
	assert.ErrorContains(t, err, "not a TCP or UDP address")
}

// A serving hub with discovery answers a probe sent to its UDP port with
// its name, its real ports and its user count, beside its transfers.
func TestDiscoveryPartOfServingHub(t *testing.T) {
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) {
		c.Discovery = &DiscoveryConfig{Announcer: discovery.AnnouncerOptions{Interfaces: []string{"lo"}}}
	})
	register(t, th.addr, "alice")
	a := probeHub(t, th.udp)
	_, tcpPort, _ := net.SplitHostPort(th.addr)
	_, udpPort, _ := net.SplitHostPort(th.udp)
	assert.Equal(t, "Test hub", a.Name)
	assert.Equal(t, tcpPort, strconv.Itoa(a.TCPPort))
	assert.Equal(t, udpPort, strconv.Itoa(a.UDPPort))
	assert.Equal(t, 1, a.Users)
	assert.Equal(t, th.udp, th.UDPAddr().String())
}

// A hub with discovery but no transfers reads its UDP port itself.
func TestDiscoveryWithoutTransfers(t *testing.T) {
	cfg := loopbackConfig(t)
	cfg.Name = "Chat only"
	cfg.Discovery = &DiscoveryConfig{Announcer: discovery.AnnouncerOptions{Interfaces: []string{"lo"}}}
	h, err := New(cfg)
	require.NoError(t, err)
	ls, err := h.Listen()
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.ServeListeners(ctx, ls) }()
	a := probeHub(t, ls.Packets.LocalAddr().String())
	assert.Equal(t, "Chat only", a.Name)
	assert.Equal(t, ls.Sessions.Addr().(*net.TCPAddr).Port, a.TCPPort)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(guard):
		t.Fatal("hub did not stop")
	}
}

// probeHub sends discovery probes to the UDP address udp until one is
// answered, and returns the answer. The discovery starts with the hub: a
// probe sent before gets no answer.
func probeHub(t *testing.T, udp string) discovery.Answer {
	t.Helper()
	conn, err := net.Dial("udp4", udp)
	require.NoError(t, err)
	defer conn.Close()
	probe := discovery.BuildProbe(discovery.NewNonce())
	buf := make([]byte, 1500)
	for try := 0; try < 100; try++ {
		_, err := conn.Write(probe)
		require.NoError(t, err)
		conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, err := conn.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			continue
		}
		require.NoError(t, err)
		a, err := discovery.ParseAnswer(buf[:n])
		require.NoError(t, err)
		return a
	}
	t.Fatalf("no answer to 100 probes sent to %s", udp)
	return discovery.Answer{}
}
