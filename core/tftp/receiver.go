package tftp

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"time"
)

// receiver takes DATA blocks in order, writes them once through a
// bufio.Writer while hashing them with SHA-256, and acknowledges the last
// in-order block of every window (before writing it, except for the final
// block), on a gap, and on timer expiry. Duplicate DATA is acknowledged
// again and not written.
type receiver struct {
	t       *transport
	cfg     Config
	w       *bufio.Writer
	h       hash.Hash
	blksize int
	window  int
	rto     rtoTimer
	meter   meter
	done    int64 // bytes received, a resumed prefix included
	written int64 // bytes received in this transfer
	ack     []byte
	stats   Stats
	// finish, when set, is called after the final block is written and
	// flushed but before it is acknowledged; an error is sent as ERROR
	// instead of the final ACK.
	finish func() error
	// repeatFinal makes the receiver send its final ACK again on its own
	// timer while it dallies, finalAckRepeats times at most: a server
	// sets it, since a stock sender (curl) waits its own timer, up to a
	// minute, for a final ACK that was lost, and meanwhile the server
	// would have stopped answering.
	repeatFinal bool
}

// finalAckRepeats bounds the repeats of the final ACK (repeatFinal).
const finalAckRepeats = 3

const writeBufferSize = 64 << 10

func newReceiver(t *transport, cfg Config, w io.Writer, h hash.Hash, blksize, window int, offset, total int64) *receiver {
	if h == nil {
		h = sha256.New()
	}
	t.setWindow(window)
	return &receiver{t: t, cfg: cfg, w: bufio.NewWriterSize(w, writeBufferSize), h: h,
		blksize: blksize, window: window, rto: newRTOTimer(cfg), done: offset,
		meter: meter{fn: cfg.Progress, total: total}, ack: make([]byte, 4)}
}

// Sum returns the SHA-256 of everything received (after any prefix the
// hash was seeded with).
func (r *receiver) sum() [sha256.Size]byte {
	var out [sha256.Size]byte
	r.h.Sum(out[:0])
	return out
}

func (r *receiver) setAck(block uint64) []byte {
	binary.BigEndian.PutUint16(r.ack, uint16(OpACK))
	binary.BigEndian.PutUint16(r.ack[2:], uint16(block))
	return r.ack
}

// deadline is when the receiver, having heard nothing since, sends its
// last packet again: receiverTimerFactor retransmission timeouts after the
// later of its last packet out (ACK or OACK) and the last DATA in. RFC 1350
// lets either end retransmit on its timer, and a stock sender, whose own
// timer counts whole seconds, answers the repeated ACK of a block with the
// next one, so the receiver's timer is the one that recovers a lost block
// or ACK of an upload from curl. Our own sender ignores the repeated ACK
// (it is a duplicate) and sends again on its own timer, one timeout after
// the block: the receiver's timer, which would run out at about the same
// moment, is a backup and waits twice as long, so that a hold-up of the
// sender (its CPU busy elsewhere) does not make both ends send again, and
// a lost block of a download from Natter's sender costs no repeated ACK.
// Before the first round-trip sample the factor is 1.
// Counting from the last DATA in keeps the timer quiet while a window is
// still arriving: a repeated ACK from the middle of a window would send a
// windowed sender back to that block.
func (r *receiver) deadline(sentAt, lastData time.Time) time.Time {
	if lastData.After(sentAt) {
		sentAt = lastData
	}
	if !r.rto.sampled {
		// No round trip known yet: the OACK (or ACK 0) is repeated on the
		// initial timeout, as the sender repeats its first packet.
		return sentAt.Add(r.rto.timeout())
	}
	return sentAt.Add(receiverTimerFactor * r.rto.timeout())
}

// receiverTimerFactor is how many retransmission timeouts a receiver waits
// before it repeats its last packet (see receiver.deadline).
const receiverTimerFactor = 2

