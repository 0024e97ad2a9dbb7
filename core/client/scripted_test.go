package client

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/tftp"
)

// scriptedHub is a TCP listener on 127.0.0.1 whose sessions are driven by a
// test, line by line. It stands in for a hub where the test needs an exact
// sequence of lines the real hub would not produce on demand.
type scriptedHub struct {
	t     *testing.T
	ln    net.Listener
	conns chan *scriptedConn
	wg    sync.WaitGroup
}

type scriptedConn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func newScriptedHub(t *testing.T) *scriptedHub {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h := &scriptedHub{t: t, ln: ln, conns: make(chan *scriptedConn, 16)}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.conns <- &scriptedConn{t: t, conn: c, r: bufio.NewReader(c)}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		h.wg.Wait()
		close(h.conns)
		for c := range h.conns {
			c.conn.Close()
		}
	})
	return h
}

func (h *scriptedHub) addr() string { return h.ln.Addr().String() }

// accept waits for the next session.
func (h *scriptedHub) accept() *scriptedConn {
	select {
	case c := <-h.conns:
		h.t.Cleanup(func() { c.conn.Close() })
		return c
	case <-time.After(20 * time.Second):
		h.t.Fatal("no client connected")
		return nil
	}
}

func (c *scriptedConn) send(format string, args ...any) {
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := fmt.Fprintf(c.conn, format+"\n", args...)
	require.NoError(c.t, err)
}

// expect reads the next line, skipping keep-alives, and checks it.
func (c *scriptedConn) expect(want string) {
	c.t.Helper()
	require.Equal(c.t, want, c.next())
}

// expectQuit reads the client's QUIT and closes the session, as a hub does.
func (c *scriptedConn) expectQuit(want string) {
	c.t.Helper()
	c.expect(want)
	c.send("BYE quit")
	c.conn.Close()
}

func (c *scriptedConn) next() string {
	c.t.Helper()
	for {
		c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		line, err := c.r.ReadString('\n')
		require.NoError(c.t, err)
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "PING ") || strings.HasPrefix(line, "PONG ") {
			continue
		}
		return line
	}
}

// register plays the hub side of a registration.
func (c *scriptedConn) register(nick string, users ...string) {
	c.t.Helper()
	c.send("HELLO natter/1 Test hub")
	c.expect("NICK " + nick)
	c.send("WELCOME %s", nick)
	c.send("USERS %d", len(users))
	for _, u := range users {
		c.send("USER %s", u)
	}
	c.send("HISTORY 0")
	c.expect("FILES")
	c.send("FILES 0")
}

// waitFor waits until cond holds for a snapshot.
func waitFor(t *testing.T, c *Client, what string, cond func(*Snapshot) bool) *Snapshot {
	t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s := c.Snapshot()
		if cond(s) {
			return s
		}
		select {
		case <-c.Changed():
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s; state %v (%s), %d messages", what, s.Conn.State, s.Conn.Cause, len(s.Messages))
		}
	}
}

// startClient starts a client, downloading to a temporary folder unless
// cfg names one, and closes it when the test ends.
func startClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	return startClientWith(t, cfg, nil)
}

// startClientWith is startClient with eng, when not nil, moving the file
// data instead of the TFTP engine.
func startClientWith(t *testing.T, cfg Config, eng engine) *Client {
	t.Helper()
	return startClientOn(t, cfg, eng, nil)
}

// startClientOn is startClientWith with clk, when not nil, as the loop's clock.
func startClientOn(t *testing.T, cfg Config, eng engine, clk clock) *Client {
	t.Helper()
	if cfg.DownloadDir == "" {
		cfg.DownloadDir = t.TempDir()
	}
	c, err := New(cfg)
	require.NoError(t, err)
	if eng != nil {
		c.engine = eng
	}
	if clk != nil {
		c.clock = clk
	}
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, c.Start(ctx))
	t.Cleanup(func() {
		cancel()
		c.Close()
	})
	return c
}

