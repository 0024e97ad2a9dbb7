package tftp

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// SealOption is the TFTP option with which a Natter client asks for sealed
// packets ("natter-seal 1"). A client refuses an OACK that drops it.
const SealOption = "natter-seal"

// Sizes of natter-seal packets.
const (
	SealKeySize = chacha20poly1305.KeySize // a transfer key, from the TLS session
	// SealOverhead is what sealing adds to a packet: the packet counter
	// and the Poly1305 tag.
	SealOverhead = sealCounterSize + chacha20poly1305.Overhead

	sealHeaderSize  = 4 // opcode and block number (or error code), in clear
	sealCounterSize = 8
	// SealReplayWindow is how many counters an Opener remembers: the
	// highest it accepted and those just before it. A packet whose counter
	// is older is refused as too old.
	SealReplayWindow = 64
)

// SealDirection says which way a sealed packet goes; it is the first part
// of the nonce, so that the two directions of a transfer, which share one
// key, never use the same nonce.
type SealDirection uint32

// The two directions, named by the session's roles whichever way the file
// moves: a download's DATA and an upload's ACKs go HubToClient.
const (
	HubToClient SealDirection = 0
	ClientToHub SealDirection = 1
)

func (d SealDirection) String() string {
	switch d {
	case HubToClient:
		return "hub to client"
	case ClientToHub:
		return "client to hub"
	}
	return fmt.Sprintf("direction(%d)", uint32(d))
}

// Errors of Seal and Open. A packet that Open refuses must be dropped and
// never acted upon.
var (
	// ErrSealForged: the packet did not open with the transfer's key; it
	// was altered, forged, or sealed for the other direction.
	ErrSealForged = errors.New("tftp: sealed packet failed authentication")
	// ErrSealReplayed: the packet's counter was accepted before.
	ErrSealReplayed = errors.New("tftp: sealed packet replays a counter already accepted")
	// ErrSealTooOld: the packet's counter is older than the replay window.
	ErrSealTooOld = errors.New("tftp: sealed packet's counter is older than the replay window")
	// ErrSealMalformed: the packet is too short to be sealed, or is not a
	// DATA, ACK or ERROR packet, the only ones sealed.
	ErrSealMalformed = errors.New("tftp: not a sealed DATA, ACK or ERROR packet")
	// ErrSealExhausted: a Sealer has used all 2^64 counters.
	ErrSealExhausted = errors.New("tftp: sealing counter exhausted")
)

// newSealAEAD checks key and makes the cipher.
func newSealAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != SealKeySize {
		return nil, fmt.Errorf("tftp: transfer key of %d bytes, want %d", len(key), SealKeySize)
	}
	return chacha20poly1305.New(key)
}

// sealNonce sets the 12-byte nonce: direction (4 bytes) then counter
// (8 bytes), both big-endian.
func sealNonce(n *[chacha20poly1305.NonceSize]byte, dir SealDirection, counter uint64) {
	binary.BigEndian.PutUint32(n[0:4], uint32(dir))
	binary.BigEndian.PutUint64(n[4:12], counter)
}

// sealable reports whether pkt is a DATA, ACK or ERROR packet at least
// four bytes long.
func sealable(pkt []byte) bool {
	if len(pkt) < sealHeaderSize {
		return false
	}
	op := Opcode(binary.BigEndian.Uint16(pkt))
	return op == OpDATA || op == OpACK || op == OpERROR
}

// A Sealer seals the DATA, ACK and ERROR packets that one end of a
// transfer sends, counting them from 0. It is not safe for concurrent use;
// one end of a transfer has one.
type Sealer struct {
	aead  cipher.AEAD
	dir   SealDirection
	next  uint64
	spent bool // the counter 2^64-1 has been used
	nonce [chacha20poly1305.NonceSize]byte
}

// NewSealer returns the sealer of the packets going dir, with the 32-byte
// transfer key.
func NewSealer(key []byte, dir SealDirection) (*Sealer, error) {
	aead, err := newSealAEAD(key)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, dir: dir}, nil
}

