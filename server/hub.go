package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/natter-chat/natter/core/discovery"
	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/server/store"
)

// Hub is a Natter hub. Create it with New and run it with Serve or
// ListenAndServe; it stops when their context is done.
type Hub struct {
	cfg Config
	log *slog.Logger

	// The parts configured; nil when off.
	grants    granter          // grants GET and PUT: transfers, or a stand-in
	transfers *transferService // file transfers over UDP
	discovery *lanDiscovery    // LAN discovery
	web       *webPart         // the web app, WebSocket sessions, HTTP transfers
	tls       *tlsPort         // sessions over TLS
	commits   *committer       // the stored history (Config.DataDir); nil when kept in memory only

	clock hubClock // stamps <time>

	addr    atomic.Pointer[net.Addr]
	udpAddr atomic.Pointer[net.Addr]
	webAddr atomic.Pointer[net.Addr]
	tlsAddr atomic.Pointer[net.Addr]
	serving atomic.Bool
	nextID  atomic.Uint64

	shared   atomic.Pointer[sharedDir]   // set while serving
	watch    atomic.Pointer[sharedWatch] // set while serving, unless NoWatch
	grantCtx context.Context             // done when the hub stops; set before any session starts

	mu       sync.Mutex
	closing  bool
	sessions map[*session]struct{} // every open session
	roster   []*session            // registered sessions, sorted by nick key
	byKey    map[string]*session   // registered sessions by nick key
	byLook   map[string]*session   // registered sessions by lookKeys of their nick (look-alikes)
	history  [][]byte              // last public MSG lines, oldest first
	owned    ownedNicks            // owned nicks, as stored (hub_claim.go)
	slow     []*session            // sessions to drop as too-slow, found while delivering
	kicks    *flushList            // queues to flush once h.mu is released; nil if none
	lazy     *flushList            // queues handed to the presence writer; nil if none
	hosts    hostTable             // what each host is counted for (hostlimits.go)
	queued   atomic.Int64          // what the lines queued for every client cost (queuebudget.go)
	// usersBlock is the USERS block for the current roster, encoded once
	// per change of membership and shared by every reply; nil when stale.
	usersBlock []byte

	readBuffers *readBufferPool // lent to sessions while they read input
	lazyWake    chan struct{}   // the presence writer has queues to write
	fanOut      fanOut          // shares the writing of long flush lists
	trim        memoryTrimmer
	stats       hubStats

	wg sync.WaitGroup // every goroutine the hub started
}

