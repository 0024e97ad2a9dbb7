//go:build linux

package load

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const (
	defaultReceiver = ReceiveEpoll
	epollSupported  = true
)

// epollReceiver reads the clients' connections from event loops of its
// own, in the manner of redis-benchmark: each loop takes a batch of ready
// connections from an epoll instance and reads each once, without a
// goroutine per client, a goroutine wake-up per delivery or a read that
// only says "nothing more". Each client belongs to one loop, which alone
// touches its state. The net.Conn stays for dialing and for writing.
type epollReceiver struct {
	loops []*epollLoop
	wg    sync.WaitGroup
}

func newEpollReceiver(r *runner, n int) (receiver, error) {
	e := &epollReceiver{}
	for range n {
		l, err := newEpollLoop(r)
		if err != nil {
			e.shutdown(func() {})
			return nil, err
		}
		e.loops = append(e.loops, l)
		e.wg.Go(l.run)
	}
	return e, nil
}

func (e *epollReceiver) add(c *client) error {
	return e.loops[c.idx%len(e.loops)].add(c)
}

func (e *epollReceiver) registrationEnded() {
	for _, l := range e.loops {
		l.wake()
	}
}

// shutdown stops the loops before the connections are closed: a loop
// never reads or watches a descriptor number that may since have been
// given to another file.
func (e *epollReceiver) shutdown(closeConns func()) {
	for _, l := range e.loops {
		l.quit.Store(true)
		l.wake()
	}
	e.wg.Wait()
	for _, l := range e.loops {
		l.close()
	}
	closeConns()
}

// epollBatch is how many ready connections one epoll_wait returns at most.
const epollBatch = 256

// wakeIndex marks the loop's eventfd among the ready connections, whose
// epoll data is their client's index.
const wakeIndex = -1

// epollLoop is one event loop and the clients it reads.
type epollLoop struct {
	r        *runner
	epfd     int
	epoll    *os.File        // epfd, waited for through Go's network poller
	rawEpoll syscall.RawConn // epoll's
	wakefd   int             // eventfd that interrupts the wait
	quit     atomic.Bool

	mu      sync.Mutex
	pending []*epollConn // added, not yet taken over by the loop
	ended   bool         // the loop has ended: add refuses clients

	// Owned by the loop's goroutine.
	conns  []*epollConn // by client index; nil until taken over
	parked []*epollConn // paused during registration, in order of resumption
	events []unix.EpollEvent
}

// epollConn is a client's connection as its loop sees it.
type epollConn struct {
	c        *client
	fd       int    // the net.Conn's descriptor, open until the loop has ended
	buf      []byte // readBufferSize bytes
	held     int    // bytes of an incomplete line at the start of buf
	skipping bool   // discarding the rest of a line longer than buf
	ended    bool
	parked   bool
	resumeAt int64 // r.now() when a parked connection is read again
}

func newEpollLoop(r *runner) (*epollLoop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("receiver: epoll_create1: %w", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("receiver: eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: wakeIndex}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(wakefd)
		unix.Close(epfd)
		return nil, fmt.Errorf("receiver: watching the eventfd: %w", err)
	}
	// Non-blocking, so that os.NewFile hands it to the network poller.
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(wakefd)
		unix.Close(epfd)
		return nil, fmt.Errorf("receiver: epoll instance: %w", err)
	}
	epoll := os.NewFile(uintptr(epfd), "epoll")
	raw, err := epoll.SyscallConn()
	if err != nil {
		unix.Close(wakefd)
		epoll.Close()
		return nil, fmt.Errorf("receiver: epoll instance: %w", err)
	}
	return &epollLoop{
		r: r, epfd: epfd, epoll: epoll, rawEpoll: raw, wakefd: wakefd,
		conns:  make([]*epollConn, len(r.clients)),
		events: make([]unix.EpollEvent, epollBatch),
	}, nil
}

// add hands c to the loop and watches its connection, level-triggered.
func (l *epollLoop) add(c *client) error {
	fd, err := connFD(c.conn)
	if err != nil {
		return fmt.Errorf("%s: %w", c.nick, err)
	}
	// Handed over before the loop can see the descriptor ready: the loop
	// takes pending connections under mu when it meets an unknown client.
	l.mu.Lock()
	ended := l.ended
	if !ended {
		l.pending = append(l.pending, &epollConn{c: c, fd: fd, buf: make([]byte, readBufferSize)})
	}
	l.mu.Unlock()
	if ended {
		return fmt.Errorf("%s: the receiver has stopped", c.nick)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(c.idx)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("%s: watching the connection: epoll_ctl: %w", c.nick, err)
	}
	return nil
}

// connFD returns the descriptor of conn, valid until conn is closed.
func connFD(conn net.Conn) (int, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return 0, fmt.Errorf("connection %T has no descriptor", conn)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("connection descriptor: %w", err)
	}
	fd := -1
	if err := raw.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return 0, fmt.Errorf("connection descriptor: %w", err)
	}
	return fd, nil
}

// wake interrupts the loop's epoll_wait.
func (l *epollLoop) wake() {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	_, _ = unix.Write(l.wakefd, one[:])
}

func (l *epollLoop) close() {
	unix.Close(l.wakefd)
	l.epoll.Close()
}

