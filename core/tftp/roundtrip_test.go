package tftp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTripSizes(t *testing.T) {
	for _, size := range []int{0, 1, 511, 512, 2047, 2048, 2049, 4096, 10 << 20} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			h := newMemHandler()
			addr := startServer(t, &Server{Handler: h})
			data := randomBytes(uint64(size), size)
			h.add("f", data)
			ctx := testCtx(t, 60*time.Second)

			var got bytes.Buffer
			res, err := Download(ctx, addr, "f", nil, &got)
			require.NoError(t, err)
			require.Equal(t, sha256.Sum256(data), sha256.Sum256(got.Bytes()))
			assert.Equal(t, sha256.Sum256(data), res.SHA256)
			assert.Equal(t, 2048, res.BlockSize)
			require.NoError(t, <-h.readErrs)

			up, err := Upload(ctx, addr, "u", int64(size), bytes.NewReader(data), nil)
			require.NoError(t, err)
			assert.Equal(t, int64(size), up.Bytes)
			sink := h.upload(t, "u")
			<-sink.done
			require.NoError(t, sink.err)
			assert.Equal(t, sha256.Sum256(data), sink.sum)
			assert.Equal(t, int64(size), sink.n)
		})
	}
}

// TestRoundTripBlockWrap moves a file of more than 65535 blocks of 2048
// bytes, so block numbers wrap from 65535 to 0, in both directions.
func TestRoundTripBlockWrap(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 2 x 134 MB over loopback; skipped in -short mode")
	}
	const size = 134215680 + 3*2048 + 77
	src := patternReader{size}
	want := sha256.New()
	_, err := io.Copy(want, io.NewSectionReader(src, 0, size))
	require.NoError(t, err)
	var wantSum [32]byte
	want.Sum(wantSum[:0])

	h := newMemHandler()
	h.addReaderAt("big", src, size)
	addr := startServer(t, &Server{Handler: h})
	ctx := testCtx(t, 10*time.Minute)

	res, err := Download(ctx, addr, "big", nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, int64(size), res.Bytes)
	assert.Equal(t, wantSum, res.SHA256)

	_, err = Upload(ctx, addr, "big-up", size, io.NewSectionReader(src, 0, size), &ClientOptions{WindowSize: 8})
	require.NoError(t, err)
	sink := h.upload(t, "big-up")
	<-sink.done
	assert.Equal(t, int64(size), sink.n)
	assert.Equal(t, wantSum, sink.sum)
}

func TestWindowSize16(t *testing.T) {
	h := newMemHandler()
	addr := startServer(t, &Server{Handler: h})
	data := randomBytes(16, 3<<20+123)
	h.add("f", data)
	ctx := testCtx(t, 60*time.Second)
	var got bytes.Buffer
	res, err := Download(ctx, addr, "f", &ClientOptions{WindowSize: 16}, &got)
	require.NoError(t, err)
	assert.Equal(t, 16, res.WindowSize)
	require.Equal(t, sha256.Sum256(data), sha256.Sum256(got.Bytes()))

	up, err := Upload(ctx, addr, "u", int64(len(data)), bytes.NewReader(data), &ClientOptions{WindowSize: 16})
	require.NoError(t, err)
	assert.Equal(t, 16, up.WindowSize)
	sink := h.upload(t, "u")
	<-sink.done
	assert.Equal(t, sha256.Sum256(data), sink.sum)

	// The server grants at most its MaxWindow.
	res, err = Download(ctx, addr, "f", &ClientOptions{WindowSize: 100}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 64, res.WindowSize)
}

func TestRoundTripIPv6(t *testing.T) {
	conn, err := net.ListenPacket("udp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	defer conn.Close()
	h := newMemHandler()
	data := randomBytes(61, 70000)
	h.add("f", data)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&Server{Handler: h}).Serve(ctx, conn) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	var got bytes.Buffer
	_, err = Download(testCtx(t, 30*time.Second), conn.LocalAddr().String(), "f", nil, &got)
	require.NoError(t, err)
	assert.Equal(t, data, got.Bytes())
	_, err = Upload(testCtx(t, 30*time.Second), conn.LocalAddr().String(), "u", int64(len(data)), bytes.NewReader(data), nil)
	require.NoError(t, err)
	sink := h.upload(t, "u")
	<-sink.done
	assert.Equal(t, sha256.Sum256(data), sink.sum)
}