// New returns a Hub for cfg. Zero fields of cfg take their defaults; the
// shared folder must exist. With a DataDir, New opens the hub's database
// (and reports a corrupt one at once); Serve closes it when it returns.
func New(cfg Config) (*Hub, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("natter hub config: %w", err)
	}
	fi, err := os.Stat(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("natter hub shared folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("natter hub shared folder %q is not a directory", cfg.Dir)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	h := &Hub{
		cfg:         cfg,
		log:         log,
		grants:      cfg.grants,
		sessions:    make(map[*session]struct{}),
		byKey:       make(map[string]*session),
		byLook:      make(map[string]*session),
		readBuffers: newReadBufferPool(cfg.ReadBufferSize),
		lazyWake:    make(chan struct{}, 1),
		hosts:       newHostTable(cfg.Hosts),
	}
	if cfg.Transfers != nil && h.grants == nil {
		h.transfers = newTransferService(*cfg.Transfers, &h.cfg, log, transferHooks{
			sharedFile: h.sharedFile,
			announce:   h.announceShared,
			notify:     h.notify,
		})
		h.grants = h.transfers
	}
	if cfg.Discovery != nil {
		h.discovery = newLANDiscovery(*cfg.Discovery, log)
	}
	if cfg.Web != nil {
		if h.web, err = newWebPart(*cfg.Web, log, h.transfers, h.accept); err != nil {
			return nil, err
		}
	}
	if cfg.TLS != nil {
		if h.tls, err = newTLSPort(*cfg.TLS, cfg.DataDir, log); err != nil {
			return nil, err
		}
	}
	if cfg.DataDir != "" {
		if err := h.openHistory(); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Config returns the hub's configuration, defaults filled in.
func (h *Hub) Config() Config { return h.cfg }

// Addr returns the address of the plaintext session port, or nil before
// Serve or when it is off (NoAddr).
func (h *Hub) Addr() net.Addr {
	if a := h.addr.Load(); a != nil {
		return *a
	}
	return nil
}

// UDPAddr returns the UDP address of file transfers and discovery probes,
// or nil before Serve or when the hub has neither.
func (h *Hub) UDPAddr() net.Addr {
	if a := h.udpAddr.Load(); a != nil {
		return *a
	}
	return nil
}

// Listeners are the sockets a hub serves on, one for each kind of traffic
// its parts take. Serve closes them all.
type Listeners struct {
	// Sessions accepts natter/1 sessions (TCP). The hub needs none when
	// Config.Addr is NoAddr.
	Sessions net.Listener
	// TLS accepts the TCP connections of the TLS session port, which the
	// hub handshakes itself; a hub without Config.TLS needs none.
	TLS net.Listener
	// Packets receives the hub's datagrams (UDP): transfer requests and
	// discovery probes. A hub with neither Config.Transfers nor
	// Config.Discovery needs none.
	Packets net.PacketConn
	// Web accepts the HTTP requests of Config.Web.
	Web net.Listener
}

// needsPackets reports whether a part of the hub serves on Listeners.Packets.
func (h *Hub) needsPackets() bool { return h.transfers != nil || h.discovery != nil }

// Listen opens the listeners the hub needs, on the addresses its Config
// gives (Addr, UDPAddr), for Serve.
func (h *Hub) Listen() (Listeners, error) { return h.listen(Listeners{}) }

// listen opens each listener the hub needs that ls does not have.
func (h *Hub) listen(ls Listeners) (Listeners, error) {
	if ls.TLS == nil && h.tls != nil {
		ln, err := net.Listen("tcp", h.cfg.TLS.addr())
		if err != nil {
			ls.close()
			return ls, fmt.Errorf("TLS sessions: %w", err)
		}
		ls.TLS = ln
	}
	if ls.Sessions == nil && h.cfg.Addr != NoAddr {
		ln, err := net.Listen("tcp", h.cfg.Addr)
		if err != nil {
			ls.close()
			return ls, err
		}
		ls.Sessions = ln
	}
	if ls.Packets == nil && h.needsPackets() {
		pc, err := net.ListenPacket("udp", h.cfg.UDPAddr)
		if err != nil {
			ls.close()
			if h.transfers == nil {
				return ls, fmt.Errorf("discovery probes: %w", err)
			}
			return ls, fmt.Errorf("file transfers: %w", err)
		}
		ls.Packets = pc
	}
	if ls.Web == nil && h.web != nil {
		ln, err := net.Listen("tcp", h.cfg.Web.addr())
		if err != nil {
			ls.close()
			return ls, fmt.Errorf("web app: %w", err)
		}
		ls.Web = ln
	}
	if ls.Packets != nil && h.needsPackets() {
		if _, ok := ls.Packets.LocalAddr().(*net.UDPAddr); !ok {
			ls.close()
			return ls, fmt.Errorf("natter hub: %v is not a UDP address", ls.Packets.LocalAddr())
		}
	}
	return ls, nil
}

// close closes every listener of ls.
func (ls Listeners) close() {
	if ls.Sessions != nil {
		ls.Sessions.Close()
	}
	if ls.Packets != nil {
		ls.Packets.Close()
	}
	if ls.Web != nil {
		ls.Web.Close()
	}
	if ls.TLS != nil {
		ls.TLS.Close()
	}
}

// ListenAndServe listens on the addresses of the hub's Config and serves
// until ctx is done; see ServeListeners.
func (h *Hub) ListenAndServe(ctx context.Context) error {
	return h.ServeListeners(ctx, Listeners{})
}

// Serve serves sessions on ln, and the hub's other parts on listeners it
// opens as Listen does, until ctx is done; see ServeListeners.
func (h *Hub) Serve(ctx context.Context, ln net.Listener) error {
	return h.ServeListeners(ctx, Listeners{Sessions: ln})
}

// ServeListeners runs the hub and every part it has on ls, opening any
// listener it needs that ls lacks as Listen does, until ctx is done or a
// listener fails. Stopping ends the transfers first (an upload that was
// running leaves nothing behind), then sends `BYE shutdown` to every
// session, closes them all and returns once every goroutine of the hub has
// ended: nil after ctx is done, else what failed. A failure of the
// transfers stops the hub; one of discovery is logged, and the hub goes on
// serving whoever knows its address. ServeListeners closes every listener
// of ls. A Hub serves once.
func (h *Hub) ServeListeners(ctx context.Context, ls Listeners) error {
	if !h.serving.CompareAndSwap(false, true) {
		ls.close()
		return errors.New("natter hub: Serve called twice")
	}
	ls, err := h.listen(ls)
	if err != nil {
		return err
	}
	defer ls.close()
	a := ls.sessionAddr()
	if ls.Sessions != nil {
		h.addr.Store(&a)
	}
	if h.tls != nil {
		ta := ls.TLS.Addr()
		h.tlsAddr.Store(&ta)
	}
	if ls.Web != nil {
		wa := ls.Web.Addr()
		h.webAddr.Store(&wa)
	}
	if h.needsPackets() {
		ua := ls.Packets.LocalAddr()
		h.udpAddr.Store(&ua)
	}
	shared, err := openSharedDir(h.cfg.Dir, h.log)
	if err != nil {
		return err
	}
	h.shared.Store(shared)
	defer shared.close()
	if h.transfers != nil {
		if err := h.transfers.open(ls.Packets); err != nil {
			return err
		}
	}

	innerCtx, stop := context.WithCancel(context.Background())
	defer stop()
	h.grantCtx = innerCtx
	h.wg.Go(func() { shared.hashLoop(innerCtx) })
	h.wg.Go(func() { h.writePresence(innerCtx) })
	h.fanOut.start(innerCtx, &h.wg)
	stopCommits := h.startCommits()
	if h.cfg.MemoryTrimDelay > 0 {
		h.wg.Go(func() { h.trim.run(innerCtx, h.cfg.MemoryTrimDelay) })
	}
	if _, err := shared.list(h.cfg.MaxSharedFiles); err != nil { // start hashing what is there
		h.log.Warn("cannot list shared folder", "dir", h.cfg.Dir, "err", err)
	}
	if h.cfg.WatchInterval > 0 {
		w := newSharedWatch(shared, h.cfg.MaxSharedFiles, func(line []byte) { h.flush(h.broadcast(line)) })
		if err := w.start(); err == nil {
			h.watch.Store(w)
			h.wg.Go(func() { w.run(innerCtx, h.cfg.WatchInterval) })
		}
	}

	// The sessions stop after the parts: a transfer that ends on the way
	// out still tells its client, and announces what it stored.
	partsCtx, stopParts := context.WithCancel(ctx)
	defer stopParts()
	sessionsCtx, stopSessions := context.WithCancel(context.Background())
	defer stopSessions()
	parts := h.startParts(partsCtx, ls, stopSessions)
	if h.transfers == nil {
		defer context.AfterFunc(ctx, stopSessions)()
	}

	h.log.Info("hub listening", "addr", a.String(), "name", h.cfg.Name, "dir", h.cfg.Dir)
	acceptErr := h.acceptLoop(sessionsCtx, ls.Sessions, h.accept)
	stopParts()
	partsErr := parts.wait()
	ls.close()
	stopCommits() // every message a client was sent is stored
	h.shutdown()
	stop()
	h.wg.Wait()
	h.log.Info("hub stopped", "addr", a.String())
	if ctx.Err() != nil && acceptErr == nil {
		return nil
	}
	return errors.Join(acceptErr, partsErr)
}

// runningParts are the parts of a serving hub.
type runningParts struct {
	wg           sync.WaitGroup
	transfersErr error // why the transfers stopped, if they failed
}

// wait waits for every part to end and returns why the transfers stopped,
// if they failed.
func (p *runningParts) wait() error {
	p.wg.Wait()
	return p.transfersErr
}

// startParts starts the parts of the hub on ls until ctx is done; stopHub
// stops the hub, which follows the transfers whyever they stop.
//
// Every part is added the same way: a field of Config that turns it on, a
// field of Listeners (opened by listen) if it serves on a socket of its
// own, a constructor called by New with the few functions of the hub it
// needs, and a goroutine here.
func (h *Hub) startParts(ctx context.Context, ls Listeners, stopHub func()) *runningParts {
	parts := new(runningParts)
	if h.transfers != nil {
		parts.wg.Go(func() {
			parts.transfersErr = h.transfers.serve(ctx, ls.Packets, h.answerPacket)
			stopHub()
		})
	}
	if h.tls != nil {
		parts.wg.Go(func() {
			if err := h.tls.serve(ctx, h, ls.TLS, h.accept); err != nil {
				h.log.Error("the TLS port failed; sessions go on on the plaintext port", "err", err)
			}
		})
	}
	if d := h.discovery; d != nil {
		if h.transfers == nil {
			// The transfers would read the UDP port; without them,
			// only probes arrive.
			parts.wg.Go(func() {
				if err := answerPackets(ctx, ls.Packets, h.answerPacket); err != nil {
					h.log.Warn("cannot answer discovery probes", "err", err)
				}
			})
		}
		info := h.discoveryInfo()
		parts.wg.Go(func() {
			if err := d.run(ctx, info, ls.sessionAddr(), ls.Packets.LocalAddr()); err != nil {
				h.log.Warn("the hub cannot be found on the local network", "err", err)
			}
		})
	}
	if h.web != nil {
		parts.wg.Go(func() {
			if err := h.web.serve(ctx, ls.Web); err != nil {
				h.log.Warn("the web app stopped", "err", err)
			}
		})
	}
	return parts
}

// discoveryInfo describes the hub for the discovery paths, but for its
// ports: its configured name and its live user count.
func (h *Hub) discoveryInfo() discovery.Info {
	info := discovery.Info{Name: h.cfg.Name, Users: h.userCount}
	if fp, ok := h.Fingerprint(); ok {
		info.Fingerprint = fp.String()
		if a, ok := h.TLSAddr().(*net.TCPAddr); ok {
			info.TLSPort = a.Port
		}
	}
	return info
}

// sessionAddr returns the address clients are told of first: the plaintext
// session port, or the TLS port when that is off.
func (ls Listeners) sessionAddr() net.Addr {
	if ls.Sessions != nil {
		return ls.Sessions.Addr()
	}
	return ls.TLS.Addr()
}

// answerPacket answers a datagram at the hub's UDP port that is not TFTP:
// a discovery probe, or whatever TransferConfig.OtherPacket answers.
func (h *Hub) answerPacket(pkt []byte, from net.Addr) []byte {
	if h.discovery != nil {
		if reply := h.discovery.answer(pkt, from); reply != nil {
			return reply
		}
	}
	if h.cfg.Transfers != nil && h.cfg.Transfers.OtherPacket != nil {
		return h.cfg.Transfers.OtherPacket(pkt, from)
	}
	return nil
}

// acceptLoop accepts connections on ln, handing each to accept, until ctx
// is done or ln fails, and returns the listener's error, or nil after ctx
// is done. A nil ln accepts nothing until ctx is done.
func (h *Hub) acceptLoop(ctx context.Context, ln net.Listener, accept func(net.Conn)) error {
	if ln == nil {
		<-ctx.Done()
		return nil
	}
	defer context.AfterFunc(ctx, func() { ln.Close() })()
	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) || isTemporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				h.log.Warn("accept failed; retrying", "err", err, "in", backoff)
				select {
				case <-time.After(backoff):
				case <-ctx.Done():
				}
				continue
			}
			return err
		}
		backoff = 0
		accept(conn)
	}
}