func TestScriptedRegisterAndChat(t *testing.T) {
	h := newScriptedHub(t)
	c := startClient(t, Config{Addr: h.addr(), Nick: "alice"})
	s := h.accept()
	s.register("alice", "alice", "bob")
	snap := waitFor(t, c, "registered", func(s *Snapshot) bool { return s.Conn.State == Registered && len(s.Users) == 2 })
	require.Equal(t, "Test hub", snap.HubName)
	require.NoError(t, c.Send("hello\nworld"))
	s.expect(`MSG hello\nworld`)
	s.send(`MSG 1700000000000 alice hello\nworld`)
	waitFor(t, c, "own message", func(s *Snapshot) bool {
		for _, m := range s.Messages {
			if m.Kind == Public && m.Own && m.Text == "hello\nworld" {
				return true
			}
		}
		return false
	})
}

// fakeEngine lets a test play the UDP side of transfers.
type fakeEngine struct{ calls chan *fakeCall }

type fakeCall struct {
	ctx      context.Context
	token    string
	name     string
	dir      string
	size     int64
	progress func(int64)
	result   chan error
}

func newFakeEngine() *fakeEngine { return &fakeEngine{calls: make(chan *fakeCall, 16)} }

func (f *fakeEngine) run(ctx context.Context, call *fakeCall) error {
	call.ctx = ctx
	call.result = make(chan error, 1)
	f.calls <- call
	select {
	case err := <-call.result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeEngine) download(ctx context.Context, addr, token string, _ *[tftp.SealKeySize]byte, dir, name string, size int64, sha string, progress func(int64)) (string, error) {
	err := f.run(ctx, &fakeCall{token: token, name: name, dir: dir, size: size, progress: progress})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	return path, os.WriteFile(path, make([]byte, size), 0o644)
}

func (f *fakeEngine) upload(ctx context.Context, addr, token string, _ *[tftp.SealKeySize]byte, r io.Reader, size int64, progress func(int64)) error {
	return f.run(ctx, &fakeCall{token: token, size: size, progress: progress})
}

func (f *fakeEngine) next(t *testing.T) *fakeCall {
	t.Helper()
	select {
	case c := <-f.calls:
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("no transfer started")
		return nil
	}
}

func startScripted(t *testing.T, cfg Config) (*Client, *scriptedHub, *fakeEngine) {
	t.Helper()
	h := newScriptedHub(t)
	cfg.Addr = h.addr()
	if cfg.Nick == "" {
		cfg.Nick = "alice"
	}
	eng := newFakeEngine()
	return startClientWith(t, cfg, eng), h, eng
}

// startScriptedClock is startScripted with a clock the test moves.
func startScriptedClock(t *testing.T, cfg Config) (*Client, *scriptedHub, *fakeEngine, *fakeClock) {
	t.Helper()
	h := newScriptedHub(t)
	cfg.Addr = h.addr()
	if cfg.Nick == "" {
		cfg.Nick = "alice"
	}
	eng, clk := newFakeEngine(), newFakeClock()
	return startClientOn(t, cfg, eng, clk), h, eng, clk
}

// runScriptedClient makes a client of a new scripted hub and runs it in the
// background by Run, as a command-line client would; wait waits for Run to
// return and gives its error.
func runScriptedClient(t *testing.T, cfg Config) (c *Client, h *scriptedHub, wait func() error) {
	t.Helper()
	h = newScriptedHub(t)
	cfg.Addr = h.addr()
	c, err := New(cfg)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background()) }()
	return c, h, func() error {
		t.Helper()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not return")
			return nil
		}
	}
}

func hasMessage(s *Snapshot, pred func(Message) bool) bool {
	for _, m := range s.Messages {
		if pred(m) {
			return true
		}
	}
	return false
}

