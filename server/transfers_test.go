package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/tftp"
	"github.com/natter-chat/natter/core/tftp/lossy"
)

func TestTransferDownloadSizes(t *testing.T) {
	th := startTransferHub(t, nil)
	sizes := []int{0, 1, 2048, 2049, 10 << 20}
	for i, size := range sizes {
		writeData(t, th.dir, fmt.Sprintf("file-%d.bin", size), randomData(uint64(i), size))
	}
	c, _, _ := register(t, th.addr, "alice")
	out := t.TempDir()
	for i, size := range sizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			data := randomData(uint64(i), size)
			name := fmt.Sprintf("file-%d.bin", size)
			g := c.grant("GET " + name)
			assert.Equal(t, int64(size), g.Size)
			assert.Equal(t, sha256Hex(data), g.SHA256, "the hub hashes the file before granting")
			assert.Equal(t, name, g.Name)
			assert.Equal(t, th.ts.Addr().(*net.UDPAddr).Port, g.Port)

			path, err := tftp.Fetch(testContext(t), tftp.FileDownload{Addr: hubUDP(g.Port), Token: g.Token, Name: g.Name, Size: g.Size, SHA256: g.SHA256, Dir: out})
			require.NoError(t, err)
			assert.Equal(t, filepath.Join(out, name), path)
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, sha256Hex(data), sha256Hex(got))
		})
	}
}

func TestTransferUpload(t *testing.T) {
	th := startTransferHub(t, nil)
	alice, _, _ := register(t, th.addr, "alice")
	bob, _, _ := register(t, th.addr, "bob")
	alice.skipTo("JOIN")
	for i, size := range []int{0, 1, 2048, 3<<20 + 5} {
		data := randomData(uint64(100+i), size)
		name := fmt.Sprintf("up %d.bin", size)
		sum := sha256Hex(data)
		g := alice.grant(fmt.Sprintf("PUT %d %s %s", size, sum, name))
		assert.Equal(t, name, g.Name)
		res, err := tftp.Upload(testContext(t), hubUDP(g.Port), g.Token, int64(size), bytes.NewReader(data), nil)
		require.NoError(t, err, "size %d", size)
		assert.Equal(t, int64(size), res.Bytes)

		for _, c := range []*testClient{bob, alice} {
			ev := c.event()
			require.Equal(t, proto.KwShared, ev.Keyword, "%+v", ev)
			assert.Equal(t, "alice", ev.Nick)
			assert.Equal(t, name, ev.Name)
			assert.Equal(t, int64(size), ev.Size)
			assert.Equal(t, sum, ev.SHA256)
		}
		got, err := os.ReadFile(filepath.Join(th.dir, name))
		require.NoError(t, err)
		require.Equal(t, sum, sha256Hex(got))
	}
	bob.send("FILES")
	files := bob.readBlock(proto.KwFiles)
	require.Len(t, files, 4)
	ev, err := proto.ParseEvent(files[3])
	require.NoError(t, err)
	assert.Equal(t, "up 3145733.bin", ev.Name)
	assert.Equal(t, sha256Hex(randomData(103, 3<<20+5)), ev.SHA256, "the hash is known at once")
	requireDirSettles(t, th.dir, "up 0.bin", "up 1.bin", "up 2048.bin", "up 3145733.bin")
}

func TestTransferWindowed(t *testing.T) {
	th := startTransferHub(t, nil)
	data := randomData(7, 1<<20+99)
	writeData(t, th.dir, "w.bin", data)
	c, _, _ := register(t, th.addr, "alice")
	g := c.grant("GET w.bin")
	var buf bytes.Buffer
	res, err := tftp.Download(testContext(t), hubUDP(g.Port), g.Token, &tftp.ClientOptions{WindowSize: 16}, &buf)
	require.NoError(t, err)
	assert.Equal(t, 16, res.WindowSize)
	assert.Equal(t, sha256Hex(data), sha256Hex(buf.Bytes()))

	up := randomData(8, 700_001)
	g = c.grant(fmt.Sprintf("PUT %d %s up.bin", len(up), sha256Hex(up)))
	res, err = tftp.Upload(testContext(t), hubUDP(g.Port), g.Token, int64(len(up)), bytes.NewReader(up), &tftp.ClientOptions{WindowSize: 8})
	require.NoError(t, err)
	assert.Equal(t, 8, res.WindowSize)
	assert.Equal(t, proto.KwShared, c.event().Keyword)
}

