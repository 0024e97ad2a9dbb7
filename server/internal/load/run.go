package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// ErrTimeout is wrapped by the error of a run that did not finish within
// Config.Timeout; its report holds what arrived until then.
var ErrTimeout = errors.New("load run timed out")

// runner holds the state of one run shared by its goroutines.
type runner struct {
	cfg        Config
	start      time.Time // origin of the monotonic send and receive times
	pay        payload
	nickPrefix []byte
	clients    []*client
	recipients recipientPicker

	registeredCount  atomic.Int64
	registering      atomic.Bool   // clients are still being connected
	registrationDone chan struct{} // closed when connecting ends
	settled          *countdown    // clients that have seen all others, or ended
	done             *countdown    // clients that have all they expect, or ended
	stopping         atomic.Bool

	recv     receiver
	senders  sync.WaitGroup
	sent     []atomic.Int64 // per sender: messages written
	lastSend []atomic.Int64 // per sender: when the last was written
	sendErr  []error        // per sender; read after senders end

	leavesMu sync.Mutex
	leaves   map[string]string // this run's nick -> reason of its LEAVE
}

func (r *runner) now() int64 { return int64(time.Since(r.start)) }

func (r *runner) noteLeave(nick, reason string) {
	r.leavesMu.Lock()
	defer r.leavesMu.Unlock()
	if r.leaves == nil {
		r.leaves = make(map[string]string)
	}
	r.leaves[nick] = reason
}

// recipientPicker chooses the receiver of each private message from the
// sender and sequence number alone, so every client can be told up front how
// many messages to wait for without storing the choices.
type recipientPicker struct {
	seed    uint64
	clients int
}

func (p recipientPicker) pick(sender, seq int) int {
	x := p.seed ^ uint64(sender)<<40 ^ uint64(seq)
	// splitmix64 finaliser: consecutive inputs give unrelated outputs.
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x ^= x >> 31
	to := int(x % uint64(p.clients-1))
	if to >= sender {
		to++ // never the sender itself
	}
	return to
}

// Run performs one load run against the hub at cfg.Addr. It returns an
// error without a report when cfg cannot make a run (bad settings, a
// non-loopback address, an unreadable hub pid). Otherwise the report says
// what was measured, and the error, if any, why the run did not complete:
// a client that could not register, or the timeout (errors.Is ErrTimeout).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if !cfg.AllowRemote {
		if err := CheckLoopback(ctx, cfg.Addr); err != nil {
			return nil, err
		}
	}
	rep := &Report{
		Addr: cfg.Addr, Mode: cfg.Mode, Clients: cfg.Clients, Senders: cfg.Senders,
		Messages: cfg.Messages, Size: cfg.Size, Rate: cfg.Rate, Spread: cfg.Spread,
		Receive: cfg.Receive, HubPID: cfg.HubPID,
	}
	if cfg.Receive == ReceiveEpoll {
		rep.Receivers = cfg.Receivers
	}
	if cfg.HubPID > 0 {
		base, err := ReadRSS(cfg.HubPID)
		if err != nil {
			return nil, fmt.Errorf("hub memory: %w", err)
		}
		rep.HubRSSBaseKB = base.RSSKB
	}

	r := newRunner(cfg)
	recv, err := newReceiver(r)
	if err != nil {
		return nil, err
	}
	r.recv = recv
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	err = r.run(ctx, rep)
	r.stop()
	if err != nil {
		rep.Error = err.Error()
		rep.TimedOut = errors.Is(err, ErrTimeout)
	}
	r.collect(rep)
	return rep, err
}

func newRunner(cfg Config) *runner {
	r := &runner{
		cfg:        cfg,
		start:      time.Now(),
		pay:        newPayload(rand.Uint32(), cfg.Size),
		nickPrefix: []byte(cfg.NickPrefix),
		recipients: recipientPicker{seed: cfg.Seed, clients: cfg.Clients},
		sent:       make([]atomic.Int64, cfg.Senders),
		lastSend:   make([]atomic.Int64, cfg.Senders),
		sendErr:    make([]error, cfg.Senders),

		registrationDone: make(chan struct{}),
	}
	expected := make([]int64, cfg.Clients)
	switch {
	case cfg.Mode == Broadcast:
		for i := range expected {
			expected[i] = int64(cfg.Senders) * int64(cfg.Messages)
		}
	case cfg.Senders > 0:
		for k := 0; k < cfg.Senders; k++ {
			expected[k] += int64(cfg.Messages) // confirmations
			for i := 0; i < cfg.Messages; i++ {
				expected[r.recipients.pick(k, i)]++
			}
		}
	}
	width := nickWidth(cfg.Clients)
	waiting := 0
	r.clients = make([]*client, cfg.Clients)
	for i := range r.clients {
		nick := fmt.Appendf(nil, "%s%0*d", cfg.NickPrefix, width, i+1)
		r.clients[i] = &client{r: r, idx: i, nick: nick, expected: expected[i], registered: make(chan struct{})}
		if expected[i] > 0 {
			waiting++
		}
	}
	r.settled = newCountdown(cfg.Clients)
	r.done = newCountdown(waiting)
	return r
}

