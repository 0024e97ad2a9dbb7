package server

import (
	"net"
	"sync"
	"time"
)

// Queue states.
const (
	queueOpen    = iota
	queueClosing // take no more lines; send what is queued, then close
	queueAborted // drop what is queued and close now
)

// outQueue holds the lines waiting to be written to one client. Lines are
// shared, immutable slices: a broadcast line is encoded once and queued for
// every client. The queue is bounded in bytes; a push that would exceed the
// bound fails, and the caller drops the client, so that a client that does
// not read never delays anyone else.
type outQueue struct {
	mu      sync.Mutex
	pending [][]byte
	bytes   int // queued or being written
	limit   int
	state   int
	wake    chan struct{} // capacity 1: the writer has something to do
}

func newOutQueue(limit int) *outQueue {
	return &outQueue{limit: limit, wake: make(chan struct{}, 1)}
}

func (q *outQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// push queues line. It returns false when the line would take the queue
// over its limit; nothing is queued then. Lines pushed after the queue was
// closed are silently dropped.
func (q *outQueue) push(line []byte) bool {
	q.mu.Lock()
	if q.state != queueOpen {
		q.mu.Unlock()
		return true
	}
	if q.bytes+len(line) > q.limit {
		q.mu.Unlock()
		return false
	}
	q.pending = append(q.pending, line)
	q.bytes += len(line)
	first := len(q.pending) == 1
	q.mu.Unlock()
	if first {
		q.signal()
	}
	return true
}

// close queues a last line (if not nil, regardless of the limit) and lets
// the writer send everything queued and close the connection.
func (q *outQueue) close(last []byte) {
	q.mu.Lock()
	if q.state == queueOpen {
		if last != nil {
			q.pending = append(q.pending, last)
			q.bytes += len(last)
		}
		q.state = queueClosing
	}
	q.mu.Unlock()
	q.signal()
}

// abort drops everything queued; the writer closes the connection.
func (q *outQueue) abort() {
	q.mu.Lock()
	q.state = queueAborted
	clear(q.pending)
	q.pending = nil
	q.mu.Unlock()
	q.signal()
}

// maxBatchLines bounds one writev; the kernel takes at most 1024 vectors.
const maxBatchLines = 1024

// writeLoop writes queued lines to conn in batches until the queue is
// closed or aborted or a write fails; it always closes conn.
func (q *outQueue) writeLoop(conn net.Conn, flushTimeout time.Duration) {
	var spare [][]byte
	var closeBy time.Time // when closing: the time by which everything must be sent
	for {
		q.mu.Lock()
		state := q.state
		// batch and spare never share an array with q.pending, which
		// pushers append to while the batch is written.
		var batch [][]byte
		switch {
		case state == queueAborted, len(q.pending) == 0:
		case len(q.pending) <= maxBatchLines:
			batch = q.pending
			q.pending = spare[:0]
		default:
			batch = append(spare[:0], q.pending[:maxBatchLines]...)
			q.pending = q.pending[maxBatchLines:]
		}
		q.mu.Unlock()

		if state == queueAborted {
			conn.Close()
			return
		}
		if state == queueClosing && closeBy.IsZero() {
			closeBy = time.Now().Add(flushTimeout)
			conn.SetWriteDeadline(closeBy)
		}
		if len(batch) == 0 {
			if state == queueClosing {
				lingeringClose(conn, closeBy)
				return
			}
			<-q.wake
			continue
		}
		n := 0
		for _, b := range batch {
			n += len(b)
		}
		bufs := net.Buffers(batch)
		_, err := bufs.WriteTo(conn)
		clear(batch)
		if cap(batch) <= 64 {
			spare = batch[:0] // small enough to keep for the next batch
		} else {
			spare = nil
		}
		q.mu.Lock()
		q.bytes -= n
		q.mu.Unlock()
		if err != nil {
			// The reader notices the closed connection and ends the session.
			q.abort()
			conn.Close()
			return
		}
	}
}

// lingeringClose half-closes conn and reads until the client closes or the
// deadline passes, so that a client that is still sending does not get a
// reset that would destroy the last lines before it reads them.
func lingeringClose(conn net.Conn, deadline time.Time) {
	defer conn.Close()
	cw, ok := conn.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	conn.SetReadDeadline(deadline)
	var buf [512]byte
	for range 1 << 16 { // bounded by the deadline in practice
		if _, err := conn.Read(buf[:]); err != nil {
			return
		}
	}
}
