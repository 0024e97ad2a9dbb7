package server

import (
	"slices"
)

// DefaultMaxQueuedBytes is the default hub-wide bound on what the lines
// queued for all clients cost in memory (lineCost).
const DefaultMaxQueuedBytes = 1 << 30

// shedLow is the share of MaxQueuedBytes shedding brings the queues down
// to, so that a hub at its bound does not sort its sessions for each line.
const shedLow = 0.9

// overQueued reports whether the lines queued hub-wide cost more than the
// hub's bound.
func (h *Hub) overQueued() bool { return h.queued.Load() > int64(h.cfg.MaxQueuedBytes) }

// shedLocked marks for dropping as too-slow the sessions that hold the most
// queued, until what the others hold is within shedLow of the hub-wide
// bound: clients that do not read then cost the hub a bounded amount of
// memory however many they are, and those that read lose nothing. h.mu is
// held.
func (h *Hub) shedLocked() {
	excess := h.queued.Load() - int64(shedLow*float64(h.cfg.MaxQueuedBytes))
	if excess <= 0 {
		return
	}
	type held struct {
		s     *session
		bytes int
	}
	all := make([]held, 0, len(h.sessions))
	for s := range h.sessions {
		if n := s.q.size(); n > 0 {
			all = append(all, held{s, n})
		}
	}
	slices.SortFunc(all, func(a, b held) int { return b.bytes - a.bytes })
	for _, x := range all {
		if excess <= 0 {
			break
		}
		h.slow = append(h.slow, x.s)
		excess -= int64(x.bytes)
	}
	h.log.Warn("queued output over the hub's bound; dropping the clients that hold the most",
		"bound", h.cfg.MaxQueuedBytes, "dropped", len(h.slow))
}

// shed sheds as shedLocked does, for a line queued without h.mu.
func (h *Hub) shed() {
	h.mu.Lock()
	h.shedLocked()
	k := h.settleLocked()
	h.mu.Unlock()
	h.flush(k)
}
