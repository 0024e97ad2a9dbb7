package server

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/server/store"
)

// Owned nicks and the private messages kept for their owners while offline
// (natter/1 section 9). The owned nicks are read from the store when the
// hub opens it and kept in memory, so that a NICK is checked under h.mu
// without touching the disk; CLAIM, UNCLAIM and the kept messages are
// written and read by the session's own goroutine, outside h.mu, as the
// history requests are (hub_history.go).

// claimStore is the part of the store that keeps owned nicks and kept
// messages; *store.Store is one.
type claimStore interface {
	Claim(ctx context.Context, o store.Owned) error
	Unclaim(ctx context.Context, key, owner string) (bool, error)
	OwnedNicks(ctx context.Context) ([]store.Owned, error)
	Keep(ctx context.Context, recipient string, m store.Kept, lim store.KeepLimits) error
	Inbox(ctx context.Context, recipient string, notBefore int64) ([]store.Kept, error)
	ForgetInbox(ctx context.Context, recipient string, upTo int64) error
	PruneKept(ctx context.Context, notBefore int64) (int64, error)
}

// ownedFlags is the flags word of a nick owned by the one connected.
const ownedFlags = string(proto.FlagOwned)

// ownedNicks indexes the owned nicks by nick key and by skeleton. Guarded
// by h.mu.
type ownedNicks struct {
	loaded     atomic.Bool // read from the store: claims may be made
	byKey      map[string]*store.Owned
	bySkeleton map[string]*store.Owned
}

// find returns the owned nick that id is, or looks like, or nil.
func (o *ownedNicks) find(id proto.NickIdentity) *store.Owned {
	if id.Key == "" {
		return nil
	}
	if n := o.byKey[id.Key]; n != nil {
		return n
	}
	return o.bySkeleton[id.Skeleton]
}

func (o *ownedNicks) add(n store.Owned) {
	if o.byKey == nil {
		o.byKey = map[string]*store.Owned{}
		o.bySkeleton = map[string]*store.Owned{}
	}
	if old := o.byKey[n.Key]; old != nil {
		delete(o.bySkeleton, old.Skeleton)
	}
	o.byKey[n.Key] = &n
	o.bySkeleton[n.Skeleton] = &n
}

func (o *ownedNicks) remove(key string) {
	if n := o.byKey[key]; n != nil {
		delete(o.byKey, key)
		if o.bySkeleton[n.Skeleton] == n {
			delete(o.bySkeleton, n.Skeleton)
		}
	}
}

// loadOwned reads the owned nicks from st, if it keeps them, and forgets
// the kept messages older than Config.KeptDays.
func (h *Hub) loadOwned(st historyStore) error {
	cs, ok := st.(claimStore)
	if !ok {
		return nil
	}
	ctx := context.Background()
	list, err := cs.OwnedNicks(ctx)
	if err != nil {
		return err
	}
	if _, err := cs.PruneKept(ctx, h.keptNotBefore()); err != nil {
		return err
	}
	h.mu.Lock()
	for _, n := range list {
		h.owned.add(n)
	}
	h.mu.Unlock()
	h.owned.loaded.Store(true)
	return nil
}

// claims returns the store of owned nicks while it works, else nil.
func (h *Hub) claims() claimStore {
	if h.commits == nil || !h.commits.working.Load() || !h.owned.loaded.Load() {
		return nil
	}
	cs, _ := h.commits.reader().(claimStore)
	return cs
}

// keptNotBefore is the time before which kept messages are forgotten.
func (h *Hub) keptNotBefore() int64 {
	return now() - int64(h.cfg.KeptDays)*int64(24*time.Hour/time.Millisecond)
}

// appendFlags inserts ` <flags>` before the LF ending line.
func appendFlags(line []byte, flags string) []byte {
	line = append(line[:len(line)-1], ' ')
	line = append(line, flags...)
	return append(line, '\n')
}

// owner returns the session's identity as an owner is stored, or "".
func (s *session) owner() string {
	if s.clientKey.IsZero() {
		return ""
	}
	return s.clientKey.String()
}

