package client

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// loop is the one goroutine that owns all session state. Everything else
// talks to it through channels and the intent queue.
type loop struct {
	c   *Client
	cfg *Config
	log *slog.Logger
	ctx context.Context // ends when the loop returns
	clk clock
	// now is the time of the event being handled: read once per event so
	// that every decision about it agrees on the time.
	now time.Time

	in       chan inbound  // reader, writer
	dialed   chan inbound  // dialer (unbuffered)
	xferCh   chan xferMsg  // transfer workers: results
	xferPoke chan struct{} // transfer workers: progress (coalesced)

	// Connection.
	state      ConnState
	attempt    int
	nextTry    time.Time
	cause      Cause
	connErr    error
	everJoined bool // registered at least once
	gen        uint64
	dialing    bool
	sess       *session
	stopping   bool   // Quit, BYE, ctx: no more reconnects
	result     error  // what Run returns
	wantNick   string // the nick to (re-)register
	baseNick   string // wantNick before digits were appended after a reconnect
	nickTries  int
	nick       string // the nick the hub knows us by
	hubName    string

	pending map[string][]*request // per keyword, oldest first
	// outbox holds MSG and PRIV lines not yet handed to the writer, in the
	// order they were typed: while not registered, and beyond the window
	// of messages the hub has not yet confirmed.
	outbox    []*request
	msgOrder  uint64    // order of the last message typed
	msgWindow int       // unconfirmed messages allowed at once
	holdUntil time.Time // after a slow-down: send no message before this

	// Multi-line block in progress (USERS, HISTORY, FILES).
	block     string
	blockLeft int
	blkUsers  []User
	blkFiles  []File
	histTaken map[msgKey]int

	// Published state. Slices are replaced, never modified in place, once
	// a snapshot holds them (messages and shared are append-only).
	msgs      []Message
	msgSeq    uint64
	seen      map[msgKey]int // public messages in msgs, for de-duplicating HISTORY
	users     []User
	files     []File
	filesTime time.Time
	shared    []Shared
	lastErr   *HubError
	dropped   uint64
	version   uint64
	dirty     bool

	xfers     []*xfer
	xferSnap  []Transfer
	xferDirty bool
	busyUntil time.Time // the hub said busy: ask for no transfer before this

	// The pace of sending: Config.SendRate and SendBurst, lowered for
	// good when a hub says slow-down.
	sendRate     float64
	sendBurst    int
	lastSlowDown time.Time

	quitReason string
}

// session is the loop's record of one connection: the conn, and what the
// loop knows of the hub on it.
type session struct {
	conn       *conn
	connected  time.Time
	alive      keepalive
	hello      bool
	registered bool
	refusal    *HubError // the hub refused us before registration
}

// msgKey identifies a public message for de-duplication after a reconnect.
type msgKey struct {
	ms   int64
	from string
	text string
}

func (c *Client) start(ctx context.Context) error {
	if !c.started.CompareAndSwap(false, true) {
		return ErrStarted
	}
	lctx, cancel := context.WithCancel(context.Background())
	l := &loop{
		c:         c,
		cfg:       &c.cfg,
		log:       c.log,
		ctx:       lctx,
		clk:       c.clock,
		in:        make(chan inbound, 1024),
		dialed:    make(chan inbound),
		xferCh:    make(chan xferMsg), // unbuffered: see report
		xferPoke:  make(chan struct{}, 1),
		state:     Connecting,
		wantNick:  c.cfg.Nick,
		baseNick:  c.cfg.Nick,
		nick:      c.cfg.Nick,
		pending:   make(map[string][]*request),
		seen:      make(map[msgKey]int),
		sendRate:  c.cfg.SendRate,
		sendBurst: c.cfg.SendBurst,
		msgWindow: 64,
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer cancel()
		l.run(ctx)
	}()
	go func() {
		c.wg.Wait()
		c.result = l.result
		close(c.done)
	}()
	return nil
}

