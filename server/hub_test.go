package server

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

func TestChatThreeClients(t *testing.T) {
	h := startHub(t, nil)
	alice, users, history := register(t, h.addr, "alice")
	assert.Equal(t, []string{"alice"}, users)
	assert.Empty(t, history)
	bob, users, _ := register(t, h.addr, "Bob")
	assert.Equal(t, []string{"alice", "Bob"}, users)
	assert.Equal(t, "JOIN", alice.event().Keyword)
	carol, users, _ := register(t, h.addr, "carol")
	assert.Equal(t, []string{"alice", "Bob", "carol"}, users, "sorted case-insensitively")
	for _, c := range []*testClient{alice, bob} {
		ev := c.event()
		assert.Equal(t, proto.KwJoin, ev.Keyword)
		assert.Equal(t, "carol", ev.Nick)
		assert.InDelta(t, time.Now().UnixMilli(), ev.Time, float64(time.Minute.Milliseconds()))
	}

	bob.send(`MSG hello\nworld \\o/ \x`)
	var first string
	for _, c := range []*testClient{alice, bob, carol} {
		line := c.readLine()
		if first == "" {
			first = line
		}
		assert.Equal(t, first, line, "everyone gets the same line")
		ev, err := proto.ParseEvent(line)
		require.NoError(t, err)
		assert.Equal(t, "Bob", ev.Nick)
		assert.Equal(t, "hello\nworld \\o/ \\x", ev.Text)
	}
	alice.send("msg lower-case keyword")
	for _, c := range []*testClient{alice, bob, carol} {
		assert.Equal(t, "lower-case keyword", c.event().Text)
	}
	alice.send("USERS")
	assert.Equal(t, []string{"alice", "Bob", "carol"}, alice.readBlock(proto.KwUsers))
	assert.Equal(t, []string{"alice", "Bob", "carol"}, h.Users())
}

func TestPrivateMessage(t *testing.T) {
	h := startHub(t, nil)
	alice, _, _ := register(t, h.addr, "alice")
	bob, _, _ := register(t, h.addr, "bob")
	carol, _, _ := register(t, h.addr, "carol")
	alice.skipTo("JOIN")
	alice.skipTo("JOIN")
	bob.skipTo("JOIN")

	alice.send("PRIV BOB psst")
	got := bob.readLine()
	assert.Regexp(t, `^PRIV \d+ alice bob psst$`, got)
	assert.Equal(t, got, alice.readLine(), "confirmation to the sender")

	alice.send("PRIV dave hello?")
	e := alice.expectErr(404, proto.KwPriv, proto.ReasonNoSuchUser)
	assert.Contains(t, e.Detail, "dave")

	alice.send("PRIV alice note to self")
	assert.Regexp(t, `^PRIV \d+ alice alice note to self$`, alice.readLine())

	// Carol saw none of it.
	carol.send("PING c1")
	carol.expect("PONG c1")
}

func TestNickRules(t *testing.T) {
	h := startHub(t, func(c *Config) { c.MaxNickTries = 100 })
	bob, _, _ := register(t, h.addr, "Bob")
	c := dial(t, h.addr)
	c.send("NICK bob")
	assert.Contains(t, c.expectErr(409, proto.KwNick, proto.ReasonNickInUse).Detail, "bob")
	c.send("NICK BOB")
	c.expectErr(409, proto.KwNick, proto.ReasonNickInUse)
	for _, bad := range []string{"hub", "Everyone", "ALL", "server", "1abc", "a!b", strings.Repeat("x", 25)} {
		c.send("NICK " + bad)
		c.expectErr(400, proto.KwNick, proto.ReasonBadNick)
	}
	c.send("NICK two words")
	c.expectErr(400, proto.KwNick, proto.ReasonBadSyntax)
	// A decomposed accent is registered in NFC form and collides with it.
	c.send("NICK Zoe\u0308")
	c.expect("WELCOME Zo\u00eb")
	c.readBlock(proto.KwUsers)
	c.readBlock(proto.KwHistory)
	bob.expect("JOIN " + fieldsAfter(bob.readLineLike("JOIN"), 1))
	d := dial(t, h.addr)
	d.send("NICK zoë")
	d.expectErr(409, proto.KwNick, proto.ReasonNickInUse)
}

// readLineLike reads a line, checks its keyword and returns it; the next
// expect sees it again through the pushed-back buffer.
func (c *testClient) readLineLike(kw string) string {
	c.t.Helper()
	line := c.readLine()
	require.True(c.t, strings.HasPrefix(line, kw+" "), line)
	c.pushback = append(c.pushback, line)
	return line
}