// run goes through the phases of a run, filling in rep as it goes.
func (r *runner) run(ctx context.Context, rep *Report) error {
	cfg := r.cfg
	phaseStart := time.Now()
	cpu := r.cpuMeter()
	stopProgress := r.progress(ctx, "registered", func() int64 { return r.registeredCount.Load() }, int64(cfg.Clients))
	r.registering.Store(true)
	err := r.connectAll(ctx)
	r.registering.Store(false)
	close(r.registrationDone)
	r.recv.registrationEnded()
	stopProgress()
	rep.Registered = int(r.registeredCount.Load())
	if err != nil {
		return r.phaseError(ctx, "connecting", err)
	}
	rep.ConnectTime = time.Since(phaseStart)
	rep.HubCPUConnect, rep.OwnCPUConnect = cpu()
	cfg.Logf("registered %d clients in %v", cfg.Clients, rep.ConnectTime.Round(time.Millisecond))

	phaseStart = time.Now()
	settleCtx := ctx
	if cfg.SettleTimeout > 0 {
		var cancel context.CancelFunc
		settleCtx, cancel = context.WithTimeout(ctx, cfg.SettleTimeout)
		defer cancel()
	}
	select {
	case <-r.settled.ch:
		rep.Settled = true
	case <-settleCtx.Done():
		if ctx.Err() != nil {
			return r.phaseError(ctx, "waiting for every client to see the others", nil)
		}
		cfg.Logf("not every client saw every other within %v; going on", cfg.SettleTimeout)
	}
	rep.SettleTime = time.Since(phaseStart)

	if cfg.HubPID > 0 {
		if err := sleepCtx(ctx, cfg.IdlePause); err != nil {
			return r.phaseError(ctx, "idle", nil)
		}
		if m, err := ReadRSS(cfg.HubPID); err == nil {
			rep.HubRSSIdleKB = m.RSSKB
			rep.HubRSSPeakKB = m.RSSKB
		} else {
			cfg.Logf("hub memory: %v", err)
		}
	}
	if cfg.Hold > 0 {
		cfg.Logf("holding %d idle clients for %v", cfg.Clients, cfg.Hold)
		if err := sleepCtx(ctx, cfg.Hold); err != nil {
			return r.phaseError(ctx, "holding idle clients", nil)
		}
	}
	if cfg.Senders == 0 || cfg.Messages == 0 {
		return nil
	}

	cfg.Logf("sending: %d senders x %d messages of %d bytes (%s)", cfg.Senders, cfg.Messages, cfg.Size, rateString(cfg.Rate))
	sampleCtx, stopSampling := context.WithCancel(ctx)
	var sampler sync.WaitGroup
	if cfg.HubPID > 0 {
		sampler.Add(1)
		go func() {
			defer sampler.Done()
			r.samplePeak(sampleCtx, rep)
		}()
	}
	cpu = r.cpuMeter()
	firstSend := r.now()
	rep.firstSendNs = firstSend
	t0 := r.start.Add(time.Duration(firstSend))
	for k := 0; k < cfg.Senders; k++ {
		r.senders.Add(1)
		go r.send(ctx, k, t0.Add(r.sendOffset(k)))
	}
	total := r.done.left.Load()
	stopProgress = r.progress(ctx, "receivers complete", func() int64 { return total - r.done.left.Load() }, total)
	select {
	case <-r.done.ch:
	case <-ctx.Done():
	}
	stopProgress()
	rep.SendPhaseTime = time.Duration(r.now() - firstSend)
	rep.HubCPUSend, rep.OwnCPUSend = cpu()
	stopSampling()
	sampler.Wait()
	if ctx.Err() != nil {
		return r.phaseError(ctx, "waiting for deliveries", nil)
	}
	return nil
}

// phaseError says in which phase a run failed, and whether it timed out.
func (r *runner) phaseError(ctx context.Context, phase string, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w after %v while %s", ErrTimeout, r.cfg.Timeout, phase)
	}
	if err == nil {
		err = ctx.Err()
	}
	return fmt.Errorf("%s: %w", phase, err)
}