func (l *loop) run(parent context.Context) {
	timer := l.clk.NewTimer()
	defer timer.Stop()
	l.now = l.clk.Now()
	l.connect()
	l.dirty = true
	for {
		if l.dirty || l.xferDirty {
			l.publish()
		}
		if l.state == Closed {
			l.shutdown()
			l.publish()
			close(l.c.events)
			return
		}
		timer.Reset(l.nextDeadline().Sub(l.clk.Now()))
		select {
		case <-parent.Done():
			l.now = l.clk.Now()
			l.stop(CauseStopped, nil)
		case <-l.c.wake:
			l.now = l.clk.Now()
			l.takeIntents()
		case m := <-l.in:
			l.now = l.clk.Now()
			l.handleInbound(m)
			// Take what else is waiting before publishing, so a flood of
			// lines costs one snapshot per batch.
			for i := 0; i < 256 && l.state != Closed; i++ {
				select {
				case m := <-l.in:
					l.handleInbound(m)
					continue
				default:
				}
				break
			}
		case m := <-l.dialed:
			l.now = l.clk.Now()
			l.handleInbound(m)
		case m := <-l.xferCh:
			l.now = l.clk.Now()
			l.handleXfer(m)
		case <-l.xferPoke:
			l.now = l.clk.Now()
			l.sampleProgress(l.now, false)
		case <-timer.C():
			l.now = l.clk.Now()
			l.onTimer(l.now)
		}
	}
}

// nextDeadline is when onTimer must run next.
func (l *loop) nextDeadline() time.Time {
	d := l.now.Add(time.Hour)
	early := func(t time.Time) {
		if !t.IsZero() && t.Before(d) {
			d = t
		}
	}
	if l.sess == nil && !l.dialing && l.state == Reconnecting {
		early(l.nextTry)
	}
	if s := l.sess; s != nil {
		early(s.alive.deadline())
		if !s.registered {
			early(s.connected.Add(l.cfg.PingTimeout))
		}
	}
	if l.busyUntil.After(l.now) {
		early(l.busyUntil)
	}
	if len(l.outbox) > 0 && l.holdUntil.After(l.now) {
		early(l.holdUntil)
	}
	for _, x := range l.xfers {
		if x.t.State == TransferQueued && !x.retryAt.IsZero() {
			early(x.retryAt)
		}
		if x.worker != nil {
			early(x.lastSample.Add(progressInterval))
		}
	}
	return d
}

func (l *loop) onTimer(now time.Time) {
	if l.sess == nil && !l.dialing && l.state == Reconnecting && !now.Before(l.nextTry) {
		l.connect()
	}
	if s := l.sess; s != nil {
		if !s.registered && now.Sub(s.connected) >= l.cfg.PingTimeout {
			l.drop(errNotAccepted)
		} else if ping, dead := s.alive.check(now); dead {
			l.drop(errNoAnswer)
		} else if ping != "" {
			l.sendNow(&request{keyword: proto.KwPing, line: simpleLine(proto.Command{Keyword: proto.KwPing, Token: ping})})
		}
	}
	l.sampleProgress(now, false)
	l.schedule(now)
	l.pump(now)
}

// connect starts a dial attempt. Each attempt registers the nick the
// person chose first, even if the last session had to use a numbered one.
func (l *loop) connect() {
	l.wantNick, l.nickTries = l.baseNick, 0
	l.gen++
	l.dialing = true
	l.nextTry = time.Time{}
	l.dirty = true
	l.c.wg.Add(1)
	go func(gen uint64) {
		defer l.c.wg.Done()
		dialHub(l.ctx, l.cfg.Dial, l.cfg.Addr, gen, l.dialed)
	}(l.gen)
}

