package server

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

// A queue of tiny lines is bounded by what they cost in memory, entries
// included, not by their bytes alone; and what it charged the hub-wide
// budget goes back as its lines are written or dropped.
func TestQueueCountsWhatLinesCost(t *testing.T) {
	var wg sync.WaitGroup
	q, c := queuePair(t, &wg)
	var budget atomic.Int64
	q.budget = &budget
	q.mu.Lock()
	q.busy = true // no owner writes: the lines stay queued
	q.mu.Unlock()
	line := []byte("x\n")
	n := 0
	for n < 1<<20 {
		ok, _ := q.push(line)
		if !ok {
			break
		}
		n++
	}
	assert.Equal(t, (1<<20)/lineCost(line), n, "tiny lines fill the 1 MiB queue by their cost")
	held := int64(n * lineCost(line))
	assert.GreaterOrEqual(t, budget.Load(), held, "the hub-wide count is never under what is queued")
	assert.Less(t, budget.Load(), held+budgetChunk, "and over it by less than a chunk")

	q.flush() // as the owner: writes everything
	buf := make([]byte, 64<<10)
	read := 0
	c.SetReadDeadline(time.Now().Add(guard))
	for read < n*len(line) {
		k, err := c.Read(buf)
		require.NoError(t, err)
		read += k
	}
	require.Eventually(t, func() bool { return budget.Load() <= 2*budgetChunk }, guard, time.Millisecond, "all written: %d left", budget.Load())

	q.mu.Lock()
	q.busy = true
	q.mu.Unlock()
	for range 100 {
		q.push(line)
	}
	q.abort()
	wg.Wait()
	assert.Zero(t, budget.Load(), "an aborted queue gives back what it held")
}

// Clients that never read cannot take the hub's memory: past the
// hub-wide bound the ones holding the most are dropped too-slow, while a
// client that reads gets every message.
func TestStalledClientsStayWithinHubBound(t *testing.T) {
	const (
		bound    = 4 << 20
		stalled  = 8
		messages = 3000
	)
	h := startHub(t, func(c *Config) {
		c.MaxLineRate = NoLineLimit
		c.OutQueueBytes = bound // each one alone may hold all the hub allows
		c.MaxQueuedBytes = bound
		c.History = NoHistory
		exemptLoopback(c)
	})
	for i := range stalled {
		c, _, _ := register(t, h.addr, fmt.Sprintf("stalled%d", i))
		c.conn.(*net.TCPConn).SetReadBuffer(4096)
	}
	sender, _, _ := register(t, h.addr, "sender")
	sender.conn.SetReadDeadline(time.Time{})
	body := strings.Repeat("b", 4000)

	// The sender reads everything it gets, counting its messages and the
	// stalled clients dropped.
	type tally struct{ msgs, tooSlow int }
	done := make(chan tally, 1)
	go func() {
		var got tally
		r := proto.NewReader(bufio.NewReaderSize(sender.conn, 64<<10), proto.MaxHubLineLen)
		for got.msgs < messages {
			line, err := r.ReadLine()
			if err != nil {
				break
			}
			s := string(line)
			switch {
			case strings.HasPrefix(s, "MSG "):
				got.msgs++
			case strings.HasPrefix(s, "LEAVE ") && strings.HasSuffix(s, " too-slow"):
				got.tooSlow++
			}
		}
		done <- got
	}()
	var peak int64
	w := bufio.NewWriter(sender.conn)
	sender.conn.SetWriteDeadline(time.Now().Add(guard))
	for i := range messages {
		fmt.Fprintf(w, "MSG %d %s\n", i, body)
		if i%16 == 15 {
			require.NoError(t, w.Flush())
		}
		peak = max(peak, h.queued.Load())
	}
	require.NoError(t, w.Flush())
	var got tally
	select {
	case got = <-done:
	case <-time.After(guard):
		t.Fatal("the sender's messages did not all arrive")
	}
	assert.Equal(t, messages, got.msgs, "the client that reads loses nothing")
	assert.Equal(t, stalled, got.tooSlow, "every stalled client is dropped")
	// Between two checks one broadcast may go over: a line for everyone.
	slack := int64((stalled + 1) * lineCost(make([]byte, len(body)+64)))
	assert.LessOrEqual(t, peak, int64(bound)+slack, "what was queued hub-wide stayed within the bound")
	sender.send("PING end")
	sender.skipTo("PONG end")
	// The dropped clients gave back all they held; the sender, under two
	// chunks.
	require.Eventually(t, func() bool { return h.queued.Load() <= 2*budgetChunk }, guard, 10*time.Millisecond, "left counted: %d", h.queued.Load())
}
