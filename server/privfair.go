package server

import (
	"fmt"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// privShare is the part (1/privShare) of a client's queue that private
// messages may fill: past it, a private message to the client is refused
// to its sender with ERR 429 PRIV slow-down, so that those who send to a
// client on a slow link faster than it reads are slowed down, and the
// client is not dropped too-slow for what others sent it.
const privShare = 2

// privateRoomLocked returns the refusal of line, a private message for
// target, when target's queue is too full to take it fairly; nil when it
// has room. h.mu is held.
func (h *Hub) privateRoomLocked(target *session, line []byte) *proto.Error {
	if target.q.size()+lineCost(line) <= h.cfg.OutQueueBytes/privShare {
		return nil
	}
	return proto.NewError(proto.ReasonSlowDown, proto.KwPriv,
		fmt.Sprintf("%s is not reading as fast as messages come to them; the message was not delivered", target.nick))
}

// countRefusal counts a line of s refused for going too fast (over the
// rate, or to a recipient that cannot keep up) and drops s as a flooder
// once it has FloodLimit of them within FloodWindow; it reports whether s
// is still there. Only the reader goroutine calls it.
func (s *session) countRefusal(t time.Time) bool {
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
	return true
}