// Seal appends to dst the sealed form of pkt, a plain DATA, ACK or ERROR
// packet, and returns the extended buffer:
//
//	opcode (2) | block or error code (2) | counter (8) | sealed rest of pkt | tag (16)
//
// The first four bytes are in clear and are the associated data; the rest
// of pkt (a block's data, or an error's message and its NUL) is encrypted.
// Every call uses the next counter, a retransmission too: seal a packet
// again to send it again, never send the same sealed bytes twice. dst and
// pkt must not overlap. With len(pkt)+SealOverhead bytes free in dst, Seal
// does not allocate.
func (s *Sealer) Seal(dst, pkt []byte) ([]byte, error) {
	if !sealable(pkt) {
		return dst, ErrSealMalformed
	}
	if s.spent {
		return dst, ErrSealExhausted
	}
	counter := s.next
	s.next++
	s.spent = s.next == 0
	sealNonce(&s.nonce, s.dir, counter)
	dst = append(dst, pkt[:sealHeaderSize]...)
	dst = binary.BigEndian.AppendUint64(dst, counter)
	return s.aead.Seal(dst, s.nonce[:], pkt[sealHeaderSize:], pkt[:sealHeaderSize]), nil
}

// Sent returns how many packets s has sealed.
func (s *Sealer) Sent() uint64 { return s.next }

// An Opener opens the sealed packets that one end of a transfer receives,
// going dir, and refuses any whose counter it accepted before or that is
// older than its replay window. Packets may arrive out of order within the
// window. It is not safe for concurrent use.
type Opener struct {
	aead   cipher.AEAD
	dir    SealDirection
	window replayWindow
	nonce  [chacha20poly1305.NonceSize]byte
}

// NewOpener returns the opener of the packets coming dir, with the 32-byte
// transfer key.
func NewOpener(key []byte, dir SealDirection) (*Opener, error) {
	aead, err := newSealAEAD(key)
	if err != nil {
		return nil, err
	}
	return &Opener{aead: aead, dir: dir}, nil
}

// Open appends to dst the plain packet that sealed carries and returns the
// extended buffer. A packet that is malformed, fails authentication, or
// whose counter was accepted before or is too old is refused with
// ErrSealMalformed, ErrSealForged, ErrSealReplayed or ErrSealTooOld; dst is
// then returned without the packet (the bytes past its length may have been
// written), and the opener is as it was, so a forged packet cannot use up
// a counter. dst and sealed must not overlap. With len(sealed) bytes free
// in dst, Open does not allocate.
func (o *Opener) Open(dst, sealed []byte) ([]byte, error) {
	if len(sealed) < sealHeaderSize+SealOverhead || !sealable(sealed) {
		return dst, ErrSealMalformed
	}
	counter := binary.BigEndian.Uint64(sealed[sealHeaderSize:])
	if err := o.window.check(counter); err != nil {
		return dst, err
	}
	sealNonce(&o.nonce, o.dir, counter)
	n := len(dst)
	out, err := o.aead.Open(append(dst, sealed[:sealHeaderSize]...), o.nonce[:], sealed[sealHeaderSize+sealCounterSize:], sealed[:sealHeaderSize])
	if err != nil {
		return dst[:n], ErrSealForged
	}
	o.window.accept(counter)
	return out, nil
}

// replayWindow remembers which of the counters top-63 … top were accepted:
// bit i of seen stands for top-i.
type replayWindow struct {
	top  uint64
	seen uint64
	any  bool // whether a counter was accepted at all
}

func (w *replayWindow) check(c uint64) error {
	switch {
	case !w.any || c > w.top:
		return nil
	case w.top-c >= SealReplayWindow:
		return ErrSealTooOld
	case w.seen&(1<<(w.top-c)) != 0:
		return ErrSealReplayed
	}
	return nil
}

// accept records c, which check allowed.
func (w *replayWindow) accept(c uint64) {
	switch {
	case !w.any:
		w.top, w.seen, w.any = c, 1, true
	case c > w.top:
		if shift := c - w.top; shift < SealReplayWindow {
			w.seen = w.seen<<shift | 1
		} else {
			w.seen = 1
		}
		w.top = c
	default:
		w.seen |= 1 << (w.top - c)
	}
}
