package server

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBroadcast measures fan-out: one client sends b.N public messages
// and each of n clients on loopback receives all of them. The deliveries/s
// metric counts lines received by all clients together.
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) { benchmarkBroadcast(b, n, "") })
	}
}

// benchmarkBroadcast measures the fan-out to n clients of a hub that
// stores its history in dataDir ("" for none).
func benchmarkBroadcast(b *testing.B, n int, dataDir string) {
	h := startHub(b, func(c *Config) {
		c.DataDir = dataDir
		c.MaxLineRate = NoLineLimit
		c.History = NoHistory
		c.IdleTimeout = time.Hour
		exemptLoopback(c)
	})
	// Register the clients; the first one also sends.
	conns := make([]net.Conn, n)
	readers := make([]*bufio.Reader, n)
	for i := range n {
		c, _, _ := register(b, h.addr, fmt.Sprintf("u%d", i))
		conns[i] = c.conn
		readers[i] = bufio.NewReaderSize(c.conn, 64<<10)
		// Lines buffered by the registration reader are not MSG lines; drop it.
		// The deadlines registration set would end a long run.
		c.conn.SetReadDeadline(time.Time{})
		c.conn.SetWriteDeadline(time.Time{})
	}
	msg := []byte("MSG the quick brown fox jumps over the lazy dog\n")
	const window = 256 // messages the sender may be ahead of the slowest reader

	var received atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got := 0
			conns[i].SetReadDeadline(time.Now().Add(10 * time.Minute))
			for got < b.N {
				line, err := readers[i].ReadSlice('\n')
				if err != nil {
					errs <- err
					return
				}
				if bytes.HasPrefix(line, []byte("MSG ")) {
					got++
					received.Add(1)
				}
			}
		}()
	}
	b.ResetTimer()
	close(start)
	sender := conns[0]
	batch := make([]byte, 0, 64*len(msg))
	for sent := 0; sent < b.N; {
		for int64(sent-window)*int64(n) > received.Load() {
			runtime.Gosched()
		}
		k := min(64, b.N-sent)
		batch = batch[:0]
		for range k {
			batch = append(batch, msg...)
		}
		if _, err := sender.Write(batch); err != nil {
			b.Fatal(err)
		}
		sent += k
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)*float64(n)/b.Elapsed().Seconds(), "deliveries/s")
}
