package tftp

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDuplicateAckSendsNothing drives the server's sender by hand with a
// timer too long to expire during the test: a duplicate ACK must not be
// answered with data.
func TestDuplicateAckSendsNothing(t *testing.T) {
	h := newMemHandler()
	data := randomBytes(5, 3*512+10)
	h.add("f", data)
	slow := Config{InitialRTO: 5 * time.Second, MinRTO: 5 * time.Second, MaxRTO: 5 * time.Second}
	addr := startServer(t, &Server{Handler: h, Config: slow})
	p := newRawPeer(t)
	p.sendTo(addr, mustRequest(t, OpRRQ, "f"))
	pkt, tid := p.recv(5 * time.Second)
	blk, _, err := ParseData(pkt)
	require.NoError(t, err)
	require.Equal(t, uint16(1), blk)
	ack := func(n uint16) {
		_, err := p.conn.WriteToUDP(AppendAck(nil, n), tid)
		require.NoError(t, err)
	}
	ack(1)
	pkt, _ = p.recv(5 * time.Second)
	blk, _, err = ParseData(pkt)
	require.NoError(t, err)
	require.Equal(t, uint16(2), blk)

	ack(1)
	ack(1)
	ack(0)
	_, _, err = p.tryRecv(300 * time.Millisecond)
	require.Error(t, err, "a duplicate ACK was answered")

	ack(2)
	pkt, _ = p.recv(5 * time.Second)
	blk, _, err = ParseData(pkt)
	require.NoError(t, err)
	require.Equal(t, uint16(3), blk)
	ack(3)
	pkt, _ = p.recv(5 * time.Second)
	blk, last, err := ParseData(pkt)
	require.NoError(t, err)
	require.Equal(t, uint16(4), blk)
	require.Len(t, last, 10)
	ack(4)
	require.NoError(t, <-h.readErrs)
}

// TestDuplicateDataWrittenOnce plays a server that sends every block
// twice and its OACK again: the client acknowledges each copy and writes
// each block once.
func TestDuplicateDataWrittenOnce(t *testing.T) {
	fake := newRawPeer(t)
	ctx := testCtx(t, 30*time.Second)
	want := randomBytes(6, 1000)
	var got bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := Download(ctx, fake.addr().String(), "f", &ClientOptions{BlockSize: 512}, &got)
		done <- err
	}()
	_, client := fake.recv(5 * time.Second)
	tid := newRawPeer(t)
	send := func(pkt []byte) {
		_, err := tid.conn.WriteToUDP(pkt, client)
		require.NoError(t, err)
	}
	waitAck := func(n uint16) int {
		acks := 0
		for i := 0; i < 50; i++ {
			pkt, _, err := tid.tryRecv(200 * time.Millisecond)
			if err != nil {
				break
			}
			if b, err := ParseAck(pkt); err == nil && b == n {
				acks++
				if acks == 2 {
					break
				}
			}
		}
		return acks
	}
	oack, err := AppendOACK(nil, Options{{"blksize", "512"}})
	require.NoError(t, err)
	send(oack)
	send(oack)
	assert.GreaterOrEqual(t, waitAck(0), 2, "a repeated OACK is acknowledged again")
	for i, chunk := range [][]byte{want[:512], want[512:]} {
		pkt := AppendData(nil, uint16(i+1), chunk)
		send(pkt)
		send(pkt)
		assert.GreaterOrEqual(t, waitAck(uint16(i+1)), 2, "every copy of DATA %d is acknowledged", i+1)
	}
	require.NoError(t, <-done)
	assert.Equal(t, want, got.Bytes())
}

