package server

import (
	"context"
	"runtime"
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
//
// A trim is a forced collection followed by returning every free page, a
// few milliseconds of work that would delay the lines of anyone chatting
// meanwhile; so the quiet must also be free of messages, which are not
// events of a burst themselves but show the hub is in use.
type memoryTrimmer struct {
	events   atomic.Int64 // since the last trim
	messages atomic.Int64 // public and private messages handled, ever

	// Used only by run's goroutine: the counts at the last tick.
	lastEvents, lastMessages int64
}

// note counts one event of a burst.
func (t *memoryTrimmer) note() { t.events.Add(1) }

// noteMany counts n events of a burst.
func (t *memoryTrimmer) noteMany(n int) { t.events.Add(int64(n)) }

// noteMessage counts a message handled, which postpones any trim.
func (t *memoryTrimmer) noteMessage() { t.messages.Add(1) }

// run trims when a burst was followed by quiet for one interval of delay,
// until ctx is done.
func (t *memoryTrimmer) run(ctx context.Context, delay time.Duration) {
	tick := time.NewTicker(delay)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if t.due() {
			// What the pools (sync.Pool) hold survives one collection,
			// and a burst leaves them holding many large batches; the
			// first collection lets them go, the second frees them
			// and returns the pages.
			runtime.GC()
			debug.FreeOSMemory()
		}
	}
}

// due is called once an interval; it reports whether to trim now: there
// was a burst, and since the last call neither an event of it nor a
// message. It then starts counting the next burst.
func (t *memoryTrimmer) due() bool {
	n, m := t.events.Load(), t.messages.Load()
	quiet := n == t.lastEvents && m == t.lastMessages
	t.lastEvents, t.lastMessages = n, m
	if n < trimMinEvents || !quiet {
		return false
	}
	t.events.Add(-n)
	t.lastEvents = 0
	return true
}
