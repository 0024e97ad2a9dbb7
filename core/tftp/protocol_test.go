package tftp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTsizeLeftOutForEmptyFile(t *testing.T) {
	h := newMemHandler()
	h.add("empty", nil)
	h.add("five", []byte("hello"))
	addr := startServer(t, &Server{Handler: h})

	p := newRawPeer(t)
	p.sendTo(addr, mustRequest(t, OpRRQ, "empty", "blksize", "2048", "tsize", "0"))
	pkt, tid := p.recv(5 * time.Second)
	oack, err := ParseOACK(pkt)
	require.NoError(t, err)
	assert.Equal(t, Options{{"blksize", "2048"}}, oack)
	_, err = p.conn.WriteToUDP(AppendAck(nil, 0), tid)
	require.NoError(t, err)
	pkt, _ = p.recv(5 * time.Second)
	blk, data, err := ParseData(pkt)
	require.NoError(t, err)
	assert.Equal(t, uint16(1), blk)
	assert.Empty(t, data)
	_, err = p.conn.WriteToUDP(AppendAck(nil, 1), tid)
	require.NoError(t, err)
	require.NoError(t, <-h.readErrs)

	p.sendTo(addr, mustRequest(t, OpRRQ, "five", "tsize", "0"))
	pkt, tid = p.recv(5 * time.Second)
	oack, err = ParseOACK(pkt)
	require.NoError(t, err)
	assert.Equal(t, Options{{"tsize", "5"}}, oack)
	_, _ = p.conn.WriteToUDP(AppendError(nil, ErrNotDefined, "enough"), tid)
}

func TestNoOptionsMeansPlainData(t *testing.T) {
	h := newMemHandler()
	h.add("f", bytes.Repeat([]byte("x"), 600))
	addr := startServer(t, &Server{Handler: h})
	p := newRawPeer(t)
	p.sendTo(addr, mustRequest(t, OpRRQ, "f"))
	pkt, tid := p.recv(5 * time.Second)
	blk, data, err := ParseData(pkt)
	require.NoError(t, err)
	assert.Equal(t, uint16(1), blk)
	assert.Len(t, data, 512)
	_, _ = p.conn.WriteToUDP(AppendAck(nil, 1), tid)
	pkt, _ = p.recv(5 * time.Second)
	blk, data, err = ParseData(pkt)
	require.NoError(t, err)
	assert.Equal(t, uint16(2), blk)
	assert.Len(t, data, 88)
	_, _ = p.conn.WriteToUDP(AppendAck(nil, 2), tid)
	require.NoError(t, <-h.readErrs)
}

func TestUnknownTransferID(t *testing.T) {
	h := newMemHandler()
	h.add("f", randomBytes(1, 5000))
	addr := startServer(t, &Server{Handler: h})
	p := newRawPeer(t)
	p.sendTo(addr, mustRequest(t, OpRRQ, "f", "blksize", "2048"))
	pkt, tid := p.recv(5 * time.Second)
	_, err := ParseOACK(pkt)
	require.NoError(t, err)

	stranger := newRawPeer(t)
	_, err = stranger.conn.WriteToUDP(AppendAck(nil, 0), tid)
	require.NoError(t, err)
	pkt, from := stranger.recv(5 * time.Second)
	requireError(t, pkt, ErrUnknownTID)
	assert.Equal(t, tid.Port, from.Port)

	// The real peer's transfer goes on.
	_, err = p.conn.WriteToUDP(AppendAck(nil, 0), tid)
	require.NoError(t, err)
	for i := 0; i < 100; i++ {
		pkt, _ = p.recv(5 * time.Second)
		if op, _ := PacketOpcode(pkt); op == OpDATA {
			break
		}
	}
	blk, data, err := ParseData(pkt)
	require.NoError(t, err)
	assert.Equal(t, uint16(1), blk)
	assert.Len(t, data, 2048)
	_, _ = p.conn.WriteToUDP(AppendError(nil, ErrNotDefined, "enough"), tid)
}

