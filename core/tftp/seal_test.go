package tftp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sealKey(seed string) []byte {
	k := sha256.Sum256([]byte(seed))
	return k[:]
}

func newSealPair(t testing.TB, key []byte, dir SealDirection) (*Sealer, *Opener) {
	t.Helper()
	s, err := NewSealer(key, dir)
	require.NoError(t, err)
	o, err := NewOpener(key, dir)
	require.NoError(t, err)
	return s, o
}

func block(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestSealRoundTrip(t *testing.T) {
	key := sealKey("transfer")
	packets := map[string][]byte{
		"DATA 2048":  AppendData(nil, 1, block(2048, 1)),
		"DATA empty": AppendData(nil, 65535, nil),
		"ACK":        AppendAck(nil, 7),
		"ERROR":      AppendError(nil, ErrNotDefined, "checksum-mismatch"),
	}
	for _, dir := range []SealDirection{HubToClient, ClientToHub} {
		s, o := newSealPair(t, key, dir)
		for name, pkt := range packets {
			sealed, err := s.Seal(nil, pkt)
			require.NoError(t, err, name)
			assert.Len(t, sealed, len(pkt)+SealOverhead, name)
			assert.Equal(t, pkt[:4], sealed[:4], "%s: opcode and block stay in clear", name)
			if len(pkt) > 8 {
				assert.False(t, bytes.Contains(sealed, pkt[4:]), "%s: the payload is not in clear", name)
			}
			opened, err := o.Open([]byte("prefix"), sealed)
			require.NoError(t, err, name)
			assert.Equal(t, append([]byte("prefix"), pkt...), opened, "%s %v", name, dir)
		}
		assert.Equal(t, uint64(len(packets)), s.Sent())
	}
}

// TestSealKnownAnswers checks sealed packets against ones made with
// Python's cryptography package (OpenSSL's ChaCha20-Poly1305), following
// the layout in PROTOCOL.md; the same examples are given there.
func TestSealKnownAnswers(t *testing.T) {
	key := make([]byte, SealKeySize)
	for i := range key {
		key[i] = byte(i)
	}
	for _, tc := range []struct {
		dir     SealDirection
		counter int
		pkt     []byte
		want    string
	}{
		{ClientToHub, 5, AppendData(nil, 1, []byte("hello")), "0003000100000000000000052d8fb229033aeda5e68dd75de34d2f48f3f6c0632a"},
		{HubToClient, 0, AppendAck(nil, 1), "0004000100000000000000002fd5939e679c651e7e5266cd6d04b61e"},
	} {
		s, o := newSealPair(t, key, tc.dir)
		for i := 0; i < tc.counter; i++ {
			_, err := s.Seal(nil, AppendAck(nil, 0))
			require.NoError(t, err)
		}
		sealed, err := s.Seal(nil, tc.pkt)
		require.NoError(t, err)
		assert.Equal(t, tc.want, hex.EncodeToString(sealed))
		want, err := hex.DecodeString(tc.want)
		require.NoError(t, err)
		got, err := o.Open(nil, want)
		require.NoError(t, err)
		assert.Equal(t, tc.pkt, got)
	}
}

func TestSealCountsEveryPacket(t *testing.T) {
	s, o := newSealPair(t, sealKey("k"), HubToClient)
	pkt := AppendData(nil, 1, []byte("hello"))
	a, err := s.Seal(nil, pkt)
	require.NoError(t, err)
	b, err := s.Seal(nil, pkt) // a retransmission
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 0, 0, 0, 0, 0, 0, 0}, a[4:12], "the first counter is 0")
	assert.Equal(t, []byte{0, 0, 0, 0, 0, 0, 0, 1}, b[4:12], "a retransmission takes the next counter")
	assert.NotEqual(t, a[12:], b[12:])
	for _, p := range [][]byte{a, b} {
		got, err := o.Open(nil, p)
		require.NoError(t, err)
		assert.Equal(t, pkt, got)
	}
}

func TestSealFlippedBitRefused(t *testing.T) {
	key := sealKey("k")
	s, o := newSealPair(t, key, ClientToHub)
	pkt := AppendData(nil, 42, block(40, 2))
	sealed, err := s.Seal(nil, pkt)
	require.NoError(t, err)
	for i := range sealed {
		for bit := 0; bit < 8; bit++ {
			bad := bytes.Clone(sealed)
			bad[i] ^= 1 << bit
			out, err := o.Open(nil, bad)
			require.Error(t, err, "byte %d bit %d", i, bit)
			assert.Empty(t, out)
			if i >= 2 {
				assert.ErrorIs(t, err, ErrSealForged, "byte %d bit %d", i, bit)
			} else {
				// A flipped opcode may leave DATA, ACK and ERROR.
				assert.True(t, errors.Is(err, ErrSealForged) || errors.Is(err, ErrSealMalformed), "byte %d bit %d: %v", i, bit, err)
			}
		}
	}
	// No refused packet used up the counter.
	got, err := o.Open(nil, sealed)
	require.NoError(t, err)
	assert.Equal(t, pkt, got)
}

