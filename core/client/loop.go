package client

import (
	"context"
	"math/rand/v2"
	"net"
	"os"
	"time"
)

// loop is the one goroutine that owns the client's state. It selects the
// next event, applies it to the state, carries out the effects and
// publishes; everything else talks to it through channels and the intent
// queue.
type loop struct {
	c   *Client
	cfg *Config
	ctx context.Context // ends when the loop returns
	clk clock
	st  *state

	in       chan inbound  // conns' readers and writers
	dialed   chan inbound  // dialers (unbuffered)
	xferCh   chan xferMsg  // transfer workers: results (unbuffered: see report)
	xferPoke chan struct{} // transfer workers: progress (coalesced)

	conn    *conn    // the current connection, or nil
	offered net.Conn // a dialled connection the state has not yet taken
	later   []event  // events effects gave rise to, applied next

	version      uint64
	dropped      uint64 // events dropped from a full Events channel
	droppedDirty bool
}

func (c *Client) start(ctx context.Context) error {
	if !c.started.CompareAndSwap(false, true) {
		return ErrStarted
	}
	lctx, cancel := context.WithCancel(context.Background())
	l := &loop{
		c:        c,
		cfg:      &c.cfg,
		ctx:      lctx,
		clk:      c.clock,
		st:       newState(&c.cfg, c.log, rand.Uint64()),
		in:       make(chan inbound, 1024),
		dialed:   make(chan inbound),
		xferCh:   make(chan xferMsg),
		xferPoke: make(chan struct{}, 1),
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer cancel()
		l.run(ctx)
	}()
	go func() {
		c.wg.Wait()
		c.result = l.st.result
		close(c.done)
	}()
	return nil
}

func (l *loop) run(parent context.Context) {
	timer := l.clk.NewTimer()
	defer timer.Stop()
	l.apply(event{kind: evStart})
	for {
		if l.st.dirty || l.st.sched.dirty || l.droppedDirty {
			l.publish()
		}
		if l.st.state == Closed {
			l.c.mu.Lock()
			l.c.closing = true
			l.c.intents = nil
			l.c.mu.Unlock()
			l.apply(event{kind: evShutdown})
			l.publish()
			close(l.c.events)
			return
		}
		now := l.clk.Now()
		timer.Reset(l.st.nextDeadline(now).Sub(now))
		select {
		case <-parent.Done():
			l.apply(event{kind: evStop})
		case <-l.c.wake:
			l.takeIntents()
		case m := <-l.in:
			l.inbound(m)
			// Take what else is waiting before publishing, so a flood of
			// lines costs one snapshot per batch.
			for i := 0; i < 256 && l.st.state != Closed; i++ {
				select {
				case m := <-l.in:
					l.inbound(m)
					continue
				default:
				}
				break
			}
		case m := <-l.dialed:
			l.inbound(m)
		case m := <-l.xferCh:
			l.apply(event{kind: evXfer, xfer: m})
		case <-l.xferPoke:
			l.apply(event{kind: evProgress})
		case <-timer.C():
			l.apply(event{kind: evTimer})
		}
	}
}

// apply applies ev, at the time now, and carries out its effects, and
// then those of the events the effects gave rise to.
func (l *loop) apply(ev event) {
	for {
		for _, e := range l.st.apply(ev, l.clk.Now()) {
			l.do(e)
		}
		if len(l.later) == 0 {
			return
		}
		ev, l.later = l.later[0], l.later[1:]
	}
}

// inbound applies what a dialer or conn reported. A dialled connection
// the state does not take is closed.
func (l *loop) inbound(m inbound) {
	ev := event{kind: evInbound, in: m}
	if m.kind == inDialed && m.nc != nil {
		l.offered, ev.in.nc = m.nc, nil
		ev.host = remoteHost(m.nc)
		ev.security = l.cfg.securityOf(m.nc)
	}
	l.apply(ev)
	if l.offered != nil {
		l.offered.Close()
		l.offered = nil
	}
}

