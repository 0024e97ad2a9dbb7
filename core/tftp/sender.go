package tftp

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Stats counts what happened on the wire during a transfer.
type Stats struct {
	Blocks      int64 // distinct blocks sent or received
	Retransmits int64 // packets sent again after a timer expiry
	Timeouts    int64 // timer expiries
	DupAcks     int64 // duplicate ACKs received (and ignored) by a sender
	DupData     int64 // duplicate DATA received (and acknowledged again) by a receiver
	// SealDropped counts packets of a sealed transfer dropped without
	// being acted upon: forged, altered, replayed or not sealed.
	SealDropped int64
}

// slot is one block of the sender's window, kept until it is acknowledged
// so that it can be sent again.
type slot struct {
	pkt     []byte // DATA packet, header included
	block   uint64
	firstAt time.Time // first sent
	sentAt  time.Time // last sent
	sends   int
}

// sender sends a stream as DATA blocks, window blocks at a time, and moves
// on only when ACKs arrive. It retransmits only when its timer expires:
// a duplicate ACK is counted and ignored (RFC 1123 4.2.3.1).
type sender struct {
	t       *transport
	cfg     Config
	src     io.Reader
	ahead   *bufio.Reader // src when it reads ahead, else nil
	blksize int
	slots   []slot
	rto     rtoTimer
	meter   meter
	done    int64 // bytes acknowledged, a resumed prefix included
	stats   Stats
	heard   bool // the peer answered: it acknowledged the OACK
}

// readAheadSize is how much the sender reads from its source at a time: a
// block at a time would cost a system call per block when the source is
// a file.
const readAheadSize = 64 << 10

func newSender(t *transport, cfg Config, src io.Reader, blksize, window int, offset, total int64) *sender {
	s := &sender{t: t, cfg: cfg, src: src, blksize: blksize, rto: newRTOTimer(cfg), done: offset,
		meter: meter{fn: cfg.Progress, total: total}}
	t.setWindow(window)
	if blksize < readAheadSize {
		s.ahead = bufio.NewReaderSize(src, readAheadSize)
		s.src = s.ahead
	}
	buf := make([]byte, window*(4+blksize))
	s.slots = make([]slot, window)
	for i := range s.slots {
		s.slots[i].pkt = buf[i*(4+blksize) : (i+1)*(4+blksize) : (i+1)*(4+blksize)]
	}
	return s
}

// handshake sends pkt (an OACK) and waits for ACK 0, sending it again on
// every timer expiry.
func (s *sender) handshake(pkt []byte) error {
	sent, sends := time.Now(), 1
	if err := s.t.send(pkt); err != nil {
		return err
	}
	progress := sent
	for {
		p, err := s.t.recv(sent.Add(s.rto.timeout()))
		if err == errExpired {
			s.stats.Timeouts++
			if time.Since(progress) >= s.cfg.NoProgress || s.unanswered(sends) {
				return s.giveUp()
			}
			s.rto.backoff()
			sent, sends = time.Now(), sends+1
			s.stats.Retransmits++
			if err := s.t.send(pkt); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return s.fail(err)
		}
		op, err := PacketOpcode(p)
		if err != nil {
			continue
		}
		switch op {
		case OpACK:
			blk, err := ParseAck(p)
			if err != nil {
				return s.illegal(err)
			}
			if blk != 0 {
				return s.illegal(fmt.Errorf("tftp: ACK %d before any data was sent", blk))
			}
			if sends == 1 {
				s.rto.sample(time.Since(sent))
			}
			s.heard = true
			return nil
		case OpERROR:
			return peerError(p)
		default:
			return s.illegal(fmt.Errorf("tftp: unexpected %v while waiting for ACK 0", op))
		}
	}
}

