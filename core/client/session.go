package client

import (
	"bufio"
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// request is one line the client sends. Requests that the hub answers are
// kept in a FIFO per keyword until their answer arrives, so that a grant or
// an ERR is matched to the request it answers.
type request struct {
	keyword string // upper-case keyword; the FIFO it waits in
	line    string // the line, LF included
	// What the request was for, so that an answer can be acted on.
	to, text string     // MSG and PRIV
	tries    int        // MSG and PRIV: times refused with slow-down
	order    uint64     // MSG and PRIV: order typed
	nick     string     // NICK
	xfer     TransferID // GET and PUT
	// written is set as the writer hands the line to the connection
	// (before, not after: a line that may have gone out is never sent
	// twice).
	written atomic.Bool
}

// outQueue is the lines waiting for the writer goroutine, in order.
type outQueue struct {
	mu      sync.Mutex
	lines   []*request
	notify  chan struct{} // capacity 1
	final   *request      // QUIT: written after the queue drains, then the connection closes
	closing bool
}

func newOutQueue() *outQueue { return &outQueue{notify: make(chan struct{}, 1)} }

func (q *outQueue) push(r *request) {
	q.mu.Lock()
	q.lines = append(q.lines, r)
	q.mu.Unlock()
	q.poke()
}

func (q *outQueue) poke() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// finish asks the writer to write what is queued, then final (if not
// nil), then close the connection.
func (q *outQueue) finish(final *request) {
	q.mu.Lock()
	q.final = final
	q.closing = true
	q.mu.Unlock()
	q.poke()
}

// take removes up to max queued lines. closing reports that finish was
// called and the queue is empty.
func (q *outQueue) take(buf []*request, max int) (out []*request, closing bool, final *request) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.lines), max)
	out = append(buf[:0], q.lines[:n]...)
	clear(q.lines[:n])
	q.lines = q.lines[n:]
	if len(q.lines) == 0 {
		q.lines = nil
	}
	if n == 0 && q.closing {
		final, q.final = q.final, nil
		return out, true, final
	}
	return out, false, nil
}

// session is one TCP connection to the hub. The loop owns it; the reader
// and writer goroutines only use conn, out and stop.
type session struct {
	gen  uint64
	conn net.Conn
	out  *outQueue
	// ctx ends when the loop is done with the session.
	ctx    context.Context
	cancel context.CancelFunc
	// writerDone is closed when the writer goroutine has ended.
	writerDone chan struct{}
	// lim paces the writer; the loop slows it down when the hub says
	// slow-down (a rate.Limiter is safe for concurrent use).
	lim *rate.Limiter

	// Loop-owned.
	connected  time.Time
	lastRead   time.Time
	pingSent   time.Time // zero when no PING is outstanding
	pingToken  string
	hello      bool
	registered bool
	refusal    *HubError // the hub refused us before registration
}

// close ends the session's goroutines and the connection at once.
func (s *session) close() {
	s.cancel()
	s.conn.Close()
}

// inboundKind tells what an inbound value carries.
type inboundKind int

const (
	inDialed  inboundKind = iota // conn or err from a connect attempt
	inLine                       // a parsed line from the hub
	inBadLine                    // a line that could not be parsed (err)
	inError                      // the reader or writer failed (err); the session is over
)

// inbound is what the dialer, reader and writer goroutines tell the loop.
type inbound struct {
	gen  uint64
	kind inboundKind
	conn net.Conn
	line hubLine
	raw  string
	err  error
}

// dial connects to the hub and hands the result to the loop.
func (l *loop) dial(gen uint64) {
	defer l.c.wg.Done()
	d := net.Dialer{Timeout: l.cfg.DialTimeout, KeepAlive: 15 * time.Second}
	conn, err := d.DialContext(l.ctx, "tcp", l.cfg.Addr)
	// Unbuffered: the connection is either taken by the loop or closed
	// here, never left behind in a channel when the loop ends.
	select {
	case l.dialed <- inbound{gen: gen, kind: inDialed, conn: conn, err: err}:
	case <-l.ctx.Done():
		if conn != nil {
			conn.Close()
		}
	}
}

// read parses lines from the hub and hands them to the loop. It never
// waits for the UI: the loop drains l.in without blocking on anyone.
func (l *loop) read(s *session) {
	defer l.c.wg.Done()
	r := newLineReader(s.conn)
	for {
		raw, err := r.readLine()
		var m inbound
		switch {
		case errors.Is(err, errLineTooLong):
			l.log.Warn("hub sent a line over the limit; skipped", "err", err)
			continue
		case err != nil:
			m = inbound{gen: s.gen, kind: inError, err: err}
		default:
			line, perr := parseHubLine(raw)
			if perr != nil {
				m = inbound{gen: s.gen, kind: inBadLine, raw: raw, err: perr}
			} else {
				m = inbound{gen: s.gen, kind: inLine, line: line}
			}
		}
		select {
		case l.in <- m:
		case <-s.ctx.Done():
			return
		}
		if m.kind == inError {
			return
		}
	}
}

// write sends queued lines, paced to stay under the hub's flood limit.
// After finish it writes what is left and the final line, then closes the
// connection.
func (l *loop) write(s *session) {
	defer l.c.wg.Done()
	defer close(s.writerDone)
	lim := s.lim
	bw := bufio.NewWriterSize(s.conn, 16<<10)
	var batch []*request
	fail := func(err error) {
		select {
		case l.in <- inbound{gen: s.gen, kind: inError, err: err}:
		case <-s.ctx.Done():
		}
	}
	for {
		var closing bool
		var final *request
		batch, closing, final = s.out.take(batch, 64)
		if closing {
			if final != nil {
				// Within the pace too, or the hub would drop it as flood,
				// but without waiting long for it.
				ctx, cancel := context.WithTimeout(s.ctx, time.Second)
				lim.Wait(ctx)
				cancel()
				s.conn.SetWriteDeadline(time.Now().Add(time.Second))
				bw.WriteString(final.line)
				bw.Flush()
			}
			if tc, ok := s.conn.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			return
		}
		if len(batch) == 0 {
			select {
			case <-s.out.notify:
				continue
			case <-s.ctx.Done():
				return
			}
		}
		for _, r := range batch {
			if err := lim.Wait(s.ctx); err != nil {
				return
			}
			s.conn.SetWriteDeadline(time.Now().Add(l.cfg.WriteTimeout))
			r.written.Store(true)
			if _, err := bw.WriteString(r.line); err != nil {
				fail(err)
				return
			}
			// Flush when the rate makes us wait or the batch ends, so a
			// line never sits in the buffer while the limiter sleeps.
			if lim.Tokens() < 1 {
				if err := bw.Flush(); err != nil {
					fail(err)
					return
				}
			}
		}
		if err := bw.Flush(); err != nil {
			fail(err)
			return
		}
	}
}