// run receives the stream. reply is the packet that opened the transfer
// from this side (ACK 0 or an OACK), sent first and again on expiry until
// data comes; first is a DATA packet already received, or nil.
func (r *receiver) run(reply, first []byte) error {
	expected := uint64(1) // next block wanted
	inWindow := 0         // in-order blocks since the last ACK
	gapAcked := false     // a gap was already answered since the last progress
	resp := reply         // what a timer expiry sends again
	respResent := false
	// sentAt: resp last sent; lastData: the last DATA in.
	var sentAt, lastData time.Time
	progress := time.Now()
	r.meter.start(r.done, progress)
	if resp != nil {
		sentAt = time.Now()
		if err := r.t.send(resp); err != nil {
			return err
		}
	}
	sendAck := func() error {
		resp, respResent, sentAt, inWindow = r.setAck(expected-1), false, time.Now(), 0
		return r.t.send(resp)
	}
	// now is the clock reading at the last in-order block while nothing
	// that takes time came after it, else zero.
	var now time.Time
	p := first
	for {
		if p == nil {
			var err error
			p, err = r.t.recvAt(r.deadline(sentAt, lastData), now)
			if err == errExpired {
				r.stats.Timeouts++
				if time.Since(progress) >= r.cfg.NoProgress {
					r.t.sendError(ErrNotDefined, "timed out")
					return fmt.Errorf("%w for %v (peer %v)", ErrTimeout, r.cfg.NoProgress, r.t.peerAddr)
				}
				r.rto.backoff()
				if expected > 1 {
					// Say where we are: the last in-order block.
					resp = r.setAck(expected - 1)
				}
				sentAt, inWindow = time.Now(), 0
				if resp != nil {
					r.stats.Retransmits++
					respResent = true
					if err := r.t.send(resp); err != nil {
						return err
					}
				}
				continue
			}
			if err != nil {
				return failTransfer(r.t, err)
			}
		}
		pkt := p
		p = nil
		now = time.Time{}
		op, err := PacketOpcode(pkt)
		if err != nil {
			continue
		}
		switch op {
		case OpDATA:
			lastData = time.Now()
			wire, data, err := ParseData(pkt)
			if err != nil {
				r.t.sendError(ErrIllegalOp, err.Error())
				return err
			}
			if len(data) > r.blksize {
				r.t.sendError(ErrIllegalOp, fmt.Sprintf("block of %d bytes exceeds blksize %d", len(data), r.blksize))
				return fmt.Errorf("tftp: DATA block %d has %d bytes, more than blksize %d", wire, len(data), r.blksize)
			}
			d := wire - uint16(expected)
			switch {
			case d == 0:
				arrived := lastData
				now = arrived
				if inWindow == 0 && resp != nil && !respResent {
					// Karn's rule, with no exception for a block that
					// comes soon after a repeated ACK: a stock sender
					// answers that ACK at once, and taking the time since
					// the first copy for a round trip would make every
					// recovered loss lengthen the timer by the timer.
					r.rto.sample(arrived.Sub(sentAt))
				}
				r.rto.progress()
				block := expected
				expected++
				inWindow++
				gapAcked = false
				progress = arrived
				final := len(data) < r.blksize
				if !final && inWindow >= r.window {
					// Acknowledge before writing and hashing, so that the
					// sender can go on meanwhile. (The final block is
					// acknowledged only once it is written and judged.)
					resp, respResent, sentAt, inWindow = r.setAck(block), false, arrived, 0
					if err := r.t.send(resp); err != nil {
						return err
					}
				}
				if len(data) > r.w.Available() {
					now = time.Time{} // the write goes on to the file
				}
				if _, err := r.w.Write(data); err != nil {
					r.t.sendError(errorFor(err).Code, "writing the file failed")
					return fmt.Errorf("tftp: writing block %d: %w", block, err)
				}
				r.h.Write(data)
				r.done += int64(len(data))
				r.written += int64(len(data))
				r.stats.Blocks++
				r.meter.update(r.done, arrived)
				if r.meter.fn != nil {
					now = time.Time{} // the callback may take its time
				}
				if final {
					return r.complete(block)
				}
			case d >= 1<<15:
				// Behind: a duplicate. Write nothing, and say again what was
				// said last. That is the newest ACK in stop-and-wait; in a
				// window it may be older than the newest block, and must
				// be: an ACK of the newest block would fall inside the
				// sender's window and send it back to repeat blocks still
				// in flight, whose duplicates would send it back again.
				r.stats.DupData++
				if r.window == 1 && resp != nil && lastData.Sub(sentAt) < r.rto.timeout()/2 {
					// An echo: it came too soon after our last ACK to be
					// a sender's timer going off, so it answers a repeated
					// ACK of ours. A stop-and-wait sender that sends again
					// on every duplicate ACK (curl does) would answer
					// another ACK with another copy, every block twice from
					// then on (RFC 1123 4.2.3.1, seen from the receiving
					// end).
					continue
				}
				if resp == nil || expected == 1 {
					if err := sendAck(); err != nil {
						return err
					}
					continue
				}
				respResent = true // the next DATA's delay is no round trip of one ACK
				if err := r.t.send(resp); err != nil {
					return err
				}
			default:
				// Ahead: a block was lost. Say where we are, once.
				if !gapAcked {
					gapAcked = true
					if err := sendAck(); err != nil {
						return err
					}
				}
			}
		case OpOACK:
			// Our ACK 0 was lost and the server sent its OACK again.
			if expected == 1 && resp != nil {
				r.stats.Retransmits++
				respResent = true
				if err := r.t.send(resp); err != nil {
					return err
				}
				continue
			}
			r.t.sendError(ErrIllegalOp, "unexpected OACK")
			return fmt.Errorf("tftp: unexpected OACK after block %d", expected-1)
		case OpERROR:
			return peerError(pkt)
		default:
			r.t.sendError(ErrIllegalOp, "expected DATA")
			return fmt.Errorf("tftp: unexpected %v from the sending end", op)
		}
	}
}