func TestServerGivesUpWithoutProgress(t *testing.T) {
	h := newMemHandler()
	h.add("f", randomBytes(1, 5000))
	addr := startServer(t, &Server{Handler: h, Config: Config{NoProgress: 300 * time.Millisecond}})
	p := newRawPeer(t)
	p.sendTo(addr, mustRequest(t, OpRRQ, "f", "blksize", "2048"))
	deadline := time.Now().Add(10 * time.Second)
	var last []byte
	for time.Now().Before(deadline) {
		pkt, _ := p.recv(5 * time.Second)
		if op, _ := PacketOpcode(pkt); op == OpERROR {
			last = pkt
			break
		}
		_, err := ParseOACK(pkt) // retransmissions of the OACK, never answered
		require.NoError(t, err)
	}
	e := requireError(t, last, ErrNotDefined)
	assert.Contains(t, e.Message, "timed out")
	select {
	case err := <-h.readErrs:
		require.ErrorIs(t, err, ErrTimeout)
	case <-time.After(10 * time.Second):
		t.Fatal("the handler was not told the transfer failed")
	}
}

func TestClientGivesUpWithoutProgress(t *testing.T) {
	fake := newRawPeer(t)
	ctx := testCtx(t, 30*time.Second)
	done := make(chan error, 1)
	go func() {
		_, err := Download(ctx, fake.addr().String(), "f", &ClientOptions{Config: Config{NoProgress: 300 * time.Millisecond}}, io.Discard)
		done <- err
	}()
	_, client := fake.recv(5 * time.Second)
	tid := newRawPeer(t)
	_, err := tid.conn.WriteToUDP(AppendData(nil, 1, bytes.Repeat([]byte("a"), 512)), client)
	require.NoError(t, err)
	// ACK 1 arrives, then silence from us: the client must give up with an ERROR.
	var gotErrorPacket bool
	for i := 0; i < 1000 && !gotErrorPacket; i++ {
		pkt, _ := tid.recv(10 * time.Second)
		if op, _ := PacketOpcode(pkt); op == OpERROR {
			requireError(t, pkt, ErrNotDefined)
			gotErrorPacket = true
		}
	}
	assert.True(t, gotErrorPacket)
	select {
	case err := <-done:
		require.ErrorIs(t, err, ErrTimeout)
	case <-time.After(10 * time.Second):
		t.Fatal("Download did not give up")
	}
}

func TestClientOfServerWithoutOptions(t *testing.T) {
	fake := newRawPeer(t)
	ctx := testCtx(t, 30*time.Second)
	want := randomBytes(3, 700)
	type result struct {
		res *Result
		err error
	}
	done := make(chan result, 1)
	var got bytes.Buffer
	go func() {
		res, err := Download(ctx, fake.addr().String(), "f", nil, &got)
		done <- result{res, err}
	}()
	pkt, client := fake.recv(5 * time.Second)
	req, err := ParseRequest(pkt)
	require.NoError(t, err)
	assert.Equal(t, "f", req.Filename)
	v, _ := req.Options.Get("blksize")
	assert.Equal(t, "2048", v)
	tid := newRawPeer(t)
	for blk, chunk := range [][]byte{want[:512], want[512:]} {
		_, err := tid.conn.WriteToUDP(AppendData(nil, uint16(blk+1), chunk), client)
		require.NoError(t, err)
		for i := 0; i < 100; i++ {
			pkt, _ := tid.recv(5 * time.Second)
			if n, err := ParseAck(pkt); err == nil && n == uint16(blk+1) {
				break
			}
		}
	}
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, 512, r.res.BlockSize)
	assert.Equal(t, int64(-1), r.res.Size)
	assert.Equal(t, want, got.Bytes())
}

