package tftp

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"strconv"
	"time"
)

// DefaultClientBlockSize is the blksize Natter's client asks for.
const DefaultClientBlockSize = 2048

// ClientOptions tune Download and Upload. The zero value asks for
// blksize 2048, stop-and-wait, from a fresh UDP socket.
type ClientOptions struct {
	Config
	// BlockSize is the blksize to ask for (default 2048).
	BlockSize int
	// WindowSize is the windowsize to ask for; 0 or 1 asks for none
	// (stop-and-wait).
	WindowSize int
	// Offset (downloads only) asks the server to start after this many
	// bytes; it must be a multiple of BlockSize.
	Offset int64
	// Conn, when set, is the socket to use instead of a fresh one; it is
	// not closed.
	Conn net.PacketConn
	// SealKey, when set, is the transfer's natter-seal key, derived from
	// the TLS session that granted the token: the request asks for
	// "natter-seal 1", an answer without it is refused (ErrSealDowngrade),
	// and every DATA, ACK and ERROR after the OACK is sealed.
	SealKey *[SealKeySize]byte
}

// Result describes a finished transfer.
type Result struct {
	Bytes      int64 // bytes moved by this transfer, after Offset
	Size       int64 // file size announced by tsize, or -1 when unknown
	Offset     int64 // where the transfer started
	BlockSize  int
	WindowSize int
	// SHA256 is the digest of the bytes a download received (including a
	// prefix the hash was seeded with, for Fetch).
	SHA256 [32]byte
	Stats  Stats
}

// ErrOffsetIgnored is returned by Download when the server answered a
// request with an offset as if the option had not been sent.
var ErrOffsetIgnored = errors.New("tftp: server ignored the offset option")

type clientRun struct {
	t       *transport
	cfg     Config
	rto     rtoTimer
	owned   net.PacketConn
	sealKey *[SealKeySize]byte // set when the transfer asks to be sealed
}

func (o *ClientOptions) normalized() (ClientOptions, error) {
	var out ClientOptions
	if o != nil {
		out = *o
	}
	out.Config = out.Config.withDefaults()
	if out.BlockSize == 0 {
		out.BlockSize = DefaultClientBlockSize
	}
	if out.BlockSize < MinBlockSize || out.BlockSize > MaxBlockSize {
		return out, fmt.Errorf("tftp: block size %d outside %d-%d", out.BlockSize, MinBlockSize, MaxBlockSize)
	}
	if out.WindowSize < 0 || out.WindowSize > MaxWindowSize {
		return out, fmt.Errorf("tftp: window size %d outside 1-%d", out.WindowSize, MaxWindowSize)
	}
	if out.Offset < 0 || out.Offset%int64(out.BlockSize) != 0 {
		return out, fmt.Errorf("tftp: offset %d is not a non-negative multiple of the block size %d", out.Offset, out.BlockSize)
	}
	return out, nil
}

// askSeal adds "natter-seal 1" to asked when the transfer is sealed.
func (o *ClientOptions) askSeal(asked Options) Options {
	if o.SealKey == nil {
		return asked
	}
	return append(asked, Option{SealOption, "1"})
}

func openClient(ctx context.Context, addr string, o ClientOptions) (*clientRun, error) {
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("tftp: server address %q: %w", addr, err)
	}
	c := &clientRun{cfg: o.Config, rto: newRTOTimer(o.Config), sealKey: o.SealKey}
	conn := o.Conn
	if conn == nil {
		network := "udp6"
		if raddr.IP.To4() != nil {
			network = "udp4"
		}
		uc, err := net.ListenUDP(network, nil)
		if err != nil {
			return nil, fmt.Errorf("tftp: opening a socket: %w", err)
		}
		conn, c.owned = uc, uc
	}
	c.t, err = newTransport(ctx, conn, raddr, false, c.owned != nil, 4+o.BlockSize+1)
	if err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

func (c *clientRun) close() {
	if c.t != nil {
		c.t.close()
	}
	if c.owned != nil {
		_ = c.owned.Close()
	}
}

// request sends a request until the server answers from its transfer
// port, and returns the answer.
func (c *clientRun) request(pkt []byte) ([]byte, error) {
	start := time.Now()
	sent, sends := start, 1
	if err := c.t.send(pkt); err != nil {
		return nil, err
	}
	for {
		p, err := c.t.recv(sent.Add(c.rto.timeout()))
		if err == errExpired {
			if time.Since(start) >= c.cfg.NoProgress {
				return nil, fmt.Errorf("%w: no answer from %v within %v", ErrTimeout, c.t.peerAddr, c.cfg.NoProgress)
			}
			c.rto.backoff()
			sent, sends = time.Now(), sends+1
			if err := c.t.send(pkt); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			if ce := c.t.ctx.Err(); ce != nil {
				return nil, fmt.Errorf("tftp: transfer cancelled: %w", ce)
			}
			return nil, err
		}
		if sends == 1 {
			c.rto.sample(time.Since(sent))
		}
		return p, nil
	}
}