// connectAll connects and registers every client, cfg.Dialers at a time,
// and fails on the first client that cannot register.
func (r *runner) connectAll(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		workers  sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	dialer := net.Dialer{Timeout: 10 * time.Second}
	for w := 0; w < min(r.cfg.Dialers, r.cfg.Clients); w++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(r.clients) {
					return
				}
				if err := r.register(ctx, &dialer, r.clients[i]); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	workers.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// register connects c, starts its receive goroutine, sends NICK and waits
// for the hub's answer.
func (r *runner) register(ctx context.Context, dialer *net.Dialer, c *client) error {
	conn, err := dialer.DialContext(ctx, "tcp", r.cfg.Addr)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s: %w", c.nick, err)
	}
	if r.cfg.TLS {
		if conn, err = handshake(ctx, conn); err != nil {
			return fmt.Errorf("%s: %w", c.nick, err)
		}
	}
	c.conn = conn
	if err := r.recv.add(c); err != nil {
		return err
	}
	nick, err := (&proto.Command{Keyword: proto.KwNick, Nick: string(c.nick)}).Append(nil)
	if err != nil {
		return fmt.Errorf("%s: %w", c.nick, err)
	}
	if _, err := conn.Write(nick); err != nil {
		return fmt.Errorf("%s: sending NICK: %w", c.nick, err)
	}
	select {
	case <-c.registered:
		return c.regErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sendOffset is when sender k starts its schedule after the first: with
// Config.Spread, the senders share one sending interval evenly.
func (r *runner) sendOffset(k int) time.Duration {
	if !r.cfg.Spread || r.cfg.Rate <= 0 {
		return 0
	}
	return time.Duration(float64(k) / (float64(r.cfg.Senders) * r.cfg.Rate) * float64(time.Second))
}

// send sends sender k's messages, paced from t0 when a rate is set.
func (r *runner) send(ctx context.Context, k int, t0 time.Time) {
	defer r.senders.Done()
	cfg := r.cfg
	conn := r.clients[k].conn
	line := make([]byte, 0, cfg.Size+64)
	var timer *time.Timer
	for i := 0; i < cfg.Messages; i++ {
		if cfg.Rate > 0 {
			due := t0.Add(time.Duration(float64(i) / cfg.Rate * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				if timer == nil {
					timer = time.NewTimer(wait)
					defer timer.Stop()
				} else {
					timer.Reset(wait)
				}
				select {
				case <-timer.C:
				case <-ctx.Done():
					return
				}
			}
		}
		if ctx.Err() != nil {
			return
		}
		line = line[:0]
		if cfg.Mode == Private {
			line = append(line, "PRIV "...)
			line = append(line, r.clients[r.recipients.pick(k, i)].nick...)
			line = append(line, ' ')
		} else {
			line = append(line, "MSG "...)
		}
		sentNs := r.now()
		line = r.pay.appendText(line, k, i, sentNs)
		line = append(line, '\n')
		if _, err := conn.Write(line); err != nil {
			if !r.stopping.Load() {
				r.sendErr[k] = err
			}
			return
		}
		r.sent[k].Add(1)
		r.lastSend[k].Store(sentNs)
	}
}

// cpuMeter notes the CPU time used so far by the hub (when its pid is
// known) and by this process; the returned function tells how much each has
// used since. A time that cannot be read is reported as 0.
func (r *runner) cpuMeter() func() (hub, own time.Duration) {
	self := os.Getpid()
	hub0, hubErr := ReadCPU(r.cfg.HubPID)
	own0, ownErr := ReadCPU(self)
	since := func(pid int, start time.Duration, startErr error) time.Duration {
		if pid <= 0 || startErr != nil {
			return 0
		}
		now, err := ReadCPU(pid)
		if err != nil {
			return 0
		}
		return now - start
	}
	return func() (time.Duration, time.Duration) {
		return since(r.cfg.HubPID, hub0, hubErr), since(self, own0, ownErr)
	}
}

// samplePeak follows the hub's resident memory while messages flow.
func (r *runner) samplePeak(ctx context.Context, rep *Report) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if m, err := ReadRSS(r.cfg.HubPID); err == nil && m.RSSKB > rep.HubRSSPeakKB {
			rep.HubRSSPeakKB = m.RSSKB
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// progress logs count() once a second until the returned stop is called.
func (r *runner) progress(ctx context.Context, what string, count func() int64, total int64) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				r.cfg.Logf("%s: %d/%d", what, count(), total)
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// stop says goodbye on every connection, closes them all and waits for
// every goroutine of the run.
func (r *runner) stop() {
	r.stopping.Store(true)
	quit, _ := (&proto.Command{Keyword: proto.KwQuit, Reason: "natterload done"}).Append(nil)
	r.recv.shutdown(func() {
		// Each connection closed right after its QUIT: the hub need not
		// tell the LEAVE of every client to all those still connected.
		for _, c := range r.clients {
			if c.conn != nil {
				_ = c.conn.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
				_, _ = c.conn.Write(quit)
				_ = c.conn.Close()
			}
		}
	})
	r.senders.Wait()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func rateString(rate float64) string {
	if rate == 0 {
		return "full speed"
	}
	return strconv.FormatFloat(rate, 'g', -1, 64) + " msg/s per sender"
}