// TestTransferLossy moves files both ways through a client socket that
// drops, duplicates and delays datagrams; the files arrive intact and each
// request runs once.
func TestTransferLossy(t *testing.T) {
	th := startTransferHub(t, nil)
	data := randomData(17, 300_001)
	writeData(t, th.dir, "down.bin", data)
	c, _, _ := register(t, th.addr, "alice")
	out := t.TempDir()
	for seed := uint64(1); seed <= 3; seed++ {
		uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		require.NoError(t, err)
		conn := lossy.New(uc, lossy.Config{Seed: seed, Drop: 0.05, Duplicate: 0.05, Delay: 0.05})
		opts := &tftp.ClientOptions{Conn: conn}

		g := c.grant("GET down.bin")
		name := fmt.Sprintf("copy-%d.bin", seed)
		path, err := tftp.Fetch(testContext(t), tftp.FileDownload{Addr: hubUDP(g.Port), Token: g.Token, Name: name, Size: g.Size, SHA256: g.SHA256, Dir: out, Options: opts})
		require.NoError(t, err, "seed %d", seed)
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		require.Equal(t, sha256Hex(data), sha256Hex(got))

		up := randomData(100+seed, 200_000+int(seed))
		p := c.grant(fmt.Sprintf("PUT %d %s %s", len(up), sha256Hex(up), name))
		_, err = tftp.Upload(testContext(t), hubUDP(p.Port), p.Token, int64(len(up)), bytes.NewReader(up), opts)
		require.NoError(t, err, "seed %d", seed)
		ev := c.event()
		require.Equal(t, proto.KwShared, ev.Keyword)
		assert.Equal(t, name, ev.Name)
		t.Logf("seed %d: %+v", seed, conn.Counts())
		require.NoError(t, conn.Close())
	}
	requireDirSettles(t, th.dir, "down.bin", "copy-1.bin", "copy-2.bin", "copy-3.bin")
}