// isTemporary reports whether an accept error may pass: running out of file
// descriptors or memory for a moment.
func isTemporary(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM) || errors.Is(err, syscall.ECONNABORTED)
}

// Why addSession refuses a connection.
var (
	errHubClosing = errors.New("natter hub: closing")
	errHubFull    = errors.New("natter hub: full")
)

// accept starts a session for conn, or turns it away when the hub is full.
func (h *Hub) accept(conn net.Conn) {
	s, err := h.addSession(conn)
	switch err {
	case nil:
		s.send(proto.AppendHello(nil, h.cfg.Name))
		if caps := h.capabilities(); len(caps) > 0 {
			s.send(proto.AppendCaps(nil, caps))
		}
		s.startReader()
	case errHubFull:
		h.log.Info("hub full; turning a client away", "remote", conn.RemoteAddr().String(), "max", h.cfg.MaxClients)
		h.wg.Go(func() { h.turnAway(conn) })
	default:
		if hr, ok := err.(*hostRefusal); ok {
			h.log.Debug("turning a host's client away", "remote", conn.RemoteAddr().String(), "why", hr.err.Detail)
			h.wg.Go(func() { h.turnAwayWith(conn, hr) })
			return
		}
		conn.Close()
	}
}

// addSession adds a session for conn, unless the hub is closing or full.
func (h *Hub) addSession(conn net.Conn) (*session, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closing:
		return nil, errHubClosing
	case len(h.sessions) >= h.cfg.MaxClients:
		return nil, errHubFull
	}
	if hr := h.hosts.admit(remoteAddr(conn), time.Now()); hr != nil {
		return nil, hr
	}
	s := newSession(h, conn)
	s.q.budget = &h.queued
	h.sessions[s] = struct{}{}
	return s, nil
}

