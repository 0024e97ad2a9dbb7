package server

import (
	"context"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Queue states.
const (
	queueOpen    = iota
	queueClosing // take no more lines; send what is queued, then close
	queueAborted // drop what is queued; the connection is closed
)

// outQueue holds the lines waiting to be written to one client. Lines are
// shared, immutable slices: a broadcast line is encoded once and queued for
// every client. The queue is bounded in bytes; a push that would exceed the
// bound fails, and the caller drops the client, so that a client that does
// not read never delays anyone else.
//
// No goroutine waits on an idle queue. Whoever makes an idle queue
// non-empty is told so by push ("kick") and must call flush, which writes
// without blocking as much as the socket accepts; only when the socket is
// full is a writer goroutine started, and it ends once the queue is empty.
// Between a kick and the end of the flush or writer the queue is busy, and
// pushers merely append: the one owner of the connection writes every line
// queued, in order, with as few system calls as it can.
type outQueue struct {
	conn         net.Conn
	raw          syscall.RawConn // for writes that must not block; nil if not available
	ws           *wsConn         // a WebSocket session that can write without blocking (raw is its socket's)
	wg           *sync.WaitGroup // counts writer goroutines
	trim         *memoryTrimmer  // told when a backlog has been written
	flushTimeout time.Duration

	// budget, when set, counts the bytes queued hub-wide (see
	// Hub.shedLocked). The queue charges it in budgetChunk units, as its
	// bytes grow past what it charged, and credits it as they shrink well
	// below, so that the hub-wide count is touched once per chunk of a
	// client's traffic, not per line.
	budget *atomic.Int64

	mu      sync.Mutex
	pending *lineBatch // nil when empty; taken whole by the owner
	bytes   int        // what the lines queued or being written cost (lineCost)
	charged int        // what the queue has charged budget with
	limit   int
	state   int
	busy    bool // an owner (flusher or writer goroutine) is or will be writing
	// lazy is set with busy when the owner is the hub's presence writer,
	// which writes only after a pause (see pushLazy); anyone queueing a
	// line that is not lazy takes the queue over and writes at once.
	lazy bool

	// Used only by the owner, for non-blocking writes.
	direct directWrite
}

func newOutQueue(conn net.Conn, limit int, flushTimeout time.Duration, wg *sync.WaitGroup, trim *memoryTrimmer) *outQueue {
	q := &outQueue{conn: conn, limit: limit, flushTimeout: flushTimeout, wg: wg, trim: trim}
	if sc, ok := conn.(syscall.Conn); ok && directWriteSupported {
		if rc, err := sc.SyscallConn(); err == nil {
			q.raw = rc
			q.direct.init()
		}
	}
	if ws, ok := conn.(*wsConn); ok && ws.rc != nil {
		q.ws, q.raw = ws, ws.rc
	}
	return q
}

// lineBatch is a list of lines; its backing arrays are pooled so that
// queueing a line allocates nothing.
type lineBatch struct {
	lines [][]byte
}

// maxPooledBatch bounds the batches kept for reuse, so that one burst does
// not pin a large array.
const maxPooledBatch = 512

var batchPool = sync.Pool{New: func() any { return &lineBatch{lines: make([][]byte, 0, 16)} }}

func getBatch() *lineBatch { return batchPool.Get().(*lineBatch) }

func putBatch(b *lineBatch) {
	if cap(b.lines) > maxPooledBatch {
		return
	}
	clear(b.lines)
	b.lines = b.lines[:0]
	batchPool.Put(b)
}

// queueEntryCost is what a queued line costs beyond its bytes: its slice
// header (24 bytes) in a batch array that grows by doubling, so up to
// twice that. A line of a broadcast is shared by every queue, but each
// queue holds its own entry for it: 400 clients that did not read had each
// a queue of tiny lines that took 7.5 MiB of memory while its bytes
// counted far less.
const queueEntryCost = 48

// lineCost is what queueing line costs in memory, as the bounds count it.
func lineCost(line []byte) int { return len(line) + queueEntryCost }

// cost is what b's lines cost (lineCost).
func (b *lineBatch) cost() int { return b.size() + len(b.lines)*queueEntryCost }

// budgetChunk is the unit in which a queue charges the hub-wide count:
// an atomic counter every processor writes to would cost a fan-out to many
// clients more than the rest of queueing. The count is over what is
// queued by less than two chunks per client (80 MiB for 10,000 clients
// that each once held a line), never under it.
const budgetChunk = 4 << 10

// chargeLocked counts d bytes more (or fewer, when negative) queued in q
// and, by whole chunks, hub-wide. q.mu is held.
func (q *outQueue) chargeLocked(d int) {
	q.bytes += d
	if q.budget == nil || q.state == queueAborted {
		return
	}
	switch {
	case q.bytes > q.charged:
		n := (q.bytes - q.charged + budgetChunk - 1) / budgetChunk * budgetChunk
		q.charged += n
		q.budget.Add(int64(n))
	case q.charged-q.bytes > 2*budgetChunk:
		n := (q.charged - q.bytes - budgetChunk) / budgetChunk * budgetChunk
		q.charged -= n
		q.budget.Add(-int64(n))
	}
}

// uncharge gives back all the queue charged the hub-wide count, once it
// ends. q.mu is held.
func (q *outQueue) unchargeLocked() {
	if q.budget != nil && q.charged != 0 {
		q.budget.Add(-int64(q.charged))
		q.charged = 0
	}
}

// size is what the lines queued for the client cost (lineCost).
func (q *outQueue) size() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}