// retry schedules the next connect attempt with exponential back-off and
// jitter, or stops for good when reconnecting is over.
func (l *loop) retry(cause Cause, err error) {
	if l.stopping {
		return
	}
	wasRegistered := l.state == Registered
	l.state = Reconnecting
	l.cause = cause
	l.connErr = err
	l.attempt++
	delay := l.cfg.ReconnectMin << min(l.attempt-1, 16)
	if delay > l.cfg.ReconnectMax || delay <= 0 {
		delay = l.cfg.ReconnectMax
	}
	// Jitter: somewhere between half and all of the delay.
	delay = delay/2 + rand.N(delay/2+1)
	l.nextTry = l.now.Add(delay)
	l.dirty = true
	if wasRegistered {
		l.system(Message{Event: SysConnection, Note: NoteDropped, Cause: cause, Err: err})
		l.emitConn()
	}
}

// drop ends the current session after a failure and schedules a reconnect.
func (l *loop) drop(err error) {
	s := l.sess
	if s == nil {
		return
	}
	l.log.Info("connection to hub lost", "addr", l.cfg.Addr, "err", err)
	l.endSession()
	if e := s.refusal; e != nil && !l.everJoined {
		// Refused on the first connect (hub full, say) without a BYE:
		// trying again would only be refused again.
		l.stop(CauseRefused, e)
		return
	}
	l.retry(connCause(err), err)
}

// endSession closes the session and puts back what it had not finished.
func (l *loop) endSession() {
	s := l.sess
	if s == nil {
		return
	}
	l.sess = nil
	s.conn.close()
	l.block = ""
	// Messages never handed to the connection go out again after the next
	// registration; those handed over but not confirmed may or may not
	// have reached the hub, and sending them again could show them twice.
	var resend []*request
	for _, kw := range []string{proto.KwMsg, proto.KwPriv} {
		for _, r := range l.pending[kw] {
			if !r.written.Load() {
				resend = append(resend, r)
				continue
			}
			m := Message{Event: SysError, Note: NoteMaybeLost, Text: r.text}
			if r.keyword == proto.KwPriv {
				m.Note, m.To = NotePrivMaybeLost, r.to
			}
			l.system(m)
		}
	}
	for _, r := range resend {
		l.requeue(r)
	}
	clear(l.pending)
	l.transfersInterrupted()
}

// connCause says why a connection ended with err.
func connCause(err error) Cause {
	var ne net.Error
	var he *HubError
	var be *ByeError
	switch {
	case err == nil:
		return CauseLost
	case errors.Is(err, errHubClosed):
		return CauseHubClosed
	case errors.Is(err, errNotAccepted):
		return CauseNotAccepted
	case errors.Is(err, errNoAnswer):
		return CauseNoAnswer
	case errors.As(err, &he):
		return CauseRefused
	case errors.As(err, &be):
		return CauseBye
	case errors.Is(err, syscall.ECONNREFUSED):
		return CauseNoHub
	case errors.As(err, &ne) && ne.Timeout():
		return CauseTimeout
	}
	return CauseNetwork
}

// The ends of a session that are not errors of the network.
var (
	errHubClosed   = errors.New("client: the hub closed the connection")
	errNotAccepted = errors.New("client: the hub did not accept a nick in time")
	errNoAnswer    = errors.New("client: the hub stopped answering")
)

// stop ends the client for good: no more reconnects.
func (l *loop) stop(cause Cause, result error) {
	if l.state == Closed {
		return
	}
	l.stopping = true
	l.state = Closed
	l.cause = cause
	l.connErr = result
	l.result = result
	l.nextTry = time.Time{}
	l.dirty = true
	l.system(Message{Event: SysConnection, Note: NoteClosed, Cause: cause, Err: result})
	l.emitConn()
}

// shutdown runs once as the loop ends: it says goodbye, stops every
// transfer and closes the connection.
func (l *loop) shutdown() {
	l.c.mu.Lock()
	l.c.closing = true
	l.c.intents = nil
	l.c.mu.Unlock()
	l.stopTransfers()
	if s := l.sess; s != nil {
		l.sess = nil
		if s.registered || s.hello {
			s.conn.quit(&request{keyword: proto.KwQuit, line: quitLine(l.quitReason)}, l.in, 2*time.Second)
		} else {
			s.conn.close()
		}
	}
}