// do carries out one effect.
func (l *loop) do(e effect) {
	switch e.kind {
	case effDial:
		l.c.wg.Add(1)
		go func() {
			defer l.c.wg.Done()
			dialHub(l.ctx, l.cfg.Dial, l.cfg.Addr, e.gen, l.dialed)
		}()
	case effOpen:
		if l.offered == nil {
			return
		}
		l.conn = startConn(&l.c.wg, e.gen, l.offered, connConfig{
			in: l.in, log: l.c.log, writeTimeout: l.cfg.WriteTimeout, rate: e.rate, burst: e.burst,
		})
		l.offered = nil
	case effSend:
		if c := l.current(e.gen); c != nil {
			c.send(e.req)
		}
	case effPace:
		if c := l.current(e.gen); c != nil {
			c.setPace(e.rate, e.burst)
		}
	case effClose:
		if c := l.current(e.gen); c != nil {
			c.close()
			l.conn = nil
		}
	case effQuit:
		if c := l.current(e.gen); c != nil {
			c.quit(e.req, l.in, 2*time.Second)
			l.conn = nil
		}
	case effEvent:
		l.emit(e.ev)
	case effPrepare:
		err := makeDownloadDir(e.path)
		l.later = append(l.later, event{kind: evPrepared, xfer: xferMsg{id: e.xfer, err: err}})
	case effJob:
		l.startJob(e.job)
	case effCancel:
		if e.w.cancel != nil {
			e.w.cancel()
		}
	case effRemove:
		os.Remove(e.path)
	case effRelease:
		e.closer.Close()
	}
}

// current is the connection of attempt gen, if it is the current one.
func (l *loop) current(gen uint64) *conn {
	if l.conn != nil && l.conn.gen == gen {
		return l.conn
	}
	return nil
}

// remoteHost is the host nc reached, for the transfers' UDP, so that a
// name that resolves to several addresses still reaches the same hub;
// "" for a transport without an IP address.
func remoteHost(nc net.Conn) string {
	ta, ok := nc.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return ""
	}
	if ta.Zone != "" {
		return ta.IP.String() + "%" + ta.Zone
	}
	return ta.IP.String()
}

// startJob starts a worker for j.
func (l *loop) startJob(j *job) {
	ctx, cancel := context.WithCancel(l.ctx)
	j.w.cancel = cancel
	if l.conn != nil && (j.kind == jobDownload || j.kind == jobUpload) {
		j.session = l.conn.nc // the grant just came over it
	}
	eng := l.c.engine
	l.c.wg.Add(1)
	go func() {
		defer l.c.wg.Done()
		defer cancel()
		l.report(j.run(ctx, eng, l.poke))
	}()
}

// poke tells the loop that a worker made progress.
func (l *loop) poke() {
	select {
	case l.xferPoke <- struct{}{}:
	default:
	}
}

// report hands a worker's result to the loop, or, when the loop has
// ended, cleans up what the result held. The channel is unbuffered so that
// a result is never left in it unseen.
func (l *loop) report(m xferMsg) {
	select {
	case l.xferCh <- m:
	case <-l.ctx.Done():
		if m.spool != "" {
			os.Remove(m.spool)
		}
	}
}

// emit adds an event, dropping the oldest one when the channel is full.
func (l *loop) emit(e Event) {
	ch := l.c.events
	for range 3 {
		select {
		case ch <- e:
			return
		default:
		}
		select {
		case <-ch:
			l.dropped++
			l.droppedDirty = true
		default:
		}
	}
}

// publish stores a new snapshot and signals Changed.
func (l *loop) publish() {
	l.version++
	l.droppedDirty = false
	l.c.snap.Store(l.st.snapshot(l.version, l.dropped))
	select {
	case l.c.changed <- struct{}{}:
	default:
	}
}

func (l *loop) takeIntents() {
	l.c.mu.Lock()
	ins := l.c.intents
	l.c.intents = nil
	l.c.mu.Unlock()
	for _, in := range ins {
		l.apply(event{kind: evIntent, intent: in})
	}
}