func TestSealWrongKeyOrDirectionRefused(t *testing.T) {
	s, _ := newSealPair(t, sealKey("k"), HubToClient)
	sealed, err := s.Seal(nil, AppendAck(nil, 1))
	require.NoError(t, err)
	other, err := NewOpener(sealKey("other"), HubToClient)
	require.NoError(t, err)
	_, err = other.Open(nil, sealed)
	assert.ErrorIs(t, err, ErrSealForged, "another key")
	reflected, err := NewOpener(sealKey("k"), ClientToHub)
	require.NoError(t, err)
	_, err = reflected.Open(nil, sealed)
	assert.ErrorIs(t, err, ErrSealForged, "a packet sent back the way it came")
}

func TestSealReplayRefused(t *testing.T) {
	s, o := newSealPair(t, sealKey("k"), HubToClient)
	var sealed [][]byte
	for i := 0; i < SealReplayWindow+6; i++ {
		p, err := s.Seal(nil, AppendData(nil, uint16(i+1), []byte{byte(i)}))
		require.NoError(t, err)
		sealed = append(sealed, p)
	}
	_, err := o.Open(nil, sealed[0])
	require.NoError(t, err)
	_, err = o.Open(nil, sealed[0])
	assert.ErrorIs(t, err, ErrSealReplayed)

	last := len(sealed) - 1 // counter 69
	_, err = o.Open(nil, sealed[last])
	require.NoError(t, err)
	_, err = o.Open(nil, sealed[last-SealReplayWindow]) // counter 5: 64 behind
	assert.ErrorIs(t, err, ErrSealTooOld)
	_, err = o.Open(nil, sealed[1])
	assert.ErrorIs(t, err, ErrSealTooOld)
	_, err = o.Open(nil, sealed[last-SealReplayWindow+1]) // counter 6: 63 behind, never seen
	assert.NoError(t, err)
	_, err = o.Open(nil, sealed[last-SealReplayWindow+1])
	assert.ErrorIs(t, err, ErrSealReplayed)
	_, err = o.Open(nil, sealed[last])
	assert.ErrorIs(t, err, ErrSealReplayed)
}

func TestSealReorderWithinWindow(t *testing.T) {
	s, o := newSealPair(t, sealKey("k"), ClientToHub)
	const n = 3 * SealReplayWindow
	sealed := make([][]byte, n)
	for i := range sealed {
		p, err := s.Seal(nil, AppendAck(nil, uint16(i)))
		require.NoError(t, err)
		sealed[i] = p
	}
	// Shuffle within consecutive windows, so that no packet arrives more
	// than a window late.
	r := rand.New(rand.NewPCG(7, 7))
	order := make([]int, 0, n)
	for base := 0; base < n; base += SealReplayWindow {
		chunk := r.Perm(SealReplayWindow)
		for _, i := range chunk {
			order = append(order, base+i)
		}
	}
	for _, i := range order {
		got, err := o.Open(nil, sealed[i])
		require.NoError(t, err, "packet %d", i)
		blk, err := ParseAck(got)
		require.NoError(t, err)
		assert.Equal(t, uint16(i), blk)
	}
	for i := n - SealReplayWindow; i < n; i++ {
		_, err := o.Open(nil, sealed[i])
		assert.ErrorIs(t, err, ErrSealReplayed, "packet %d", i)
	}
}

func TestSealNoncesOfDirectionsNeverCollide(t *testing.T) {
	var a, b [12]byte
	counters := []uint64{0, 1, 2, 255, 256, 1 << 32, 1<<63 + 5, ^uint64(0)}
	for _, ca := range counters {
		for _, cb := range counters {
			sealNonce(&a, HubToClient, ca)
			sealNonce(&b, ClientToHub, cb)
			assert.NotEqual(t, a, b, "counters %d and %d", ca, cb)
		}
	}
	sealNonce(&a, ClientToHub, 0x0102030405060708)
	assert.Equal(t, [12]byte{0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8}, a, "direction then counter, big-endian")

	// The same packet at the same counter seals differently each way.
	key := sealKey("k")
	hub, _ := newSealPair(t, key, HubToClient)
	client, _ := newSealPair(t, key, ClientToHub)
	pkt := AppendData(nil, 1, block(64, 3))
	x, err := hub.Seal(nil, pkt)
	require.NoError(t, err)
	y, err := client.Seal(nil, pkt)
	require.NoError(t, err)
	assert.Equal(t, x[:12], y[:12], "same clear header and counter")
	assert.NotEqual(t, x[12:], y[12:])
}

func TestSealRefusesOtherPackets(t *testing.T) {
	s, o := newSealPair(t, sealKey("k"), HubToClient)
	rrq, err := AppendRequest(nil, OpRRQ, "token", "octet", nil)
	require.NoError(t, err)
	oack, err := AppendOACK(nil, Options{{Name: SealOption, Value: "1"}})
	require.NoError(t, err)
	for _, pkt := range [][]byte{nil, {0, 3, 0}, rrq, oack} {
		_, err := s.Seal(nil, pkt)
		assert.ErrorIs(t, err, ErrSealMalformed, "%x", pkt)
	}
	assert.Equal(t, uint64(0), s.Sent(), "a refused packet takes no counter")
	sealed, err := s.Seal(nil, AppendAck(nil, 1))
	require.NoError(t, err)
	for _, bad := range [][]byte{sealed[:len(sealed)-1], sealed[:4], oack} {
		_, err := o.Open(nil, bad)
		assert.ErrorIs(t, err, ErrSealMalformed)
	}
	_, err = NewSealer(make([]byte, 16), HubToClient)
	assert.Error(t, err)
	_, err = NewOpener(make([]byte, 33), HubToClient)
	assert.Error(t, err)
}