func TestRegisterFirst(t *testing.T) {
	h := startHub(t, nil)
	c := dial(t, h.addr)
	for _, line := range []string{"MSG hi", "PRIV bob hi", "USERS", "FILES", "GET a", "PUT 1 " + strings.Repeat("a", 64) + " a", "msg lower"} {
		c.send(line)
		kw := strings.ToUpper(strings.Fields(line)[0])
		c.expectErr(401, kw, proto.ReasonRegisterFirst)
	}
	c.send("PING 1")
	c.expect("PONG 1")
	c.send("PONG 2")
	// The contract: before registration anything but NICK, PING, PONG and
	// QUIT is register-first, unknown keywords and empty lines included.
	c.send("HELLO there")
	c.expectErr(401, "HELLO", proto.ReasonRegisterFirst)
	c.send("")
	c.expectErr(401, "", proto.ReasonRegisterFirst)
	c.send("NICK ok")
	c.expect("WELCOME ok")
}

func TestBadInput(t *testing.T) {
	h := startHub(t, nil)
	c, _, _ := register(t, h.addr, "alice")
	c.sendRaw("MSG caf\xe9\n")
	assert.Contains(t, c.expectErr(400, proto.KwMsg, proto.ReasonBadText).Detail, "invalid UTF-8")
	c.sendRaw("MSG tab\there\n")
	assert.Contains(t, c.expectErr(400, proto.KwMsg, proto.ReasonBadText).Detail, "U+0009")
	c.sendRaw("MSG nul\x00\n")
	c.expectErr(400, proto.KwMsg, proto.ReasonBadText)
	c.send("FOO bar")
	c.expectErr(400, "FOO", proto.ReasonUnknownCommand)
	c.send("MSG")
	c.expectErr(400, proto.KwMsg, proto.ReasonBadSyntax)
	c.send("PRIV bob")
	c.expectErr(400, proto.KwPriv, proto.ReasonBadSyntax)
	c.send("USERS now")
	c.expectErr(400, proto.KwUsers, proto.ReasonBadSyntax)
	c.sendRaw("MSG crlf is fine\r\n")
	assert.Equal(t, "crlf is fine", c.event().Text)
}

func TestLongLine(t *testing.T) {
	h := startHub(t, nil)
	alice, _, _ := register(t, h.addr, "alice")
	bob, _, _ := register(t, h.addr, "bob")
	alice.skipTo("JOIN")

	// 8192 bytes with the LF: the longest line allowed.
	longest := "MSG " + strings.Repeat("a", proto.MaxLineLen-5)
	alice.send(longest)
	assert.Len(t, bob.event().Text, proto.MaxLineLen-5)
	assert.Len(t, alice.event().Text, proto.MaxLineLen-5)

	// 8193 bytes: discarded, ERR 413, and the session goes on.
	alice.send("MSG " + strings.Repeat("b", proto.MaxLineLen-4))
	alice.expectErr(413, "", proto.ReasonLineTooLong)
	alice.sendRaw("MSG " + strings.Repeat("c", 3*proto.MaxLineLen) + "\r\n")
	alice.expectErr(413, "", proto.ReasonLineTooLong)
	alice.send("MSG after")
	assert.Equal(t, "after", alice.event().Text)
	assert.Equal(t, "after", bob.event().Text, "bob never saw the long lines")

	// Backslashes that stand for themselves are passed on as sent, so the
	// hub line stays within its limit.
	alice.send("MSG " + strings.Repeat(`\x`, (proto.MaxLineLen-5)/2))
	line := bob.readLine()
	assert.LessOrEqual(t, len(line)+1, proto.MaxHubLineLen)
	alice.readLine()
}

