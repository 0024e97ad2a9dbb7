package client

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/internal/rawclient"
	"github.com/natter-chat/natter/server"
)

// leaveLine finds the SysLeave line about nick.
func leaveLine(s *Snapshot, nick string) (Message, bool) {
	for _, m := range s.Messages {
		if m.Kind == System && m.Event == SysLeave && m.From == nick {
			return m, true
		}
	}
	return Message{}, false
}

func TestHubLeaveReasonsRead(t *testing.T) {
	h := startHub(t, server.Config{
		// Silent clients are dropped quickly; floods soon.
		IdleTimeout: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond,
		MaxLineRate: 5, LineBurst: 10, FloodLimit: 20, FloodWindow: time.Minute,
	}, "127.0.0.1:0")
	alice := startClient(t, Config{Addr: h.addr, Nick: "alice"})
	waitFor(t, alice, "alice registered", registered)

	erin := startClient(t, Config{Addr: h.addr, Nick: "erin"})
	fay := startClient(t, Config{Addr: h.addr, Nick: "fay"})
	waitFor(t, alice, "erin and fay online", func(s *Snapshot) bool { return len(s.Users) == 3 })
	erin.Quit("")
	fay.Quit("see you tomorrow")
	require.NoError(t, erin.Wait())
	require.NoError(t, fay.Wait())

	gus := rawclient.Dial(t, h.addr, "gus")
	hal := rawclient.Dial(t, h.addr, "hal")
	rawclient.Dial(t, h.addr, "ivy") // says nothing more: times out
	waitFor(t, alice, "gus, hal and ivy online", func(s *Snapshot) bool { return len(nicks(s)) == 4 })
	require.NoError(t, gus.Close())
	flood := make([]string, 200)
	for i := range flood {
		flood[i] = fmt.Sprintf("MSG flood %d", i)
	}
	hal.Send(strings.Join(flood, "\n"))

	want := map[string]string{
		"erin": "quit",
		"fay":  "quit: see you tomorrow",
		"gus":  "connection-lost",
		"hal":  "flood",
		"ivy":  "timeout",
	}
	snap := waitFor(t, alice, "everyone else left", func(s *Snapshot) bool {
		for nick := range want {
			if _, ok := leaveLine(s, nick); !ok {
				return false
			}
		}
		return true
	})
	for nick, w := range want {
		m, _ := leaveLine(snap, nick)
		assert.Equal(t, w, m.Reason, nick)
		assert.Equal(t, NoteLeft, m.Note, nick)
		assert.Empty(t, m.To, nick)
	}
	assert.Equal(t, []string{"alice"}, nicks(snap))
}

func TestHubSystemLinesSayWho(t *testing.T) {
	dir := t.TempDir()
	h := startTransferHub(t, dir, "127.0.0.1:0")
	alice := startClient(t, Config{Addr: h.addr, Nick: "alice"})
	waitFor(t, alice, "alice registered", registered)
	bob := startClient(t, Config{Addr: h.addr, Nick: "bob"})
	waitFor(t, bob, "bob registered", registered)

	src := filepath.Join(t.TempDir(), "notes.txt")
	require.NoError(t, os.WriteFile(src, []byte("agenda\n"), 0o644))
	_, err := bob.Upload(src)
	require.NoError(t, err)
	waitFor(t, alice, "bob's file is announced", func(s *Snapshot) bool { return len(s.Shared) == 1 })
	require.NoError(t, bob.SetNick("Robert"))
	require.NoError(t, alice.SetNick("alicia"))

	find := func(s *Snapshot, ev SystemEvent, from string) (Message, bool) {
		for _, m := range s.Messages {
			if m.Kind == System && m.Event == ev && m.From == from {
				return m, true
			}
		}
		return Message{}, false
	}
	snap := waitFor(t, alice, "both renames", func(s *Snapshot) bool {
		_, a := find(s, SysRename, "bob")
		_, b := find(s, SysRename, "alice")
		return a && b
	})
	join, ok := find(snap, SysJoin, "bob")
	require.True(t, ok, "the join line names bob")
	assert.Equal(t, NoteJoined, join.Note)
	shared, ok := find(snap, SysShared, "bob")
	require.True(t, ok, "the shared line names bob")
	assert.Equal(t, NoteShared, shared.Note)
	assert.Equal(t, "notes.txt", shared.Name)
	assert.Equal(t, int64(len("agenda\n")), shared.Size)
	other, _ := find(snap, SysRename, "bob")
	assert.Equal(t, "Robert", other.To)
	assert.Equal(t, NoteRenamed, other.Note)
	assert.False(t, other.Own, "the rename of someone else")
	own, _ := find(snap, SysRename, "alice")
	assert.Equal(t, "alicia", own.To)
	assert.Equal(t, NoteRenamed, own.Note)
	assert.True(t, own.Own, "our own rename")
	assert.Equal(t, []string{"alicia", "Robert"}, nicks(snap))
}

func TestTransferCreatesDownloadDir(t *testing.T) {
	shared := t.TempDir()
	want := writeRandomFile(t, shared, "plan.txt", 5000)
	h := startTransferHub(t, shared, "127.0.0.1:0")
	downloads := filepath.Join(t.TempDir(), "not", "yet", "there")
	c := startClient(t, Config{Addr: h.addr, Nick: "alice", DownloadDir: downloads, EventBuffer: 10_000})
	waitFor(t, c, "file list", func(s *Snapshot) bool { return registered(s) && len(s.Files) == 1 })

	id, err := c.Download("plan.txt")
	require.NoError(t, err)
	evs := transferEvents(t, c, id)
	last := evs[len(evs)-1]
	require.Equal(t, TransferDone, last.State, last.Reason)
	assert.Equal(t, want, fileSHA(t, filepath.Join(downloads, "plan.txt")))
	fi, err := os.Stat(downloads)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), fi.Mode().Perm()&^0o022, "created with 0755 (less the umask)")
}

func TestTransferDownloadDirCannotBeCreated(t *testing.T) {
	shared := t.TempDir()
	writeRandomFile(t, shared, "plan.txt", 5000)
	h := startTransferHub(t, shared, "127.0.0.1:0")
	// A file where a folder should be: not even root can make a folder
	// inside it.
	blocker := filepath.Join(t.TempDir(), "blocker")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	downloads := filepath.Join(blocker, "downloads")
	c := startClient(t, Config{Addr: h.addr, Nick: "alice", DownloadDir: downloads, EventBuffer: 10_000})
	waitFor(t, c, "file list", func(s *Snapshot) bool { return registered(s) && len(s.Files) == 1 })

	id, err := c.Download("plan.txt")
	require.NoError(t, err)
	evs := transferEvents(t, c, id)
	last := evs[len(evs)-1]
	require.Equal(t, TransferFailed, last.State)
	assert.Equal(t, XferNoFolder, last.Reason)
	var pe *os.PathError
	require.ErrorAs(t, last.Err, &pe)
	assert.True(t, strings.HasPrefix(downloads, pe.Path), "%s is not in %s", pe.Path, downloads)
	require.Error(t, last.Err)
	snap := waitFor(t, c, "the failure is in the log", func(s *Snapshot) bool {
		return hasMessage(s, func(m Message) bool {
			return m.Event == SysError && m.Note == NoteTransferFailed && m.Name == "plan.txt" && m.Transfer.Reason == XferNoFolder
		})
	})
	// The hub was never asked: no slot was taken for nothing.
	assert.Nil(t, snap.LastError)
}