func TestScriptedGrantMatchedToRequest(t *testing.T) {
	c, h, eng := startScripted(t, Config{})
	s := h.accept()
	s.register("alice", "alice")
	waitFor(t, c, "registered", func(s *Snapshot) bool { return s.Conn.State == Registered })
	idA, err := c.Download("a.txt")
	require.NoError(t, err)
	idB, err := c.Download("b.txt")
	require.NoError(t, err)
	s.expect("GET a.txt")
	s.expect("GET b.txt")
	// Other lines arrive between the answers; the hub answers in order.
	s.send("MSG 1700000000000 bob first")
	s.send("ERR 404 GET no-such-file a.txt")
	s.send("JOIN 1700000000001 carol")
	s.send("GET %s 4000 5 %064x b.txt", "tok-b", 1)
	call := eng.next(t)
	require.Equal(t, "tok-b", call.token)
	require.Equal(t, "b.txt", call.name)
	call.progress(2)
	call.progress(5)
	call.result <- nil
	snap := waitFor(t, c, "both transfers finished", func(s *Snapshot) bool {
		a, _ := s.Transfer(idA)
		b, _ := s.Transfer(idB)
		return a.State.Finished() && b.State.Finished()
	})
	a, _ := snap.Transfer(idA)
	b, _ := snap.Transfer(idB)
	require.Equal(t, TransferFailed, a.State)
	require.Equal(t, XferRefused, a.Reason)
	require.Equal(t, "no-such-file", a.Err.(*HubError).Reason)
	require.Equal(t, TransferDone, b.State)
	require.Equal(t, int64(5), b.Bytes)
	require.FileExists(t, b.Path)
	require.Equal(t, "no-such-file", snap.LastError.Reason)
}

func TestScriptedNickTakenAfterReconnect(t *testing.T) {
	c, h, _ := startScripted(t, Config{ReconnectMin: 10 * time.Millisecond, ReconnectMax: 50 * time.Millisecond})
	s := h.accept()
	s.register("alice", "alice")
	waitFor(t, c, "registered", func(s *Snapshot) bool { return s.Conn.State == Registered })
	s.conn.Close()
	waitFor(t, c, "reconnecting", func(s *Snapshot) bool { return s.Conn.State != Registered })
	s = h.accept()
	s.send("HELLO natter/1 Test hub")
	s.expect("NICK alice")
	s.send("ERR 409 NICK nick-in-use")
	s.expect("NICK alice2")
	s.send("WELCOME alice2")
	s.send("USERS 2")
	s.send("USER alice")
	s.send("USER alice2")
	s.send("HISTORY 0")
	snap := waitFor(t, c, "registered as alice2", func(s *Snapshot) bool { return s.Conn.State == Registered && s.Nick == "alice2" && len(s.Users) == 2 })
	require.True(t, hasMessage(snap, func(m Message) bool {
		return m.Kind == System && m.Note == NoteNickTaken && m.From == "alice" && m.To == "alice2"
	}))
	require.Equal(t, []User{{Nick: "alice"}, {Nick: "alice2", Self: true}}, snap.Users)
}

func TestScriptedFirstNickTakenCloses(t *testing.T) {
	c, h, wait := runScriptedClient(t, Config{Nick: "alice"})
	s := h.accept()
	s.send("HELLO natter/1 Test hub")
	s.expect("NICK alice")
	s.send("ERR 409 NICK nick-in-use")
	s.expectQuit("QUIT")
	var he *HubError
	require.ErrorAs(t, wait(), &he)
	require.Equal(t, "nick-in-use", he.Reason)
	snap := c.Snapshot()
	require.Equal(t, Closed, snap.Conn.State)
	require.Equal(t, CauseRefused, snap.Conn.Cause)
	require.Equal(t, he, snap.Conn.Err)
	require.ErrorIs(t, c.Send("hi"), ErrClosed)
}

func TestScriptedHubFull(t *testing.T) {
	c, h, wait := runScriptedClient(t, Config{Nick: "alice"})
	s := h.accept()
	s.send("HELLO natter/1 Test hub")
	s.send("ERR 503 - hub-full")
	s.send("BYE hub-full")
	var he *HubError
	require.ErrorAs(t, wait(), &he)
	require.Equal(t, "hub-full", he.Reason)
	require.Equal(t, CauseBye, c.Snapshot().Conn.Cause)
	require.Equal(t, he, c.Snapshot().Conn.Err)
}

