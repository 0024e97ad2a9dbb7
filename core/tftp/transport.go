package tftp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
)

// addrPortConn is implemented by *net.UDPConn; with it the engine reads and
// writes without allocating an address per packet.
type addrPortConn interface {
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
}

// transport is one end of a transfer: a packet socket talking to a single
// peer. Packets from any other address are answered with ERROR 5 and
// dropped. A client's transport starts unlocked: it accepts the first
// packet from the peer's IP address on any port and then keeps to that
// port (the server's transfer identifier).
type transport struct {
	ctx      context.Context
	conn     net.PacketConn
	fast     addrPortConn
	sys      *sysSocket // direct system calls, when the platform has them
	peer     netip.AddrPort
	peerAddr net.Addr
	locked   bool
	deadline time.Time
	buf      []byte
	scratch  []byte
	stop     func()
	// seal, once natter-seal is set up, seals what is sent and opens what
	// is received.
	seal *packetSeal
	// readErrors counts consecutive failed reads.
	readErrors int
	// tryMisses counts reads tried before waiting that found nothing, in
	// a row; skipped counts the calls since the last such read (tryFirst).
	tryMisses, skipped int
}

const maxReadErrors = 10

var errExpired = errors.New("tftp: retransmission timer expired")

// newTransport returns the transport of a transfer with peer over conn;
// owned says that the transfer owns conn, which nobody closes before the
// transport.
func newTransport(ctx context.Context, conn net.PacketConn, peer net.Addr, locked, owned bool, bufSize int) (*transport, error) {
	t := &transport{ctx: ctx, conn: conn, peerAddr: peer, locked: locked,
		buf: make([]byte, max(bufSize, 1024)), scratch: make([]byte, 0, 64)}
	if fc, ok := conn.(addrPortConn); ok {
		ua, ok := peer.(*net.UDPAddr)
		if !ok {
			return nil, fmt.Errorf("tftp: peer %v is not a UDP address", peer)
		}
		t.fast, t.peer = fc, unmapAddrPort(ua.AddrPort())
		if uc, ok := conn.(*net.UDPConn); ok {
			if t.sys = newSysSocket(uc, owned); t.sys != nil && !t.sys.setPeer(t.peer) {
				t.sys.close()
				t.sys = nil
			}
		}
	}
	if sys := t.sys; sys != nil {
		stop := wakeOnCancel(ctx, conn, sys.wake)
		t.stop = func() {
			stop()
			sys.close()
		}
	} else {
		t.stop = wakeOnCancel(ctx, conn, nil)
	}
	return t, nil
}

func (t *transport) close() { t.stop() }

// setWindow tells the transport the transfer's window, which decides how
// it waits for datagrams (see sysSocket).
func (t *transport) setWindow(window int) {
	if t.sys != nil {
		t.sys.setWait(window)
	}
}

// wakeOnCancel makes a cancelled ctx wake a read blocked on conn at once
// (the reader then sees ctx.Err); wake, when set, is called too. The
// returned stop waits for the wake-up if it has already begun, so that
// nothing touches conn afterwards.
func wakeOnCancel(ctx context.Context, conn net.PacketConn, wake func()) (stop func()) {
	fired := make(chan struct{})
	stopFn := context.AfterFunc(ctx, func() {
		defer close(fired)
		// wake first: a reader in the poller that set its deadline
		// after this one moved it sees that it was woken.
		if wake != nil {
			wake()
		}
		_ = conn.SetReadDeadline(time.Now())
	})
	return func() {
		if !stopFn() {
			<-fired
		}
	}
}

