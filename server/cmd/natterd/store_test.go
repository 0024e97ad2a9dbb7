package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/natter-chat/natter/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/server/store"
)

// skipCaps returns the line after line if line is the CAPS line that
// follows HELLO (natter/1 section 7), else line.
func skipCaps(r *bufio.Reader, line string) string {
	if strings.HasPrefix(line, "CAPS ") {
		next, _ := r.ReadString('\n')
		return next
	}
	return line
}

func TestDataDirOptions(t *testing.T) {
	o, err := parseOptions([]string{"-history-keep", "500"}, env(map[string]string{"NATTER_DATA_DIR": "/srv/natter", "NATTER_HISTORY_DAYS": "30"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "/srv/natter", o.dataDir)
	assert.Equal(t, 500, o.cfg.HistoryKeep)
	assert.Equal(t, 30, o.cfg.HistoryDays)
	assert.Equal(t, "/srv/natter", dataDirFor(o.dataDir, o.cfg.Dir))
	assert.Equal(t, "data", dataDirFor("", "./shared"))
	assert.Equal(t, "/var/lib/natterd/data", dataDirFor("", "/var/lib/natterd/shared/"))
	assert.Equal(t, "", dataDirFor("-", "./shared"))

	o, err = parseOptions([]string{"-kept-max", "20", "-kept-bytes", "64KiB"}, env(map[string]string{"NATTER_KEPT_DAYS": "7"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 20, o.cfg.KeptMessages)
	assert.Equal(t, int64(64<<10), o.cfg.KeptBytes)
	assert.Equal(t, 7, o.cfg.KeptDays)
	o, err = parseOptions(nil, env(nil), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, server.DefaultKeptMessages, o.cfg.KeptMessages)
	assert.Equal(t, int64(server.DefaultKeptBytes), o.cfg.KeptBytes)
	assert.Equal(t, server.DefaultKeptDays, o.cfg.KeptDays)

	for _, bad := range [][]string{{"-history-keep", "0"}, {"-history-days", "-1"}, {"-kept-max", "0"}, {"-kept-days", "0"}, {"-kept-bytes", "0"}, {"-backup", "x.db", "-data-dir", "-"}} {
		_, err := parseOptions(bad, env(nil), io.Discard)
		assert.Error(t, err, "%q", bad)
	}
	// -backup never comes from the environment.
	o, err = parseOptions(nil, env(map[string]string{"NATTER_BACKUP": "x.db"}), io.Discard)
	require.NoError(t, err)
	assert.Empty(t, o.backup)
}

// hubProcess is a natterd process started by a test.
type hubProcess struct {
	cmd    *exec.Cmd
	addr   string
	stderr *syncBuffer
	exited chan error
}

func startNatterd(t *testing.T, bin string, args ...string) *hubProcess {
	t.Helper()
	args = append([]string{"-addr", "127.0.0.1:0", "-udp-addr", "127.0.0.1:0", "-announce=false", "-rate", "inf"}, args...)
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &hubProcess{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = p.stderr
	require.NoError(t, cmd.Start())
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.exited
		}
	})
	first, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "stderr: %s", p.stderr.String())
	m := listenLine.FindStringSubmatch(first)
	require.NotNil(t, m, "first line %q", first)
	p.addr = m[1]
	go io.Copy(io.Discard, stdout)
	return p
}

// session is a raw natter/1 connection to a hub process.
type rawSession struct {
	conn net.Conn
	r    *proto.Reader
}

func connect(t *testing.T, addr, nick string) *rawSession {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	s := &rawSession{conn: conn, r: proto.NewReader(bufio.NewReaderSize(conn, 1<<16), proto.MaxHubLineLen)}
	fmt.Fprintf(conn, "NICK %s\n", nick)
	for range 10 {
		ev := s.event(t)
		if ev.Keyword == proto.KwUsers {
			for range ev.Count {
				s.line(t)
			}
		}
		if ev.Keyword == proto.KwHistory {
			for range ev.Count {
				s.line(t)
			}
			return s
		}
	}
	t.Fatal("no HISTORY after registering")
	return nil
}

func (s *rawSession) line(t *testing.T) string {
	t.Helper()
	b, err := s.r.ReadLine()
	require.NoError(t, err)
	return string(b)
}

func (s *rawSession) event(t *testing.T) proto.Event {
	t.Helper()
	line := s.line(t)
	ev, err := proto.ParseEvent(line)
	require.NoError(t, err, line)
	return ev
}

// storedHistory pages back through a hub's whole history and returns it
// oldest first.
func storedHistory(t *testing.T, s *rawSession, limit int) []string {
	t.Helper()
	var all []string
	before := ""
	for range limit/500 + 2 {
		fmt.Fprintf(s.conn, "HISTORY 500%s\n", before)
		var ev proto.Event
		for ev = s.event(t); ev.Keyword != proto.KwHistory; ev = s.event(t) {
		}
		page := make([]string, ev.Count)
		for i := range page {
			page[i] = s.line(t)
		}
		all = append(page, all...)
		if len(page) < 500 {
			return all
		}
		first, err := proto.ParseEvent(page[0])
		require.NoError(t, err)
		before = fmt.Sprint(" ", first.Time)
	}
	t.Fatalf("more than %d messages in history", limit)
	return nil
}

// TestSIGKILLDuringBurstLosesNoMessageSeen runs natterd, has 10 senders
// send 10,000 messages, kills the hub with SIGKILL in the middle of the
// burst, starts it again on the same data folder, and checks that every
// message a receiver saw is in the history, in the order it saw them.
func TestSIGKILLDuringBurstLosesNoMessageSeen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildNatterd(t)
	data := t.TempDir()
	shared := filepath.Join(t.TempDir(), "shared")
	hub := startNatterd(t, bin, "-dir", shared, "-data-dir", data)

	rx := connect(t, hub.addr, "receiver")
	const senders, each = 10, 1000
	var wg sync.WaitGroup
	for i := range senders {
		tx := connect(t, hub.addr, fmt.Sprintf("sender%d", i))
		go io.Copy(io.Discard, tx.conn) // its echoes
		wg.Go(func() {
			w := bufio.NewWriter(tx.conn)
			for j := range each {
				if _, err := fmt.Fprintf(w, "MSG %d.%d padding to about sixty-four bytes of text here\n", i, j); err != nil {
					return // the hub was killed
				}
			}
			w.Flush()
		})
	}

	// Kill the hub once the receiver has seen a part of the burst; keep
	// what it read until its connection ends.
	var seen []string
	killAt := senders * each / 3
	for range senders*each + 100 {
		b, err := rx.r.ReadLine()
		if err != nil {
			break
		}
		if line := string(b); strings.HasPrefix(line, "MSG ") {
			seen = append(seen, line)
			if len(seen) == killAt {
				require.NoError(t, hub.cmd.Process.Kill())
			}
		}
	}
	<-hub.exited
	wg.Wait()
	require.GreaterOrEqual(t, len(seen), killAt, "the receiver saw too little before the hub was killed")
	t.Logf("the receiver saw %d of %d messages", len(seen), senders*each)

	again := startNatterd(t, bin, "-dir", shared, "-data-dir", data)
	stored := storedHistory(t, connect(t, again.addr, "checker"), senders*each)
	require.GreaterOrEqual(t, len(stored), len(seen), "stored fewer messages than the receiver saw")
	// The receiver registered before the burst: what it saw is the
	// beginning of the history, in the same order.
	for i := range seen {
		if stored[i] != seen[i] {
			t.Fatalf("message %d: stored %q, the receiver saw %q", i, stored[i], seen[i])
		}
	}
}

