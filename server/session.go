package server

import (
	"bufio"
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

	"github.com/natter-chat/natter/core/proto"
)

// session is one client connection. Its reader goroutine runs readLoop and
// handles the client's lines; its writer goroutine runs q.writeLoop.
type session struct {
	h      *Hub
	id     uint64
	conn   net.Conn
	remote netip.Addr
	q      *outQueue
	ended  atomic.Bool // set under h.mu when the session leaves the hub

	// Guarded by h.mu; written only by the reader goroutine, which may read
	// them without the lock.
	registered bool
	nick       string
	key        string // proto.NickKey(nick)

	// Used only by the reader goroutine.
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
		q:       newOutQueue(h.cfg.OutQueueBytes),
		limiter: rate.NewLimiter(rate.Limit(h.cfg.MaxLineRate), h.cfg.LineBurst),
	}
	if ap, err := netip.ParseAddrPort(conn.RemoteAddr().String()); err == nil {
		s.remote = ap.Addr().Unmap()
	}
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

// readLoop reads and handles the client's lines until the session ends.
func (s *session) readLoop() {
	cfg := &s.h.cfg
	r := proto.NewReader(bufio.NewReaderSize(s.conn, cfg.ReadBufferSize), proto.MaxLineLen)
	start := time.Now()
	registerBy := start.Add(cfg.RegisterTimeout)
	idleBy := start.Add(cfg.IdleTimeout)
	pinged := false
	for {
		deadline := idleBy
		if !s.registered && registerBy.Before(deadline) {
			deadline = registerBy
		}
		s.conn.SetReadDeadline(deadline)
		line, err := r.ReadLine()
		if s.ended.Load() {
			return
		}
		t := time.Now()
		switch {
		case err == nil && !s.registered && !t.Before(registerBy):
			// Lines still buffered can arrive after the deadline.
			s.end("", proto.ByeRegistrationTimeout)
		case err == nil:
			idleBy, pinged = t.Add(cfg.IdleTimeout), false
			s.handle(line, t)
		case errors.Is(err, proto.ErrLineTooLong):
			idleBy, pinged = t.Add(cfg.IdleTimeout), false
			if s.allow("", t) {
				s.errorf(proto.ReasonLineTooLong, "", "a line may have at most %d bytes, terminator included; it was discarded", proto.MaxLineLen)
			}
		case errors.Is(err, os.ErrDeadlineExceeded):
			switch {
			case !s.registered && !t.Before(registerBy):
				s.h.log.Info("client did not register in time", "remote", s.remote.String())
				s.end("", proto.ByeRegistrationTimeout)
			case !t.Before(idleBy) && pinged:
				s.end(proto.LeaveTimeout, proto.LeaveTimeout)
			case !t.Before(idleBy):
				s.send(proto.AppendPing(nil, strconv.FormatInt(t.UnixMilli(), 10)))
				idleBy, pinged = t.Add(cfg.PingTimeout), true
			}
		default:
			s.end(proto.LeaveConnectionLost, "")
		}
		if s.ended.Load() {
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
	cfg := &s.h.cfg
	if t.Sub(s.floodStart) > cfg.FloodWindow {
		s.floodStart, s.floodCount = t, 0
	}
	s.floodCount++
	if s.floodCount >= cfg.FloodLimit {
		s.h.log.Info("dropping flooding client", "nick", s.nick, "remote", s.remote.String())
		s.end(proto.LeaveFlood, proto.LeaveFlood)
		return false
	}
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
	if !s.registered && kw != "" {
		switch kw {
		case proto.KwNick, proto.KwPing, proto.KwPong, proto.KwQuit:
		default:
			s.errorf(proto.ReasonRegisterFirst, kw, "register with NICK <nick> first")
			return
		}
	}
	cmd, err := proto.ParseCommand(line)
	if err != nil {
		s.sendErr(err.(*proto.Error))
		if cmd.Keyword == proto.KwNick && !s.registered {
			s.refuseNick()
		}
		return
	}
	switch cmd.Keyword {
	case proto.KwNick:
		s.handleNick(cmd.Nick)
	case proto.KwMsg:
		// The body is passed on as the client escaped it: decoding and
		// encoding again would turn a lone backslash into two, and could
		// make the line longer than a hub line may be.
		body := line[len(proto.KwMsg)+1:]
		s.h.mu.Lock()
		if s.ended.Load() { // dropped meanwhile by another session's broadcast
			s.h.mu.Unlock()
			return
		}
		line := proto.AppendMsgEscaped(make([]byte, 0, len(body)+len(s.nick)+32), now(), s.nick, body)
		s.h.addHistoryLocked(line)
		s.h.broadcastLocked(line, nil)
		s.h.dropSlowLocked()
		s.h.mu.Unlock()
	case proto.KwPriv:
		s.handlePriv(cmd.Nick, line[len(proto.KwPriv)+1+len(cmd.Nick)+1:])
	case proto.KwUsers:
		s.h.mu.Lock()
		b := s.h.appendUsersLocked(nil)
		s.h.mu.Unlock()
		s.send(b)
	case proto.KwFiles:
		s.handleFiles()
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
	key := proto.NickKey(nick)
	h := s.h
	h.mu.Lock()
	other, taken := h.byKey[key]
	switch {
	case s.ended.Load(): // dropped meanwhile
		h.mu.Unlock()
		return
	case taken && other == s && nick == s.nick:
		h.mu.Unlock()
		refuse(proto.NewError(proto.ReasonNickInUse, proto.KwNick, fmt.Sprintf("%q is already your nick", nick)))
		return
	case taken && other != s:
		h.mu.Unlock()
		refuse(proto.NewError(proto.ReasonNickInUse, proto.KwNick, fmt.Sprintf("nick %q is in use", nick)))
		return
	case s.registered:
		s.renameLocked(nick, key)
		h.mu.Unlock()
		return
	}
	s.registered, s.nick, s.key = true, nick, key
	h.byKey[key] = s
	h.rosterInsert(s)
	size := 64 + 32*len(h.roster)
	for _, l := range h.history {
		size += len(l)
	}
	b := make([]byte, 0, size)
	b = proto.AppendWelcome(b, nick)
	b = h.appendUsersLocked(b)
	b = proto.AppendHistory(b, len(h.history))
	for _, l := range h.history {
		b = append(b, l...)
	}
	h.deliverLocked(s, b)
	h.broadcastLocked(proto.AppendJoin(nil, now(), nick), s)
	h.dropSlowLocked()
	h.mu.Unlock()
	h.log.Debug("client registered", "nick", nick, "remote", s.remote.String())
}

// renameLocked changes the nick of a registered session and tells everyone.
// h.mu is held.
func (s *session) renameLocked(nick, key string) {
	h := s.h
	if s.ended.Load() {
		return
	}
	old := s.nick
	h.rosterRemove(s)
	delete(h.byKey, s.key)
	s.nick, s.key = nick, key
	h.byKey[key] = s
	h.rosterInsert(s)
	h.broadcastLocked(proto.AppendRename(nil, now(), old, nick), nil)
	h.dropSlowLocked()
}

// handlePriv sends a private message; body is as the client escaped it.
func (s *session) handlePriv(to, body string) {
	h := s.h
	key := proto.NickKey(norm.NFC.String(to))
	h.mu.Lock()
	if s.ended.Load() {
		h.mu.Unlock()
		return
	}
	target, ok := h.byKey[key]
	if !ok {
		h.mu.Unlock()
		s.errorf(proto.ReasonNoSuchUser, proto.KwPriv, "no user %q is online", to)
		return
	}
	line := proto.AppendPrivEscaped(nil, now(), s.nick, target.nick, body)
	h.deliverLocked(target, line)
	if target != s {
		h.deliverLocked(s, line)
	}
	h.dropSlowLocked()
	h.mu.Unlock()
}

func (s *session) handleFiles() {
	files, err := s.h.shared.Load().list()
	if err != nil {
		s.h.log.Error("cannot list shared folder", "err", err)
		files = nil
	}
	b := make([]byte, 0, 16+len(files)*128)
	b = proto.AppendFiles(b, len(files))
	for _, f := range files {
		b = proto.AppendFile(b, f.Size, f.SHA256, f.ModTime, f.Name)
	}
	s.send(b)
}

// transfersDisabled is the detail of the ERR sent for GET and PUT when the
// hub has no Transfers.
const transfersDisabled = "file transfers are not enabled on this hub"

func (s *session) requester() Requester {
	return Requester{SessionID: s.id, Nick: s.nick, Addr: s.remote}
}

func (s *session) handleGet(name string) {
	info, _, err := s.h.shared.Load().lookup(name)
	if err != nil {
		var pe *proto.Error
		if errors.As(err, &pe) {
			s.sendErr(pe.WithKeyword(proto.KwGet))
		} else {
			s.errorf(proto.ReasonNoSuchFile, proto.KwGet, "no shared file %q", name)
		}
		return
	}
	tr := s.h.cfg.Transfers
	if tr == nil {
		s.errorf(proto.ReasonBusy, proto.KwGet, transfersDisabled)
		return
	}
	g, err := tr.GrantGet(s.h.grantCtx, GetRequest{Requester: s.requester(), File: info})
	if err != nil {
		s.grantFailed(proto.KwGet, name, err)
		return
	}
	s.send(proto.AppendGetGrant(nil, g.Token, g.Port, g.Size, g.SHA256, g.Name))
}

func (s *session) handlePut(cmd proto.Command) {
	tr := s.h.cfg.Transfers
	if tr == nil {
		s.errorf(proto.ReasonBusy, proto.KwPut, transfersDisabled)
		return
	}
	g, err := tr.GrantPut(s.h.grantCtx, PutRequest{Requester: s.requester(), Name: cmd.Name, Size: cmd.Size, SHA256: cmd.SHA256})
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
