package ui_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/core/client"
)

// silentListener accepts connections on loopback and says nothing, as a
// web server or a database at a mistyped port would; its connections
// come out of the channel.
func silentListener(t *testing.T) (string, <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted := make(chan net.Conn, 8)
	go func() {
		defer close(accepted)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- conn
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for conn := range accepted {
			conn.Close()
		}
	})
	return ln.Addr().String(), accepted
}

func TestSilentAddressIsNotANatterHub(t *testing.T) {
	addr, _ := silentListener(t)
	h := newHarness(t, ui.Config{ClientConfig: func(c *client.Config) { c.HelloTimeout = 100 * time.Millisecond }})
	f := h.UI.Login
	f.Nick.SetText("alice")
	f.Addr.SetText(addr)
	h.Press(f.JoinButton())
	require.True(t, f.Busy, "joining")
	h.Until("the address is reported", func() bool { return !f.Busy && f.Addr.IsErrored() })
	assert.Equal(t, ui.RouteLogin, h.UI.Route())
	found := false
	for _, l := range h.Labels() {
		if strings.Contains(l, "does not answer like a Natter hub") {
			found = true
		}
	}
	assert.True(t, found, "labels: %q", h.Labels())
}

func TestJoiningCanBeCancelled(t *testing.T) {
	addr, accepted := silentListener(t)
	// Long enough that only Cancel ends the wait.
	h := newHarness(t, ui.Config{ClientConfig: func(c *client.Config) { c.HelloTimeout = time.Hour }})
	f := h.UI.Login
	f.Nick.SetText("alice")
	f.Addr.SetText(addr)
	h.Press(f.JoinButton())
	require.True(t, f.Busy)
	assert.Contains(t, h.Labels(), "Cancel", "the way out shows while joining")
	var conn net.Conn
	select {
	case conn = <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not connect")
	}

	h.Press(f.CancelButton())
	assert.False(t, f.Busy, "the form is usable again")
	assert.Nil(t, h.UI.Session(), "no session is left")
	assert.NotContains(t, h.Labels(), "Cancel")
	// The client let go of the connection.
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err := conn.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "the connection is closed by the client")
}