func TestTransferTokens(t *testing.T) {
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) { tc.TokenTTL = 3 * time.Second })
	data := randomData(1, 5000)
	writeData(t, th.dir, "doc.bin", data)
	c, _, _ := register(t, th.addr, "alice")
	ctx := testContext(t)

	download := func(addr, token string, opts *tftp.ClientOptions) (*bytes.Buffer, error) {
		var buf bytes.Buffer
		_, err := tftp.Download(ctx, addr, token, opts, &buf)
		return &buf, err
	}

	t.Run("unknown", func(t *testing.T) {
		g := c.grant("GET doc.bin")
		buf, err := download(hubUDP(g.Port), strings.Repeat("0", 32), nil)
		requireTFTPError(t, err, tftp.ErrAccessViolation)
		assert.Zero(t, buf.Len())
		buf, err = download(hubUDP(g.Port), "doc.bin", nil)
		requireTFTPError(t, err, tftp.ErrAccessViolation) // not public
		assert.Zero(t, buf.Len())
	})

	t.Run("wrong address", func(t *testing.T) {
		other := loopback2(t)
		g := c.grant("GET doc.bin")
		buf, err := download(hubUDP(g.Port), g.Token, &tftp.ClientOptions{Conn: other})
		e := requireTFTPError(t, err, tftp.ErrAccessViolation)
		assert.Contains(t, e.Message, "another address")
		assert.Zero(t, buf.Len())
		// The token stays good for the address it was granted to.
		buf, err = download(hubUDP(g.Port), g.Token, nil)
		require.NoError(t, err)
		assert.Equal(t, data, buf.Bytes())

		p := c.grant(fmt.Sprintf("PUT %d %s other.bin", len(data), sha256Hex(data)))
		_, err = tftp.Upload(ctx, hubUDP(p.Port), p.Token, int64(len(data)), bytes.NewReader(data), &tftp.ClientOptions{Conn: other})
		requireTFTPError(t, err, tftp.ErrAccessViolation)
		requireDirSettles(t, th.dir, "doc.bin")
	})

	t.Run("reused", func(t *testing.T) {
		g := c.grant("GET doc.bin")
		buf, err := download(hubUDP(g.Port), g.Token, nil)
		require.NoError(t, err)
		assert.Equal(t, data, buf.Bytes())
		buf, err = download(hubUDP(g.Port), g.Token, nil)
		requireTFTPError(t, err, tftp.ErrAccessViolation)
		assert.Zero(t, buf.Len())
	})

	t.Run("expired", func(t *testing.T) {
		g := c.grant("GET doc.bin")
		p := c.grant(fmt.Sprintf("PUT %d %s late.bin", len(data), sha256Hex(data)))
		time.Sleep(3*time.Second + 100*time.Millisecond)
		buf, err := download(hubUDP(g.Port), g.Token, nil)
		e := requireTFTPError(t, err, tftp.ErrAccessViolation)
		assert.Contains(t, e.Message, "expired")
		assert.Zero(t, buf.Len())
		_, err = tftp.Upload(ctx, hubUDP(p.Port), p.Token, int64(len(data)), bytes.NewReader(data), nil)
		requireTFTPError(t, err, tftp.ErrAccessViolation)
		requireDirSettles(t, th.dir, "doc.bin")
	})

	t.Run("write without token", func(t *testing.T) {
		g := c.grant("GET doc.bin")
		for _, name := range []string{"new.bin", "doc.bin", strings.Repeat("a", 32), g.Token} {
			_, err := tftp.Upload(ctx, hubUDP(g.Port), name, int64(len(data)), bytes.NewReader(data), nil)
			requireTFTPError(t, err, tftp.ErrAccessViolation)
		}
		// A GET token does not allow a write, nor a PUT token a read.
		p := c.grant(fmt.Sprintf("PUT %d %s new.bin", len(data), sha256Hex(data)))
		buf, err := download(hubUDP(p.Port), p.Token, nil)
		requireTFTPError(t, err, tftp.ErrAccessViolation)
		assert.Zero(t, buf.Len())
		// A declared size other than the granted one is refused.
		_, err = tftp.Upload(ctx, hubUDP(p.Port), p.Token, int64(len(data)+1), io.MultiReader(bytes.NewReader(data), strings.NewReader("x")), nil)
		requireTFTPError(t, err, tftp.ErrIllegalOp)
		_, err = tftp.Upload(ctx, hubUDP(p.Port), p.Token, int64(len(data)), bytes.NewReader(data), nil)
		requireTFTPError(t, err, tftp.ErrAccessViolation) // the refused upload used the token up
		requireDirSettles(t, th.dir, "doc.bin")
		c.send("FILES")
		assert.Len(t, c.readBlock(proto.KwFiles), 1)
	})
}

func TestTransferBusy(t *testing.T) {
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) {
		c.MaxTransfers = 3
		c.MaxTransfersPerClient = 2
		tc.TokenTTL = 3 * time.Second
	})
	data := randomData(2, 3000)
	writeData(t, th.dir, "f.bin", data)
	alice, _, _ := register(t, th.addr, "alice")
	bob, _, _ := register(t, th.addr, "bob")
	alice.skipTo("JOIN")
	put := fmt.Sprintf("PUT %d %s up.bin", len(data), sha256Hex(data))

	a1 := alice.grant("GET f.bin")
	alice.grant(put)
	alice.send("GET f.bin")
	assert.Contains(t, alice.expectErr(409, proto.KwGet, proto.ReasonBusy).Detail, "2 transfers")
	alice.send(put)
	alice.expectErr(409, proto.KwPut, proto.ReasonBusy)
	bob.grant("GET f.bin")
	bob.send("GET f.bin")
	assert.Contains(t, bob.expectErr(409, proto.KwGet, proto.ReasonBusy).Detail, "maximum of 3")

	// A finished transfer gives its slot back.
	var buf bytes.Buffer
	_, err := tftp.Download(testContext(t), hubUDP(a1.Port), a1.Token, nil, &buf)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		bob.send("GET f.bin")
		return bob.event().Keyword == proto.KwGet
	}, guard, 10*time.Millisecond)

	// Grants that expire unused give theirs back too.
	alice.send("GET f.bin")
	alice.expectErr(409, proto.KwGet, proto.ReasonBusy)
	time.Sleep(3*time.Second + 100*time.Millisecond)
	alice.grant("GET f.bin")
	alice.grant(put)
	requireDirSettles(t, th.dir, "f.bin")
}