func TestRenameJoinLeave(t *testing.T) {
	h := startHub(t, nil)
	alice, _, _ := register(t, h.addr, "alice")
	bob, _, _ := register(t, h.addr, "bob")
	assert.Regexp(t, `^JOIN \d+ bob$`, alice.readLine())

	bob.send("NICK robert")
	for _, c := range []*testClient{alice, bob} {
		ev := c.event()
		assert.Equal(t, proto.KwRename, ev.Keyword)
		assert.Equal(t, "bob", ev.Nick)
		assert.Equal(t, "robert", ev.NewNick)
	}
	bob.send("NICK Robert") // case change only
	assert.Regexp(t, `^RENAME \d+ robert Robert$`, alice.readLine())
	bob.readLine()
	bob.send("NICK Robert")
	bob.expectErr(409, proto.KwNick, proto.ReasonNickInUse)
	bob.send("NICK ALICE")
	bob.expectErr(409, proto.KwNick, proto.ReasonNickInUse)
	bob.send("NICK -bad")
	bob.expectErr(400, proto.KwNick, proto.ReasonBadNick)
	bob.send("USERS")
	assert.Equal(t, []string{"alice", "Robert"}, bob.readBlock(proto.KwUsers))

	// The old nick is free again.
	c, _, _ := register(t, h.addr, "bob")
	alice.skipTo("JOIN")
	bob.skipTo("JOIN")

	bob.send("QUIT gone fishing")
	bob.expect("BYE quit")
	bob.expectClosed()
	assert.Regexp(t, `^LEAVE \d+ Robert quit: gone fishing$`, alice.readLine())
	assert.Regexp(t, `^LEAVE \d+ Robert quit: gone fishing$`, c.readLine())

	c.send("quit")
	c.expect("BYE quit")
	assert.Regexp(t, `^LEAVE \d+ bob quit$`, alice.readLine())

	d, _, _ := register(t, h.addr, "dave")
	alice.skipTo("JOIN")
	d.conn.Close()
	assert.Regexp(t, `^LEAVE \d+ dave connection-lost$`, alice.readLine())
}

func TestDisconnectMidLine(t *testing.T) {
	h := startHub(t, nil)
	alice, _, _ := register(t, h.addr, "alice")
	bob, _, _ := register(t, h.addr, "bob")
	alice.skipTo("JOIN")
	bob.sendRaw("MSG this line never ends")
	bob.conn.Close()
	assert.Regexp(t, `^LEAVE \d+ bob connection-lost$`, alice.readLine(), "the partial line is not delivered")
}

func TestHistory(t *testing.T) {
	h := startHub(t, func(c *Config) { c.History = 3 })
	alice, _, _ := register(t, h.addr, "alice")
	for i := range 5 {
		alice.send(fmt.Sprintf("MSG m%d", i))
		alice.readLine()
	}
	alice.send("PRIV alice private") // not history
	alice.readLine()
	bob := dial(t, h.addr)
	bob.send("NICK bob")
	bob.expect("WELCOME bob")
	assert.Equal(t, []string{"alice", "bob"}, bob.readBlock(proto.KwUsers))
	history := bob.readBlock(proto.KwHistory)
	require.Len(t, history, 3)
	for i, line := range history {
		ev, err := proto.ParseEvent(line)
		require.NoError(t, err)
		assert.Equal(t, proto.KwMsg, ev.Keyword)
		assert.Equal(t, fmt.Sprintf("m%d", i+2), ev.Text, "oldest first")
	}

	h2 := startHub(t, func(c *Config) { c.History = NoHistory })
	carol, _, _ := register(t, h2.addr, "carol")
	carol.send("MSG x")
	carol.readLine()
	_, _, history = register(t, h2.addr, "dave")
	assert.Empty(t, history)
}