// TestUploadIgnoresRepeatedOACK plays a server that repeats its OACK after
// DATA 1 arrived.
func TestUploadIgnoresRepeatedOACK(t *testing.T) {
	fake := newRawPeer(t)
	ctx := testCtx(t, 30*time.Second)
	data := randomBytes(8, 700)
	done := make(chan error, 1)
	go func() {
		_, err := Upload(ctx, fake.addr().String(), "u", int64(len(data)), bytes.NewReader(data), &ClientOptions{BlockSize: 512})
		done <- err
	}()
	pkt, client := fake.recv(5 * time.Second)
	req, err := ParseRequest(pkt)
	require.NoError(t, err)
	require.Equal(t, OpWRQ, req.Op)
	size, _ := req.Options.Get("tsize")
	assert.Equal(t, "700", size)
	tid := newRawPeer(t)
	oack, err := AppendOACK(nil, Options{{"blksize", "512"}, {"tsize", "700"}})
	require.NoError(t, err)
	_, err = tid.conn.WriteToUDP(oack, client)
	require.NoError(t, err)
	var received []byte
	next := uint16(1)
	for i := 0; i < 1000 && next <= 2; i++ {
		pkt, _ := tid.recv(5 * time.Second)
		blk, chunk, err := ParseData(pkt)
		require.NoError(t, err)
		if blk != next {
			continue // a retransmission
		}
		received = append(received, chunk...)
		if next == 1 {
			_, err = tid.conn.WriteToUDP(oack, client)
			require.NoError(t, err)
		}
		_, err = tid.conn.WriteToUDP(AppendAck(nil, blk), client)
		require.NoError(t, err)
		next++
	}
	require.NoError(t, <-done)
	assert.Equal(t, data, received)
}

// TestUploadToServerWithoutOptions plays a server that answers a WRQ with
// a plain ACK 0: the client falls back to 512-byte blocks.
func TestUploadToServerWithoutOptions(t *testing.T) {
	fake := newRawPeer(t)
	ctx := testCtx(t, 30*time.Second)
	data := randomBytes(10, 1100)
	done := make(chan error, 1)
	go func() {
		_, err := Upload(ctx, fake.addr().String(), "u", int64(len(data)), bytes.NewReader(data), nil)
		done <- err
	}()
	_, client := fake.recv(5 * time.Second)
	tid := newRawPeer(t)
	_, err := tid.conn.WriteToUDP(AppendAck(nil, 0), client)
	require.NoError(t, err)
	var received []byte
	for next := uint16(1); next <= 3; {
		pkt, _ := tid.recv(5 * time.Second)
		blk, chunk, err := ParseData(pkt)
		require.NoError(t, err)
		require.LessOrEqual(t, len(chunk), 512)
		if blk == next {
			received = append(received, chunk...)
			next++
		}
		_, err = tid.conn.WriteToUDP(AppendAck(nil, blk), client)
		require.NoError(t, err)
	}
	require.NoError(t, <-done)
	assert.Equal(t, data, received)
}

func TestUploadShortSourceFails(t *testing.T) {
	h := newMemHandler()
	addr := startServer(t, &Server{Handler: h})
	_, err := Upload(testCtx(t, 30*time.Second), addr, "u", 5000, bytes.NewReader(make([]byte, 3000)), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ended after 3000 of 5000 bytes")
	sink := h.upload(t, "u")
	<-sink.done
	require.Error(t, sink.err, "the server aborts rather than commits a short file")
}

// TestEchoOfRepeatedAckNotAnswered plays a stock server that, like curl
// uploading, sends a block again on every duplicate ACK: a copy that comes
// right after the client's ACK of it answers an ACK of ours and gets no
// ACK, or the two would go on sending every block twice.
func TestEchoOfRepeatedAckNotAnswered(t *testing.T) {
	w := newWindowPeer(t, randomBytes(8, 700), 1)
	assert.Equal(t, uint16(0), w.nextAck())
	w.send(1)
	assert.Equal(t, uint16(1), w.nextAck())
	w.send(1, 2) // the echo of DATA 1, then DATA 2
	assert.Equal(t, uint16(2), w.nextAck(), "the echo of DATA 1 is not acknowledged")
	require.NoError(t, <-w.done)
	assert.Equal(t, w.want, w.got.Bytes())
}