// complete flushes, lets finish judge the data, acknowledges the final
// block and then dallies to acknowledge it again should the sender not
// have heard.
func (r *receiver) complete(last uint64) error {
	if err := r.w.Flush(); err != nil {
		r.t.sendError(errorFor(err).Code, "writing the file failed")
		return fmt.Errorf("tftp: flushing: %w", err)
	}
	if r.finish != nil {
		if err := r.finish(); err != nil {
			e := errorFor(err)
			r.t.sendError(e.Code, e.Message)
			return err
		}
	}
	ack := r.setAck(last)
	if err := r.t.send(ack); err != nil {
		return err
	}
	dally := r.cfg.Dally
	if dally <= 0 {
		dally = clampDur(4*r.rto.timeout(), 20*time.Millisecond, time.Second)
	}
	now := time.Now()
	quiet, stop := now.Add(dally), now.Add(r.cfg.NoProgress)
	repeats, interval := 0, r.rto.timeout()
	next := now.Add(interval)
	for {
		until := minTime(quiet, stop)
		repeating := r.repeatFinal && repeats < finalAckRepeats && next.Before(until)
		if repeating {
			until = next
		}
		p, err := r.t.recv(until)
		if err == errExpired && repeating {
			// The sender said nothing since: it may not have the ACK.
			repeats++
			r.stats.Retransmits++
			if err := r.t.send(ack); err != nil {
				return nil
			}
			interval *= 2
			next = time.Now().Add(interval)
			continue
		}
		if err != nil {
			return nil // the data is complete whatever happens now
		}
		op, err := PacketOpcode(p)
		if err != nil {
			continue
		}
		switch op {
		case OpDATA:
			r.stats.DupData++
			if err := r.t.send(ack); err != nil {
				return nil
			}
			quiet = time.Now().Add(dally)
		case OpERROR:
			return nil
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