func TestSlowClientDropped(t *testing.T) {
	h := startHub(t, func(c *Config) {
		c.OutQueueBytes = 512 << 10
		c.MaxLineRate = 1e6
		c.LineBurst = 1e6
	})
	sender, _, _ := register(t, h.addr, "sender")
	watcher, _, _ := register(t, h.addr, "watcher")
	sender.skipTo("JOIN")

	// The stuck client registers and then never reads again.
	stuckConn, err := net.Dial("tcp", h.addr)
	require.NoError(t, err)
	t.Cleanup(func() { stuckConn.Close() })
	require.NoError(t, stuckConn.(*net.TCPConn).SetReadBuffer(4096))
	_, err = stuckConn.Write([]byte("NICK stuck\n"))
	require.NoError(t, err)
	sender.skipTo("JOIN")
	watcher.skipTo("JOIN")

	// Enough volume to fill the socket buffers and the queue. The sender
	// keeps at most window messages ahead of the watcher and of its own
	// echoes, so that only the stuck client falls behind.
	const n = 4000
	const window = 16
	body := strings.Repeat("x", 7000)
	watcherRead := make(chan struct{}, n)
	echoRead := make(chan struct{}, n)
	for range window {
		watcherRead <- struct{}{}
		echoRead <- struct{}{}
	}
	sent := make(chan error, 1)
	go func() {
		w := sender.conn
		for i := range n {
			select {
			case <-watcherRead:
			case <-time.After(guard):
				sent <- fmt.Errorf("watcher stopped reading at %d", i)
				return
			}
			select {
			case <-echoRead:
			case <-time.After(guard):
				sent <- fmt.Errorf("sender stopped reading at %d", i)
				return
			}
			w.SetWriteDeadline(time.Now().Add(guard))
			if _, err := fmt.Fprintf(w, "MSG %d %s\n", i, body); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	// The sender reads its own echoes concurrently so that it is not too
	// slow itself.
	senderDone := make(chan int, 1)
	go func() {
		got := 0
		for got < n {
			line, err := sender.tryReadLine(guard)
			if err != nil {
				break
			}
			if strings.HasPrefix(line, "MSG ") {
				got++
				echoRead <- struct{}{}
			}
		}
		senderDone <- got
	}()
	next := 0
	sawLeave := false
	for next < n {
		line := watcher.readLine()
		switch {
		case strings.HasPrefix(line, "LEAVE "):
			assert.Regexp(t, `^LEAVE \d+ stuck too-slow$`, line)
			sawLeave = true
		case strings.HasPrefix(line, "MSG "):
			ev, err := proto.ParseEvent(line)
			require.NoError(t, err)
			num, _, _ := strings.Cut(ev.Text, " ")
			require.Equal(t, strconv.Itoa(next), num, "messages arrive in order, none lost")
			next++
			watcherRead <- struct{}{}
		default:
			t.Fatalf("unexpected line %q", line)
		}
	}
	require.NoError(t, <-sent)
	assert.Equal(t, n, <-senderDone)
	assert.True(t, sawLeave, "the stuck client was dropped as too-slow")
	assert.Equal(t, []string{"sender", "watcher"}, h.Users())
}

func TestFloodDropped(t *testing.T) {
	h := startHub(t, func(c *Config) {
		c.MaxLineRate = 5
		c.LineBurst = 10
		c.FloodLimit = 20
		c.FloodWindow = time.Minute
	})
	watcher, _, _ := register(t, h.addr, "watcher")
	flooder, _, _ := register(t, h.addr, "flooder")
	watcher.skipTo("JOIN")
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "MSG flood %d\n", i)
	}
	flooder.sendRaw(b.String())
	slowDowns := 0
	msgs := 0
	for range 1000 {
		line, err := flooder.tryReadLine(guard)
		if err != nil {
			break
		}
		switch {
		case strings.HasPrefix(line, "ERR 429 MSG slow-down"):
			slowDowns++
		case strings.HasPrefix(line, "MSG "):
			msgs++
		case line == "BYE flood":
		default:
			t.Errorf("unexpected line %q", line)
		}
	}
	assert.Positive(t, slowDowns)
	assert.GreaterOrEqual(t, msgs, 5, "the burst got through")
	assert.Less(t, msgs, 200)
	line := watcher.skipTo("LEAVE")
	assert.Regexp(t, `^LEAVE \d+ flooder flood$`, line)
}

func TestRegistrationTimeout(t *testing.T) {
	h := startHub(t, func(c *Config) { c.RegisterTimeout = time.Second })
	c := dial(t, h.addr)
	c.send("PING 1") // lines do not extend the time to register
	c.expect("PONG 1")
	c.expect("BYE registration-timeout")
	c.expectClosed()

	h2 := startHub(t, func(c *Config) { c.MaxNickTries = 3 })
	owner, _, _ := register(t, h2.addr, "taken")
	d := dial(t, h2.addr)
	d.send("NICK hub")
	d.expectErr(400, proto.KwNick, proto.ReasonBadNick)
	d.send("NICK taken")
	d.expectErr(409, proto.KwNick, proto.ReasonNickInUse)
	d.send("NICK")
	d.expectErr(400, proto.KwNick, proto.ReasonBadSyntax)
	d.expect("BYE registration-timeout")
	d.expectClosed()
	owner.send("PING x")
	owner.expect("PONG x") // no JOIN or LEAVE for a client that never registered
}

