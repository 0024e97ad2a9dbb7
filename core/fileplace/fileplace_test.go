package fileplace

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

// openFolder returns a fresh folder as an *os.Root and its path.
func openFolder(t *testing.T) (*os.Root, string) {
	t.Helper()
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	return root, dir
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return string(b)
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestNumbered(t *testing.T) {
	for _, tt := range []struct {
		name string
		n    int
		want string
	}{
		{"a.txt", 0, "a.txt"},
		{"a.txt", 1, "a (1).txt"},
		{"a.txt", 12, "a (12).txt"},
		{"archive.tar.gz", 2, "archive.tar (2).gz"},
		{"README", 1, "README (1)"},
		{"x.", 1, "x (1)."},
	} {
		assert.Equal(t, tt.want, Numbered(tt.name, tt.n), "%q %d", tt.name, tt.n)
	}
	assert.Equal(t, "a.txt.part", PartName("a.txt"))
}

func TestPlaceNeverOverwrites(t *testing.T) {
	root, dir := openFolder(t)
	write(t, dir, "a.txt", "mine")
	write(t, dir, "a (1).txt", "mine too")
	write(t, dir, "a.txt.part", "new")
	got, err := Place(root, "a.txt.part", Choice{Name: "a.txt"})
	require.NoError(t, err)
	assert.Equal(t, "a (2).txt", got)
	assert.Equal(t, "mine", read(t, dir, "a.txt"))
	assert.Equal(t, "mine too", read(t, dir, "a (1).txt"))
	assert.Equal(t, "new", read(t, dir, "a (2).txt"))
	assert.Equal(t, []string{"a (1).txt", "a (2).txt", "a.txt"}, names(t, dir), "the temporary file is gone")
}

func TestPlaceFoldsCaseAndNormalisation(t *testing.T) {
	root, dir := openFolder(t)
	write(t, dir, "Notes.TXT", "mine")
	write(t, dir, "Zo\u00eb.md", "mine")
	write(t, dir, "t1", "one")
	write(t, dir, "t2", "two")

	got, err := Place(root, "t1", Choice{Name: "notes.txt"})
	require.NoError(t, err)
	assert.Equal(t, "notes (1).txt", got, "a name equal after case folding is taken")

	// Asked in decomposed form: placed in NFC, and taken all the same.
	got, err = Place(root, "t2", Choice{Name: "zoe\u0308.md"})
	require.NoError(t, err)
	assert.Equal(t, "zo\u00eb (1).md", got)
	assert.Equal(t, "two", read(t, dir, got))
}

func TestPlaceFirstAndTaken(t *testing.T) {
	root, dir := openFolder(t)
	write(t, dir, "up", "data")
	held := map[string]bool{"b.txt": true, "b (1).txt": true}
	taken := func(n string) bool { return held[n] }

	free, err := FreeName(root, Choice{Name: "b.txt", Taken: taken})
	require.NoError(t, err)
	assert.Equal(t, "b (2).txt", free, "names held by others are skipped")

	// A reserved name comes first.
	got, err := Place(root, "up", Choice{Name: "b.txt", First: "b (7).txt", Taken: taken})
	require.NoError(t, err)
	assert.Equal(t, "b (7).txt", got)

	// A reserved name that appeared meanwhile gives way to a free one.
	write(t, dir, "up", "again")
	got, err = Place(root, "up", Choice{Name: "b.txt", First: "b (7).txt", Taken: taken})
	require.NoError(t, err)
	assert.Equal(t, "b (2).txt", got)
	assert.Equal(t, "data", read(t, dir, "b (7).txt"))
}

func TestPlaceNeverFollowsSymlinks(t *testing.T) {
	root, dir := openFolder(t)
	outside := filepath.Join(t.TempDir(), "victim")
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "c.txt")))
	write(t, dir, "tmp", "x")
	got, err := Place(root, "tmp", Choice{Name: "c.txt"})
	require.NoError(t, err)
	assert.Equal(t, "c (1).txt", got)
	assert.NoFileExists(t, outside)
	fi, err := os.Lstat(filepath.Join(dir, "c.txt"))
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, fi.Mode().Type(), "the symlink is left alone")
}

// noLinks is a folder on a file system without hard links.
type noLinks struct{ *os.Root }

func (noLinks) Link(string, string) error { return &os.LinkError{Op: "link", Err: syscall.EPERM} }

// fullDisk is a folder whose file system is full.
type fullDisk struct{ *os.Root }

func (fullDisk) Link(string, string) error { return &os.LinkError{Op: "link", Err: syscall.ENOSPC} }

