package server

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBroadcastLatency measures the time for one public message to
// reach every one of n clients on loopback, one message at a time: the
// fan-out cost when nothing can be batched, as with paced senders.
func BenchmarkBroadcastLatency(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) { benchmarkBroadcastLatency(b, n) })
	}
}

func benchmarkBroadcastLatency(b *testing.B, n int) {
	h := startHub(b, func(c *Config) {
		c.MaxLineRate = 1e9
		c.LineBurst = 1 << 30
		c.History = NoHistory
		c.IdleTimeout = time.Hour
	})
	conns := make([]net.Conn, n)
	for i := range n {
		c, _, _ := register(b, h.addr, fmt.Sprintf("u%d", i))
		conns[i] = c.conn
		c.conn.SetReadDeadline(time.Time{})
	}
	var received atomic.Int64
	var target atomic.Int64 // deliveries that complete the current message
	reached := make(chan struct{}, 1)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := bufio.NewReaderSize(conns[i], 4096)
			conns[i].SetReadDeadline(time.Now().Add(10 * time.Minute))
			for got := 0; got < b.N; {
				line, err := r.ReadSlice('\n')
				if err != nil {
					b.Error(err)
					return
				}
				if bytes.HasPrefix(line, []byte("MSG ")) {
					got++
					if received.Add(1) == target.Load() {
						reached <- struct{}{}
					}
				}
			}
		}()
	}
	msg := []byte("MSG the quick brown fox jumps over the lazy dog\n")
	b.ResetTimer()
	for i := range b.N {
		target.Store(int64(i+1) * int64(n))
		conns[0].SetWriteDeadline(time.Now().Add(guard))
		if _, err := conns[0].Write(msg); err != nil {
			b.Fatal(err)
		}
		select {
		case <-reached:
		case <-time.After(guard):
			b.Fatalf("message %d did not reach every client within %v", i, guard)
		}
	}
	b.StopTimer()
	wg.Wait()
}