// quitLine returns the QUIT line, leaving out a reason that is not valid text.
func quitLine(reason string) string {
	line, err := commandLine(proto.Command{Keyword: proto.KwQuit, Reason: reason})
	if err != nil {
		return simpleLine(proto.Command{Keyword: proto.KwQuit})
	}
	return line
}

func (l *loop) handleInbound(m inbound) {
	if m.gen != l.gen {
		if m.kind == inDialed && m.nc != nil {
			m.nc.Close()
		}
		return
	}
	switch m.kind {
	case inDialed:
		l.dialing = false
		if m.err != nil {
			l.log.Info("cannot reach hub", "addr", l.cfg.Addr, "err", m.err)
			l.retry(connCause(m.err), m.err)
			return
		}
		if l.state == Closed {
			m.nc.Close()
			return
		}
		c := startConn(&l.c.wg, m.gen, m.nc, connConfig{
			in: l.in, log: l.log, writeTimeout: l.cfg.WriteTimeout, rate: l.sendRate, burst: l.sendBurst,
		})
		l.sess = &session{conn: c, connected: l.now,
			alive: keepalive{idle: l.cfg.PingIdle, timeout: l.cfg.PingTimeout, lastRead: l.now}}
		l.nextTry = time.Time{}
		l.dirty = true
	case inError:
		if l.sess == nil {
			return
		}
		if l.stopping {
			l.endSession()
			return
		}
		l.drop(m.err)
	case inBadLine:
		if l.sess != nil {
			l.sess.alive.heard(l.now)
		}
		l.log.Warn("hub sent a line that does not parse; skipped", "line", m.raw, "err", m.err)
	case inLine:
		if l.sess == nil {
			return
		}
		l.sess.alive.heard(l.now)
		l.handleLine(m.line)
	}
}

// sendNow queues a line for the writer of the current session, and
// remembers it when the hub will answer it.
func (l *loop) sendNow(r *request) {
	s := l.sess
	if s == nil {
		return
	}
	switch r.keyword {
	case proto.KwNick, proto.KwMsg, proto.KwPriv, proto.KwUsers, proto.KwFiles, proto.KwGet, proto.KwPut:
		l.pending[r.keyword] = append(l.pending[r.keyword], r)
	}
	s.conn.send(r)
}

// answered removes and returns the oldest request waiting for keyword.
func (l *loop) answered(keyword string) *request {
	q := l.pending[keyword]
	if len(q) == 0 {
		return nil
	}
	r := q[0]
	q[0] = nil
	l.pending[keyword] = q[1:]
	return r
}

func (l *loop) handleLine(h hubLine) {
	if l.block != "" && !l.blockLine(h) {
		return
	}
	s := l.sess
	switch h.kw {
	case proto.KwHello:
		if h.version != proto.Version {
			l.endSession()
			l.stop(CauseVersion, &VersionError{Version: h.version})
			return
		}
		s.hello = true
		l.hubName = h.text
		l.dirty = true
		l.registerNick()
	case proto.KwWelcome:
		l.answered(proto.KwNick)
		l.welcome(h.nick)
	case proto.KwUsers:
		l.answered(proto.KwUsers)
		l.startBlock(proto.KwUsers, h.n)
	case proto.KwHistory:
		l.startBlock(proto.KwHistory, h.n)
	case proto.KwFiles:
		l.answered(proto.KwFiles)
		l.startBlock(proto.KwFiles, h.n)
	case proto.KwUser, proto.KwFile:
		l.log.Warn("hub sent a list line outside a list; skipped", "keyword", h.kw)
	case proto.KwJoin:
		l.addUser(h.nick)
		l.appendMsg(Message{Kind: System, Event: SysJoin, Note: NoteJoined, Time: h.time, From: h.nick})
	case proto.KwLeave:
		l.removeUser(h.nick)
		l.appendMsg(Message{Kind: System, Event: SysLeave, Note: NoteLeft, Time: h.time, From: h.nick, Reason: h.text})
	case proto.KwRename:
		l.rename(h)
	case proto.KwMsg:
		l.message(h, false)
	case proto.KwPriv:
		l.message(h, false)
	case proto.KwGet, proto.KwPut:
		l.granted(h)
	case proto.KwShared:
		l.sharedFile(h)
	case proto.KwPing:
		l.sendNow(&request{keyword: proto.KwPong, line: simpleLine(proto.Command{Keyword: proto.KwPong, Token: h.text})})
	case proto.KwPong:
	case proto.KwErr:
		l.hubError(h.hubErr)
	case proto.KwBye:
		l.bye(h.text)
	default:
		l.log.Warn("hub sent an unknown line; skipped", "keyword", h.kw)
	}
}