func TestIdleTimeout(t *testing.T) {
	h := startHub(t, func(c *Config) {
		c.IdleTimeout = 300 * time.Millisecond
		c.PingTimeout = 2 * time.Second // generous: the test must answer in time
	})
	watcher, _, _ := register(t, h.addr, "watcher")
	idle, _, _ := register(t, h.addr, "idle")
	watcher.skipTo("JOIN")

	// The watcher answers its pings in the background and reports the rest.
	seen := make(chan string, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 1000 {
			line, err := watcher.tryReadLine(guard)
			if err != nil {
				return
			}
			if tok, ok := strings.CutPrefix(line, "PING "); ok {
				watcher.conn.Write([]byte("PONG " + tok + "\n"))
				continue
			}
			seen <- line
		}
	}()
	defer func() {
		watcher.conn.Close()
		<-done
	}()

	line := idle.readLine()
	require.True(t, strings.HasPrefix(line, "PING "), line)
	idle.send("PONG " + strings.TrimPrefix(line, "PING "))
	line = idle.readLine()
	require.True(t, strings.HasPrefix(line, "PING "), "pinged again after answering: %q", line)
	// No answer this time.
	idle.expect("BYE timeout")
	idle.expectClosed()
	select {
	case line := <-seen:
		assert.Regexp(t, `^LEAVE \d+ idle timeout$`, line)
	case <-time.After(guard):
		t.Fatal("no LEAVE")
	}
}

func TestShutdown(t *testing.T) {
	h := startHub(t, nil)
	alice, _, _ := register(t, h.addr, "alice")
	bob := dial(t, h.addr) // not registered
	require.NoError(t, h.stop())
	alice.expect("BYE shutdown")
	alice.expectClosed()
	bob.expect("BYE shutdown")
	bob.expectClosed()
	_, err := net.DialTimeout("tcp", h.addr, time.Second)
	assert.Error(t, err, "listener closed")
}

func TestShutdownWithStuckClient(t *testing.T) {
	h := startHub(t, func(c *Config) {
		c.MaxLineRate = 1e6
		c.LineBurst = 1e6
		c.FlushTimeout = 200 * time.Millisecond
	})
	stuck := dialRaw(t, h.addr)
	require.NoError(t, stuck.conn.(*net.TCPConn).SetReadBuffer(4096))
	stuck.send("NICK stuck")
	sender, _, _ := register(t, h.addr, "sender")
	// Fill the stuck client's socket buffers so that the hub's writer for it
	// blocks, while the sender reads its own echoes.
	body := strings.Repeat("y", 8000)
	echoes := make(chan int, 1)
	go func() {
		got := 0
		for {
			line, err := sender.tryReadLine(guard)
			if err != nil || line == "BYE shutdown" {
				echoes <- got
				return
			}
			if strings.HasPrefix(line, "MSG ") {
				got++
			}
		}
	}()
	const n = 1000
	for i := range n {
		sender.send(fmt.Sprintf("MSG %d %s", i, body))
	}
	require.NoError(t, h.stop(), "Serve returns although a client never reads")
	assert.Positive(t, <-echoes)
}

// loopbackConfig configures a hub that listens on fresh ports of 127.0.0.1
// (TCP and UDP) and logs nothing.
func loopbackConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.Dir = t.TempDir()
	cfg.Addr, cfg.UDPAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Logger = slog.New(slog.DiscardHandler)
	return cfg
}

func TestListenAndServe(t *testing.T) {
	h, err := New(loopbackConfig(t))
	require.NoError(t, err)
	assert.Nil(t, h.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.ListenAndServe(ctx) }()
	require.Eventually(t, func() bool { return h.Addr() != nil }, guard, 5*time.Millisecond)
	c := dialRaw(t, h.Addr().String())
	c.expect("HELLO natter/1 " + DefaultName)
	cancel()
	c.expect("BYE shutdown")
	require.NoError(t, <-done)
	// A hub serves once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	assert.Error(t, h.Serve(context.Background(), ln))
}

// ListenAndServe opens the UDP socket the transfers need at UDPAddr; Listen
// fails when it cannot, leaving nothing open.
func TestListenAndServeTransfers(t *testing.T) {
	cfg := loopbackConfig(t)
	cfg.Transfers = &TransferConfig{}
	h, err := New(cfg)
	require.NoError(t, err)
	assert.Nil(t, h.UDPAddr())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.ListenAndServe(ctx) }()
	require.Eventually(t, func() bool { return h.UDPAddr() != nil }, guard, 5*time.Millisecond)
	ua, ok := h.UDPAddr().(*net.UDPAddr)
	require.True(t, ok, "UDPAddr is %T", h.UDPAddr())
	assert.True(t, ua.IP.IsLoopback())
	assert.NotZero(t, ua.Port)
	cancel()
	require.NoError(t, <-done)

	// A second hub on the same UDP port cannot listen.
	cfg.UDPAddr = ua.String()
	taken, err := net.ListenPacket("udp", cfg.UDPAddr)
	require.NoError(t, err)
	defer taken.Close()
	h2, err := New(cfg)
	require.NoError(t, err)
	_, err = h2.Listen()
	assert.ErrorContains(t, err, "file transfers: listen udp "+cfg.UDPAddr)
}

