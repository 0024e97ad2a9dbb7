package server

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The hub speaks WebSocket (RFC 6455) itself rather than through a
// general library: a session then costs what a TCP session costs. The
// session reads through a wsConn as from a socket (no goroutine or buffer
// of its own besides a few header bytes), and its out queue writes frames
// straight from the queued lines, many to one system call.

// wsGUID is the key suffix of RFC 6455 section 1.3.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// WebSocket opcodes.
const (
	wsContinuation = 0x0
	wsText         = 0x1
	wsBinary       = 0x2
	wsClose        = 0x8
	wsPing         = 0x9
	wsPong         = 0xA
)

// errWSBinary is why a session ends when its client sends a binary
// message: natter/1 lines are text.
var errWSBinary = errors.New("natter hub: a binary WebSocket message; natter/1 lines are text messages")

// wsAccept answers a WebSocket upgrade request with 101 and hands over
// its connection, or answers with an error status and returns an error.
func wsAccept(rw http.ResponseWriter, r *http.Request) (*wsConn, error) {
	if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") {
		http.Error(rw, "this address takes only WebSocket upgrades", http.StatusUpgradeRequired)
		return nil, errors.New("the request is not a WebSocket upgrade")
	}
	if v := r.Header.Get("Sec-WebSocket-Version"); v != "13" {
		rw.Header().Set("Sec-WebSocket-Version", "13")
		http.Error(rw, "WebSocket version 13 only", http.StatusUpgradeRequired)
		return nil, fmt.Errorf("the WebSocket version %q is not 13", v)
	}
	key := r.Header.Get("Sec-WebSocket-Key")
	if k, err := base64.StdEncoding.DecodeString(key); err != nil || len(k) != 16 {
		http.Error(rw, "a bad Sec-WebSocket-Key", http.StatusBadRequest)
		return nil, fmt.Errorf("the Sec-WebSocket-Key %q is not 16 bytes in base64", key)
	}
	nc, brw, err := http.NewResponseController(rw).Hijack()
	if err != nil {
		http.Error(rw, "the connection cannot be taken over", http.StatusInternalServerError)
		return nil, fmt.Errorf("taking over the HTTP connection: %w", err)
	}
	sum := sha1.Sum([]byte(key + wsGUID))
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n"
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(nc, resp); err != nil {
		nc.Close()
		return nil, fmt.Errorf("answering the WebSocket upgrade: %w", err)
	}
	nc.SetDeadline(time.Time{})
	c := &wsConn{Conn: nc}
	if n := brw.Reader.Buffered(); n > 0 {
		ahead, _ := brw.Reader.Peek(n)
		c.ahead = append([]byte(nil), ahead...)
	}
	if sc, ok := nc.(syscall.Conn); ok && directWriteSupported {
		if rc, err := sc.SyscallConn(); err == nil {
			c.rc = rc
			c.direct.init()
			c.readable = readableFn()
		}
	}
	return c, nil
}

// headerHasToken reports whether a comma-separated header has token, in
// any case.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// wsConn is a natter/1 session over a WebSocket, read and written as a
// byte stream of lines: a text message read comes out followed by an LF,
// and each line written goes out as one text message without its LF.
// Deadlines are those of the connection underneath.
type wsConn struct {
	net.Conn
	rc       syscall.RawConn // for writes that must not block, and Wait; nil if not available
	direct   directWrite
	readable func(fd uintptr) bool // for rc.Read in Wait; nil: Wait returns at once

	// Read side: one Read or Wait at a time (the session's reader, and
	// at the end a lingering close), under rmu.
	rmu     sync.Mutex
	ahead   []byte   // bytes the HTTP server read past the upgrade request
	hdr     [14]byte // the frame header being read
	hdrN    int      // bytes of hdr read
	left    int64    // payload bytes of the current frame still to read
	mask    [4]byte
	maskPos int
	fin     bool   // the current frame ends its message
	inText  bool   // a text message is under way, more frames to come
	lfDue   bool   // a message ended; its LF is still to be read
	ctl     []byte // the payload of a control frame being read
	ctlOp   byte
	ctlN    int
	rerr    error // what every later Read returns

	// Write side.
	wmu       sync.Mutex
	skip      int  // bytes of the frame of the next line already written
	closeSent bool // a close frame went out: nothing more may
	partial   []byte
}