// registerNick sends NICK for the nick we want.
func (l *loop) registerNick() {
	l.nick = l.wantNick
	l.dirty = true
	l.sendNow(&request{keyword: proto.KwNick, line: simpleLine(proto.Command{Keyword: proto.KwNick, Nick: l.wantNick}), nick: l.wantNick})
}

func (l *loop) welcome(nick string) {
	s := l.sess
	first := !l.everJoined
	s.registered = true
	l.everJoined = true
	l.nick = nick
	l.wantNick = nick
	l.nickTries = 0
	l.state = Registered
	l.attempt = 0
	l.cause = CauseNone
	l.connErr = nil
	l.dirty = true
	note := NoteReconnected
	if first {
		note = NoteConnected
	}
	l.system(Message{Event: SysConnection, Note: note, Name: l.hubName, To: nick})
	l.emitConn()
	l.sendNow(&request{keyword: proto.KwFiles, line: simpleLine(proto.Command{Keyword: proto.KwFiles})})
	l.pump(l.now)
	l.schedule(l.now)
}

func (l *loop) startBlock(kind string, n int) {
	l.block, l.blockLeft = kind, n
	l.blkUsers, l.blkFiles = nil, nil
	if kind == proto.KwHistory {
		l.histTaken = make(map[msgKey]int)
	}
	if n == 0 {
		l.endBlock()
	}
}

// blockLine takes a line while a list is being received. It returns true
// when the line is not part of the list and must be handled normally.
func (l *loop) blockLine(h hubLine) bool {
	want := map[string]string{proto.KwUsers: proto.KwUser, proto.KwFiles: proto.KwFile, proto.KwHistory: proto.KwMsg}[l.block]
	if h.kw != want {
		l.log.Warn("hub list ended early", "list", l.block, "missing", l.blockLeft, "got", h.kw)
		l.endBlock()
		return true
	}
	switch l.block {
	case proto.KwUsers:
		l.blkUsers = append(l.blkUsers, User{Nick: h.nick})
	case proto.KwFiles:
		l.blkFiles = append(l.blkFiles, File{Name: h.name, Size: h.size, SHA256: h.sha, ModTime: h.mtime})
	case proto.KwHistory:
		l.message(h, true)
	}
	l.blockLeft--
	if l.blockLeft <= 0 {
		l.endBlock()
	}
	return false
}

func (l *loop) endBlock() {
	switch l.block {
	case proto.KwUsers:
		for i := range l.blkUsers {
			l.blkUsers[i].Self = sameNick(l.blkUsers[i].Nick, l.nick)
		}
		l.users = l.blkUsers
	case proto.KwFiles:
		l.files = l.blkFiles
		l.filesTime = l.now
	case proto.KwHistory:
		l.histTaken = nil
	}
	l.blkUsers, l.blkFiles = nil, nil
	l.block = ""
	l.dirty = true
}

func userLess(a, b User) int {
	if c := strings.Compare(proto.NickKey(a.Nick), proto.NickKey(b.Nick)); c != 0 {
		return c
	}
	return strings.Compare(a.Nick, b.Nick)
}

func (l *loop) addUser(nick string) {
	users := make([]User, 0, len(l.users)+1)
	for _, u := range l.users {
		if !sameNick(u.Nick, nick) {
			users = append(users, u)
		}
	}
	u := User{Nick: nick, Self: sameNick(nick, l.nick)}
	i, _ := slices.BinarySearchFunc(users, u, userLess)
	l.users = slices.Insert(users, i, u)
	l.dirty = true
}

