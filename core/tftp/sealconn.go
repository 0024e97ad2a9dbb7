package tftp

import (
	"errors"
	"fmt"
)

// ErrSealDowngrade is returned by Download, Upload and Fetch when a
// transfer asked to be sealed (ClientOptions.SealKey) and the server's
// answer dropped natter-seal: the client refuses to go on in plaintext.
var ErrSealDowngrade = errors.New("tftp: server answered without natter-seal; refusing to transfer in plaintext")

// A Sealed ReadSource or WriteSink belongs to a transfer that must be
// sealed with natter-seal: the Server answers its request only if it asked
// for "natter-seal 1", and then seals every packet after the OACK with
// the key SealKey returns.
type Sealed interface {
	SealKey() [SealKeySize]byte
}

// SealReadSource returns src as a Sealed ReadSource with key.
func SealReadSource(src ReadSource, key [SealKeySize]byte) ReadSource {
	return &sealedSource{ReadSource: src, key: key}
}

// SealWriteSink returns sink as a Sealed WriteSink with key.
func SealWriteSink(sink WriteSink, key [SealKeySize]byte) WriteSink {
	return &sealedSink{WriteSink: sink, key: key}
}

type sealedSource struct {
	ReadSource
	key [SealKeySize]byte
}

func (s *sealedSource) SealKey() [SealKeySize]byte { return s.key }

type sealedSink struct {
	WriteSink
	key [SealKeySize]byte
}

func (s *sealedSink) SealKey() [SealKeySize]byte { return s.key }

// sealKeyOf returns the key of a Sealed source or sink, or nil.
func sealKeyOf(v any) *[SealKeySize]byte {
	if s, ok := v.(Sealed); ok {
		k := s.SealKey()
		return &k
	}
	return nil
}

// askedSeal reports whether req asked for "natter-seal 1".
func askedSeal(req *Request) bool {
	v, ok := req.Options.Get(SealOption)
	return ok && v == "1"
}

// serverSeal decides, for a request and the key its handler supplied (nil
// for none), whether the transfer is sealed; a mismatch is refused before
// anything else is sent. A sealed grant asked for in plaintext is refused,
// so that the hub never serves a TLS session's data in the clear.
func serverSeal(req *Request, key *[SealKeySize]byte) *Error {
	asked := askedSeal(req)
	switch {
	case key != nil && !asked:
		return NewError(ErrAccessViolation, "this transfer must be sealed: ask with natter-seal 1")
	case key == nil && asked:
		return NewError(ErrOptionRefused, "natter-seal needs a token granted on a TLS session")
	}
	return nil
}

// packetSeal seals every DATA, ACK and ERROR packet one end of a transfer
// sends and opens every one it receives, once the OACK has set sealing up.
// Its buffers are reused from packet to packet, so that the per-packet
// path does not allocate.
type packetSeal struct {
	sealer  *Sealer
	opener  *Opener
	out     []byte // the sealed form of the packet last sent
	in      []byte // the plain form of the packet last received
	dropped int64
	onDrop  func(error)
}

// enableSeal makes t seal what it sends going send and open what it
// receives going recv, with key. A peer's sealed packet is SealOverhead
// bytes longer than its plain form, so the read buffer grows by as much.
func (t *transport) enableSeal(key *[SealKeySize]byte, send, recv SealDirection, onDrop func(error)) error {
	sealer, err := NewSealer(key[:], send)
	if err != nil {
		return err
	}
	opener, err := NewOpener(key[:], recv)
	if err != nil {
		return err
	}
	t.buf = make([]byte, len(t.buf)+SealOverhead)
	t.seal = &packetSeal{sealer: sealer, opener: opener, in: make([]byte, 0, len(t.buf)), onDrop: onDrop}
	return nil
}

// sealOut returns the packet to put on the wire for pkt: pkt itself when
// it is not sealed (a request, an OACK), else its sealed form.
func (p *packetSeal) sealOut(pkt []byte) ([]byte, error) {
	if !sealable(pkt) {
		return pkt, nil
	}
	if need := len(pkt) + SealOverhead; cap(p.out) < need {
		p.out = make([]byte, 0, need)
	}
	out, err := p.sealer.Seal(p.out[:0], pkt)
	if err != nil {
		return nil, fmt.Errorf("tftp: sealing a packet: %w", err)
	}
	p.out = out
	return out, nil
}

// openIn returns the plain form of sealed, or false when it must be
// dropped: it is not sealed, fails to open, or replays a counter. A
// dropped packet is counted and otherwise ignored.
func (p *packetSeal) openIn(sealed []byte) ([]byte, bool) {
	plain, err := p.opener.Open(p.in[:0], sealed)
	if err != nil {
		p.dropped++
		if p.onDrop != nil {
			p.onDrop(err)
		}
		return nil, false
	}
	return plain, true
}

// sealDropped returns how many packets t dropped because they did not
// open.
func (t *transport) sealDropped() int64 {
	if t.seal == nil {
		return 0
	}
	return t.seal.dropped
}
