package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

// sendFrame writes one masked frame of opcode op; fin marks the last
// frame of a message.
func (w *rawWS) sendFrame(t *testing.T, op byte, fin bool, payload string) {
	t.Helper()
	b0 := op
	if fin {
		b0 |= 0x80
	}
	mask := [4]byte{1, 2, 3, 4}
	frame := []byte{b0, 0x80 | byte(len(payload))}
	frame = append(frame, mask[:]...)
	for i := range len(payload) {
		frame = append(frame, payload[i]^mask[i%4])
	}
	w.conn.SetWriteDeadline(time.Now().Add(guard))
	_, err := w.conn.Write(frame)
	require.NoError(t, err)
}

// readFrame reads one frame from the hub: its first byte and payload.
func (w *rawWS) readFrame(t *testing.T) (byte, string) {
	t.Helper()
	w.conn.SetReadDeadline(time.Now().Add(guard))
	var hdr [2]byte
	_, err := w.r.Read(hdr[:1])
	require.NoError(t, err)
	_, err = w.r.Read(hdr[1:])
	require.NoError(t, err)
	require.Less(t, hdr[1], byte(126), "a short frame")
	buf := make([]byte, hdr[1])
	for got := 0; got < len(buf); {
		n, err := w.r.Read(buf[got:])
		require.NoError(t, err)
		got += n
	}
	return hdr[0], string(buf)
}

// expectText reads frames up to a text message and checks it is want.
func (w *rawWS) expectText(t *testing.T, want string) {
	t.Helper()
	b0, got := w.readFrame(t)
	assert.Equal(t, byte(0x81), b0, "a final text frame")
	assert.Equal(t, want, got)
}

func TestWebSessionFramesHandled(t *testing.T) {
	h := startWebHub(t, nil, nil)
	w := dialRawWS(t, h.base, 4096)
	defer w.conn.Close()
	w.expectText(t, "HELLO natter/1 Test hub")
	w.readFrame(t) // CAPS
	// A message in three frames, a ping between two of them.
	w.sendFrame(t, wsText, false, "PING a")
	w.sendFrame(t, wsPing, true, "are you there")
	w.sendFrame(t, wsContinuation, false, "b")
	w.sendFrame(t, wsContinuation, true, "c")
	b0, payload := w.readFrame(t)
	assert.Equal(t, byte(0x80|wsPong), b0, "a pong")
	assert.Equal(t, "are you there", payload)
	w.expectText(t, "PONG abc")
	// An empty message is an empty line, answered as on TCP.
	w.sendFrame(t, wsText, true, "")
	_, payload = w.readFrame(t)
	assert.True(t, strings.HasPrefix(payload, "ERR 401 "), "an empty line before NICK: %q", payload)
	w.sendFrame(t, wsText, true, "PING d")
	w.expectText(t, "PONG d")
	// A close is answered with a close of the same status.
	w.sendFrame(t, wsClose, true, "\x03\xe8")
	b0, payload = w.readFrame(t)
	assert.Equal(t, byte(0x80|wsClose), b0, "a close")
	assert.Equal(t, "\x03\xe8", payload)
}

func TestWebSessionUnmaskedFrameEndsIt(t *testing.T) {
	h := startWebHub(t, nil, nil)
	w := dialRawWS(t, h.base, 4096)
	defer w.conn.Close()
	w.expectText(t, "HELLO natter/1 Test hub")
	w.readFrame(t) // CAPS
	w.conn.Write([]byte{0x81, 4, 'P', 'I', 'N', 'G'})
	b0, payload := w.readFrame(t)
	assert.Equal(t, byte(0x80|wsClose), b0, "a close")
	assert.Equal(t, "\x03\xea", payload, "status 1002, protocol error")
}

// TestWSConnFinishesCutFrame fills a socket with lines written without
// blocking until a frame is cut, then has the rest written by WriteLines:
// the peer reads every line whole, in order.
func TestWSConnFinishesCutFrame(t *testing.T) {
	if !directWriteSupported {
		t.Skip("no writes without blocking here")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer client.Close()
	nc, err := ln.Accept()
	require.NoError(t, err)
	defer nc.Close()
	rc, err := nc.(syscall.Conn).SyscallConn()
	require.NoError(t, err)
	c := &wsConn{Conn: nc, rc: rc}
	c.direct.init()

	var lines [][]byte
	for i := range 20_000 {
		lines = append(lines, fmt.Appendf(nil, "MSG %d %s\n", i, strings.Repeat("y", 100+i%300)))
	}
	written := 0 // lines written whole
	for written < len(lines) {
		n, err := c.writeDirect(lines[written:])
		require.NoError(t, err)
		for n > 0 {
			n -= len(lines[written])
			written++
		}
		require.Zero(t, n, "whole lines reported")
		if c.skip > 0 {
			break
		}
	}
	require.Positive(t, c.skip, "a frame was cut (the socket filled up)")
	require.Less(t, written, len(lines))

	done := make(chan error, 1)
	go func() {
		c.SetWriteDeadline(time.Now().Add(guard))
		_, err := c.WriteLines(lines[written:])
		done <- err
	}()
	w := &rawWS{conn: client, r: newBufReader(client)}
	buf := make([]byte, 2*proto.MaxHubLineLen)
	client.SetReadDeadline(time.Now().Add(guard))
	for i, want := range lines {
		got, err := w.readMessage(buf)
		require.NoError(t, err, "line %d", i)
		require.Equal(t, string(want[:len(want)-1]), string(got), "line %d", i)
	}
	require.NoError(t, <-done)
	assert.Zero(t, c.skip)
}

func newBufReader(c net.Conn) *bufio.Reader { return bufio.NewReaderSize(c, 64<<10) }

// cutConn gives its bytes at most k at a time, then io.EOF.
type cutConn struct {
	net.Conn
	data []byte
	k    int
}

func (c *cutConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.k)], c.data)
	c.data = c.data[n:]
	return n, nil
}

