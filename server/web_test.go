package server

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/wsline"
)

// webHub is a hub with transfers and its web part, all on 127.0.0.1.
type webHub struct {
	*testHub
	ts   *transferService
	base string // http://127.0.0.1:port
}

// startWebHub runs a hub with transfers and the web part serving app;
// configure may change the configurations.
func startWebHub(t testing.TB, app fstest.MapFS, configure func(*Config, *TransferConfig)) *webHub {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Dir = t.TempDir()
	cfg.Name = "Test hub"
	cfg.Logger = slog.New(slog.DiscardHandler)
	var tcfg TransferConfig
	if configure != nil {
		configure(&cfg, &tcfg)
	}
	cfg.Transfers = &tcfg
	cfg.Web = &WebConfig{}
	if app != nil {
		cfg.Web.App = app
	}
	h, err := New(cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	web, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	stop := serveForTest(t, h, Listeners{Sessions: ln, Packets: pc, Web: web})
	t.Cleanup(func() { require.NoError(t, stop()) })
	require.Eventually(t, func() bool { return h.transfers.Addr() != nil && h.WebAddr() != nil }, guard, time.Millisecond)
	return &webHub{
		testHub: &testHub{Hub: h, addr: ln.Addr().String(), dir: cfg.Dir, stop: stop},
		ts:      h.transfers,
		base:    "http://" + web.Addr().String(),
	}
}

// serveForTest serves h on ls until stop, which returns ServeListeners'
// error, or until the end of the test.
func serveForTest(t testing.TB, h *Hub, ls Listeners) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.ServeListeners(ctx, ls) }()
	var stopped bool
	var serveErr error
	return func() error {
		if stopped {
			return serveErr
		}
		stopped = true
		cancel()
		select {
		case serveErr = <-done:
		case <-time.After(guard):
			t.Errorf("hub did not stop within %v", guard)
		}
		return serveErr
	}
}

// dialWS opens a WebSocket session from the hub's own origin and reads
// its HELLO and CAPS lines.
func (h *webHub) dialWS(t testing.TB) *testClient {
	t.Helper()
	c := h.dialWSRaw(t)
	c.expect("HELLO natter/1 Test hub")
	c.expect("CAPS web=" + strings.TrimPrefix(h.base, "http://127.0.0.1:"))
	return c
}

func (h *webHub) dialWSRaw(t testing.TB) *testClient {
	t.Helper()
	ws, _, err := websocket.Dial(testContext(t), h.base+"/natter", &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {h.base}},
	})
	require.NoError(t, err)
	conn := wsline.NewConn(ws, nil, nil)
	t.Cleanup(func() { conn.Close() })
	return &testClient{t: t, conn: conn, r: proto.NewReader(bufio.NewReader(conn), proto.MaxHubLineLen)}
}

// registerWS opens a WebSocket session and registers nick.
func (h *webHub) registerWS(t testing.TB, nick string) *testClient {
	t.Helper()
	c := h.dialWS(t)
	c.send("NICK " + nick)
	c.expect("WELCOME " + nick)
	c.readBlock(proto.KwUsers)
	c.readBlock(proto.KwHistory)
	c.nick = nick
	return c
}

// registerTCP registers nick over TCP, past the CAPS line a hub with a
// web part sends.
func (h *webHub) registerTCP(t testing.TB, nick string) *testClient {
	t.Helper()
	c := dial(t, h.addr)
	require.True(t, strings.HasPrefix(c.readLine(), "CAPS web="))
	c.send("NICK " + nick)
	c.expect("WELCOME " + nick)
	c.readBlock(proto.KwUsers)
	c.readBlock(proto.KwHistory)
	c.nick = nick
	return c
}

func TestWebSessionTalksToTCP(t *testing.T) {
	h := startWebHub(t, nil, nil)
	tcp := h.registerTCP(t, "desk")
	browser := h.registerWS(t, "phone")
	assert.Regexp(t, `^JOIN \d+ phone$`, tcp.readLine())

	browser.send("MSG hello from the browser")
	assert.Regexp(t, `^MSG \d+ phone hello from the browser$`, tcp.readLine())
	assert.Regexp(t, `^MSG \d+ phone hello from the browser$`, browser.readLine())

	tcp.send("PRIV phone and back ünïcode")
	assert.Regexp(t, `^PRIV \d+ desk phone and back ünïcode$`, browser.readLine())

	// A line written in two pieces is still one line, and two lines in
	// one write are two messages.
	browser.sendRaw("PING a")
	browser.sendRaw("b\nPING c\n")
	browser.expect("PONG ab")
	browser.expect("PONG c")

	browser.send("QUIT")
	browser.expect("BYE quit")
	browser.expectClosed()
	assert.Regexp(t, `^LEAVE \d+ phone quit$`, tcp.skipTo("LEAVE"))
}

