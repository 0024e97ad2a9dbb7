package hosting

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
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
	_, err = net.DialTimeout("tcp", h.Addr(), time.Second)
	assert.Error(t, err, "nothing listens after Close")
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
