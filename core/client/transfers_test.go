package client

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/tftp"
	"github.com/natter-chat/natter/server"
)

// startTransferHub starts a hub on addr sharing dir, with its file
// transfers served on a UDP port of 127.0.0.1.
func startTransferHub(t *testing.T, dir, addr string) *testHub {
	t.Helper()
	return serveHub(t, server.Config{Dir: dir, Transfers: &server.TransferConfig{}}, addr)
}

// pausingEngine is the real transfer engine, except that its first
// download stops moving once past pauseAt bytes until its context ends, so
// that a test can act while a transfer runs without waiting on the clock.
type pausingEngine struct {
	tftpEngine
	pauseAt int64
	paused  atomic.Bool // the first download has paused
}

func (e *pausingEngine) download(ctx context.Context, addr, token string, key *[tftp.SealKeySize]byte, dir, name string, size int64, sha string, progress func(int64)) (string, error) {
	pause := e.paused.CompareAndSwap(false, true)
	return e.tftpEngine.download(ctx, addr, token, key, dir, name, size, sha, func(n int64) {
		progress(n)
		if pause && n > e.pauseAt {
			<-ctx.Done()
		}
	})
}

// startPausingClient starts a client whose first download pauses once past
// 1 MiB until it is stopped.
func startPausingClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	return startClientWith(t, cfg, &pausingEngine{pauseAt: 1 << 20})
}

