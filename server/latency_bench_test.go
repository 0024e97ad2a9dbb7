package server

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkBroadcastLatency measures the time for one public message to
// reach every one of n clients on loopback, one message at a time: the
// fan-out cost when nothing can be batched, as with paced senders.
//
// The floor case is the same fan-out without a hub: the message written
// once to each of n plain loopback connections, one after another, and read
// by the same readers. It is what any hub on this machine must pay, one
// write and one read per client, so hub/floor is the hub's own overhead.
func BenchmarkBroadcastLatency(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("hub/clients=%d", n), func(b *testing.B) { benchmarkBroadcastLatency(b, n, "") })
		b.Run(fmt.Sprintf("floor/clients=%d", n), func(b *testing.B) { benchmarkFanOutFloor(b, n) })
	}
}

// benchmarkBroadcastLatency measures one message's way to n clients of a
// hub that stores its history in dataDir ("" for none).
func benchmarkBroadcastLatency(b *testing.B, n int, dataDir string) {
	h := startHub(b, func(c *Config) {
		c.DataDir = dataDir
		c.MaxLineRate = NoLineLimit
		c.History = NoHistory
		c.IdleTimeout = time.Hour
		exemptLoopback(c)
	})
	conns := make([]net.Conn, n)
	for i := range n {
		c, _, _ := register(b, h.addr, fmt.Sprintf("u%d", i))
		conns[i] = c.conn
		c.conn.SetReadDeadline(time.Time{})
	}
	msg := []byte("MSG the quick brown fox jumps over the lazy dog\n")
	measureFanOut(b, conns, func() error {
		conns[0].SetWriteDeadline(time.Now().Add(guard))
		_, err := conns[0].Write(msg)
		return err
	})
}

func benchmarkFanOutFloor(b *testing.B, n int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	defer ln.Close()
	readers := make([]net.Conn, n)
	writers := make([]net.Conn, n)
	for i := range n {
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(b, err)
		defer c.Close()
		s, err := ln.Accept()
		require.NoError(b, err)
		defer s.Close()
		readers[i], writers[i] = c, s
	}
	// As long as the hub's line, time and nick included.
	line := []byte("MSG 1764150000000 u0 the quick brown fox jumps over the lazy dog\n")
	measureFanOut(b, readers, func() error {
		for _, w := range writers {
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
		return nil
	})
}

// measureFanOut calls send b.N times, each time waiting until every one of
// conns has read one more MSG line, and reports the 99th percentile of
// those times (p99-ns) beside their mean.
func measureFanOut(b *testing.B, conns []net.Conn, send func() error) {
	n := len(conns)
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
	took := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := range b.N {
		target.Store(int64(i+1) * int64(n))
		start := time.Now()
		if err := send(); err != nil {
			b.Fatal(err)
		}
		select {
		case <-reached:
			took[i] = time.Since(start)
		case <-time.After(guard):
			b.Fatalf("message %d did not reach every client within %v", i, guard)
		}
	}
	b.StopTimer()
	wg.Wait()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100]), "p99-ns")
}
