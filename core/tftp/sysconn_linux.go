//go:build linux && (amd64 || arm64 || riscv64 || loong64 || arm)

package tftp

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// sysSocket moves a transfer's datagrams with direct system calls on the
// descriptor of a *net.UDPConn; see transport.recvSys for how it is used.
//
// Sending is one sendto(2) to an address encoded once; reading is one
// recvfrom(2). The calls that cannot block are raw system calls, which
// bypass the scheduler. A transfer waits for a datagram in one of two ways
// (setWait chooses):
//
//   - in ppoll(2), on the socket and on an eventfd that cancellation
//     signals, with the retransmission timeout as argument: the goroutine
//     goes on on its own thread the moment the datagram comes, which is
//     the fastest wait for a stop-and-wait transfer while other processors
//     are free. But a goroutine in a system call keeps its processor (P)
//     until the runtime's monitor takes it back, after 20 µs to 10 ms: with
//     a single P (GOMAXPROCS=1) nothing else in the process runs meanwhile,
//     not even the other end of an in-process transfer (which then crawls
//     at one block per monitor tick) or a hub's chat, and every wait costs
//     the monitor a wake-up.
//   - in the runtime's network poller (RawConn.Read, with a read deadline
//     as the timer): the goroutine gives its P back while it waits. This
//     is the wait with a single P, and for windows of more than one block,
//     where the next datagram is usually queued already.
type sysSocket struct {
	rc     syscall.RawConn
	fd     int // the descriptor, when the transfer owns the socket; else -1
	family int

	peer    [syscall.SizeofSockaddrInet6]byte // encoded sockaddr of the peer
	peerLen uint32
	from    syscall.RawSockaddrAny // source of the last datagram received
	fromLen uint32

	pfds   [2]pollFd // the socket and wakeFd
	ts     syscall.Timespec
	wakeFd int         // eventfd that wake signals
	woken  atomic.Bool // set by wake

	// Arguments and results of the calls, which run under rc.Control (or
	// rc.Write) unless the transfer owns the socket; the callbacks are
	// method values made once so that calls do not allocate.
	buf     []byte
	toFrom  bool // send to the last source instead of the peer
	n       int
	errno   syscall.Errno
	recvFn  func(fd uintptr)
	sendFn  func(fd uintptr)
	pollFn  func(fd uintptr)
	writeFn func(fd uintptr) bool

	// The wait in the runtime's poller (setWait).
	poller     bool
	uc         *net.UDPConn
	deadline   time.Time // the read deadline set on uc, or zero
	pollRecvFn func(fd uintptr) bool
	timer      *preciseTimer // nil until a wait needs it
}

// pollFd is struct pollfd of poll(2).
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const pollIn = 0x1

// errWoken reports that wake was called.
var errWoken = errors.New("tftp: wait interrupted")

// newSysSocket returns a sysSocket for uc, or nil when uc is not an IPv4 or
// IPv6 datagram socket. When owned, the transfer owns uc and nobody closes
// it while the transfer runs, so its descriptor is used without taking a
// reference on every call.
func newSysSocket(uc *net.UDPConn, owned bool) *sysSocket {
	rc, err := uc.SyscallConn()
	if err != nil {
		return nil
	}
	fd, family, typ := -1, -1, -1
	cerr := rc.Control(func(sfd uintptr) {
		fd = int(sfd)
		if family, err = syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_DOMAIN); err == nil {
			typ, err = syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TYPE)
		}
	})
	if cerr != nil || err != nil || typ != syscall.SOCK_DGRAM || (family != syscall.AF_INET && family != syscall.AF_INET6) {
		return nil
	}
	wfd, _, errno := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if errno != 0 {
		return nil
	}
	s := &sysSocket{rc: rc, fd: -1, family: family, wakeFd: int(wfd)}
	if owned {
		s.fd = fd
	}
	s.recvFn, s.sendFn, s.pollFn, s.writeFn = s.recvfrom, s.sendto, s.ppoll, s.writeOnce
	s.uc, s.pollRecvFn = uc, s.recvOrWait
	s.setWait(1)
	return s
}

// close releases the eventfd; the socket belongs to its owner.
func (s *sysSocket) close() {
	_ = syscall.Close(s.wakeFd)
	if s.timer != nil {
		s.timer.close()
	}
}

// wake makes a wait in progress, and every later one, return errWoken.
func (s *sysSocket) wake() {
	s.woken.Store(true)
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	_, _ = syscall.Write(s.wakeFd, one[:])
}

