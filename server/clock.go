package server

import (
	"sync/atomic"
	"time"
)

// hubClock stamps the hub's lines with <time>: Unix milliseconds, strictly
// increasing across every line stamped (two in one millisecond get
// consecutive values, and a wall clock set back does not go back), so that
// a time names one message (natter/1 section 2).
type hubClock struct {
	last atomic.Int64
	wall func() time.Time // nil: time.Now
}

// stamp returns the next time.
func (c *hubClock) stamp() int64 {
	wall := time.Now
	if c.wall != nil {
		wall = c.wall
	}
	t := wall().UnixMilli()
	for {
		last := c.last.Load()
		next := max(t, last+1)
		if c.last.CompareAndSwap(last, next) {
			return next
		}
	}
}

// raise makes every later stamp greater than t: a restarted hub goes on
// after the last time it stored.
func (c *hubClock) raise(t int64) {
	for {
		last := c.last.Load()
		if last >= t || c.last.CompareAndSwap(last, t) {
			return
		}
	}
}