// turnAway tells a client the hub is full and closes its connection.
func (h *Hub) turnAway(conn net.Conn) {
	h.turnAwayWith(conn, &hostRefusal{proto.NewError(proto.ReasonHubFull, "", fmt.Sprintf("the hub has its maximum of %d clients", h.cfg.MaxClients)), proto.ByeHubFull})
}

// shutdown ends every session with BYE shutdown. No LEAVE lines are sent:
// everyone is leaving.
func (h *Hub) shutdown() {
	for _, s := range h.closeAll() {
		h.endSession(s, "", proto.ByeShutdown, false)
	}
}

// closeAll marks the hub closing, so that it admits no one, and returns
// every open session.
func (h *Hub) closeAll() []*session {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closing = true
	all := make([]*session, 0, len(h.sessions))
	for s := range h.sessions {
		all = append(all, s)
	}
	return all
}

// now returns the wall clock in Unix milliseconds.
func now() int64 { return time.Now().UnixMilli() }

// now returns the time for the next hub line, in Unix milliseconds: see
// hubClock.
func (h *Hub) now() int64 { return h.clock.stamp() }

// deliverLocked queues line for s; a session whose queue is full is marked
// for dropping by dropSlowLocked. h.mu is held; the queue is written once
// it is released (see settleLocked).
func (h *Hub) deliverLocked(s *session, line []byte) {
	ok, kick := s.q.push(line)
	if !ok {
		h.slow = append(h.slow, s)
	}
	if kick {
		h.kickLocked(s.q)
	}
}

