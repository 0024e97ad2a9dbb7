package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/natter-chat/natter/server/store"
)

// historyStore is where a hub keeps its public history across restarts;
// *store.Store is one. Tests put in one whose writes fail.
type historyStore interface {
	Append(ctx context.Context, msgs []store.Message) error
	Before(ctx context.Context, t int64, n int) ([]store.Message, error)
	Search(ctx context.Context, words []string, limit int) ([]store.Message, error)
	LastTime(ctx context.Context) (int64, error)
	Index(ctx context.Context, max int) (int, error)
	Prune(ctx context.Context, keep int, notBefore int64, max int) (int64, error)
	Backup(ctx context.Context, path string) error
	Close() error
}

// openStore opens the store in dir; Config.openStore replaces it in tests.
func openStore(dir string) (historyStore, error) { return store.Open(dir) }

// Limits of the history requests (natter/1 section 10).
const (
	maxHistoryPage = 500 // messages in one HISTORY answer
	maxFound       = 100 // messages in one FOUND answer
)

// How the committer copes with a store that does not write.
const (
	storeRetryEvery = time.Second // between attempts while writes fail
	maxBacklog      = 10000       // unwritten messages kept for the next attempt
	pruneEvery      = time.Minute
)

// pendingMsg is a public message stamped and waiting for its commit; its
// line goes out once the message is stored (or storing it failed).
type pendingMsg struct {
	line []byte
	msg  store.Message
}

// committer writes the public messages to the store in batches, and only
// then releases each batch's lines to the clients, in order: every message
// a client saw is in the store, yet the fan-out never waits for a commit
// per message, since the messages that arrive while one batch is written
// form the next. It is the store's one writer.
type committer struct {
	log     *slog.Logger
	dir     string
	open    func(dir string) (historyStore, error)
	release func(lines [][]byte) // hands a written batch to the fan-out, in order
	raise   func(last int64)     // keeps the hub's clock past the stored times
	keep    int
	days    int

	mu      sync.Mutex
	pending []pendingMsg
	spare   []pendingMsg
	st      historyStore // nil until the store opens
	stopped bool

	wake    chan struct{}
	done    chan struct{}
	working atomic.Bool // the last write succeeded: CAPS carries store

	// The lines of stored messages that the releaser has not sent yet, in
	// order. The releaser takes all of them at once: when the fan-out is
	// slower than the commits, what waits goes out together, one write
	// per client for several lines, rather than as a queue of small
	// batches each waiting for the one before it.
	relMu     sync.Mutex
	relLines  [][]byte
	relSpare  [][]byte
	relClosed bool
	relWake   chan struct{}

	// Figures for Stats: commits that succeeded, the messages they wrote
	// and the time they took, and writes that failed.
	commits, stored, failures atomic.Uint64
	commitTime                atomic.Int64 // nanoseconds
	backlogLen                atomic.Int64

	// Used by the committer goroutine alone.
	backlog   []store.Message
	nextTry   time.Time
	lastPrune time.Time
	pruneDue  bool // retention has messages to forget
	batch     []store.Message
	unindexed int // messages stored since the search index last caught up
}

// openCommitter opens the store in dir. A store that cannot be opened for
// now (a read-only folder) is logged and tried again while the hub runs; a
// corrupt one is an error, for the operator to act on.
func openCommitter(cfg *Config, log *slog.Logger, release func([][]byte), raise func(int64)) (*committer, error) {
	c := &committer{
		log: log, dir: cfg.DataDir, open: cfg.openStore, release: release, raise: raise,
		keep: cfg.HistoryKeep, days: cfg.HistoryDays,
		wake: make(chan struct{}, 1), relWake: make(chan struct{}, 1), done: make(chan struct{}),
	}
	if c.open == nil {
		c.open = openStore
	}
	st, err := c.open(c.dir)
	var ce *store.CorruptError
	switch {
	case errors.As(err, &ce):
		return nil, err
	case err != nil:
		log.Error("history will not be kept until the data folder can be written", "dir", c.dir, "err", err)
	default:
		if err := c.attach(st); err != nil {
			st.Close()
			return nil, err
		}
	}
	return c, nil
}