func TestMalformedAndForeignPackets(t *testing.T) {
	var mu sync.Mutex
	var others [][]byte
	h := newMemHandler()
	addr := startServer(t, &Server{Handler: h, OtherPacket: func(pkt []byte, from net.Addr) {
		mu.Lock()
		others = append(others, append([]byte(nil), pkt...))
		mu.Unlock()
	}})
	p := newRawPeer(t)
	for _, bad := range [][]byte{
		{0, 1, 'f'},                    // filename not terminated
		{0, 1, 0, 'o', 'c', 't', 0},    // empty filename
		{0, 2, 'f', 0, 'o', 0, 'x'},    // option not terminated
		{0, 1, 'f', 0, 'o', 0, 'x', 0}, // option without value
	} {
		p.sendTo(addr, bad)
		pkt, _ := p.recv(5 * time.Second)
		e := requireError(t, pkt, ErrIllegalOp)
		assert.Contains(t, e.Message, "malformed")
	}
	p.sendTo(addr, []byte("NATTER?"))
	p.sendTo(addr, []byte{0, 9, 1})
	p.sendTo(addr, []byte{7})
	// A request after them is still served: the loop survived.
	p.sendTo(addr, mustRequest(t, OpRRQ, "nope"))
	pkt, _ := p.recv(5 * time.Second)
	requireError(t, pkt, ErrFileNotFound)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, [][]byte{[]byte("NATTER?"), {0, 9, 1}, {7}}, others)
}

func TestNetasciiRefused(t *testing.T) {
	h := newMemHandler()
	h.add("f", []byte("x"))
	addr := startServer(t, &Server{Handler: h})
	p := newRawPeer(t)
	pkt, err := AppendRequest(nil, OpRRQ, "f", "netascii", nil)
	require.NoError(t, err)
	p.sendTo(addr, pkt)
	pkt, _ = p.recv(5 * time.Second)
	requireError(t, pkt, ErrIllegalOp)
}

func TestHandlerRefusals(t *testing.T) {
	h := newMemHandler()
	h.refuse["secret"] = fs.ErrPermission
	h.refuse["gone"] = fs.ErrNotExist
	h.refuse["taken"] = fs.ErrExist
	h.refuse["full"] = syscall.ENOSPC
	h.refuse["odd"] = NewError(ErrOptionRefused, "not today")
	h.refuse["internal"] = errors.New("database path /var/secret broke")
	addr := startServer(t, &Server{Handler: h})
	ctx := testCtx(t, 30*time.Second)
	for name, code := range map[string]ErrorCode{"secret": ErrAccessViolation, "gone": ErrFileNotFound,
		"taken": ErrFileExists, "full": ErrDiskFull, "odd": ErrOptionRefused, "internal": ErrNotDefined} {
		_, err := Download(ctx, addr, name, nil, io.Discard)
		var pe *PeerError
		require.ErrorAs(t, err, &pe, name)
		assert.Equal(t, code, pe.Packet.Code, name)
		assert.NotContains(t, pe.Packet.Message, "/var/secret")

		_, err = Upload(ctx, addr, name, 3, bytes.NewReader([]byte("abc")), nil)
		require.ErrorAs(t, err, &pe, name)
		assert.Equal(t, code, pe.Packet.Code, name)
	}
}

func TestOffsetValidation(t *testing.T) {
	h := newMemHandler()
	data := randomBytes(9, 10000)
	h.add("f", data)
	addr := startServer(t, &Server{Handler: h})
	p := newRawPeer(t)
	for _, off := range []string{"100", "x", "12288"} {
		p.sendTo(addr, mustRequest(t, OpRRQ, "f", "blksize", "2048", "offset", off))
		pkt, _ := p.recv(5 * time.Second)
		requireError(t, pkt, ErrOptionRefused)
	}
	p.sendTo(addr, mustRequest(t, OpWRQ, "u", "offset", "0"))
	pkt, _ := p.recv(5 * time.Second)
	requireError(t, pkt, ErrOptionRefused)

	ctx := testCtx(t, 30*time.Second)
	var got bytes.Buffer
	res, err := Download(ctx, addr, "f", &ClientOptions{Offset: 4096}, &got)
	require.NoError(t, err)
	assert.Equal(t, int64(4096), res.Offset)
	assert.Equal(t, int64(10000), res.Size)
	assert.Equal(t, data[4096:], got.Bytes())
	off, _ := h.lastRequest().Options.Get("offset")
	assert.Equal(t, "4096", off)
}