// readIn reads from what the HTTP server read ahead, then the connection.
func (c *wsConn) readIn(p []byte) (int, error) {
	if len(c.ahead) > 0 {
		n := copy(p, c.ahead)
		c.ahead = c.ahead[n:]
		if len(c.ahead) == 0 {
			c.ahead = nil
		}
		return n, nil
	}
	return c.Conn.Read(p)
}

// fail ends the read side with err, telling the peer why with a close
// frame of status code where it can.
func (c *wsConn) fail(code uint16, err error) error {
	c.rerr = err
	if code != 0 {
		c.sendControl(wsClose, binary.BigEndian.AppendUint16(nil, code))
	}
	c.Conn.Close()
	return err
}

// Wait blocks until the socket has input for Read, or Read has something
// to return at once; a session's line reader waits so, holding no buffer.
func (c *wsConn) Wait() error {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.rerr != nil || c.lfDue || len(c.ahead) > 0 || c.rc == nil || c.readable == nil {
		return nil
	}
	return c.rc.Read(c.readable)
}

// Read reads the bytes of the lines received: each text message, then an
// LF. It reads what the socket has into p and takes the frames apart
// there, so that a burst of lines costs one read, as on TCP; control
// frames are handled on the way.
func (c *wsConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for range 1 << 16 { // bounded: each round reads from the socket
		if c.rerr != nil {
			return 0, c.rerr
		}
		if c.lfDue {
			c.lfDue = false
			p[0] = '\n'
			return 1, nil
		}
		if c.ctl != nil {
			if err := c.readControl(); err != nil {
				return 0, err
			}
			continue
		}
		// The rest of a frame whose header came in an earlier read is
		// read one byte on, so that its LF finds room before the bytes
		// after it.
		at := 0
		if c.left > 0 && c.hdrN == 0 && len(p) > 1 {
			at = 1
		}
		n, err := c.readIn(p[at:])
		if n == 0 {
			if err == nil {
				err = io.ErrNoProgress
			}
			if errors.Is(err, io.EOF) {
				c.rerr = io.EOF
			}
			return 0, err
		}
		out, ferr := c.decode(p, at, at+n)
		if ferr != nil && out == 0 {
			return 0, ferr
		}
		if out > 0 {
			return out, nil
		}
	}
	return 0, io.ErrNoProgress
}

// decode takes apart the frames in p[i:n], in place: the payloads of text
// frames, unmasked, each message followed by an LF, end up at the start
// of p, and their count is returned. A header cut at the end of p waits
// in c.hdr; bytes that cannot be decoded in place wait in c.ahead.
func (c *wsConn) decode(p []byte, i, n int) (int, error) {
	w := 0 // the write position; w <= i, the read position
	for i < n {
		if c.ctl != nil { // a control frame's payload
			k := copy(c.ctl[c.ctlN:], p[i:n])
			c.ctlN += k
			i += k
			if c.ctlN < len(c.ctl) {
				return w, nil
			}
			if err := c.readControl(); err != nil {
				return w, err
			}
			continue
		}
		if c.left > 0 {
			k := int(min(c.left, int64(n-i)))
			for j := range k {
				p[w+j] = p[i+j] ^ c.mask[c.maskPos&3]
				c.maskPos++
			}
			w += k
			i += k
			c.left -= int64(k)
			if c.left == 0 && c.fin {
				switch {
				case w < i || (i == n && w < len(p)):
					p[w] = '\n'
					w++
				default:
					// No room before the unread bytes: they wait.
					c.lfDue = true
					c.ahead = append(append([]byte(nil), p[i:n]...), c.ahead...)
					return w, nil
				}
			}
			continue
		}
		// A header, perhaps begun in an earlier read.
		need := c.headerLen()
		for c.hdrN < need && i < n {
			c.hdr[c.hdrN] = p[i]
			c.hdrN++
			i++
			need = c.headerLen()
		}
		if c.hdrN < need {
			return w, nil
		}
		c.hdrN = 0
		if err := c.startFrame(); err != nil {
			return w, err
		}
		if c.lfDue { // an empty message
			if w < i {
				c.lfDue = false
				p[w] = '\n'
				w++
			} else {
				c.ahead = append(append([]byte(nil), p[i:n]...), c.ahead...)
				return w, nil
			}
		}
	}
	return w, nil
}

