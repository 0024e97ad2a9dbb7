package load

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// readBufferSize is each client's receive buffer. Lines longer than this
// are read in pieces: only the first piece is parsed, and the bookkeeping
// fields of a load message are always in it.
const readBufferSize = 4096

// countdown is closed when its count reaches zero.
type countdown struct {
	left atomic.Int64
	ch   chan struct{}
}

func newCountdown(n int) *countdown {
	c := &countdown{ch: make(chan struct{})}
	c.left.Store(int64(n))
	if n <= 0 {
		close(c.ch)
	}
	return c
}

func (c *countdown) dec() {
	if c.left.Add(-1) == 0 {
		close(c.ch)
	}
}

// client is one load connection. The goroutine that reads it (its own
// receive goroutine, or the event loop it belongs to) owns every field below
// conn; the runner reads them only after that goroutine has ended.
type client struct {
	r        *runner
	idx      int
	nick     []byte
	expected int64 // deliveries plus confirmations to wait for

	conn       net.Conn      // set before reading starts
	arrival    arrivalReader // conn, noting when each read returned (goroutine receiver)
	readAt     int64         // r.now() when the read that brought the current line returned
	registered chan struct{} // closed on WELCOME or when registration failed
	regErr     error         // why registration failed; read after registered is closed

	regSignalled bool
	welcomed     bool
	settled      bool
	finished     bool
	seen         int // other users seen in USER and JOIN lines

	delivered  int64
	confirmed  int64
	outOfOrder int64
	other      int64   // MSG/PRIV lines that are not this run's
	next       []int64 // per sender: the sequence number expected next
	got        []int64 // per sender: messages received (deliveries and confirmations)
	hist       *Histogram
	lastNs     int64 // when the last of this run's messages arrived
	errs       map[string]int
	bye        string
	dropped    bool
	endErr     error
}

// receive reads the hub's lines until the connection ends.
func (c *client) receive(br *bufio.Reader) {
	for {
		line, err := br.ReadSlice('\n')
		switch err {
		case nil:
			c.handle(line)
			continue
		case bufio.ErrBufferFull:
			c.handle(line)
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			if err == nil {
				continue
			}
		}
		c.end(err)
		return
	}
}

// arrivalReader notes the time of every read from the connection. Every
// line in one read arrived at the same moment, so a client takes the clock
// once per read rather than once per line.
//
// While the run is still registering clients, a client that has its WELCOME
// and has caught up pauses before reading on: each registration sends a
// JOIN line to everyone, and reading them one by one, as they come, would
// cost natterload about as much CPU as the hub spends sending them. The
// lines wait in the socket buffer meanwhile (a few KiB per pause), so the
// hub sees no difference.
type arrivalReader struct {
	c     *client
	lastN int // bytes the last read returned
}

func (a *arrivalReader) Read(p []byte) (int, error) {
	c := a.c
	if c.welcomed && a.lastN < len(p)/2 && c.r.registering.Load() {
		t := time.NewTimer(registrationReadPause)
		select {
		case <-t.C:
		case <-c.r.registrationDone:
			t.Stop()
		}
	}
	n, err := c.conn.Read(p)
	c.readAt = c.r.now()
	a.lastN = n
	return n, err
}

// handle dispatches one line on its first bytes. The hub writes keywords in
// upper case. The lines that come by the million (MSG, PRIV, JOIN, USER) are
// picked apart in place; the rare ones are parsed with package proto; the
// rest are skipped unparsed.
func (c *client) handle(line []byte) {
	if len(line) < 4 {
		return
	}
	switch line[0] {
	case 'M':
		if bytes.HasPrefix(line, []byte(proto.KwMsg+" ")) {
			c.onMsg(line[len(proto.KwMsg)+1:])
		}
	case 'P':
		if bytes.HasPrefix(line, []byte(proto.KwPriv+" ")) {
			c.onPriv(line[len(proto.KwPriv)+1:])
		} else if bytes.HasPrefix(line, []byte(proto.KwPing+" ")) {
			c.onPing(line)
		}
	case 'J':
		if bytes.HasPrefix(line, []byte(proto.KwJoin+" ")) {
			c.seeUser()
		}
	case 'U':
		if bytes.HasPrefix(line, []byte(proto.KwUser+" ")) && !bytes.Equal(trimEOL(line[len(proto.KwUser)+1:]), c.nick) {
			c.seeUser()
		}
	case 'W':
		if bytes.HasPrefix(line, []byte(proto.KwWelcome+" ")) {
			c.welcomed = true
			c.r.registeredCount.Add(1)
			c.signalRegistered(nil)
			c.maybeSettled()
		}
	case 'L':
		if bytes.HasPrefix(line, []byte(proto.KwLeave+" ")) {
			c.onLeave(line)
		}
	case 'E':
		if bytes.HasPrefix(line, []byte(proto.KwErr+" ")) {
			c.onErr(line)
		}
	case 'B':
		if bytes.HasPrefix(line, []byte(proto.KwBye)) {
			if ev, err := parseEvent(line); err == nil {
				c.bye = ev.Reason
			} else {
				c.bye = err.Error()
			}
		}
	}
}