// acceptOACK checks the server's OACK against what was asked.
func (c *clientRun) acceptOACK(oack Options, asked Options) (params, error) {
	p := defaultParams()
	for _, o := range oack {
		want, ok := asked.Get(o.Name)
		if !ok {
			return p, c.refuseOption(fmt.Errorf("tftp: server acknowledged option %q that was not asked", o.Name))
		}
		n, ok := parseUint(o.Value)
		if !ok {
			return p, c.refuseOption(fmt.Errorf("tftp: server's %s %q is not a number", o.Name, o.Value))
		}
		wantN, _ := parseUint(want)
		switch {
		case eqFold(o.Name, OptBlockSize):
			if n < MinBlockSize || n > wantN {
				return p, c.refuseOption(fmt.Errorf("tftp: server's blksize %d is outside %d-%d", n, MinBlockSize, wantN))
			}
			p.blksize = int(n)
		case eqFold(o.Name, OptWindowSize):
			if n < 1 || n > wantN {
				return p, c.refuseOption(fmt.Errorf("tftp: server's windowsize %d is outside 1-%d", n, wantN))
			}
			p.window = int(n)
		case eqFold(o.Name, OptTransferSz):
			p.tsize = n
		case eqFold(o.Name, SealOption):
			if n != 1 {
				return p, c.refuseOption(fmt.Errorf("tftp: server's %s %d is not the 1 asked", SealOption, n))
			}
		case eqFold(o.Name, OptOffset):
			if n != wantN {
				return p, c.refuseOption(fmt.Errorf("tftp: server's offset %d differs from the %d asked", n, wantN))
			}
			p.offset = n
		}
	}
	if want, ok := asked.Get(OptOffset); ok && want != "0" {
		if _, ok := oack.Get(OptOffset); !ok {
			c.t.sendError(ErrOptionRefused, "offset is required")
			return p, ErrOffsetIgnored
		}
	}
	if p.offset%int64(p.blksize) != 0 {
		return p, c.refuseOption(fmt.Errorf("tftp: offset %d is not a multiple of the granted blksize %d", p.offset, p.blksize))
	}
	return p, nil
}

func (c *clientRun) refuseOption(err error) error {
	c.t.sendError(ErrOptionRefused, err.Error())
	return err
}

func eqFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Download fetches filename from the TFTP server at addr (host:port) and
// writes it to w. It asks for blksize (2048 by default) and tsize, and
// copes with servers that ignore options (plain DATA with 512-byte
// blocks). The result carries the SHA-256 of what was received.
func Download(ctx context.Context, addr, filename string, opts *ClientOptions, w io.Writer) (*Result, error) {
	return download(ctx, addr, filename, opts, w, nil)
}

func download(ctx context.Context, addr, filename string, opts *ClientOptions, w io.Writer, h hash.Hash) (*Result, error) {
	o, err := opts.normalized()
	if err != nil {
		return nil, err
	}
	c, err := openClient(ctx, addr, o)
	if err != nil {
		return nil, err
	}
	defer c.close()
	asked := Options{{OptBlockSize, strconv.Itoa(o.BlockSize)}, {OptTransferSz, "0"}}
	if o.WindowSize > 1 {
		asked = append(asked, Option{OptWindowSize, strconv.Itoa(o.WindowSize)})
	}
	if o.Offset > 0 {
		asked = append(asked, Option{OptOffset, strconv.FormatInt(o.Offset, 10)})
	}
	asked = o.askSeal(asked)
	p, op, prm, err := c.begin(OpRRQ, filename, asked)
	if err != nil {
		return nil, err
	}
	var reply, first []byte
	switch op {
	case OpOACK:
		reply = AppendAck(nil, 0)
	case OpDATA:
		if o.Offset > 0 {
			c.t.sendError(ErrOptionRefused, "offset is required")
			return nil, ErrOffsetIgnored
		}
		first = p
	default:
		c.t.sendError(ErrIllegalOp, "expected OACK or DATA")
		return nil, fmt.Errorf("tftp: server answered an RRQ with %v", op)
	}
	rcv := newReceiver(c.t, c.cfg, w, h, prm.blksize, prm.window, prm.offset, prm.tsize)
	rcv.rto = c.rto
	err = rcv.run(reply, first)
	res := &Result{Bytes: rcv.written, Size: prm.tsize, Offset: prm.offset, BlockSize: prm.blksize,
		WindowSize: prm.window, SHA256: rcv.sum(), Stats: rcv.stats}
	res.Stats.SealDropped = c.t.sealDropped()
	if err != nil {
		// Keep what arrived: a caller may resume from it.
		_ = rcv.w.Flush()
		return res, err
	}
	return res, nil
}