// setPeer encodes the address packets are sent to. It reports false when
// this path cannot send there (an address with a zone, or an IPv6 peer of
// an IPv4 socket).
func (s *sysSocket) setPeer(ap netip.AddrPort) bool {
	a := ap.Addr()
	if a.Zone() != "" {
		return false
	}
	s.peer = [syscall.SizeofSockaddrInet6]byte{}
	switch {
	case s.family == syscall.AF_INET && a.Is4():
		sa := (*syscall.RawSockaddrInet4)(unsafe.Pointer(&s.peer[0]))
		sa.Family = syscall.AF_INET
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:], ap.Port())
		sa.Addr = a.As4()
		s.peerLen = syscall.SizeofSockaddrInet4
	case s.family == syscall.AF_INET6:
		sa := (*syscall.RawSockaddrInet6)(unsafe.Pointer(&s.peer[0]))
		sa.Family = syscall.AF_INET6
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:], ap.Port())
		sa.Addr = a.As16() // an IPv4 address as ::ffff:a.b.c.d
		s.peerLen = syscall.SizeofSockaddrInet6
	default:
		return false
	}
	return true
}

// fromAddr decodes the source of the last datagram received, IPv4-mapped
// addresses as IPv4. A scoped IPv6 source gets its interface index as
// zone; since setPeer refuses zones it is never the peer, only a stranger.
func (s *sysSocket) fromAddr() netip.AddrPort {
	switch s.from.Addr.Family {
	case syscall.AF_INET:
		sa := (*syscall.RawSockaddrInet4)(unsafe.Pointer(&s.from))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), port)
	case syscall.AF_INET6:
		sa := (*syscall.RawSockaddrInet6)(unsafe.Pointer(&s.from))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:])
		a := netip.AddrFrom16(sa.Addr).Unmap()
		if sa.Scope_id != 0 {
			a = a.WithZone(strconv.FormatUint(uint64(sa.Scope_id), 10))
		}
		return netip.AddrPortFrom(a, port)
	}
	return netip.AddrPort{}
}

// adoptFrom makes the source of the last datagram the peer.
func (s *sysSocket) adoptFrom() {
	s.peer = [syscall.SizeofSockaddrInet6]byte{}
	n := min(int(s.fromLen), len(s.peer))
	copy(s.peer[:], (*[syscall.SizeofSockaddrAny]byte)(unsafe.Pointer(&s.from))[:n])
	s.peerLen = uint32(n)
}

// control calls f with the descriptor: directly when the transfer owns the
// socket, otherwise under rc.Control, which keeps the descriptor from
// being closed meanwhile.
func (s *sysSocket) control(f func(fd uintptr)) error {
	if s.fd >= 0 {
		f(uintptr(s.fd))
		return nil
	}
	return s.rc.Control(f)
}

// send sends pkt to the peer, or with toFrom to the source of the last
// datagram received. When the socket's send buffer is full it waits for
// room through the runtime's poller.
func (s *sysSocket) send(pkt []byte, toFrom bool) error {
	s.buf, s.toFrom = pkt, toFrom
	if err := s.control(s.sendFn); err != nil {
		return err
	}
	switch s.errno {
	case 0:
		return nil
	case syscall.EAGAIN, syscall.ENOBUFS:
		if err := s.rc.Write(s.writeFn); err != nil {
			return err
		}
		if s.errno == 0 {
			return nil
		}
	}
	return os.NewSyscallError("sendto", s.errno)
}

func (s *sysSocket) sendto(fd uintptr) {
	to, toLen := unsafe.Pointer(&s.peer[0]), s.peerLen
	if s.toFrom {
		to, toLen = unsafe.Pointer(&s.from), s.fromLen
	}
	var p unsafe.Pointer
	if len(s.buf) > 0 {
		p = unsafe.Pointer(&s.buf[0])
	}
	for {
		_, _, s.errno = syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(p), uintptr(len(s.buf)), 0, uintptr(to), uintptr(toLen))
		if s.errno != syscall.EINTR {
			return
		}
	}
}

// writeOnce is sendto for rc.Write: false asks it to wait for room.
func (s *sysSocket) writeOnce(fd uintptr) bool {
	s.sendto(fd)
	return s.errno != syscall.EAGAIN && s.errno != syscall.ENOBUFS
}

// tryRecv reads a datagram that is already queued into buf; ok is false
// when none is.
func (s *sysSocket) tryRecv(buf []byte) (n int, ok bool, err error) {
	s.buf = buf
	if err := s.control(s.recvFn); err != nil {
		return 0, false, err
	}
	switch s.errno {
	case 0:
		return s.n, true, nil
	case syscall.EAGAIN:
		return 0, false, nil
	}
	return 0, false, os.NewSyscallError("recvfrom", s.errno)
}

