package server

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"testing"
	"time"
)

// BenchmarkIdleClients measures what a registered, idle client costs the
// hub: heap and goroutine stack per client after registration and a
// garbage collection. The figures include the test's own end of each
// connection (no goroutine, a few hundred bytes), so they are an upper bound.
func BenchmarkIdleClients(b *testing.B) { benchmarkIdleClients(b, "") }

// BenchmarkIdlePartialClients is BenchmarkIdleClients for clients that go
// quiet in the middle of a line: each keeps about its partial line, not a
// read buffer.
func BenchmarkIdlePartialClients(b *testing.B) {
	benchmarkIdleClients(b, "MSG a line that does not end yet")
}

// benchmarkIdleClients registers idle clients, each sending partial (an
// unfinished line) after registering.
func benchmarkIdleClients(b *testing.B, partial string) {
	const n = 1000
	for range b.N {
		b.StopTimer()
		h := startHub(b, func(c *Config) {
			c.History = NoHistory
			c.IdleTimeout = time.Hour
			exemptLoopback(c)
		})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		conns := make([]net.Conn, 0, n)
		var buf [4096]byte
		for i := range n {
			c, err := net.DialTimeout("tcp", h.addr, guard)
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c)
			c.SetDeadline(time.Now().Add(guard))
			if _, err := fmt.Fprintf(c, "NICK idle%d\n", i); err != nil {
				b.Fatal(err)
			}
			// Read up to the end of the registration reply; JOIN lines of
			// later clients are left in the socket buffers.
			var got []byte
			for !bytes.Contains(got, []byte("HISTORY 0\n")) {
				k, err := c.Read(buf[:])
				if err != nil {
					b.Fatal(err)
				}
				got = append(got, buf[:k]...)
			}
			if partial != "" {
				if _, err := io.WriteString(c, partial); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		time.Sleep(100 * time.Millisecond)
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/n, "heap-B/client")
		b.ReportMetric(float64(after.StackInuse-before.StackInuse)/n, "stack-B/client")
		b.ReportMetric(float64(after.Sys-before.Sys)/n, "sys-B/client")
		for _, c := range conns {
			c.Close()
		}
		h.stop()
	}
}