func TestScriptedKeepAlive(t *testing.T) {
	cfg := Config{PingIdle: 30 * time.Second, PingTimeout: 20 * time.Second,
		ReconnectMin: 200 * time.Millisecond, ReconnectMax: 3 * time.Second}
	c, h, _, clk := startScriptedClock(t, cfg)
	s := h.accept()
	s.register("alice", "alice")
	waitFor(t, c, "registered", func(s *Snapshot) bool { return s.Conn.State == Registered })
	// The hub's PING is answered.
	s.send("PING h1")
	s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := s.r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "PONG h1\n", line)
	// A client that has heard nothing for PingIdle pings, and not before.
	clk.Advance(cfg.PingIdle - time.Millisecond)
	s.send("PING h2")
	s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err = s.r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "PONG h2\n", line, "pinged before PingIdle")
	clk.Advance(cfg.PingIdle)
	s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err = s.r.ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "PING "), "got %q", line)
	// A hub that never answers is left for a new session after PingTimeout.
	clk.Advance(cfg.PingTimeout)
	waitFor(t, c, "reconnecting", func(s *Snapshot) bool { return s.Conn.State == Reconnecting && !s.Conn.NextTry.IsZero() })
	clk.Advance(cfg.ReconnectMax)
	s2 := h.accept()
	s2.register("alice", "alice")
	snap := waitFor(t, c, "registered again", func(s *Snapshot) bool {
		return s.Conn.State == Registered && hasMessage(s, func(m Message) bool { return m.Note == NoteReconnected })
	})
	require.True(t, hasMessage(snap, func(m Message) bool { return m.Note == NoteDropped && m.Cause == CauseNoAnswer }))
}

func TestScriptedHistoryNotDuplicated(t *testing.T) {
	c, h, _ := startScripted(t, Config{ReconnectMin: 10 * time.Millisecond, ReconnectMax: 20 * time.Millisecond})
	s := h.accept()
	s.register("alice", "alice")
	s.send("MSG 1700000000000 bob one")
	s.send("MSG 1700000000001 bob two")
	waitFor(t, c, "two messages", func(s *Snapshot) bool {
		return hasMessage(s, func(m Message) bool { return m.Text == "two" })
	})
	s.conn.Close()
	s = h.accept()
	s.send("HELLO natter/1 Test hub")
	s.expect("NICK alice")
	s.send("WELCOME alice")
	s.send("USERS 1")
	s.send("USER alice")
	s.send("HISTORY 3")
	s.send("MSG 1700000000000 bob one")
	s.send("MSG 1700000000001 bob two")
	s.send("MSG 1700000000002 bob three")
	snap := waitFor(t, c, "three", func(s *Snapshot) bool {
		return hasMessage(s, func(m Message) bool { return m.Text == "three" })
	})
	var texts []string
	for _, m := range snap.Messages {
		if m.Kind == Public {
			texts = append(texts, m.Text)
		}
	}
	require.Equal(t, []string{"one", "two", "three"}, texts)
}