func (b *lineBatch) size() int {
	n := 0
	for _, l := range b.lines {
		n += len(l)
	}
	return n
}

// push queues line. ok is false when the line would take the queue over its
// limit; nothing is queued then. kick is true when the caller must call
// flush (now or after releasing its locks). Lines pushed after the queue was
// closed are silently dropped.
func (q *outQueue) push(line []byte) (ok, kick bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.state != queueOpen {
		return true, false
	}
	if q.bytes+lineCost(line) > q.limit {
		return false, false
	}
	q.appendLocked(line)
	return true, q.claimLocked()
}

// maxLazyBytes bounds the bytes a queue keeps waiting for the presence
// writer: past it, the lines are written at once, so that a burst of
// presence lines to many clients does not pile up in the hub's memory
// rather than in their sockets.
const maxLazyBytes = 4 << 10

// pushLazy queues line as push does, for a line that may wait a little:
// lazyKick is true when the caller must hand q to the hub's presence
// writer, which calls flushLazy after a pause, and kick is true when the
// caller must flush q itself, as after push, because enough is waiting.
//
// Presence lines (JOIN, LEAVE, RENAME) go to everyone; when many clients
// come or go at once, as when they all reconnect to a restarted hub,
// writing each such line at once would cost a system call per client per
// line, N² in all, while gathering them writes the lines of a burst with
// one call per client. Order is kept: a line that may not wait, queued
// behind, takes the lazy lines with it.
func (q *outQueue) pushLazy(line []byte) (ok, lazyKick, kick bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.state != queueOpen {
		return true, false, false
	}
	if q.bytes+lineCost(line) > q.limit {
		return false, false, false
	}
	q.appendLocked(line)
	switch {
	case q.lazy && q.bytes >= maxLazyBytes:
		q.lazy = false // the caller owns q now
		return true, false, true
	case q.busy:
		return true, false, false
	}
	q.busy, q.lazy = true, true
	return true, true, false
}

// flushLazy writes the lines of a queue handed over by pushLazy, unless
// someone took it over meanwhile.
func (q *outQueue) flushLazy() {
	q.mu.Lock()
	if !q.lazy {
		q.mu.Unlock()
		return
	}
	q.lazy = false
	q.mu.Unlock()
	q.flush()
}

