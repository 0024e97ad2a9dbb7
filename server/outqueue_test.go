package server

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

// A client that stops reading for a while gets a backlog larger than its
// socket buffers: the non-blocking writes stop part-way through a line and a
// writer goroutine carries on. Once the client reads again, every line
// arrives whole and in order.
func TestBacklogAfterPartialWrites(t *testing.T) {
	h := startHub(t, func(c *Config) {
		c.MaxLineRate = 1e6
		c.LineBurst = 1e6
		c.OutQueueBytes = 64 << 20
	})
	sender, _, _ := register(t, h.addr, "sender")
	paused := dialRaw(t, h.addr)
	// Small socket buffers, though not so small that the window stays shut.
	require.NoError(t, paused.conn.(*net.TCPConn).SetReadBuffer(64<<10))
	paused.expect("HELLO natter/1 Test hub")
	paused.send("NICK paused")
	paused.expect("WELCOME paused")
	sender.skipTo("JOIN")

	const n = 1500
	body := strings.Repeat("z", 2999) // odd sizes, so writes stop inside lines
	echoes := make(chan int, 1)
	go func() {
		got := 0
		for got < n {
			line, err := sender.tryReadLine(guard)
			if err != nil {
				break
			}
			if strings.HasPrefix(line, "MSG ") {
				got++
			}
		}
		echoes <- got
	}()
	var batch strings.Builder
	for i := range n {
		fmt.Fprintf(&batch, "MSG %d %s\n", i, body)
		if batch.Len() > 64<<10 || i == n-1 {
			sender.sendRaw(batch.String())
			batch.Reset()
		}
	}
	require.Equal(t, n, <-echoes, "the sender got all its echoes")
	time.Sleep(50 * time.Millisecond) // let the backlog to the paused client build

	next := 0
	for next < n {
		line := paused.readLine()
		if !strings.HasPrefix(line, "MSG ") {
			continue // USERS, HISTORY
		}
		ev, err := proto.ParseEvent(line)
		require.NoError(t, err)
		num, text, _ := strings.Cut(ev.Text, " ")
		require.Equal(t, strconv.Itoa(next), num, "messages arrive in order, none lost")
		require.Equal(t, body, text)
		next++
	}
	assert.Equal(t, []string{"paused", "sender"}, h.Users())
}
