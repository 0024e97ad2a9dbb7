package tftp

import (
	"context"

	"github.com/natter-chat/natter/core/tftp/lossy"
	"io"
	"net"
	"testing"
)

const benchSize = 64 << 20

func benchDownload(b *testing.B, window int) {
	benchDownloadLossy(b, benchSize, window, 0)
}

// benchDownloadLossy downloads size bytes; with loss > 0 the client's
// socket drops that share of packets in each direction.
func benchDownloadLossy(b *testing.B, size, window int, loss float64) {
	h := newMemHandler()
	h.add("f", randomBytes(99, size))
	ctx, addr := startBenchServer(b, h)
	opts := &ClientOptions{WindowSize: window}
	var lossyConn *lossy.Conn
	if loss > 0 {
		uc, err := listenLoopback()
		if err != nil {
			b.Fatal(err)
		}
		lossyConn = lossy.New(uc, lossy.Config{Seed: 1, Drop: loss})
		defer lossyConn.Close()
		opts.Conn = lossyConn
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	var retransmits int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Download(ctx, addr, "f", opts, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		if res.Bytes != int64(size) {
			b.Fatalf("got %d bytes", res.Bytes)
		}
		<-h.readErrs
		retransmits += res.Stats.Retransmits
	}
	b.ReportMetric(float64(retransmits)/float64(b.N), "retransmits/op")
	if lossyConn != nil {
		b.ReportMetric(float64(lossyConn.Counts().Dropped)/float64(b.N), "drops/op")
	}
}

// startBenchServer runs a Server for handler on 127.0.0.1 until b ends,
// and returns a context that ends with it and the server's address.
func startBenchServer(b *testing.B, handler Handler) (context.Context, string) {
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	srv := &Server{Handler: handler}
	go func() { done <- srv.Serve(ctx, conn) }()
	b.Cleanup(func() {
		cancel()
		<-done
		conn.Close()
	})
	return ctx, conn.LocalAddr().String()
}

// BenchmarkDownload8MiBLoss shows what a lost packet costs on loopback:
// compare ns/op at 0% and 1% loss, divided by drops/op.
func BenchmarkDownload8MiBLoss(b *testing.B) {
	b.Run("loss0%", func(b *testing.B) { benchDownloadLossy(b, 8<<20, 1, 0) })
	b.Run("loss1%", func(b *testing.B) { benchDownloadLossy(b, 8<<20, 1, 0.01) })
}

func BenchmarkDownload64MiB(b *testing.B) {
	b.Run("window1", func(b *testing.B) { benchDownload(b, 1) })
	b.Run("window16", func(b *testing.B) { benchDownload(b, 16) })
}

// BenchmarkLoopbackPingPong64MiB is the baseline: bare UDP sockets trading
// 2052-byte packets for 4-byte answers, as many as a 64 MiB stop-and-wait
// transfer needs, with no protocol engine at all.
func BenchmarkLoopbackPingPong64MiB(b *testing.B) {
	a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	blocks := benchSize/2048 + 1
	stop := make(chan struct{})
	echoed := make(chan struct{})
	go func() {
		defer close(echoed)
		buf := make([]byte, 4096)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if n == 1 {
				return
			}
			_, _ = c.WriteToUDPAddrPort(buf[:4], from)
		}
	}()
	to := c.LocalAddr().(*net.UDPAddr).AddrPort()
	pkt := make([]byte, 2052)
	ack := make([]byte, 16)
	b.SetBytes(benchSize)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < blocks; j++ {
			if _, err := a.WriteToUDPAddrPort(pkt, to); err != nil {
				b.Fatal(err)
			}
			if _, _, err := a.ReadFromUDPAddrPort(ack); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	close(stop)
	_, _ = a.WriteToUDPAddrPort([]byte{1}, to)
	<-echoed
}