func TestUploadNameCollision(t *testing.T) {
	th := startTransferHub(t, nil)
	writeData(t, th.dir, "a.txt", []byte("first"))
	writeData(t, th.dir, "noext", []byte("x"))
	c, _, _ := register(t, th.addr, "alice")
	ctx := testContext(t)
	data := []byte("second")
	put := fmt.Sprintf("PUT %d %s ", len(data), sha256Hex(data))

	g1 := c.grant(put + "a.txt")
	assert.Equal(t, "a (1).txt", g1.Name)
	g2 := c.grant(put + "a.txt")
	assert.Equal(t, "a (2).txt", g2.Name, "a granted name is reserved")
	g3 := c.grant(put + "noext")
	assert.Equal(t, "noext (1)", g3.Name)

	// A file that appears by hand under the granted name is not overwritten.
	writeData(t, th.dir, "a (2).txt", []byte("by hand"))
	for _, g := range []proto.Event{g1, g2, g3} {
		_, err := tftp.Upload(ctx, hubUDP(g.Port), g.Token, int64(len(data)), bytes.NewReader(data), nil)
		require.NoError(t, err)
	}
	var stored []string
	for range 3 {
		ev := c.event()
		require.Equal(t, proto.KwShared, ev.Keyword)
		stored = append(stored, ev.Name)
	}
	assert.Equal(t, []string{"a (1).txt", "a (3).txt", "noext (1)"}, stored)
	got, err := os.ReadFile(filepath.Join(th.dir, "a (2).txt"))
	require.NoError(t, err)
	assert.Equal(t, "by hand", string(got))
	requireDirSettles(t, th.dir, "a.txt", "a (1).txt", "a (2).txt", "a (3).txt", "noext", "noext (1)")

	g4 := c.grant(put + "a.txt")
	assert.Equal(t, "a (4).txt", g4.Name)
}

// TestUploadCancelled has the uploader give up in the middle: with an
// ERROR packet (a cancelled context), and by going silent.
func TestUploadCancelled(t *testing.T) {
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) { tc.Engine.NoProgress = time.Second })
	c, _, _ := register(t, th.addr, "alice")
	data := randomData(3, 1<<20)
	put := fmt.Sprintf("PUT %d %s big.bin", len(data), sha256Hex(data))

	g := c.grant(put)
	ctx, cancel := context.WithCancel(testContext(t))
	opts := &tftp.ClientOptions{Config: tftp.Config{Progress: func(p tftp.Progress) {
		if p.Done >= 300_000 {
			cancel()
		}
	}}}
	_, err := tftp.Upload(ctx, hubUDP(g.Port), g.Token, int64(len(data)), bytes.NewReader(data), opts)
	require.ErrorIs(t, err, context.Canceled)
	requireDirSettles(t, th.dir)

	// Silent: a WRQ and a few blocks, then nothing.
	g = c.grant(put)
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer peer.Close()
	hub := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: g.Port}
	wrq, err := tftp.AppendRequest(nil, tftp.OpWRQ, g.Token, "octet", tftp.Options{{Name: "blksize", Value: "512"}})
	require.NoError(t, err)
	_, err = peer.WriteTo(wrq, hub)
	require.NoError(t, err)
	buf := make([]byte, 1024)
	peer.SetReadDeadline(time.Now().Add(guard))
	n, from, err := peer.ReadFrom(buf)
	require.NoError(t, err)
	op, _ := tftp.PacketOpcode(buf[:n])
	require.Equal(t, tftp.OpOACK, op)
	for blk := uint16(1); blk <= 3; blk++ {
		_, err = peer.WriteTo(tftp.AppendData(nil, blk, data[int(blk-1)*512:int(blk)*512]), from)
		require.NoError(t, err)
	}
	assert.Eventually(t, func() bool {
		return len(dirNames(t, th.dir)) == 1 && strings.HasPrefix(dirNames(t, th.dir)[0], uploadTempPrefix)
	}, guard, time.Millisecond, "the upload is under way under a hidden name")
	c.send("FILES")
	assert.Empty(t, c.readBlock(proto.KwFiles))
	requireDirSettles(t, th.dir) // abandoned after NoProgress
	c.send("FILES")
	assert.Empty(t, c.readBlock(proto.KwFiles))
}

