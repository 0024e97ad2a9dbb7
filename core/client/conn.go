package client

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/natter-chat/natter/core/proto"
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
	offset   int        // FILES: the first entry asked for
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

// inboundKind tells what an inbound value carries.
type inboundKind int

const (
	inDialed  inboundKind = iota // nc or err from a connect attempt
	inLine                       // a parsed line from the hub
	inBadLine                    // a line that could not be parsed (err)
	inSkipped                    // a line with a keyword the codec does not know
	inError                      // the reader or writer failed (err); the connection is over
)

// inbound is what the dialer and a conn's reader and writer tell the loop.
type inbound struct {
	gen  uint64
	kind inboundKind
	nc   net.Conn
	line hubLine
	raw  string
	err  error
}

// dialFunc connects to the hub at addr, host:port.
type dialFunc func(ctx context.Context, addr string) (net.Conn, error)

// tcpDial is the dialFunc for Config.Dial's default: TCP, with timeout for
// each attempt and keep-alives so that a dead peer is noticed.
func tcpDial(timeout time.Duration) dialFunc {
	d := net.Dialer{Timeout: timeout, KeepAlive: 15 * time.Second}
	return func(ctx context.Context, addr string) (net.Conn, error) {
		return d.DialContext(ctx, "tcp", addr)
	}
}

// dialHub connects to addr and hands the result to out, as attempt gen.
// out is unbuffered: the connection is either taken by the loop or closed
// here, never left behind in a channel when ctx ends.
func dialHub(ctx context.Context, dial dialFunc, addr string, gen uint64, out chan<- inbound) {
	nc, err := dial(ctx, addr)
	select {
	case out <- inbound{gen: gen, kind: inDialed, nc: nc, err: err}:
	case <-ctx.Done():
		if nc != nil {
			nc.Close()
		}
	}
}

// conn is one connection to the hub over any net.Conn: a reader goroutine
// parses the hub's lines and a writer goroutine writes queued lines,
// paced to stay under the hub's flood limit. Both report to in, tagged
// with gen; the loop owns the conn and is the only one to call its methods.
type conn struct {
	gen uint64
	nc  net.Conn
	in  chan<- inbound
	log *slog.Logger
	out *outQueue
	// lim paces the writer; the loop slows it down when the hub says
	// slow-down (a rate.Limiter is safe for concurrent use).
	lim          *rate.Limiter
	writeTimeout time.Duration
	// ctx ends when the loop is done with the connection.
	ctx    context.Context
	cancel context.CancelFunc
	// writerDone is closed when the writer goroutine has ended.
	writerDone chan struct{}
}

// connConfig is what a conn needs besides its net.Conn.
type connConfig struct {
	in           chan<- inbound
	log          *slog.Logger
	writeTimeout time.Duration
	rate         float64
	burst        int
}

// startConn starts the reader and writer of nc, counted in wg.
func startConn(wg *sync.WaitGroup, gen uint64, nc net.Conn, cfg connConfig) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{
		gen: gen, nc: nc, in: cfg.in, log: cfg.log, out: newOutQueue(),
		lim:          rate.NewLimiter(rate.Limit(cfg.rate), cfg.burst),
		writeTimeout: cfg.writeTimeout,
		ctx:          ctx, cancel: cancel, writerDone: make(chan struct{}),
	}
	wg.Add(2)
	go func() { defer wg.Done(); c.read() }()
	go func() { defer wg.Done(); c.write() }()
	return c
}

// send queues r for the writer.
func (c *conn) send(r *request) { c.out.push(r) }

// setPace changes the pace of writing.
func (c *conn) setPace(lines float64, burst int) {
	c.lim.SetLimit(rate.Limit(lines))
	c.lim.SetBurst(burst)
}

// close ends the goroutines and the connection at once.
func (c *conn) close() {
	c.cancel()
	c.nc.Close()
}

