package hosting

import (
	"bufio"
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/natter-chat/natter/core/discovery"
	"github.com/natter-chat/natter/internal/rawclient"
)

func hello(t *testing.T, addr string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	line, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	return strings.TrimSpace(line)
}

func TestStartServesAndCloses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	h, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Dir: dir, Name: "Test hub"})
	require.NoError(t, err)
	assert.Equal(t, "HELLO natter/1 Test hub", hello(t, h.Addr()))
	assert.DirExists(t, dir, "the shared folder is created")
	require.NoError(t, h.Close())
	require.NoError(t, h.Close(), "Close twice is fine")
	// Nothing of the hub listens after Close. (On a busy machine another
	// program may have taken the freed port meanwhile: it is no hub.)
	if conn, err := net.DialTimeout("tcp", h.Addr(), time.Second); err == nil {
		defer conn.Close()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(time.Second)))
		line, _ := bufio.NewReader(conn).ReadString('\n')
		assert.NotContains(t, line, "Test hub", "the hub still answers after Close")
	}
}

func TestHostedHubGrantsDownloads(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello\n"), 0o644))
	h, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Dir: dir})
	require.NoError(t, err)
	defer h.Close()
	conn, err := net.DialTimeout("tcp", h.Addr(), 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	r := bufio.NewReader(conn)
	_, err = conn.Write([]byte("NICK alice\nGET a.txt\n"))
	require.NoError(t, err)
	for range 100 {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if strings.HasPrefix(line, "GET ") {
			f := strings.Fields(line)
			require.Len(t, f, 6)
			assert.Equal(t, "6", f[3], "size")
			assert.Equal(t, "a.txt", f[5])
			return
		}
		require.False(t, strings.HasPrefix(line, "ERR "), line)
	}
	t.Fatal("no GET grant")
}

func TestTakenPortFallsBackToAFreeOne(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	h, err := Start(context.Background(), Config{Addr: ln.Addr().String(), Dir: t.TempDir()})
	require.NoError(t, err)
	defer h.Close()
	assert.NotEqual(t, ln.Addr().(*net.TCPAddr).Port, h.Port())
	assert.True(t, strings.HasPrefix(hello(t, h.Addr()), "HELLO natter/1 "))
}

func TestStartNeedsAFolder(t *testing.T) {
	_, err := Start(context.Background(), Config{Addr: "127.0.0.1:0"})
	assert.ErrorContains(t, err, "shared folder")
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// probe sends a discovery probe to the hub's UDP port on 127.0.0.1 and
// returns the answer, or an error when none comes within wait.
func probe(t *testing.T, h *Hub, wait time.Duration) (discovery.Answer, error) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.WriteTo(discovery.BuildProbe(discovery.NewNonce()), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: h.UDPPort()})
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(wait)))
	buf := make([]byte, 512)
	n, _, err := conn.ReadFrom(buf)
	if err != nil {
		return discovery.Answer{}, err
	}
	return discovery.ParseAnswer(buf[:n])
}

func TestHostedHubIsFoundByProbe(t *testing.T) {
	h, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), Name: "Kitchen hub"})
	require.NoError(t, err)
	defer h.Close()
	b, err := discovery.NewBrowser(discovery.BrowserOptions{
		DisableMDNS: true, NoInterfaceBroadcast: true, NoLimitedBroadcast: true,
		ProbeTargets: []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(h.UDPPort()))},
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	defer func() {
		cancel()
		for range b.Events() {
		}
		require.NoError(t, <-done)
	}()
	var found []discovery.Hub
	require.Eventually(t, func() bool {
		found = b.Hubs()
		return len(found) == 1
	}, 20*time.Second, 10*time.Millisecond, "status: %v", b.Status())
	assert.Equal(t, "Kitchen hub", found[0].Name)
	assert.Equal(t, h.Addr(), found[0].Address())
	assert.Equal(t, h.UDPPort(), found[0].UDPPort)
}

func TestNoAnnounceAnswersNoProbe(t *testing.T) {
	h, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), Name: "Quiet hub", NoAnnounce: true})
	require.NoError(t, err)
	defer h.Close()
	assert.True(t, strings.HasPrefix(hello(t, h.Addr()), "HELLO natter/1 Quiet hub"), "the hub runs")
	_, err = probe(t, h, 1500*time.Millisecond)
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)

	loud, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), Name: "Loud hub"})
	require.NoError(t, err)
	defer loud.Close()
	var a discovery.Answer
	require.Eventually(t, func() bool {
		a, err = probe(t, loud, 500*time.Millisecond)
		return err == nil
	}, 20*time.Second, time.Millisecond, "the same probe to a hub that announces")
	assert.Equal(t, "Loud hub", a.Name)
}

func TestOthersCountsPeopleAndTransfers(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello\n"), 0o644))
	h, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Dir: dir, NoAnnounce: true})
	require.NoError(t, err)
	defer h.Close()
	people, transfers := h.Others()
	assert.Equal(t, [2]int{0, 0}, [2]int{people, transfers}, "nobody yet")

	// The host's own session, then two others; one of them is granted a download.
	rawclient.Dial(t, h.Addr(), "host")
	rawclient.Dial(t, h.Addr(), "bob")
	carol := rawclient.Dial(t, h.Addr(), "carol")
	carol.Send("GET a.txt")
	carol.Expect("GET ")
	people, transfers = h.Others()
	assert.Equal(t, 2, people, "everyone registered but the host")
	assert.Equal(t, 1, transfers, "the granted download")
	assert.Equal(t, 3, h.Stats().Registered)
}