// headerLen is the length of the header being read, as far as its bytes
// read so far tell.
func (c *wsConn) headerLen() int {
	if c.hdrN < 2 {
		return 2
	}
	switch c.hdr[1] & 0x7f {
	case 126:
		return 2 + 2 + 4
	case 127:
		return 2 + 8 + 4
	}
	return 2 + 4
}

// startFrame acts on the frame header in c.hdr.
func (c *wsConn) startFrame() error {
	b0, b1 := c.hdr[0], c.hdr[1]
	op, fin := b0&0x0f, b0&0x80 != 0
	if b0&0x70 != 0 {
		return c.fail(1002, errors.New("natter hub: a WebSocket frame with reserved bits set"))
	}
	if b1&0x80 == 0 {
		return c.fail(1002, errors.New("natter hub: an unmasked WebSocket frame from a client"))
	}
	length := int64(b1 & 0x7f)
	at := 2
	switch length {
	case 126:
		length = int64(binary.BigEndian.Uint16(c.hdr[2:]))
		at = 4
	case 127:
		u := binary.BigEndian.Uint64(c.hdr[2:])
		if u > 1<<62 {
			return c.fail(1009, fmt.Errorf("natter hub: a WebSocket frame of %d bytes", u))
		}
		length = int64(u)
		at = 10
	}
	copy(c.mask[:], c.hdr[at:at+4])
	c.maskPos = 0
	switch op {
	case wsText, wsContinuation:
		if op == wsText && c.inText {
			return c.fail(1002, errors.New("natter hub: a WebSocket text message began inside another"))
		}
		if op == wsContinuation && !c.inText {
			return c.fail(1002, errors.New("natter hub: a WebSocket continuation frame outside a message"))
		}
		c.inText, c.fin, c.left = !fin, fin, length
		if length == 0 && fin {
			c.lfDue = true
		}
	case wsBinary:
		return c.fail(1003, errWSBinary)
	case wsClose, wsPing, wsPong:
		if !fin || length > 125 {
			return c.fail(1002, errors.New("natter hub: a WebSocket control frame fragmented or over 125 bytes"))
		}
		c.ctl, c.ctlOp, c.ctlN = make([]byte, length), op, 0
	default:
		return c.fail(1002, fmt.Errorf("natter hub: a WebSocket frame of unknown opcode %#x", op))
	}
	return nil
}

// readControl reads the payload of a control frame and acts on it.
func (c *wsConn) readControl() error {
	for c.ctlN < len(c.ctl) {
		n, err := c.readIn(c.ctl[c.ctlN:])
		c.ctlN += n
		if c.ctlN == len(c.ctl) {
			break
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return c.fail(0, io.EOF)
			}
			return err
		}
	}
	payload := c.ctl
	for i := range payload {
		payload[i] ^= c.mask[i&3]
	}
	c.ctl = nil
	switch c.ctlOp {
	case wsPing:
		c.sendControl(wsPong, payload)
	case wsClose:
		status := payload
		if len(status) > 2 {
			status = status[:2]
		}
		c.sendControl(wsClose, status)
		c.rerr = io.EOF
		return io.EOF
	}
	return nil
}

// sendControl sends a control frame if it can without waiting and without
// cutting a frame in two: a pong a client asked for while the socket is
// full is left out, as a pong may be.
func (c *wsConn) sendControl(op byte, payload []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.skip != 0 || c.closeSent || c.rc == nil {
		return
	}
	frame := append([]byte{0x80 | op, byte(len(payload))}, payload...)
	n, err := c.direct.write(c.rc, [][]byte{frame})
	switch {
	case err == nil && n == len(frame):
		if op == wsClose {
			c.closeSent = true
		}
	case n > 0:
		c.closeSent = true // the stream is cut: nothing can follow
		c.Conn.Close()
	}
}

// appendHeader appends the header of an unmasked final text frame of n
// payload bytes.
func appendHeader(b []byte, n int) []byte {
	switch {
	case n < 126:
		return append(b, 0x80|wsText, byte(n))
	case n < 1<<16:
		return append(b, 0x80|wsText, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|wsText, 127)
		return binary.BigEndian.AppendUint64(b, uint64(n))
	}
}

// payloadOf is a line without its LF.
func payloadOf(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		return line[:n-1]
	}
	return line
}

