package tftp

import (
	"bytes"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func recvBlocks(t *testing.T, p *rawPeer, n int) []uint16 {
	t.Helper()
	var blocks []uint16
	for len(blocks) < n {
		pkt, _ := p.recv(5 * time.Second)
		blk, _, err := ParseData(pkt)
		require.NoError(t, err)
		blocks = append(blocks, blk)
	}
	return blocks
}

// TestWindowGoBack checks the sending side of RFC 7440: a full window is
// sent without waiting, and an ACK inside the window makes the sender go
// back to the block after it.
func TestWindowGoBack(t *testing.T) {
	h := newMemHandler()
	h.add("f", randomBytes(4, 20*512))
	slow := Config{InitialRTO: 5 * time.Second, MinRTO: 5 * time.Second, MaxRTO: 5 * time.Second}
	addr := startServer(t, &Server{Handler: h, Config: slow})
	p := newRawPeer(t)
	p.sendTo(addr, mustRequest(t, OpRRQ, "f", "windowsize", "4"))
	pkt, tid := p.recv(5 * time.Second)
	oack, err := ParseOACK(pkt)
	require.NoError(t, err)
	assert.Equal(t, Options{{"windowsize", "4"}}, oack)
	ack := func(n uint16) {
		_, err := p.conn.WriteToUDP(AppendAck(nil, n), tid)
		require.NoError(t, err)
	}
	ack(0)
	assert.Equal(t, []uint16{1, 2, 3, 4}, recvBlocks(t, p, 4))
	ack(2) // 3 was lost
	assert.Equal(t, []uint16{3, 4, 5, 6}, recvBlocks(t, p, 4))
	ack(6)
	assert.Equal(t, []uint16{7, 8, 9, 10}, recvBlocks(t, p, 4))
	_, _ = p.conn.WriteToUDP(AppendError(nil, ErrNotDefined, "enough"), tid)
}

// TestWindowReceiverAcks checks the receiving side: one ACK per window,
// and an ACK of the last in-order block at a gap.
func TestWindowReceiverAcks(t *testing.T) {
	w := newWindowPeer(t, randomBytes(3, 9*512+100), 4)
	assert.Equal(t, uint16(0), w.nextAck())
	w.send(1, 2, 3, 4)
	assert.Equal(t, uint16(4), w.nextAck(), "one ACK for a whole window")
	w.send(5, 6, 8) // 7 lost
	assert.Equal(t, uint16(6), w.nextAck(), "a gap is answered with the last in-order block")
	w.send(7, 8, 9, 10)
	assert.Equal(t, uint16(10), w.nextAck(), "the short final block is acknowledged at once")
	require.NoError(t, <-w.done)
	assert.Equal(t, w.want, w.got.Bytes())
}

// TestWindowDuplicateRepeatsLastAck: a duplicate block in the middle of a
// window is answered with the ACK sent last, not with an ACK of the newest
// block, which would fall inside the sender's window and send it back to
// repeat blocks still in flight.
func TestWindowDuplicateRepeatsLastAck(t *testing.T) {
	w := newWindowPeer(t, randomBytes(5, 7*512+10), 4)
	assert.Equal(t, uint16(0), w.nextAck())
	w.send(1, 2, 3, 4)
	assert.Equal(t, uint16(4), w.nextAck())
	w.send(5, 6, 5)
	assert.Equal(t, uint16(4), w.nextAck(), "the duplicate of 5 repeats ACK 4, not ACK 6")
	w.send(7, 8)
	assert.Equal(t, uint16(8), w.nextAck(), "the window of 5-8 is acknowledged once it is complete")
	require.NoError(t, <-w.done)
	assert.Equal(t, w.want, w.got.Bytes())
}

// windowPeer plays a server to Natter's client downloading want with
// 512-byte blocks and the given windowsize (1: stop-and-wait), with timers
// too slow to fire: send sends DATA blocks, nextAck reads the client's next
// ACK, and done reports the download's end, after which got holds what it
// received.
type windowPeer struct {
	t      *testing.T
	want   []byte
	tid    *rawPeer
	client *net.UDPAddr
	got    bytes.Buffer
	done   chan error
}

func newWindowPeer(t *testing.T, want []byte, window int) *windowPeer {
	fake := newRawPeer(t)
	ctx := testCtx(t, 30*time.Second)
	w := &windowPeer{t: t, want: want, done: make(chan error, 1)}
	slow := Config{InitialRTO: 5 * time.Second, MinRTO: 5 * time.Second, MaxRTO: 5 * time.Second}
	go func() {
		_, err := Download(ctx, fake.addr().String(), "f", &ClientOptions{Config: slow, BlockSize: 512, WindowSize: window}, &w.got)
		w.done <- err
	}()
	_, w.client = fake.recv(5 * time.Second)
	w.tid = newRawPeer(t)
	granted := Options{{"blksize", "512"}}
	if window > 1 {
		granted = append(granted, Option{"windowsize", strconv.Itoa(window)})
	}
	oack, err := AppendOACK(nil, granted)
	require.NoError(t, err)
	_, err = w.tid.conn.WriteToUDP(oack, w.client)
	require.NoError(t, err)
	return w
}

func (w *windowPeer) send(blocks ...int) {
	for _, b := range blocks {
		end := min(b*512, len(w.want))
		_, err := w.tid.conn.WriteToUDP(AppendData(nil, uint16(b), w.want[(b-1)*512:end]), w.client)
		require.NoError(w.t, err)
	}
}

func (w *windowPeer) nextAck() uint16 {
	pkt, _ := w.tid.recv(5 * time.Second)
	n, err := ParseAck(pkt)
	require.NoError(w.t, err)
	return n
}

// TestWindowExpirySendsOldestFirst: when the timer of a window expires,
// the sender sends only its oldest block again, which a receiver that
// has the window answers with its last ACK; when that expires too, the
// whole window goes again.
func TestWindowExpirySendsOldestFirst(t *testing.T) {
	h := newMemHandler()
	h.add("f", randomBytes(5, 20*512))
	quick := Config{InitialRTO: 20 * time.Millisecond, MinRTO: 20 * time.Millisecond, MaxRTO: 40 * time.Millisecond}
	addr := startServer(t, &Server{Handler: h, Config: quick})
	p := newRawPeer(t)
	p.sendTo(addr, mustRequest(t, OpRRQ, "f", "windowsize", "4"))
	pkt, tid := p.recv(5 * time.Second)
	_, err := ParseOACK(pkt)
	require.NoError(t, err)
	ack := func(n uint16) {
		_, err := p.conn.WriteToUDP(AppendAck(nil, n), tid)
		require.NoError(t, err)
	}
	ack(0)
	assert.Equal(t, []uint16{1, 2, 3, 4}, recvBlocks(t, p, 4))
	// No ACK: the first expiry sends block 1 alone, the next the window.
	assert.Equal(t, []uint16{1, 1, 2, 3, 4}, recvBlocks(t, p, 5))
	ack(4) // the answer to a duplicate: where the receiver is
	// Copies of 1-4 sent by a further expiry before the ACK came are
	// skipped.
	next := recvBlocks(t, p, 1)[0]
	for i := 0; i < 20 && next <= 4; i++ {
		next = recvBlocks(t, p, 1)[0]
	}
	assert.Equal(t, []uint16{5, 6, 7, 8}, append([]uint16{next}, recvBlocks(t, p, 3)...))
	ack(8)
	assert.Equal(t, []uint16{9, 10, 11, 12}, recvBlocks(t, p, 4))
	_, _ = p.conn.WriteToUDP(AppendError(nil, ErrNotDefined, "enough"), tid)
}
