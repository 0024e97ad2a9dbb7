package server

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writesConn records each Write, as a TLS session would turn each into a
// record; it fails the write whose index is failAt (from 1), if set.
type writesConn struct {
	net.Conn // nil: only Write is used
	writes   [][]byte
	failAt   int
}

func (c *writesConn) Write(p []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(p))
	if len(c.writes) == c.failAt {
		return 0, errors.New("peer gone")
	}
	return len(p), nil
}

// Lines to a connection without writev (a TLS session) are gathered into
// writes of at most coalesceSize bytes, in order; a longer line goes alone.
func TestWriteLinesCoalesces(t *testing.T) {
	var lines [][]byte
	var want strings.Builder
	for i := range 1000 {
		l := []byte(strings.Repeat("j", 10+i%20) + "\n")
		lines = append(lines, l)
		want.Write(l)
	}
	long := []byte(strings.Repeat("L", coalesceSize+100) + "\n")
	lines = append(lines, long, []byte("after\n"))
	want.Write(long)
	want.WriteString("after\n")

	c := &writesConn{}
	n, err := writeLines(c, lines)
	require.NoError(t, err)
	assert.EqualValues(t, want.Len(), n)
	assert.Equal(t, want.String(), string(bytes.Join(c.writes, nil)))
	assert.Len(t, c.writes, 4, "two gathered writes, the long line alone, the last line")
	for _, w := range c.writes {
		if !bytes.Equal(w, long) {
			assert.LessOrEqual(t, len(w), coalesceSize)
		}
	}

	c = &writesConn{failAt: 1}
	_, err = writeLines(c, lines)
	require.Error(t, err, "a failed write ends the batch")
	assert.Len(t, c.writes, 1)
}
