package tftp

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// ReadSource is what a Handler serves to a read request.
type ReadSource interface {
	io.ReaderAt
	// Size is the number of bytes to send.
	Size() int64
	// Finish is called once when the transfer ends: with nil when the
	// last block was acknowledged, otherwise with the reason it failed.
	Finish(err error)
}

// WriteSink receives the data of a write request.
type WriteSink interface {
	io.Writer
	// Commit is called once after the final block has been written, before
	// it is acknowledged, with the number of bytes and their SHA-256. An
	// error is sent to the client as an ERROR packet instead of the final
	// ACK, with the code chosen as for Handler errors.
	Commit(size int64, sum [sha256.Size]byte) error
	// Abort is called instead of Commit when the transfer fails.
	Abort(err error)
}

// Handler decides what each request reads or writes. An error it returns
// is sent to the client as an ERROR packet: an *Error as it is,
// fs.ErrNotExist as code 1, fs.ErrPermission as 2, fs.ErrExist as 6, a
// full disk as 3, anything else as code 0 without detail.
type Handler interface {
	ServeRead(ctx context.Context, req *Request) (ReadSource, error)
	ServeWrite(ctx context.Context, req *Request) (WriteSink, error)
}

// NewReadSource returns a ReadSource serving size bytes of r; done, when
// not nil, is called when the transfer ends.
func NewReadSource(r io.ReaderAt, size int64, done func(error)) ReadSource {
	return &readSource{ReaderAt: r, size: size, done: done}
}

type readSource struct {
	io.ReaderAt
	size int64
	done func(error)
}

func (r *readSource) Size() int64 { return r.size }
func (r *readSource) Finish(err error) {
	if r.done != nil {
		r.done(err)
	}
}

// DefaultMaxTransfers is the default of Server.MaxTransfers.
const DefaultMaxTransfers = 64

// DefaultMaxWindow is the largest window the server grants by default.
const DefaultMaxWindow = 64

const (
	maxReadFailures  = 100
	readFailurePause = 5 * time.Millisecond
)

// Server answers TFTP read and write requests arriving at one packet
// socket. Each transfer runs from a fresh UDP socket of its own (the TFTP
// transfer identifier), optionally bound to a port of PortMin..PortMax.
type Server struct {
	Handler Handler
	// OtherPacket, when set, receives every datagram at the listening
	// socket that is not TFTP (first two bytes not an opcode 1-6). pkt is
	// only valid during the call, which runs on the read loop and should
	// return quickly.
	OtherPacket func(pkt []byte, from net.Addr)
	// MaxTransfers limits concurrent transfers (default 64); a request
	// over the limit gets ERROR 0 "server busy".
	MaxTransfers int
	// PortMin and PortMax, when both set, are the inclusive range of local
	// ports transfers run from; when all are taken a request gets ERROR 0.
	PortMin, PortMax int
	// MaxBlockSize is the largest blksize granted (default 65464).
	MaxBlockSize int
	// MaxWindow is the largest windowsize granted (default 64). Transfers
	// are stop-and-wait unless the client asks for a window.
	MaxWindow int
	// Config tunes the timers of every transfer.
	Config Config
	// Logf, when set, is told why transfers failed.
	Logf func(format string, args ...any)
	// SealDropped, when set, is told of every packet of a sealed transfer
	// that was dropped without being acted upon, with the reason
	// (ErrSealForged, ErrSealReplayed, ErrSealTooOld or ErrSealMalformed).
	// It runs on the transfer's goroutine and should return quickly.
	SealDropped func(req *Request, err error)

	// wrapTransfer, when set, wraps each transfer's socket (tests use it
	// to put a lossy network under the server's side).
	wrapTransfer func(net.PacketConn) net.PacketConn

	mu       sync.Mutex
	active   map[string]bool
	nextPort int
	wg       sync.WaitGroup
}