func TestUploadCorrupt(t *testing.T) {
	th := startTransferHub(t, nil)
	c, _, _ := register(t, th.addr, "alice")
	data := randomData(4, 100_000)
	other := append([]byte{}, data...)
	other[5000] ^= 1
	g := c.grant(fmt.Sprintf("PUT %d %s c.bin", len(data), sha256Hex(other)))
	_, err := tftp.Upload(testContext(t), hubUDP(g.Port), g.Token, int64(len(data)), bytes.NewReader(data), nil)
	e := requireTFTPError(t, err, tftp.ErrNotDefined)
	assert.Contains(t, e.Message, "nothing was stored")
	assert.ErrorIs(t, err, tftp.ErrPeerChecksum, "the ERROR carries the word %s", tftp.ChecksumMismatch)
	assert.NotErrorIs(t, err, tftp.ErrPeerDiskFull)
	assert.Equal(t, "c.bin", c.expectErr(422, proto.KwPut, proto.ReasonChecksumMismatch).Detail)
	requireDirSettles(t, th.dir)
	c.send("FILES")
	assert.Empty(t, c.readBlock(proto.KwFiles))
	// The name is free again.
	g = c.grant(fmt.Sprintf("PUT %d %s c.bin", len(data), sha256Hex(data)))
	assert.Equal(t, "c.bin", g.Name)
}

var errNoSpace = syscall.ENOSPC

// failingDisk is a writer that fails like a full disk after limit bytes.
type failingDisk struct {
	w     io.Writer
	limit int64
}

func (f *failingDisk) Write(p []byte) (int, error) {
	if int64(len(p)) > f.limit {
		n, _ := f.w.Write(p[:f.limit])
		f.limit = 0
		return n, &os.PathError{Op: "write", Path: "upload", Err: errNoSpace}
	}
	f.limit -= int64(len(p))
	return f.w.Write(p)
}

func TestUploadDiskFull(t *testing.T) {
	var free atomic.Int64
	free.Store(1 << 30)
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) {
		tc.MaxUpload = 10 << 20
		tc.freeSpace = func() (int64, error) { return free.Load(), nil }
		tc.wrapUpload = func(w io.Writer) io.Writer { return &failingDisk{w: w, limit: 200_000} }
	})
	c, _, _ := register(t, th.addr, "alice")
	data := randomData(5, 1<<20)
	sum := sha256Hex(data)

	c.send(fmt.Sprintf("PUT %d %s huge.bin", 10<<20+1, sum))
	assert.Contains(t, c.expectErr(413, proto.KwPut, proto.ReasonTooLarge).Detail, "at most 10485760 bytes")
	free.Store(1<<20 - 1)
	c.send(fmt.Sprintf("PUT %d %s f.bin", len(data), sum))
	assert.Contains(t, c.expectErr(507, proto.KwPut, proto.ReasonNoSpace).Detail, "room for 1048575 more bytes")

	free.Store(1<<20 + 1000)
	g := c.grant(fmt.Sprintf("PUT %d %s f.bin", len(data), sum))
	c.send(fmt.Sprintf("PUT %d %s g.bin", 2000, sum))
	assert.Contains(t, c.expectErr(507, proto.KwPut, proto.ReasonNoSpace).Detail, "room for 1000 more bytes",
		"granted uploads count against the free space")

	_, err := tftp.Upload(testContext(t), hubUDP(g.Port), g.Token, int64(len(data)), bytes.NewReader(data), nil)
	e := requireTFTPError(t, err, tftp.ErrDiskFull)
	t.Logf("the client sees: %v", err)
	assert.Contains(t, e.Message, "writing the file failed")
	assert.Equal(t, "f.bin", c.expectErr(507, proto.KwPut, proto.ReasonNoSpace).Detail)
	requireDirSettles(t, th.dir)
}