// kickLocked notes q for writing once h.mu is released. h.mu is held.
func (h *Hub) kickLocked(q *outQueue) {
	if h.kicks == nil {
		h.kicks = getFlushList()
	}
	h.kicks.add(q)
}

// settleLocked ends a change of the roster or the history: it drops the
// sessions the change found too slow and hands back the queues it made
// non-empty (nil if none), which the caller writes, with flush or later,
// once h.mu is released. Lines are queued under h.mu, so every client gets
// them in the same order, while the system calls that write them happen
// outside it. h.mu is held.
func (h *Hub) settleLocked() *flushList {
	if h.overQueued() {
		h.shedLocked()
	}
	h.dropSlowLocked()
	k := h.kicks
	h.kicks = nil
	return k
}

// flush writes the queues k lists, if any. h.mu is not held.
func (h *Hub) flush(k *flushList) {
	if k != nil {
		h.fanOut.flush(k)
	}
}

// broadcastLocked queues line for every registered session but except (which
// may be nil). h.mu is held.
func (h *Hub) broadcastLocked(line []byte, except *session) {
	for _, s := range h.roster {
		if s != except {
			h.deliverLocked(s, line)
		}
	}
}

// broadcastPresenceLocked queues a presence line (JOIN, LEAVE, RENAME) for
// every registered session but except, as broadcastLocked does; the queues
// it makes non-empty are written by the presence writer after a pause (see
// outQueue.pushLazy). h.mu is held.
func (h *Hub) broadcastPresenceLocked(line []byte, except *session) {
	handed := false
	for _, s := range h.roster {
		if s == except {
			continue
		}
		ok, lazyKick, kick := s.q.pushLazy(line)
		if !ok {
			h.slow = append(h.slow, s)
		}
		if kick {
			h.kickLocked(s.q)
		}
		if lazyKick {
			if h.lazy == nil {
				h.lazy = getFlushList()
			}
			h.lazy.add(s.q)
			handed = true
		}
	}
	if handed {
		select {
		case h.lazyWake <- struct{}{}:
		default:
		}
	}
}

// defaultPresencePause is the least time presence lines wait to be written,
// so that those of a burst of arrivals or departures go out together.
const defaultPresencePause = 20 * time.Millisecond

// writePresence writes the queues handed over by broadcastPresenceLocked,
// at most once per pause, until ctx is done. A pass over many queues takes
// a while; the next pass waits at least as long again, so that presence
// lines never take more than about half of a processor however many
// clients come and go. (A line that may not wait takes its queue over.)
func (h *Hub) writePresence(ctx context.Context) {
	pause := time.NewTimer(0)
	defer pause.Stop()
	<-pause.C
	for {
		select {
		case <-h.lazyWake:
		case <-ctx.Done():
			return
		}
		pause.Reset(h.cfg.presencePause)
		select {
		case <-pause.C:
		case <-ctx.Done():
			return
		}
		l := h.takeLazy()
		if l == nil {
			continue
		}
		start := time.Now()
		for _, q := range l.queues {
			q.flushLazy()
		}
		n := len(l.queues)
		l.recycle()
		if took := time.Since(start); took > h.cfg.presencePause {
			// A pass this long writes a burst, which ends only when
			// the last pass has written it: the memory trimmer may
			// have run before that and must run again.
			h.trim.noteMany(n)
			pause.Reset(took - h.cfg.presencePause)
			select {
			case <-pause.C:
			case <-ctx.Done():
				return
			}
		}
	}
}

// takeLazy returns the queues handed to the presence writer, or nil.
func (h *Hub) takeLazy() *flushList {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.lazy
	h.lazy = nil
	return l
}

// dropSlowLocked drops the sessions found too slow, announcing each with
// LEAVE … too-slow, which may find more. h.mu is held.
func (h *Hub) dropSlowLocked() {
	for len(h.slow) > 0 {
		s := h.slow[len(h.slow)-1]
		h.slow = h.slow[:len(h.slow)-1]
		if s.ended.Load() {
			continue
		}
		h.log.Info("dropping client that does not keep up", "nick", s.nick, "remote", s.remote.String())
		h.removeLocked(s, proto.LeaveTooSlow)
		s.q.abort()
		s.wakeReader()
	}
}