// writeRandomFile writes size random bytes to dir/name and returns their SHA-256.
func writeRandomFile(t *testing.T, dir, name string, size int) string {
	b := make([]byte, size)
	rand.Read(b)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func fileSHA(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// transferEvents collects the EventTransfer events of one transfer until
// it finishes.
func transferEvents(t *testing.T, c *Client, id TransferID) []Transfer {
	t.Helper()
	var out []Transfer
	deadline := time.After(60 * time.Second)
	for {
		select {
		case ev, ok := <-c.Events():
			require.True(t, ok, "events closed")
			if ev.Kind != EventTransfer || ev.Transfer.ID != id {
				continue
			}
			out = append(out, *ev.Transfer)
			if ev.Transfer.State.Finished() {
				return out
			}
		case <-deadline:
			t.Fatalf("transfer %d did not finish; %d events", id, len(out))
		}
	}
}

// requireInOrder checks a transfer's events: queued first, then running
// with bytes that never go back, then done.
func requireInOrder(t *testing.T, evs []Transfer) {
	t.Helper()
	require.Equal(t, TransferQueued, evs[0].State)
	require.Equal(t, TransferDone, evs[len(evs)-1].State)
	var prev int64
	for _, e := range evs[1:] {
		require.Contains(t, []TransferState{TransferRunning, TransferDone}, e.State)
		require.GreaterOrEqual(t, e.Bytes, prev, "progress went back")
		prev = e.Bytes
	}
}

func TestTransferDownloadAndUpload(t *testing.T) {
	shared := t.TempDir()
	want := writeRandomFile(t, shared, "holiday photo é.jpg", 300_000)
	h := startTransferHub(t, shared, "127.0.0.1:0")
	c := startClient(t, Config{Addr: h.addr, Nick: "alice", EventBuffer: 100_000})
	snap := waitFor(t, c, "file list", func(s *Snapshot) bool { return registered(s) && len(s.Files) == 1 })
	require.Equal(t, "holiday photo é.jpg", snap.Files[0].Name)
	require.Equal(t, int64(300_000), snap.Files[0].Size)

	id, err := c.Download("holiday photo é.jpg")
	require.NoError(t, err)
	evs := transferEvents(t, c, id)
	last := evs[len(evs)-1]
	require.Equal(t, TransferDone, last.State, last.Reason)
	require.Equal(t, filepath.Join(c.cfg.DownloadDir, "holiday photo é.jpg"), last.Path)
	require.Equal(t, want, fileSHA(t, last.Path))
	require.Equal(t, want, last.SHA256)
	require.Equal(t, int64(300_000), last.Bytes)
	require.NoFileExists(t, last.Path+".part")
	requireInOrder(t, evs)

	// Upload from a stream; everyone hears of it with SHARED.
	bob := startClient(t, Config{Addr: h.addr, Nick: "bob"})
	waitFor(t, bob, "bob registered", registered)
	data := strings.Repeat("natter upload\n", 20_000)
	sum := sha256.Sum256([]byte(data))
	up, err := c.UploadReader("notes.txt", strings.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	evs = transferEvents(t, c, up)
	requireInOrder(t, evs)
	last = evs[len(evs)-1]
	require.Equal(t, TransferDone, last.State, last.Reason)
	require.Equal(t, int64(len(data)), last.Bytes)
	require.Equal(t, fileSHA(t, filepath.Join(shared, "notes.txt")), hex.EncodeToString(sum[:]))
	snap = waitFor(t, bob, "shared announcement", func(s *Snapshot) bool { return len(s.Shared) == 1 })
	require.Equal(t, Shared{Time: snap.Shared[0].Time, From: "alice", Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Name: "notes.txt"}, snap.Shared[0])
	require.True(t, hasMessage(snap, func(m Message) bool {
		return m.Event == SysShared && m.Note == NoteShared && m.From == "alice" && m.Name == "notes.txt"
	}))

	// The same name again is stored under a new name; uploading from a path.
	path := filepath.Join(t.TempDir(), "notes.txt")
	require.NoError(t, os.WriteFile(path, []byte("second"), 0o644))
	up2, err := c.Upload(path)
	require.NoError(t, err)
	evs = transferEvents(t, c, up2)
	last = evs[len(evs)-1]
	require.Equal(t, TransferDone, last.State, last.Reason)
	require.Equal(t, "notes (1).txt", last.Name)

	// A file the hub does not have fails with words a person understands.
	bad, err := c.Download("missing.bin")
	require.NoError(t, err)
	evs = transferEvents(t, c, bad)
	require.Equal(t, TransferFailed, evs[len(evs)-1].State)
	require.Equal(t, XferRefused, evs[len(evs)-1].Reason)
	require.Equal(t, "no-such-file", evs[len(evs)-1].Err.(*HubError).Reason)
}

func TestTransferCancelLeavesNoFile(t *testing.T) {
	shared := t.TempDir()
	writeRandomFile(t, shared, "big.bin", 2<<20)
	h := startTransferHub(t, shared, "127.0.0.1:0")
	c := startPausingClient(t, Config{Addr: h.addr, Nick: "alice"})
	waitFor(t, c, "registered", registered)
	id, err := c.Download("big.bin")
	require.NoError(t, err)
	waitFor(t, c, "some progress", func(s *Snapshot) bool { x, _ := s.Transfer(id); return x.Bytes > 64<<10 })
	require.NoError(t, c.Cancel(id))
	snap := waitFor(t, c, "cancelled", func(s *Snapshot) bool { x, _ := s.Transfer(id); return x.State.Finished() })
	x, _ := snap.Transfer(id)
	require.Equal(t, TransferCancelled, x.State)
	entries, err := os.ReadDir(c.cfg.DownloadDir)
	require.NoError(t, err)
	require.Empty(t, entries, "cancelled download left files")
}

func TestTransferResumesAfterHubRestart(t *testing.T) {
	shared := t.TempDir()
	want := writeRandomFile(t, shared, "big.bin", 4<<20)
	h := startTransferHub(t, shared, "127.0.0.1:0")
	addr := h.addr
	c := startPausingClient(t, fastReconnect(Config{Addr: addr, Nick: "alice", EventBuffer: 100_000}))
	waitFor(t, c, "registered", registered)
	id, err := c.Download("big.bin")
	require.NoError(t, err)
	snap := waitFor(t, c, "a quarter", func(s *Snapshot) bool { x, _ := s.Transfer(id); return x.Bytes > 1<<20 })
	before, _ := snap.Transfer(id)

	h.stop()
	waitFor(t, c, "waiting for the hub", func(s *Snapshot) bool {
		x, _ := s.Transfer(id)
		return s.Conn.State == Reconnecting && x.State == TransferQueued
	})
	part := filepath.Join(c.cfg.DownloadDir, "big.bin.part")
	fi, err := os.Stat(part)
	require.NoError(t, err)
	require.GreaterOrEqual(t, fi.Size(), before.Bytes-2048)

	startTransferHub(t, shared, addr)
	evs := transferEvents(t, c, id)
	last := evs[len(evs)-1]
	require.Equal(t, TransferDone, last.State, last.Reason)
	require.Equal(t, want, fileSHA(t, last.Path))
	require.NoFileExists(t, part)
	// The second request resumed from the .part: progress never went back
	// to zero after the drop.
	requeued := false
	for _, e := range evs {
		if e.State == TransferQueued && e.Bytes > 0 {
			requeued = true
		}
		if requeued {
			require.Greater(t, e.Bytes, int64(1<<20), "restarted instead of resuming (%s)", e.Reason)
		}
	}
	require.True(t, requeued)
}

func TestTransfersQueueBeyondHubLimit(t *testing.T) {
	shared := t.TempDir()
	sums := map[string]string{}
	for i := range 6 {
		name := fmt.Sprintf("f%d.bin", i)
		sums[name] = writeRandomFile(t, shared, name, 100_000)
	}
	h := startTransferHub(t, shared, "127.0.0.1:0")
	c := startClient(t, Config{Addr: h.addr, Nick: "alice"})
	waitFor(t, c, "registered", registered)
	var ids []TransferID
	for i := range 6 {
		id, err := c.Download(fmt.Sprintf("f%d.bin", i))
		require.NoError(t, err)
		ids = append(ids, id)
	}
	maxRunning := 0
	snap := waitFor(t, c, "all done", func(s *Snapshot) bool {
		running, done := 0, 0
		for _, x := range s.Transfers {
			if x.State == TransferRunning {
				running++
			}
			if x.State.Finished() {
				done++
			}
		}
		maxRunning = max(maxRunning, running)
		return done == 6
	})
	require.LessOrEqual(t, maxRunning, 4)
	for _, id := range ids {
		x, _ := snap.Transfer(id)
		require.Equal(t, TransferDone, x.State, x.Reason)
		require.Equal(t, sums[x.Name], fileSHA(t, x.Path))
	}
}

// changingReader yields different bytes on its second pass, like a file
// edited between hashing and sending.
type changingReader struct {
	data   []byte
	off    int64
	passes int
}

func (c *changingReader) Read(p []byte) (int, error) {
	if c.off >= int64(len(c.data)) {
		return 0, io.EOF
	}
	n := copy(p, c.data[c.off:])
	if c.passes > 1 {
		for i := range n {
			p[i] ^= 0xff
		}
	}
	c.off += int64(n)
	return n, nil
}

func (c *changingReader) Seek(off int64, whence int) (int64, error) {
	if off != 0 || whence != io.SeekStart {
		return 0, errors.New("only rewinds")
	}
	c.off = 0
	c.passes++
	return 0, nil
}

func TestTransferUploadChangedSourceFails(t *testing.T) {
	shared := t.TempDir()
	h := startTransferHub(t, shared, "127.0.0.1:0")
	c := startClient(t, Config{Addr: h.addr, Nick: "alice"})
	waitFor(t, c, "registered", registered)
	src := &changingReader{data: []byte(strings.Repeat("abc", 10_000))}
	id, err := c.UploadReader("data.txt", src, int64(len(src.data)))
	require.NoError(t, err)
	snap := waitFor(t, c, "finished", func(s *Snapshot) bool { x, _ := s.Transfer(id); return x.State.Finished() })
	x, _ := snap.Transfer(id)
	require.Equal(t, TransferFailed, x.State)
	require.Equal(t, XferChecksum, x.Reason)
	entries, err := os.ReadDir(shared)
	require.NoError(t, err)
	require.Empty(t, entries, "nothing is stored")
}

func TestTransferResumesInNextClient(t *testing.T) {
	shared := t.TempDir()
	want := writeRandomFile(t, shared, "big.bin", 4<<20)
	h := startTransferHub(t, shared, "127.0.0.1:0")
	dir := t.TempDir()
	first := startPausingClient(t, Config{Addr: h.addr, Nick: "alice", DownloadDir: dir})
	waitFor(t, first, "registered", registered)
	id, err := first.Download("big.bin")
	require.NoError(t, err)
	waitFor(t, first, "a quarter", func(s *Snapshot) bool { x, _ := s.Transfer(id); return x.Bytes > 1<<20 })
	// Closing keeps the .part (not a final file) for a later resume.
	require.NoError(t, first.Close())
	x, _ := first.Snapshot().Transfer(id)
	require.Equal(t, TransferCancelled, x.State)
	require.FileExists(t, filepath.Join(dir, "big.bin.part"))
	require.NoFileExists(t, filepath.Join(dir, "big.bin"))

	second := startClient(t, Config{Addr: h.addr, Nick: "alice", DownloadDir: dir, EventBuffer: 100_000})
	waitFor(t, second, "registered", registered)
	id, err = second.Download("big.bin")
	require.NoError(t, err)
	evs := transferEvents(t, second, id)
	last := evs[len(evs)-1]
	require.Equal(t, TransferDone, last.State, last.Reason)
	require.Equal(t, want, fileSHA(t, last.Path))
	for _, e := range evs {
		require.False(t, e.Bytes > 0 && e.Bytes < 1<<20-2048, "restarted at %d instead of resuming", e.Bytes)
	}
}

func TestTransferEmptyFile(t *testing.T) {
	shared := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(shared, "empty.txt"), nil, 0o644))
	h := startTransferHub(t, shared, "127.0.0.1:0")
	c := startClient(t, Config{Addr: h.addr, Nick: "alice"})
	waitFor(t, c, "registered", registered)
	id, err := c.Download("empty.txt")
	require.NoError(t, err)
	snap := waitFor(t, c, "finished", func(s *Snapshot) bool { x, _ := s.Transfer(id); return x.State.Finished() })
	x, _ := snap.Transfer(id)
	require.Equal(t, TransferDone, x.State, x.Reason)
	fi, err := os.Stat(x.Path)
	require.NoError(t, err)
	require.Zero(t, fi.Size())

	up, err := c.UploadReader("nothing.txt", strings.NewReader(""), 0)
	require.NoError(t, err)
	snap = waitFor(t, c, "uploaded", func(s *Snapshot) bool { x, _ := s.Transfer(up); return x.State.Finished() })
	x, _ = snap.Transfer(up)
	require.Equal(t, TransferDone, x.State, x.Reason)
	require.FileExists(t, filepath.Join(shared, "nothing.txt"))
}

// TestTransferDownloadTo downloads into another folder than DownloadDir,
// made when needed, while the same file downloads into DownloadDir too.
func TestTransferDownloadTo(t *testing.T) {
	shared := t.TempDir()
	want := writeRandomFile(t, shared, "small.png", 40_000)
	h := startTransferHub(t, shared, "127.0.0.1:0")
	c := startClient(t, Config{Addr: h.addr, Nick: "alice", DownloadDir: t.TempDir()})
	waitFor(t, c, "registered", registered)
	cache := filepath.Join(t.TempDir(), "cache", "previews")

	into, err := c.DownloadTo("small.png", cache)
	require.NoError(t, err)
	plain, err := c.Download("small.png")
	require.NoError(t, err)
	snap := waitFor(t, c, "both finished", func(s *Snapshot) bool {
		a, _ := s.Transfer(into)
		b, _ := s.Transfer(plain)
		return a.State.Finished() && b.State.Finished()
	})
	a, _ := snap.Transfer(into)
	require.Equal(t, TransferDone, a.State, a.Reason)
	require.Equal(t, filepath.Join(cache, "small.png"), a.Path)
	require.Equal(t, want, fileSHA(t, a.Path))
	b, _ := snap.Transfer(plain)
	require.Equal(t, TransferDone, b.State, b.Reason, "not a duplicate of the one in another folder")
	require.Equal(t, filepath.Join(c.cfg.DownloadDir, "small.png"), b.Path)
	entries, err := os.ReadDir(cache)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the file, no .part left")
}