// run sends the whole stream. Block numbers are counted in 64 bits and
// written modulo 65536, so they wrap from 65535 to 0.
func (s *sender) run() error {
	window := uint64(len(s.slots))
	base := uint64(1) // oldest unacknowledged block
	read := uint64(0) // highest block read into a slot
	last := uint64(0) // the final (short) block once read; 0 while unknown
	progress := time.Now()
	s.meter.start(s.done, progress)
	// now is the latest clock reading while nothing that takes time (a
	// wait, a read from the source) came after it, else zero: reading the
	// clock once per block is enough.
	var now time.Time
	// expiries counts the timer expiries since the last progress: after
	// the first, only the oldest block goes again (see below).
	expiries := 0
	for {
		end := base + window - 1
		for read < end && last == 0 {
			read++
			if s.ahead == nil || s.ahead.Buffered() < s.blksize {
				now = time.Time{}
			}
			if err := s.fill(read); err != nil {
				return err
			}
			if len(s.slots[read%window].pkt) < 4+s.blksize {
				last = read
			}
		}
		if last != 0 && end > last {
			end = last
		}
		if now.IsZero() {
			now = time.Now()
		}
		sendTo := end
		if expiries == 1 {
			// The first expiry sends only the oldest block again. When
			// the window arrived but its ACK did not, or the receiver was
			// held up, that block is a duplicate to the receiver, which
			// answers it with its last ACK: the window is not sent twice
			// for nothing. When its tail was lost, the receiver's own timer
			// says where it stopped; and should neither answer, the next
			// expiry sends the whole window.
			sendTo = base
		}
		for b := base; b <= sendTo; b++ {
			sl := &s.slots[b%window]
			if sl.sends == 0 {
				sl.firstAt = now
			} else {
				s.stats.Retransmits++
			}
			sl.sends++
			sl.sentAt = now
			if err := s.t.send(sl.pkt); err != nil {
				return s.fail(err)
			}
		}
		deadline := now.Add(s.rto.timeout())
	wait:
		for {
			p, err := s.t.recvAt(deadline, now)
			now = time.Time{}
			if err == errExpired {
				s.stats.Timeouts++
				if time.Since(progress) >= s.cfg.NoProgress || base == 1 && !s.heard && s.unanswered(s.slots[1%window].sends) {
					return s.giveUp()
				}
				s.rto.backoff()
				expiries++
				break wait // resend from base
			}
			if err != nil {
				return s.fail(err)
			}
			op, err := PacketOpcode(p)
			if err != nil {
				continue
			}
			switch op {
			case OpACK:
				wire, err := ParseAck(p)
				if err != nil {
					return s.illegal(err)
				}
				d := uint64(wire - uint16(base-1))
				if d == 0 || d > end-(base-1) {
					// A duplicate or stale ACK: never an occasion to send.
					s.stats.DupAcks++
					continue
				}
				acked := base - 1 + d
				now = time.Now()
				if sl := &s.slots[acked%window]; sl.sends == 1 {
					s.rto.sample(now.Sub(sl.sentAt))
				} else if sl.sends == 2 {
					s.rto.lateSample(now.Sub(sl.firstAt), now.Sub(sl.sentAt))
				}
				s.rto.progress()
				for b := base; b <= acked; b++ {
					s.done += int64(len(s.slots[b%window].pkt) - 4)
					s.stats.Blocks++
				}
				base = acked + 1
				progress, expiries = now, 0
				s.meter.update(s.done, now)
				if s.meter.fn != nil {
					now = time.Time{} // the callback may take its time
				}
				if last != 0 && acked == last {
					return nil
				}
				break wait
			case OpERROR:
				return peerError(p)
			case OpOACK:
				if base == 1 {
					// The server sent its OACK again before DATA 1 reached
					// it; like a duplicate ACK 0, no reason to send.
					s.stats.DupAcks++
					continue
				}
				return s.illegal(fmt.Errorf("tftp: unexpected OACK after block %d", base-1))
			default:
				return s.illegal(fmt.Errorf("tftp: unexpected %v from the receiving end", op))
			}
		}
	}
}

// fill reads block b into its slot.
func (s *sender) fill(b uint64) error {
	sl := &s.slots[b%uint64(len(s.slots))]
	pkt := sl.pkt[:4+s.blksize]
	binary.BigEndian.PutUint16(pkt, uint16(OpDATA))
	binary.BigEndian.PutUint16(pkt[2:], uint16(b))
	n, err := io.ReadFull(s.src, pkt[4:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		s.t.sendError(errorFor(err).Code, "reading the file failed")
		return fmt.Errorf("tftp: reading block %d: %w", b, err)
	}
	sl.pkt, sl.block, sl.sends = pkt[:4+n], b, 0
	return nil
}

// unanswered reports whether the first packet, sent sends times without
// an answer, is not to be sent again (Config.UnansweredSends).
func (s *sender) unanswered(sends int) bool {
	return s.cfg.UnansweredSends > 0 && sends >= s.cfg.UnansweredSends
}

func (s *sender) giveUp() error {
	s.t.sendError(ErrNotDefined, "timed out")
	return fmt.Errorf("%w for %v (peer %v)", ErrTimeout, s.cfg.NoProgress, s.t.peerAddr)
}

func (s *sender) fail(err error) error { return failTransfer(s.t, err) }

func (s *sender) illegal(err error) error {
	s.t.sendError(ErrIllegalOp, err.Error())
	return err
}

// failTransfer tells the peer the transfer is over when the local side
// ends it (cancellation) and returns err.
func failTransfer(t *transport, err error) error {
	if errors.Is(err, t.ctx.Err()) && t.ctx.Err() != nil {
		t.sendError(ErrNotDefined, "transfer cancelled")
		return fmt.Errorf("tftp: transfer cancelled: %w", err)
	}
	return err
}

func peerError(p []byte) error {
	e, err := ParseError(p)
	if err != nil {
		return err
	}
	return &PeerError{e}
}
