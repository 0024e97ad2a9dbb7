package server

import (
	"sync"
	"testing"
	"time"
)

func TestHubClockStrictlyIncreasing(t *testing.T) {
	// A wall clock that stands still, then goes back a second.
	var mu sync.Mutex
	wall := time.UnixMilli(5000)
	c := hubClock{wall: func() time.Time { mu.Lock(); defer mu.Unlock(); return wall }}
	if got := c.stamp(); got != 5000 {
		t.Fatalf("first stamp %d, want the wall clock's 5000", got)
	}
	if got := c.stamp(); got != 5001 {
		t.Fatalf("second stamp in the same millisecond %d, want 5001", got)
	}
	mu.Lock()
	wall = time.UnixMilli(4000)
	mu.Unlock()
	if got := c.stamp(); got != 5002 {
		t.Fatalf("stamp after the wall clock went back %d, want 5002", got)
	}
	c.raise(9000)
	if got := c.stamp(); got != 9001 {
		t.Fatalf("stamp after raise(9000) %d, want 9001", got)
	}
	c.raise(10) // never lowers
	if got := c.stamp(); got != 9002 {
		t.Fatalf("stamp after raise(10) %d, want 9002", got)
	}

	// Concurrent stamps are all distinct.
	const goroutines, each = 8, 1000
	seen := make(chan int64, goroutines*each)
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				seen <- c.stamp()
			}
		})
	}
	wg.Wait()
	close(seen)
	distinct := map[int64]bool{}
	for s := range seen {
		if distinct[s] {
			t.Fatalf("time %d stamped twice", s)
		}
		distinct[s] = true
	}
}