func (l *loop) removeUser(nick string) {
	l.users = slices.DeleteFunc(slices.Clone(l.users), func(u User) bool { return sameNick(u.Nick, nick) })
	l.dirty = true
}

func (l *loop) rename(h hubLine) {
	old, nw := h.nick, h.to
	self := sameNick(old, l.nick)
	if self {
		l.answered(proto.KwNick)
		l.nick = nw
		l.wantNick = nw
		l.baseNick = nw
	}
	l.removeUser(old)
	l.addUser(nw)
	l.appendMsg(Message{Kind: System, Event: SysRename, Note: NoteRenamed, Time: h.time, From: old, To: nw, Own: self})
}

// message logs a MSG or PRIV line.
func (l *loop) message(h hubLine, history bool) {
	m := Message{Time: h.time, From: h.from, Text: h.text, History: history}
	m.Own = sameNick(h.from, l.nick)
	if h.kw == proto.KwPriv {
		m.Kind = Private
		m.To = h.to
		if m.Own {
			l.answered(proto.KwPriv)
			l.pump(l.now)
		}
	} else {
		m.Kind = Public
		key := msgKey{ms: h.time.UnixMilli(), from: h.from, text: h.text}
		if history {
			// The same message may already be in the log from before a
			// reconnect: skip as many copies as the log holds.
			if l.histTaken[key] < l.seen[key] {
				l.histTaken[key]++
				return
			}
		} else if m.Own {
			l.answered(proto.KwMsg)
			l.pump(l.now)
		}
		l.seen[key]++
		if history {
			l.histTaken[key]++
		}
	}
	m = l.appendMsg(m)
	mm := m
	l.emit(Event{Kind: EventMessage, Time: m.Time, Text: m.Text, Message: &mm})
	if m.Kind == Private && !m.Own {
		l.emit(Event{Kind: EventPrivate, Time: m.Time, Text: m.Text, Message: &mm})
	}
}

// appendMsg adds m to the log and returns it as logged.
func (l *loop) appendMsg(m Message) Message {
	l.msgSeq++
	m.Seq = l.msgSeq
	l.msgs = append(l.msgs, m)
	l.dirty = true
	if max := l.cfg.MaxMessages; len(l.msgs) > max+max/8 {
		cut := len(l.msgs) - max
		for _, old := range l.msgs[:cut] {
			if old.Kind != Public {
				continue
			}
			key := msgKey{ms: old.Time.UnixMilli(), from: old.From, text: old.Text}
			if l.seen[key] <= 1 {
				delete(l.seen, key)
			} else {
				l.seen[key]--
			}
		}
		l.msgs = l.msgs[cut:]
	}
	return m
}

// system logs a System line the client writes itself, at the client's time.
func (l *loop) system(m Message) {
	m.Kind, m.Time = System, l.now
	l.appendMsg(m)
}