// claimsUnavailable is the detail of the ERR for a claim the hub cannot
// store now.
const claimsUnavailable = "this hub does not keep owned nicks in a store now"

func hubLine(ev proto.Event) []byte {
	b, err := ev.Append(nil)
	if err != nil {
		panic("natter hub: invalid line: " + err.Error())
	}
	return b
}

// needIdentity refuses kw from a session without an identity.
func (s *session) needIdentity(kw string) bool {
	if s.owner() != "" {
		return false
	}
	s.errorf(proto.ReasonNeedIdentity, kw, "owning a nick needs a TLS connection with a client certificate, which is the device's identity")
	return true
}

// handleClaim answers CLAIM: the session's nick becomes its identity's.
func (s *session) handleClaim() {
	if s.needIdentity(proto.KwClaim) {
		return
	}
	cs := s.h.claims()
	if cs == nil {
		s.errorf(proto.ReasonBusy, proto.KwClaim, "%s", claimsUnavailable)
		return
	}
	nick := s.nick // written only by this goroutine
	id, err := proto.IdentifyNick(nick)
	if err != nil {
		e, ok := err.(*proto.Error)
		if !ok {
			e = proto.NewError(proto.ReasonBadNick, "", fmt.Sprintf("nick %s cannot be owned", proto.QuoteInput(nick)))
		}
		s.sendErr(e.WithKeyword(proto.KwClaim))
		return
	}
	o := store.Owned{Key: id.Key, Skeleton: id.Skeleton, Nick: nick, Owner: s.owner(), Claimed: now()}
	switch err := cs.Claim(context.Background(), o); {
	case errors.Is(err, store.ErrOwnedByOther):
		s.errorf(proto.ReasonNickOwned, proto.KwClaim, "nick %s, or one that looks like it, is owned by someone else", proto.QuoteInput(nick))
		return
	case err != nil:
		s.h.log.Error("cannot store an owned nick", "nick", nick, "err", err)
		s.errorf(proto.ReasonBusy, proto.KwClaim, "%s", claimsUnavailable)
		return
	}
	s.h.mu.Lock()
	s.h.owned.add(o)
	s.owns = true
	s.h.usersBlock = nil
	s.h.mu.Unlock()
	s.h.log.Info("nick claimed", "nick", nick, "owner", o.Owner)
	s.send(hubLine(proto.Event{Keyword: proto.KwClaimed, Nick: nick}))
}

// handleUnclaim answers UNCLAIM: the session's nick is no longer owned,
// and what was kept for it is forgotten.
func (s *session) handleUnclaim() {
	if s.needIdentity(proto.KwUnclaim) {
		return
	}
	cs := s.h.claims()
	if cs == nil {
		s.errorf(proto.ReasonBusy, proto.KwUnclaim, "%s", claimsUnavailable)
		return
	}
	nick := s.nick
	if id, err := proto.IdentifyNick(nick); err == nil {
		ok, err := cs.Unclaim(context.Background(), id.Key, s.owner())
		if err != nil {
			s.h.log.Error("cannot forget an owned nick", "nick", nick, "err", err)
			s.errorf(proto.ReasonBusy, proto.KwUnclaim, "%s", claimsUnavailable)
			return
		}
		if ok {
			s.h.mu.Lock()
			s.h.owned.remove(id.Key)
			s.owns = false
			s.h.usersBlock = nil
			s.h.mu.Unlock()
		}
	}
	s.send(hubLine(proto.Event{Keyword: proto.KwUnclaimed, Nick: nick}))
}

