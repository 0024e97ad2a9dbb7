package server

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingConn records each Write.
type countingConn struct {
	net.Conn
	writes [][]byte
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes = append(c.writes, append([]byte(nil), p...))
	return len(p), nil
}

func TestCorkConnGathersWrites(t *testing.T) {
	under := &countingConn{}
	c := &corkConn{Conn: under}
	c.Write([]byte("a"))
	c.Cork()
	c.Write([]byte("b"))
	c.Write([]byte("c"))
	assert.Len(t, under.writes, 1, "held back while corked")
	require.NoError(t, c.Uncork())
	require.NoError(t, c.Uncork()) // nothing held: no write
	c.Write([]byte("d"))
	assert.Equal(t, [][]byte{[]byte("a"), []byte("bc"), []byte("d")}, under.writes)
	assert.Nil(t, c.held, "an idle connection keeps no buffer")
}