func (l *loop) sharedFile(h hubLine) {
	sh := Shared{Time: h.time, From: h.from, Size: h.size, SHA256: h.sha, Name: h.name}
	l.shared = append(l.shared, sh)
	if !l.filesTime.IsZero() {
		f := File{Name: h.name, Size: h.size, SHA256: h.sha, ModTime: h.time}
		files := slices.DeleteFunc(slices.Clone(l.files), func(o File) bool { return o.Name == h.name })
		i, _ := slices.BinarySearchFunc(files, f, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
		l.files = slices.Insert(files, i, f)
	}
	l.appendMsg(Message{Kind: System, Event: SysShared, Note: NoteShared, Time: h.time, From: h.from, Name: h.name, Size: h.size})
	shc := sh
	l.emit(Event{Kind: EventShared, Time: h.time, Text: h.name, Shared: &shc})
}

func (l *loop) hubError(e *HubError) {
	e.Time = l.now
	l.lastErr = e
	l.dirty = true
	if s := l.sess; s != nil && !s.registered && e.Reason != proto.ReasonSlowDown && (e.Keyword == "-" || e.Keyword == proto.KwNick) {
		s.refusal = e
	}
	l.emit(Event{Kind: EventError, Time: e.Time, Err: e})
	req := l.answered(e.Keyword)
	defer l.pump(l.now)
	switch e.Keyword {
	case proto.KwNick:
		if l.sess != nil && !l.sess.registered {
			if e.Reason == proto.ReasonSlowDown {
				l.drop(e) // not a refusal of the nick: try again shortly
				return
			}
			l.nickRefused(e)
			return
		}
		l.wantNick = l.nick
		l.system(Message{Event: SysError, Note: NoteNickRefused, Err: e})
	case proto.KwMsg, proto.KwPriv:
		if e.Reason == proto.ReasonSlowDown && req != nil && req.tries < 5 {
			// Send it again at a slower pace, one message at a time from
			// now on so that they keep their order.
			l.slowDown()
			req.tries++
			l.msgWindow = 1
			l.holdUntil = l.now.Add(time.Duration(float64(time.Second) / l.sendRate))
			l.requeue(req)
			return
		}
		m := Message{Event: SysError, Note: NoteNotSent, Err: e}
		if e.Keyword == proto.KwPriv {
			m.Note = NotePrivNotSent
		}
		if req != nil {
			// Say which message: the person may have left while it was
			// on its way, after the composer had let it go.
			m.To, m.Text = req.to, req.text
		}
		l.system(m)
	case proto.KwGet, proto.KwPut:
		if req != nil {
			l.transferRefused(req.xfer, e)
		}
	default:
		if e.Reason != proto.ReasonHubFull {
			l.system(Message{Event: SysError, Note: NoteHubError, Err: e})
		}
	}
}

// slowDown halves the pace of sending, at most once a second (the ERRs
// for lines already sent at the old pace arrive together), down to one
// line a second. The slower pace holds for the life of the client: the
// hub's limit is a hub flag lower than its default.
func (l *loop) slowDown() {
	now := l.now
	if now.Sub(l.lastSlowDown) < time.Second || l.sendRate <= 1 {
		return
	}
	l.lastSlowDown = now
	l.sendRate = max(l.sendRate/2, 1)
	l.sendBurst = max(l.sendBurst/2, 1)
	if s := l.sess; s != nil {
		s.conn.setPace(l.sendRate, l.sendBurst)
	}
	l.log.Info("hub asked to slow down", "lines/s", l.sendRate, "burst", l.sendBurst)
}

// nickRefused handles ERR NICK during registration.
func (l *loop) nickRefused(e *HubError) {
	if !l.everJoined || e.Reason != proto.ReasonNickInUse || l.nickTries >= 8 {
		// The first registration fails for good: the person must choose.
		l.stop(CauseRefused, e)
		return
	}
	// After a reconnect our old session may still hold the nick, or
	// someone took it: carry on under a numbered nick.
	l.nickTries++
	old := l.wantNick
	l.wantNick = numberedNick(l.baseNick, l.nickTries+1)
	l.system(Message{Event: SysInfo, Note: NoteNickTaken, From: old, To: l.wantNick})
	l.registerNick()
}

// numberedNick returns base with the digit(s) of n appended, shortened to
// stay within 24 characters.
func numberedNick(base string, n int) string {
	suffix := strconv.Itoa(n)
	r := []rune(base)
	if len(r)+len(suffix) > 24 {
		r = r[:24-len(suffix)]
	}
	return string(r) + suffix
}

func (l *loop) bye(reason string) {
	switch reason {
	case proto.ByeShutdown, proto.LeaveTimeout, proto.LeaveTooSlow, proto.LeaveConnectionLost:
		// The hub is going away or lost track of us: come back.
		l.endSession()
		l.retry(CauseBye, &ByeError{Reason: reason})
		return
	}
	l.endSession()
	var result error = &ByeError{Reason: reason}
	if l.lastErr != nil && l.lastErr.Reason == reason {
		result = l.lastErr
	}
	l.stop(CauseBye, result)
}

func (l *loop) emitConn() {
	c := l.connection()
	l.emit(Event{Kind: EventConnection, Time: l.now, Text: c.State.String(), Conn: &c})
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
			l.dirty = true
		default:
		}
	}
}

