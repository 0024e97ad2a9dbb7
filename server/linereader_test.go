package server

import (
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err = net.DialTimeout("tcp", ln.Addr().String(), guard)
	require.NoError(t, err)
	t.Cleanup(func() { client.Close() })
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(guard))
	server, err = ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { server.Close() })
	return client, server
}

type readResult struct {
	line string
	err  error
}

func readLineGuarded(t *testing.T, conn net.Conn, r *lineReader) readResult {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(guard))
	line, err := r.ReadLine()
	return readResult{string(line), err}
}

func TestLineReader(t *testing.T) {
	client, server := tcpPair(t)
	r := newLineReader(server, newReadBufferPool(16), proto.MaxLineLen)
	write := func(s string) {
		t.Helper()
		client.SetWriteDeadline(time.Now().Add(guard))
		_, err := io.WriteString(client, s)
		require.NoError(t, err)
	}
	longest := strings.Repeat("a", proto.MaxLineLen-1) // with its LF: the limit

	write("NICK alice\r\nMSG one\nMSG two\r\n")
	assert.Equal(t, readResult{"NICK alice", nil}, readLineGuarded(t, server, r))
	assert.Equal(t, readResult{"MSG one", nil}, readLineGuarded(t, server, r))
	assert.Equal(t, readResult{"MSG two", nil}, readLineGuarded(t, server, r))

	// A line arriving in pieces, with a read in between.
	write("MSG he")
	done := make(chan readResult, 1)
	go func() { done <- readLineGuarded(t, server, r) }()
	time.Sleep(20 * time.Millisecond)
	write("llo\n")
	assert.Equal(t, readResult{"MSG hello", nil}, <-done)

	// The longest line, then one byte more: discarded, and the next line is read.
	write(longest + "\n")
	assert.Equal(t, readResult{longest, nil}, readLineGuarded(t, server, r))
	write(longest + "b\nafter\n")
	assert.ErrorIs(t, readLineGuarded(t, server, r).err, proto.ErrLineTooLong)
	assert.Equal(t, readResult{"after", nil}, readLineGuarded(t, server, r))

	// A line many buffers long, arriving in pieces: one error for all of it.
	go func() {
		for range 6 {
			client.SetWriteDeadline(time.Now().Add(guard))
			io.WriteString(client, strings.Repeat("c", proto.MaxLineLen))
		}
		io.WriteString(client, "\r\nlast\n")
	}()
	assert.ErrorIs(t, readLineGuarded(t, server, r).err, proto.ErrLineTooLong)
	assert.Equal(t, readResult{"last", nil}, readLineGuarded(t, server, r))

	// Input ending inside a line.
	write("MSG cut")
	require.NoError(t, client.(*net.TCPConn).CloseWrite())
	assert.ErrorIs(t, readLineGuarded(t, server, r).err, io.ErrUnexpectedEOF)
	assert.ErrorIs(t, readLineGuarded(t, server, r).err, io.EOF)
}

func TestLineReaderTimeoutKeepsPartialLine(t *testing.T) {
	client, server := tcpPair(t)
	r := newLineReader(server, newReadBufferPool(16), proto.MaxLineLen)

	_, err := io.WriteString(client, "MSG whole\n")
	require.NoError(t, err)
	assert.Equal(t, readResult{"MSG whole", nil}, readLineGuarded(t, server, r))

	// Waiting with nothing pending: the buffer goes back to the pool.
	server.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err = r.ReadLine()
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	if rawReadSupported {
		assert.Nil(t, r.buf, "an idle reader holds no buffer")
	}

	// A timeout inside a line keeps what was read.
	_, err = io.WriteString(client, "MSG par")
	require.NoError(t, err)
	time.Sleep(20 * time.Millisecond)
	server.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err = r.ReadLine()
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	_, err = io.WriteString(client, "tial\n")
	require.NoError(t, err)
	assert.Equal(t, readResult{"MSG partial", nil}, readLineGuarded(t, server, r))
}

// TestLineReaderQuietPartialLineHoldsNoBuffer checks that a client quiet in
// the middle of a line keeps only a copy of that line, not a read buffer.
func TestLineReaderQuietPartialLineHoldsNoBuffer(t *testing.T) {
	if !rawReadSupported {
		t.Skip("reads go through net.Conn on this system")
	}
	client, server := tcpPair(t)
	pool := newReadBufferPool(16)
	r := newLineReader(server, pool, proto.MaxLineLen)

	partial := "MSG " + strings.Repeat("p", 100)
	_, err := io.WriteString(client, "MSG whole\n"+partial)
	require.NoError(t, err)
	assert.Equal(t, readResult{"MSG whole", nil}, readLineGuarded(t, server, r))
	server.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = r.ReadLine()
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	assert.Nil(t, r.buf, "the read buffer went back to the pool")
	assert.Equal(t, partial, string(r.held))
	assert.LessOrEqual(t, cap(r.held), 2*len(partial), "the partial line is kept in a buffer of about its size")

	// Quiet again after more of the line: still no buffer.
	_, err = io.WriteString(client, "qq")
	require.NoError(t, err)
	server.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = r.ReadLine()
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	assert.Nil(t, r.buf)
	assert.Equal(t, partial+"qq", string(r.held))

	_, err = io.WriteString(client, "\nMSG next\n")
	require.NoError(t, err)
	assert.Equal(t, readResult{partial + "qq", nil}, readLineGuarded(t, server, r))
	assert.Equal(t, readResult{"MSG next", nil}, readLineGuarded(t, server, r))
	server.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err = r.ReadLine()
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	assert.Nil(t, r.buf)
	assert.Nil(t, r.held, "nothing is kept between lines")
}