func (s *sysSocket) recvfrom(fd uintptr) {
	for {
		s.fromLen = syscall.SizeofSockaddrAny
		n, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&s.buf[0])), uintptr(len(s.buf)),
			0, uintptr(unsafe.Pointer(&s.from)), uintptr(unsafe.Pointer(&s.fromLen)))
		if errno != syscall.EINTR {
			s.n, s.errno = int(n), errno
			return
		}
	}
}

// setWait chooses how the transfer waits for datagrams, for a window of
// window blocks: in the poller with a single P or a window of more than
// one block, in ppoll otherwise (see sysSocket). The choice is made when
// the transfer starts; GOMAXPROCS rarely changes while one runs.
func (s *sysSocket) setWait(window int) {
	s.poller = window > 1 || runtime.GOMAXPROCS(0) == 1
}

// usesPoller reports whether the transfer waits in the runtime's poller.
func (s *sysSocket) usesPoller() bool { return s.poller }

// recv reads a datagram into buf, waiting in the runtime's poller until
// deadline for one to come; it returns os.ErrDeadlineExceeded when none
// came, or when wake was called.
func (s *sysSocket) recv(buf []byte, deadline time.Time) (int, error) {
	if !deadline.Equal(s.deadline) {
		if err := s.uc.SetReadDeadline(deadline); err != nil {
			return 0, err
		}
		s.deadline = deadline
	}
	// wake sets woken before it moves the deadline to the past: either
	// this sees woken, or the deadline set above is moved after it.
	if s.woken.Load() {
		return 0, os.ErrDeadlineExceeded
	}
	s.buf = buf
	if _, near := nearDeadline(deadline); near && s.timer == nil {
		s.timer = newPreciseTimer(s.uc) // nil when the system has none
	}
	if err := s.rc.Read(s.pollRecvFn); err != nil {
		s.deadline = time.Time{} // passed, or moved by wake
		if !errors.Is(err, os.ErrDeadlineExceeded) || s.woken.Load() {
			return 0, err
		}
		// A deadline already past fails the read before it is tried;
		// a datagram that is queued is read all the same, as in ppoll.
		if n, ok, rerr := s.tryRecv(buf); ok || rerr != nil {
			return n, rerr
		}
		return 0, err
	}
	if s.errno != 0 {
		return 0, os.NewSyscallError("recvfrom", s.errno)
	}
	return s.n, nil
}

// recvOrWait is recvfrom for rc.Read: false asks it to wait for input,
// with the precise timer set first when the deadline is near.
func (s *sysSocket) recvOrWait(fd uintptr) bool {
	s.recvfrom(fd)
	if s.errno != syscall.EAGAIN {
		return true
	}
	if s.timer != nil {
		if d, near := nearDeadline(s.deadline); near {
			s.timer.set(d)
		}
	}
	return false
}

// nearDeadline returns how far off deadline is, and whether it is near
// enough for the precise timer.
func nearDeadline(deadline time.Time) (time.Duration, bool) {
	d := time.Until(deadline)
	return d, d > 0 && d < preciseBelow
}

// preciseBelow is the longest wait the precise timer serves: the runtime
// wakes a goroutine for a read deadline up to about a millisecond late
// (its poller sleeps in whole milliseconds), which would make every lost
// block on a fast link cost a millisecond, several round trips.
const preciseBelow = 4 * time.Millisecond

// preciseTimer ends a wait in the runtime's poller at its deadline to the
// microsecond: a timerfd, which the poller watches like a socket, and a
// goroutine that moves the socket's read deadline to the past when it
// expires. An expiry that comes after the datagram did (the timer is set
// again, not stopped, at each wait) only makes the next read check the
// time once more.
type preciseTimer struct {
	file  *os.File
	fd    int
	spec  [2]syscall.Timespec // struct itimerspec: interval, value
	done  chan struct{}
	fired atomic.Int64 // expiries seen
}

func newPreciseTimer(uc *net.UDPConn) *preciseTimer {
	fd, _, errno := syscall.RawSyscall(syscall.SYS_TIMERFD_CREATE, uintptr(clockMonotonic), uintptr(syscall.O_NONBLOCK|syscall.O_CLOEXEC), 0)
	if errno != 0 {
		return nil
	}
	t := &preciseTimer{file: os.NewFile(fd, "tftp timer"), fd: int(fd), done: make(chan struct{})}
	go func() {
		defer close(t.done)
		var n [8]byte
		for {
			if _, err := t.file.Read(n[:]); err != nil {
				return // closed
			}
			t.fired.Add(1)
			_ = uc.SetReadDeadline(time.Now())
		}
	}()
	return t
}

const clockMonotonic = 1 // CLOCK_MONOTONIC

