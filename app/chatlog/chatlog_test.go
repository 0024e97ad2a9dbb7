package chatlog_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/chatlog"
	"github.com/natter-chat/natter/core/client"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func msg(ms int, kind client.MessageKind, from, text string) client.Message {
	return client.Message{Time: t0.Add(time.Duration(ms) * time.Millisecond), Kind: kind, From: from, Text: text}
}

func open(t *testing.T, dir string) *chatlog.Log {
	t.Helper()
	l, err := chatlog.Open(dir, chatlog.Key("", "127.0.0.1:50000"))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

// texts is the texts of msgs, in order.
func texts(msgs []client.Message) []string {
	var s []string
	for _, m := range msgs {
		s = append(s, m.Text)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir)
	priv := msg(2, client.Private, "bob", "psst")
	priv.To, priv.Own = "alice", false
	own := msg(3, client.Public, "alice", `a "quoted" line\ with a break`+"\n"+"here")
	own.Own = true
	for _, m := range []client.Message{msg(1, client.Public, "bob", "hi"), priv, own,
		{Kind: client.System, Time: t0, Text: "not kept"}} {
		require.NoError(t, l.Append(m))
	}
	require.NoError(t, l.Append(priv), "the same message again is no error")
	require.NoError(t, l.Close())

	got, bad, err := open(t, dir).Load()
	require.NoError(t, err)
	assert.Empty(t, bad)
	require.Len(t, got, 3, "system lines are not kept, a message is kept once")
	assert.Equal(t, []string{"hi", "psst", own.Text}, texts(got))
	assert.Equal(t, client.Private, got[1].Kind)
	assert.Equal(t, "alice", got[1].To)
	assert.True(t, got[2].Own)
	assert.True(t, got[1].Time.Equal(priv.Time))
	for i, m := range got {
		assert.Equal(t, chatlog.SavedSeq+uint64(i), m.Seq)
		assert.True(t, m.History, "saved messages count as history")
	}
}

func TestKeyedByHub(t *testing.T) {
	dir := t.TempDir()
	a, err := chatlog.Open(dir, chatlog.Key("ab12", "10.0.0.1:50000"))
	require.NoError(t, err)
	defer a.Close()
	b, err := chatlog.Open(dir, chatlog.Key("", "10.0.0.1:50000"))
	require.NoError(t, err)
	defer b.Close()
	assert.NotEqual(t, a.Path(), b.Path(), "a known key names the log, not the address")
	require.NoError(t, a.Append(msg(1, client.Public, "bob", "to a")))
	got, _, err := b.Load()
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "chatlog")
	l := open(t, dir)
	require.NoError(t, l.Append(msg(1, client.Public, "bob", "hi")))
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	fi, err = os.Stat(l.Path())
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

func TestTornLastLine(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir)
	require.NoError(t, l.Append(msg(1, client.Public, "bob", "one")))
	require.NoError(t, l.Close())
	f, err := os.OpenFile(l.Path(), os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"t":1764583200002,"k":"pub`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	l = open(t, dir)
	got, bad, err := l.Load()
	require.NoError(t, err)
	assert.Empty(t, bad, "a last line cut short is no corruption")
	assert.Equal(t, []string{"one"}, texts(got))

	require.NoError(t, l.Append(msg(3, client.Public, "bob", "three")))
	got, bad, err = open(t, dir).Load()
	require.NoError(t, err)
	assert.Len(t, bad, 1, "the torn line is now in the middle, and reported")
	assert.Equal(t, []string{"one", "three"}, texts(got), "the next message starts a line of its own")
}

func TestCorruptLineSkipped(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir)
	require.NoError(t, l.Append(msg(1, client.Public, "bob", "one")))
	f, err := os.OpenFile(l.Path(), os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString("garbage\n" + `{"t":5,"k":"sideways","f":"x","x":"y"}` + "\n" +
		strings.Repeat("x", 200<<10) + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, l.Append(msg(4, client.Private, "bob", "four")))

	got, bad, err := open(t, dir).Load()
	require.NoError(t, err)
	assert.Equal(t, []string{"one", "four"}, texts(got))
	require.Len(t, bad, 3)
	var le *chatlog.LineError
	require.ErrorAs(t, bad[0], &le)
	assert.Equal(t, 2, le.Line)
	require.ErrorAs(t, bad[1], &le)
	assert.Equal(t, 3, le.Line)
	assert.Contains(t, bad[1].Error(), "sideways")
	require.ErrorAs(t, bad[2], &le)
	assert.Equal(t, 4, le.Line, "a line too long to be a message is skipped whole")
}

func TestCompaction(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir)
	l.Keep = 8
	for i := range 50 {
		require.NoError(t, l.Append(msg(i+1, client.Public, "bob", string(rune('a'+i%26)))))
	}
	b, err := os.ReadFile(l.Path())
	require.NoError(t, err)
	lines := strings.Count(string(b), "\n")
	assert.LessOrEqual(t, lines, 8+2, "the file stays near Keep lines")
	assert.GreaterOrEqual(t, lines, 8)

	got, _, err := l.Load()
	require.NoError(t, err)
	require.Len(t, got, 8)
	assert.True(t, got[7].Time.Equal(msg(50, 0, "", "").Time), "the newest are kept")
	assert.True(t, got[0].Time.Equal(msg(43, 0, "", "").Time))
	fi, err := os.Stat(l.Path())
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the rewritten file is private too")

	// Appending after a compaction goes to the new file.
	require.NoError(t, l.Append(msg(60, client.Public, "bob", "after")))
	got, _, err = open(t, dir).Load()
	require.NoError(t, err)
	assert.Equal(t, "after", got[len(got)-1].Text)
}