// pushAll queues lines, all or none, as push does.
func (q *outQueue) pushAll(lines [][]byte) (ok, kick bool) {
	n := 0
	for _, l := range lines {
		n += lineCost(l)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.state != queueOpen {
		return true, false
	}
	if q.bytes+n > q.limit {
		return false, false
	}
	for _, l := range lines {
		q.appendLocked(l)
	}
	return true, q.claimLocked()
}

func (q *outQueue) appendLocked(line []byte) {
	if q.pending == nil {
		q.pending = getBatch()
	}
	q.pending.lines = append(q.pending.lines, line)
	q.chargeLocked(lineCost(line))
}

// claimLocked makes the caller the owner if there is none, or if the owner
// is the presence writer, which has not started writing.
func (q *outQueue) claimLocked() bool {
	if q.lazy {
		q.lazy = false
		return true
	}
	if q.busy {
		return false
	}
	q.busy = true
	return true
}

// takeLocked takes everything queued.
func (q *outQueue) takeLocked() *lineBatch {
	b := q.pending
	q.pending = nil
	return b
}

// maxDirectRounds bounds the non-blocking writes one flush makes before it
// leaves the rest to a writer goroutine, so that a broadcaster is not kept
// busy by one client for long.
const maxDirectRounds = 2

// flush writes what is queued without blocking, as far as the socket
// accepts, and starts a writer goroutine for the rest. Only the owner, the
// caller that push told to kick, calls it.
func (q *outQueue) flush() {
	for round := 0; ; round++ {
		q.mu.Lock()
		if q.state == queueAborted {
			q.releaseLocked()
			q.mu.Unlock()
			return
		}
		if q.pending == nil {
			if q.state == queueClosing {
				q.startWriterLocked(nil)
			} else {
				q.busy = false
			}
			q.mu.Unlock()
			return
		}
		b := q.takeLocked()
		if q.raw == nil || round >= maxDirectRounds {
			q.startWriterLocked(b)
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()

		var written int
		var err error
		if q.ws != nil {
			written, err = q.ws.writeDirect(b.lines)
		} else {
			written, err = q.direct.write(q.raw, b.lines)
		}
		q.mu.Lock()
		if err != nil {
			q.chargeLocked(-b.cost()) // the batch is dropped
			q.mu.Unlock()
			putBatch(b)
			q.abort() // the reader notices the closed connection
			return
		}
		rest, done := consumed(b, written)
		q.chargeLocked(-(written + done*queueEntryCost))
		if len(rest.lines) > 0 {
			// The socket is full: the rest goes before anything queued
			// meanwhile, written by a goroutine that may block.
			if q.pending != nil {
				rest.lines = append(rest.lines, q.pending.lines...)
				putBatch(q.pending)
				q.pending = nil
			}
			if q.state == queueAborted {
				q.releaseLocked()
				q.chargeLocked(-rest.cost())
				q.mu.Unlock()
				putBatch(rest)
				return
			}
			q.startWriterLocked(rest)
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		putBatch(b)
	}
}

// consumed drops the first n bytes from b's lines and returns b, and how
// many lines were written whole.
func consumed(b *lineBatch, n int) (*lineBatch, int) {
	i := 0
	for i < len(b.lines) && n >= len(b.lines[i]) {
		n -= len(b.lines[i])
		i++
	}
	if i < len(b.lines) && n > 0 {
		b.lines[i] = b.lines[i][n:]
	}
	if i > 0 {
		k := copy(b.lines, b.lines[i:])
		clear(b.lines[k:])
		b.lines = b.lines[:k]
	}
	return b, i
}

// releaseLocked gives up ownership of an aborted queue.
func (q *outQueue) releaseLocked() {
	q.busy = false
	if q.pending != nil {
		q.chargeLocked(-q.pending.cost())
		putBatch(q.pending)
		q.pending = nil
	}
}

// startWriterLocked starts a writer goroutine that owns the queue, first
// writing b (which may be nil).
func (q *outQueue) startWriterLocked(b *lineBatch) {
	q.busy = true
	q.wg.Add(1)
	go q.writeLoop(b)
}

// close queues a last line (if not nil, regardless of the limit) and lets
// an owner send everything queued and close the connection.
func (q *outQueue) close(last []byte) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.state != queueOpen {
		return
	}
	if last != nil {
		q.appendLocked(last)
	}
	q.state = queueClosing
	if !q.busy || q.lazy {
		q.lazy = false
		q.startWriterLocked(nil)
	}
}

// abort drops everything queued and closes the connection, which also ends
// a write in progress.
func (q *outQueue) abort() {
	q.mu.Lock()
	q.state = queueAborted
	if q.lazy { // nobody is writing
		q.lazy, q.busy = false, false
	}
	if q.pending != nil {
		q.chargeLocked(-q.pending.cost())
		putBatch(q.pending)
		q.pending = nil
	}
	q.unchargeLocked()
	q.mu.Unlock()
	q.conn.Close()
}

// writeLoop owns the queue: it writes b and then whatever is queued, in
// batches, until the queue is empty, or closes the connection once a
// closing queue is written.
func (q *outQueue) writeLoop(b *lineBatch) {
	defer q.wg.Done()
	var closeBy time.Time // when closing: the time by which everything must be sent
	for {
		if b != nil {
			n := b.cost()
			_, err := writeLines(q.conn, b.lines)
			putBatch(b)
			b = nil
			q.mu.Lock()
			q.chargeLocked(-n)
			q.mu.Unlock()
			if err != nil {
				q.abort() // the reader notices the closed connection
				q.mu.Lock()
				q.releaseLocked()
				q.mu.Unlock()
				return
			}
		}
		q.mu.Lock()
		state := q.state
		if state == queueAborted {
			q.releaseLocked()
			q.mu.Unlock()
			return
		}
		if state == queueClosing && closeBy.IsZero() {
			closeBy = time.Now().Add(q.flushTimeout)
			q.conn.SetWriteDeadline(closeBy)
		}
		b = q.takeLocked()
		if b == nil && state == queueOpen {
			q.busy = false
		}
		if b == nil && state == queueClosing {
			q.unchargeLocked()
		}
		q.mu.Unlock()
		if b == nil {
			if state == queueClosing {
				lingeringClose(q.conn, closeBy)
			} else if q.trim != nil {
				q.trim.note()
			}
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
	// The session's reader may move the read deadline again at any moment;
	// closing by a timer keeps the deadline whatever it does.
	force := time.AfterFunc(time.Until(deadline), func() { conn.Close() })
	defer force.Stop()
	var buf [512]byte
	for range 1 << 16 { // bounded by the deadline in practice
		if _, err := conn.Read(buf[:]); err != nil {
			return
		}
	}
}

// flushList collects the queues a caller was told to kick while it held the
// hub's lock, so that it can write to them after releasing it.
type flushList struct {
	queues []*outQueue
}

var flushListPool = sync.Pool{New: func() any { return new(flushList) }}

func getFlushList() *flushList { return flushListPool.Get().(*flushList) }

func (l *flushList) add(q *outQueue) { l.queues = append(l.queues, q) }

// merge moves the queues of other into l and recycles other.
func (l *flushList) merge(other *flushList) {
	l.queues = append(l.queues, other.queues...)
	other.recycle()
}

// run flushes every queue, one after another, and recycles l.
func (l *flushList) run() {
	for _, q := range l.queues {
		q.flush()
	}
	l.recycle()
}

func (l *flushList) recycle() {
	clear(l.queues)
	l.queues = l.queues[:0]
	if cap(l.queues) <= 1<<16 {
		flushListPool.Put(l)
	}
}

// fanOut lets processors that have nothing else to do share the writing of
// a long flush list, as a message to many clients makes. Writing to a
// client is a system call of a few microseconds, most of it the kernel's,
// so a message to 1000 clients written by one goroutine keeps the last of
// them waiting for milliseconds while another processor may be idle.
//
// Sharing never makes the writer wait: a list is offered only to helpers
// idle at that moment, everyone takes a few queues at a time from it, and
// nobody waits for anybody, so a helper that gets no processor leaves the
// work to the writer, which is then no slower than alone. Each queue is
// still written by its one owner at a time, so every client gets its lines
// in order.
//
// With 1000 clients on loopback and two senders at 100 messages/s each on
// two processors, this cut the hub's CPU by a quarter and the 99th
// percentile of latency from 10.0 to 7.3 ms: while a helper shares the
// writing, the next message is read sooner, and more of it rides along with
// the one being written, in the same system call. On a machine whose
// processors are all taken by other work it does not help: the tail grew
// by a seventh with a busy loop running beside it.
type fanOut struct {
	offers chan *sharedFlush // unbuffered: an offer is taken only by a waiting helper
	pool   sync.Pool         // of *sharedFlush
}

// Tuning of fanOut.
const (
	// fanOutMin is the least number of queues worth a goroutine: shorter
	// lists are written by the writer alone.
	fanOutMin = 64
	// fanOutChunk is how many queues a goroutine takes at a time. Few, so
	// that a helper the operating system suspends keeps few clients
	// waiting.
	fanOutChunk = 4
)

// sharedFlush is a flush list being written by several goroutines.
type sharedFlush struct {
	list *flushList
	next atomic.Int64 // index of the next queue to take
	left atomic.Int32 // goroutines that have not finished with it
}

// start starts the helpers, one fewer than the processors the runtime
// uses; they end when ctx is done, and wg counts them. Without a call to
// start, every list is written by its writer alone.
func (f *fanOut) start(ctx context.Context, wg *sync.WaitGroup) {
	helpers := runtime.GOMAXPROCS(0) - 1
	if helpers < 1 {
		return
	}
	f.offers = make(chan *sharedFlush)
	for range helpers {
		wg.Go(func() {
			for {
				select {
				case sf := <-f.offers:
					f.work(sf)
				case <-ctx.Done():
					return
				}
			}
		})
	}
}

// flush writes every queue of l, sharing a long list with the helpers that
// are idle, and recycles l.
func (f *fanOut) flush(l *flushList) {
	if f.offers == nil || len(l.queues) < 2*fanOutMin {
		l.run()
		return
	}
	sf, _ := f.pool.Get().(*sharedFlush)
	if sf == nil {
		sf = new(sharedFlush)
	}
	sf.list = l
	sf.next.Store(0)
	sf.left.Store(1)
	for range len(l.queues)/fanOutMin - 1 {
		sf.left.Add(1)
		select {
		case f.offers <- sf:
			continue
		default:
			sf.left.Add(-1)
		}
		break // no helper is idle
	}
	f.work(sf)
}

// work writes queues of sf until none is left; the last goroutine to
// finish recycles it.
func (f *fanOut) work(sf *sharedFlush) {
	qs := sf.list.queues
	for {
		i := int(sf.next.Add(fanOutChunk)) - fanOutChunk
		if i >= len(qs) {
			break
		}
		for _, q := range qs[i:min(i+fanOutChunk, len(qs))] {
			q.flush()
		}
	}
	if sf.left.Add(-1) == 0 {
		sf.list.recycle()
		sf.list = nil
		f.pool.Put(sf)
	}
}

// queued returns the bytes waiting in q or being written.
func (q *outQueue) queued() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}
