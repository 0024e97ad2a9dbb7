package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/discovery"
	"github.com/natter-chat/natter/core/tftp"
)

// testHub is natterd run in-process on loopback.
type testHub struct {
	tcp, udp netip.AddrPort
	stderr   *syncBuffer
	stop     func() // stops the hub and waits for it; idempotent
}

// startHub runs natterd with args (plus loopback listeners and a temporary
// folder). A hub on loopback answers probes but does not announce itself by
// multicast DNS; the announcer is confined to the loopback interface all the
// same, so that nothing here ever sends on a real network.
func startHub(t *testing.T, args ...string) *testHub {
	t.Helper()
	args = append([]string{"-addr", "127.0.0.1:0", "-udp-addr", "127.0.0.1:0", "-http-addr=", "-dir", t.TempDir()}, args...)
	opts, err := parseOptions(args, env(nil), &bytes.Buffer{})
	require.NoError(t, err)
	opts.announcer.Interfaces = []string{"lo"}
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- serve(ctx, opts, stdout, stderr) }()
	tcp, udp := waitListening(t, stdout, "stderr: %s", stderr)
	h := &testHub{tcp: netip.MustParseAddrPort(tcp), udp: netip.MustParseAddrPort(udp), stderr: stderr}
	stopped := false
	h.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			assert.Equal(t, 0, code, "stderr: %s", stderr)
		case <-time.After(20 * time.Second):
			t.Error("natterd did not stop")
		}
	}
	t.Cleanup(h.stop)
	return h
}

// loopbackBrowser runs a Browser that only probes the given targets on
// 127.0.0.1, never multicasts or broadcasts.
func loopbackBrowser(t *testing.T, targets ...netip.AddrPort) *discovery.Browser {
	t.Helper()
	b, err := discovery.NewBrowser(discovery.BrowserOptions{
		DisableMDNS:          true,
		ProbeTargets:         targets,
		NoInterfaceBroadcast: true,
		NoLimitedBroadcast:   true,
		ProbeInterval:        time.Second,
		ProbeExpiry:          3 * time.Second,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		for range b.Events() { // closed when Run returns
		}
		require.NoError(t, <-done)
	})
	return b
}

// waitHub waits until the browser lists a hub at addr for which ok holds.
func waitHub(t *testing.T, b *discovery.Browser, addr netip.AddrPort, ok func(discovery.Hub) bool) discovery.Hub {
	t.Helper()
	var found discovery.Hub
	require.Eventually(t, func() bool {
		for _, h := range b.Hubs() {
			if h.Addr == addr && ok(h) {
				found = h
				return true
			}
		}
		return false
	}, 20*time.Second, 20*time.Millisecond, "hubs: %v; status: %v", b.Hubs(), b.Status())
	return found
}

func anyHub(discovery.Hub) bool { return true }

func TestAnnouncedHubIsFoundByProbe(t *testing.T) {
	start := time.Now()
	hub := startHub(t, "-name", "Probe hub")
	b := loopbackBrowser(t, hub.udp)
	got := waitHub(t, b, hub.tcp, anyHub)
	t.Logf("hub listed %v after start", time.Since(start).Round(time.Millisecond))
	assert.Equal(t, "Probe hub", got.Name)
	assert.Equal(t, int(hub.udp.Port()), got.UDPPort)
	assert.Equal(t, 0, got.Users)
	assert.Equal(t, discovery.ViaProbe, got.Via)

	// A registered user shows in the count of the next answers.
	conn, err := net.Dial("tcp", hub.tcp.String())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
	r := bufio.NewReader(conn)
	_, err = conn.Write([]byte("NICK bob\n"))
	require.NoError(t, err)
	for range 20 {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if strings.HasPrefix(line, "WELCOME ") {
			break
		}
	}
	waitHub(t, b, hub.tcp, func(h discovery.Hub) bool { return h.Users == 1 })

	// A hub on a loopback address is not announced by multicast DNS, and
	// the log says why.
	assert.Contains(t, hub.stderr.String(), "not announcing by multicast DNS: the hub listens on a loopback address")

	stopped := time.Now()
	hub.stop()
	require.Eventually(t, func() bool { return len(b.Hubs()) == 0 }, 20*time.Second, 20*time.Millisecond)
	t.Logf("hub unlisted %v after stop (probe expiry 3 s)", time.Since(stopped).Round(time.Millisecond))
}

func TestTwoHubsFoundByOneBrowser(t *testing.T) {
	one := startHub(t, "-name", "First hub")
	two := startHub(t, "-name", "Second hub")
	b := loopbackBrowser(t, one.udp, two.udp)
	waitHub(t, b, one.tcp, func(h discovery.Hub) bool { return h.Name == "First hub" })
	waitHub(t, b, two.tcp, func(h discovery.Hub) bool { return h.Name == "Second hub" })
	assert.Len(t, b.Hubs(), 2)
}

