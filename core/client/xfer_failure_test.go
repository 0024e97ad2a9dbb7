package client

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/tftp"
)

func peerSent(code tftp.ErrorCode, msg string) error {
	return fmt.Errorf("uploading: %w", &tftp.PeerError{Packet: tftp.NewError(code, msg)})
}

func TestTransferFailure(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		reason TransferReason
		detail string
		retry  bool
	}{
		{"local checksum", fmt.Errorf("%w: size 3, not 4", tftp.ErrChecksum), XferChecksum, "", false},
		{"hub checksum", peerSent(tftp.ErrNotDefined, "checksum-mismatch: received 3 bytes"), XferChecksum, "checksum-mismatch: received 3 bytes", false},
		{"hub disk full", peerSent(tftp.ErrDiskFull, "writing the file failed"), XferNoSpace, "writing the file failed", false},
		// Only the word natter/1 defines marks a checksum refusal.
		{"hub words without the word", peerSent(tftp.ErrNotDefined, "SHA-256 differs"), XferPeerStopped, "SHA-256 differs", true},
		{"hub gave up", peerSent(tftp.ErrNotDefined, "timed out"), XferPeerStopped, "timed out", true},
		{"local file", &os.PathError{Op: "open", Path: "x", Err: os.ErrPermission}, XferFailed, "", false},
		{"anything else", errors.New("network is down"), XferFailed, "", true},
	} {
		reason, detail, retry := transferFailure(tc.err)
		require.Equal(t, tc.reason, reason, tc.name)
		require.Equal(t, tc.detail, detail, tc.name)
		require.Equal(t, tc.retry, retry, tc.name)
	}
}

// TestTransferHubChecksumRefusalNotRetried uploads a source that changes
// after it was hashed: the hub refuses the data, and the client reports
// that as a checksum mismatch in the hub's words, without asking again.
func TestTransferHubChecksumRefusalNotRetried(t *testing.T) {
	shared := t.TempDir()
	h := startTransferHub(t, shared, "127.0.0.1:0")
	c := startClient(t, Config{Addr: h.addr, Nick: "alice", EventBuffer: 10_000})
	waitFor(t, c, "registered", registered)
	src := &changingReader{data: []byte(strings.Repeat("xyz", 20_000))}
	id, err := c.UploadReader("moving.txt", src, int64(len(src.data)))
	require.NoError(t, err)
	evs := transferEvents(t, c, id)
	for _, e := range evs {
		require.NotEqual(t, XferRetrying, e.Reason, "a checksum refusal is not retried")
	}
	last := evs[len(evs)-1]
	require.Equal(t, TransferFailed, last.State)
	require.Equal(t, XferChecksum, last.Reason)
	require.ErrorIs(t, last.Err, tftp.ErrPeerChecksum)
	require.Contains(t, last.Detail, tftp.ChecksumMismatch)
	entries, err := os.ReadDir(shared)
	require.NoError(t, err)
	require.Empty(t, entries, "nothing is stored")
}
