package client

import (
	"errors"
	"io"
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

// state is everything the client knows of its session with the hub, and
// the rules by which it changes: apply takes one event at a time, with
// the time passed in, and says what is to be done as effects. It does no
// I/O, starts no goroutine and reads no clock, so that a test can drive it
// event by event; the loop owns it and carries its effects out.
type state struct {
	cfg *Config
	log *slog.Logger
	rng *rand.Rand // the jitter of reconnect delays
	// now is the time of the event being applied.
	now time.Time
	// effects are the effects of the event being applied.
	effects []effect

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
	owned      bool   // our nick is ours (WELCOME o, CLAIMED)
	hubName    string
	caps       HubCaps // from the hub's CAPS line; zero before one

	pending replies
	outbox  outbox
	pace    pace

	list listBlock // a USERS, FILES or HISTORY list under way

	// Published state. Slices are replaced, never modified in place, once
	// a snapshot holds them (messages and shared are append-only).
	messages  msgLog
	older     olderLog // pages of the stored history and search results (older.go)
	users     []User
	files     []File
	filesTime time.Time
	shared    []Shared
	lastErr   *HubError
	dirty     bool

	filesPages // how far the shared list is paged in
	dropStreak // how often sessions were dropped soon after joining

	sched *scheduler

	quitReason string
}

// eventKind says what an event is.
type eventKind int

const (
	evStart    eventKind = iota // the loop starts
	evStop                      // the Start context ended
	evShutdown                  // the loop ends: stop everything
	evIntent                    // a method call: event.intent
	evInbound                   // from the dialer or a conn: event.in
	evXfer                      // a transfer worker's result: event.xfer
	evProgress                  // transfer workers made progress
	evTimer                     // the deadline of nextDeadline came
	evPrepared                  // the download folder is made, or not: event.xfer (id, err)
)

// event is one input to the state.
type event struct {
	kind   eventKind
	intent intent
	in     inbound // without its net.Conn: the loop keeps that
	host   string  // evInbound, inDialed: the host the connection reached, if known
	// security is, for evInbound, inDialed, how the connection is protected.
	security Security
	xfer     xferMsg
}

// effectKind says what an effect asks for.
type effectKind int

const (
	effDial    effectKind = iota // start connect attempt gen
	effOpen                      // take the connection of attempt gen
	effSend                      // write req on connection gen
	effPace                      // pace writing at rate lines/s, burst
	effClose                     // close connection gen at once
	effQuit                      // write req (QUIT) on connection gen, then close it
	effEvent                     // tell Events ev
	effPrepare                   // make the folder path, then apply evPrepared for xfer
	effJob                       // start job's worker
	effCancel                    // stop worker w
	effRemove                    // remove the file path
	effRelease                   // close closer, an upload's source
)

// effect is one thing the state asks the loop to do.
type effect struct {
	kind   effectKind
	gen    uint64
	req    *request
	rate   float64
	burst  int
	ev     Event
	path   string
	xfer   TransferID
	job    *job
	w      *worker
	closer io.Closer
}

// newState is the state of a client that has not yet connected.
func newState(cfg *Config, log *slog.Logger, seed uint64) *state {
	st := &state{
		cfg:      cfg,
		log:      log,
		rng:      rand.New(rand.NewPCG(seed, seed>>1|1)),
		state:    Connecting,
		wantNick: cfg.Nick,
		baseNick: cfg.Nick,
		nick:     cfg.Nick,
		pending:  make(replies),
		outbox:   newOutbox(),
		pace:     pace{rate: cfg.SendRate, burst: cfg.SendBurst},
		messages: msgLog{max: cfg.MaxMessages, seen: make(map[msgKey]int)},
	}
	st.sched = newScheduler(st, cfg)
	return st
}

// apply changes the state for ev at now and returns what is to be done,
// in order. The slice is valid until the next apply.
func (st *state) apply(ev event, now time.Time) []effect {
	st.now, st.sched.now = now, now
	st.effects = st.effects[:0]
	switch ev.kind {
	case evStart:
		st.connect()
		st.dirty = true
	case evStop:
		st.stop(CauseStopped, nil)
	case evShutdown:
		st.shutdown()
	case evIntent:
		st.intent(ev.intent)
	case evInbound:
		st.inbound(ev.in, ev.host, ev.security)
	case evXfer:
		st.sched.handle(ev.xfer)
	case evProgress:
		st.sched.sample(now, false)
	case evTimer:
		st.onTimer(now)
	case evPrepared:
		st.sched.prepared(ev.xfer.id, ev.xfer.err)
	}
	return st.effects
}

// do adds an effect of the event being applied.
func (st *state) do(e effect) { st.effects = append(st.effects, e) }

// session is what the state knows of one connection and the hub on it.
type session struct {
	gen        uint64 // the connect attempt that made it
	host       string // the host it reached, for transfers; "" if not known
	connected  time.Time
	alive      keepalive
	hello      bool
	registered bool
	refusal    *HubError // the hub refused us before registration
	security   Security
}

// msgKey identifies a public message for de-duplication after a reconnect.
type msgKey struct {
	ms   int64
	from string
	text string
}

// nextDeadline is when onTimer must run next.
func (st *state) nextDeadline(now time.Time) time.Time {
	d := now.Add(time.Hour)
	early := func(t time.Time) {
		if !t.IsZero() && t.Before(d) {
			d = t
		}
	}
	if st.sess == nil && !st.dialing && st.state == Reconnecting {
		early(st.nextTry)
	}
	if s := st.sess; s != nil {
		early(s.alive.deadline())
		if !s.registered {
			early(s.connected.Add(st.cfg.PingTimeout))
		}
		if !s.hello {
			early(s.connected.Add(st.cfg.HelloTimeout))
		}
	}
	early(st.outbox.deadline(now))
	early(st.sched.deadline(now))
	return d
}

func (st *state) onTimer(now time.Time) {
	if st.sess == nil && !st.dialing && st.state == Reconnecting && !now.Before(st.nextTry) {
		st.connect()
	}
	if s := st.sess; s != nil {
		if !s.hello && now.Sub(s.connected) >= st.cfg.HelloTimeout {
			st.drop(errNoHello)
		} else if !s.registered && now.Sub(s.connected) >= st.cfg.PingTimeout {
			st.drop(errNotAccepted)
		} else if ping, dead := s.alive.check(now); dead {
			st.drop(errNoAnswer)
		} else if ping != "" {
			st.sendNow(&request{keyword: proto.KwPing, line: simpleLine(proto.Command{Keyword: proto.KwPing, Token: ping})})
		}
	}
	st.sched.sample(now, false)
	st.sched.schedule(now)
	st.pump(now)
}

// connect starts a dial attempt. Each attempt registers the nick the
// person chose first, even if the last session had to use a numbered one.
func (st *state) connect() {
	st.wantNick, st.nickTries = st.baseNick, 0
	st.gen++
	st.dialing = true
	st.nextTry = time.Time{}
	st.dirty = true
	st.do(effect{kind: effDial, gen: st.gen})
}

// retry schedules the next connect attempt with exponential back-off and
// jitter, or stops for good when reconnecting is over.
func (st *state) retry(cause Cause, err error) {
	if st.stopping {
		return
	}
	wasRegistered := st.state == Registered
	if wasRegistered {
		cause = st.noteDrop(cause)
	}
	st.state = Reconnecting
	st.cause = cause
	st.connErr = err
	st.attempt++
	delay := st.cfg.ReconnectMin << min(st.attempt-1+st.quickDrops, 16)
	if delay > st.cfg.ReconnectMax || delay <= 0 {
		delay = st.cfg.ReconnectMax
	}
	// Jitter: somewhere between half and all of the delay.
	delay = delay/2 + time.Duration(st.rng.Int64N(int64(delay/2)+1))
	st.nextTry = st.now.Add(delay)
	st.dirty = true
	if wasRegistered {
		st.system(Message{Event: SysConnection, Note: NoteDropped, Cause: cause, Err: err})
		st.emitConn()
	}
}

// drop ends the current session after a failure and schedules a reconnect.
func (st *state) drop(err error) {
	s := st.sess
	if s == nil {
		return
	}
	st.log.Info("connection to hub lost", "addr", st.cfg.Addr, "err", err)
	st.endSession()
	if e := s.refusal; e != nil && !st.everJoined {
		// Refused on the first connect (hub full, say) without a BYE:
		// trying again would only be refused again.
		st.stop(CauseRefused, e)
		return
	}
	st.retry(connCause(err), err)
}

// endSession closes the session and puts back what it had not finished.
func (st *state) endSession() {
	s := st.sess
	if s == nil {
		return
	}
	st.sess = nil
	st.do(effect{kind: effClose, gen: s.gen})
	st.list = listBlock{}
	// Messages never handed to the connection go out again after the next
	// registration; those handed over but not confirmed may or may not
	// have reached the hub, and sending them again could show them twice.
	var resend []*request
	for _, kw := range []string{proto.KwMsg, proto.KwPriv} {
		for _, r := range st.pending[kw] {
			if !r.written.Load() {
				resend = append(resend, r)
				continue
			}
			m := Message{Event: SysError, Note: NoteMaybeLost, Text: r.text}
			if r.keyword == proto.KwPriv {
				m.Note, m.To = NotePrivMaybeLost, r.to
			}
			st.system(m)
		}
	}
	for _, r := range resend {
		st.outbox.requeue(r)
	}
	clear(st.pending)
	st.sched.interrupted()
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
	case errors.Is(err, errNoHello):
		return CauseNotNatter
	case errors.As(err, &he):
		return CauseRefused
	case errors.As(err, &be):
		return CauseBye
	case trustCause(err) != CauseNone:
		return trustCause(err)
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
	errNoHello     = errors.New("client: no HELLO from what listens at the address")
)

// stop ends the client for good: no more reconnects.
func (st *state) stop(cause Cause, result error) {
	if st.state == Closed {
		return
	}
	st.stopping = true
	st.state = Closed
	st.cause = cause
	st.connErr = result
	st.result = result
	st.nextTry = time.Time{}
	st.dirty = true
	st.system(Message{Event: SysConnection, Note: NoteClosed, Cause: cause, Err: result})
	st.emitConn()
}

// shutdown runs once as the loop ends: it stops every transfer, and says
// goodbye to a hub that greeted us or just closes the connection.
func (st *state) shutdown() {
	st.sched.stopAll()
	if s := st.sess; s != nil {
		st.sess = nil
		if s.registered || s.hello {
			st.do(effect{kind: effQuit, gen: s.gen, req: &request{keyword: proto.KwQuit, line: quitLine(st.quitReason)}})
		} else {
			st.do(effect{kind: effClose, gen: s.gen})
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

// inbound takes what the dialer or a conn reported. A connection that
// is not taken with effOpen is closed by the loop.
func (st *state) inbound(m inbound, host string, sec Security) {
	if m.gen != st.gen {
		return
	}
	switch m.kind {
	case inDialed:
		st.dialing = false
		if m.err != nil {
			st.log.Info("cannot reach hub", "addr", st.cfg.Addr, "err", m.err)
			if c := connCause(m.err); c.final() {
				st.stop(c, m.err)
				return
			}
			st.retry(connCause(m.err), m.err)
			return
		}
		if st.state == Closed {
			return
		}
		st.do(effect{kind: effOpen, gen: m.gen, rate: st.pace.rate, burst: st.pace.burst})
		st.sess = &session{gen: m.gen, host: host, connected: st.now, security: sec,
			alive: keepalive{idle: st.cfg.PingIdle, timeout: st.cfg.PingTimeout, lastRead: st.now}}
		st.nextTry = time.Time{}
		st.dirty = true
	case inError:
		if st.sess == nil {
			return
		}
		if st.stopping {
			st.endSession()
			return
		}
		st.drop(m.err)
	case inBadLine:
		if st.sess != nil {
			st.sess.alive.heard(st.now)
		}
		st.log.Warn("hub sent a line that does not parse; skipped", "line", m.raw, "err", m.err)
	case inSkipped:
		if st.sess != nil {
			st.sess.alive.heard(st.now)
		}
	case inLine:
		if st.sess == nil {
			return
		}
		st.sess.alive.heard(st.now)
		st.handleLine(m.line)
	}
}

// sendNow queues a line for the writer of the current session, and
// remembers it when the hub will answer it.
func (st *state) sendNow(r *request) {
	s := st.sess
	if s == nil {
		return
	}
	st.pending.expect(r)
	st.do(effect{kind: effSend, gen: s.gen, req: r})
}

// answered removes and returns the oldest request waiting for keyword.
func (st *state) answered(keyword string) *request { return st.pending.answered(keyword) }

func (st *state) handleLine(h hubLine) {
	if st.list.kind != "" && !st.blockLine(h) {
		return
	}
	s := st.sess
	if f, _ := proto.HubForm(h.Keyword); f.Item != "" {
		// USERS, HISTORY, FOUND, FILES: a block of f.Item lines follows.
		// A HISTORY is the replay at registration or a page asked for.
		switch h.Keyword {
		case proto.KwHistory:
			st.historyBlock(h.Count)
			return
		case proto.KwFound:
			st.foundBlock(h.Count)
			return
		}
		var req *request
		if cf, ok := proto.ClientForm(h.Keyword); ok && cf.Answered {
			req = st.answered(h.Keyword)
		}
		if h.Keyword == proto.KwFiles {
			st.filesAnswer(req, h.Total)
		}
		st.startBlock(h.Keyword, h.Count)
		return
	}
	switch h.Keyword {
	case proto.KwHello:
		if h.Version != proto.Version {
			st.endSession()
			st.stop(CauseVersion, &VersionError{Version: h.Version})
			return
		}
		s.hello = true
		st.older.newSession()
		st.hubName = h.Text
		st.caps = HubCaps{}
		st.dirty = true
		st.registerNick()
	case proto.KwCaps:
		// The TLS port the dialer reads before the session (tlsdial.go);
		// the rest is kept for the snapshot.
		st.caps = parseHubCaps(h.Text)
		st.dirty = true
	case proto.KwWelcome:
		st.answered(proto.KwNick)
		st.owned = h.Owned()
		st.welcome(h.Nick)
	case proto.KwClaimed, proto.KwUnclaimed:
		st.ownership(h)
	case proto.KwKept:
		st.kept(h)
	case proto.KwJoin:
		st.addUser(h.Nick, h.Owned())
		st.appendMsg(Message{Kind: System, Event: SysJoin, Note: NoteJoined, Time: h.time, From: h.Nick})
	case proto.KwLeave:
		st.removeUser(h.Nick)
		st.appendMsg(Message{Kind: System, Event: SysLeave, Note: NoteLeft, Time: h.time, From: h.Nick, Reason: h.Reason})
	case proto.KwRename:
		st.rename(h)
	case proto.KwMsg:
		st.message(h, false)
	case proto.KwPriv:
		st.message(h, false)
	case proto.KwGet, proto.KwPut:
		st.granted(h)
	case proto.KwShared:
		st.sharedFile(h)
	case proto.KwUnshared:
		st.unsharedFile(h)
	case proto.KwPing:
		st.sendNow(&request{keyword: proto.KwPong, line: simpleLine(proto.Command{Keyword: proto.KwPong, Token: h.Token})})
	case proto.KwPong:
	case proto.KwErr:
		st.hubError(h.hubErr)
	case proto.KwBye:
		st.bye(h.Reason)
	default:
		if isBlockItem(h.Keyword) {
			st.log.Warn("hub sent a list line outside a list; skipped", "keyword", h.Keyword)
		} else {
			st.log.Warn("hub sent a line this client does not act on; skipped", "keyword", h.Keyword)
		}
	}
}

// isBlockItem reports whether kw is the keyword some block's lines carry:
// USER and FILE reach it (MSG, which HISTORY carries, stands alone too, and
// is handled before).
func isBlockItem(kw string) bool {
	for _, f := range proto.HubForms() {
		if f.Item == kw {
			return true
		}
	}
	return false
}

// registerNick sends NICK for the nick we want.
func (st *state) registerNick() {
	st.nick = st.wantNick
	st.dirty = true
	st.sendNow(&request{keyword: proto.KwNick, line: simpleLine(proto.Command{Keyword: proto.KwNick, Nick: st.wantNick}), nick: st.wantNick})
}

func (st *state) welcome(nick string) {
	s := st.sess
	first := !st.everJoined
	s.registered = true
	st.everJoined = true
	st.nick = nick
	st.wantNick = nick
	st.nickTries = 0
	st.state = Registered
	st.attempt = 0
	st.joinedAt = st.now
	st.cause = CauseNone
	st.connErr = nil
	st.dirty = true
	note := NoteReconnected
	if first {
		note = NoteConnected
	}
	st.system(Message{Event: SysConnection, Note: note, Name: st.hubName, To: nick})
	st.emitConn()
	st.askFiles(0)
	st.pump(st.now)
	st.sched.schedule(st.now)
}

func (st *state) startBlock(kind string, n int) {
	st.list.start(kind, n)
	if n == 0 {
		st.endBlock()
	}
}

// blockLine takes a line while a list is being received. It returns true
// when the line is not part of the list and must be handled normally.
func (st *state) blockLine(h hubLine) bool {
	if h.Keyword != st.list.item() {
		st.log.Warn("hub list ended early", "list", st.list.kind, "missing", st.list.left, "got", h.Keyword)
		st.endBlock()
		return true
	}
	switch st.list.kind {
	case proto.KwUsers:
		st.list.users = append(st.list.users, User{Nick: h.Nick, Owned: h.Owned()})
	case proto.KwInbox:
		st.message(h, false)
	case proto.KwFiles:
		st.list.files = append(st.list.files, File{Name: h.Name, Size: h.Size, SHA256: h.SHA256, ModTime: h.mtime})
	case proto.KwHistory:
		st.message(h, true)
	case kindOlder, proto.KwFound:
		st.list.msgs = append(st.list.msgs, storedMessage(h, st.nick))
	}
	if st.list.took() {
		st.endBlock()
	}
	return false
}

// endBlock puts a list in place once it is whole, or cut short.
func (st *state) endBlock() {
	switch st.list.kind {
	case proto.KwUsers:
		users := st.list.users
		for i := range users {
			users[i].Self = sameNick(users[i].Nick, st.nick)
			if users[i].Self {
				st.owned = users[i].Owned
			}
		}
		st.users = users
	case proto.KwFiles:
		st.filesPage(st.list.files)
	case proto.KwHistory:
		st.older.replayed = true
	case kindOlder, proto.KwFound:
		st.endStored(st.list.kind, st.list.msgs)
	}
	st.list = listBlock{}
	st.dirty = true
}

// listBlock gathers the lines of a USERS, FILES or HISTORY list as they
// arrive, so that a list replaces the old one only once it is whole.
type listBlock struct {
	kind  string // USERS, FILES or HISTORY (or kindOlder, FOUND); "" when no list is under way
	left  int    // lines still to come
	users []User
	files []File
	msgs  []Message // kindOlder, FOUND
	// taken counts, in a HISTORY, the copies of each public message met
	// so far, to skip those the log already holds.
	taken map[msgKey]int
}

func (b *listBlock) start(kind string, n int) {
	*b = listBlock{kind: kind, left: n}
	if kind == proto.KwHistory {
		b.taken = make(map[msgKey]int)
	}
}

// item is the keyword of the list's lines.
func (b *listBlock) item() string {
	if isStoredKind(b.kind) {
		return proto.KwMsg
	}
	f, _ := proto.HubForm(b.kind)
	return f.Item
}

// took counts a line of the list and reports whether it was the last.
func (b *listBlock) took() bool {
	b.left--
	return b.left <= 0
}

func userLess(a, b User) int {
	if c := strings.Compare(proto.NickKey(a.Nick), proto.NickKey(b.Nick)); c != 0 {
		return c
	}
	return strings.Compare(a.Nick, b.Nick)
}

func (st *state) addUser(nick string, owned bool) {
	users := make([]User, 0, len(st.users)+1)
	for _, u := range st.users {
		if !sameNick(u.Nick, nick) {
			users = append(users, u)
		}
	}
	u := User{Nick: nick, Self: sameNick(nick, st.nick), Owned: owned}
	i, _ := slices.BinarySearchFunc(users, u, userLess)
	st.users = slices.Insert(users, i, u)
	st.dirty = true
}

func (st *state) removeUser(nick string) {
	st.users = slices.DeleteFunc(slices.Clone(st.users), func(u User) bool { return sameNick(u.Nick, nick) })
	st.dirty = true
}

func (st *state) rename(h hubLine) {
	old, nw := h.Nick, h.NewNick
	self := sameNick(old, st.nick)
	if self {
		st.answered(proto.KwNick)
		st.nick = nw
		st.wantNick = nw
		st.baseNick = nw
		if st.caps.Claim {
			// RENAME carries no flags: the hub's USERS says whether
			// the new nick is ours.
			st.sendNow(&request{keyword: proto.KwUsers, line: simpleLine(proto.Command{Keyword: proto.KwUsers})})
		}
		st.owned = false
	}
	st.removeUser(old)
	st.addUser(nw, false)
	st.appendMsg(Message{Kind: System, Event: SysRename, Note: NoteRenamed, Time: h.time, From: old, To: nw, Own: self})
}

// message logs a MSG or PRIV line.
func (st *state) message(h hubLine, history bool) {
	m := Message{Time: h.time, From: h.Nick, Text: h.Text, History: history, Inbox: st.list.kind == proto.KwInbox}
	m.Own = sameNick(h.Nick, st.nick)
	if h.Keyword == proto.KwPriv {
		m.Kind = Private
		m.To = h.To
		if m.Own {
			st.answered(proto.KwPriv)
			st.pump(st.now)
		}
	} else {
		m.Kind = Public
		key := keyOf(m)
		if history {
			// The same message may already be in the log from before a
			// reconnect: skip as many copies as the log holds.
			if st.list.taken[key] < st.messages.holds(key) {
				st.list.taken[key]++
				return
			}
		} else if m.Own {
			st.answered(proto.KwMsg)
			st.pump(st.now)
		}
		if history {
			st.list.taken[key]++
		}
	}
	m = st.appendMsg(m)
	mm := m
	st.emit(Event{Kind: EventMessage, Time: m.Time, Text: m.Text, Message: &mm})
	if m.Kind == Private && !m.Own {
		st.emit(Event{Kind: EventPrivate, Time: m.Time, Text: m.Text, Message: &mm})
	}
}

// appendMsg adds m to the log and returns it as logged.
func (st *state) appendMsg(m Message) Message {
	st.dirty = true
	return st.messages.add(m)
}

// msgLog is the message log: append-only and numbered, trimmed to its
// newest max lines, with a count of the public messages it holds by key
// so that the HISTORY a hub replays after a reconnect adds only what is new.
type msgLog struct {
	max  int
	msgs []Message
	seq  uint64
	seen map[msgKey]int
}

func keyOf(m Message) msgKey { return msgKey{ms: m.Time.UnixMilli(), from: m.From, text: m.Text} }

// add appends m and returns it as logged, with its number.
func (g *msgLog) add(m Message) Message {
	g.seq++
	m.Seq = g.seq
	g.msgs = append(g.msgs, m)
	if m.Kind == Public {
		g.seen[keyOf(m)]++
	}
	if len(g.msgs) > g.max+g.max/8 {
		cut := len(g.msgs) - g.max
		for _, old := range g.msgs[:cut] {
			if old.Kind != Public {
				continue
			}
			if key := keyOf(old); g.seen[key] <= 1 {
				delete(g.seen, key)
			} else {
				g.seen[key]--
			}
		}
		g.msgs = g.msgs[cut:]
	}
	return m
}

// holds is how many public messages with key the log holds.
func (g *msgLog) holds(key msgKey) int { return g.seen[key] }

// lines is the log for a snapshot: later appends do not show through it.
func (g *msgLog) lines() []Message { return g.msgs[:len(g.msgs):len(g.msgs)] }

// system logs a System line the client writes itself, at the client's time.
func (st *state) system(m Message) {
	m.Kind, m.Time = System, st.now
	st.appendMsg(m)
}

func (st *state) sharedFile(h hubLine) {
	sh := Shared{Time: h.time, From: h.Nick, Size: h.Size, SHA256: h.SHA256, Name: h.Name}
	st.shared = append(st.shared, sh)
	if !st.filesTime.IsZero() && st.sharedShown(h.Name) {
		f := File{Name: h.Name, Size: h.Size, SHA256: h.SHA256, ModTime: h.time}
		files := slices.DeleteFunc(slices.Clone(st.files), func(o File) bool { return o.Name == h.Name })
		i, _ := slices.BinarySearchFunc(files, f, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
		st.files = slices.Insert(files, i, f)
	}
	st.appendMsg(Message{Kind: System, Event: SysShared, Note: NoteShared, Time: h.time, From: h.Nick, Name: h.Name, Size: h.Size})
	shc := sh
	st.emit(Event{Kind: EventShared, Time: h.time, Text: h.Name, Shared: &shc})
}

func (st *state) hubError(e *HubError) {
	e.Time = st.now
	st.lastErr = e
	st.dirty = true
	if s := st.sess; s != nil && !s.registered && e.Reason != proto.ReasonSlowDown && (e.Keyword == "-" || e.Keyword == proto.KwNick) {
		s.refusal = e
	}
	st.emit(Event{Kind: EventError, Time: e.Time, Err: e})
	req := st.answered(e.Keyword)
	st.storedRefused(e.Keyword)
	defer st.pump(st.now)
	switch e.Keyword {
	case proto.KwNick:
		if st.sess != nil && !st.sess.registered {
			if e.Reason == proto.ReasonSlowDown {
				st.drop(e) // not a refusal of the nick: try again shortly
				return
			}
			st.nickRefused(e)
			return
		}
		st.wantNick = st.nick
		st.system(Message{Event: SysError, Note: NoteNickRefused, Err: e})
	case proto.KwMsg, proto.KwPriv:
		if e.Reason == proto.ReasonSlowDown && req != nil && req.tries < 5 {
			// Send it again at a slower pace, one message at a time from
			// now on so that they keep their order.
			st.slowDown()
			req.tries++
			st.outbox.hold(st.now.Add(st.pace.interval()))
			st.outbox.requeue(req)
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
		st.system(m)
	case proto.KwGet, proto.KwPut:
		if req != nil {
			st.sched.refused(req.xfer, e)
		}
	case proto.KwClaim, proto.KwUnclaim:
		st.system(Message{Event: SysError, Note: NoteClaimRefused, Err: e})
	default:
		if e.Reason != proto.ReasonHubFull {
			st.system(Message{Event: SysError, Note: NoteHubError, Err: e})
		}
	}
}

// slowDown halves the pace of writing, as pace allows.
func (st *state) slowDown() {
	if !st.pace.slowDown(st.now) {
		return
	}
	if s := st.sess; s != nil {
		st.do(effect{kind: effPace, gen: s.gen, rate: st.pace.rate, burst: st.pace.burst})
	}
	st.log.Info("hub asked to slow down", "lines/s", st.pace.rate, "burst", st.pace.burst)
}

// nickRefused handles ERR NICK during registration.
func (st *state) nickRefused(e *HubError) {
	if !st.everJoined || e.Reason != proto.ReasonNickInUse || st.nickTries >= 8 {
		// The first registration fails for good: the person must choose.
		st.stop(CauseRefused, e)
		return
	}
	// After a reconnect our old session may still hold the nick, or
	// someone took it: carry on under a numbered nick.
	st.nickTries++
	old := st.wantNick
	st.wantNick = numberedNick(st.baseNick, st.nickTries+1)
	st.system(Message{Event: SysInfo, Note: NoteNickTaken, From: old, To: st.wantNick})
	st.registerNick()
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

func (st *state) bye(reason string) {
	switch reason {
	case proto.ByeShutdown, proto.LeaveTimeout, proto.LeaveTooSlow, proto.LeaveConnectionLost:
		// The hub is going away or lost track of us: come back.
		st.endSession()
		st.retry(CauseBye, &ByeError{Reason: reason})
		return
	}
	st.endSession()
	var result error = &ByeError{Reason: reason}
	if st.lastErr != nil && st.lastErr.Reason == reason {
		result = st.lastErr
	}
	st.stop(CauseBye, result)
}

func (st *state) emitConn() {
	c := st.connection()
	st.emit(Event{Kind: EventConnection, Time: st.now, Text: c.State.String(), Conn: &c})
}

// emit tells Events e.
func (st *state) emit(e Event) { st.do(effect{kind: effEvent, ev: e}) }

func (st *state) connection() Connection {
	c := Connection{State: st.state, Attempt: st.attempt, Cause: st.cause, Err: st.connErr}
	if st.state == Reconnecting {
		c.NextTry = st.nextTry
	}
	return c
}

func (st *state) intent(in intent) {
	switch in.kind {
	case intentSend:
		st.say(in)
	case intentUsers:
		if st.registered() {
			st.sendNow(&request{keyword: proto.KwUsers, line: simpleLine(proto.Command{Keyword: proto.KwUsers})})
		}
	case intentFiles:
		if st.registered() {
			st.askFiles(0)
		}
	case intentMoreFiles:
		if st.registered() {
			st.moreFiles()
		}
	case intentNick:
		if in.text == st.nick {
			return // already ours: the hub would refuse it as in use
		}
		if st.registered() {
			st.sendNow(&request{keyword: proto.KwNick, line: simpleLine(proto.Command{Keyword: proto.KwNick, Nick: in.text}), nick: in.text})
		} else {
			st.wantNick, st.baseNick, st.nick = in.text, in.text, in.text
			st.nickTries = 0
			st.dirty = true
		}
	case intentDownload, intentUpload:
		st.sched.add(in)
	case intentCancel:
		st.sched.cancel(in.xfer)
	case intentOlder:
		st.loadOlder()
	case intentSearch:
		st.search(in.text)
	case intentClaim, intentUnclaim:
		if st.registered() {
			kw := proto.KwClaim
			if in.kind == intentUnclaim {
				kw = proto.KwUnclaim
			}
			st.sendNow(&request{keyword: kw, line: simpleLine(proto.Command{Keyword: kw})})
		}
	case intentQuit:
		st.quitReason = in.text
		st.stop(CauseQuit, nil)
	}
}

func (st *state) closing() bool { return st.stopping }

func (st *state) registered() bool { return st.sess != nil && st.sess.registered }

// say queues a message and sends it as soon as registration and the
// window of unconfirmed messages allow.
func (st *state) say(in intent) {
	r := &request{keyword: proto.KwMsg, line: in.line, text: in.text}
	if in.to != "" {
		r.keyword, r.to = proto.KwPriv, in.to
	}
	st.outbox.add(r)
	st.pump(st.now)
}

// pump hands messages from the outbox to the writer.
func (st *state) pump(now time.Time) {
	if !st.registered() {
		return
	}
	for _, r := range st.outbox.take(now, st.pending.messages()) {
		st.sendNow(r)
	}
}

// snapshot is the state as published, as version, with dropped events
// dropped from a full Events channel.
func (st *state) snapshot(version, dropped uint64) *Snapshot {
	st.dirty = false
	return &Snapshot{
		Version:       version,
		Conn:          st.connection(),
		Nick:          st.nick,
		HubName:       st.hubName,
		Caps:          st.caps,
		Addr:          st.cfg.Addr,
		Messages:      st.messages.lines(),
		Older:         st.older.msgs,
		OlderLoading:  st.older.loading,
		OlderComplete: st.older.complete,
		HubStores:     st.caps.Store,
		Found:         st.older.found,
		FoundFor:      st.older.foundFor,
		Searching:     st.older.searching,
		Users:         st.users,
		Files:         st.files,
		FilesTime:     st.filesTime,
		FilesTotal:    st.filesTotal,
		Shared:        st.shared[:len(st.shared):len(st.shared)],
		Transfers:     st.sched.transfers(),
		LastError:     st.lastErr,
		DroppedEvents: dropped,
		Security:      st.security(),
		Owned:         st.owned,
	}
}

// ownership takes CLAIMED or UNCLAIMED: our nick is ours now, or no longer.
func (st *state) ownership(h hubLine) {
	claimed := h.Keyword == proto.KwClaimed
	if claimed {
		st.answered(proto.KwClaim)
	} else {
		st.answered(proto.KwUnclaim)
	}
	st.owned = claimed
	users := slices.Clone(st.users)
	for i := range users {
		if users[i].Self {
			users[i].Owned = claimed
		}
	}
	st.users = users
	m := Message{Event: SysOwnership, Note: NoteUnclaimed, To: h.Nick}
	if claimed {
		m.Note = NoteClaimed
	}
	st.system(m)
	mm := st.messages.lines()[len(st.messages.lines())-1]
	st.emit(Event{Kind: EventOwnership, Time: st.now, Text: h.Nick, Message: &mm})
	st.pump(st.now)
}

// kept takes KEPT: the private message just confirmed waits for its
// offline recipient.
func (st *state) kept(h hubLine) {
	mm := st.appendMsg(Message{Kind: System, Event: SysOwnership, Note: NoteKept, Time: h.time, To: h.Nick})
	st.emit(Event{Kind: EventOwnership, Time: h.time, Text: h.Nick, Message: &mm})
}
