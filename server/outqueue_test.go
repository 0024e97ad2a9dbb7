package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
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

// A long flush list, as a broadcast to many clients makes, writes every
// queue once, each client's lines whole and in the order queued, and leaves
// every queue idle.
func TestLongFlushListKeepsOrder(t *testing.T) {
	const clients = 300
	const lines = 5
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()

	var wg sync.WaitGroup
	queues := make([]*outQueue, clients)
	readers := make([]net.Conn, clients)
	for i := range clients {
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		s, err := ln.Accept()
		require.NoError(t, err)
		readers[i] = c
		queues[i] = newOutQueue(s, 1<<20, time.Second, &wg, nil)
	}
	defer func() {
		for i := range clients {
			readers[i].Close()
			queues[i].abort()
		}
		wg.Wait()
	}()

	list := getFlushList()
	for i, q := range queues {
		for k := range lines {
			ok, kick := q.push([]byte(fmt.Sprintf("line %d for %d\n", k, i)))
			require.True(t, ok)
			require.Equal(t, k == 0, kick, "only the first push of an idle queue kicks")
		}
		list.add(q)
	}
	list.run()

	for i, c := range readers {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(guard)))
		r := bufio.NewReader(c)
		for k := range lines {
			got, err := r.ReadString('\n')
			require.NoError(t, err, "client %d, line %d", i, k)
			assert.Equal(t, fmt.Sprintf("line %d for %d\n", k, i), got)
		}
		q := queues[i]
		q.mu.Lock()
		assert.False(t, q.busy, "client %d: the queue is idle once flushed", i)
		assert.Zero(t, q.bytes, "client %d: nothing is left queued", i)
		q.mu.Unlock()
	}
}

// queuePair returns an outQueue writing to one end of a loopback TCP
// connection and the other end to read from.
func queuePair(t *testing.T, wg *sync.WaitGroup) (*outQueue, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	s, err := ln.Accept()
	require.NoError(t, err)
	return newOutQueue(s, 1<<20, time.Second, wg, nil), c
}

// Lines queued lazily wait for flushLazy; a line that may not wait takes
// them along, in order, and the later flushLazy then writes nothing twice.
func TestLazyLinesWaitUnlessTakenOver(t *testing.T) {
	var wg sync.WaitGroup
	q, c := queuePair(t, &wg)
	defer func() { q.abort(); wg.Wait() }()
	r := bufio.NewReader(c)

	ok, lazyKick, _ := q.pushLazy([]byte("JOIN 1 a\n"))
	require.True(t, ok)
	require.True(t, lazyKick, "an idle queue is handed to the presence writer")
	ok, lazyKick, _ = q.pushLazy([]byte("JOIN 2 b\n"))
	require.True(t, ok)
	require.False(t, lazyKick, "it is handed over once")

	require.NoError(t, c.SetReadDeadline(time.Now().Add(100*time.Millisecond)))
	_, err := r.ReadString('\n')
	require.ErrorIs(t, err, os.ErrDeadlineExceeded, "lazy lines are not written by themselves")

	ok, kick := q.push([]byte("MSG 3 a hi\n"))
	require.True(t, ok)
	require.True(t, kick, "a line that may not wait takes the queue over")
	q.flush()
	q.flushLazy() // the presence writer comes later: nothing is left for it

	require.NoError(t, c.SetReadDeadline(time.Now().Add(guard)))
	for _, want := range []string{"JOIN 1 a\n", "JOIN 2 b\n", "MSG 3 a hi\n"} {
		got, err := r.ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	q.mu.Lock()
	assert.False(t, q.busy)
	assert.False(t, q.lazy)
	q.mu.Unlock()

	// Handed over again, and this time written by the presence writer.
	_, lazyKick, _ = q.pushLazy([]byte("LEAVE 4 b quit\n"))
	require.True(t, lazyKick)
	q.flushLazy()
	got, err := r.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "LEAVE 4 b quit\n", got)
}

// Closing a queue that waits for the presence writer writes its lines and
// the last one at once; aborting it leaves nobody owning it.
func TestLazyQueueClosedOrAborted(t *testing.T) {
	var wg sync.WaitGroup
	q, c := queuePair(t, &wg)
	_, lazyKick, _ := q.pushLazy([]byte("JOIN 1 a\n"))
	require.True(t, lazyKick)
	q.close([]byte("BYE shutdown\n"))
	require.NoError(t, c.SetReadDeadline(time.Now().Add(guard)))
	all, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, "JOIN 1 a\nBYE shutdown\n", string(all))
	c.Close() // ends the queue's lingering close
	q.flushLazy()
	wg.Wait()

	q, _ = queuePair(t, &wg)
	_, lazyKick, _ = q.pushLazy([]byte("JOIN 1 a\n"))
	require.True(t, lazyKick)
	q.abort()
	q.mu.Lock()
	assert.False(t, q.busy, "an aborted queue has no owner")
	assert.Nil(t, q.pending)
	q.mu.Unlock()
	q.flushLazy()
	wg.Wait()
}

// A long flush list shared with helpers writes every queue exactly once,
// each client's lines whole and in order, over and over, and leaves every
// queue idle; the helpers end with their context.
func TestFanOutSharesLongLists(t *testing.T) {
	const clients = 400
	const rounds = 50
	var wg, helpers sync.WaitGroup
	queues := make([]*outQueue, clients)
	readers := make([]*bufio.Reader, clients)
	for i := range clients {
		q, c := queuePair(t, &wg)
		require.NoError(t, c.SetReadDeadline(time.Now().Add(guard)))
		queues[i], readers[i] = q, bufio.NewReader(c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var f fanOut
	f.start(ctx, &helpers)
	defer func() {
		cancel()
		helpers.Wait()
		for _, q := range queues {
			q.abort()
		}
		wg.Wait()
	}()

	// Writers of several lists at once, as several senders make.
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Go(func() {
			for r := w; r < rounds; r += 2 {
				list := getFlushList()
				for i, q := range queues {
					ok, kick := q.push(fmt.Appendf(nil, "round %d for %d\n", r, i))
					if !assert.True(t, ok) {
						return
					}
					if kick {
						list.add(q)
					}
				}
				f.flush(list)
			}
		})
	}
	writers.Wait()

	for i, r := range readers {
		next := [2]int{0, 1} // each writer's rounds arrive in order
		for range rounds {
			line, err := r.ReadString('\n')
			require.NoError(t, err, "client %d", i)
			var round, client int
			_, err = fmt.Sscanf(line, "round %d for %d\n", &round, &client)
			require.NoError(t, err, "client %d got %q", i, line)
			require.Equal(t, i, client)
			require.Equal(t, next[round%2], round, "client %d: rounds of one writer in order", i)
			next[round%2] += 2
		}
	}
	for i, q := range queues {
		require.Eventually(t, func() bool {
			q.mu.Lock()
			defer q.mu.Unlock()
			return !q.busy && q.bytes == 0
		}, guard, time.Millisecond, "client %d: the queue is idle once written", i)
	}
}
