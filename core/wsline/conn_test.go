package wsline

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const guard = 20 * time.Second

// pair returns the two ends of a WebSocket on 127.0.0.1: a Conn for the
// server end, and the client's raw WebSocket.
func pair(t *testing.T) (*Conn, *websocket.Conn) {
	t.Helper()
	accepted := make(chan *websocket.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		accepted <- ws
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	client, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { client.CloseNow() })
	var server *websocket.Conn
	select {
	case server = <-accepted:
	case <-time.After(guard):
		t.Fatal("no WebSocket accepted")
	}
	c := NewConn(server, nil, nil)
	t.Cleanup(func() { c.Close() })
	return c, client
}

func TestMessagesAreLines(t *testing.T) {
	c, peer := pair(t)
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	long := strings.Repeat("x", 3*chunkSize+17) // read in several chunks
	for _, m := range []string{"NICK alice", "", long, "MSG é"} {
		require.NoError(t, peer.Write(ctx, websocket.MessageText, []byte(m)))
	}
	r := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(guard))
	for _, want := range []string{"NICK alice", "", long, "MSG é"} {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, want+"\n", line)
	}

	// Lines written in pieces go out whole, one message each.
	c.SetWriteDeadline(time.Now().Add(guard))
	_, err := c.Write([]byte("PING a"))
	require.NoError(t, err)
	_, err = c.Write([]byte("b\nPONG c\nrest"))
	require.NoError(t, err)
	n, err := c.WriteLines([][]byte{[]byte(" of it\n"), []byte("BYE quit\n")})
	require.NoError(t, err)
	assert.Equal(t, int64(16), n)
	for _, want := range []string{"PING ab", "PONG c", "rest of it", "BYE quit"} {
		typ, b, err := peer.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, websocket.MessageText, typ)
		assert.Equal(t, want, string(b))
	}
}

func TestReadDeadlineLeavesConnOpen(t *testing.T) {
	c, peer := pair(t)
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := c.Read(make([]byte, 10))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout())

	// A deadline in the past wakes a blocked reader at once.
	done := make(chan error, 1)
	c.SetReadDeadline(time.Time{})
	go func() {
		_, err := c.Read(make([]byte, 10))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	c.SetReadDeadline(time.Unix(1, 0))
	select {
	case err := <-done:
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	case <-time.After(guard):
		t.Fatal("the read was not woken")
	}

	// Still open: a message after the timeouts is read.
	c.SetReadDeadline(time.Now().Add(guard))
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	require.NoError(t, peer.Write(ctx, websocket.MessageText, []byte("later")))
	line, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "later\n", line)
}

func TestEndings(t *testing.T) {
	c, peer := pair(t)
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	require.NoError(t, peer.Write(ctx, websocket.MessageBinary, []byte{1, 2}))
	c.SetReadDeadline(time.Now().Add(guard))
	_, err := io.ReadAll(c)
	require.ErrorIs(t, err, ErrBinaryMessage)

	c2, peer2 := pair(t)
	c2.SetReadDeadline(time.Now().Add(guard))
	read := make(chan error, 1)
	go func() {
		b, err := io.ReadAll(c2) // io.EOF, as from a TCP peer that closed
		if err == nil && len(b) > 0 {
			err = errors.New("data before the close")
		}
		read <- err
	}()
	require.NoError(t, peer2.Close(websocket.StatusNormalClosure, ""))
	require.NoError(t, <-read)

	c3, _ := pair(t)
	require.NoError(t, c3.Close())
	_, err = c3.Read(make([]byte, 1))
	require.ErrorIs(t, err, net.ErrClosed)
	_, err = c3.Write([]byte("x\n"))
	require.ErrorIs(t, err, net.ErrClosed)
	require.ErrorIs(t, c3.Close(), net.ErrClosed)
}
