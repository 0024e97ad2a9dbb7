package tftp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/natter-chat/natter/core/tftp/lossy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sealHandler is a memHandler whose transfers are sealed with key.
type sealHandler struct {
	*memHandler
	key [SealKeySize]byte
}

func (h sealHandler) ServeRead(ctx context.Context, req *Request) (ReadSource, error) {
	src, err := h.memHandler.ServeRead(ctx, req)
	if err != nil {
		return nil, err
	}
	return SealReadSource(src, h.key), nil
}

func (h sealHandler) ServeWrite(ctx context.Context, req *Request) (WriteSink, error) {
	sink, err := h.memHandler.ServeWrite(ctx, req)
	if err != nil {
		return nil, err
	}
	return SealWriteSink(sink, h.key), nil
}

func testSealKey(seed byte) *[SealKeySize]byte {
	var k [SealKeySize]byte
	for i := range k {
		k[i] = seed + byte(i)
	}
	return &k
}

// dropLog records the reasons the server gave for dropped packets.
type dropLog struct {
	mu   sync.Mutex
	errs []error
}

func (d *dropLog) note(_ *Request, err error) {
	d.mu.Lock()
	d.errs = append(d.errs, err)
	d.mu.Unlock()
}

func (d *dropLog) all() []error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]error(nil), d.errs...)
}

// startSealedRelay runs a server sealing its transfers with key behind a
// relay with tamper, and returns the handler and the relay.
func startSealedRelay(t *testing.T, key *[SealKeySize]byte, drops *dropLog, tamper func(toClient bool, pkt []byte) [][]byte) (*memHandler, *lossy.Relay) {
	t.Helper()
	h := newMemHandler()
	srv := &Server{Handler: h}
	if key != nil {
		srv.Handler = sealHandler{h, *key}
	}
	if drops != nil {
		srv.SealDropped = drops.note
	}
	addr := startServer(t, srv)
	r, err := lossy.NewRelay(addr)
	require.NoError(t, err)
	r.Tamper = tamper
	r.Start()
	t.Cleanup(r.Close)
	return h, r
}

func isOp(pkt []byte, op Opcode) bool {
	got, err := PacketOpcode(pkt)
	return err == nil && got == op
}

func TestSealedRoundTrip(t *testing.T) {
	key := testSealKey(1)
	for _, window := range []int{1, 16} {
		for _, size := range []int{0, 1, 2048, 100_000} {
			t.Run(fmt.Sprintf("window%d/%d", window, size), func(t *testing.T) {
				drops := &dropLog{}
				h, relay := startSealedRelay(t, key, drops, nil)
				data := randomBytes(uint64(size)+7, size)
				h.add("f", data)
				ctx := testCtx(t, 60*time.Second)
				opts := &ClientOptions{WindowSize: window, SealKey: key}

				var got bytes.Buffer
				res, err := Download(ctx, relay.Addr(), "f", opts, &got)
				require.NoError(t, err)
				require.True(t, bytes.Equal(data, got.Bytes()), "downloaded bytes differ")
				require.NoError(t, <-h.readErrs)
				assert.Zero(t, res.Stats.SealDropped)

				_, err = Upload(ctx, relay.Addr(), "u", int64(size), bytes.NewReader(data), opts)
				require.NoError(t, err)
				sink := h.upload(t, "u")
				<-sink.done
				require.NoError(t, sink.err)
				assert.Equal(t, sha256.Sum256(data), sink.sum)
				assert.Empty(t, drops.all())

				// Every DATA on the wire is sealed: its counter and tag
				// make it SealOverhead longer than a plain block.
				for _, p := range relay.Datagrams() {
					if isOp(p, OpDATA) {
						require.GreaterOrEqual(t, len(p), sealHeaderSize+SealOverhead, "DATA %x", p[:4])
					}
				}
			})
		}
	}
}

// flipOnce returns a tamper that flips one bit in the body of the n-th
// packet of op going the given way and passes everything else on.
func flipOnce(op Opcode, toClient bool, n int) func(bool, []byte) [][]byte {
	var mu sync.Mutex
	seen := 0
	return func(tc bool, pkt []byte) [][]byte {
		mu.Lock()
		defer mu.Unlock()
		if tc == toClient && isOp(pkt, op) {
			seen++
			if seen == n {
				pkt[len(pkt)-SealOverhead/2] ^= 0x10 // inside the ciphertext or tag
			}
		}
		return [][]byte{pkt}
	}
}