// Serve answers requests arriving at conn until ctx is cancelled or conn
// fails, then waits for every transfer it started to end. It does not
// close conn. It returns nil after cancellation.
func (s *Server) Serve(ctx context.Context, conn net.PacketConn) error {
	if s.Handler == nil {
		return errors.New("tftp: Server.Handler is nil")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		s.wg.Wait()
	}()
	if err := conn.SetReadDeadline(time.Time{}); err != nil {
		return fmt.Errorf("tftp: clearing the read deadline: %w", err)
	}
	defer wakeOnCancel(ctx, conn, nil)()
	buf := make([]byte, 65536)
	failures := 0
	dest := newDestReader(conn)
	for {
		var (
			n     int
			from  net.Addr
			local netip.Addr // where the datagram was sent, when known
			err   error
		)
		if dest != nil {
			n, from, local, err = dest.readFrom(buf)
		} else {
			n, from, err = conn.ReadFrom(buf)
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// Some systems report an ICMP error for an earlier reply as a
			// read error (Windows: connection reset). Only a closed socket
			// or a persistent failure ends the loop.
			failures++
			if errors.Is(err, net.ErrClosed) || failures > maxReadFailures {
				return fmt.Errorf("tftp: reading requests: %w", err)
			}
			s.logf("tftp: reading requests: %v", err)
			time.Sleep(readFailurePause)
			continue
		}
		failures = 0
		pkt := buf[:n]
		if !IsTFTP(pkt) {
			if s.OtherPacket != nil {
				s.OtherPacket(pkt, from)
			}
			continue
		}
		op, _ := PacketOpcode(pkt)
		if op != OpRRQ && op != OpWRQ {
			continue // stray DATA/ACK/ERROR/OACK: a late packet of nothing we run
		}
		req, err := ParseRequest(pkt)
		if err != nil {
			s.refuse(conn, from, NewError(ErrIllegalOp, err.Error()))
			continue
		}
		req.Peer = from
		// A byte-identical request from the same address while its transfer
		// runs is a retransmission, not a new transfer.
		key := from.String() + "\x00" + string(pkt)
		if e := s.admit(key); e != nil {
			if e.Code != ErrNotDefined || e.Message != "" {
				s.refuse(conn, from, e)
			}
			continue
		}
		s.wg.Add(1)
		go s.transfer(ctx, conn, req, key, local)
	}
}

// admit registers a transfer. A repeated request (the client sent it
// again before our answer arrived) is ignored silently.
func (s *Server) admit(key string) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil {
		s.active = make(map[string]bool)
	}
	if s.active[key] {
		return &Error{}
	}
	limit := s.MaxTransfers
	if limit <= 0 {
		limit = DefaultMaxTransfers
	}
	if len(s.active) >= limit {
		return NewError(ErrNotDefined, "server busy, try again later")
	}
	s.active[key] = true
	return nil
}

func (s *Server) release(key string) {
	s.mu.Lock()
	delete(s.active, key)
	s.mu.Unlock()
}

