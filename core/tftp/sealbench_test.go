package tftp

import (
	"fmt"
	"io"
	"slices"
	"testing"
	"time"
)

// BenchmarkDownloadSealed64MiB downloads 64 MiB plain and then sealed
// (natter-seal) in every iteration, so that both meet the same load on the
// machine, and reports each one's time and the sealed speed as a share of
// the plain one: the median over the iterations of plain time / sealed
// time.
func BenchmarkDownloadSealed64MiB(b *testing.B) {
	key := [SealKeySize]byte{1, 2, 3}
	data := randomBytes(99, benchSize)
	for _, window := range []int{1, 16} {
		b.Run(fmt.Sprintf("window%d", window), func(b *testing.B) {
			plainH, sealedH := newMemHandler(), newMemHandler()
			plainH.add("f", data)
			sealedH.add("f", data)
			ctx, plainAddr := startBenchServer(b, plainH)
			_, sealedAddr := startBenchServer(b, sealHandler{sealedH, key})
			download := func(addr string, h *memHandler, key *[SealKeySize]byte) time.Duration {
				start := time.Now()
				res, err := Download(ctx, addr, "f", &ClientOptions{WindowSize: window, SealKey: key}, io.Discard)
				if err != nil {
					b.Fatal(err)
				}
				if res.Bytes != benchSize {
					b.Fatalf("got %d bytes", res.Bytes)
				}
				<-h.readErrs
				return time.Since(start)
			}
			b.SetBytes(2 * benchSize)
			b.ReportAllocs()
			var plain, sealed time.Duration
			ratios := make([]float64, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p := download(plainAddr, plainH, nil)
				s := download(sealedAddr, sealedH, &key)
				plain, sealed = plain+p, sealed+s
				ratios = append(ratios, float64(p)/float64(s))
			}
			slices.Sort(ratios)
			b.ReportMetric(float64(plain.Nanoseconds())/float64(b.N), "plain-ns/op")
			b.ReportMetric(float64(sealed.Nanoseconds())/float64(b.N), "sealed-ns/op")
			b.ReportMetric(ratios[len(ratios)/2], "sealed-speed/plain")
		})
	}
}
