package server

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

// Log messages of the committer when writes start failing and when they
// work again.
const (
	logStoreFails = "cannot store messages"
	logStoreWorks = "messages are stored again"
)

// TestHistoryTmpfsFull fills the real file system under the data folder: a
// 512 KiB tmpfs mounted for the test (root only; skipped elsewhere). The
// chat goes on while the database cannot grow, CAPS drops store, and once
// space is back the hub stores again, logging each change once; also when
// more was said while the disk was full than the disk can ever hold.
func TestHistoryTmpfsFull(t *testing.T) {
	t.Run("small backlog", func(t *testing.T) { testHistoryTmpfsFull(t, 0) })
	t.Run("backlog bigger than the disk", func(t *testing.T) { testHistoryTmpfsFull(t, 600_000) })
}

// testHistoryTmpfsFull keeps the disk full until backlog bytes of message
// bodies (and three failed writes) wait to be stored.
func testHistoryTmpfsFull(t *testing.T, backlog int) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=512k"); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() { require.NoError(t, syscall.Unmount(dir, 0)) })
	var logs lockedBuffer
	h := startStoringHub(t, dir, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	ann, caps, _ := registerCaps(t, h.addr, "ann")
	require.Equal(t, "store", caps)
	bob, _, _ := registerCaps(t, h.addr, "bob")
	postAll(t, ann, "stored first")
	bob.skipTo("MSG ")

	// A filler file takes what is left, then big messages make the
	// database grow until it cannot.
	filler := filepath.Join(dir, "filler")
	fillDisk(t, filler)
	body := strings.Repeat("x", 4000)
	for i := 0; h.StoresHistory(); i++ {
		require.Less(t, i, 300, "writes never failed on a full disk")
		sent := postAll(t, ann, fmt.Sprint(i, " filling ", body))
		require.Equal(t, sent[0], bob.skipTo("MSG "))
	}

	// The chat goes on through several failed attempts to store: every
	// message reaches bob, in order.
	during := postAll(t, ann, "while", "the", "disk", "is", "full", body)
	deadline := time.Now().Add(guard)
	for i := 0; h.Stats().Store.Failures < 3 || backlog > 0; i++ {
		require.Less(t, i, 1000, "the hub stopped trying to store")
		require.True(t, time.Now().Before(deadline), "the hub stopped trying to store")
		text := fmt.Sprint("still full ", i)
		if backlog > 0 {
			text += " " + body
			backlog -= len(body)
		}
		during = append(during, postAll(t, ann, text)...)
		waitAWhile()
	}
	for i, want := range during {
		require.Equal(t, want, bob.skipTo("MSG "), "message %d sent while the disk is full", i)
	}
	_, caps = dialCaps(t, h.addr)
	require.Empty(t, caps, "CAPS while the disk is full")
	require.False(t, h.StoresHistory())

	// Space comes back: within the retry pause the hub stores again.
	require.NoError(t, os.Remove(filler))
	var after []string
	deadline = time.Now().Add(guard)
	for i := 0; !h.StoresHistory(); i++ {
		require.Less(t, i, 1000, "writes never worked again")
		require.True(t, time.Now().Before(deadline), "writes never worked again")
		sent := postAll(t, ann, fmt.Sprint("space is back ", i))
		require.Equal(t, sent[0], bob.skipTo("MSG "))
		after = append(after, sent...)
		waitAWhile()
	}
	_, caps = dialCaps(t, h.addr)
	require.Equal(t, "store", caps, "CAPS once writes work again")
	sent := postAll(t, ann, "stored again", "and again")
	for _, want := range sent {
		require.Equal(t, want, bob.skipTo("MSG "))
	}
	after = append(after, sent...)
	require.NoError(t, h.stop())

	t.Logf("the hub logged:\n%s", logs.String())
	assert.Equal(t, 1, strings.Count(logs.String(), logStoreFails), "logged when writes fail:\n%s", logs.String())
	assert.Equal(t, 1, strings.Count(logs.String(), logStoreWorks), "logged when writes work:\n%s", logs.String())

	h2 := startStoringHub(t, dir, nil)
	cyd, _, _ := registerCaps(t, h2.addr, "cyd")
	cyd.send(fmt.Sprint("HISTORY ", len(after)))
	require.Equal(t, after, cyd.readBlock(proto.KwHistory), "the messages sent once space was back")
}

// fillDisk writes path until its file system has no space left.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	chunk := make([]byte, 4096)
	for range 1 << 10 { // 4 MiB, far more than the tmpfs holds
		if _, err := f.Write(chunk); err != nil {
			require.True(t, errors.Is(err, syscall.ENOSPC), "filling the disk: %v", err)
			return
		}
	}
	t.Fatalf("%s never filled the disk", path)
}
