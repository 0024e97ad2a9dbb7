package tftp

import (
	"bytes"
	"crypto/sha256"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests talk to the stock Debian TFTP tools. They skip when a tool
// is not installed; CI installs curl, tftp-hpa, tftpd-hpa and atftp.

func needBinary(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (Debian: curl, tftp-hpa, tftpd-hpa, atftp); skipping interop test", name)
	}
	return path
}

func runTool(t *testing.T, dir string, name string, args ...string) {
	t.Helper()
	ctx := testCtx(t, 60*time.Second)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
}

func splitHostPort(t *testing.T, addr string) (string, string) {
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	return host, port
}

func TestInteropCurlDownload(t *testing.T) {
	curl := needBinary(t, "curl")
	h := newMemHandler()
	data := randomBytes(21, 3<<20+17)
	h.add("file.bin", data)
	h.add("empty", nil)
	h.add("exact", randomBytes(22, 4*2048))
	addr := startServer(t, &Server{Handler: h})
	dir := t.TempDir()
	for _, name := range []string{"file.bin", "empty", "exact"} {
		out := filepath.Join(dir, name)
		runTool(t, dir, curl, "-sS", "--tftp-blksize", "2048", "-o", out, "tftp://"+addr+"/"+name)
		got, err := os.ReadFile(out)
		require.NoError(t, err)
		h.mu.Lock()
		want, _ := os.ReadFile(os.DevNull)
		if r, ok := h.files[name].(*bytes.Reader); ok {
			want = make([]byte, r.Size())
			_, _ = r.ReadAt(want, 0)
		}
		h.mu.Unlock()
		assert.Equal(t, sha256.Sum256(want), sha256.Sum256(got), name)
		require.NoError(t, <-h.readErrs, name)
		req := h.lastRequest()
		t.Logf("curl asked %v", req.Options)
		bs, _ := req.Options.Get("blksize")
		assert.Equal(t, "2048", bs)
	}
}

func TestInteropCurlUpload(t *testing.T) {
	curl := needBinary(t, "curl")
	h := newMemHandler()
	addr := startServer(t, &Server{Handler: h})
	dir := t.TempDir()
	for i, size := range []int{2<<20 + 5, 0, 1024} {
		data := randomBytes(uint64(30+i), size)
		name := "up" + strconv.Itoa(i)
		src := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(src, data, 0o644))
		runTool(t, dir, curl, "-sS", "--tftp-blksize", "2048", "-T", src, "tftp://"+addr+"/"+name)
		sink := h.upload(t, name)
		select {
		case <-sink.done:
		case <-time.After(10 * time.Second):
			t.Fatal("upload not finished")
		}
		require.NoError(t, sink.err)
		assert.Equal(t, sha256.Sum256(data), sink.sum, name)
	}
}

func TestInteropTftpHpaGet(t *testing.T) {
	tftp := needBinary(t, "tftp")
	h := newMemHandler()
	data := randomBytes(23, 200000)
	h.add("plain.bin", data)
	addr := startServer(t, &Server{Handler: h})
	host, port := splitHostPort(t, addr)
	dir := t.TempDir()
	runTool(t, dir, tftp, host, port, "-m", "binary", "-c", "get", "plain.bin", "got.bin")
	got, err := os.ReadFile(filepath.Join(dir, "got.bin"))
	require.NoError(t, err)
	assert.Equal(t, sha256.Sum256(data), sha256.Sum256(got))
	require.NoError(t, <-h.readErrs)
	assert.Empty(t, h.lastRequest().Options, "tftp-hpa sends no options: 512-byte blocks")
}

func TestInteropAtftpWindow(t *testing.T) {
	atftp := needBinary(t, "atftp")
	h := newMemHandler()
	data := randomBytes(24, 1<<20+99)
	h.add("w.bin", data)
	addr := startServer(t, &Server{Handler: h})
	host, port := splitHostPort(t, addr)
	dir := t.TempDir()
	runTool(t, dir, atftp, "--option", "blksize 2048", "--option", "windowsize 8", "-g", "-r", "w.bin", "-l", "got.bin", host, port)
	got, err := os.ReadFile(filepath.Join(dir, "got.bin"))
	require.NoError(t, err)
	assert.Equal(t, sha256.Sum256(data), sha256.Sum256(got))
	require.NoError(t, <-h.readErrs)
	ws, _ := h.lastRequest().Options.Get("windowsize")
	assert.Equal(t, "8", ws)
}

// TestInteropTftpdHpa runs our client against tftpd-hpa.
func TestInteropTftpdHpa(t *testing.T) {
	tftpd := needBinary(t, "in.tftpd")
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o777))
	data := randomBytes(25, 1<<20+1234)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "served.bin"), data, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "upload.bin"), nil, 0o666))
	require.NoError(t, os.Chmod(filepath.Join(dir, "upload.bin"), 0o666)) // tftpd-hpa wants it world-writable

	free, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	addr := free.LocalAddr().String()
	require.NoError(t, free.Close())

	ctx := testCtx(t, 2*time.Minute)
	cmd := exec.CommandContext(ctx, tftpd, "-L", "-s", "-c", "-u", "root", "-a", addr, dir)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	var got bytes.Buffer
	res, err := Download(ctx, addr, "served.bin", nil, &got)
	require.NoError(t, err, "in.tftpd: %s", stderr.String())
	assert.Equal(t, sha256.Sum256(data), sha256.Sum256(got.Bytes()))
	assert.Equal(t, 2048, res.BlockSize)
	assert.Equal(t, int64(len(data)), res.Size)

	up := randomBytes(26, 300000)
	_, err = Upload(ctx, addr, "upload.bin", int64(len(up)), bytes.NewReader(up), nil)
	require.NoError(t, err, "in.tftpd: %s", stderr.String())
	stored, err := os.ReadFile(filepath.Join(dir, "upload.bin"))
	require.NoError(t, err)
	assert.Equal(t, sha256.Sum256(up), sha256.Sum256(stored))

	_, err = Download(ctx, addr, "missing.bin", nil, &got)
	var pe *PeerError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, ErrFileNotFound, pe.Packet.Code)
}

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