func (s *Server) refuse(conn net.PacketConn, to net.Addr, e *Error) {
	_, _ = conn.WriteTo(AppendError(nil, e.Code, e.Message), to)
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

// listenTransfer opens the socket of a new transfer, with an ephemeral
// port or one from the configured range, on local, the address the request
// was sent to, when that is known: a reply from any other address of the
// host would look to the client like a stranger's. Otherwise it opens it
// on the listener's address.
func (s *Server) listenTransfer(listener net.PacketConn, local netip.Addr) (*net.UDPConn, error) {
	if local.IsValid() {
		network := "udp6"
		if local.Is4() {
			network = "udp4"
		}
		at := &net.UDPAddr{IP: local.AsSlice(), Zone: local.Zone()}
		if c, err := s.listenOn(network, at); err == nil {
			return c, nil
		}
		// The address may have gone since the request came; the listener's
		// own address is the best left.
	}
	network, at := "udp", &net.UDPAddr{}
	if la, ok := listener.LocalAddr().(*net.UDPAddr); ok {
		at.IP = la.IP
		if ip4 := la.IP.To4(); ip4 != nil && !la.IP.IsUnspecified() {
			network = "udp4"
		}
	}
	return s.listenOn(network, at)
}

// listenOn binds a socket to at's address, with an ephemeral port or one
// of PortMin..PortMax.
func (s *Server) listenOn(network string, at *net.UDPAddr) (*net.UDPConn, error) {
	if s.PortMin <= 0 || s.PortMax < s.PortMin {
		return net.ListenUDP(network, at)
	}
	s.mu.Lock()
	start := s.nextPort
	s.nextPort++
	s.mu.Unlock()
	count := s.PortMax - s.PortMin + 1
	var lastErr error
	for i := 0; i < count; i++ {
		port := s.PortMin + (start+i)%count
		c, err := net.ListenUDP(network, &net.UDPAddr{IP: at.IP, Port: port, Zone: at.Zone})
		if err == nil {
			return c, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("tftp: no free port in %d-%d: %w", s.PortMin, s.PortMax, lastErr)
}

func (s *Server) transfer(ctx context.Context, listener net.PacketConn, req *Request, key string, local netip.Addr) {
	defer s.wg.Done()
	defer s.release(key)
	uc, err := s.listenTransfer(listener, local)
	if err != nil {
		s.logf("tftp: %v %q from %v: %v", req.Op, req.Filename, req.Peer, err)
		s.refuse(listener, req.Peer, NewError(ErrNotDefined, "no free transfer port, try again later"))
		return
	}
	var conn net.PacketConn = uc
	if s.wrapTransfer != nil {
		conn = s.wrapTransfer(uc)
	}
	defer conn.Close()
	cfg := s.Config.withDefaults()
	maxBlock := s.MaxBlockSize
	if maxBlock <= 0 || maxBlock > MaxBlockSize {
		maxBlock = MaxBlockSize
	}
	maxWindow := s.MaxWindow
	if maxWindow <= 0 {
		maxWindow = DefaultMaxWindow
	}
	// A sender only receives ACKs and ERRORs; a receiver's buffer is sized
	// after negotiation.
	t, err := newTransport(ctx, conn, req.Peer, true, true, 1024)
	if err != nil {
		s.logf("%v", err)
		return
	}
	defer t.close()
	if !strings.EqualFold(req.Mode, "octet") {
		t.sendError(ErrIllegalOp, fmt.Sprintf("mode %q is not supported, use octet", req.Mode))
		return
	}
	if req.Op == OpRRQ {
		err = s.serveRead(ctx, t, cfg, req, maxBlock, maxWindow)
	} else {
		err = s.serveWrite(ctx, t, cfg, req, maxBlock, maxWindow)
	}
	if err != nil {
		s.logf("tftp: %v %q from %v: %v", req.Op, req.Filename, req.Peer, err)
	}
}

// startSeal sets up natter-seal on t, after which every DATA, ACK and
// ERROR is sealed, and returns oack with the option echoed. The OACK
// itself goes in clear.
func (s *Server) startSeal(t *transport, req *Request, key *[SealKeySize]byte, oack Options) (Options, error) {
	var onDrop func(error)
	if s.SealDropped != nil {
		onDrop = func(err error) { s.SealDropped(req, err) }
	}
	if err := t.enableSeal(key, HubToClient, ClientToHub, onDrop); err != nil {
		t.sendError(ErrNotDefined, "cannot seal the transfer")
		return nil, err
	}
	return append(oack, Option{SealOption, "1"}), nil
}

func (s *Server) serveRead(ctx context.Context, t *transport, cfg Config, req *Request, maxBlock, maxWindow int) error {
	src, err := s.Handler.ServeRead(ctx, req)
	if err != nil {
		e := errorFor(err)
		t.sendError(e.Code, e.Message)
		return err
	}
	key := sealKeyOf(src)
	if serr := serverSeal(req, key); serr != nil {
		t.sendError(serr.Code, serr.Message)
		src.Finish(serr)
		return serr
	}
	size := src.Size()
	oack, p, perr := negotiate(req, size, maxBlock, maxWindow)
	if perr != nil {
		t.sendError(perr.Code, perr.Message)
		src.Finish(perr)
		return perr
	}
	if key != nil {
		if oack, err = s.startSeal(t, req, key, oack); err != nil {
			src.Finish(err)
			return err
		}
	}
	cfg.Progress = nil
	snd := newSender(t, cfg, io.NewSectionReader(src, p.offset, size-p.offset), p.blksize, p.window, p.offset, p.tsize)
	if oack != nil {
		pkt, _ := AppendOACK(nil, oack)
		err = snd.handshake(pkt)
	}
	if err == nil {
		err = snd.run()
	}
	src.Finish(err)
	return err
}

func (s *Server) serveWrite(ctx context.Context, t *transport, cfg Config, req *Request, maxBlock, maxWindow int) error {
	sink, err := s.Handler.ServeWrite(ctx, req)
	if err != nil {
		e := errorFor(err)
		t.sendError(e.Code, e.Message)
		return err
	}
	key := sealKeyOf(sink)
	if serr := serverSeal(req, key); serr != nil {
		t.sendError(serr.Code, serr.Message)
		sink.Abort(serr)
		return serr
	}
	oack, p, perr := negotiate(req, -1, maxBlock, maxWindow)
	if perr != nil {
		t.sendError(perr.Code, perr.Message)
		sink.Abort(perr)
		return perr
	}
	cfg.Progress = nil
	rcv := newReceiver(t, cfg, sink, nil, p.blksize, p.window, 0, p.tsize)
	rcv.repeatFinal = true
	if need := 4 + p.blksize + 1; need > len(t.buf) {
		t.buf = make([]byte, need) // one byte more than a DATA packet, to see oversized ones
	}
	if key != nil {
		if oack, err = s.startSeal(t, req, key, oack); err != nil {
			sink.Abort(err)
			return err
		}
	}
	committed := false
	rcv.finish = func() error {
		committed = true
		return sink.Commit(rcv.written, rcv.sum())
	}
	reply := AppendAck(nil, 0)
	if oack != nil {
		reply, _ = AppendOACK(nil, oack)
	}
	err = rcv.run(reply, nil)
	if err != nil && !committed {
		sink.Abort(err)
	}
	return err
}