func TestWebSessionOriginChecked(t *testing.T) {
	h := startWebHub(t, nil, nil)
	for _, origin := range []string{"", "http://evil.example", "http://127.0.0.1:1", "file://" + strings.TrimPrefix(h.base, "http://"), "null"} {
		hdr := http.Header{}
		if origin != "" {
			hdr.Set("Origin", origin)
		}
		ws, resp, err := websocket.Dial(testContext(t), h.base+"/natter", &websocket.DialOptions{HTTPHeader: hdr})
		if ws != nil {
			ws.CloseNow()
		}
		require.Error(t, err, "origin %q", origin)
		require.NotNil(t, resp, "origin %q", origin)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "origin %q", origin)
	}
	// Nobody got in: a TCP client is alone.
	h.mu.Lock()
	n := len(h.sessions)
	h.mu.Unlock()
	assert.Zero(t, n, "sessions after refused upgrades")
	// The check is on the request's Host, whatever spelling it has.
	ws, _, err := websocket.Dial(testContext(t), h.base+"/natter", &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {strings.ToUpper(h.base)}},
	})
	require.NoError(t, err)
	ws.CloseNow()
}

func TestWebSessionLineTooLong(t *testing.T) {
	h := startWebHub(t, nil, nil)
	c := h.registerWS(t, "phone")
	c.send("MSG " + strings.Repeat("x", proto.MaxLineLen+10_000))
	c.expectErr(413, "", proto.ReasonLineTooLong)
	// The session goes on.
	c.send("PING after")
	c.expect("PONG after")
}

func TestWebSessionFloodDropped(t *testing.T) {
	h := startWebHub(t, nil, func(c *Config, _ *TransferConfig) {
		c.MaxLineRate = 5
		c.LineBurst = 10
		c.FloodLimit = 20
		c.FloodWindow = time.Minute
	})
	watcher := h.registerTCP(t, "watcher")
	flooder := h.registerWS(t, "flooder")
	watcher.skipTo("JOIN")
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "MSG flood %d\n", i)
	}
	// The hub may drop the flooder before every line is written: each is
	// a message of its own.
	flooder.conn.SetWriteDeadline(time.Now().Add(guard))
	flooder.conn.Write([]byte(b.String()))
	slowDowns, bye := 0, false
	for range 1000 {
		line, err := flooder.tryReadLine(guard)
		if err != nil {
			break
		}
		switch {
		case strings.HasPrefix(line, "ERR 429 MSG slow-down"):
			slowDowns++
		case line == "BYE flood":
			bye = true
		}
	}
	assert.Positive(t, slowDowns)
	assert.True(t, bye, "BYE flood")
	assert.Regexp(t, `^LEAVE \d+ flooder flood$`, watcher.skipTo("LEAVE"))
}

func TestWebSessionCountsInMaxClients(t *testing.T) {
	h := startWebHub(t, nil, func(c *Config, _ *TransferConfig) { c.MaxClients = 1 })
	h.registerTCP(t, "desk")
	c := h.dialWSRaw(t)
	c.expect("HELLO natter/1 Test hub")
	c.expectErr(503, "", proto.ReasonHubFull)
	c.expect("BYE hub-full")
	c.expectClosed()
}

func TestWebSessionBinaryMessageEndsIt(t *testing.T) {
	h := startWebHub(t, nil, nil)
	watcher := h.registerTCP(t, "watcher")
	ws, _, err := websocket.Dial(testContext(t), h.base+"/natter", &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {h.base}}})
	require.NoError(t, err)
	defer ws.CloseNow()
	ctx := testContext(t)
	require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte("NICK bin")))
	require.NoError(t, ws.Write(ctx, websocket.MessageBinary, []byte("MSG hi")))
	assert.Regexp(t, `^JOIN \d+ bin$`, watcher.skipTo("JOIN"))
	assert.Regexp(t, `^LEAVE \d+ bin connection-lost$`, watcher.skipTo("LEAVE"))
}

// rawRequests returns a function that sends a request to base+path with
// the given header pairs, taking the body as it comes (no transparent
// gzip), and returns the response with its whole body.
func rawRequests(t *testing.T, base string) func(method, path string, hdr ...string) (*http.Response, []byte) {
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return func(method, path string, hdr ...string) (*http.Response, []byte) {
		req, err := http.NewRequest(method, base+path, nil)
		require.NoError(t, err)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, body
	}
}