func unmapAddrPort(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

func (t *transport) send(pkt []byte) error {
	var err error
	if t.seal != nil {
		if pkt, err = t.seal.sealOut(pkt); err != nil {
			return err
		}
	}
	if t.sys != nil {
		err = t.sys.send(pkt, false)
	} else if t.fast != nil {
		_, err = t.fast.WriteToUDPAddrPort(pkt, t.peer)
	} else {
		_, err = t.conn.WriteTo(pkt, t.peerAddr)
	}
	if err != nil {
		return fmt.Errorf("tftp: sending to %v: %w", t.peerAddr, err)
	}
	return nil
}

// sendError tells the peer why the transfer ends. Failures are ignored:
// the transfer is over either way.
func (t *transport) sendError(code ErrorCode, msg string) {
	t.scratch = AppendError(t.scratch[:0], code, msg)
	_ = t.send(t.scratch)
}

// recv waits until deadline for a packet from the peer and returns it; the
// slice is valid until the next call. It returns errExpired when the
// deadline passes and the context's error when it is cancelled.
func (t *transport) recv(deadline time.Time) ([]byte, error) {
	return t.recvAt(deadline, time.Time{})
}

// recvAt is recv for a caller that has just read the clock: now, which
// may be zero, saves reading it again before a wait.
func (t *transport) recvAt(deadline, now time.Time) ([]byte, error) {
	if t.sys != nil {
		return t.recvSys(deadline, now)
	}
	for {
		if !deadline.Equal(t.deadline) {
			if err := t.conn.SetReadDeadline(deadline); err != nil {
				return nil, fmt.Errorf("tftp: setting read deadline: %w", err)
			}
			t.deadline = deadline
		}
		if err := t.ctx.Err(); err != nil {
			return nil, err
		}
		var (
			n    int
			err  error
			from netip.AddrPort
			addr net.Addr
		)
		if t.fast != nil {
			n, from, err = t.fast.ReadFromUDPAddrPort(t.buf)
		} else {
			n, addr, err = t.conn.ReadFrom(t.buf)
		}
		if err != nil {
			if cerr := t.ctx.Err(); cerr != nil {
				return nil, cerr
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if !time.Now().Before(deadline) {
					return nil, errExpired
				}
				// The deadline was moved under us by a cancel that has
				// not become visible yet; set it again.
				t.deadline = time.Time{}
				continue
			}
			// Windows reports an ICMP error for an earlier datagram (to a
			// stranger, or a peer that left) as a failed read; such errors
			// come once per datagram, so a few in a row are tolerated.
			t.readErrors++
			if errors.Is(err, net.ErrClosed) || t.readErrors > maxReadErrors {
				return nil, fmt.Errorf("tftp: receiving from %v: %w", t.peerAddr, err)
			}
			continue
		}
		t.readErrors = 0
		var ok bool
		if t.fast != nil {
			ok = t.acceptFast(unmapAddrPort(from))
		} else {
			ok = t.acceptAddr(addr)
		}
		if ok {
			if t.seal == nil {
				return t.buf[:n], nil
			}
			if p, ok := t.seal.openIn(t.buf[:n]); ok {
				return p, nil
			}
			continue // dropped: never acted upon, the deadline stands
		}
		// A stranger: tell it so, once per packet, and keep waiting.
		if IsTFTP(t.buf[:n]) && !isErrorPacket(t.buf[:n]) {
			t.scratch = AppendError(t.scratch[:0], ErrUnknownTID, "unknown transfer ID")
			if t.fast != nil {
				_, _ = t.fast.WriteToUDPAddrPort(t.scratch, from)
			} else {
				_, _ = t.conn.WriteTo(t.scratch, addr)
			}
		}
	}
}

// recvSys is recv on the direct system-call path. A datagram already
// queued is read at once, whatever the deadline: in a stop-and-wait
// exchange the answer often is, since the peer ran as soon as the last
// packet woke it. Otherwise the goroutine waits, in ppoll or in the
// runtime's poller (sysSocket.setWait), until a datagram comes, the
// deadline passes or the context is cancelled.
func (t *transport) recvSys(deadline, now time.Time) ([]byte, error) {
	waited := false
	for {
		if err := t.ctx.Err(); err != nil {
			return nil, err
		}
		var (
			n   int
			ok  bool
			err error
		)
		if t.sys.usesPoller() {
			n, err = t.sys.recv(t.buf, deadline)
			ok = err == nil
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if cerr := t.ctx.Err(); cerr != nil {
					return nil, cerr
				}
				if !time.Now().Before(deadline) {
					return nil, errExpired
				}
				continue // moved by a late expiry of the precise timer, or by a cancel not visible yet
			}
		} else if waited || t.tryFirst() {
			n, ok, err = t.sys.tryRecv(t.buf)
			if !waited && err == nil {
				t.noteTry(ok)
			}
		}
		if err == nil && !ok {
			// The caller's clock reading is at most microseconds old; a
			// timer that fires that much late does no harm.
			if now.IsZero() {
				now = time.Now()
			}
			if !now.Before(deadline) {
				return nil, errExpired
			}
			err = t.sys.wait(deadline.Sub(now))
			now, waited = time.Time{}, true
			if err == nil || err == errWoken {
				continue // the context says why, or the deadline
			}
		}
		if err != nil {
			t.readErrors++
			if errors.Is(err, net.ErrClosed) || t.readErrors > maxReadErrors {
				return nil, fmt.Errorf("tftp: receiving from %v: %w", t.peerAddr, err)
			}
			continue
		}
		t.readErrors = 0
		if t.acceptFast(t.sys.fromAddr()) {
			if t.seal == nil {
				return t.buf[:n], nil
			}
			if p, ok := t.seal.openIn(t.buf[:n]); ok {
				return p, nil
			}
			now = time.Time{}
			continue // dropped: never acted upon, the deadline stands
		}
		// A stranger: tell it so, once per packet, and keep waiting.
		if IsTFTP(t.buf[:n]) && !isErrorPacket(t.buf[:n]) {
			t.scratch = AppendError(t.scratch[:0], ErrUnknownTID, "unknown transfer ID")
			_ = t.sys.send(t.scratch, true)
		}
	}
}