// clientFrame is a masked frame as a client sends it.
func clientFrame(op byte, fin bool, payload string) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	mask := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	var f []byte
	switch n := len(payload); {
	case n < 126:
		f = []byte{b0, 0x80 | byte(n)}
	default:
		f = []byte{b0, 0x80 | 126, byte(n >> 8), byte(n)}
	}
	f = append(f, mask[:]...)
	for i := range len(payload) {
		f = append(f, payload[i]^mask[i%4])
	}
	return f
}

// TestWSConnReadsFramesAnyHowCut reads a stream of frames (fragments,
// control frames between them, an empty message, a long one) through
// reads of every small size into buffers of every small size: the lines
// come out whole and in order whatever the cuts.
func TestWSConnReadsFramesAnyHowCut(t *testing.T) {
	long := strings.Repeat("z", 300)
	var stream []byte
	stream = append(stream, clientFrame(wsText, false, "PING a")...)
	stream = append(stream, clientFrame(wsPong, true, "x")...)
	stream = append(stream, clientFrame(wsContinuation, false, "b")...)
	stream = append(stream, clientFrame(wsContinuation, true, "c")...)
	stream = append(stream, clientFrame(wsText, true, "")...)
	stream = append(stream, clientFrame(wsText, true, "MSG "+long)...)
	stream = append(stream, clientFrame(wsPing, true, "")...)
	stream = append(stream, clientFrame(wsText, true, "Q")...)
	stream = append(stream, clientFrame(wsText, true, "QUIT")...)
	want := "PING abc\n\nMSG " + long + "\nQ\nQUIT\n"
	for k := 1; k <= 20; k++ {
		for _, size := range []int{1, 2, 3, 5, 7, 13, 128, 4096} {
			c := &wsConn{Conn: &cutConn{data: stream, k: k}}
			var got []byte
			buf := make([]byte, size)
			var err error
			for range 10_000 {
				var n int
				n, err = c.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					break
				}
			}
			require.ErrorIs(t, err, io.EOF, "reads of %d into %d", k, size)
			require.Equal(t, want, string(got), "reads of %d into %d", k, size)
		}
	}
}

func (c *cutConn) Close() error { return nil }

func TestWebSessionUpgradeChecked(t *testing.T) {
	h := startWebHub(t, nil, nil)
	good := http.Header{
		"Origin": {h.base}, "Upgrade": {"websocket"}, "Connection": {"keep-alive, Upgrade"},
		"Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="},
	}
	for _, tc := range []struct {
		name, header, value string
		status              int
	}{
		{"not an upgrade", "Upgrade", "", http.StatusUpgradeRequired},
		{"version 8", "Sec-Websocket-Version", "8", http.StatusUpgradeRequired},
		{"a short key", "Sec-Websocket-Key", "c2hvcnQ=", http.StatusBadRequest},
		{"no key", "Sec-Websocket-Key", "", http.StatusBadRequest},
	} {
		req, err := http.NewRequest("GET", h.base+"/natter", nil)
		require.NoError(t, err)
		req.Header = good.Clone()
		req.Header.Set(tc.header, tc.value)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err, tc.name)
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode, tc.name)
	}
	h.mu.Lock()
	n := len(h.sessions)
	h.mu.Unlock()
	assert.Zero(t, n, "sessions after refused upgrades")
}

// FuzzWSConnRead feeds any bytes, read in any cuts, to a session's
// WebSocket reader: it never panics, never gives more bytes than it was
// sent (each line's LF takes the place of at least a frame header), and
// stops with an error once the bytes run out.
func FuzzWSConnRead(f *testing.F) {
	f.Add(clientFrame(wsText, true, "MSG hi"), uint8(3))
	f.Add(append(clientFrame(wsText, false, "PI"), clientFrame(wsContinuation, true, "NG")...), uint8(1))
	f.Add(append(clientFrame(wsPing, true, "p"), clientFrame(wsClose, true, "\x03\xe8")...), uint8(7))
	f.Add(clientFrame(wsBinary, true, "\x00\x01"), uint8(2))
	f.Add([]byte{0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4}, uint8(14))
	f.Add([]byte{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'}, uint8(5)) // unmasked
	f.Fuzz(func(t *testing.T, stream []byte, cut uint8) {
		c := &wsConn{Conn: &cutConn{data: stream, k: int(cut%32) + 1}}
		buf := make([]byte, 64)
		out := 0
		var err error
		for range len(stream) + 2 {
			var n int
			n, err = c.Read(buf)
			out += n
			if err != nil {
				break
			}
		}
		if err == nil {
			t.Fatalf("%d bytes read on and on without an end", len(stream))
		}
		if out > len(stream) {
			t.Fatalf("%d bytes out of %d in", out, len(stream))
		}
	})
}
