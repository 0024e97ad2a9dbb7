package server

import (
	"io"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

// chunkConn is a connection without a file descriptor (as a TLS
// connection is) that returns its chunks one read at a time, and calls
// onRead before each read.
type chunkConn struct {
	net.Conn
	chunks []string
	onRead func(len int)
}

func (c *chunkConn) Read(p []byte) (int, error) {
	c.onRead(len(p))
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	if c.chunks[0] = c.chunks[0][n:]; c.chunks[0] == "" {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}

// A reader of a connection without a descriptor waits for input holding
// only its small first slice, not a pooled buffer; a line longer than the
// slice still arrives whole.
func TestLineReaderWaitsWithoutBufferOnConn(t *testing.T) {
	long := strings.Repeat("x", 3*firstReadSize)
	conn := &chunkConn{chunks: []string{"NICK alice\n", "MSG " + long + "\n", "PING 1\n"}}
	r := newLineReader(conn, newReadBufferPool(DefaultReadBufferSize), proto.MaxLineLen)
	require.Nil(t, r.raw)
	var waits, waitsHolding int
	conn.onRead = func(n int) {
		if r.buf == nil {
			waits++
			assert.Equal(t, firstReadSize, n, "a read with no buffer goes into first")
		} else if r.start == r.end {
			waitsHolding++
		}
	}
	for _, want := range []string{"NICK alice", "MSG " + long, "PING 1"} {
		line, err := r.ReadLine()
		require.NoError(t, err)
		assert.Equal(t, want, string(line))
	}
	_, err := r.ReadLine()
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, 0, waitsHolding, "no read waited for input while holding a buffer")
	assert.GreaterOrEqual(t, waits, 3, "each line's first read came with no buffer")
}
