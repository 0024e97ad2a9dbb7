package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/natter-chat/natter/core/proto"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// guard is how long a test waits for anything before failing; only a
// failure guard, never a speed expectation.
const guard = 20 * time.Second

type testHub struct {
	*Hub
	addr string
	dir  string
	stop func() error // stops the hub and returns Serve's error
}

// startHub runs a hub on 127.0.0.1 with a fresh shared folder; configure may
// change the config. The hub is stopped at the end of the test.
func startHub(t testing.TB, configure func(*Config)) *testHub {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Dir = t.TempDir()
	cfg.Name = "Test hub"
	cfg.Logger = slog.New(slog.DiscardHandler)
	if configure != nil {
		configure(&cfg)
	}
	h, err := New(cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Serve(ctx, ln) }()
	var stopped bool
	var serveErr error
	stop := func() error {
		if stopped {
			return serveErr
		}
		stopped = true
		cancel()
		select {
		case serveErr = <-done:
		case <-time.After(guard):
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Errorf("hub did not stop within %v\n%s", guard, buf[:n])
		}
		return serveErr
	}
	t.Cleanup(func() { stop() })
	return &testHub{Hub: h, addr: ln.Addr().String(), dir: cfg.Dir, stop: stop}
}

type testClient struct {
	t    testing.TB
	conn net.Conn
	r    *proto.Reader
	nick string

	pushback []string // lines to return again before reading more
}

// dial connects and reads the HELLO line.
func dial(t testing.TB, addr string) *testClient {
	t.Helper()
	c := dialRaw(t, addr)
	c.expect("HELLO natter/1 Test hub")
	return c
}

func dialRaw(t testing.TB, addr string) *testClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, guard)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &testClient{t: t, conn: conn, r: proto.NewReader(bufio.NewReader(conn), proto.MaxHubLineLen)}
}

// register dials, registers nick and reads the WELCOME, USERS and HISTORY
// blocks, returning the USERS nicks and HISTORY lines.
func register(t testing.TB, addr, nick string) (*testClient, []string, []string) {
	t.Helper()
	c := dial(t, addr)
	c.send("NICK " + nick)
	if line := c.readLine(); !strings.HasPrefix(line, "CAPS ") { // a hub with a store says so first
		c.pushback = append(c.pushback, line)
	}
	c.expect("WELCOME " + nick)
	users := c.readBlock(proto.KwUsers)
	history := c.readBlock(proto.KwHistory)
	c.nick = nick
	return c, users, history
}

func (c *testClient) send(line string) {
	c.t.Helper()
	c.sendRaw(line + "\n")
}

func (c *testClient) sendRaw(s string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(guard))
	_, err := io.WriteString(c.conn, s)
	require.NoError(c.t, err)
}

// readLine returns the next line, failing the test after the guard time.
func (c *testClient) readLine() string {
	c.t.Helper()
	line, err := c.tryReadLine(guard)
	require.NoError(c.t, err, "reading a line as %q", c.nick)
	return line
}

func (c *testClient) tryReadLine(wait time.Duration) (string, error) {
	if len(c.pushback) > 0 {
		line := c.pushback[0]
		c.pushback = c.pushback[1:]
		return line, nil
	}
	c.conn.SetReadDeadline(time.Now().Add(wait))
	line, err := c.r.ReadLine()
	return string(line), err
}

// expect reads the next line and checks it equals want.
func (c *testClient) expect(want string) {
	c.t.Helper()
	require.Equal(c.t, want, c.readLine(), "as %q", c.nick)
}

// event reads the next line as a hub line.
func (c *testClient) event() proto.Event {
	c.t.Helper()
	line := c.readLine()
	ev, err := proto.ParseEvent(line)
	require.NoError(c.t, err, "hub line %q", line)
	return ev
}

// expectErr reads the next line and checks it is an ERR with this code,
// keyword and reason.
func (c *testClient) expectErr(code int, kw, reason string) proto.Error {
	c.t.Helper()
	ev := c.event()
	require.Equal(c.t, proto.KwErr, ev.Keyword, "got %v", ev)
	require.Equal(c.t, code, ev.Err.Code, "got %v", ev)
	require.Equal(c.t, kw, ev.Err.Keyword, "got %v", ev)
	require.Equal(c.t, reason, ev.Err.Reason, "got %v", ev)
	return ev.Err
}

// readBlock reads `<kw> <n>` and the n lines after it, returning the nicks
// of USER lines or the whole lines otherwise.
func (c *testClient) readBlock(kw string) []string {
	c.t.Helper()
	ev := c.event()
	require.Equal(c.t, kw, ev.Keyword, "got %v", ev)
	out := []string{}
	for range ev.Count {
		line := c.readLine()
		if kw == proto.KwUsers {
			require.True(c.t, strings.HasPrefix(line, "USER "), line)
			line = strings.TrimPrefix(line, "USER ")
		}
		out = append(out, line)
	}
	return out
}

// expectClosed reads until the hub closes the connection, failing on any
// line that is not expected to come before the close.
func (c *testClient) expectClosed() {
	c.t.Helper()
	for range 100 {
		line, err := c.tryReadLine(guard)
		if err != nil {
			require.False(c.t, errors.Is(err, os.ErrDeadlineExceeded), "connection not closed")
			return
		}
		c.t.Logf("%s: line before close: %q", c.nick, line)
	}
	c.t.Fatal("connection not closed")
}

// skipTo reads lines until one starts with prefix and returns it.
func (c *testClient) skipTo(prefix string) string {
	c.t.Helper()
	for range 100000 {
		line := c.readLine()
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	c.t.Fatalf("no line starting with %q", prefix)
	return ""
}

// fields returns the space-separated fields of line after skipping n of them.
func fieldsAfter(line string, n int) string {
	for range n {
		_, line, _ = strings.Cut(line, " ")
	}
	return line
}

// exemptLoopback lifts the per-host limits for loopback, where load tests
// and benchmarks open every client from one host.
func exemptLoopback(c *Config) {
	c.Hosts.Exempt, _ = ParseHostList("127.0.0.0/8,::1")
}