func TestBackupOfARunningHub(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildNatterd(t)
	data := t.TempDir()
	hub := startNatterd(t, bin, "-dir", filepath.Join(t.TempDir(), "shared"), "-data-dir", data)
	s := connect(t, hub.addr, "ann")
	fmt.Fprintf(s.conn, "MSG kept in the backup\n")
	var echo string
	for echo = s.line(t); !strings.HasPrefix(echo, "MSG "); echo = s.line(t) {
	}

	copyFile := filepath.Join(t.TempDir(), "copy.db")
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-data-dir", data, "-backup", copyFile}, env(nil), &out, &errOut)
	require.Equal(t, 0, code, "stderr: %s", errOut.String())
	require.NoError(t, os.Rename(copyFile, filepath.Join(filepath.Dir(copyFile), store.FileName)))
	st, err := store.Open(filepath.Dir(copyFile))
	require.NoError(t, err)
	defer st.Close()
	msgs, err := st.Latest(t.Context(), 10)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	assert.Equal(t, "kept in the backup", msgs[0].Body)

	// A second backup to the same file is refused, and names it.
	code = run(t.Context(), []string{"-data-dir", data, "-backup", filepath.Join(filepath.Dir(copyFile), store.FileName)}, env(nil), &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), store.FileName)
	// No database at all.
	errOut.Reset()
	code = run(t.Context(), []string{"-data-dir", t.TempDir(), "-backup", "x.db"}, env(nil), &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), "no database")
}

func TestCorruptDatabaseStopsNatterd(t *testing.T) {
	data := t.TempDir()
	path := filepath.Join(data, store.FileName)
	require.NoError(t, os.WriteFile(path, append([]byte("junk\n"), make([]byte, 4096)...), 0o600))
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-addr", "127.0.0.1:0", "-udp-addr", "127.0.0.1:0", "-announce=false", "-dir", filepath.Join(t.TempDir(), "s"), "-data-dir", data}, env(nil), &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), path)
	assert.Contains(t, errOut.String(), "move the file aside")
}
