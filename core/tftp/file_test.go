package tftp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

// TestFileNameRules checks the names Fetch takes, which are those of
// proto.ValidFileName.
func TestFileNameRules(t *testing.T) {
	// natter/1 section 5: at most 250 bytes, so that "<name>.part" fits
	// within the 255 a file system allows.
	for _, ok := range []string{"a", "notes.txt", "a b (1).tar.gz", "ünïcødé ✓.md", strings.Repeat("x", 250), "a..b"} {
		assert.NoError(t, proto.ValidFileName(ok), ok)
	}
	for _, bad := range []string{"", ".", "..", ".hidden", "a/b", `a\b`, "a\x00b", "tab\there", "del\x7f",
		"line\nbreak", strings.Repeat("x", 251), "\xff\xfe", "/abs", "txt\u202Eexe.scr", "zero\u200Bwidth"} {
		assert.Error(t, proto.ValidFileName(bad), "%q", bad)
		_, err := Fetch(testCtx(t, 10*time.Second), FileDownload{Addr: "127.0.0.1:9", Token: "tok", Name: bad, SHA256: sumHex(nil), Dir: t.TempDir()})
		assert.Error(t, err, "Fetch refuses %q", bad)
	}
}

// serveGrant serves n random bytes (from seed) as token "tok" and returns
// the handler, the data, the server's address and an empty folder.
func serveGrant(t *testing.T, seed uint64, n int) (*memHandler, []byte, string, string) {
	t.Helper()
	h := newMemHandler()
	data := randomBytes(seed, n)
	h.add("tok", data)
	return h, data, startServer(t, &Server{Handler: h}), t.TempDir()
}

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestFetchResume(t *testing.T) {
	h, data, addr, dir := serveGrant(t, 11, 1<<20+333)

	// Cut the first attempt at a random block by cancelling its context.
	cut := int64(10+rand.N(400)) * 2048
	ctx, cancel := context.WithCancel(testCtx(t, 30*time.Second))
	_, err := Fetch(ctx, FileDownload{Addr: addr, Token: "tok", Name: "report.pdf", Size: int64(len(data)), SHA256: sumHex(data), Dir: dir, Options: &ClientOptions{Config: Config{Progress: func(p Progress) {
		if p.Done >= cut {
			cancel()
		}
	}}}})
	require.ErrorIs(t, err, context.Canceled)
	part := filepath.Join(dir, "report.pdf.part")
	st, err := os.Stat(part)
	require.NoError(t, err, "the .part stays for a resume")
	require.GreaterOrEqual(t, st.Size(), cut)
	_, err = os.Stat(filepath.Join(dir, "report.pdf"))
	require.ErrorIs(t, err, os.ErrNotExist, "nothing under the final name yet")

	// Spoil a byte past the last whole block: the resume must cut it off.
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.Write([]byte("junk"))
	require.NoError(t, err)
	require.NoError(t, f.Close())

	var first Progress
	path, err := Fetch(testCtx(t, 30*time.Second), FileDownload{Addr: addr, Token: "tok", Name: "report.pdf", Size: int64(len(data)), SHA256: sumHex(data), Dir: dir, Options: &ClientOptions{Config: Config{Progress: func(p Progress) {
		if first == (Progress{}) {
			first = p
		}
	}}}})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "report.pdf"), path)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, sumHex(data), sumHex(got))
	_, err = os.Stat(part)
	assert.ErrorIs(t, err, os.ErrNotExist)

	off, ok := h.lastRequest().Options.Get("offset")
	require.True(t, ok, "the second request resumes")
	assert.NotEqual(t, "0", off)
	assert.Equal(t, off, strconv.FormatInt(first.Done, 10), "progress starts at the kept prefix")
}

func TestFetchNeverOverwrites(t *testing.T) {
	_, data, addr, dir := serveGrant(t, 12, 5000)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("mine"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a (1).txt"), []byte("mine too"), 0o644))
	path, err := Fetch(testCtx(t, 30*time.Second), FileDownload{Addr: addr, Token: "tok", Name: "a.txt", Size: int64(len(data)), SHA256: sumHex(data), Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "a (2).txt"), path)
	kept, _ := os.ReadFile(filepath.Join(dir, "a.txt"))
	assert.Equal(t, "mine", string(kept))
}

func TestFetchChecksumMismatch(t *testing.T) {
	_, data, addr, dir := serveGrant(t, 13, 5000)
	wrong := sumHex([]byte("something else"))
	_, err := Fetch(testCtx(t, 30*time.Second), FileDownload{Addr: addr, Token: "tok", Name: "a.bin", Size: int64(len(data)), SHA256: wrong, Dir: dir})
	require.ErrorIs(t, err, ErrChecksum)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "a corrupt download leaves nothing")

	_, err = Fetch(testCtx(t, 30*time.Second), FileDownload{Addr: addr, Token: "tok", Name: "a.bin", Size: int64(len(data)) + 1, SHA256: sumHex(data), Dir: dir})
	require.ErrorIs(t, err, ErrChecksum)
}

func TestFetchRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	ctx := testCtx(t, 10*time.Second)
	good := sumHex(nil)
	for _, name := range []string{"../evil", ".x", "a/b", ""} {
		_, err := Fetch(ctx, FileDownload{Addr: "127.0.0.1:9", Token: "tok", Name: name, Size: 0, SHA256: good, Dir: dir})
		require.Error(t, err, name)
	}
	_, err := Fetch(ctx, FileDownload{Addr: "127.0.0.1:9", Token: "tok", Name: "ok", Size: 0, SHA256: strings.ToUpper(good), Dir: dir})
	require.Error(t, err)
	_, err = Fetch(ctx, FileDownload{Addr: "127.0.0.1:9", Token: "tok", Name: "ok", Size: 0, SHA256: "abc", Dir: dir})
	require.Error(t, err)
	entries, _ := os.ReadDir(dir)
	assert.Empty(t, entries, "nothing touched on disk")
	assert.NoDirExists(t, filepath.Join(filepath.Dir(dir), "evil.part"))
}

func TestFetchStalePartIsReplaced(t *testing.T) {
	_, data, addr, dir := serveGrant(t, 14, 3000)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.bin.part"), randomBytes(1, 9000), 0o644))
	path, err := Fetch(testCtx(t, 30*time.Second), FileDownload{Addr: addr, Token: "tok", Name: "b.bin", Size: int64(len(data)), SHA256: sumHex(data), Dir: dir})
	require.NoError(t, err)
	got, _ := os.ReadFile(path)
	assert.Equal(t, data, got)
}

func TestFetchEmpty(t *testing.T) {
	h := newMemHandler()
	h.add("tok", nil)
	addr := startServer(t, &Server{Handler: h})
	dir := t.TempDir()
	path, err := Fetch(testCtx(t, 30*time.Second), FileDownload{Addr: addr, Token: "tok", Name: "empty.txt", Size: 0, SHA256: sumHex(nil), Dir: dir})
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Zero(t, st.Size())
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 1, "no .part left behind")
}

func TestFetch(t *testing.T) {
	h, data, addr, dir := serveGrant(t, 15, 7000)
	var last Progress
	path, err := Fetch(testCtx(t, 30*time.Second), FileDownload{Addr: addr, Token: "tok", Name: "c.bin",
		Size: int64(len(data)), SHA256: sumHex(data), Dir: dir,
		Options: &ClientOptions{BlockSize: 512, Config: Config{Progress: func(p Progress) { last = p }}}})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "c.bin"), path)
	got, _ := os.ReadFile(path)
	assert.Equal(t, data, got)
	assert.Equal(t, int64(len(data)), last.Done)
	bs, _ := h.lastRequest().Options.Get("blksize")
	assert.Equal(t, "512", bs, "the options are used")

	_, err = Fetch(testCtx(t, 30*time.Second), FileDownload{Addr: addr, Token: "tok", Name: "d.bin",
		Size: int64(len(data)), SHA256: sumHex(nil), Dir: dir})
	require.ErrorIs(t, err, ErrChecksum)
	assert.NoFileExists(t, filepath.Join(dir, "d.bin"))
}

func TestFetchFoldsTakenNames(t *testing.T) {
	_, data, addr, dir := serveGrant(t, 16, 3000)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Report.PDF"), []byte("mine"), 0o644))
	path, err := Fetch(testCtx(t, 30*time.Second), FileDownload{Addr: addr, Token: "tok", Name: "report.pdf",
		Size: int64(len(data)), SHA256: sumHex(data), Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "report (1).pdf"), path, "a name equal after case folding is taken")
	kept, _ := os.ReadFile(filepath.Join(dir, "Report.PDF"))
	assert.Equal(t, "mine", string(kept))
}
