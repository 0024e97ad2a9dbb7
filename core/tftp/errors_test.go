package tftp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// peerSentinels are the sentinels a *PeerError may match.
var peerSentinels = []error{ErrPeer, ErrPeerDiskFull, ErrPeerChecksum, ErrPeerAbandoned}

// requireMatches checks that err matches exactly the sentinels in want
// among peerSentinels and the local ones.
func requireMatches(t *testing.T, err error, want ...error) {
	t.Helper()
	require.Error(t, err)
	for _, s := range append(peerSentinels, ErrTimeout, ErrChecksum) {
		is := false
		for _, w := range want {
			is = is || w == s
		}
		assert.Equal(t, is, errors.Is(err, s), "errors.Is(%v, %v)", err, s)
	}
}

// commitRefuser takes uploads and refuses them at the end with err, as a
// hub does when the data does not match what PUT declared.
type commitRefuser struct {
	*memHandler
	err error
}

func (h commitRefuser) ServeWrite(ctx context.Context, req *Request) (WriteSink, error) {
	return refusingSink{h.err}, nil
}

type refusingSink struct{ err error }

func (s refusingSink) Write(p []byte) (int, error)                              { return len(p), nil }
func (s refusingSink) Commit(int64, [sha256.Size]byte) error                    { return s.err }
func (s refusingSink) Abort(error)                                              {}
func (h commitRefuser) ServeRead(context.Context, *Request) (ReadSource, error) { return nil, h.err }

func TestPeerErrorsMatchSentinels(t *testing.T) {
	ctx := testCtx(t, 30*time.Second)
	tests := []struct {
		refusal error
		want    []error
	}{
		{NewError(ErrDiskFull, "no space left on the hub"), []error{ErrPeer, ErrPeerDiskFull}},
		{NewError(ErrNotDefined, "checksum-mismatch: received 3 bytes, PUT declared 4"), []error{ErrPeer, ErrPeerChecksum}},
		{NewError(ErrFileNotFound, "no such shared file"), []error{ErrPeer}},
		// The words alone make no checksum mismatch.
		{NewError(ErrNotDefined, "SHA-256 differs"), []error{ErrPeer}},
	}
	for _, tt := range tests {
		t.Run(tt.refusal.Error(), func(t *testing.T) {
			addr := startServer(t, &Server{Handler: commitRefuser{newMemHandler(), tt.refusal}})
			data := randomBytes(3, 5000)
			_, err := Upload(ctx, addr, "up", int64(len(data)), bytes.NewReader(data), nil)
			requireMatches(t, err, tt.want...)
			msg, ok := PeerMessage(err)
			assert.True(t, ok)
			assert.Equal(t, tt.refusal.(*Error).Message, msg)

			_, err = Download(ctx, addr, "down", nil, io.Discard)
			requireMatches(t, err, tt.want...)
		})
	}
	_, ok := PeerMessage(fmt.Errorf("tftp: %w", ErrTimeout))
	assert.False(t, ok)
}

func TestPeerAbandonedWhenStalled(t *testing.T) {
	// A peer that stops acknowledging is given up on by the server, which
	// says so in an ERROR packet.
	h := newMemHandler()
	h.add("f", randomBytes(4, 10*512))
	addr := startServer(t, &Server{Handler: h, Config: Config{NoProgress: 300 * time.Millisecond}})
	p := newRawPeer(t)
	p.sendTo(addr, mustRequest(t, OpRRQ, "f"))
	for i := 0; i < 100; i++ {
		pkt, _ := p.recv(10 * time.Second)
		if op, _ := PacketOpcode(pkt); op != OpERROR {
			continue // retransmitted DATA
		}
		e, err := ParseError(pkt)
		require.NoError(t, err)
		requireMatches(t, &PeerError{e}, ErrPeer, ErrPeerAbandoned)
		select {
		case err := <-h.readErrs:
			requireMatches(t, err, ErrTimeout)
		case <-time.After(20 * time.Second):
			t.Fatal("the server's read source was not told the transfer ended")
		}
		return
	}
	t.Fatal("no ERROR from a server whose peer went silent")
}

func TestPeerAbandonedWhenCancelled(t *testing.T) {
	h := newMemHandler()
	addr := startServer(t, &Server{Handler: h})
	ctx, cancel := context.WithCancel(testCtx(t, 30*time.Second))
	data := randomBytes(5, 100*2048)
	_, err := Upload(ctx, addr, "up", int64(len(data)), bytes.NewReader(data), &ClientOptions{Config: Config{
		Progress: func(p Progress) {
			if p.Done > 10*2048 {
				cancel()
			}
		}}})
	require.ErrorIs(t, err, context.Canceled)
	sink := h.upload(t, "up")
	select {
	case <-sink.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not end the cancelled upload")
	}
	requireMatches(t, sink.err, ErrPeer, ErrPeerAbandoned)
}