func TestTransferPublic(t *testing.T) {
	outside := t.TempDir()
	writeData(t, outside, "secret", []byte("top secret"))
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) { tc.Public = true })
	data := randomData(6, 70_000)
	writeData(t, th.dir, "pub.bin", data)
	writeData(t, th.dir, ".hidden", []byte("hidden"))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(th.dir, "escape")))
	require.NoError(t, os.Mkdir(filepath.Join(th.dir, "sub"), 0o755))
	ctx := testContext(t)
	for _, conn := range []net.PacketConn{nil, loopback2(t)} {
		var buf bytes.Buffer
		_, err := tftp.Download(ctx, th.udp, "pub.bin", &tftp.ClientOptions{Conn: conn}, &buf)
		require.NoError(t, err)
		assert.Equal(t, data, buf.Bytes())
	}
	for _, name := range []string{"missing", ".hidden", "escape", "sub", "../" + filepath.Base(outside) + "/secret", "sub/../pub.bin"} {
		var buf bytes.Buffer
		_, err := tftp.Download(ctx, th.udp, name, nil, &buf)
		requireTFTPError(t, err, tftp.ErrFileNotFound)
		assert.Zero(t, buf.Len(), name)
	}
	_, err := tftp.Upload(ctx, th.udp, "new.bin", 3, strings.NewReader("abc"), nil)
	requireTFTPError(t, err, tftp.ErrAccessViolation)
	_, err = tftp.Upload(ctx, th.udp, "pub.bin", 3, strings.NewReader("abc"), nil)
	requireTFTPError(t, err, tftp.ErrAccessViolation)
	requireDirSettles(t, th.dir, ".hidden", "escape", "pub.bin", "sub")
}

// TestTransferResume cuts a download at a random block and fetches it
// again with a new grant; the second transfer starts where the first one
// stopped.
func TestTransferResume(t *testing.T) {
	th := startTransferHub(t, nil)
	const size = 3<<20 + 1234
	data := randomData(9, size)
	writeData(t, th.dir, "r.bin", data)
	c, _, _ := register(t, th.addr, "alice")
	out := t.TempDir()
	cut := 2048 * 5 * (1 + int64(randomData(uint64(time.Now().UnixNano()), 1)[0]%200))
	t.Logf("cutting after %d bytes", cut)

	g := c.grant("GET r.bin")
	ctx, cancel := context.WithCancel(testContext(t))
	opts := &tftp.ClientOptions{Config: tftp.Config{Progress: func(p tftp.Progress) {
		if p.Done >= cut {
			cancel()
		}
	}}}
	_, err := tftp.Fetch(ctx, tftp.FileDownload{Addr: hubUDP(g.Port), Token: g.Token, Name: g.Name, Size: g.Size, SHA256: g.SHA256, Dir: out, Options: opts})
	require.ErrorIs(t, err, context.Canceled)
	part, err := os.Stat(filepath.Join(out, "r.bin.part"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, part.Size(), cut)
	require.NoFileExists(t, filepath.Join(out, "r.bin"))

	g = c.grant("GET r.bin")
	first := int64(-1)
	opts = &tftp.ClientOptions{Config: tftp.Config{Progress: func(p tftp.Progress) {
		if first < 0 {
			first = p.Done
		}
	}}}
	path, err := tftp.Fetch(testContext(t), tftp.FileDownload{Addr: hubUDP(g.Port), Token: g.Token, Name: g.Name, Size: g.Size, SHA256: g.SHA256, Dir: out, Options: opts})
	require.NoError(t, err)
	assert.Greater(t, first, part.Size()-2048-1, "the second transfer resumed after the kept blocks")
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, sha256Hex(data), sha256Hex(got))
	assert.NoFileExists(t, filepath.Join(out, "r.bin.part"))
}