// attach makes st the store written to. It is called before the committer
// runs, or by it.
func (c *committer) attach(st historyStore) error {
	last, err := st.LastTime(context.Background())
	if err != nil {
		return err
	}
	c.raise(last)
	// Messages stamped before the store opened may not repeat a stored
	// time (the clock was set back): those cannot be kept.
	kept := c.backlog[:0]
	for _, m := range c.backlog {
		if m.Time > last {
			kept = append(kept, m)
		}
	}
	c.backlog = kept
	c.mu.Lock()
	c.st = st
	c.mu.Unlock()
	c.working.Store(true)
	return nil
}

// reader returns the store for reading, or nil when it is not open.
func (c *committer) reader() historyStore {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st
}

// add queues a stamped message for the next commit; messages are added in
// the order of their times. h.mu is held. It reports false once the
// committer has stopped: the message is then neither stored nor sent.
func (c *committer) add(line []byte, m store.Message) bool {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return false
	}
	c.pending = append(c.pending, pendingMsg{line, m})
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

// run commits batches until stop is closed, then commits what is pending.
// A second goroutine sends the stored lines (releaseLoop), so that the
// next batch is written while the last ones go out.
func (c *committer) run(stop <-chan struct{}) {
	releaserDone := make(chan struct{})
	go func() {
		defer close(releaserDone)
		c.releaseLoop()
	}()
	defer func() {
		c.relMu.Lock()
		c.relClosed = true
		c.relMu.Unlock()
		c.signalRelease()
		<-releaserDone
		close(c.done)
	}()
	// The search index catches up once the chat pauses for indexPause, or
	// at once when it lags by maxUnindexed: indexing right after every
	// commit would make the next message wait for it.
	idle := time.NewTimer(time.Hour)
	defer idle.Stop()
	for {
		select {
		case <-c.wake:
			c.commitPending()
			if c.unindexed >= maxUnindexed {
				c.index()
			}
			c.prune(1)
			idle.Reset(indexPause)
		case <-idle.C:
			c.index()
			c.prune(maxPrunePieces)
		case <-stop:
			c.mu.Lock()
			c.stopped = true
			c.mu.Unlock()
			c.commitPending()
			c.mu.Lock()
			st := c.st
			c.st = nil
			c.mu.Unlock()
			if st != nil {
				if err := st.Close(); err != nil {
					c.log.Error("closing the history store", "err", err)
				}
			}
			return
		}
	}
}

// commitPending writes the pending messages in one transaction and then
// releases their lines.
func (c *committer) commitPending() {
	c.mu.Lock()
	batch := c.pending
	if len(batch) == 0 {
		// Swapping now would leave spare and pending on one array, and
		// the next batch would be read while add appends to it.
		c.mu.Unlock()
		return
	}
	c.pending = c.spare[:0]
	c.mu.Unlock()
	c.batch = c.batch[:0]
	for i := range batch {
		c.batch = append(c.batch, batch[i].msg)
	}
	c.write(c.batch)
	c.relMu.Lock()
	for i := range batch {
		c.relLines = append(c.relLines, batch[i].line)
	}
	c.relMu.Unlock()
	clear(batch)
	c.signalRelease()
	c.spare = batch[:0]
}

func (c *committer) signalRelease() {
	select {
	case c.relWake <- struct{}{}:
	default:
	}
}

// releaseLoop sends the stored lines, all that wait at each turn, until
// the committer has stopped and nothing waits.
func (c *committer) releaseLoop() {
	for range c.relWake {
		c.relMu.Lock()
		lines, closed := c.relLines, c.relClosed
		c.relLines = c.relSpare[:0]
		c.relMu.Unlock()
		if len(lines) > 0 {
			c.release(lines)
			clear(lines)
		}
		c.relMu.Lock()
		c.relSpare = lines[:0]
		c.relMu.Unlock()
		if closed {
			return
		}
	}
}

// indexChunk is the most messages indexed at a time: a few milliseconds
// of work, which a message that arrives meanwhile waits for.
const (
	indexChunk   = 200
	indexPause   = 20 * time.Millisecond
	maxUnindexed = 5000
)

// index adds what was stored to the search index while no message waits
// to be stored: indexing costs twice what storing does, so it is done
// after the lines went out and in the pauses of a burst. A search lags the
// chat by what is not indexed yet.
func (c *committer) index() {
	st := c.reader()
	if st == nil || !c.working.Load() {
		return
	}
	for range maxBacklog/indexChunk + 1 {
		c.mu.Lock()
		waiting := len(c.pending) > 0
		c.mu.Unlock()
		if waiting {
			return
		}
		n, err := st.Index(context.Background(), indexChunk)
		c.unindexed = max(0, c.unindexed-n)
		if err != nil {
			c.log.Debug("cannot index messages for search yet", "err", err)
			return
		}
		if n < indexChunk {
			return
		}
	}
}