func TestSealedFlippedBitIsDropped(t *testing.T) {
	key := testSealKey(2)
	data := randomBytes(3, 50*2048+5)
	for _, window := range []int{1, 16} {
		t.Run(fmt.Sprintf("download/window%d", window), func(t *testing.T) {
			h, relay := startSealedRelay(t, key, nil, flipOnce(OpDATA, true, 5))
			h.add("f", data)
			var got bytes.Buffer
			res, err := Download(testCtx(t, 60*time.Second), relay.Addr(), "f", &ClientOptions{WindowSize: window, SealKey: key}, &got)
			require.NoError(t, err)
			require.Equal(t, data, got.Bytes())
			assert.Equal(t, int64(1), res.Stats.SealDropped)
		})
		t.Run(fmt.Sprintf("upload/window%d", window), func(t *testing.T) {
			drops := &dropLog{}
			h, relay := startSealedRelay(t, key, drops, flipOnce(OpDATA, false, 5))
			_, err := Upload(testCtx(t, 60*time.Second), relay.Addr(), "u", int64(len(data)), bytes.NewReader(data), &ClientOptions{WindowSize: window, SealKey: key})
			require.NoError(t, err)
			sink := h.upload(t, "u")
			<-sink.done
			require.NoError(t, sink.err)
			assert.Equal(t, sha256.Sum256(data), sink.sum)
			errs := drops.all()
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], ErrSealForged)
		})
	}
}

// replayOnce returns a tamper that, going the given way, keeps a copy of
// the keep-th packet of op and sends it again after the at-th.
func replayOnce(op Opcode, toClient bool, keep, at int) func(bool, []byte) [][]byte {
	var mu sync.Mutex
	seen := 0
	var old []byte
	return func(tc bool, pkt []byte) [][]byte {
		mu.Lock()
		defer mu.Unlock()
		if tc != toClient || !isOp(pkt, op) {
			return [][]byte{pkt}
		}
		seen++
		switch seen {
		case keep:
			old = append([]byte(nil), pkt...)
		case at:
			return [][]byte{pkt, old}
		}
		return [][]byte{pkt}
	}
}

func TestSealedReplayIsDropped(t *testing.T) {
	key := testSealKey(3)
	data := randomBytes(4, 40*2048)
	t.Run("download", func(t *testing.T) {
		h, relay := startSealedRelay(t, key, nil, replayOnce(OpDATA, true, 3, 10))
		h.add("f", data)
		var got bytes.Buffer
		res, err := Download(testCtx(t, 60*time.Second), relay.Addr(), "f", &ClientOptions{SealKey: key}, &got)
		require.NoError(t, err)
		require.Equal(t, data, got.Bytes())
		assert.Equal(t, int64(1), res.Stats.SealDropped)
	})
	t.Run("upload-ack", func(t *testing.T) {
		// An old ACK replayed towards the client's sender, and an old
		// DATA towards the hub's receiver.
		drops := &dropLog{}
		ack := replayOnce(OpACK, true, 2, 8)
		dat := replayOnce(OpDATA, false, 4, 12)
		h, relay := startSealedRelay(t, key, drops, func(tc bool, p []byte) [][]byte {
			if tc {
				return ack(tc, p)
			}
			return dat(tc, p)
		})
		res, err := Upload(testCtx(t, 60*time.Second), relay.Addr(), "u", int64(len(data)), bytes.NewReader(data), &ClientOptions{SealKey: key})
		require.NoError(t, err)
		sink := h.upload(t, "u")
		<-sink.done
		require.NoError(t, sink.err)
		assert.Equal(t, sha256.Sum256(data), sink.sum)
		assert.Equal(t, int64(1), res.Stats.SealDropped)
		errs := drops.all()
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], ErrSealReplayed)
	})
}

// stripSeal rewrites an OACK without natter-seal.
func stripSeal(toClient bool, pkt []byte) [][]byte {
	if !toClient || !isOp(pkt, OpOACK) {
		return [][]byte{pkt}
	}
	oack, err := ParseOACK(pkt)
	if err != nil {
		return [][]byte{pkt}
	}
	var kept Options
	for _, o := range oack {
		if !eqFold(o.Name, SealOption) {
			kept = append(kept, o)
		}
	}
	out, _ := AppendOACK(nil, kept)
	return [][]byte{out}
}

func TestSealedStrippedOACKIsRefused(t *testing.T) {
	key := testSealKey(4)
	h, relay := startSealedRelay(t, key, nil, stripSeal)
	data := randomBytes(5, 10*2048)
	h.add("f", data)
	ctx := testCtx(t, 60*time.Second)
	var got bytes.Buffer
	_, err := Download(ctx, relay.Addr(), "f", &ClientOptions{SealKey: key}, &got)
	require.ErrorIs(t, err, ErrSealDowngrade)
	assert.Zero(t, got.Len(), "nothing written")
	_, err = Upload(ctx, relay.Addr(), "u", int64(len(data)), bytes.NewReader(data), &ClientOptions{SealKey: key})
	require.ErrorIs(t, err, ErrSealDowngrade)
	for _, p := range relay.Datagrams() {
		assert.False(t, isOp(p, OpDATA) && len(p) == 4+2048, "a plaintext block went out")
	}
}