func TestScriptedDownloadResumesAfterDrop(t *testing.T) {
	cfg := Config{ReconnectMin: 10 * time.Millisecond, ReconnectMax: 20 * time.Millisecond}
	c, h, eng, clk := startScriptedClock(t, cfg)
	s := h.accept()
	s.register("alice", "alice")
	id, err := c.Download("big.bin")
	require.NoError(t, err)
	s.expect("GET big.bin")
	s.send("GET tok1 4000 100 %064x big.bin", 1)
	call := eng.next(t)
	waitFor(t, c, "running", func(s *Snapshot) bool {
		x, _ := s.Transfer(id)
		return x.State == TransferRunning && x.Reason == XferNone
	})
	// Progress is published once per progressInterval of the loop's clock.
	call.progress(40)
	clk.Advance(progressInterval)
	waitFor(t, c, "progress", func(s *Snapshot) bool { x, _ := s.Transfer(id); return x.Bytes == 40 })
	s.conn.Close()
	// The running transfer stops and waits for the hub.
	select {
	case <-call.ctx.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("transfer not stopped by the drop")
	}
	waitFor(t, c, "reconnect planned", func(s *Snapshot) bool { return s.Conn.State == Reconnecting && !s.Conn.NextTry.IsZero() })
	clk.Advance(cfg.ReconnectMax)
	s = h.accept()
	s.register("alice", "alice")
	s.expect("GET big.bin")
	s.send("GET tok2 4000 100 %064x big.bin", 1)
	call = eng.next(t)
	require.Equal(t, "tok2", call.token)
	call.progress(100)
	call.result <- nil
	snap := waitFor(t, c, "done", func(s *Snapshot) bool { x, _ := s.Transfer(id); return x.State == TransferDone })
	x, _ := snap.Transfer(id)
	require.Equal(t, int64(100), x.Bytes)
}

