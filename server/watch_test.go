package server

import (
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

func TestWatchAnnouncesFilesThatComeAndGo(t *testing.T) {
	// A file there from the start is no news.
	h := startHub(t, func(c *Config) {
		c.WatchInterval = 20 * time.Millisecond
		require.NoError(t, os.WriteFile(filepath.Join(c.Dir, "old.txt"), []byte("old"), 0o644))
	})
	alice, _, _ := register(t, h.addr, "alice")

	body := []byte("copied in by hand\n")
	require.NoError(t, os.WriteFile(filepath.Join(h.dir, "new notes.txt"), body, 0o644))
	line := alice.readLine()
	want := " - " + strconv.Itoa(len(body)) + " " + sha256Hex(body) + " new notes.txt"
	assert.True(t, strings.HasPrefix(line, "SHARED ") && strings.HasSuffix(line, want), "from - (no one): got %q", line)
	ev, err := proto.ParseEvent(line)
	require.NoError(t, err)
	assert.Equal(t, int64(len(body)), ev.Size)
	assert.Equal(t, sha256Hex(body), ev.SHA256)
	assert.Equal(t, "new notes.txt", ev.Name)

	require.NoError(t, os.Remove(filepath.Join(h.dir, "new notes.txt")))
	ev = alice.event()
	require.Equal(t, proto.KwUnshared, ev.Keyword, "got %+v", ev)
	assert.Equal(t, "new notes.txt", ev.Name)

	// Hidden files (uploads under way) and folders are not shared.
	require.NoError(t, os.WriteFile(filepath.Join(h.dir, ".hidden"), body, 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(h.dir, "sub"), 0o755))
	require.NoError(t, os.Remove(filepath.Join(h.dir, "old.txt")))
	ev = alice.event()
	require.Equal(t, proto.KwUnshared, ev.Keyword, "the next news is old.txt leaving, got %+v", ev)
	assert.Equal(t, "old.txt", ev.Name)

	// The list the hub answers agrees.
	alice.send("FILES")
	lines := alice.readBlock(proto.KwFiles)
	assert.Empty(t, lines, "nothing is shared now")
}

func TestWatchChangedFileIsAnnouncedOnceWithItsNewHash(t *testing.T) {
	h := startHub(t, func(c *Config) { c.WatchInterval = 20 * time.Millisecond })
	alice, _, _ := register(t, h.addr, "alice")
	path := filepath.Join(h.dir, "report.txt")
	require.NoError(t, os.WriteFile(path, []byte("v1"), 0o644))
	ev := alice.event()
	require.Equal(t, sha256Hex([]byte("v1")), ev.SHA256)

	require.NoError(t, os.WriteFile(path, []byte("version 2"), 0o644))
	// Make sure the modification time moves on a coarse file system.
	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(path, later, later))
	ev = alice.event()
	require.Equal(t, proto.KwShared, ev.Keyword)
	assert.Equal(t, sha256Hex([]byte("version 2")), ev.SHA256)
	// Touched without a change: no news. A message shows what comes next.
	require.NoError(t, os.Chtimes(path, later.Add(time.Hour), later.Add(time.Hour)))
	h.watch.Load().poll()
	h.watch.Load().poll()
	alice.send("MSG next")
	line := alice.readLine()
	assert.True(t, strings.HasPrefix(line, "MSG "), "got %q", line)
}

func TestZeroWatchIntervalLeavesTheFolderUnwatched(t *testing.T) {
	h := startHub(t, nil)
	assert.Nil(t, h.watch.Load())
}