// removeLocked takes s out of the hub and, if it was registered, tells
// everyone else why it left (unless leaveReason is "" or the hub is
// closing). h.mu is held.
func (h *Hub) removeLocked(s *session, leaveReason string) {
	s.ended.Store(true)
	delete(h.sessions, s)
	h.hosts.left(s.remote)
	if !s.registered {
		return
	}
	h.trim.note()
	delete(h.byKey, s.key)
	h.forgetLookLocked(s)
	h.rosterRemove(s)
	if leaveReason != "" && !h.closing {
		h.broadcastPresenceLocked(proto.AppendLeave(nil, h.now(), s.nick, leaveReason), nil)
	}
}

// endSession ends s: it leaves the hub (LEAVE leaveReason to the others),
// gets `BYE bye` if bye is not empty, and its connection is closed once its
// queue is written. A session ends once; later calls do nothing.
func (h *Hub) endSession(s *session, leaveReason, bye string, abort bool) {
	k, ok := h.remove(s, leaveReason)
	if !ok {
		return
	}
	if leaveReason != "" {
		h.stats.noteEnded(leaveReason)
	} else {
		h.stats.noteEnded(bye)
	}
	h.flush(k)
	if abort {
		s.q.abort()
	} else {
		var last []byte
		if bye != "" {
			last = proto.AppendBye(nil, bye)
		}
		s.q.close(last)
		// A write already blocked on a client that does not read must end
		// too; the writer sets the same kind of deadline for later writes.
		s.conn.SetWriteDeadline(time.Now().Add(h.cfg.FlushTimeout))
	}
	s.wakeReader()
	h.log.Debug("session ended", "nick", s.nick, "remote", s.remote.String(), "leave", leaveReason, "bye", bye)
}

// remove takes s out of the hub as removeLocked does, and returns the
// queues to flush; ok is false if s had ended already.
func (h *Hub) remove(s *session, leaveReason string) (k *flushList, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.ended.Load() {
		return nil, false
	}
	h.removeLocked(s, leaveReason)
	return h.settleLocked(), true
}

// sendTo queues line for s alone, dropping s if it cannot keep up.
func (h *Hub) sendTo(s *session, line []byte) {
	ok, kick := s.q.push(line)
	if kick {
		s.q.flush()
	}
	if !ok {
		h.endSession(s, proto.LeaveTooSlow, "", true)
	} else if h.overQueued() {
		h.shed()
	}
}

func (h *Hub) rosterIndex(key string) (int, bool) {
	return slices.BinarySearchFunc(h.roster, key, func(s *session, k string) int { return strings.Compare(s.key, k) })
}

func (h *Hub) rosterInsert(s *session) {
	i, _ := h.rosterIndex(s.key)
	h.roster = slices.Insert(h.roster, i, s)
	h.usersBlock = nil
}

func (h *Hub) rosterRemove(s *session) {
	if i, ok := h.rosterIndex(s.key); ok && h.roster[i] == s {
		h.roster = slices.Delete(h.roster, i, i+1)
		h.usersBlock = nil
	}
}

// usersLocked returns the USERS block, shared: it must not be modified.
// h.mu is held.
func (h *Hub) usersLocked() []byte {
	if h.usersBlock != nil {
		return h.usersBlock
	}
	size := 16
	for _, s := range h.roster {
		size += len(proto.KwUser) + 2 + len(s.nick)
	}
	b := proto.AppendUsers(make([]byte, 0, size), len(h.roster))
	for _, s := range h.roster {
		b = proto.AppendUser(b, s.nick)
		if s.owns {
			b = appendFlags(b, ownedFlags)
		}
	}
	h.usersBlock = b
	return b
}

// addHistoryLocked keeps line as the newest public message. h.mu is held.
func (h *Hub) addHistoryLocked(line []byte) {
	n := h.cfg.historyLen()
	if n == 0 {
		return
	}
	if len(h.history) == n {
		copy(h.history, h.history[1:])
		h.history[n-1] = line
		return
	}
	h.history = append(h.history, line)
}

// userCount returns the number of registered users.
func (h *Hub) userCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.roster)
}

// notify sends line to the session with this ID, if it is still connected.
func (h *Hub) notify(sessionID uint64, line []byte) {
	if s := h.sessionByID(sessionID); s != nil && !s.ended.Load() {
		h.sendTo(s, line)
	}
}

// Users returns the nicks of the registered users, in USERS order.
func (h *Hub) Users() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	nicks := make([]string, len(h.roster))
	for i, s := range h.roster {
		nicks[i] = s.nick
	}
	return nicks
}

