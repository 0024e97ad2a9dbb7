package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/server/store"
)

// startStoringHub runs a hub that keeps its history in dataDir.
func startStoringHub(t *testing.T, dataDir string, configure func(*Config)) *testHub {
	t.Helper()
	return startHub(t, func(c *Config) {
		c.DataDir = dataDir
		c.MaxLineRate = NoLineLimit // the tests poll with messages
		if configure != nil {
			configure(c)
		}
	})
}

// dialCaps connects, reads HELLO and returns the CAPS words that follow,
// or "" when there is no CAPS line: a PING sent at once is answered after
// it.
func dialCaps(t *testing.T, addr string) (*testClient, string) {
	t.Helper()
	c := dial(t, addr)
	c.send("PING caps")
	line := c.readLine()
	if caps, ok := strings.CutPrefix(line, "CAPS "); ok {
		c.expect("PONG caps")
		return c, caps
	}
	require.Equal(t, "PONG caps", line)
	return c, ""
}

// registerCaps registers nick on a hub that may send CAPS and returns the
// HISTORY lines.
func registerCaps(t *testing.T, addr, nick string) (*testClient, string, []string) {
	t.Helper()
	c, caps := dialCaps(t, addr)
	c.send("NICK " + nick)
	c.expect("WELCOME " + nick)
	c.readBlock(proto.KwUsers)
	history := c.readBlock(proto.KwHistory)
	c.nick = nick
	return c, caps, history
}

// postAll sends each text as MSG from c and returns the lines c got back.
func postAll(t *testing.T, c *testClient, texts ...string) []string {
	t.Helper()
	var got []string
	for _, text := range texts {
		c.send("MSG " + text)
		got = append(got, c.skipTo("MSG "))
	}
	return got
}

func TestHistorySurvivesRestart(t *testing.T) {
	data := t.TempDir()
	h := startStoringHub(t, data, nil)
	ann, caps, history := registerCaps(t, h.addr, "ann")
	require.Equal(t, "store", caps)
	require.Empty(t, history)
	sent := postAll(t, ann, "first", `with a\nline break`, "café 東京 🎉")
	require.NoError(t, h.stop())

	h2 := startStoringHub(t, data, nil)
	_, caps, history = registerCaps(t, h2.addr, "bob")
	require.Equal(t, "store", caps)
	require.Equal(t, sent, history, "the history after a restart")

	// The restarted hub's times go on after the stored ones.
	bob, _, _ := registerCaps(t, h2.addr, "cyd")
	later := postAll(t, bob, "after the restart")
	last, _ := proto.ParseEvent(sent[len(sent)-1])
	next, _ := proto.ParseEvent(later[0])
	require.Greater(t, next.Time, last.Time)
}

func TestHistoryPagesAndSearchOverTheWire(t *testing.T) {
	h := startStoringHub(t, t.TempDir(), nil)
	ann, _, _ := registerCaps(t, h.addr, "ann")
	var texts []string
	for i := range 30 {
		texts = append(texts, fmt.Sprintf("number %d of thirty", i))
	}
	texts = append(texts, "Ünïcödé naïve", "🎉party🎉 tonight")
	sent := postAll(t, ann, texts...)

	// Page back 7 at a time from the newest: every message once, in order.
	var back []string
	before := ""
	for range 100 {
		ann.send("HISTORY 7" + before)
		page := ann.readBlock(proto.KwHistory)
		back = append(page, back...)
		if len(page) < 7 {
			break
		}
		ev, err := proto.ParseEvent(page[0])
		require.NoError(t, err)
		before = fmt.Sprint(" ", ev.Time)
	}
	require.Equal(t, sent, back)

	searchUntilFound(t, ann, "tonight") // indexed a moment after it was sent
	ann.send("SEARCH NAIVE unicode")
	require.Equal(t, []string{sent[30]}, ann.readBlock(proto.KwFound))
	ann.send("SEARCH party")
	require.Equal(t, []string{sent[31]}, ann.readBlock(proto.KwFound))
	ann.send("SEARCH thirty 2")
	require.Equal(t, []string{sent[2]}, ann.readBlock(proto.KwFound))
	ann.send("SEARCH of")
	found := ann.readBlock(proto.KwFound)
	require.Len(t, found, 30)
	require.Equal(t, sent[29], found[0], "newest first")
	ann.send("SEARCH nowhere")
	require.Empty(t, ann.readBlock(proto.KwFound))
}

