// Package wsline carries a line protocol over a WebSocket (RFC 6455), as
// natter/1 section 11 has it: one text message is one line, without its
// LF. [Conn] makes a WebSocket look like the byte stream of a TCP session,
// so that the hub's session code and the client's connection read and
// write it as they do a TCP socket: a message read comes out followed by
// an LF, and each LF-terminated line written goes out as one message.
package wsline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// chunkSize is the most bytes of a message handed to a reader at once: a
// message longer than any valid line still flows through in pieces, so that
// the line reader above refuses it as too long (ERR 413) rather than the
// WebSocket layer holding it all in memory.
const chunkSize = 4096

// scratchPool lends the pumps of every Conn their read buffers.
var scratchPool = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// ErrBinaryMessage is why a Conn ends when the peer sends a binary
// message: natter/1 lines are text.
var ErrBinaryMessage = errors.New("wsline: a binary message; natter/1 lines are text messages")

// Conn is a net.Conn over a WebSocket. Reads and writes honour deadlines as
// a TCP socket's do: a read past its deadline fails with
// os.ErrDeadlineExceeded and the connection goes on; a write past its
// deadline fails and closes the connection (as the WebSocket layer must,
// since a message may have been cut).
type Conn struct {
	ws            *websocket.Conn
	local, remote net.Addr
	ctx           context.Context // done once the Conn is closed
	cancel        context.CancelFunc

	batcher Batcher     // nil: every message is flushed on its own
	in      chan []byte // message bytes from the pump, LFs added; closed when it ends
	pumpErr error       // why the pump ended; set before in is closed
	once    sync.Once   // starts the pump on the first Read

	rmu  sync.Mutex // one Read at a time
	cur  []byte     // the rest of the chunk being read
	rdl  deadline
	rerr error // the error every later Read returns

	wmu     sync.Mutex // one Write at a time
	partial []byte     // bytes written after the last LF

	dmu     sync.Mutex // guards the write deadline and the write in flight
	wdl     time.Time
	wcancel context.CancelFunc // cancels the write in flight; nil if none
	wtimer  *time.Timer
}

// NewConn returns a Conn over ws, an open WebSocket, reporting local and
// remote as its addresses (either may be nil). The Conn owns ws: Close
// closes it. Messages are read only once Read is first called, and none
// longer than chunkSize is held whole.
func NewConn(ws *websocket.Conn, local, remote net.Addr) *Conn {
	ws.SetReadLimit(-1) // the line reader above bounds lines; see chunkSize
	ctx, cancel := context.WithCancel(context.Background())
	if local == nil {
		local = wsAddr("websocket")
	}
	if remote == nil {
		remote = wsAddr("websocket")
	}
	return &Conn{ws: ws, local: local, remote: remote, ctx: ctx, cancel: cancel, in: make(chan []byte, 1), rdl: makeDeadline()}
}

// wsAddr is the address of a WebSocket end whose network address is not
// known (as in a browser).
type wsAddr string

func (a wsAddr) Network() string { return "websocket" }
func (a wsAddr) String() string  { return string(a) }

// pump reads messages into c.in until the WebSocket fails or c is closed.
func (c *Conn) pump() {
	defer close(c.in)
	for {
		typ, r, err := c.ws.Reader(c.ctx)
		if err != nil {
			c.pumpErr = readError(err)
			return
		}
		if typ != websocket.MessageText {
			// Close, not a close handshake: a peer that sends binary
			// need not answer one, and the reader waits for the pump.
			c.pumpErr = ErrBinaryMessage
			c.ws.CloseNow()
			return
		}
		if err := c.pumpMessage(r); err != nil {
			c.pumpErr = readError(err)
			return
		}
	}
}

// pumpMessage hands one message to the reader, in chunks, the last one
// ending with the LF the message stands for.
func (c *Conn) pumpMessage(r io.Reader) error {
	// The read buffer goes back to the pool between messages: an idle
	// session, waiting for its next message, holds none.
	scratch := scratchPool.Get().(*[chunkSize]byte)
	defer scratchPool.Put(scratch)
	for {
		n, err := io.ReadFull(r, scratch[:])
		last := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !last {
			return err
		}
		// A chunk of its own size: most lines are short, and a reader
		// may keep one while it waits for the next.
		chunk := make([]byte, n, n+1)
		copy(chunk, scratch[:n])
		if last {
			chunk = append(chunk, '\n')
		}
		select {
		case c.in <- chunk:
		case <-c.ctx.Done():
			return net.ErrClosed
		}
		if last {
			return nil
		}
	}
}

// readError turns what ended the WebSocket into what a reader of a TCP
// socket would see: io.EOF for a close by the peer.
func readError(err error) error {
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway, websocket.StatusNoStatusRcvd:
		return io.EOF
	}
	if errors.Is(err, context.Canceled) {
		return net.ErrClosed
	}
	return err
}