// write stores msgs, with any backlog of messages whose writing failed
// before. A failure is logged when writes start failing and when they work
// again, not for every batch; meanwhile messages wait in a bounded backlog
// and are tried again at most once per storeRetryEvery.
func (c *committer) write(msgs []store.Message) {
	now := time.Now()
	failing := !c.working.Load()
	if failing && now.Before(c.nextTry) {
		c.keepBacklog(msgs)
		return
	}
	st := c.reader()
	if st == nil {
		c.nextTry = now.Add(storeRetryEvery)
		opened, err := c.open(c.dir)
		if err == nil {
			err = c.attach(opened)
			if err != nil {
				opened.Close()
			}
		}
		if err != nil {
			c.keepBacklog(msgs)
			return
		}
		c.log.Info("history is kept again", "dir", c.dir)
		st = opened
	}
	// The batch's buffer is reused: what may be kept is copied.
	all := append(c.backlog, msgs...)
	began := time.Now()
	err := st.Append(context.Background(), all)
	if err != nil && len(c.backlog) > 0 && errors.Is(err, store.ErrFull) {
		// The backlog may be more than the disk will ever hold: store the
		// newest messages that fit, halving what is tried, and forget the
		// older ones, which could not be stored after them in order.
		for keep := len(c.backlog) / 2; ; keep /= 2 {
			newest := all[len(c.backlog)-keep:]
			if st.Append(context.Background(), newest) == nil {
				c.log.Warn("forgot messages that did not fit on the disk", "dir", c.dir, "count", len(all)-len(newest))
				err, all = nil, newest
				break
			}
			if keep == 0 {
				break
			}
		}
	}
	if err != nil {
		c.failures.Add(1)
		c.nextTry = now.Add(storeRetryEvery)
		if c.working.CompareAndSwap(true, false) {
			c.log.Error("cannot store messages; the chat goes on, history is not kept until writes succeed", "dir", c.dir, "err", err)
		}
		c.backlog = all
		c.trimBacklog()
		c.backlogLen.Store(int64(len(c.backlog)))
		return
	}
	c.commitTime.Add(int64(time.Since(began)))
	c.commits.Add(1)
	c.stored.Add(uint64(len(all)))
	c.unindexed += len(all)
	c.backlog = c.backlog[:0]
	c.backlogLen.Store(0)
	if c.working.CompareAndSwap(false, true) {
		c.log.Info("messages are stored again", "dir", c.dir)
	}
	if now.Sub(c.lastPrune) >= pruneEvery {
		c.lastPrune = now
		c.pruneDue = true
	}
}

func (c *committer) keepBacklog(msgs []store.Message) {
	c.backlog = append(c.backlog, msgs...)
	c.trimBacklog()
}

// trimBacklog forgets the oldest unwritten messages beyond maxBacklog.
func (c *committer) trimBacklog() {
	if over := len(c.backlog) - maxBacklog; over > 0 {
		c.backlog = append(c.backlog[:0], c.backlog[over:]...)
	}
}

// How retention forgets: in pieces of prunePiece messages, each a short
// transaction, so that a large deletion (the limits lowered, or a hub
// started after weeks) never holds up the messages waiting to be stored.
const (
	prunePiece     = 200
	maxPrunePieces = maxBacklog / prunePiece // in one pause of the chat
)

// prune forgets what the retention limits no longer keep, at most pieces
// pieces of it while no message waits to be stored; what is left is
// forgotten at the next turns.
func (c *committer) prune(pieces int) {
	if !c.pruneDue {
		return
	}
	st := c.reader()
	if st == nil || !c.working.Load() {
		return
	}
	notBefore := time.Now().AddDate(0, 0, -c.days).UnixMilli()
	for range pieces {
		c.mu.Lock()
		waiting := len(c.pending) > 0
		c.mu.Unlock()
		if waiting {
			return
		}
		n, err := st.Prune(context.Background(), c.keep, notBefore, prunePiece)
		if err != nil {
			c.log.Warn("cannot forget old messages", "err", err)
			c.pruneDue = false // tried again at the next pruneEvery
			return
		}
		if n > 0 {
			c.log.Debug("forgot old messages", "count", n)
		}
		if n < prunePiece {
			c.pruneDue = false
			return
		}
	}
}
