package tftp

import (
	"bytes"
	"crypto/sha256"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDualStackClientSocket runs transfers to an IPv4 server from a
// caller's dual-stack socket, where the server's address is IPv4-mapped.
func TestDualStackClientSocket(t *testing.T) {
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv6unspecified})
	if err != nil {
		t.Skipf("no dual-stack socket here: %v", err)
	}
	defer uc.Close()
	h := newMemHandler()
	data := randomBytes(71, 300000+17)
	h.add("f", data)
	addr := startServer(t, &Server{Handler: h})
	for _, window := range []int{1, 8} {
		var got bytes.Buffer
		res, err := Download(testCtx(t, 30*time.Second), addr, "f", &ClientOptions{Conn: uc, WindowSize: window}, &got)
		require.NoError(t, err)
		assert.Equal(t, sha256.Sum256(data), res.SHA256)
		assert.Equal(t, data, got.Bytes())
		require.NoError(t, <-h.readErrs)
	}
	_, err = Upload(testCtx(t, 30*time.Second), addr, "u", int64(len(data)), bytes.NewReader(data), &ClientOptions{Conn: uc})
	require.NoError(t, err)
	sink := h.upload(t, "u")
	<-sink.done
	assert.Equal(t, sha256.Sum256(data), sink.sum)
}

// TestClientAnswersStranger checks that a client in the middle of a
// download answers a datagram from another port with ERROR 5 and goes on.
func TestClientAnswersStranger(t *testing.T) {
	fake := newRawPeer(t)
	ctx := testCtx(t, 30*time.Second)
	want := randomBytes(5, 700)
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
	_, client := fake.recv(5 * time.Second)
	tid := newRawPeer(t)
	_, err := tid.conn.WriteToUDP(AppendData(nil, 1, want[:512]), client)
	require.NoError(t, err)
	pkt, _ := tid.recv(5 * time.Second)
	n, err := ParseAck(pkt)
	require.NoError(t, err)
	require.Equal(t, uint16(1), n)

	stranger := newRawPeer(t)
	_, err = stranger.conn.WriteToUDP(AppendData(nil, 2, want[512:]), client)
	require.NoError(t, err)
	pkt, _ = stranger.recv(5 * time.Second)
	requireError(t, pkt, ErrUnknownTID)

	_, err = tid.conn.WriteToUDP(AppendData(nil, 2, want[512:]), client)
	require.NoError(t, err)
	for i := 0; i < 100; i++ {
		pkt, _ := tid.recv(5 * time.Second)
		if n, err := ParseAck(pkt); err == nil && n == 2 {
			break
		}
	}
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, want, got.Bytes())
}
