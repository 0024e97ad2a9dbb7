package server

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/time/rate"

	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/core/proto"
)

// session is one client connection. Its reader goroutine runs readLoop and
// handles the client's lines; its queue q is written by whoever queues a
// line for an idle client, or by a writer goroutine while the client's
// socket is full.
type session struct {
	h      *Hub
	id     uint64
	conn   net.Conn
	remote netip.Addr
	q      *outQueue
	ended  atomic.Bool // set under h.mu when the session leaves the hub
	// clientKey is the key the client presented over TLS (its identity,
	// for owned nicks); zero when it presented none or came in plaintext.
	clientKey identity.Fingerprint

	// Guarded by h.mu; written only by the reader goroutine, which may read
	// them without the lock.
	registered bool
	nick       string
	key        string             // proto.NickKey(nick)
	ident      proto.NickIdentity // of nick, for owned nicks (proto.LooseNickIdentity when PRECIS refuses it)
	owns       bool               // nick is owned and clientKey is its owner's

	// Used only by the reader goroutine (one at a time; see readLoop).
	rd           *lineReader
	registerBy   time.Time  // when an unregistered client is sent away
	idleBy       time.Time  // when the client is pinged, or dropped if pinged
	pinged       bool       // a PING was sent for the silence so far
	deadlineSet  time.Time  // the read deadline in force
	handled      int        // lines handled since deferred was last written
	deferred     *flushList // queues kicked by this client's messages, written before the next read
	limiter      *rate.Limiter
	floodStart   time.Time
	floodCount   int
	refusedNicks int
}

func newSession(h *Hub, conn net.Conn) *session {
	s := &session{
		h:       h,
		id:      h.nextID.Add(1),
		conn:    conn,
		q:       newOutQueue(conn, h.cfg.OutQueueBytes, h.cfg.FlushTimeout, &h.wg, &h.trim),
		limiter: rate.NewLimiter(rate.Limit(h.cfg.MaxLineRate), h.cfg.LineBurst),
	}
	s.remote = remoteAddr(conn)
	s.clientKey, _ = clientKey(conn)
	return s
}

// wakeReader makes a blocked read return so the reader sees the session ended.
func (s *session) wakeReader() {
	s.conn.SetReadDeadline(time.Unix(1, 0))
}

// end ends the session from its own goroutine.
func (s *session) end(leaveReason, bye string) {
	s.h.endSession(s, leaveReason, bye, false)
}

func (s *session) send(line []byte) { s.h.sendTo(s, line) }

func (s *session) sendErr(e *proto.Error) { s.send(e.AppendLine(nil)) }

func (s *session) errorf(reason, kw, format string, args ...any) {
	s.sendErr(proto.NewError(reason, kw, fmt.Sprintf(format, args...)))
}

// startReader starts the reader goroutine of a new session.
func (s *session) startReader() {
	cfg := &s.h.cfg
	t := time.Now()
	s.rd = newLineReader(s.conn, s.h.readBuffers, proto.MaxLineLen)
	s.registerBy = t.Add(cfg.RegisterTimeout)
	s.idleBy = t.Add(cfg.IdleTimeout)
	s.h.wg.Add(1)
	go s.readLoop()
}

// readLoop reads and handles the client's lines until the session ends.
//
// Before it waits for input, a goroutine that has handled lines hands the
// loop over to a fresh goroutine and ends: handling a line may grow a
// goroutine's stack to several KiB, which the runtime does not give back
// while the goroutine waits, and most clients wait nearly all the time.
func (s *session) readLoop() {
	defer s.h.wg.Done()
	cfg := &s.h.cfg
	r := s.rd
	worked := false // this goroutine has handled a line
	for {
		if s.handled >= maxDeferredLines || !r.hasLine() {
			s.flushDeferred()
			s.handled = 0
		}
		if worked && !r.hasLine() {
			s.h.wg.Add(1)
			go s.readLoop()
			return
		}
		deadline := s.idleBy
		if !s.registered && s.registerBy.Before(deadline) {
			deadline = s.registerBy
		}
		// Moving the deadline later by less than a second is not worth
		// a timer update per line: an early timeout just loops.
		if deadline.Before(s.deadlineSet) || deadline.Sub(s.deadlineSet) > time.Second {
			s.conn.SetReadDeadline(deadline)
			s.deadlineSet = deadline
			// A session ended meanwhile had its deadline set to the
			// past by wakeReader, which this may just have undone: the
			// read would then wait for the client, not return at once.
			if s.ended.Load() {
				s.flushDeferred()
				return
			}
		}
		line, err := r.ReadLine()
		if s.ended.Load() {
			s.flushDeferred()
			return
		}
		t := time.Now()
		switch {
		case err == nil && !s.registered && !t.Before(s.registerBy):
			// Lines still buffered can arrive after the deadline.
			s.end("", proto.ByeRegistrationTimeout)
		case err == nil:
			s.idleBy, s.pinged = t.Add(cfg.IdleTimeout), false
			s.handled++
			worked = true
			s.handle(line, t)
		case errors.Is(err, proto.ErrLineTooLong):
			s.idleBy, s.pinged = t.Add(cfg.IdleTimeout), false
			worked = true
			if s.allow("", t) {
				s.errorf(proto.ReasonLineTooLong, "", "a line may have at most %d bytes, terminator included; it was discarded", proto.MaxLineLen)
			}
		case errors.Is(err, os.ErrDeadlineExceeded):
			s.deadlineSet = time.Time{} // passed: set it again
			switch {
			case !s.registered && !t.Before(s.registerBy):
				s.h.log.Info("client did not register in time", "remote", s.remote.String())
				s.end("", proto.ByeRegistrationTimeout)
			case !t.Before(s.idleBy) && s.pinged:
				s.end(proto.LeaveTimeout, proto.LeaveTimeout)
			case !t.Before(s.idleBy):
				worked = true
				s.send(proto.AppendPing(nil, strconv.FormatInt(t.UnixMilli(), 10)))
				s.idleBy, s.pinged = t.Add(cfg.PingTimeout), true
			}
		default:
			s.end(proto.LeaveConnectionLost, "")
		}
		if s.ended.Load() {
			s.flushDeferred()
			return
		}
	}
}