// quit writes what is queued, then final, and waits, at most limit, for
// the hub to close its side, discarding what the hub still sends; then it
// closes. Closing with the hub's lines unread would make the kernel reset
// the connection, and a hub that meets the reset before it reads QUIT
// tells everyone the connection was lost instead of that we left. The
// loop has stopped taking from in, so quit reads in itself.
func (c *conn) quit(final *request, in <-chan inbound, limit time.Duration) {
	defer c.close()
	c.out.finish(final)
	t := time.NewTimer(limit)
	defer t.Stop()
	writerDone := c.writerDone
	for hubClosed := false; writerDone != nil || !hubClosed; {
		select {
		case <-writerDone:
			writerDone = nil
		case m := <-in:
			if m.gen == c.gen && m.kind == inError {
				hubClosed = true
			}
		case <-t.C:
			return
		}
	}
}

// report hands m to the loop unless the loop is done with the connection.
func (c *conn) report(m inbound) bool {
	select {
	case c.in <- m:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// read parses lines from the hub and hands them to the loop. It never
// waits for the UI: the loop drains in without blocking on anyone.
func (c *conn) read() {
	r := newLineReader(c.nc)
	for {
		raw, err := r.readLine()
		var m inbound
		switch {
		case errors.Is(err, errLineTooLong):
			c.log.Warn("hub sent a line over the limit; skipped", "err", err)
			continue
		case err != nil:
			m = inbound{gen: c.gen, kind: inError, err: err}
		default:
			line, perr := parseHubLine(raw)
			switch {
			case errors.Is(perr, proto.ErrUnknownKeyword):
				// natter/1 lets a hub add keywords: a client skips
				// those it does not know, quietly.
				m = inbound{gen: c.gen, kind: inSkipped}
			case perr != nil:
				m = inbound{gen: c.gen, kind: inBadLine, raw: raw, err: perr}
			default:
				m = inbound{gen: c.gen, kind: inLine, line: line}
			}
		}
		if !c.report(m) || m.kind == inError {
			return
		}
	}
}

// write sends queued lines, paced to stay under the hub's flood limit.
// After finish it writes what is left and the final line, then closes the
// connection for writing.
func (c *conn) write() {
	defer close(c.writerDone)
	lim := c.lim
	bw := bufio.NewWriterSize(c.nc, 16<<10)
	var batch []*request
	fail := func(err error) { c.report(inbound{gen: c.gen, kind: inError, err: err}) }
	for {
		var closing bool
		var final *request
		batch, closing, final = c.out.take(batch, 64)
		if closing {
			if final != nil {
				// Within the pace too, or the hub would drop it as flood,
				// but without waiting long for it.
				ctx, cancel := context.WithTimeout(c.ctx, time.Second)
				lim.Wait(ctx)
				cancel()
				c.nc.SetWriteDeadline(time.Now().Add(time.Second))
				bw.WriteString(final.line)
				bw.Flush()
			}
			if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
			}
			return
		}
		if len(batch) == 0 {
			select {
			case <-c.out.notify:
				continue
			case <-c.ctx.Done():
				return
			}
		}
		for _, r := range batch {
			if err := lim.Wait(c.ctx); err != nil {
				return
			}
			c.nc.SetWriteDeadline(time.Now().Add(c.writeTimeout))
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

// keepalive decides when to ping a silent hub and when to give up on it.
// It computes only; the state passes the time in.
type keepalive struct {
	idle, timeout time.Duration
	lastRead      time.Time
	pingSent      time.Time // zero when no PING is outstanding
	seq           int
}

// heard notes a line from the hub at now.
func (k *keepalive) heard(now time.Time) {
	k.lastRead, k.pingSent = now, time.Time{}
}

// deadline is when check has something to do next.
func (k *keepalive) deadline() time.Time {
	if !k.pingSent.IsZero() {
		return k.pingSent.Add(k.timeout)
	}
	return k.lastRead.Add(k.idle)
}

// check says what is due at now: the token of a PING to send, or that the
// hub stopped answering.
func (k *keepalive) check(now time.Time) (ping string, dead bool) {
	switch {
	case !k.pingSent.IsZero():
		return "", now.Sub(k.pingSent) >= k.timeout
	case now.Sub(k.lastRead) >= k.idle:
		k.seq++
		k.pingSent = now
		return "c" + strconv.Itoa(k.seq), false
	}
	return "", false
}
