package server

import (
	"crypto/tls"
	"encoding/binary"
	"net"
	"sync/atomic"
	"syscall"
)

// tlsRecordHeaderLen is the length of a TLS record's header: type (1),
// version (2), length of the body (2).
const tlsRecordHeaderLen = 5

// recordConn is the TCP connection beneath a hub's TLS session. Its reads
// stop at the end of each TLS record, so that crypto/tls never holds more
// input than the record it is working on: once tls.Conn.Read has returned
// less than it was asked for, TLS holds no input at all, and the session
// can wait for the next record in the runtime's poller (waitReadable), as
// a plaintext session does, rather than inside tls.Conn.Read. The wait is
// what an idle client costs: inside tls.Conn.Read the reader's stack stays
// at several kilobytes, in the poller it shrinks to that of a plaintext
// session.
//
// Only the framing is read here (the length in each header); TLS checks
// and decrypts every byte as before. TLS reads the connection under its
// own input lock, which guards the framing state too. A client sends at most 20 lines a
// second, so the extra read per record costs nothing that matters.
type recordConn struct {
	net.Conn
	rc       syscall.RawConn
	readable func(fd uintptr) bool // readableFn, made once

	hdr  [tlsRecordHeaderLen]byte
	have int // bytes of hdr read so far
	left int // bytes of the current record's body not yet read
}

// newRecordConn returns raw wrapped as a recordConn, or nil when raw
// cannot wait for input without reading (another platform, or not a
// socket).
func newRecordConn(raw net.Conn) *recordConn {
	if !rawReadSupported {
		return nil
	}
	sc, ok := raw.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return &recordConn{Conn: raw, rc: rc, readable: readableFn()}
}

// Read reads at most to the end of the current record: a record's header
// first, then its body.
func (c *recordConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.left == 0 {
		n, err := c.Conn.Read(p[:min(len(p), tlsRecordHeaderLen-c.have)])
		copy(c.hdr[c.have:], p[:n])
		if c.have += n; c.have == tlsRecordHeaderLen {
			c.have, c.left = 0, int(binary.BigEndian.Uint16(c.hdr[3:]))
		}
		return n, err
	}
	n, err := c.Conn.Read(p[:min(len(p), c.left)])
	c.left -= n
	return n, err
}

// waitReadable returns once the socket has input, is closed or fails, or
// its read deadline passes, reading nothing.
func (c *recordConn) waitReadable() error { return c.rc.Read(c.readable) }

// tlsConnSession is a hub's TLS session over a recordConn: what a session
// reads and writes, and the lineReader's Wait.
type tlsConnSession struct {
	*tls.Conn
	rec *recordConn
	// more is set when the last Read filled its buffer: TLS may hold
	// the rest of the record's plaintext, which Read returns at once.
	// Atomic: a closing session drains its input from another goroutine
	// (lingeringClose).
	more atomic.Bool
}

func (s *tlsConnSession) Read(p []byte) (int, error) {
	n, err := s.Conn.Read(p)
	s.more.Store(n == len(p))
	return n, err
}

// Wait blocks until Read has input to return: at once when TLS may hold
// some, otherwise once the socket has some.
func (s *tlsConnSession) Wait() error {
	if s.more.Load() {
		return nil
	}
	return s.rec.waitReadable()
}

// connectionStater is a TLS connection: *tls.Conn, or a tlsConnSession.
type connectionStater interface {
	ConnectionState() tls.ConnectionState
}