// allow applies the line rate. A line over the rate is refused with ERR 429;
// a client that keeps flooding is dropped. kw is the line's keyword or "".
func (s *session) allow(kw string, t time.Time) bool {
	if s.limiter.AllowN(t, 1) {
		return true
	}
	if !s.countRefusal(t) {
		return false
	}
	cfg := &s.h.cfg
	s.errorf(proto.ReasonSlowDown, kw, "at most %g lines per second (bursts of %d); the line was dropped", cfg.MaxLineRate, cfg.LineBurst)
	return false
}

// handle acts on one line from the client.
func (s *session) handle(raw []byte, t time.Time) {
	line := string(raw)
	kw := proto.CommandKeyword(line)
	if !s.allow(kw, t) {
		return
	}
	if !s.registered {
		if f, ok := proto.ClientForm(kw); !ok || !f.BeforeRegistration {
			echo := kw
			if !ok {
				// An unknown keyword (echoed when it looks like one) or
				// an empty line: all that is accepted now is registering.
				_, err := proto.ParseCommand(line)
				if pe, isProto := err.(*proto.Error); isProto {
					echo = pe.Keyword
				}
			}
			s.errorf(proto.ReasonRegisterFirst, echo, "register with NICK <nick> first")
			return
		}
	}
	cmd, err := proto.ParseCommand(line)
	if err != nil {
		s.sendErr(err.(*proto.Error))
		switch {
		case cmd.Keyword == proto.KwNick && !s.registered:
			s.refuseNick()
		case cmd.Keyword == proto.KwQuit:
			// The client asked to leave; its words were not valid text,
			// so it leaves without them.
			s.end(proto.LeaveQuit, proto.LeaveQuit)
		}
		return
	}
	if cmd.Keyword != proto.KwMsg && cmd.Keyword != proto.KwPriv {
		// Other requests may take a while (a transfer grant may hash a
		// file): what earlier messages queued for others goes out first.
		s.flushDeferred()
	}
	switch cmd.Keyword {
	case proto.KwNick:
		s.handleNick(cmd.Nick)
	case proto.KwMsg:
		s.h.trim.noteMessage()
		s.deferFlush(s.h.post(s, cmd.Escaped))
	case proto.KwPriv:
		s.h.trim.noteMessage()
		key := proto.NickKey(norm.NFC.String(cmd.Nick))
		k, e := s.h.sendPrivate(s, cmd.Nick, key, cmd.Escaped)
		if e != nil && e.Reason == proto.ReasonNoSuchUser && s.keepPrivate(cmd) {
			break
		}
		s.deferFlush(k, e)
	case proto.KwUsers:
		s.h.flush(s.h.sendUsers(s))
	case proto.KwFiles:
		s.handleFiles(cmd.Offset)
	case proto.KwGet:
		s.handleGet(cmd.Name)
	case proto.KwPut:
		s.handlePut(cmd)
	case proto.KwPing:
		s.send(proto.AppendPong(nil, cmd.Token))
	case proto.KwPong:
		// Any line shows the client is alive; nothing more to do.
	case proto.KwQuit:
		s.end(proto.QuitReason(cmd.Reason), proto.LeaveQuit)
	case proto.KwHistory:
		s.handleHistory(cmd)
	case proto.KwSearch:
		s.handleSearch(cmd)
	case proto.KwClaim:
		s.handleClaim()
	case proto.KwUnclaim:
		s.handleUnclaim()
	}
}

// refuseNick counts a refused nick before registration.
func (s *session) refuseNick() {
	s.refusedNicks++
	if s.refusedNicks >= s.h.cfg.MaxNickTries {
		s.h.log.Info("client refused too many nicks", "remote", s.remote.String())
		s.end("", proto.ByeRegistrationTimeout)
	}
}