// run waits for ready connections and reads each once, until told to quit.
//
// The loop waits for its epoll instance through Go's network poller rather
// than in a blocking epoll_wait of its own: the runtime already has a thread
// waiting for the connections (their net.Conn registered them), and a
// second thread sleeping and waking for the same arrivals would double the
// context switches. So epoll_wait is only ever called with a zero timeout.
func (l *epollLoop) run() {
	var fatal error
	defer func() { l.endAll(fatal) }()
	var n int
	var waitErr error
	poll := func(fd uintptr) bool {
		for {
			n, waitErr = unix.EpollWait(int(fd), l.events, 0)
			if waitErr != unix.EINTR {
				return n > 0 || waitErr != nil // else wait to be told it is ready
			}
		}
	}
	var deadline time.Time
	for !l.quit.Load() {
		if d := l.resumeTime(); !d.Equal(deadline) {
			if err := l.epoll.SetReadDeadline(d); err != nil {
				fatal = fmt.Errorf("epoll deadline: %w", err)
				return
			}
			deadline = d
		}
		n, waitErr = 0, nil
		err := l.rawEpoll.Read(poll)
		if err == nil {
			err = waitErr
		}
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			n = 0
		case err != nil:
			fatal = os.NewSyscallError("epoll_wait", err)
			return
		}
		for _, ev := range l.events[:n] {
			if ev.Fd == wakeIndex {
				var b [8]byte
				_, _ = unix.Read(l.wakefd, b[:])
				continue
			}
			if ec := l.conn(int(ev.Fd)); ec != nil && !ec.ended && !ec.parked {
				l.read(ec)
			}
		}
		l.resume()
	}
}

// conn returns the connection of client i, taking over those added since
// the last look.
func (l *epollLoop) conn(i int) *epollConn {
	if i < 0 || i >= len(l.conns) {
		return nil
	}
	if l.conns[i] == nil {
		l.takePending(false)
	}
	return l.conns[i]
}

func (l *epollLoop) takePending(last bool) {
	l.mu.Lock()
	pending := l.pending
	l.pending = nil
	l.ended = last
	l.mu.Unlock()
	for _, ec := range pending {
		l.conns[ec.c.idx] = ec
	}
}

// read does one non-blocking read of ec and handles the complete lines it
// brought. A line longer than the buffer is handled by its first
// readBufferSize bytes only, like bufio.Reader.ReadSlice's first piece.
func (l *epollLoop) read(ec *epollConn) {
	c := ec.c
	n, err := unix.Read(ec.fd, ec.buf[ec.held:])
	if err == unix.EAGAIN || err == unix.EINTR {
		return // level-triggered: a descriptor still ready comes back
	}
	c.readAt = l.r.now()
	if n <= 0 {
		if err == nil {
			err = io.EOF
		} else {
			err = &net.OpError{Op: "read", Net: "tcp", Source: c.conn.LocalAddr(), Addr: c.conn.RemoteAddr(),
				Err: os.NewSyscallError("read", err)}
		}
		l.end(ec, err)
		return
	}
	data := ec.buf[:ec.held+n]
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		if ec.skipping {
			ec.skipping = false
		} else {
			c.handle(data[:i+1])
		}
		data = data[i+1:]
	}
	switch {
	case len(data) == len(ec.buf): // a whole buffer and no end of line
		if !ec.skipping {
			c.handle(data)
			ec.skipping = true
		}
		ec.held = 0
	case ec.skipping:
		ec.held = 0
	default:
		ec.held = copy(ec.buf, data)
	}
	if c.welcomed && n < len(ec.buf)/2 && l.r.registering.Load() {
		l.park(ec)
	}
}

// park stops watching a registered client that has caught up while others
// are still registering, for registrationReadPause, as arrivalReader does:
// each registration sends a JOIN line to everyone, and reading them one by
// one as they come would cost natterload about as much CPU as the hub
// spends sending them. They wait in the socket buffer meanwhile.
func (l *epollLoop) park(ec *epollConn) {
	// Removed rather than modified to watch nothing: a connection that
	// hangs up is reported whatever it is watched for.
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, ec.fd, nil); err != nil {
		return // still watched: it is read on, unpaused
	}
	ec.parked = true
	ec.resumeAt = l.r.now() + int64(registrationReadPause)
	l.parked = append(l.parked, ec)
}

// resume watches again the parked clients whose pause is over, or all of
// them once registration has ended.
func (l *epollLoop) resume() {
	if len(l.parked) == 0 {
		return
	}
	all := !l.r.registering.Load()
	now := l.r.now()
	i := 0
	for ; i < len(l.parked); i++ {
		ec := l.parked[i]
		if !all && ec.resumeAt > now {
			break
		}
		ec.parked = false
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(ec.c.idx)}
		if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, ec.fd, &ev); err != nil {
			ec.ended = true
			ec.c.end(os.NewSyscallError("epoll_ctl", err))
		}
	}
	l.parked = append(l.parked[:0], l.parked[i:]...)
}

// resumeTime is when the first parked client resumes; zero for none.
func (l *epollLoop) resumeTime() time.Time {
	if len(l.parked) == 0 {
		return time.Time{}
	}
	if !l.r.registering.Load() {
		return l.r.start // in the past: resume them all now
	}
	return l.r.start.Add(time.Duration(l.parked[0].resumeAt))
}

// end stops watching ec and ends its client.
func (l *epollLoop) end(ec *epollConn, err error) {
	ec.ended = true
	_ = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, ec.fd, nil)
	ec.c.end(err)
}

// endAll ends every client of the loop still connected, as a closed
// connection would have: with err when the loop failed, quietly when the
// run is stopping.
func (l *epollLoop) endAll(err error) {
	l.takePending(true)
	if err == nil {
		err = net.ErrClosed
	} else if !l.r.stopping.Load() {
		err = errors.Join(errors.New("receiver failed"), err)
	}
	for _, ec := range l.conns {
		if ec != nil && !ec.ended {
			ec.ended = true
			ec.c.end(err)
		}
	}
}