func TestHistoryRequestsWithoutStore(t *testing.T) {
	h := startHub(t, nil)
	ann, _, _ := register(t, h.addr, "ann")
	sent := postAll(t, ann, "one", "two", "three")
	ev, _ := proto.ParseEvent(sent[2])
	ann.send(fmt.Sprint("HISTORY 5 ", ev.Time))
	require.Equal(t, sent[:2], ann.readBlock(proto.KwHistory), "paging the memory's history")
	ann.send("SEARCH one")
	ann.expectErr(409, proto.KwSearch, proto.ReasonBusy)
}

// flakyStore is a store whose writes fail while full is set, as on a full
// disk.
type flakyStore struct {
	historyStore
	mu      sync.Mutex
	full    bool
	refused int
}

func (f *flakyStore) setFull(full bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.full = full
}

func (f *flakyStore) Append(ctx context.Context, msgs []store.Message) error {
	f.mu.Lock()
	full := f.full
	if full {
		f.refused++
	}
	f.mu.Unlock()
	if full {
		return fmt.Errorf("natter store: writing to test.db: %w", store.ErrFull)
	}
	return f.historyStore.Append(ctx, msgs)
}

func TestFullDiskKeepsTheChatGoing(t *testing.T) {
	data := t.TempDir()
	var flaky *flakyStore
	h := startStoringHub(t, data, func(c *Config) {
		c.openStore = func(dir string) (historyStore, error) {
			st, err := store.Open(dir)
			if err != nil {
				return nil, err
			}
			flaky = &flakyStore{historyStore: st}
			return flaky, nil
		}
	})
	ann, _, _ := registerCaps(t, h.addr, "ann")
	bob, _, _ := registerCaps(t, h.addr, "bob")
	before := postAll(t, ann, "stored")
	bob.skipTo("MSG ")

	flaky.setFull(true)
	during := postAll(t, ann, "while", "the", "disk", "is", "full")
	for range during {
		bob.skipTo("MSG ")
	}
	_, caps := dialCaps(t, h.addr)
	require.Empty(t, caps, "CAPS while writes fail")
	require.False(t, h.StoresHistory())

	flaky.setFull(false)
	// The next write after the retry pause stores the backlog too.
	var after []string
	for i := range 200 {
		after = append(after, postAll(t, ann, fmt.Sprint("after ", i))...)
		if h.StoresHistory() {
			break
		}
		waitAWhile()
	}
	require.True(t, h.StoresHistory(), "writes never worked again")
	_, caps = dialCaps(t, h.addr)
	require.Equal(t, "store", caps)
	require.NoError(t, h.stop())

	h2 := startStoringHub(t, data, nil)
	_, _, history := registerCaps(t, h2.addr, "cyd")
	want := append(append(before, during...), after...)
	require.Equal(t, want, history, "every message, those sent while the disk was full included")
}

func TestReadOnlyDataFolderKeepsTheChatGoing(t *testing.T) {
	data := t.TempDir()
	var mu sync.Mutex
	readOnly := true
	h := startStoringHub(t, data, func(c *Config) {
		c.openStore = func(dir string) (historyStore, error) {
			mu.Lock()
			defer mu.Unlock()
			if readOnly {
				return nil, fmt.Errorf("natter store: making data folder: %w", store.ErrReadOnly)
			}
			return store.Open(dir)
		}
	})
	ann, caps, _ := registerCaps(t, h.addr, "ann")
	require.Empty(t, caps)
	postAll(t, ann, "not stored yet")
	ann.send("SEARCH stored")
	ann.expectErr(409, proto.KwSearch, proto.ReasonBusy)

	mu.Lock()
	readOnly = false
	mu.Unlock()
	for range 200 {
		postAll(t, ann, "trying")
		if h.StoresHistory() {
			break
		}
		waitAWhile()
	}
	require.True(t, h.StoresHistory(), "the store never opened")
	require.Len(t, searchUntilFound(t, ann, "stored"), 1, "the message sent before the store opened is kept")
}

func TestCorruptDatabaseStopsTheHubFromStarting(t *testing.T) {
	data := t.TempDir()
	path := filepath.Join(data, store.FileName)
	require.NoError(t, writeJunk(path))
	cfg := DefaultConfig()
	cfg.Dir = t.TempDir()
	cfg.DataDir = data
	_, err := New(cfg)
	var ce *store.CorruptError
	require.True(t, errors.As(err, &ce), "New: %v", err)
	require.Contains(t, err.Error(), path)
}