func TestHubFull(t *testing.T) {
	h := startHub(t, func(c *Config) { c.MaxClients = 2 })
	a, _, _ := register(t, h.addr, "a")
	dial(t, h.addr)
	c := dial(t, h.addr)
	c.expectErr(503, "", proto.ReasonHubFull)
	c.expect("BYE hub-full")
	c.expectClosed()
	a.send("QUIT")
	a.expect("BYE quit")
	a.expectClosed()
	// A place is free again.
	require.Eventually(t, func() bool {
		d := dialRaw(t, h.addr)
		defer d.conn.Close()
		d.expect("HELLO natter/1 Test hub")
		d.send("NICK z")
		return d.readLine() == "WELCOME z"
	}, guard, 20*time.Millisecond)
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
}

func TestFiles(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, outside, "secret", "top secret")
	h := startHub(t, nil)
	writeFile(t, h.dir, "b.txt", "bee")
	writeFile(t, h.dir, "a file.txt", "hello")
	writeFile(t, h.dir, ".hidden", "x")
	require.NoError(t, os.Mkdir(filepath.Join(h.dir, "subdir"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(h.dir, "escape")))
	require.NoError(t, os.Symlink("../"+filepath.Base(outside)+"/secret", filepath.Join(h.dir, "escape2")))
	require.NoError(t, os.Symlink("b.txt", filepath.Join(h.dir, "inside-link")))
	c, _, _ := register(t, h.addr, "alice")

	const helloSum = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
	var files []string
	require.Eventually(t, func() bool {
		c.send("FILES")
		files = c.readBlock(proto.KwFiles)
		return len(files) == 3 && !strings.Contains(strings.Join(files, "\n"), " - ")
	}, guard, 20*time.Millisecond, "hashes are computed in the background")
	require.Len(t, files, 3)
	ev, err := proto.ParseEvent(files[0])
	require.NoError(t, err)
	assert.Equal(t, "a file.txt", ev.Name)
	assert.Equal(t, int64(5), ev.Size)
	assert.Equal(t, helloSum, ev.SHA256)
	assert.InDelta(t, time.Now().UnixMilli(), ev.MTime, float64(time.Hour.Milliseconds()))
	assert.Contains(t, files[1], " b.txt")
	assert.Contains(t, files[2], " inside-link")

	// Files added and removed by hand show up.
	require.NoError(t, os.Remove(filepath.Join(h.dir, "b.txt")))
	writeFile(t, h.dir, "c.txt", "sea")
	c.send("FILES")
	files = c.readBlock(proto.KwFiles)
	require.Len(t, files, 2, "%q", files) // inside-link dangles now
	assert.Contains(t, files[0], " a file.txt")
	assert.Contains(t, files[1], " c.txt")

	// GET: names are checked, and nothing outside the folder is reachable.
	for _, name := range []string{"../secret", "..", ".", ".hidden", "a/b", `..\secret`, "subdir/x"} {
		c.send("GET " + name)
		c.expectErr(400, proto.KwGet, proto.ReasonBadName)
	}
	for _, name := range []string{"escape", "escape2", "missing", "subdir"} {
		c.send("GET " + name)
		c.expectErr(404, proto.KwGet, proto.ReasonNoSuchFile)
	}
	c.send("GET a file.txt")
	e := c.expectErr(409, proto.KwGet, proto.ReasonBusy)
	assert.Contains(t, e.Detail, "not enabled")
	c.send("PUT 3 " + helloSum + " new.txt")
	c.expectErr(409, proto.KwPut, proto.ReasonBusy)
	c.send("PUT 3 " + helloSum + " ../new.txt")
	c.expectErr(400, proto.KwPut, proto.ReasonBadName)
	c.send("PUT 3 XYZ new.txt")
	c.expectErr(400, proto.KwPut, proto.ReasonBadSyntax)
	c.send("PUT x " + helloSum + " new.txt")
	c.expectErr(400, proto.KwPut, proto.ReasonBadSyntax)
}