func TestPortRangeExhaustion(t *testing.T) {
	free, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	port := free.LocalAddr().(*net.UDPAddr).Port
	require.NoError(t, free.Close())

	h := newMemHandler()
	h.add("f", randomBytes(1, 5000))
	addr := startServer(t, &Server{Handler: h, PortMin: port, PortMax: port, Config: Config{NoProgress: 3 * time.Second}})
	first := newRawPeer(t)
	first.sendTo(addr, mustRequest(t, OpRRQ, "f", "blksize", "2048"))
	pkt, tid := first.recv(5 * time.Second)
	_, err = ParseOACK(pkt)
	require.NoError(t, err)
	assert.Equal(t, port, tid.Port, "the transfer runs from the configured port")

	second := newRawPeer(t)
	second.sendTo(addr, mustRequest(t, OpRRQ, "f"))
	pkt, _ = second.recv(5 * time.Second)
	e := requireError(t, pkt, ErrNotDefined)
	assert.Contains(t, e.Message, "no free transfer port")
	_, _ = first.conn.WriteToUDP(AppendError(nil, ErrNotDefined, "enough"), tid)
}

func TestTransferLimit(t *testing.T) {
	h := newMemHandler()
	h.add("f", randomBytes(1, 5000))
	addr := startServer(t, &Server{Handler: h, MaxTransfers: 1, Config: Config{NoProgress: 3 * time.Second}})
	first := newRawPeer(t)
	first.sendTo(addr, mustRequest(t, OpRRQ, "f", "blksize", "2048"))
	_, tid := first.recv(5 * time.Second)
	// The same request again is a retransmission: ignored, no second transfer.
	first.sendTo(addr, mustRequest(t, OpRRQ, "f", "blksize", "2048"))
	second := newRawPeer(t)
	second.sendTo(addr, mustRequest(t, OpRRQ, "f"))
	pkt, _ := second.recv(5 * time.Second)
	e := requireError(t, pkt, ErrNotDefined)
	assert.Contains(t, e.Message, "busy")
	for i := 0; i < 100; i++ {
		pkt, from, err := first.tryRecv(50 * time.Millisecond)
		if err != nil {
			break
		}
		assert.Equal(t, tid.Port, from.Port, "only one transfer answers")
		_, err = ParseOACK(pkt)
		require.NoError(t, err)
	}
	_, _ = first.conn.WriteToUDP(AppendError(nil, ErrNotDefined, "enough"), tid)
}

func TestCancelledDownloadTellsServer(t *testing.T) {
	h := newMemHandler()
	h.add("f", randomBytes(1, 4<<20))
	addr := startServer(t, &Server{Handler: h})
	ctx, cancel := context.WithCancel(testCtx(t, 30*time.Second))
	var calls int
	_, err := Download(ctx, addr, "f", &ClientOptions{Config: Config{Progress: func(p Progress) {
		calls++
		if p.Done >= 100*2048 {
			cancel()
		}
	}}}, io.Discard)
	require.ErrorIs(t, err, context.Canceled)
	assert.Positive(t, calls)
	select {
	case err := <-h.readErrs:
		var pe *PeerError
		require.ErrorAs(t, err, &pe)
	case <-time.After(10 * time.Second):
		t.Fatal("server not told")
	}
}

func TestProgress(t *testing.T) {
	h := newMemHandler()
	data := randomBytes(2, 100000)
	h.add("f", data)
	addr := startServer(t, &Server{Handler: h})
	var reports []Progress
	_, err := Download(testCtx(t, 30*time.Second), addr, "f", &ClientOptions{Config: Config{Progress: func(p Progress) {
		reports = append(reports, p)
	}}}, io.Discard)
	require.NoError(t, err)
	require.NotEmpty(t, reports)
	for i, r := range reports {
		assert.Equal(t, int64(len(data)), r.Total)
		if i > 0 {
			assert.GreaterOrEqual(t, r.Done, reports[i-1].Done)
		}
	}
	assert.Equal(t, int64(len(data)), reports[len(reports)-1].Done)
}