// sharedFile returns the info of a shared file with its SHA-256, computing
// the hash if it is not known yet. It fails with ErrNoSuchFile for a name
// that is not a listed file, and with a bad-name *proto.Error for an invalid
// name. It may be called only while the hub serves.
func (h *Hub) sharedFile(ctx context.Context, name string) (FileInfo, error) {
	shared := h.shared.Load()
	if shared == nil {
		return FileInfo{}, errors.New("natter hub: not serving")
	}
	return shared.hashed(ctx, name)
}

// announceShared tells everyone that from stored a file in the shared
// folder, with `SHARED <time> <from> <size> <sha256> <name…>`, and records
// its hash. The file must be in place. It may be called only while the hub
// serves.
func (h *Hub) announceShared(from, name, sha256 string) error {
	shared := h.shared.Load()
	if shared == nil {
		return errors.New("natter hub: not serving")
	}
	if err := proto.ValidSHA256(sha256); err != nil {
		return err
	}
	info, err := shared.remember(name, sha256)
	if err != nil {
		return fmt.Errorf("natter hub: announcing %q: %w", name, err)
	}
	if w := h.watch.Load(); w != nil {
		w.announced(info)
	}
	h.flush(h.broadcast(proto.AppendShared(nil, h.now(), from, info.Size, sha256, name)))
	return nil
}

// broadcast queues line for every registered session and returns the
// queues to flush.
func (h *Hub) broadcast(line []byte) *flushList {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.broadcastLocked(line, nil)
	return h.settleLocked()
}

// The changes a session asks for. Each takes h.mu for the whole change and
// hands back the queues to flush once it is released (nil if none), and
// the refusal to send the session, if any. A session dropped meanwhile (by
// another session's broadcast) changes nothing.

// post makes body, as the client escaped it, a public message from s: it
// goes to everyone, s included, and into the history.
func (h *Hub) post(s *session, body string) (*flushList, *proto.Error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.ended.Load() {
		return nil, nil
	}
	t := h.now()
	if n := msgLineLen(t, s.nick, body); n > proto.MaxHubLineLen {
		// Not with nicks of at most 24 characters; a guard should the
		// limits ever change.
		return nil, proto.NewError(proto.ReasonLineTooLong, proto.KwMsg, fmt.Sprintf("with the time and your nick the line would have %d bytes, more than the %d a hub line may have; it was not delivered", n, proto.MaxHubLineLen))
	}
	line := proto.AppendMsgEscaped(make([]byte, 0, len(body)+len(s.nick)+32), t, s.nick, body)
	h.stats.messages.Add(1)
	h.stats.deliveries.Add(uint64(len(h.roster)))
	if h.commits != nil {
		// Sent once stored: see committer.
		h.commits.add(line, store.Message{Time: t, From: s.nick, Body: body})
		return nil, nil
	}
	h.addHistoryLocked(line)
	h.broadcastLocked(line, nil)
	return h.settleLocked(), nil
}

// sendPrivate sends body, as the client escaped it, from s to the user
// whose nick has key (typed as to) and back to s.
func (h *Hub) sendPrivate(s *session, to, key, body string) (*flushList, *proto.Error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.ended.Load() {
		return nil, nil
	}
	target, ok := h.byKey[key]
	if !ok {
		return nil, proto.NewError(proto.ReasonNoSuchUser, proto.KwPriv, fmt.Sprintf("no user %s is online", proto.QuoteInput(to)))
	}
	// The line carries the recipient's nick as registered, which may be
	// longer in bytes than the form the client typed (U+FB00 "ﬀ" is typed
	// as "ff" but written in three bytes), and the sender's nick.
	t := h.now()
	if n := privLineLen(t, s.nick, target.nick, body); n > proto.MaxHubLineLen {
		return nil, proto.NewError(proto.ReasonLineTooLong, proto.KwPriv, fmt.Sprintf("once addressed from %s to %s the line would have %d bytes, more than the %d a hub line may have; it was not delivered",
			s.nick, target.nick, n, proto.MaxHubLineLen))
	}
	line := proto.AppendPrivEscaped(nil, t, s.nick, target.nick, body)
	if e := h.privateRoomLocked(target, line); e != nil && target != s {
		return nil, e
	}
	h.deliverLocked(target, line)
	if target != s {
		h.deliverLocked(s, line)
	}
	h.stats.private.Add(1)
	h.stats.deliveries.Add(1)
	return h.settleLocked(), nil
}

// msgLineLen returns the length of `MSG <t> <from> <body>`, LF included.
func msgLineLen(t int64, from, body string) int {
	return len("MSG ") + timeLen(t) + 1 + len(from) + 1 + len(body) + 1
}