// set makes the timer expire in d, replacing any earlier setting.
func (t *preciseTimer) set(d time.Duration) {
	t.spec[1] = syscall.NsecToTimespec(int64(d))
	_, _, _ = syscall.RawSyscall6(syscall.SYS_TIMERFD_SETTIME, uintptr(t.fd), 0, uintptr(unsafe.Pointer(&t.spec[0])), 0, 0, 0)
}

// close stops the timer and waits for its goroutine, which touches the
// socket no more once close returns.
func (t *preciseTimer) close() {
	_ = t.file.Close()
	<-t.done
}

// wait blocks in ppoll until a datagram is queued, wake is called, or d
// passes (a signal may end it early).
func (s *sysSocket) wait(d time.Duration) error {
	if s.woken.Load() {
		return errWoken
	}
	s.ts = syscall.NsecToTimespec(int64(d))
	if err := s.control(s.pollFn); err != nil {
		return err
	}
	if s.errno != 0 && s.errno != syscall.EINTR {
		return os.NewSyscallError("ppoll", s.errno)
	}
	if s.pfds[1].revents != 0 || s.woken.Load() {
		return errWoken
	}
	return nil
}

func (s *sysSocket) ppoll(fd uintptr) {
	s.pfds[0] = pollFd{fd: int32(fd), events: pollIn}
	s.pfds[1] = pollFd{fd: int32(s.wakeFd), events: pollIn}
	_, _, s.errno = syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&s.pfds[0])), 2,
		uintptr(unsafe.Pointer(&s.ts)), 0, 0, 0)
}

// destReader reads datagrams at a listening socket bound to an unspecified
// address together with the address each was sent to (IP_PKTINFO,
// IPV6_PKTINFO), so that a transfer can answer from that address.
type destReader struct {
	uc  *net.UDPConn
	oob []byte
}

// newDestReader returns a destReader for conn, or nil when conn is bound to
// one address (every reply comes from it anyway) or the destination of a
// datagram cannot be learnt.
func newDestReader(conn net.PacketConn) *destReader {
	uc, ok := conn.(*net.UDPConn)
	if !ok {
		return nil
	}
	if la, ok := uc.LocalAddr().(*net.UDPAddr); !ok || !la.IP.IsUnspecified() {
		return nil
	}
	rc, err := uc.SyscallConn()
	if err != nil {
		return nil
	}
	var serr error
	cerr := rc.Control(func(fd uintptr) {
		family, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_DOMAIN)
		if err != nil {
			serr = err
			return
		}
		if family == syscall.AF_INET6 {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_RECVPKTINFO, 1)
			// A dual-stack socket reports IPv4 datagrams as IPv4-mapped in
			// IPV6_PKTINFO; IP_PKTINFO is not needed for them.
			return
		}
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_PKTINFO, 1)
	})
	if cerr != nil || serr != nil {
		return nil
	}
	return &destReader{uc: uc, oob: make([]byte, 128)}
}

// readFrom reads a datagram into b and returns its length, its source and
// the address it was sent to (the zero Addr when the kernel did not say).
func (d *destReader) readFrom(b []byte) (int, net.Addr, netip.Addr, error) {
	n, oobn, _, from, err := d.uc.ReadMsgUDP(b, d.oob)
	if err != nil {
		return n, nil, netip.Addr{}, err
	}
	return n, from, parseDest(d.oob[:oobn]), nil
}

// parseDest finds the destination address in the control messages of a
// datagram. A destination that no socket can send from (multicast, a
// broadcast to all) yields the zero Addr.
func parseDest(oob []byte) netip.Addr {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return netip.Addr{}
	}
	var a netip.Addr
	for _, m := range msgs {
		switch {
		case m.Header.Level == syscall.IPPROTO_IP && m.Header.Type == syscall.IP_PKTINFO && len(m.Data) >= syscall.SizeofInet4Pktinfo:
			info := (*syscall.Inet4Pktinfo)(unsafe.Pointer(&m.Data[0]))
			a = netip.AddrFrom4(info.Addr)
		case m.Header.Level == syscall.IPPROTO_IPV6 && m.Header.Type == syscall.IPV6_PKTINFO && len(m.Data) >= syscall.SizeofInet6Pktinfo:
			info := (*syscall.Inet6Pktinfo)(unsafe.Pointer(&m.Data[0]))
			a = netip.AddrFrom16(info.Addr).Unmap()
			if a.Is6() && a.IsLinkLocalUnicast() {
				a = a.WithZone(strconv.FormatUint(uint64(info.Ifindex), 10))
			}
		}
	}
	if !a.IsValid() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || a.IsUnspecified() {
		return netip.Addr{}
	}
	return a
}