// parseEvent parses a whole hub line with package proto.
func parseEvent(line []byte) (proto.Event, error) {
	return proto.ParseEvent(string(trimEOL(line)))
}

// onMsg handles "MSG <time> <from> <text…>" (the keyword stripped).
func (c *client) onMsg(rest []byte) {
	rest, _, ok1 := skipField(rest) // time
	rest, _, ok2 := skipField(rest) // from
	if !ok1 || !ok2 {
		c.other++
		return
	}
	c.record(rest, false)
}

// onPriv handles "PRIV <time> <from> <to> <text…>": a delivery when this
// client is the recipient, a confirmation when it is the sender.
func (c *client) onPriv(rest []byte) {
	rest, _, ok1 := skipField(rest)
	rest, from, ok2 := skipField(rest)
	rest, to, ok3 := skipField(rest)
	switch {
	case !ok1 || !ok2 || !ok3:
		c.other++
	case bytes.Equal(to, c.nick):
		c.record(rest, false)
	case bytes.Equal(from, c.nick):
		c.record(rest, true)
	default:
		c.other++
	}
}

// record accounts for one received message text.
func (c *client) record(text []byte, confirmation bool) {
	r := c.r
	sender, seq, sendNs, ok := r.pay.parseText(text)
	if !ok || sender >= r.cfg.Senders || seq >= r.cfg.Messages {
		c.other++
		return
	}
	now := c.readAt
	if c.hist == nil {
		c.hist = new(Histogram)
		c.next = make([]int64, r.cfg.Senders)
		c.got = make([]int64, r.cfg.Senders)
	}
	if confirmation {
		c.confirmed++
	} else {
		c.delivered++
		c.hist.Record(now - sendNs)
	}
	c.got[sender]++
	if int64(seq) < c.next[sender] {
		c.outOfOrder++
	} else {
		c.next[sender] = int64(seq) + 1
	}
	c.lastNs = now
	if !c.finished && c.delivered+c.confirmed >= c.expected {
		c.finished = true
		r.done.dec()
	}
}

func (c *client) onPing(line []byte) {
	ev, err := parseEvent(line)
	if err != nil {
		c.other++
		return
	}
	pong := proto.Command{Keyword: proto.KwPong, Token: ev.Token}
	if b, err := pong.Append(nil); err == nil {
		// net.Conn writes are atomic with respect to each other, so this
		// cannot interleave with a sender's line.
		_, _ = c.conn.Write(b)
	}
}

// onLeave notes the LEAVE of one of this run's clients, with its reason.
func (c *client) onLeave(line []byte) {
	if c.r.stopping.Load() {
		return
	}
	ev, err := parseEvent(line)
	if err == nil && bytes.HasPrefix([]byte(ev.Nick), c.r.nickPrefix) {
		c.r.noteLeave(ev.Nick, ev.Reason)
	}
}

// onErr counts an ERR line by code, keyword and reason; before WELCOME it
// means the hub refused the registration.
func (c *client) onErr(line []byte) {
	key := string(trimEOL(line))
	ev, err := parseEvent(line)
	if err == nil {
		kw := ev.Err.Keyword
		if kw == "" {
			kw = "-"
		}
		key = strconv.Itoa(ev.Err.Code) + " " + kw + " " + ev.Err.Reason
	}
	if c.errs == nil {
		c.errs = make(map[string]int)
	}
	c.errs[key]++
	if !c.welcomed {
		c.signalRegistered(fmt.Errorf("%s: hub refused registration: %s", c.nick, trimEOL(line)))
	}
}

func (c *client) seeUser() {
	c.seen++
	c.maybeSettled()
}

// maybeSettled notes when this client has seen every other client.
func (c *client) maybeSettled() {
	if c.welcomed && !c.settled && c.seen >= c.r.cfg.Clients-1 {
		c.settled = true
		c.r.settled.dec()
	}
}

func (c *client) signalRegistered(err error) {
	if c.regSignalled {
		return
	}
	c.regSignalled = true
	c.regErr = err
	close(c.registered)
}

// end records why the connection ended and releases everyone waiting on
// this client.
func (c *client) end(err error) {
	if errors.Is(err, net.ErrClosed) && c.r.stopping.Load() {
		err = nil
	}
	if !c.welcomed {
		why := "connection closed before WELCOME"
		if c.bye != "" {
			why = "hub said BYE " + c.bye
		} else if err != nil {
			why += ": " + err.Error()
		}
		c.signalRegistered(fmt.Errorf("%s: %s", c.nick, why))
	}
	if !c.r.stopping.Load() {
		c.dropped = true
		c.endErr = err
	}
	if !c.settled {
		c.settled = true
		c.r.settled.dec()
	}
	if !c.finished && c.expected > 0 {
		c.finished = true
		c.r.done.dec()
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}