// wireBufPool lends WriteLines the frames it writes at once.
var wireBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// WriteLines writes lines (each ending in an LF) as text messages, in one
// write to the network, waiting as long as the write deadline lets it. The
// first line's frame may have been begun by writeDirect.
func (c *wsConn) WriteLines(lines [][]byte) (int64, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return 0, net.ErrClosed
	}
	bp := wireBufPool.Get().(*[]byte)
	defer wireBufPool.Put(bp)
	var total int64
	for len(lines) > 0 {
		buf := (*bp)[:0]
		k := 0
		for k < len(lines) && (k == 0 || len(buf)+len(lines[k])+10 <= cap(buf)) {
			buf = appendHeader(buf, len(payloadOf(lines[k])))
			buf = append(buf, payloadOf(lines[k])...)
			k++
		}
		*bp = buf[:0]
		if _, err := c.Conn.Write(buf[c.skip:]); err != nil {
			// A frame may be cut: nothing can follow it.
			c.closeSent = true
			c.Conn.Close()
			return total, err
		}
		c.skip = 0
		for _, l := range lines[:k] {
			total += int64(len(l))
		}
		lines = lines[k:]
	}
	return total, nil
}

// Write writes every complete line of p as one text message; bytes after
// the last LF wait for the rest of their line.
func (c *wsConn) Write(p []byte) (int, error) {
	var lines [][]byte
	rest := p
	for range len(p) {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		line := rest[:i+1]
		if len(c.partial) > 0 && len(lines) == 0 {
			line = append(c.partial, line...)
			c.partial = nil
		}
		lines = append(lines, line)
		rest = rest[i+1:]
	}
	if len(lines) > 0 {
		if _, err := c.WriteLines(lines); err != nil {
			return 0, err
		}
	}
	c.partial = append(c.partial, rest...)
	return len(p), nil
}

// wsDirectLines bounds the lines of one writev from writeDirect: two
// pieces each, within a directWrite's iovecs.
const wsDirectLines = 64

// wsPieces is what writeDirect hands writev: a header and a payload a line.
type wsPieces struct {
	hdrs   [wsDirectLines][10]byte
	pieces [2 * wsDirectLines][]byte
}

var wsPiecesPool = sync.Pool{New: func() any { return new(wsPieces) }}

// writeDirect writes lines as text messages without waiting, as far as the
// socket takes them, and returns the bytes of the lines written whole. A
// frame cut by a full socket is finished by the next write, which must
// begin with the same line.
func (c *wsConn) writeDirect(lines [][]byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return 0, net.ErrClosed
	}
	ps := wsPiecesPool.Get().(*wsPieces)
	defer wsPiecesPool.Put(ps)
	done := 0
	for len(lines) > 0 {
		k := min(len(lines), wsDirectLines)
		pieces := ps.pieces[:0]
		skip := c.skip
		for i, l := range lines[:k] {
			pl := payloadOf(l)
			h := appendHeader(ps.hdrs[i][:0], len(pl))
			if skip >= len(h) {
				skip -= len(h)
			} else {
				pieces = append(pieces, h[skip:])
				skip = 0
			}
			if len(pl) > skip {
				pieces = append(pieces, pl[skip:])
			}
			skip = 0
		}
		n, err := c.direct.write(c.rc, pieces)
		clear(pieces)
		if err != nil {
			c.closeSent = true
			return done, err
		}
		// Which lines went whole, and how far into the next one.
		i := 0
		for ; i < k; i++ {
			w := wireLen(lines[i]) - c.skip
			if n < w {
				c.skip += n
				break
			}
			n -= w
			c.skip = 0
			done += len(lines[i])
		}
		if i < k {
			return done, nil // the socket is full
		}
		lines = lines[k:]
	}
	return done, nil
}

// wireLen is the length of the frame carrying line.
func wireLen(line []byte) int {
	n := len(payloadOf(line))
	switch {
	case n < 126:
		return 2 + n
	case n < 1<<16:
		return 4 + n
	}
	return 10 + n
}

// CloseWrite sends a close frame (normal closure) and shuts down the
// sending side, as a TCP session's lingering close does.
func (c *wsConn) CloseWrite() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return net.ErrClosed
	}
	c.closeSent = true
	if c.skip == 0 {
		if _, err := c.Conn.Write([]byte{0x80 | wsClose, 2, 0x03, 0xe8}); err != nil {
			return err
		}
	}
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.New("natter hub: the connection cannot be half-closed")
}
