package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkAppendOne is the commit of one message, as when messages
// arrive one at a time, without and with indexing it.
func BenchmarkAppendOne(b *testing.B) {
	for _, index := range []bool{false, true} {
		b.Run(fmt.Sprintf("index=%v", index), func(b *testing.B) {
			s, err := Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			for i := range b.N {
				if err := s.Append(context.Background(), []Message{{Time: int64(i + 1), From: "alice", Body: body64(i)}}); err != nil {
					b.Fatal(err)
				}
				if index {
					if _, err := s.Index(context.Background(), 1000); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// words64 are the words of the benchmark's 64-byte messages.
var words = strings.Fields("the quick brown fox jumps over lazy dog alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu café naïve résumé 東京 会議")

// body64 returns a message body of 64 bytes made of words, different for
// every i.
func body64(i int) string {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	var sb strings.Builder
	sb.WriteString(strconv.Itoa(i))
	for sb.Len() < 64 {
		sb.WriteByte(' ')
		sb.WriteString(words[r.IntN(len(words))])
	}
	return sb.String()[:64]
}

// BenchmarkLargeStore fills a store with NATTER_BENCH_MESSAGES messages of
// 64 bytes (default 100,000; 1,000,000 for the figures in the report), then
// measures SEARCH and HISTORY 100 at random depths, reporting p99 of each,
// and the database's bytes per message.
func BenchmarkLargeStore(b *testing.B) {
	total := 100000
	if v := os.Getenv("NATTER_BENCH_MESSAGES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("NATTER_BENCH_MESSAGES=%q: want a number of at least 1000", v)
		}
		total = n
	}
	dir := b.TempDir()
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const batch = 5000
	start := time.Now()
	msgs := make([]Message, 0, batch)
	for i := 0; i < total; i += batch {
		msgs = msgs[:0]
		for j := i; j < min(total, i+batch); j++ {
			msgs = append(msgs, Message{Time: int64(1_700_000_000_000 + j), From: fmt.Sprintf("user%d", j%50), Body: body64(j)})
		}
		if err := s.Append(context.Background(), msgs); err != nil {
			b.Fatal(err)
		}
	}
	for range total/1000 + 2 {
		if n, err := s.Index(context.Background(), 1000); err != nil {
			b.Fatal(err)
		} else if n == 0 {
			break
		}
	}
	s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	b.Logf("filled %d messages in %v", total, time.Since(start))
	var size int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if fi, err := os.Stat(filepath.Join(dir, e.Name())); err == nil {
			size += fi.Size()
		}
	}
	perMsg := float64(size) / float64(total)

	queries := [][]string{{"fox"}, {"café", "tango"}, {"東京"}, {"zulu", "quick", "dog"}, {"nothing"}, {"résumé"}}
	b.Run("search", func(b *testing.B) {
		took := make([]time.Duration, b.N)
		for i := range b.N {
			t0 := time.Now()
			if _, err := s.Search(context.Background(), queries[i%len(queries)], 100); err != nil {
				b.Fatal(err)
			}
			took[i] = time.Since(t0)
		}
		reportP99(b, took)
		b.ReportMetric(perMsg, "db-bytes/msg")
	})
	b.Run("history-100", func(b *testing.B) {
		r := rand.New(rand.NewPCG(1, 2))
		took := make([]time.Duration, b.N)
		for i := range b.N {
			before := int64(1_700_000_000_000 + r.IntN(total))
			t0 := time.Now()
			if _, err := s.Before(context.Background(), before, 100); err != nil {
				b.Fatal(err)
			}
			took[i] = time.Since(t0)
		}
		reportP99(b, took)
		b.ReportMetric(perMsg, "db-bytes/msg")
	})
	// Last, as it forgets messages: one piece of retention (200 of
	// the oldest, with their search entries), the time a message that arrives
	// meanwhile may wait for it.
	for _, piece := range []int{200} {
		b.Run(fmt.Sprintf("prune-%d", piece), func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			for range b.N {
				t0 := time.Now()
				n, err := s.Prune(context.Background(), 1000, 0, piece)
				if err != nil {
					b.Fatal(err)
				}
				if n == 0 {
					b.Skip("the store is down to 1000 messages: fewer iterations, or more NATTER_BENCH_MESSAGES")
				}
				took = append(took, time.Since(t0))
			}
			reportP99(b, took)
		})
	}
}

func reportP99(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100])/1e6, "p99-ms")
}
