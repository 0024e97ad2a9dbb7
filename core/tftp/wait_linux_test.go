//go:build linux && (amd64 || arm64 || riscv64 || loong64 || arm)

package tftp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitGuard bounds the waits of these tests that should end at once.
const waitGuard = 10 * time.Second

// TestWaitChoice: a transfer waits in ppoll only at window 1 with more
// than one processor; with one, or a wider window, in the poller.
func TestWaitChoice(t *testing.T) {
	uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer uc.Close()
	s := newSysSocket(uc, true)
	require.NotNil(t, s)
	defer s.close()

	prev := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(prev)
	s.setWait(1)
	assert.False(t, s.usesPoller(), "window 1, two processors")
	s.setWait(16)
	assert.True(t, s.usesPoller(), "window 16, two processors")
	runtime.GOMAXPROCS(1)
	s.setWait(1)
	assert.True(t, s.usesPoller(), "window 1, one processor")
}

// TestPollerRecv: the wait in the poller returns a datagram that comes, a
// datagram already queued even past the deadline, the deadline's passing
// when none comes, and a wake at once.
func TestPollerRecv(t *testing.T) {
	uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer uc.Close()
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer peer.Close()
	s := newSysSocket(uc, true)
	require.NotNil(t, s)
	defer s.close()
	s.setWait(16)
	require.True(t, s.usesPoller())
	buf := make([]byte, 64)

	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = peer.WriteTo([]byte("later"), uc.LocalAddr())
	}()
	n, err := s.recv(buf, time.Now().Add(waitGuard))
	require.NoError(t, err)
	assert.Equal(t, "later", string(buf[:n]))

	_, err = peer.WriteTo([]byte("queued"), uc.LocalAddr())
	require.NoError(t, err)
	// On loopback a datagram is queued at the receiver before the send
	// returns.
	n, err = s.recv(buf, time.Now().Add(-time.Second))
	require.NoError(t, err, "a queued datagram is read past the deadline")
	assert.Equal(t, "queued", string(buf[:n]))

	_, err = s.recv(buf, time.Now().Add(30*time.Millisecond))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded, "nothing came")
	require.Nil(t, s.timer, "a far deadline needs no precise timer")

	// A near deadline is ended by the precise timer, not before it.
	for range 3 {
		deadline := time.Now().Add(300 * time.Microsecond)
		_, err = s.recv(buf, deadline)
		require.ErrorIs(t, err, os.ErrDeadlineExceeded, "nothing came")
		require.False(t, time.Now().Before(deadline), "ended before its deadline")
	}
	require.NotNil(t, s.timer)
	require.Positive(t, s.timer.fired.Load(), "the precise timer ended no wait")

	go func() {
		time.Sleep(20 * time.Millisecond)
		s.wake()
		_ = uc.SetReadDeadline(time.Now())
	}()
	_, err = s.recv(buf, time.Now().Add(waitGuard))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded, "woken")
}

// TestSingleProcessorTransfers: with one processor, the two ends of an
// in-process transfer take turns (neither holds the processor while it
// waits), a download is byte-identical at window 1 and 8, and a cancelled
// one that waits for a silent peer ends.
func TestSingleProcessorTransfers(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	data := randomBytes(7, 1<<20)
	h := newMemHandler()
	h.add("f", data)
	addr := startServer(t, &Server{Handler: h})
	for _, window := range []int{1, 8} {
		var got bytes.Buffer
		res, err := Download(testCtx(t, 30*time.Second), addr, "f", &ClientOptions{WindowSize: window}, &got)
		require.NoError(t, err, "window %d", window)
		require.Equal(t, int64(len(data)), res.Bytes)
		require.True(t, bytes.Equal(data, got.Bytes()), "window %d: the bytes differ", window)
		<-h.readErrs
	}

	silent, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer silent.Close()
	ctx, cancel := context.WithCancel(testCtx(t, 30*time.Second))
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = Download(ctx, silent.LocalAddr().String(), "f", &ClientOptions{Config: Config{NoProgress: waitGuard}}, io.Discard)
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
}