func TestWebAppServed(t *testing.T) {
	index := []byte("<!doctype html><title>Natter</title>" + strings.Repeat(" ", 1000))
	var gz strings.Builder
	zw := gzip.NewWriter(&gz)
	zw.Write(index)
	zw.Close()
	h := startWebHub(t, fstest.MapFS{
		"index.html":    {Data: index},
		"index.html.gz": {Data: []byte(gz.String())},
		"app.wasm":      {Data: []byte("\x00asm")},
	}, nil)
	do := rawRequests(t, h.base)
	get := func(path string, hdr ...string) (*http.Response, []byte) { return do("GET", path, hdr...) }
	resp, body := get("/")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, index, body)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)

	resp, body = get("/", "Accept-Encoding", "br, gzip")
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Equal(t, gz.String(), string(body))
	assert.NotEqual(t, etag, resp.Header.Get("ETag"))
	resp, _ = get("/", "Accept-Encoding", "gzip;q=0")
	assert.Empty(t, resp.Header.Get("Content-Encoding"))

	resp, body = get("/", "If-None-Match", etag)
	assert.Equal(t, http.StatusNotModified, resp.StatusCode)
	assert.Empty(t, body)

	resp, _ = get("/app.wasm")
	assert.Equal(t, "application/wasm", resp.Header.Get("Content-Type"))
	resp, body = get("/nothing.js")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Contains(t, string(body), `"/nothing.js"`)
}

// The module is kept as app.wasm.gz alone: a browser that takes gzip gets
// those bytes, one that does not gets them unzipped, and the validator
// answers both.
func TestWebAppServedFromGzipOnly(t *testing.T) {
	module := []byte("\x00asm" + strings.Repeat("module bytes ", 500))
	var gz strings.Builder
	zw := gzip.NewWriter(&gz)
	zw.Write(module)
	zw.Close()
	h := startWebHub(t, fstest.MapFS{
		"index.html":  {Data: []byte("<!doctype html>")},
		"app.wasm.gz": {Data: []byte(gz.String())},
	}, nil)
	get := rawRequests(t, h.base)
	resp, body := get("GET", "/app.wasm", "Accept-Encoding", "gzip")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Equal(t, "application/wasm", resp.Header.Get("Content-Type"))
	assert.Equal(t, gz.String(), string(body))
	gzTag := resp.Header.Get("ETag")

	resp, body = get("GET", "/app.wasm")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Content-Encoding"))
	assert.Equal(t, module, body)
	plainTag := resp.Header.Get("ETag")
	require.NotEmpty(t, plainTag)
	assert.NotEqual(t, gzTag, plainTag)

	resp, body = get("GET", "/app.wasm", "If-None-Match", plainTag)
	assert.Equal(t, http.StatusNotModified, resp.StatusCode)
	assert.Empty(t, body)
	resp, body = get("HEAD", "/app.wasm")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, body)
	resp, _ = get("GET", "/app.wasm.gz")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the copy is not a file of its own")
}

func TestWebSessionSlowConsumerDropped(t *testing.T) {
	h := startWebHub(t, nil, func(c *Config, _ *TransferConfig) {
		c.MaxLineRate = NoLineLimit
		// Room for a few hundred lines: the stuck session fills it (and
		// its socket buffers) in a few thousand, while the watcher, which
		// reads, may fall this far behind on a busy machine without being
		// taken for slow itself.
		c.OutQueueBytes = 256 * proto.MaxHubLineLen
	})
	watcher := h.registerTCP(t, "watcher")
	sender := h.registerTCP(t, "sender")
	h.registerWS(t, "stuck") // and never reads again
	watcher.skipTo("JOIN")
	watcher.skipTo("JOIN")
	// The sender's own copies are read, so that it is not the slow one.
	go io.Copy(io.Discard, sender.conn)
	body := strings.Repeat("x", 4000)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := range 20_000 {
			sender.conn.SetWriteDeadline(time.Now().Add(guard))
			if _, err := fmt.Fprintf(sender.conn, "MSG %d %s\n", i, body); err != nil {
				return
			}
			select {
			case <-t.Context().Done():
				return
			default:
			}
		}
	}()
	line := ""
	for range 40_000 {
		line = watcher.readLine()
		if strings.HasPrefix(line, "LEAVE ") {
			break
		}
	}
	assert.Regexp(t, `^LEAVE \d+ stuck too-slow$`, line)
	sender.conn.Close()
	<-sent
}