func TestTransferFileChangedAfterGrant(t *testing.T) {
	th := startTransferHub(t, nil)
	writeData(t, th.dir, "f.bin", []byte("version one"))
	c, _, _ := register(t, th.addr, "alice")
	g := c.grant("GET f.bin")
	writeData(t, th.dir, "f.bin", []byte("version two, longer"))
	var buf bytes.Buffer
	_, err := tftp.Download(testContext(t), hubUDP(g.Port), g.Token, nil, &buf)
	requireTFTPError(t, err, tftp.ErrFileNotFound)
	assert.Zero(t, buf.Len())
}

func TestTransferOtherPacketsAndPortRange(t *testing.T) {
	probe, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	base := probe.LocalAddr().(*net.UDPAddr).Port
	probe.Close()
	// Ports above a just-freed one are very likely free; the test only
	// needs one of the four.
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) {
		tc.PortMin, tc.PortMax = base, base+3
		tc.OtherPacket = func(pkt []byte, from net.Addr) []byte {
			if string(pkt) == "\x00\x00natter?" {
				return []byte("\x00\x00natter! " + from.(*net.UDPAddr).IP.String())
			}
			return nil
		}
	})
	writeData(t, th.dir, "f.bin", []byte("hello"))
	c, _, _ := register(t, th.addr, "alice")
	g := c.grant("GET f.bin")

	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer peer.Close()
	hub := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: g.Port}
	buf := make([]byte, 2048)
	peer.SetReadDeadline(time.Now().Add(guard))

	_, err = peer.WriteTo([]byte("\x00\x00natter?"), hub)
	require.NoError(t, err)
	n, from, err := peer.ReadFrom(buf)
	require.NoError(t, err)
	assert.Equal(t, "\x00\x00natter! 127.0.0.1", string(buf[:n]))
	assert.Equal(t, g.Port, from.(*net.UDPAddr).Port, "the reply comes from the listening port")

	rrq, err := tftp.AppendRequest(nil, tftp.OpRRQ, g.Token, "octet", nil)
	require.NoError(t, err)
	_, err = peer.WriteTo(rrq, hub)
	require.NoError(t, err)
	n, from, err = peer.ReadFrom(buf)
	require.NoError(t, err)
	blk, payload, err := tftp.ParseData(buf[:n])
	require.NoError(t, err)
	assert.Equal(t, uint16(1), blk)
	assert.Equal(t, "hello", string(payload))
	port := from.(*net.UDPAddr).Port
	assert.True(t, port >= base && port <= base+3, "transfer port %d outside %d-%d", port, base, base+3)
	_, err = peer.WriteTo(tftp.AppendAck(nil, 1), from)
	require.NoError(t, err)
}

// TestTransferShutdownDuringUpload stops the hub in the middle of an
// upload: Serve returns, and the upload leaves nothing behind.
func TestTransferShutdownDuringUpload(t *testing.T) {
	th := startTransferHub(t, nil)
	c, _, _ := register(t, th.addr, "alice")
	data := randomData(10, 200_000)
	g := c.grant(fmt.Sprintf("PUT %d %s s.bin", len(data), sha256Hex(data)))
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := tftp.Upload(testContext(t), hubUDP(g.Port), g.Token, int64(len(data)), pr, nil)
		done <- err
	}()
	_, err := pw.Write(data[:50_000])
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(dirNames(t, th.dir)) == 1 }, guard, time.Millisecond)
	require.NoError(t, th.stop())
	requireDirSettles(t, th.dir)
	pw.CloseWithError(errors.New("the test is over"))
	select {
	case err := <-done:
		require.Error(t, err)
	case <-time.After(guard):
		t.Fatal("the upload did not end")
	}
}

