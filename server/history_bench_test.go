package server

import (
	"fmt"
	"testing"
)

// BenchmarkBroadcastStore is BenchmarkBroadcast and BenchmarkBroadcastLatency
// with the store off (the baseline) and on, in the same run: the cost of
// writing every message before it is sent. Compare store=on with store=off:
// deliveries/s for the fan-out at full speed, p99-ns for one message at a
// time.
func BenchmarkBroadcastStore(b *testing.B) {
	const n = 100
	for _, store := range []string{"off", "on"} {
		dataDir := func(b *testing.B) string {
			if store == "on" {
				return b.TempDir()
			}
			return ""
		}
		b.Run(fmt.Sprintf("full-speed/clients=%d/store=%s", n, store), func(b *testing.B) { benchmarkBroadcast(b, n, dataDir(b)) })
		b.Run(fmt.Sprintf("one-at-a-time/clients=%d/store=%s", n, store), func(b *testing.B) { benchmarkBroadcastLatency(b, n, dataDir(b)) })
	}
}