func TestPlaceWithoutHardLinks(t *testing.T) {
	root, dir := openFolder(t)
	write(t, dir, "d.txt", "mine")
	write(t, dir, "tmp", "new")
	got, err := Place(noLinks{root}, "tmp", Choice{Name: "d.txt"})
	require.NoError(t, err)
	assert.Equal(t, "d (1).txt", got)
	assert.Equal(t, "mine", read(t, dir, "d.txt"))
	assert.Equal(t, "new", read(t, dir, "d (1).txt"))
	assert.Equal(t, []string{"d (1).txt", "d.txt"}, names(t, dir))
}

func TestPlaceDiskFull(t *testing.T) {
	root, dir := openFolder(t)
	write(t, dir, "tmp", "new")
	_, err := Place(fullDisk{root}, "tmp", Choice{Name: "e.txt"})
	require.ErrorIs(t, err, syscall.ENOSPC)
	assert.Equal(t, []string{"tmp"}, names(t, dir), "the file waits for room")
}

func TestPlaceRefusesBadNames(t *testing.T) {
	root, dir := openFolder(t)
	write(t, dir, "tmp", "x")
	for _, name := range []string{"", "../x", ".hidden", "a/b", "evil\u202Etxt.exe"} {
		_, err := Place(root, "tmp", Choice{Name: name})
		assert.True(t, errors.Is(err, &proto.Error{Reason: proto.ReasonBadName}), "%q: %v", name, err)
	}
	_, err := FreeName(root, Choice{Name: "ok", First: "../up"})
	assert.True(t, errors.Is(err, &proto.Error{Reason: proto.ReasonBadName}), "%v", err)

	// A name of the longest length cannot be numbered.
	long := strings.Repeat("x", proto.MaxFileNameLen-4) + ".txt"
	write(t, dir, long, "mine")
	_, err = Place(root, "tmp", Choice{Name: long})
	assert.ErrorIs(t, err, ErrNoFreeName)
	assert.Equal(t, "x", read(t, dir, "tmp"))
}

func TestResume(t *testing.T) {
	root, dir := openFolder(t)
	data := bytes.Repeat([]byte("0123456789"), 1000) // 10,000 bytes
	write(t, dir, "f.part", string(data[:5000]))
	f, err := root.OpenFile("f.part", os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()

	h := sha256.New()
	off, err := Resume(f, h, int64(len(data)), 2048)
	require.NoError(t, err)
	assert.Equal(t, int64(4096), off, "whole blocks are kept")
	assert.Equal(t, sha256.Sum256(data[:4096]), [32]byte(h.Sum(nil)), "and hashed")
	st, _ := f.Stat()
	assert.Equal(t, int64(4096), st.Size(), "the rest is cut off")
	_, err = f.Write(data[4096:])
	require.NoError(t, err)
	assert.Equal(t, string(data), read(t, dir, "f.part"), "writing goes on after the kept blocks")

	// A .part longer than the file is no prefix of it.
	h.Reset()
	off, err = Resume(f, h, 100, 2048)
	require.NoError(t, err)
	assert.Zero(t, off)
	assert.Equal(t, sha256.Sum256(nil), [32]byte(h.Sum(nil)))

	write(t, dir, "f.part", "abc")
	h.Write([]byte("stale"))
	require.NoError(t, Restart(f, h))
	st, _ = f.Stat()
	assert.Zero(t, st.Size())
	assert.Equal(t, sha256.Sum256(nil), [32]byte(h.Sum(nil)))
	pos, _ := f.Seek(0, io.SeekCurrent)
	assert.Zero(t, pos)

	_, err = Resume(f, h, 10, 0)
	assert.Error(t, err)
}

func TestWant(t *testing.T) {
	data := []byte("hello")
	sum := sha256.Sum256(data)
	hexSum := "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
	w, err := ParseWant(5, hexSum)
	require.NoError(t, err)
	assert.Equal(t, Want{Size: 5, SHA256: sum}, w)
	assert.NoError(t, w.Check(5, sum))
	assert.ErrorIs(t, w.Check(4, sum), ErrMismatch)
	assert.ErrorIs(t, w.Check(5, sha256.Sum256(nil)), ErrMismatch)
	assert.ErrorContains(t, w.Check(4, sum), "got 4 bytes")

	for _, bad := range []string{strings.ToUpper(hexSum), hexSum[:63], "zz" + hexSum[2:]} {
		_, err := ParseWant(5, bad)
		assert.Error(t, err, bad)
	}
	_, err = ParseWant(-1, hexSum)
	assert.ErrorContains(t, err, "negative")
}