func (l *loop) connection() Connection {
	c := Connection{State: l.state, Attempt: l.attempt, Cause: l.cause, Err: l.connErr}
	if l.state == Reconnecting {
		c.NextTry = l.nextTry
	}
	return c
}

// publish stores a new snapshot and signals Changed.
func (l *loop) publish() {
	if l.xferDirty {
		ts := make([]Transfer, len(l.xfers))
		for i, x := range l.xfers {
			ts[i] = x.t
		}
		l.xferSnap = ts
		l.xferDirty = false
	}
	l.version++
	l.dirty = false
	s := &Snapshot{
		Version:       l.version,
		Conn:          l.connection(),
		Nick:          l.nick,
		HubName:       l.hubName,
		Addr:          l.cfg.Addr,
		Messages:      l.msgs[:len(l.msgs):len(l.msgs)],
		Users:         l.users,
		Files:         l.files,
		FilesTime:     l.filesTime,
		Shared:        l.shared[:len(l.shared):len(l.shared)],
		Transfers:     l.xferSnap,
		LastError:     l.lastErr,
		DroppedEvents: l.dropped,
	}
	l.c.snap.Store(s)
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
		l.intent(in)
	}
}

func (l *loop) intent(in intent) {
	switch in.kind {
	case intentSend:
		l.say(in)
	case intentUsers:
		if l.registered() {
			l.sendNow(&request{keyword: proto.KwUsers, line: simpleLine(proto.Command{Keyword: proto.KwUsers})})
		}
	case intentFiles:
		if l.registered() {
			l.sendNow(&request{keyword: proto.KwFiles, line: simpleLine(proto.Command{Keyword: proto.KwFiles})})
		}
	case intentNick:
		if in.text == l.nick {
			return // already ours: the hub would refuse it as in use
		}
		if l.registered() {
			l.sendNow(&request{keyword: proto.KwNick, line: simpleLine(proto.Command{Keyword: proto.KwNick, Nick: in.text}), nick: in.text})
		} else {
			l.wantNick, l.baseNick, l.nick = in.text, in.text, in.text
			l.nickTries = 0
			l.dirty = true
		}
	case intentDownload, intentUpload:
		l.addTransfer(in)
	case intentCancel:
		l.cancelTransfer(in.xfer)
	case intentQuit:
		l.quitReason = in.text
		l.stop(CauseQuit, nil)
	}
}

func (l *loop) registered() bool { return l.sess != nil && l.sess.registered }

// say queues a message and sends it as soon as registration and the
// window of unconfirmed messages allow.
func (l *loop) say(in intent) {
	l.msgOrder++
	r := &request{keyword: proto.KwMsg, line: in.line, text: in.text, order: l.msgOrder}
	if in.to != "" {
		r.keyword, r.to = proto.KwPriv, in.to
	}
	l.outbox = append(l.outbox, r)
	l.pump(l.now)
}

// requeue puts a message that did not get through back in the outbox, in
// the order it was typed.
func (l *loop) requeue(r *request) {
	r.written.Store(false)
	i, _ := slices.BinarySearchFunc(l.outbox, r, func(a, b *request) int { return cmp.Compare(a.order, b.order) })
	l.outbox = slices.Insert(l.outbox, i, r)
}

// pump hands messages from the outbox to the writer.
func (l *loop) pump(now time.Time) {
	if !l.registered() || now.Before(l.holdUntil) {
		return
	}
	for len(l.outbox) > 0 && len(l.pending[proto.KwMsg])+len(l.pending[proto.KwPriv]) < l.msgWindow {
		r := l.outbox[0]
		l.outbox[0] = nil
		l.outbox = l.outbox[1:]
		l.sendNow(r)
	}
	if len(l.outbox) == 0 {
		l.outbox = nil
	}
}