// handleNick registers the session or renames it.
func (s *session) handleNick(asked string) {
	nick := norm.NFC.String(asked)
	wasRegistered := s.registered
	refuse := func(e *proto.Error) {
		s.sendErr(e)
		if !s.registered {
			s.refuseNick()
		}
	}
	if err := proto.ValidNick(nick); err != nil {
		refuse(err.(*proto.Error))
		return
	}
	id, err := proto.IdentifyNick(nick)
	if err != nil {
		// Not a PRECIS username: it cannot be owned, but may look like
		// a nick that is.
		id = proto.LooseNickIdentity(nick)
	}
	k, e := s.h.setNick(s, nick, proto.NickKey(nick), id)
	if e != nil {
		refuse(e)
		return
	}
	s.h.flush(k)
	if s.registered && !wasRegistered && s.owns {
		s.deliverInbox()
	}
	if s.registered && !wasRegistered {
		s.h.log.Debug("client registered", "nick", nick, "remote", s.remote.String())
	}
}

func (s *session) handleFiles(offset int64) {
	files, err := s.h.shared.Load().list(s.h.cfg.MaxSharedFiles)
	if err != nil {
		s.h.log.Error("cannot list shared folder", "err", err)
		files = nil
	}
	s.send(appendFilesAnswer(make([]byte, 0, 32+min(len(files), proto.MaxFilesPage)*128), files, offset))
}

// transfersDisabled is the detail of the ERR sent for GET and PUT when the
// hub has no file transfers.
const transfersDisabled = "file transfers are not enabled on this hub"

func (s *session) asker() requester {
	r := requester{SessionID: s.id, Nick: s.nick, Addr: s.remote}
	if tc, ok := s.conn.(connectionStater); ok {
		// A TLS session's transfers are sealed with keys from the session.
		r.TransferKey = tlsTransferKeys(tc.ConnectionState())
	}
	return r
}

func (s *session) handleGet(name string) {
	info, _, err := s.h.shared.Load().lookup(name)
	if err != nil {
		var pe *proto.Error
		if errors.As(err, &pe) {
			s.sendErr(pe.WithKeyword(proto.KwGet))
		} else {
			s.errorf(proto.ReasonNoSuchFile, proto.KwGet, "no shared file %s", proto.QuoteInput(name))
		}
		return
	}
	tr := s.h.grants
	if tr == nil {
		s.errorf(proto.ReasonBusy, proto.KwGet, transfersDisabled)
		return
	}
	g, err := tr.GrantGet(s.h.grantCtx, getRequest{requester: s.asker(), File: info})
	if err != nil {
		s.grantFailed(proto.KwGet, name, err)
		return
	}
	s.send(proto.AppendGetGrant(nil, g.Token, g.Port, g.Size, g.SHA256, g.Name))
}

func (s *session) handlePut(cmd proto.Command) {
	tr := s.h.grants
	if tr == nil {
		s.errorf(proto.ReasonBusy, proto.KwPut, transfersDisabled)
		return
	}
	g, err := tr.GrantPut(s.h.grantCtx, putRequest{requester: s.asker(), Name: cmd.Name, Size: cmd.Size, SHA256: cmd.SHA256})
	if err != nil {
		s.grantFailed(proto.KwPut, cmd.Name, err)
		return
	}
	s.send(proto.AppendPutGrant(nil, g.Token, g.Port, g.StoredName))
}

func (s *session) grantFailed(kw, name string, err error) {
	var pe *proto.Error
	if errors.As(err, &pe) {
		s.sendErr(pe.WithKeyword(kw))
		return
	}
	s.h.log.Warn("transfer not granted", "keyword", kw, "name", name, "nick", s.nick, "err", err)
	s.errorf(proto.ReasonBusy, kw, "the transfer cannot be granted now")
}

// maxDeferredLines bounds the lines a client's messages may queue for others
// before they are written.
const maxDeferredLines = 64

// deferFlush keeps the queues k lists, which a client's message made
// non-empty, for writing before the reader next waits for input
// (flushDeferred), so that a client that sends many lines at once has them
// written to each receiver with one system call; or sends e, the refusal of
// the message, at once.
func (s *session) deferFlush(k *flushList, e *proto.Error) {
	if e != nil {
		// A message refused because its recipient's queue is filling
		// counts as a line over the rate: a sender that keeps on is a
		// flooder.
		if e.Reason == proto.ReasonSlowDown && !s.countRefusal(time.Now()) {
			return
		}
		s.sendErr(e)
		return
	}
	if k == nil {
		return
	}
	if s.deferred == nil {
		s.deferred = k
		return
	}
	s.deferred.merge(k)
}

// flushDeferred writes the queues kept by deferFlush.
func (s *session) flushDeferred() {
	if k := s.deferred; k != nil {
		s.deferred = nil
		s.h.fanOut.flush(k)
	}
}