// privLineLen returns the length of `PRIV <t> <from> <to> <body>`, LF
// included.
func privLineLen(t int64, from, to, body string) int {
	return len("PRIV ") + timeLen(t) + 1 + len(from) + 1 + len(to) + 1 + len(body) + 1
}

// timeLen returns the number of digits of a hub time.
func timeLen(t int64) int {
	n := 1
	for t >= 10 {
		t /= 10
		n++
	}
	return n
}

// setNick registers s as nick (a valid nick whose key is key and whose
// owned-nick identity is id) or, if s is
// registered, renames it, and tells everyone. It refuses a nick that is
// taken, by someone else or by s itself, and one owned by another identity
// (natter/1 section 9).
func (h *Hub) setNick(s *session, nick, key string, id proto.NickIdentity) (*flushList, *proto.Error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	other, taken := h.byKey[key]
	switch {
	case s.ended.Load():
		return nil, nil
	case taken && other == s && nick == s.nick:
		return nil, proto.NewError(proto.ReasonNickInUse, proto.KwNick, fmt.Sprintf("%s is already your nick", proto.QuoteInput(nick)))
	case taken && other != s:
		return nil, proto.NewError(proto.ReasonNickInUse, proto.KwNick, fmt.Sprintf("nick %s is in use", proto.QuoteInput(nick)))
	}
	if look := h.lookAlikeLocked(id, s); look != nil {
		return nil, proto.NewError(proto.ReasonNickInUse, proto.KwNick, fmt.Sprintf("nick %s looks like %s, who is online", proto.QuoteInput(nick), proto.QuoteInput(look.nick)))
	}
	o := h.owned.find(id)
	if o != nil && o.Owner != s.owner() {
		detail := fmt.Sprintf("nick %s is owned by someone else", proto.QuoteInput(nick))
		if o.Key != id.Key {
			detail = fmt.Sprintf("nick %s looks like %s, which is owned by someone else", proto.QuoteInput(nick), proto.QuoteInput(o.Nick))
		}
		return nil, proto.NewError(proto.ReasonNickOwned, proto.KwNick, detail)
	}
	if e := h.hosts.allowNick(s.remote, time.Now()); e != nil {
		return nil, e
	}
	h.forgetLookLocked(s)
	s.ident = id
	for _, k := range lookKeys(id) {
		h.byLook[k] = s
	}
	s.owns = o != nil && o.Key == id.Key
	switch {
	case s.registered:
		h.renameLocked(s, nick, key)
	default:
		h.registerLocked(s, nick, key)
	}
	return h.settleLocked(), nil
}

// registerLocked registers s as nick: it gets WELCOME, USERS and the
// history, and everyone else JOIN. h.mu is held.
func (h *Hub) registerLocked(s *session, nick, key string) {
	s.registered, s.nick, s.key = true, nick, key
	h.byKey[key] = s
	h.stats.registrations.Add(1)
	h.rosterInsert(s)
	h.trim.note()
	// The USERS block and the history lines are shared, not copied.
	reply := make([][]byte, 0, 3+len(h.history))
	welcome := proto.AppendWelcome(nil, nick)
	if s.owns {
		welcome = appendFlags(welcome, ownedFlags)
	}
	reply = append(reply, welcome, h.usersLocked(), proto.AppendHistory(nil, len(h.history)))
	reply = append(reply, h.history...)
	ok, kick := s.q.pushAll(reply)
	if !ok {
		h.slow = append(h.slow, s)
	}
	if kick {
		h.kickLocked(s.q)
	}
	join := proto.AppendJoin(nil, h.now(), nick)
	if s.owns {
		join = appendFlags(join, ownedFlags)
	}
	h.broadcastPresenceLocked(join, s)
}

// renameLocked changes the nick of the registered session s and tells
// everyone. h.mu is held.
func (h *Hub) renameLocked(s *session, nick, key string) {
	old := s.nick
	h.rosterRemove(s)
	delete(h.byKey, s.key)
	s.nick, s.key = nick, key
	h.byKey[key] = s
	h.rosterInsert(s)
	h.broadcastPresenceLocked(proto.AppendRename(nil, h.now(), old, nick), nil)
}

// sendUsers queues the USERS block for s. It is queued under h.mu, as JOIN
// and LEAVE lines are, so that it agrees with the lines s got before it: it
// never lists a user whose LEAVE came earlier, nor misses one whose JOIN
// did.
func (h *Hub) sendUsers(s *session) *flushList {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.ended.Load() {
		return nil
	}
	h.deliverLocked(s, h.usersLocked())
	return h.settleLocked()
}

// sessionByID returns the open session with this ID, or nil.
func (h *Hub) sessionByID(id uint64) *session {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.sessions {
		if s.id == id {
			return s
		}
	}
	return nil
}
