package server

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

// These tests talk to the hub with stock Debian TFTP clients. They skip
// when a tool is not installed (Debian packages curl and tftp-hpa).

func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (Debian: curl, tftp-hpa); skipping the interoperability test", name)
	}
	return path
}

func runTool(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
}

func TestInteropCurlPublic(t *testing.T) {
	curl := needTool(t, "curl")
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) { tc.Public = true })
	files := map[string][]byte{"big.bin": randomData(11, 3<<20+17), "empty": nil, "exact.bin": randomData(12, 4*2048)}
	for name, data := range files {
		writeData(t, th.dir, name, data)
	}
	out := t.TempDir()
	for name, data := range files {
		dst := filepath.Join(out, name)
		runTool(t, out, curl, "-sS", "--tftp-blksize", "2048", "-o", dst, "tftp://"+th.udp+"/"+name)
		got, err := os.ReadFile(dst)
		require.NoError(t, err)
		assert.Equal(t, sha256Hex(data), sha256Hex(got), name)
	}
}

func TestInteropTftpHpaPublic(t *testing.T) {
	tftpTool := needTool(t, "tftp")
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) { tc.Public = true })
	data := randomData(13, 300_001)
	writeData(t, th.dir, "plain.bin", data)
	host, port, err := net.SplitHostPort(th.udp)
	require.NoError(t, err)
	out := t.TempDir()
	runTool(t, out, tftpTool, host, port, "-m", "binary", "-c", "get", "plain.bin", "got.bin")
	got, err := os.ReadFile(filepath.Join(out, "got.bin"))
	require.NoError(t, err)
	assert.Equal(t, sha256Hex(data), sha256Hex(got))
}

// TestInteropCurlUploadWithToken uploads with stock curl, naming the token
// granted by PUT.
func TestInteropCurlUploadWithToken(t *testing.T) {
	curl := needTool(t, "curl")
	th := startTransferHub(t, nil)
	c, _, _ := register(t, th.addr, "alice")
	src := t.TempDir()
	for i, size := range []int{2<<20 + 5, 1024} {
		data := randomData(uint64(20+i), size)
		name := fmt.Sprintf("curl-%d.bin", size)
		require.NoError(t, os.WriteFile(filepath.Join(src, name), data, 0o644))
		g := c.grant(fmt.Sprintf("PUT %d %s %s", size, sha256Hex(data), name))
		runTool(t, src, curl, "-sS", "--tftp-blksize", "2048", "-T", filepath.Join(src, name),
			fmt.Sprintf("tftp://127.0.0.1:%d/%s", g.Port, g.Token))
		ev := c.event()
		require.Equal(t, proto.KwShared, ev.Keyword, "%+v", ev)
		assert.Equal(t, name, ev.Name)
		got, err := os.ReadFile(filepath.Join(th.dir, name))
		require.NoError(t, err)
		assert.Equal(t, sha256Hex(data), sha256Hex(got))
	}
}

// TestByHandRecipe does what core/PROTOCOL.md shows: a GET typed on a raw
// TCP connection, then curl fetching the token from the hub's UDP port.
func TestByHandRecipe(t *testing.T) {
	curl := needTool(t, "curl")
	th := startTransferHub(t, nil)
	data := randomData(14, 100_000)
	writeData(t, th.dir, "notes.txt", data)

	conn, err := net.DialTimeout("tcp", th.addr, guard)
	require.NoError(t, err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(guard))
	r := bufio.NewReader(conn)
	readLine := func() string {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		return strings.TrimSuffix(line, "\n")
	}
	_, err = fmt.Fprint(conn, "NICK alice\nGET notes.txt\n")
	require.NoError(t, err)
	var grant string
	for range 20 {
		if line := readLine(); strings.HasPrefix(line, "GET ") {
			grant = line
			break
		}
	}
	// GET <token> <udp-port> <size> <sha256> <name…>
	f := strings.SplitN(grant, " ", 6)
	require.Len(t, f, 6, "grant %q", grant)
	assert.Equal(t, "100000", f[3])
	assert.Equal(t, sha256Hex(data), f[4])
	assert.Equal(t, "notes.txt", f[5])

	out := t.TempDir()
	runTool(t, out, curl, "-sS", "--tftp-blksize", "2048", "-o", "notes.txt", "tftp://127.0.0.1:"+f[2]+"/"+f[1])
	got, err := os.ReadFile(filepath.Join(out, "notes.txt"))
	require.NoError(t, err)
	assert.Equal(t, f[4], sha256Hex(got))
}