// fakeTransfers grants everything with fixed tokens, or fails with err.
type fakeTransfers struct {
	mu   sync.Mutex
	err  error
	gets chan getRequest
	puts chan putRequest
}

func (f *fakeTransfers) GrantGet(ctx context.Context, req getRequest) (getGrant, error) {
	f.gets <- req
	if err := f.failure(); err != nil {
		return getGrant{}, err
	}
	return getGrant{Token: "0123456789abcdef0123456789abcdef", Port: 50001, Size: req.File.Size, SHA256: strings.Repeat("ab", 32), Name: req.File.Name}, nil
}

func (f *fakeTransfers) GrantPut(ctx context.Context, req putRequest) (putGrant, error) {
	f.puts <- req
	if err := f.failure(); err != nil {
		return putGrant{}, err
	}
	return putGrant{Token: "fedcba9876543210fedcba9876543210", Port: 50002, StoredName: req.Name + " (1)"}, nil
}

func (f *fakeTransfers) failure() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *fakeTransfers) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func TestTransferHooks(t *testing.T) {
	ft := &fakeTransfers{gets: make(chan getRequest, 4), puts: make(chan putRequest, 4)}
	h := startHub(t, func(c *Config) { c.grants = ft })
	writeFile(t, h.dir, "doc.txt", "hello")
	c, _, _ := register(t, h.addr, "alice")
	c.send("GET doc.txt")
	c.expect("GET 0123456789abcdef0123456789abcdef 50001 5 " + strings.Repeat("ab", 32) + " doc.txt")
	req := <-ft.gets
	assert.Equal(t, "alice", req.Nick)
	assert.Equal(t, "127.0.0.1", req.Addr.String())
	assert.Equal(t, int64(5), req.File.Size)

	sum := strings.Repeat("cd", 32)
	c.send("PUT 10 " + sum + " up.bin")
	c.expect("PUT fedcba9876543210fedcba9876543210 50002 up.bin (1)")
	preq := <-ft.puts
	assert.Equal(t, putRequest{requester: req.requester, Name: "up.bin", Size: 10, SHA256: sum}, preq)

	ft.fail(proto.NewError(proto.ReasonTooLarge, "", "too big for this hub"))
	c.send("PUT 10 " + sum + " up.bin")
	<-ft.puts
	assert.Equal(t, "too big for this hub", c.expectErr(413, proto.KwPut, proto.ReasonTooLarge).Detail)
	ft.fail(fmt.Errorf("internal trouble"))
	c.send("GET doc.txt")
	<-ft.gets
	c.expectErr(409, proto.KwGet, proto.ReasonBusy)

	// An upload announced by the transfer side reaches everyone.
	writeFile(t, h.dir, "up.bin (1)", "0123456789")
	require.NoError(t, h.announceShared("alice", "up.bin (1)", sum))
	assert.Regexp(t, `^SHARED \d+ alice 10 `+sum+` up\.bin \(1\)$`, c.readLine())
	info, err := h.sharedFile(context.Background(), "doc.txt")
	require.NoError(t, err)
	assert.Equal(t, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", info.SHA256)
	_, err = h.sharedFile(context.Background(), "nope")
	assert.ErrorIs(t, err, ErrNoSuchFile)
}

func TestConfigErrors(t *testing.T) {
	_, err := New(Config{Dir: filepath.Join(t.TempDir(), "missing")})
	assert.ErrorContains(t, err, "shared folder")
	_, err = New(Config{Dir: t.TempDir(), MaxClients: -1, OutQueueBytes: 10, Name: "bad\tname"})
	assert.ErrorContains(t, err, "MaxClients must be positive")
	assert.ErrorContains(t, err, "OutQueueBytes")
	assert.ErrorContains(t, err, "hub name")
	cfg := DefaultConfig()
	assert.Equal(t, 8<<20, cfg.OutQueueBytes)
	assert.Equal(t, 100, cfg.History)
}

// TestConcurrentOrder has several clients talk at once and checks that all
// of them receive every public message, in one and the same order.
func TestConcurrentOrder(t *testing.T) {
	h := startHub(t, func(c *Config) {
		c.MaxLineRate = 1e6
		c.LineBurst = 1e6
	})
	const clients, each = 5, 100
	cs := make([]*testClient, clients)
	for i := range cs {
		cs[i], _, _ = register(t, h.addr, fmt.Sprintf("c%d", i))
	}
	var wg sync.WaitGroup
	got := make([][]string, clients)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b strings.Builder
			for j := range each {
				fmt.Fprintf(&b, "MSG %d-%d\n", i, j)
			}
			c.conn.SetWriteDeadline(time.Now().Add(guard))
			if _, err := c.conn.Write([]byte(b.String())); err != nil {
				t.Error(err)
				return
			}
			for len(got[i]) < clients*each {
				line, err := c.tryReadLine(guard)
				if err != nil {
					t.Errorf("c%d: %v after %d messages", i, err, len(got[i]))
					return
				}
				if strings.HasPrefix(line, "MSG ") {
					got[i] = append(got[i], fieldsAfter(line, 2))
				}
			}
		}()
	}
	wg.Wait()
	for i := range got {
		require.Len(t, got[i], clients*each)
		assert.Equal(t, got[0], got[i], "c%d saw another order than c0", i)
	}
	// Each sender's own messages keep their order.
	next := make(map[string]int)
	for _, m := range got[0] {
		from, text, _ := strings.Cut(m, " ")
		assert.Equal(t, fmt.Sprintf("%s-%d", strings.TrimPrefix(from, "c"), next[from]), text)
		next[from]++
	}
}