// TestNoAllocationPerBlock checks that moving more blocks costs no more
// allocations: the hot path reuses its buffers.
func TestNoAllocationPerBlock(t *testing.T) {
	h := newMemHandler()
	small, large := randomBytes(1, 256<<10), randomBytes(2, 4<<20)
	h.add("small", small)
	h.add("large", large)
	addr := startServer(t, &Server{Handler: h})
	ctx := testCtx(t, 60*time.Second)
	measure := func(name string) float64 {
		return testing.AllocsPerRun(3, func() {
			_, err := Download(ctx, addr, name, nil, io.Discard)
			require.NoError(t, err)
			<-h.readErrs
		})
	}
	a, b := measure("small"), measure("large")
	blocks := float64(len(large)-len(small)) / 2048
	t.Logf("allocations per download: %.0f for 128 blocks, %.0f for 2048 blocks", a, b)
	assert.Less(t, (b-a)/blocks, 0.05, "allocations per block")

	measureUp := func(data []byte) float64 {
		return testing.AllocsPerRun(3, func() {
			_, err := Upload(ctx, addr, "up", int64(len(data)), bytes.NewReader(data), nil)
			require.NoError(t, err)
			<-h.upload(t, "up").done
		})
	}
	a, b = measureUp(small), measureUp(large)
	t.Logf("allocations per upload: %.0f for 128 blocks, %.0f for 2048 blocks", a, b)
	// The test sink keeps what it receives in a growing buffer: a few
	// allocations for that are allowed, none per block.
	assert.Less(t, (b-a)/blocks, 0.05, "allocations per block")
}

func TestServeStopsTransfersOnCancel(t *testing.T) {
	h := newMemHandler()
	h.add("f", randomBytes(1, 50000))
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	srv := &Server{Handler: h, Config: Config{InitialRTO: time.Minute, MinRTO: time.Minute, MaxRTO: time.Minute}}
	go func() { done <- srv.Serve(ctx, conn) }()

	p := newRawPeer(t)
	p.sendTo(conn.LocalAddr().String(), mustRequest(t, OpRRQ, "f", "blksize", "2048"))
	pkt, _ := p.recv(5 * time.Second)
	_, err = ParseOACK(pkt)
	require.NoError(t, err)

	cancel() // the transfer waits a minute for ACK 0; cancel must end it now
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	pkt, _ = p.recv(5 * time.Second)
	e := requireError(t, pkt, ErrNotDefined)
	assert.Contains(t, e.Message, "cancelled")
	require.ErrorIs(t, <-h.readErrs, context.Canceled)
}

func TestOversizedBlockRefused(t *testing.T) {
	h := newMemHandler()
	addr := startServer(t, &Server{Handler: h})
	p := newRawPeer(t)
	p.sendTo(addr, mustRequest(t, OpWRQ, "u", "blksize", "512", "tsize", "600"))
	pkt, tid := p.recv(5 * time.Second)
	oack, err := ParseOACK(pkt)
	require.NoError(t, err)
	assert.Equal(t, Options{{"blksize", "512"}, {"tsize", "600"}}, oack)
	_, err = p.conn.WriteToUDP(AppendData(nil, 1, make([]byte, 600)), tid)
	require.NoError(t, err)
	for i := 0; i < 100; i++ {
		pkt, _ = p.recv(5 * time.Second)
		if op, _ := PacketOpcode(pkt); op != OpOACK {
			break
		}
	}
	e := requireError(t, pkt, ErrIllegalOp)
	assert.Contains(t, e.Message, "exceeds blksize 512")
	sink := h.upload(t, "u")
	<-sink.done
	require.Error(t, sink.err)
	assert.Zero(t, sink.n, "nothing of the bad block was written")
}