func TestSealCounterExhausted(t *testing.T) {
	s, o := newSealPair(t, sealKey("k"), HubToClient)
	s.next = ^uint64(0)
	last, err := s.Seal(nil, AppendAck(nil, 1))
	require.NoError(t, err)
	_, err = s.Seal(nil, AppendAck(nil, 2))
	assert.ErrorIs(t, err, ErrSealExhausted, "a counter is never used twice")
	_, err = o.Open(nil, last)
	assert.NoError(t, err)
	_, err = o.Open(nil, last)
	assert.ErrorIs(t, err, ErrSealReplayed)
}

func TestSealDoesNotAllocate(t *testing.T) {
	s, o := newSealPair(t, sealKey("k"), HubToClient)
	pkt := AppendData(nil, 1, block(2048, 4))
	sealBuf := make([]byte, 0, len(pkt)+SealOverhead)
	openBuf := make([]byte, 0, len(pkt)+SealOverhead)
	allocs := testing.AllocsPerRun(100, func() {
		sealed, err := s.Seal(sealBuf[:0], pkt)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Open(openBuf[:0], sealed); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
	// Refusals do not allocate either.
	sealed, err := s.Seal(sealBuf[:0], pkt)
	require.NoError(t, err)
	_, err = o.Open(openBuf[:0], sealed)
	require.NoError(t, err)
	allocs = testing.AllocsPerRun(100, func() {
		if _, err := o.Open(openBuf[:0], sealed); !errors.Is(err, ErrSealReplayed) {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

// BenchmarkSealOpen seals and opens a 2048-byte DATA packet; its baseline,
// Copy, copies the same packet into a buffer, the least a transfer does
// with a block.
func BenchmarkSealOpen(b *testing.B) {
	pkt := AppendData(nil, 1, block(2048, 5))
	sealBuf := make([]byte, 0, len(pkt)+SealOverhead)
	openBuf := make([]byte, 0, len(pkt)+SealOverhead)
	b.Run("Copy", func(b *testing.B) {
		b.SetBytes(2048)
		b.ReportAllocs()
		for b.Loop() {
			openBuf = append(openBuf[:0], pkt...)
		}
	})
	b.Run("SealOpen", func(b *testing.B) {
		s, o := newSealPair(b, sealKey("k"), HubToClient)
		b.SetBytes(2048)
		b.ReportAllocs()
		for b.Loop() {
			sealed, err := s.Seal(sealBuf[:0], pkt)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := o.Open(openBuf[:0], sealed); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Both ends of a transfer have the key from their TLS session
// (identity.TransferKey); the hub seals what it sends HubToClient and opens
// what comes ClientToHub, and the client the other way round.
func ExampleSealer() {
	key := make([]byte, SealKeySize) // from identity.TransferKey
	hubSeal, _ := NewSealer(key, HubToClient)
	clientOpen, _ := NewOpener(key, HubToClient)

	send := make([]byte, 0, 2048+4+SealOverhead) // buffers kept for the transfer
	recv := make([]byte, 0, 2048+4+SealOverhead)

	sealed, _ := hubSeal.Seal(send[:0], AppendData(nil, 1, []byte("hello")))
	plain, err := clientOpen.Open(recv[:0], sealed)
	blk, data, _ := ParseData(plain)
	fmt.Println(len(sealed), blk, string(data), err)

	_, err = clientOpen.Open(recv[:0], sealed) // the same packet again
	fmt.Println(err)
	// Output:
	// 33 1 hello <nil>
	// tftp: sealed packet replays a counter already accepted
}

// FuzzSealOpen checks that Open never panics and opens nothing but what
// the Sealer sealed: any other input is refused, and the genuine packet
// still opens afterwards.
func FuzzSealOpen(f *testing.F) {
	key := sealKey("fuzz")
	s, _ := newSealPair(f, key, ClientToHub)
	genuine, err := s.Seal(nil, AppendData(nil, 1, []byte("block")))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(genuine[:len(genuine)-1])
	f.Add(append([]byte{0, 4, 0, 1}, make([]byte, 24)...))
	f.Add([]byte{0, 5, 0, 0, 'x', 0})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		o, err := NewOpener(key, ClientToHub)
		if err != nil {
			t.Fatal(err)
		}
		out, err := o.Open(nil, pkt)
		if bytes.Equal(pkt, genuine) {
			return
		}
		if err == nil {
			t.Fatalf("opened %x as %x", pkt, out)
		}
		if _, err := o.Open(nil, genuine); err != nil {
			t.Fatalf("after refusing %x, the genuine packet is refused: %v", pkt, err)
		}
	})
}
