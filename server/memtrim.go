package server

import (
	"context"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// trimMinEvents is how many joins, leaves and drained backlogs make a burst
// worth a memory trim.
const trimMinEvents = 64

// memoryTrimmer returns free memory to the operating system once the hub
// has been quiet for a while after a burst. A burst of registrations (each
// followed by a JOIN to everyone) or a backlog of messages grows the heap;
// once it is over, idle clients need a fraction of it, but the runtime
// keeps the rest until the next collection, which an idle hub may not need
// for minutes.
type memoryTrimmer struct {
	events atomic.Int64 // since the last trim
}

// note counts one event of a burst.
func (t *memoryTrimmer) note() { t.events.Add(1) }

// run trims when a burst was followed by quiet for one interval of delay,
// until ctx is done.
func (t *memoryTrimmer) run(ctx context.Context, delay time.Duration) {
	tick := time.NewTicker(delay)
	defer tick.Stop()
	var last int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n := t.events.Load()
		if n >= trimMinEvents && n == last {
			t.events.Add(-n)
			n = 0
			debug.FreeOSMemory()
		}
		last = n
	}
}
