package server

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/server/store"
)

// openHistory opens the store in Config.DataDir and takes the newest
// messages from it for replay on registration.
func (h *Hub) openHistory() error {
	c, err := openCommitter(&h.cfg, h.log, h.releaseCommitted, h.clock.raise)
	if err != nil {
		return fmt.Errorf("natter hub history: %w", err)
	}
	h.commits = c
	if st := c.reader(); st != nil {
		msgs, err := st.Before(context.Background(), 1<<62, h.cfg.historyLen())
		if err != nil {
			st.Close()
			return fmt.Errorf("natter hub history: %w", err)
		}
		for _, m := range msgs {
			h.history = append(h.history, msgLine(m))
		}
		if err := h.loadOwned(st); err != nil {
			st.Close()
			return fmt.Errorf("natter hub history: %w", err)
		}
	}
	return nil
}

// startCommits runs the committer, if the hub stores its history, and
// returns the function that stops it once it has stored and released every
// message stamped.
func (h *Hub) startCommits() (stop func()) {
	c := h.commits
	if c == nil {
		return func() {}
	}
	quit := make(chan struct{})
	h.wg.Go(func() { c.run(quit) })
	return func() {
		close(quit)
		<-c.done
	}
}

// releaseCommitted sends the lines of stored public messages to everyone,
// in order, and keeps them for replay.
func (h *Hub) releaseCommitted(lines [][]byte) {
	h.mu.Lock()
	for _, line := range lines {
		h.addHistoryLocked(line)
		h.broadcastLocked(line, nil)
	}
	k := h.settleLocked()
	h.mu.Unlock()
	h.flush(k)
}

// caps returns what the hub announces in CAPS (natter/1 section 7): only
// what it has now.
// StoresHistory reports whether the hub's history is being stored: false
// without Config.DataDir, and while writes to it fail.
func (h *Hub) StoresHistory() bool { return h.commits != nil && h.commits.working.Load() }

// Backup writes a consistent copy of the hub's database to path, a file
// that must not exist, while the hub runs.
func (h *Hub) Backup(ctx context.Context, path string) error {
	if h.commits == nil {
		return fmt.Errorf("natter hub: no data folder, so no database to back up")
	}
	st := h.commits.reader()
	if st == nil {
		return fmt.Errorf("natter hub: the database in %s is not open", h.cfg.DataDir)
	}
	return st.Backup(ctx, path)
}

// msgLine is the MSG line of a stored message.
func msgLine(m store.Message) []byte {
	return proto.AppendMsgEscaped(make([]byte, 0, len(m.Body)+len(m.From)+32), m.Time, m.From, m.Body)
}

// historyUnavailable is the detail of the ERR for a history request the
// hub cannot answer.
const historyUnavailable = "this hub does not keep its history in a store now"

// handleHistory answers `HISTORY <n> [<before>]`: `HISTORY <k>` and the k
// newest public messages stamped before <before> (or the newest), oldest
// first.
func (s *session) handleHistory(cmd proto.Command) {
	n := int(min(cmd.Count, maxHistoryPage))
	before := cmd.Before
	if before == 0 {
		before = 1 << 62
	}
	var lines [][]byte
	if c := s.h.commits; c != nil {
		st := c.reader()
		if st == nil {
			s.errorf(proto.ReasonBusy, proto.KwHistory, "%s", historyUnavailable)
			return
		}
		msgs, err := st.Before(context.Background(), before, n)
		if err != nil {
			s.h.log.Error("cannot read history", "err", err)
			s.errorf(proto.ReasonBusy, proto.KwHistory, "%s", historyUnavailable)
			return
		}
		for _, m := range msgs {
			lines = append(lines, msgLine(m))
		}
	} else {
		lines = s.h.memoryHistoryBefore(before, n)
	}
	s.send(block(proto.AppendHistory(nil, len(lines)), lines))
}

// memoryHistoryBefore returns up to n replay lines stamped before t,
// oldest first, from the hub's memory.
func (h *Hub) memoryHistoryBefore(t int64, n int) [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	end, _ := slices.BinarySearchFunc(h.history, t, func(line []byte, t int64) int {
		ev, err := proto.ParseEvent(string(line[:len(line)-1]))
		if err != nil || ev.Time < t {
			return -1
		}
		return 1
	})
	return slices.Clone(h.history[max(0, end-n):end])
}

// handleSearch answers `SEARCH <words…>`: `FOUND <k>` and the k newest
// public messages holding every word.
func (s *session) handleSearch(cmd proto.Command) {
	c := s.h.commits
	var st historyStore
	if c != nil {
		st = c.reader()
	}
	if st == nil {
		s.errorf(proto.ReasonBusy, proto.KwSearch, "%s", historyUnavailable)
		return
	}
	msgs, err := st.Search(context.Background(), strings.Fields(cmd.Text), maxFound)
	if err != nil {
		s.h.log.Error("cannot search history", "err", err)
		s.errorf(proto.ReasonBusy, proto.KwSearch, "%s", historyUnavailable)
		return
	}
	lines := make([][]byte, len(msgs))
	for i, m := range msgs {
		lines[i] = msgLine(m)
	}
	s.send(block(proto.AppendFound(nil, len(lines)), lines))
}

// block joins a block's head and its lines into one write.
func block(head []byte, lines [][]byte) []byte {
	size := len(head)
	for _, l := range lines {
		size += len(l)
	}
	b := append(make([]byte, 0, size), head...)
	for _, l := range lines {
		b = append(b, l...)
	}
	return b
}