func TestTransferLeftoversRemoved(t *testing.T) {
	dir := t.TempDir()
	writeData(t, dir, uploadTempPrefix+"0123", []byte("half an upload"))
	writeData(t, dir, "keep.txt", []byte("kept"))
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) { c.Dir = dir })
	requireDirSettles(t, th.dir, "keep.txt")
}

// A hub with transfers refuses a datagram socket that is not UDP, closing
// the listeners it was given; until it serves, grants are refused.
func TestTransferServeMisuse(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dir = t.TempDir()
	cfg.Transfers = &TransferConfig{}
	h, err := New(cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	pc, err := net.ListenPacket("unixgram", filepath.Join(t.TempDir(), "sock"))
	require.NoError(t, err)
	err = h.ServeListeners(context.Background(), Listeners{Sessions: ln, Packets: pc})
	assert.ErrorContains(t, err, "is not a UDP address")
	_, err = ln.Accept()
	assert.Error(t, err, "Serve closes the listener")

	_, err = h.transfers.GrantGet(context.Background(), getRequest{})
	assert.ErrorContains(t, err, "not running")
	_, err = h.transfers.GrantPut(context.Background(), putRequest{})
	assert.ErrorContains(t, err, "not running")
}

func TestNumberedName(t *testing.T) {
	for _, tt := range []struct {
		name string
		n    int
		want string
	}{
		{"a.txt", 0, "a.txt"}, {"a.txt", 1, "a (1).txt"}, {"a.txt", 12, "a (12).txt"},
		{"archive.tar.gz", 2, "archive.tar (2).gz"}, {"README", 1, "README (1)"}, {"a b.", 1, "a b (1)."},
	} {
		assert.Equal(t, tt.want, numberedName(tt.name, tt.n))
	}
}

// BenchmarkTransferGet measures a granted download through the hub, from
// the GET line to the last byte, stop-and-wait and with a window of 16.
func BenchmarkTransferGet(b *testing.B) {
	th := startTransferHub(b, func(c *Config, tc *TransferConfig) { c.MaxTransfersPerClient = 64 })
	const size = 8 << 20
	writeData(b, th.dir, "bench.bin", randomData(1, size))
	c, _, _ := register(b, th.addr, "alice")
	for _, window := range []int{1, 16} {
		b.Run(fmt.Sprintf("window=%d", window), func(b *testing.B) {
			b.SetBytes(size)
			opts := &tftp.ClientOptions{WindowSize: window}
			for b.Loop() {
				g := c.grant("GET bench.bin")
				if _, err := tftp.Download(testContext(b), hubUDP(g.Port), g.Token, opts, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A GET sent as soon as the hub accepts sessions is granted: the hub readies
// its transfers, which first remove what unfinished uploads left (here
// enough to take a while), before it accepts the first session.
func TestTransferGrantedToTheFirstSession(t *testing.T) {
	cfg := loopbackConfig(t)
	cfg.Name = "Test hub"
	cfg.Transfers = &TransferConfig{}
	writeFile(t, cfg.Dir, "a.txt", "hello")
	for i := range 1000 {
		writeFile(t, cfg.Dir, uploadTempPrefix+strconv.Itoa(i), "")
	}
	h, err := New(cfg)
	require.NoError(t, err)
	ls, err := h.Listen()
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.ServeListeners(ctx, ls) }()
	c, _, _ := register(t, ls.Sessions.Addr().String(), "alice")
	c.send("GET a.txt")
	assert.Regexp(t, `^GET [0-9a-f]{32} `+strconv.Itoa(ls.Packets.LocalAddr().(*net.UDPAddr).Port)+` 5 [0-9a-f]{64} a\.txt$`, c.readLine())
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(guard):
		t.Fatal("hub did not stop")
	}
}