// fullDisk fails every write as a full disk does, after writing part of it.
type fullDisk struct{ f io.Writer }

func (d fullDisk) Write(p []byte) (int, error) {
	n, _ := d.f.Write(p[:len(p)/2])
	return n, &os.PathError{Op: "write", Path: "chatlog", Err: syscall.ENOSPC}
}

func TestFullDisk(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir)
	require.NoError(t, l.Append(msg(1, client.Public, "bob", "one")))
	f, err := os.OpenFile(l.Path(), os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	defer f.Close()
	l.SetWriter(fullDisk{f})
	err = l.Append(msg(2, client.Public, "bob", "two"))
	require.Error(t, err)
	assert.True(t, errors.Is(err, syscall.ENOSPC))
	assert.Contains(t, err.Error(), l.Path())

	// Space again: the message is written, on a line of its own.
	l.SetWriter(f)
	require.NoError(t, l.Append(msg(2, client.Public, "bob", "two")))
	got, bad, err := open(t, dir).Load()
	require.NoError(t, err)
	assert.Equal(t, []string{"one", "two"}, texts(got))
	assert.Len(t, bad, 1, "the half-written line is reported")
}

func TestMergeWithoutDuplicates(t *testing.T) {
	saved := []client.Message{
		msg(1, client.Public, "bob", "old"),
		msg(2, client.Private, "bob", "secret"),
		msg(3, client.Public, "bob", "replayed"),
		msg(5, client.Private, "bob", "between"),
	}
	live := []client.Message{
		{Kind: client.System, Time: t0.Add(time.Hour), Text: "connected"},
		msg(3, client.Public, "bob", "replayed"),
		msg(4, client.Public, "bob", "replayed too"),
		msg(6, client.Public, "bob", "new"),
	}
	got := chatlog.Merge(saved, live)
	assert.Equal(t, []string{"old", "secret", "connected", "replayed", "replayed too", "between", "new"},
		texts(got), "a system line stays with the chat that follows it")

	assert.Equal(t, texts(live), texts(chatlog.Merge(nil, live)))
	assert.Equal(t, texts(saved), texts(chatlog.Merge(saved, nil)))
	all := chatlog.Merge(saved[2:3], live)
	assert.Equal(t, texts(live), texts(all), "everything saved is replayed: live alone")
}
