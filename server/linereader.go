package server

import (
	"bytes"
	"io"
	"net"
	"sync"
	"syscall"

	"github.com/natter-chat/natter/core/proto"
)

// minReadBuffer is the smallest pooled read buffer: it holds a line of the
// longest length a client may send, and several ordinary lines, so that a
// client sending a burst has many lines handled per read.
const minReadBuffer = 2 * proto.MaxLineLen

// firstReadSize is the size of lineReader.first: a short line or two.
const firstReadSize = 128

// readBufferPool lends read buffers to clients while they send. A client
// waiting for input holds none, so idle clients cost no buffer memory.
type readBufferPool struct {
	size int
	pool sync.Pool
}

func newReadBufferPool(size int) *readBufferPool {
	p := &readBufferPool{size: max(size, minReadBuffer)}
	p.pool.New = func() any {
		b := make([]byte, p.size)
		return &b
	}
	return p
}

func (p *readBufferPool) get() *[]byte  { return p.pool.Get().(*[]byte) }
func (p *readBufferPool) put(b *[]byte) { p.pool.Put(b) }

// lineReader reads a client's lines, as proto.Reader does, into a buffer
// borrowed from a pool only while there is input to handle: when it waits
// for input with no partial line, it holds no buffer.
type lineReader struct {
	conn net.Conn
	raw  syscall.RawConn // nil: read through conn (TLS), into first while waiting
	// first takes the first bytes of input through conn when no buffer is
	// borrowed, so that a client waiting for input holds this small slice
	// rather than a pooled buffer: a TLS connection keeps the rest of the
	// record it decrypted, which the next read takes into the buffer.
	first []byte
	pool  *readBufferPool
	max   int // longest line, terminator included

	buf        *[]byte // nil when idle
	start, end int     // unread input is (*buf)[start:end]
	discard    bool    // the current line is over the limit and being skipped
	// held keeps the start of a line while the client is quiet in the
	// middle of it and the buffer is back in the pool; nil otherwise.
	held []byte

	// The result of a raw read, set by readFD.
	readFn func(fd uintptr) bool // r.readFD, made once so that a read allocates nothing
	n      int
	err    error
}

func newLineReader(conn net.Conn, pool *readBufferPool, max int) *lineReader {
	r := &lineReader{conn: conn, pool: pool, max: max}
	if sc, ok := conn.(syscall.Conn); ok && rawReadSupported {
		if rc, err := sc.SyscallConn(); err == nil {
			r.raw = rc
			r.readFn = r.readFD
		}
	}
	if r.raw == nil {
		r.first = make([]byte, firstReadSize)
	}
	return r
}

// ReadLine returns the next line without its LF and without a CR just
// before the LF; the slice is valid until the next call. Errors are those
// of proto.Reader.ReadLine: proto.ErrLineTooLong for a line over the limit
// (discarded), io.ErrUnexpectedEOF for input ending inside a line, io.EOF,
// or the connection's error. ReadLine may be called again after a timeout.
func (r *lineReader) ReadLine() ([]byte, error) {
	for {
		if r.buf != nil {
			data := (*r.buf)[r.start:r.end]
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				r.start += i + 1
				if r.discard || i+1 > r.max {
					r.discard = false
					return nil, proto.ErrLineTooLong
				}
				line := data[:i]
				if n := len(line); n > 0 && line[n-1] == '\r' {
					line = line[:n-1]
				}
				return line, nil
			}
			switch {
			case r.discard:
				r.start, r.end = 0, 0
			case len(data) >= r.max:
				// Over the limit once the LF comes: skip the rest.
				r.discard = true
				r.start, r.end = 0, 0
			case r.start > 0:
				copy(*r.buf, data)
				r.start, r.end = 0, len(data)
			}
		}
		if err := r.fill(); err != nil {
			if err == io.EOF && (r.end > r.start || r.discard) {
				r.start, r.end, r.discard = 0, 0, false
				err = io.ErrUnexpectedEOF
			}
			r.release()
			return nil, err
		}
	}
}

// hasLine reports whether a whole line is buffered, so that ReadLine
// returns without reading from the connection.
func (r *lineReader) hasLine() bool {
	return r.buf != nil && bytes.IndexByte((*r.buf)[r.start:r.end], '\n') >= 0
}

// fill reads more input after (*r.buf)[r.end:], which has room.
func (r *lineReader) fill() error {
	if r.raw == nil {
		// A connection that can wait for input without a buffer (a
		// WebSocket session) gives the buffer back while it waits,
		// unless it holds the start of a line; any other waits holding
		// only r.first.
		if w, ok := r.conn.(interface{ Wait() error }); ok {
			r.release()
			if r.buf == nil {
				if err := w.Wait(); err != nil {
					return err
				}
			}
		} else {
			r.release()
		}
		if r.buf == nil {
			n, err := r.conn.Read(r.first)
			if n == 0 {
				if err == nil {
					err = io.ErrNoProgress
				}
				return err
			}
			r.buf = r.pool.get()
			r.start, r.end = 0, copy(*r.buf, r.first[:n])
			return nil
		}
		n, err := r.conn.Read((*r.buf)[r.end:])
		r.end += n
		if n > 0 {
			return nil
		}
		if err == nil {
			err = io.ErrNoProgress
		}
		return err
	}
	r.n, r.err = 0, nil
	if err := r.raw.Read(r.readFn); err != nil {
		return err
	}
	if r.err != nil {
		return r.err
	}
	r.end += r.n
	if r.n == 0 {
		return io.EOF
	}
	return nil
}

// park returns the buffer to the pool while the client is quiet, keeping
// a partial line in a buffer of its own size: a client that stops in the
// middle of a line holds about that line, not a whole read buffer.
func (r *lineReader) park() {
	if r.buf == nil {
		return
	}
	switch n := r.end - r.start; {
	case n == 0:
		r.held = nil
	case cap(r.held) >= n && cap(r.held) <= 2*n+64:
		// Most likely the same line, parked again: reuse its copy.
		r.held = append(r.held[:0], (*r.buf)[r.start:r.end]...)
	default:
		r.held = append(make([]byte, 0, n), (*r.buf)[r.start:r.end]...)
	}
	r.pool.put(r.buf)
	r.buf = nil
	r.start, r.end = 0, 0
}

// unpark borrows a buffer for reading, with the partial line kept by park
// at its start.
func (r *lineReader) unpark() {
	r.buf = r.pool.get()
	r.start, r.end = 0, copy(*r.buf, r.held)
	r.held = r.held[:0]
}

// release returns the buffer when no input is pending.
func (r *lineReader) release() {
	if r.buf != nil && r.start == r.end {
		r.pool.put(r.buf)
		r.buf = nil
		r.start, r.end = 0, 0
	}
}