// exchange sends pkt to the hub's UDP port from conn and returns the reply,
// or nil when none comes within wait.
func exchange(t *testing.T, conn net.PacketConn, to netip.AddrPort, pkt []byte, wait time.Duration) []byte {
	t.Helper()
	_, err := conn.WriteTo(pkt, net.UDPAddrFromAddrPort(to))
	require.NoError(t, err)
	return readReply(t, conn, wait)
}

func readReply(t *testing.T, conn net.PacketConn, wait time.Duration) []byte {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(wait)))
	buf := make([]byte, 2048)
	n, _, err := conn.ReadFrom(buf)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	require.NoError(t, err)
	return buf[:n]
}

func TestAnnounceOffAnswersNoProbe(t *testing.T) {
	hub := startHub(t, "-announce=false")
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer conn.Close()
	// The port is served: a TFTP read request with an unknown token
	// gets a TFTP error.
	rrq := append([]byte{0, 1}, "no-such-token\x00octet\x00"...)
	reply := exchange(t, conn, hub.udp, rrq, 10*time.Second)
	require.NotNil(t, reply, "no answer to a TFTP request")
	assert.Equal(t, []byte{0, 5}, reply[:2], "TFTP ERROR")
	// A probe is not answered.
	assert.Nil(t, exchange(t, conn, hub.udp, discovery.BuildProbe(discovery.NewNonce()), 1500*time.Millisecond))
	assert.NotContains(t, hub.stderr.String(), "multicast DNS")
}

// waitAnswering waits until the hub answers probes: it starts to just
// after it listens.
func waitAnswering(t *testing.T, conn net.PacketConn, udp netip.AddrPort) {
	t.Helper()
	for range 40 {
		if exchange(t, conn, udp, discovery.BuildProbe(discovery.NewNonce()), 500*time.Millisecond) != nil {
			return
		}
	}
	t.Fatal("no answer to a valid probe")
}

func TestMalformedProbesGetNothing(t *testing.T) {
	hub := startHub(t, "-name", "Strict hub")
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer conn.Close()
	good := discovery.BuildProbe(discovery.NewNonce())
	waitAnswering(t, conn, hub.udp)

	short := good[:discovery.ProbeMinLen-1]
	long := append(bytes.Clone(good), make([]byte, discovery.ProbeMaxLen+1-len(good))...)
	version := bytes.Clone(good)
	version[7] = 2
	padding := bytes.Clone(good)
	padding[50] = 1
	answerMagic := bytes.Clone(good)
	copy(answerMagic, "NATTER!")
	for name, pkt := range map[string][]byte{"short": short, "long": long, "version 2": version,
		"non-zero padding": padding, "answer magic": answerMagic, "one byte": {'N'}} {
		_, err := conn.WriteTo(pkt, net.UDPAddrFromAddrPort(hub.udp))
		require.NoError(t, err, name)
	}
	// A valid probe sent after them is answered first: none of them got
	// a reply.
	nonce := discovery.NewNonce()
	reply := exchange(t, conn, hub.udp, discovery.BuildProbe(nonce), 10*time.Second)
	require.NotNil(t, reply)
	a, err := discovery.ParseAnswer(reply)
	require.NoError(t, err)
	assert.Equal(t, nonce, a.Nonce, "the first reply answers the last probe")
	assert.Equal(t, "Strict hub", a.Name)
	assert.Equal(t, int(hub.tcp.Port()), a.TCPPort)
	assert.Nil(t, readReply(t, conn, time.Second), "a further reply")
}

func TestProbesDoNotDisturbTransfers(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644))
	hub := startHub(t, "-dir", dir, "-tftp-public")

	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer conn.Close()
	waitAnswering(t, conn, hub.udp)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		var got bytes.Buffer
		_, err := tftp.Download(ctx, hub.udp.String(), "big.bin", nil, &got)
		done <- result{got.Bytes(), err}
	}()
	// Probe the hub's port while the download runs, counting answers.
	answers := 0
	var res result
probing:
	for range 2000 {
		select {
		case res = <-done:
			break probing
		default:
		}
		if reply := exchange(t, conn, hub.udp, discovery.BuildProbe(discovery.NewNonce()), 2*time.Second); reply != nil {
			_, err := discovery.ParseAnswer(reply)
			require.NoError(t, err)
			answers++
		}
	}
	if res.data == nil && res.err == nil {
		res = <-done
	}
	require.NoError(t, res.err)
	assert.Equal(t, data, res.data)
	assert.Positive(t, answers, "probes answered during the transfer")
	t.Logf("%d probes answered during a 1 MiB download", answers)
}
