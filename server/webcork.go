package server

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
)

// corkingWriter is the ResponseWriter of a WebSocket upgrade: the
// connection it hands over when hijacked is a corkConn, so that the
// session can gather the frames of many lines into one write.
type corkingWriter struct {
	http.ResponseWriter
	conn *corkConn // set by Hijack
}

func (w *corkingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("natter hub: the HTTP connection cannot be taken over")
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = &corkConn{Conn: nc}
	return w.conn, bufio.NewReadWriter(brw.Reader, bufio.NewWriter(w.conn)), nil
}

// corkConn is a network connection whose writes can be held back and
// made at once (a wsline.Batcher).
type corkConn struct {
	net.Conn
	mu     sync.Mutex
	corked bool
	held   []byte
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked {
		c.held = append(c.held, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *corkConn) Cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

func (c *corkConn) Uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	if len(c.held) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.held)
	c.held = nil // an idle session keeps no buffer
	return err
}

// lineWriter is a connection that writes a batch of lines better than
// one Write each (a WebSocket session: see wsline.Conn.WriteLines).
type lineWriter interface {
	WriteLines(lines [][]byte) (int64, error)
}

// writeLines writes lines to conn, as one batch where conn can.
func writeLines(conn net.Conn, lines [][]byte) (int64, error) {
	if lw, ok := conn.(lineWriter); ok {
		return lw.WriteLines(lines)
	}
	bufs := net.Buffers(lines)
	return bufs.WriteTo(conn)
}