// TestSealedNothingReadable captures every datagram of a download and
// looks for any 16-byte run of the file in them: none sealed, some plain.
func TestSealedNothingReadable(t *testing.T) {
	data := randomBytes(6, 64*1024+100)
	runs := make(map[[16]byte]bool, len(data))
	for i := 0; i+16 <= len(data); i++ {
		runs[[16]byte(data[i:i+16])] = true
	}
	leaks := func(dgrams [][]byte) int {
		n := 0
		for _, d := range dgrams {
			for i := 0; i+16 <= len(d); i++ {
				if runs[[16]byte(d[i:i+16])] {
					n++
				}
			}
		}
		return n
	}
	for _, sealed := range []bool{false, true} {
		t.Run(fmt.Sprint("sealed=", sealed), func(t *testing.T) {
			var key *[SealKeySize]byte
			if sealed {
				key = testSealKey(5)
			}
			h, relay := startSealedRelay(t, key, nil, nil)
			h.add("f", data)
			var got bytes.Buffer
			_, err := Download(testCtx(t, 60*time.Second), relay.Addr(), "f", &ClientOptions{SealKey: key}, &got)
			require.NoError(t, err)
			require.Equal(t, data, got.Bytes())
			if sealed {
				assert.Zero(t, leaks(relay.Datagrams()))
			} else {
				assert.Positive(t, leaks(relay.Datagrams()))
			}
		})
	}
}

func TestSealedServerRefusesMismatch(t *testing.T) {
	key := testSealKey(7)
	h := newMemHandler()
	h.add("f", []byte("secret"))
	sealedAddr := startServer(t, &Server{Handler: sealHandler{h, *key}})
	plainAddr := startServer(t, &Server{Handler: h})
	p := newRawPeer(t)

	// A sealed transfer asked for in plaintext.
	p.sendTo(sealedAddr, mustRequest(t, OpRRQ, "f", OptBlockSize, "2048"))
	pkt, _ := p.recv(10 * time.Second)
	requireError(t, pkt, ErrAccessViolation)
	require.Error(t, <-h.readErrs, "the refused read is finished with its error")
	p.sendTo(sealedAddr, mustRequest(t, OpWRQ, "u", OptTransferSz, "6"))
	pkt, _ = p.recv(10 * time.Second)
	requireError(t, pkt, ErrAccessViolation)
	// A seal asked for where there is no key.
	p.sendTo(plainAddr, mustRequest(t, OpRRQ, "f", SealOption, "1"))
	pkt, _ = p.recv(10 * time.Second)
	requireError(t, pkt, ErrOptionRefused)
	require.Error(t, <-h.readErrs)

	// Download surfaces the refusal as the peer's error.
	_, err := Download(testCtx(t, 30*time.Second), plainAddr, "f", &ClientOptions{SealKey: key}, &bytes.Buffer{})
	var pe *PeerError
	require.True(t, errors.As(err, &pe), "got %v", err)
	assert.Equal(t, ErrOptionRefused, pe.Packet.Code)
	require.Error(t, <-h.readErrs)

	// A sealed OACK echoes the option, in clear, and its first block is sealed.
	p.sendTo(sealedAddr, mustRequest(t, OpRRQ, "f", SealOption, "1"))
	pkt, from := p.recv(10 * time.Second)
	oack, err := ParseOACK(pkt)
	require.NoError(t, err)
	v, ok := oack.Get(SealOption)
	require.True(t, ok)
	assert.Equal(t, "1", v)
	s, err := NewSealer(key[:], ClientToHub)
	require.NoError(t, err)
	ack0, err := s.Seal(nil, AppendAck(nil, 0))
	require.NoError(t, err)
	p.sendTo(from.String(), ack0)
	pkt, _ = p.recv(10 * time.Second)
	o, err := NewOpener(key[:], HubToClient)
	require.NoError(t, err)
	plain, err := o.Open(nil, pkt)
	require.NoError(t, err)
	assert.Equal(t, []byte("secret"), plain[4:])
	assert.Equal(t, uint16(1), binary.BigEndian.Uint16(plain[2:]))
	ack1, _ := s.Seal(nil, AppendAck(nil, 1))
	p.sendTo(from.String(), ack1)
	require.NoError(t, <-h.readErrs)
}

// TestSealedOACKRefusalIsHeard: a client that refuses a sealed OACK (here
// one whose blksize a relay raised beyond what was asked) seals its ERROR,
// so the server ends the transfer with it at once instead of dropping it
// and waiting for its timer.
func TestSealedOACKRefusalIsHeard(t *testing.T) {
	key := testSealKey(8)
	h, relay := startSealedRelay(t, key, nil, func(toClient bool, pkt []byte) [][]byte {
		if !toClient || !isOp(pkt, OpOACK) {
			return [][]byte{pkt}
		}
		oack, err := ParseOACK(pkt)
		if err != nil {
			return [][]byte{pkt}
		}
		for i := range oack {
			if eqFold(oack[i].Name, OptBlockSize) {
				oack[i].Value = "4096"
			}
		}
		out, _ := AppendOACK(nil, oack)
		return [][]byte{out}
	})
	h.add("f", randomBytes(9, 3*2048))
	_, err := Download(testCtx(t, 60*time.Second), relay.Addr(), "f", &ClientOptions{SealKey: key}, &bytes.Buffer{})
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrSealDowngrade)
	served := <-h.readErrs
	var pe *PeerError
	require.True(t, errors.As(served, &pe), "the server heard the refusal, got %v", served)
	assert.Equal(t, ErrOptionRefused, pe.Packet.Code)
}