func TestNoLineLimit(t *testing.T) {
	for _, rate := range []float64{NoLineLimit, math.Inf(1)} {
		h := startHub(t, func(c *Config) {
			c.MaxLineRate = rate
			c.LineBurst = 1
			c.FloodLimit = 1
		})
		assert.Equal(t, NoLineLimit, h.Config().MaxLineRate)
		watcher, _, _ := register(t, h.addr, "watcher")
		sender, _, _ := register(t, h.addr, "sender")
		watcher.skipTo("JOIN")
		const n = 500
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "MSG line %d\n", i)
		}
		sender.sendRaw(b.String())
		for i := range n {
			line := watcher.readLine()
			require.Regexp(t, fmt.Sprintf(`^MSG \d+ sender line %d$`, i), line)
		}
		sender.send("PING done")
		for range n {
			line := sender.readLine()
			if line == "PONG done" {
				break
			}
			require.True(t, strings.HasPrefix(line, "MSG "), "unexpected line %q", line)
		}
	}
}

// Presence lines (JOIN, RENAME, LEAVE) wait for the presence writer, here
// for an hour; any other line to the same client takes them along at once,
// in order, and so does the hub's shutdown.
func TestPresenceLinesGoWithTheNextLine(t *testing.T) {
	h := startHub(t, func(c *Config) { c.presencePause = time.Hour })
	alice, _, _ := register(t, h.addr, "alice")
	// The queue may still be owned by the write of the lines just read,
	// and would then take the JOIN along.
	waitQueueIdle(t, h.Hub, "alice")
	bob, _, _ := register(t, h.addr, "bob")
	_, err := alice.tryReadLine(100 * time.Millisecond)
	require.Error(t, err, "the JOIN waits")

	bob.send("MSG hello")
	assert.Regexp(t, `^JOIN \d+ bob$`, alice.readLine())
	assert.Regexp(t, `^MSG \d+ bob hello$`, alice.readLine())
	assert.Regexp(t, `^MSG \d+ bob hello$`, bob.readLine())

	bob.send("NICK robert")
	bob.send("USERS")
	assert.Regexp(t, `^RENAME \d+ bob robert$`, bob.readLine())
	assert.Equal(t, []string{"alice", "robert"}, bob.readBlock(proto.KwUsers))
	bob.send("QUIT")
	bob.expect("BYE quit")

	alice.send("PING 7")
	assert.Regexp(t, `^RENAME \d+ bob robert$`, alice.readLine())
	assert.Regexp(t, `^LEAVE \d+ robert quit$`, alice.readLine())
	alice.expect("PONG 7")

	register(t, h.addr, "carol")
	require.NoError(t, h.stop())
	assert.Regexp(t, `^JOIN \d+ carol$`, alice.readLine())
	alice.expect("BYE shutdown")
}

// waitQueueIdle waits until nobody owns the queue of nick's session.
func waitQueueIdle(t *testing.T, h *Hub, nick string) {
	t.Helper()
	h.mu.Lock()
	s := h.byKey[proto.NickKey(nick)]
	h.mu.Unlock()
	require.NotNil(t, s, "%s is registered", nick)
	require.Eventually(t, func() bool {
		s.q.mu.Lock()
		defer s.q.mu.Unlock()
		return !s.q.busy
	}, guard, time.Millisecond)
}