// keepPrivate keeps a PRIV to an owned nick whose owner is not online, and
// reports whether it was one: the sender then has its confirmation and
// `KEPT <time> <nick>`, or an ERR saying why it was not kept.
func (s *session) keepPrivate(cmd proto.Command) bool {
	cs := s.h.claims()
	if cs == nil {
		return false
	}
	id, err := proto.IdentifyNick(cmd.Nick)
	if err != nil {
		id = proto.LooseNickIdentity(cmd.Nick)
	}
	s.h.mu.Lock()
	var o store.Owned
	n := s.h.owned.byKey[id.Key]
	if n != nil {
		o = *n
	}
	s.h.mu.Unlock()
	if n == nil {
		return false
	}
	body := cmd.Escaped
	t := s.h.now()
	if l := privLineLen(t, s.nick, o.Nick, body); l > proto.MaxHubLineLen {
		s.errorf(proto.ReasonLineTooLong, proto.KwPriv, "once addressed from %s to %s the line would have %d bytes, more than the %d a hub line may have; it was not kept", s.nick, o.Nick, l, proto.MaxHubLineLen)
		return true
	}
	ctx := context.Background()
	if _, err := cs.PruneKept(ctx, s.h.keptNotBefore()); err != nil {
		s.h.log.Warn("cannot forget old kept messages", "err", err)
	}
	lim := store.KeepLimits{Count: s.h.cfg.KeptMessages, Bytes: s.h.cfg.KeptBytes}
	switch err := cs.Keep(ctx, o.Key, store.Kept{Time: t, From: s.nick, Body: body}, lim); {
	case errors.Is(err, store.ErrInboxFull):
		s.errorf(proto.ReasonNoSpace, proto.KwPriv, "%s is offline and has as many messages kept as this hub keeps (at most %d, %d bytes); it was not kept", o.Nick, lim.Count, lim.Bytes)
		return true
	case err != nil:
		s.h.log.Error("cannot keep a private message", "to", o.Nick, "err", err)
		s.errorf(proto.ReasonBusy, proto.KwPriv, "%s is offline and this hub cannot keep the message now; it was not delivered", o.Nick)
		return true
	}
	s.send(append(proto.AppendPrivEscaped(nil, t, s.nick, o.Nick, body),
		hubLine(proto.Event{Keyword: proto.KwKept, Time: t, Nick: o.Nick})...))
	return true
}

// deliverInbox sends the owner who just registered what was kept for it,
// `INBOX <n>` and n PRIV lines with their times, and forgets them.
func (s *session) deliverInbox() {
	cs := s.h.claims()
	if cs == nil {
		return
	}
	ctx := context.Background()
	kept, err := cs.Inbox(ctx, s.ident.Key, s.h.keptNotBefore())
	if err != nil {
		s.h.log.Error("cannot read kept messages", "nick", s.nick, "err", err)
		return
	}
	lines := make([][]byte, len(kept))
	for i, m := range kept {
		lines[i] = proto.AppendPrivEscaped(nil, m.Time, m.From, s.nick, m.Body)
	}
	s.send(block(hubLine(proto.Event{Keyword: proto.KwInbox, Count: len(kept)}), lines))
	if len(kept) > 0 {
		if err := cs.ForgetInbox(ctx, s.ident.Key, kept[len(kept)-1].Time); err != nil {
			s.h.log.Error("cannot forget delivered kept messages", "nick", s.nick, "err", err)
		}
	}
}

// lookKeys are the entries of a nick in Hub.byLook: its PRECIS key and its
// skeleton, either of which makes another nick the same or a look-alike
// (proto.NickIdentity.Collides).
func lookKeys(id proto.NickIdentity) [2]string {
	return [2]string{"k " + id.Key, "s " + id.Skeleton}
}

// lookAlikeLocked returns the registered session other than s whose nick
// is, or looks like, id, or nil. h.mu is held.
func (h *Hub) lookAlikeLocked(id proto.NickIdentity, s *session) *session {
	for _, k := range lookKeys(id) {
		if o := h.byLook[k]; o != nil && o != s {
			return o
		}
	}
	return nil
}

// forgetLookLocked takes s's nick out of Hub.byLook. h.mu is held.
func (h *Hub) forgetLookLocked(s *session) {
	for _, k := range lookKeys(s.ident) {
		if h.byLook[k] == s {
			delete(h.byLook, k)
		}
	}
}