// Upload sends size bytes read from r to the TFTP server at addr as
// filename, asking for blksize (2048 by default), tsize and, when set,
// windowsize.
func Upload(ctx context.Context, addr, filename string, size int64, r io.Reader, opts *ClientOptions) (*Result, error) {
	o, err := opts.normalized()
	if err != nil {
		return nil, err
	}
	if o.Offset != 0 {
		return nil, errors.New("tftp: offset applies to downloads only")
	}
	if size < 0 {
		return nil, fmt.Errorf("tftp: negative upload size %d", size)
	}
	c, err := openClient(ctx, addr, o)
	if err != nil {
		return nil, err
	}
	defer c.close()
	asked := Options{{OptBlockSize, strconv.Itoa(o.BlockSize)}, {OptTransferSz, strconv.FormatInt(size, 10)}}
	if o.WindowSize > 1 {
		asked = append(asked, Option{OptWindowSize, strconv.Itoa(o.WindowSize)})
	}
	asked = o.askSeal(asked)
	p, op, prm, err := c.begin(OpWRQ, filename, asked)
	if err != nil {
		return nil, err
	}
	switch op {
	case OpOACK:
	case OpACK:
		if blk, err := ParseAck(p); err != nil || blk != 0 {
			c.t.sendError(ErrIllegalOp, "expected ACK 0")
			return nil, fmt.Errorf("tftp: server answered a WRQ with a bad ACK (%v)", err)
		}
	default:
		c.t.sendError(ErrIllegalOp, "expected OACK or ACK")
		return nil, fmt.Errorf("tftp: server answered a WRQ with %v", op)
	}
	snd := newSender(c.t, c.cfg, &exactReader{r: r, size: size, left: size}, prm.blksize, prm.window, 0, size)
	snd.rto = c.rto
	err = snd.run()
	res := &Result{Bytes: snd.done, Size: size, BlockSize: prm.blksize, WindowSize: prm.window, Stats: snd.stats}
	res.Stats.SealDropped = c.t.sealDropped()
	return res, err
}

// begin sends a request with the options asked and reads the server's first
// answer. An OACK is checked against what was asked and gives the
// transfer's parameters; an ERROR from the server becomes the error. Any
// other answer is returned with its opcode and the default parameters, for
// the caller to judge.
func (c *clientRun) begin(op Opcode, filename string, asked Options) ([]byte, Opcode, params, error) {
	prm := defaultParams()
	pkt, err := AppendRequest(nil, op, filename, "octet", asked)
	if err != nil {
		return nil, 0, prm, err
	}
	p, err := c.request(pkt)
	if err != nil {
		return nil, 0, prm, err
	}
	got, err := PacketOpcode(p)
	if err != nil {
		c.t.sendError(ErrIllegalOp, err.Error())
		return nil, 0, prm, err
	}
	_, sealAsked := asked.Get(SealOption)
	var oack Options
	switch got {
	case OpOACK:
		if oack, err = ParseOACK(p); err != nil {
			c.t.sendError(ErrIllegalOp, err.Error())
			return nil, 0, prm, err
		}
	case OpERROR:
		return nil, 0, prm, peerError(p)
	}
	if sealAsked {
		if _, ok := oack.Get(SealOption); !ok {
			// No downgrade: a relay that strips the option, or a server
			// that ignores it, gets no plaintext transfer.
			c.t.sendError(ErrOptionRefused, "natter-seal is required")
			return nil, 0, prm, ErrSealDowngrade
		}
		// The server seals from its OACK on: even a refusal of the OACK
		// must be sealed for it to be heard.
		if err := c.t.enableSeal(c.sealKey, ClientToHub, HubToClient, nil); err != nil {
			return nil, 0, prm, err
		}
	}
	if got == OpOACK {
		if prm, err = c.acceptOACK(oack, asked); err != nil {
			return nil, 0, prm, err
		}
	}
	return p, got, prm, nil
}

// exactReader yields exactly size bytes of r, and an error rather than a
// premature end when r is shorter: the receiver must never see a short
// final block of a file that is not complete.
type exactReader struct {
	r          io.Reader
	size, left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF {
		if e.left > 0 {
			return n, fmt.Errorf("tftp: upload source ended after %d of %d bytes", e.size-e.left, e.size)
		}
		err = nil
	}
	return n, err
}
