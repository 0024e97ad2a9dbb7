package load

import (
	"bufio"
	"sync"
	"time"
)

// receiver reads what the hub sends to every client of a run and hands each
// line to client.handle, having set client.readAt to the time of the read
// that brought it in.
type receiver interface {
	// add starts reading c, whose connection is dialed and not yet
	// registered.
	add(c *client) error
	// registrationEnded says that no client is registering any more, so
	// clients paused to let the JOIN flood gather are read again at once.
	registrationEnded()
	// shutdown stops reading and ends every client still connected. It
	// calls closeConns, which closes every client's connection, once, at
	// the moment it suits the receiver, and returns when none of its
	// goroutines runs any more.
	shutdown(closeConns func())
}

// newReceiver returns the receiver cfg.Receive names, ready to add
// clients to.
func newReceiver(r *runner) (receiver, error) {
	if r.cfg.Receive == ReceiveEpoll {
		return newEpollReceiver(r, r.cfg.Receivers)
	}
	return &goroutineReceiver{}, nil
}

// goroutineReceiver gives every client a goroutine that reads its
// connection through a bufio.Reader.
type goroutineReceiver struct {
	wg sync.WaitGroup
}

func (g *goroutineReceiver) add(c *client) error {
	c.arrival = arrivalReader{c: c}
	br := bufio.NewReaderSize(&c.arrival, readBufferSize)
	g.wg.Go(func() { c.receive(br) })
	return nil
}

// registrationEnded has nothing to do: a paused client waits on
// runner.registrationDone itself.
func (g *goroutineReceiver) registrationEnded() {}

// shutdown closes the connections, which ends every blocked read, and
// waits for the goroutines to notice.
func (g *goroutineReceiver) shutdown(closeConns func()) {
	closeConns()
	g.wg.Wait()
}

// registrationReadPause is how long a registered client lets lines gather
// between reads while others are still registering (see arrivalReader).
const registrationReadPause = 500 * time.Millisecond