func TestHubBackup(t *testing.T) {
	h := startStoringHub(t, t.TempDir(), nil)
	ann, _, _ := registerCaps(t, h.addr, "ann")
	sent := postAll(t, ann, "kept in the copy")
	copyDir := t.TempDir()
	require.NoError(t, h.Backup(t.Context(), filepath.Join(copyDir, store.FileName)))
	st, err := store.Open(copyDir)
	require.NoError(t, err)
	defer st.Close()
	msgs, err := st.Latest(t.Context(), 10)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.Equal(t, sent[0], strings.TrimSuffix(string(msgLine(msgs[0])), "\n"))
}

// waitAWhile pauses a polling loop (bounded by its caller's count).
func waitAWhile() { time.Sleep(20 * time.Millisecond) }

func writeJunk(path string) error {
	return os.WriteFile(path, append([]byte("not a database\n"), make([]byte, 4096)...), 0o600)
}

// searchUntilFound searches for words until the hub finds something (a
// message is indexed a moment after it is sent) and returns what it found.
func searchUntilFound(t *testing.T, c *testClient, words string) []string {
	t.Helper()
	for range 500 {
		c.send("SEARCH " + words)
		if found := c.readBlock(proto.KwFound); len(found) > 0 {
			return found
		}
		waitAWhile()
	}
	t.Fatalf("SEARCH %s never found anything", words)
	return nil
}

// pruneCounter records the store's Prune calls.
type pruneCounter struct {
	historyStore
	mu     sync.Mutex
	pieces []int64 // messages forgot by each call
}

func (p *pruneCounter) Prune(ctx context.Context, keep int, notBefore int64, max int) (int64, error) {
	n, err := p.historyStore.Prune(ctx, keep, notBefore, max)
	p.mu.Lock()
	defer p.mu.Unlock()
	if n > int64(max) {
		return n, fmt.Errorf("Prune(max %d) forgot %d", max, n)
	}
	p.pieces = append(p.pieces, n)
	return n, err
}

func (p *pruneCounter) forgot() (total int64, calls int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.pieces {
		total += n
	}
	return total, len(p.pieces)
}

// TestRetentionForgetsInPieces: a history far over -history-keep is cut
// down to it in short transactions, the newest messages kept.
func TestRetentionForgetsInPieces(t *testing.T) {
	const stored, keep = 3*prunePiece + 200, 150
	data := t.TempDir()
	st, err := store.Open(data)
	require.NoError(t, err)
	base := time.Now().UnixMilli() - 10*stored
	var old []store.Message
	for i := range stored {
		old = append(old, store.Message{Time: base + int64(i), From: "old", Body: fmt.Sprint("old ", i)})
	}
	require.NoError(t, st.Append(t.Context(), old))
	require.NoError(t, st.Close())

	var counter *pruneCounter
	h := startStoringHub(t, data, func(c *Config) {
		c.HistoryKeep = keep
		c.openStore = func(dir string) (historyStore, error) {
			st, err := store.Open(dir)
			if err != nil {
				return nil, err
			}
			counter = &pruneCounter{historyStore: st}
			return counter, nil
		}
	})
	ann, _, _ := registerCaps(t, h.addr, "ann")
	sent := postAll(t, ann, "new") // the first write starts the retention
	deadline := time.Now().Add(10 * time.Second)
	for {
		total, _ := counter.forgot()
		if total >= stored+1-keep {
			break
		}
		require.True(t, time.Now().Before(deadline), "forgot %d of %d in 10 s", total, stored+1-keep)
		waitAWhile()
	}
	total, calls := counter.forgot()
	require.EqualValues(t, stored+1-keep, total)
	require.GreaterOrEqual(t, calls, 4, "in pieces of at most %d", prunePiece)

	// What is left is the newest keep, paged back in full.
	ann.send("HISTORY 500")
	page := ann.readBlock(proto.KwHistory)
	require.Len(t, page, keep)
	require.Equal(t, sent[0], page[len(page)-1])
	first, err := proto.ParseEvent(page[0])
	require.NoError(t, err)
	require.Equal(t, base+int64(stored-keep+1), first.Time)
}
