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
		before := memAfterGC()
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
		reportPerClient(b, before, n)
		for _, c := range conns {
			c.Close()
		}
		h.stop()
	}
}

// memAfterGC is the process's memory once garbage is collected: what an
// idle-cost benchmark starts from.
func memAfterGC() runtime.MemStats {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m
}

// reportPerClient reports the heap, stack and system memory grown since
// before, per each of n clients, once the hub settled.
func reportPerClient(b *testing.B, before runtime.MemStats, n int) {
	time.Sleep(100 * time.Millisecond)
	after := memAfterGC()
	b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/float64(n), "heap-B/client")
	b.ReportMetric(float64(after.StackInuse-before.StackInuse)/float64(n), "stack-B/client")
	b.ReportMetric(float64(after.Sys-before.Sys)/float64(n), "sys-B/client")
}