// tryFirst reports whether recvSys reads before it waits. When the peer
// shares this CPU (a stop-and-wait transfer on loopback), the answer can
// never be queued yet, since the peer runs only once this end waits: the
// read tried at once always fails and is a system call in vain on every
// block. After tryMissLimit such failures in a row recvSys waits first
// (the wait returns at once when a datagram is queued), and tries at once
// again only every probeEvery calls, to see whether the answers have
// begun to be early.
func (t *transport) tryFirst() bool {
	if t.tryMisses < tryMissLimit {
		return true
	}
	t.skipped++
	if t.skipped >= probeEvery {
		t.skipped = 0
		return true
	}
	return false
}

// noteTry records whether a read tried before waiting found a datagram.
func (t *transport) noteTry(ok bool) {
	if ok {
		t.tryMisses = 0
	} else if t.tryMisses < tryMissLimit {
		t.tryMisses++
	}
}

const (
	tryMissLimit = 4
	probeEvery   = 16
)

func isErrorPacket(pkt []byte) bool {
	return len(pkt) >= 2 && Opcode(uint16(pkt[0])<<8|uint16(pkt[1])) == OpERROR
}

func (t *transport) acceptFast(from netip.AddrPort) bool {
	if t.locked {
		return from == t.peer
	}
	if from.Addr() != t.peer.Addr() {
		return false
	}
	t.peer, t.locked = from, true
	t.peerAddr = net.UDPAddrFromAddrPort(from)
	if t.sys != nil {
		t.sys.adoptFrom()
	}
	return true
}

func (t *transport) acceptAddr(from net.Addr) bool {
	fu, ok1 := from.(*net.UDPAddr)
	pu, ok2 := t.peerAddr.(*net.UDPAddr)
	if !ok1 || !ok2 {
		if t.locked {
			return from.String() == t.peerAddr.String()
		}
		t.peerAddr, t.locked = from, true
		return true
	}
	if !fu.IP.Equal(pu.IP) {
		return false
	}
	if t.locked {
		return fu.Port == pu.Port
	}
	t.peerAddr, t.locked = &net.UDPAddr{IP: fu.IP, Port: fu.Port, Zone: fu.Zone}, true
	return true
}
