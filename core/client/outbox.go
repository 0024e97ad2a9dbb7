package client

import (
	"cmp"
	"slices"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// replies are the requests the hub has yet to answer, a FIFO per keyword:
// a hub answers each keyword's requests in order, so an answer (a grant,
// a WELCOME, an ERR naming the keyword) is for the oldest.
type replies map[string][]*request

// expect remembers r if the hub will answer it.
func (p replies) expect(r *request) {
	switch r.keyword {
	case proto.KwNick, proto.KwMsg, proto.KwPriv, proto.KwUsers, proto.KwFiles, proto.KwGet, proto.KwPut, proto.KwHistory, proto.KwSearch:
		p[r.keyword] = append(p[r.keyword], r)
	}
}

// answered removes and returns the oldest request waiting for keyword.
func (p replies) answered(keyword string) *request {
	q := p[keyword]
	if len(q) == 0 {
		return nil
	}
	r := q[0]
	q[0] = nil
	p[keyword] = q[1:]
	return r
}

// messages is how many MSG and PRIV lines await their echo.
func (p replies) messages() int { return len(p[proto.KwMsg]) + len(p[proto.KwPriv]) }

// outbox holds the messages typed and not yet handed to the connection,
// in the order they were typed: while the client is not registered,
// beyond the window of messages the hub has not yet confirmed, and
// during a hold after the hub said slow-down.
type outbox struct {
	queue     []*request
	typed     uint64    // order of the last message typed
	window    int       // unconfirmed messages allowed at once
	holdUntil time.Time // let nothing go before this
}

func newOutbox() outbox { return outbox{window: 64} }

// add queues a message just typed.
func (o *outbox) add(r *request) {
	o.typed++
	r.order = o.typed
	o.queue = append(o.queue, r)
}

// requeue puts a message that did not get through back, in the order it
// was typed.
func (o *outbox) requeue(r *request) {
	r.written.Store(false)
	i, _ := slices.BinarySearchFunc(o.queue, r, func(a, b *request) int { return cmp.Compare(a.order, b.order) })
	o.queue = slices.Insert(o.queue, i, r)
}

// hold sends the messages from now on one at a time, the next no sooner
// than until, so that they keep their order at a pace the hub takes.
func (o *outbox) hold(until time.Time) {
	o.window = 1
	o.holdUntil = until
}

// take removes and returns the messages that may go at now, with
// unconfirmed of them on their way.
func (o *outbox) take(now time.Time, unconfirmed int) []*request {
	if now.Before(o.holdUntil) {
		return nil
	}
	n := min(len(o.queue), max(o.window-unconfirmed, 0))
	out := slices.Clone(o.queue[:n])
	clear(o.queue[:n])
	if o.queue = o.queue[n:]; len(o.queue) == 0 {
		o.queue = nil
	}
	return out
}

// deadline is when a held message may go, or zero.
func (o *outbox) deadline(now time.Time) time.Time {
	if len(o.queue) > 0 && o.holdUntil.After(now) {
		return o.holdUntil
	}
	return time.Time{}
}

// pace is how fast the client writes lines: Config.SendRate and
// SendBurst, lowered for good when a hub says slow-down.
type pace struct {
	rate  float64
	burst int
	last  time.Time // of the last slow-down
}

// slowDown halves the pace at now, at most once a second (the ERRs for
// lines already sent at the old pace arrive together), down to one line a
// second, and reports whether it did. The slower pace holds for the life
// of the client: the hub's limit is a hub flag lower than its default.
func (p *pace) slowDown(now time.Time) bool {
	if now.Sub(p.last) < time.Second || p.rate <= 1 {
		return false
	}
	p.last = now
	p.rate = max(p.rate/2, 1)
	p.burst = max(p.burst/2, 1)
	return true
}

// interval is the time between two lines at this pace.
func (p *pace) interval() time.Duration { return time.Duration(float64(time.Second) / p.rate) }