func TestScriptedCancelLeavesNothing(t *testing.T) {
	c, h, eng := startScripted(t, Config{})
	s := h.accept()
	s.register("alice", "alice")
	dir := c.cfg.DownloadDir
	id, err := c.Download("big.bin")
	require.NoError(t, err)
	s.expect("GET big.bin")
	s.send("GET tok1 4000 100 %064x big.bin", 1)
	call := eng.next(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big.bin.part"), make([]byte, 40), 0o644))
	call.progress(40)
	require.NoError(t, c.Cancel(id))
	snap := waitFor(t, c, "cancelled", func(s *Snapshot) bool { x, _ := s.Transfer(id); return x.State.Finished() })
	x, _ := snap.Transfer(id)
	require.Equal(t, TransferCancelled, x.State)
	require.NoFileExists(t, filepath.Join(dir, "big.bin.part"))
	require.NoFileExists(t, filepath.Join(dir, "big.bin"))
	require.ErrorIs(t, c.Cancel(999), ErrNoSuchTransfer)
}

func TestScriptedQueueBeyondLimit(t *testing.T) {
	c, h, eng, clk := startScriptedClock(t, Config{MaxTransfers: 2})
	s := h.accept()
	s.register("alice", "alice")
	var ids []TransferID
	for i := range 3 {
		id, err := c.Download(fmt.Sprintf("f%d", i))
		require.NoError(t, err)
		ids = append(ids, id)
	}
	s.expect("GET f0")
	s.expect("GET f1")
	snap := waitFor(t, c, "third queued", func(s *Snapshot) bool { return len(s.Transfers) == 3 })
	x, _ := snap.Transfer(ids[2])
	require.Equal(t, TransferQueued, x.State)
	// busy: asked again later, not failed.
	s.send("ERR 409 GET busy")
	s.send("GET tok1 4000 1 %064x f1", 1)
	first := eng.next(t)
	require.Equal(t, "f1", first.name)
	clk.Advance(500 * time.Millisecond)
	s.expect("GET f0")
	first.result <- nil
	s.expect("GET f2")
}

func TestScriptedUploadFromReader(t *testing.T) {
	c, h, eng := startScripted(t, Config{})
	s := h.accept()
	s.register("alice", "alice")
	data := strings.Repeat("natter ", 1000)
	id, err := c.UploadReader("notes.txt", strings.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	sum := sha256.Sum256([]byte(data))
	s.expect(fmt.Sprintf("PUT %d %x notes.txt", len(data), sum))
	s.send("PUT tokU 4001 notes (1).txt")
	call := eng.next(t)
	require.Equal(t, "tokU", call.token)
	call.progress(int64(len(data)))
	call.result <- nil
	s.send("SHARED 1700000000000 alice %d %x notes (1).txt", len(data), sum)
	snap := waitFor(t, c, "uploaded and shared", func(s *Snapshot) bool {
		x, _ := s.Transfer(id)
		return x.State == TransferDone && len(s.Shared) == 1
	})
	x, _ := snap.Transfer(id)
	require.Equal(t, "notes (1).txt", x.Name)
	require.Equal(t, hex.EncodeToString(sum[:]), x.SHA256)
}

func TestScriptedEventsDropOldest(t *testing.T) {
	c, h, _ := startScripted(t, Config{EventBuffer: 4})
	s := h.accept()
	s.register("alice", "alice")
	for i := range 50 {
		s.send("MSG %d bob m%d", 1700000000000+i, i)
	}
	snap := waitFor(t, c, "all messages", func(s *Snapshot) bool {
		return hasMessage(s, func(m Message) bool { return m.Text == "m49" })
	})
	require.NotZero(t, snap.DroppedEvents)
	// What is left is the newest events, in order.
	var got []string
	for len(got) < 4 {
		ev := <-c.Events()
		got = append(got, ev.Text)
	}
	require.Equal(t, []string{"m46", "m47", "m48", "m49"}, got)
}

func TestScriptedQuitSaysWhy(t *testing.T) {
	c, h, _ := startScripted(t, Config{})
	s := h.accept()
	s.register("alice", "alice")
	waitFor(t, c, "registered", func(s *Snapshot) bool { return s.Conn.State == Registered })
	require.NoError(t, c.Send("bye all"))
	s.expect("MSG bye all")
	c.Quit("off to lunch")
	s.expectQuit("QUIT off to lunch")
	require.NoError(t, c.Wait())
	require.Equal(t, Closed, c.Snapshot().Conn.State)
	_, ok := <-c.Events()
	for ok {
		_, ok = <-c.Events()
	}
}

// onceReader is a stream that cannot seek, like a picker's content stream.
type onceReader struct {
	r      io.Reader
	closed bool
}

func (o *onceReader) Read(p []byte) (int, error) { return o.r.Read(p) }
func (o *onceReader) Close() error               { o.closed = true; return nil }

func TestScriptedUploadFromStreamSpoolsAndCleansUp(t *testing.T) {
	c, h, eng := startScripted(t, Config{ReconnectMin: 10 * time.Millisecond, ReconnectMax: 20 * time.Millisecond})
	s := h.accept()
	s.register("alice", "alice")
	data := strings.Repeat("x", 100_000)
	sum := sha256.Sum256([]byte(data))
	src := &onceReader{r: strings.NewReader(data)}
	id, err := c.UploadReader("x.txt", src, int64(len(data)))
	require.NoError(t, err)
	s.expect(fmt.Sprintf("PUT %d %x x.txt", len(data), sum))
	spools, _ := filepath.Glob(filepath.Join(c.cfg.DownloadDir, ".natter-upload-*"))
	require.Len(t, spools, 1, "the stream is copied once while hashing")

	// A drop interrupts the upload: it is asked for again from the copy.
	s.send("PUT tok1 4001 x.txt")
	call := eng.next(t)
	s.conn.Close()
	<-call.ctx.Done()
	s = h.accept()
	s.register("alice", "alice")
	s.expect(fmt.Sprintf("PUT %d %x x.txt", len(data), sum))
	s.send("PUT tok2 4001 x.txt")
	call = eng.next(t)
	require.Equal(t, "tok2", call.token)
	call.result <- nil
	waitFor(t, c, "done", func(s *Snapshot) bool { x, _ := s.Transfer(id); return x.State == TransferDone })
	spools, _ = filepath.Glob(filepath.Join(c.cfg.DownloadDir, ".natter-upload-*"))
	require.Empty(t, spools)
	require.True(t, src.closed)

	// A stream shorter than announced fails before anything is asked.
	short, err := c.UploadReader("short.txt", strings.NewReader("abc"), 10)
	require.NoError(t, err)
	snap := waitFor(t, c, "failed", func(s *Snapshot) bool { x, _ := s.Transfer(short); return x.State.Finished() })
	x, _ := snap.Transfer(short)
	require.Equal(t, TransferFailed, x.State)
	require.Equal(t, XferUnreadable, x.Reason)
	require.Equal(t, &SizeMismatchError{Have: 3, Announced: 10}, x.Err)
}

func TestScriptedSlowDownResends(t *testing.T) {
	c, h, _ := startScripted(t, Config{SendRate: 100, SendBurst: 100})
	s := h.accept()
	s.register("alice", "alice")
	waitFor(t, c, "registered", func(s *Snapshot) bool { return s.Conn.State == Registered })
	require.NoError(t, c.Send("one"))
	s.expect("MSG one")
	s.send("ERR 429 MSG slow-down")
	s.expect("MSG one")
	s.send("MSG 1700000000000 alice one")
	snap := waitFor(t, c, "sent", func(s *Snapshot) bool { return len(publicTexts(s)) == 1 })
	require.False(t, hasMessage(snap, func(m Message) bool { return m.Kind == System && m.Note == NoteNotSent }))
}

func TestScriptedByeStopsReconnecting(t *testing.T) {
	var dials atomic.Int32
	tcp := tcpDial(time.Second)
	cfg := fastReconnect(Config{Nick: "alice", Dial: func(ctx context.Context, addr string) (net.Conn, error) {
		dials.Add(1)
		return tcp(ctx, addr)
	}})
	c, h, wait := runScriptedClient(t, cfg)
	s := h.accept()
	s.register("alice", "alice")
	// A line that does not parse is skipped; the session goes on.
	s.send("MSG not-a-time bob hi")
	s.send("FROB 1 2 3")
	s.send("MSG 1700000000000 bob still here")
	waitFor(t, c, "message after bad lines", func(s *Snapshot) bool { return len(publicTexts(s)) == 1 })
	s.send("BYE flood")
	var bye *ByeError
	require.ErrorAs(t, wait(), &bye)
	require.Equal(t, "flood", bye.Reason)
	snap := c.Snapshot()
	require.Equal(t, Closed, snap.Conn.State)
	require.Equal(t, CauseBye, snap.Conn.Cause)
	require.Equal(t, bye, snap.Conn.Err)
	require.True(t, hasMessage(snap, func(m Message) bool { return m.Note == NoteClosed && m.Cause == CauseBye && m.Err == snap.Conn.Err }))
	// No new connection was attempted: Run returns once every goroutine
	// of the client has ended, dialers included.
	require.Equal(t, int32(1), dials.Load(), "dialled again after BYE")
}

func TestScriptedCloseWhileHubSilent(t *testing.T) {
	h := newScriptedHub(t)
	c, err := New(Config{Addr: h.addr(), Nick: "alice"})
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background()))
	s := h.accept() // connected, but the hub never says HELLO
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("Close hung")
	}
	// No QUIT for a hub that never greeted us: the connection just closes.
	s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = s.r.ReadString('\n')
	require.ErrorIs(t, err, io.EOF)
}

func TestScriptedDialAnyTransport(t *testing.T) {
	// A transport with no TCP underneath: the hub's end of an in-memory pipe.
	hubEnds := make(chan net.Conn, 4)
	dial := func(ctx context.Context, addr string) (net.Conn, error) {
		ours, theirs := net.Pipe()
		hubEnds <- theirs
		return ours, nil
	}
	c := startClient(t, Config{Addr: "hub.invalid:1", Nick: "alice", Dial: dial})
	var end net.Conn
	select {
	case end = <-hubEnds:
	case <-time.After(20 * time.Second):
		t.Fatal("Dial was not called")
	}
	t.Cleanup(func() { end.Close() })
	s := &scriptedConn{t: t, conn: end, r: bufio.NewReader(end)}
	s.register("alice", "alice")
	waitFor(t, c, "registered", registered)
	require.NoError(t, c.Send("over a pipe"))
	s.expect("MSG over a pipe")
	c.Quit("")
	s.expectQuit("QUIT")
	require.NoError(t, c.Wait())
}