// TestPeerTimeoutNeverLengthensRecovery: a peer that asks for "timeout 255"
// finds the option left out of the OACK, and the hub repeats its OACK, its
// DATA and its ACK on its own timer. The hub gives up after two seconds
// without progress, so had it waited the 255 s asked for, the peer would
// get ERROR "timed out" instead of each repeated packet.
func TestPeerTimeoutNeverLengthensRecovery(t *testing.T) {
	h := newMemHandler()
	data := randomBytes(1, 5000)
	h.add("f", data)
	addr := startServer(t, &Server{Handler: h, Config: Config{NoProgress: 2 * time.Second}})

	t.Run("read", func(t *testing.T) {
		p := newRawPeer(t)
		p.sendTo(addr, mustRequest(t, OpRRQ, "f", "blksize", "2048", "timeout", "255"))
		pkt, tid := p.recv(10 * time.Second)
		oack, err := ParseOACK(pkt)
		require.NoError(t, err)
		assert.Equal(t, Options{{"blksize", "2048"}}, oack, "timeout left out")
		pkt, _ = p.recv(10 * time.Second)
		_, err = ParseOACK(pkt)
		require.NoError(t, err, "the OACK is sent again, not given up on")
		_, _ = p.conn.WriteToUDP(AppendAck(nil, 0), tid)
		pkt, _ = p.recv(10 * time.Second)
		blk, _, err := ParseData(pkt)
		require.NoError(t, err)
		require.Equal(t, uint16(1), blk)
		// Withhold ACK 1: DATA 1 must come again (an OACK still in the
		// socket from before ACK 0 arrived is skipped).
		for range 10 {
			pkt, _ = p.recv(10 * time.Second)
			if op, _ := PacketOpcode(pkt); op != OpOACK {
				break
			}
		}
		blk, _, err = ParseData(pkt)
		require.NoError(t, err, "DATA 1 sent again, not given up on")
		assert.Equal(t, uint16(1), blk)
		_, _ = p.conn.WriteToUDP(AppendError(nil, ErrNotDefined, "enough"), tid)
	})

	t.Run("write", func(t *testing.T) {
		p := newRawPeer(t)
		p.sendTo(addr, mustRequest(t, OpWRQ, "u", "blksize", "2048", "tsize", "3000", "timeout", "255"))
		pkt, tid := p.recv(10 * time.Second)
		oack, err := ParseOACK(pkt)
		require.NoError(t, err)
		assert.Equal(t, Options{{"blksize", "2048"}, {"tsize", "3000"}}, oack, "timeout left out")
		pkt, _ = p.recv(10 * time.Second)
		_, err = ParseOACK(pkt)
		require.NoError(t, err, "the OACK is sent again, not given up on")
		_, _ = p.conn.WriteToUDP(AppendData(nil, 1, make([]byte, 2048)), tid)
		// DATA 2 "is lost": the receiver says again where it is, and a
		// stock sender answers that with DATA 2.
		acks := 0
		for range 20 {
			pkt, _ = p.recv(10 * time.Second)
			if op, _ := PacketOpcode(pkt); op == OpOACK {
				continue
			}
			blk, err := ParseAck(pkt)
			require.NoError(t, err, "an ACK, not given up on")
			require.Equal(t, uint16(1), blk)
			if acks++; acks == 2 {
				break
			}
		}
		require.Equal(t, 2, acks, "ACK 1 and its repetition")
		_, _ = p.conn.WriteToUDP(AppendData(nil, 2, make([]byte, 952)), tid)
		sink := h.upload(t, "u")
		<-sink.done
		require.NoError(t, sink.err)
		assert.Equal(t, int64(3000), sink.n)
	})
}

// TestServerRepeatsFinalAck: a server that received an upload's final block
// sends its final ACK again on its own timer while it dallies, so that a
// sender whose own timer is long (curl's waits up to a minute) and whose
// copy of the ACK was lost hears it again; a few times at most.
func TestServerRepeatsFinalAck(t *testing.T) {
	h := newMemHandler()
	addr := startServer(t, &Server{Handler: h, Config: Config{Dally: 300 * time.Millisecond}})
	p := newRawPeer(t)
	p.sendTo(addr, mustRequest(t, OpWRQ, "up"))
	pkt, tid := p.recv(5 * time.Second)
	blk, err := ParseAck(pkt)
	require.NoError(t, err)
	require.Equal(t, uint16(0), blk)
	_, err = p.conn.WriteToUDP(AppendData(nil, 1, []byte("short, so final")), tid)
	require.NoError(t, err)
	// The first final ACK is "lost": this sender never sends again, yet
	// hears it again.
	acks := 0
	for {
		pkt, _, err := p.tryRecv(time.Second)
		if err != nil {
			break // the server stopped dallying
		}
		blk, err := ParseAck(pkt)
		require.NoError(t, err)
		require.Equal(t, uint16(1), blk)
		acks++
		require.LessOrEqual(t, acks, 1+finalAckRepeats, "the final ACK is repeated %d times at most", finalAckRepeats)
	}
	require.Greater(t, acks, 1, "the final ACK was not sent again")
	<-h.upload(t, "up").done
	require.Equal(t, "short, so final", h.upload(t, "up").buf.String())
}