// Read reads the bytes of the lines received: each message, then an LF.
func (c *Conn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if len(p) == 0 {
		return 0, nil
	}
	if err := c.waitLocked(); err != nil {
		return 0, err
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

// Wait blocks until Read would return at once: bytes have arrived, the
// connection ended, or the read deadline passed (os.ErrDeadlineExceeded).
// A reader that lends itself a buffer only when there is input (as the
// hub's sessions do) waits with it, holding no buffer while its client is
// quiet.
func (c *Conn) Wait() error {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	return c.waitLocked()
}

// waitLocked waits for the next chunk unless one is being read; c.rmu is
// held.
func (c *Conn) waitLocked() error {
	c.once.Do(func() { go c.pump() })
	if len(c.cur) > 0 {
		return nil
	}
	if c.rerr != nil {
		return c.rerr
	}
	select {
	case <-c.rdl.wait():
		return os.ErrDeadlineExceeded
	default:
	}
	select {
	case chunk, ok := <-c.in:
		if !ok {
			c.rerr = c.pumpErr
			if c.ctx.Err() != nil {
				c.rerr = net.ErrClosed
			}
			return c.rerr
		}
		c.cur = chunk
		return nil
	case <-c.rdl.wait():
		return os.ErrDeadlineExceeded
	case <-c.ctx.Done():
		return net.ErrClosed
	}
}

// Write sends every complete line of p as one text message, without its
// LF; bytes after the last LF wait for the rest of their line.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.ctx.Err() != nil {
		return 0, net.ErrClosed
	}
	done := 0
	for done < len(p) {
		i := indexLF(p[done:])
		if i < 0 {
			c.partial = append(c.partial, p[done:]...)
			return len(p), nil
		}
		line := p[done : done+i]
		if len(c.partial) > 0 {
			line = append(c.partial, line...)
		}
		if err := c.writeMessage(line); err != nil {
			return done, err
		}
		c.partial = c.partial[:0]
		done += i + 1
	}
	return done, nil
}

// Batcher gathers the frames of several messages into one write to the
// network: Cork starts gathering, Uncork writes what was gathered.
type Batcher interface {
	Cork()
	Uncork() error
}

// SetBatcher makes WriteLines gather its messages with b, which must sit
// between the WebSocket and its network connection. Call it before the
// first write.
func (c *Conn) SetBatcher(b Batcher) { c.batcher = b }

// WriteLines writes lines as Write does, each one in turn, but with a
// Batcher (SetBatcher) in one write to the network: a hub delivering a
// backlog to a client then makes one system call, not one a line.
func (c *Conn) WriteLines(lines [][]byte) (int64, error) {
	if c.batcher != nil {
		c.batcher.Cork()
	}
	var total int64
	var err error
	for _, l := range lines {
		var n int
		n, err = c.Write(l)
		total += int64(n)
		if err != nil {
			break
		}
	}
	if c.batcher != nil {
		if uerr := c.batcher.Uncork(); err == nil && uerr != nil {
			err = fmt.Errorf("wsline: writing lines: %w", uerr)
		}
	}
	return total, err
}

func indexLF(b []byte) int {
	for i, ch := range b {
		if ch == '\n' {
			return i
		}
	}
	return -1
}

// writeMessage writes one message, bounded by the write deadline in force
// when it starts or set while it runs.
func (c *Conn) writeMessage(line []byte) error {
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	c.dmu.Lock()
	if !c.wdl.IsZero() {
		if !time.Now().Before(c.wdl) {
			c.dmu.Unlock()
			return os.ErrDeadlineExceeded
		}
		c.wtimer = time.AfterFunc(time.Until(c.wdl), cancel)
	}
	c.wcancel = cancel
	c.dmu.Unlock()

	err := c.ws.Write(ctx, websocket.MessageText, line)

	c.dmu.Lock()
	c.wcancel = nil
	if c.wtimer != nil {
		c.wtimer.Stop()
		c.wtimer = nil
	}
	c.dmu.Unlock()
	if err != nil {
		if c.ctx.Err() != nil {
			return net.ErrClosed
		}
		if ctx.Err() != nil {
			return os.ErrDeadlineExceeded
		}
		return fmt.Errorf("wsline: writing a line: %w", err)
	}
	return nil
}

// Close closes the WebSocket at once: what was written has been handed to
// the network already, and a peer that reads it sees the connection end.
func (c *Conn) Close() error {
	if c.ctx.Err() != nil {
		return net.ErrClosed
	}
	c.cancel()
	return c.ws.CloseNow()
}

func (c *Conn) LocalAddr() net.Addr  { return c.local }
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

func (c *Conn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

func (c *Conn) SetReadDeadline(t time.Time) error {
	c.rdl.set(t)
	return nil
}

// SetWriteDeadline sets the deadline of later writes and of the one in
// flight, if any.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.wdl = t
	if c.wcancel == nil {
		return nil
	}
	if c.wtimer != nil {
		c.wtimer.Stop()
		c.wtimer = nil
	}
	if !t.IsZero() {
		c.wtimer = time.AfterFunc(time.Until(t), c.wcancel)
	}
	return nil
}

// deadline is a channel closed when a deadline passes, as net.Pipe keeps
// one: set moves it, wait returns the channel for the deadline in force.
type deadline struct {
	mu     sync.Mutex
	timer  *time.Timer
	cancel chan struct{} // closed when the deadline passes
}

func makeDeadline() deadline { return deadline{cancel: make(chan struct{})} }

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.cancel // the timer fired; wait for it to close the channel
	}
	d.timer = nil
	closed := isClosed(d.cancel)
	if t.IsZero() {
		if closed {
			d.cancel = make(chan struct{})
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if closed {
			d.cancel = make(chan struct{})
		}
		ch := d.cancel
		d.timer = time.AfterFunc(dur, func() { close(ch) })
		return
	}
	if !closed {
		close(d.cancel)
	}
}

func (d *deadline) wait() chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cancel
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
