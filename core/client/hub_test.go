package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/server"
)

// testHub is a real hub serving on 127.0.0.1 in this process.
type testHub struct {
	t      *testing.T
	hub    *server.Hub
	addr   string
	cancel context.CancelFunc
	done   chan error
}

// startHub starts a hub on addr ("127.0.0.1:0" for any port).
func startHub(t *testing.T, cfg server.Config, addr string) *testHub {
	t.Helper()
	return serveHub(t, cfg, addr)
}

// serveHub starts a hub on addr, with its transfers (if cfg has them)
// served on a UDP port of 127.0.0.1.
func serveHub(t *testing.T, cfg server.Config, addr string) *testHub {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Name == "" {
		cfg.Name = "Test hub"
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	hub, err := server.New(cfg)
	require.NoError(t, err)
	var ln net.Listener
	// The port of a hub that just stopped may take a moment to free up.
	for i := 0; ; i++ {
		ln, err = net.Listen("tcp", addr)
		if err == nil || i == 100 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	h := &testHub{t: t, hub: hub, addr: ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	if cfg.Transfers == nil {
		go func() { h.done <- hub.Serve(ctx, ln) }()
	} else {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		require.NoError(t, err)
		go func() { h.done <- hub.ServeListeners(ctx, server.Listeners{Sessions: ln, Packets: pc}) }()
	}
	t.Cleanup(h.stop)
	return h
}

// stop stops the hub and waits until it has ended; it may be called twice.
func (h *testHub) stop() {
	h.cancel()
	select {
	case err, ok := <-h.done:
		if ok {
			require.NoError(h.t, err)
			close(h.done)
		}
	case <-time.After(30 * time.Second):
		h.t.Fatal("hub did not stop")
	}
}

func publicTexts(s *Snapshot) []string {
	var out []string
	for _, m := range s.Messages {
		if m.Kind == Public {
			out = append(out, m.From+": "+m.Text)
		}
	}
	return out
}

func nicks(s *Snapshot) []string {
	var out []string
	for _, u := range s.Users {
		out = append(out, u.Nick)
	}
	return out
}

func registered(s *Snapshot) bool { return s.Conn.State == Registered }

func fastReconnect(cfg Config) Config {
	cfg.ReconnectMin = 10 * time.Millisecond
	cfg.ReconnectMax = 50 * time.Millisecond
	return cfg
}

func TestHubTwoClientsChat(t *testing.T) {
	h := startHub(t, server.Config{}, "127.0.0.1:0")
	alice := startClient(t, Config{Addr: h.addr, Nick: "alice"})
	waitFor(t, alice, "alice registered", registered)
	bob := startClient(t, Config{Addr: h.addr, Nick: "bob"})
	waitFor(t, bob, "bob sees both", func(s *Snapshot) bool { return registered(s) && len(s.Users) == 2 })
	snap := waitFor(t, alice, "alice sees bob join", func(s *Snapshot) bool { return len(s.Users) == 2 })
	require.Equal(t, []User{{Nick: "alice", Self: true}, {Nick: "bob"}}, snap.Users)
	require.True(t, hasMessage(snap, func(m Message) bool { return m.Event == SysJoin && m.Note == NoteJoined && m.From == "bob" }))

	require.NoError(t, alice.Send("hello bob\nhow are you?"))
	require.NoError(t, bob.SendPrivate("alice", `fine \o/`))

	bs := waitFor(t, bob, "bob has both", func(s *Snapshot) bool {
		return len(publicTexts(s)) == 1 && hasMessage(s, func(m Message) bool { return m.Kind == Private && m.Own })
	})
	as := waitFor(t, alice, "alice has both", func(s *Snapshot) bool {
		return len(publicTexts(s)) == 1 && hasMessage(s, func(m Message) bool { return m.Kind == Private })
	})
	require.Equal(t, []string{"alice: hello bob\nhow are you?"}, publicTexts(bs))
	require.Equal(t, []string{"alice: hello bob\nhow are you?"}, publicTexts(as))
	for _, m := range as.Messages {
		switch m.Kind {
		case Public:
			require.True(t, m.Own)
		case Private:
			require.False(t, m.Own)
			require.Equal(t, "bob", m.From)
			require.Equal(t, "alice", m.To)
			require.Equal(t, `fine \o/`, m.Text)
		}
	}
	// The private message is also a notification.
	var sawPrivate bool
	for !sawPrivate {
		select {
		case ev := <-alice.Events():
			sawPrivate = ev.Kind == EventPrivate && ev.Message.From == "bob"
		case <-time.After(20 * time.Second):
			t.Fatal("no private-message event")
		}
	}

	// A private message to nobody comes back as an error in the log.
	require.NoError(t, alice.SendPrivate("carol", "hi"))
	waitFor(t, alice, "no-such-user", func(s *Snapshot) bool {
		return s.LastError != nil && s.LastError.Reason == "no-such-user" &&
			hasMessage(s, func(m Message) bool {
				return m.Note == NotePrivNotSent && m.To == "carol" && m.Text == "hi" && m.Err == s.LastError
			})
	})

	// Renaming and leaving are seen by the other side.
	require.NoError(t, bob.SetNick("robert"))
	waitFor(t, alice, "rename", func(s *Snapshot) bool { return strings.Join(nicks(s), ",") == "alice,robert" })
	waitFor(t, bob, "own rename", func(s *Snapshot) bool { return s.Nick == "robert" })
	bob.Quit("bye now")
	require.NoError(t, bob.Wait())
	snap = waitFor(t, alice, "leave", func(s *Snapshot) bool { return len(s.Users) == 1 })
	require.True(t, hasMessage(snap, func(m Message) bool { return m.Note == NoteLeft && m.From == "robert" && m.Reason == "quit: bye now" }))
}

func TestHubNickTakenOnFirstRegistration(t *testing.T) {
	h := startHub(t, server.Config{}, "127.0.0.1:0")
	alice := startClient(t, Config{Addr: h.addr, Nick: "alice"})
	waitFor(t, alice, "alice registered", registered)
	other, err := New(Config{Addr: h.addr, Nick: "Alice"})
	require.NoError(t, err)
	runErr := other.Run(context.Background())
	var he *HubError
	require.ErrorAs(t, runErr, &he)
	require.Equal(t, "nick-in-use", he.Reason)
	s := other.Snapshot()
	require.Equal(t, Closed, s.Conn.State)
	require.Equal(t, CauseRefused, s.Conn.Cause)
}

func TestHubFull(t *testing.T) {
	h := startHub(t, server.Config{MaxClients: 1}, "127.0.0.1:0")
	alice := startClient(t, Config{Addr: h.addr, Nick: "alice"})
	waitFor(t, alice, "alice registered", registered)
	other, err := New(Config{Addr: h.addr, Nick: "bob"})
	require.NoError(t, err)
	runErr := other.Run(context.Background())
	var he *HubError
	require.ErrorAs(t, runErr, &he)
	require.Equal(t, CauseBye, other.Snapshot().Conn.Cause)
	require.Equal(t, he, other.Snapshot().Conn.Err)
	require.Equal(t, proto.ReasonHubFull, he.Reason)
}

func TestHubRestartKeepsLog(t *testing.T) {
	h := startHub(t, server.Config{}, "127.0.0.1:0")
	addr := h.addr
	alice := startClient(t, fastReconnect(Config{Addr: addr, Nick: "alice"}))
	bob := startClient(t, fastReconnect(Config{Addr: addr, Nick: "bob"}))
	waitFor(t, alice, "alice sees bob", func(s *Snapshot) bool { return len(s.Users) == 2 })
	require.NoError(t, alice.Send("before"))
	waitFor(t, bob, "bob has it", func(s *Snapshot) bool { return len(publicTexts(s)) == 1 })

	h.stop()
	snap := waitFor(t, alice, "alice reconnecting", func(s *Snapshot) bool { return s.Conn.State == Reconnecting })
	require.Equal(t, CauseBye, snap.Conn.Cause)
	require.Equal(t, &ByeError{Reason: proto.ByeShutdown}, snap.Conn.Err)
	// Messages typed while the hub is away go out once it is back.
	require.NoError(t, alice.Send("while away"))

	startHub(t, server.Config{}, addr)
	for _, c := range []*Client{alice, bob} {
		snap := waitFor(t, c, "back and registered", func(s *Snapshot) bool {
			return registered(s) && len(s.Users) == 2 && len(publicTexts(s)) == 2
		})
		require.Equal(t, []string{"alice: before", "alice: while away"}, publicTexts(snap))
		require.True(t, hasMessage(snap, func(m Message) bool { return m.Note == NoteReconnected && m.Name == "Test hub" && m.To == snap.Nick }))
	}
	require.Equal(t, "alice", alice.Snapshot().Nick)
}

// blipProxy forwards TCP between clients and a hub; blip cuts the client
// side of every connection while the hub side stays open, as a Wi-Fi drop
// looks to a hub.
type blipProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	client []net.Conn
	hub    []net.Conn
	wg     sync.WaitGroup
}

func newBlipProxy(t *testing.T, target string) *blipProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &blipProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range append(p.client, p.hub...) {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *blipProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		u, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.client = append(p.client, c)
		p.hub = append(p.hub, u)
		p.mu.Unlock()
		p.wg.Add(2)
		// Each direction passes a clean end on, as a real path would; a
		// blip is an error here, which the hub must not hear about.
		go func() { defer p.wg.Done(); passOn(u, c) }()
		go func() { defer p.wg.Done(); passOn(c, u) }()
	}
}

func passOn(dst, src net.Conn) {
	if _, err := io.Copy(dst, src); err != nil {
		return
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

func (p *blipProxy) blip() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.client {
		c.Close()
	}
	p.client = nil
}

func TestHubBlipKeepsLogWithoutDuplicates(t *testing.T) {
	h := startHub(t, server.Config{}, "127.0.0.1:0")
	p := newBlipProxy(t, h.addr)
	bob := startClient(t, Config{Addr: h.addr, Nick: "bob"})
	alice := startClient(t, fastReconnect(Config{Addr: p.ln.Addr().String(), Nick: "alice"}))
	waitFor(t, alice, "alice sees bob", func(s *Snapshot) bool { return len(s.Users) == 2 })
	for i := range 5 {
		require.NoError(t, bob.Send(fmt.Sprintf("m%d", i)))
	}
	waitFor(t, alice, "five", func(s *Snapshot) bool { return len(publicTexts(s)) == 5 })

	// The hub still holds alice's old session: her nick is taken when she
	// comes back, so she carries on as alice2 and says so.
	p.blip()
	snap := waitFor(t, alice, "back as alice2", func(s *Snapshot) bool {
		return registered(s) && s.Nick == "alice2" && len(s.Users) == 3
	})
	require.True(t, hasMessage(snap, func(m Message) bool { return m.Note == NoteNickTaken && m.From == "alice" && m.To == "alice2" }))
	// HISTORY brought the five messages again; the log holds them once.
	require.Equal(t, []string{"bob: m0", "bob: m1", "bob: m2", "bob: m3", "bob: m4"}, publicTexts(snap))
	require.NoError(t, bob.Send("m5"))
	snap = waitFor(t, alice, "six", func(s *Snapshot) bool { return len(publicTexts(s)) == 6 })
	require.Equal(t, "bob: m5", publicTexts(snap)[5])
}

func TestHubSlowConsumerDoesNotStall(t *testing.T) {
	const n = 3000
	h := startHub(t, server.Config{MaxLineRate: 1e6, LineBurst: 1e6}, "127.0.0.1:0")
	fast := Config{SendRate: 1e6, SendBurst: 1e6}
	sender := startClient(t, Config{Addr: h.addr, Nick: "sender", SendRate: fast.SendRate, SendBurst: fast.SendBurst})
	// idle never reads Events or Changed.
	idle, err := New(Config{Addr: h.addr, Nick: "idle", EventBuffer: 8})
	require.NoError(t, err)
	require.NoError(t, idle.Start(context.Background()))
	t.Cleanup(func() { idle.Close() })
	waitFor(t, sender, "both online", func(s *Snapshot) bool { return len(s.Users) == 2 })
	for i := range n {
		require.NoError(t, sender.Send(fmt.Sprintf("message %d", i)))
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := idle.Snapshot()
		if got := len(publicTexts(s)); got == n {
			require.Equal(t, "sender: message 2999", publicTexts(s)[n-1])
			require.Equal(t, 0, s.Conn.Attempt)
			require.Equal(t, Registered, s.Conn.State)
			require.NotZero(t, s.DroppedEvents)
			break
		}
		require.True(t, time.Now().Before(deadline), "idle client stalled at %d messages", len(publicTexts(s)))
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHubCloseBeforeRegistered(t *testing.T) {
	// Nothing listens here: the client keeps trying until closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	c, err := New(fastReconnect(Config{Addr: addr, Nick: "alice"}))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, c.Start(ctx))
	snap := waitFor(t, c, "retrying", func(s *Snapshot) bool { return s.Conn.State == Reconnecting && s.Conn.Attempt >= 2 })
	require.Equal(t, CauseNoHub, snap.Conn.Cause, "%v", snap.Conn.Err)
	require.ErrorIs(t, snap.Conn.Err, syscall.ECONNREFUSED)
	cancel()
	require.NoError(t, c.Wait())
	require.Equal(t, Closed, c.Snapshot().Conn.State)
	require.True(t, errors.Is(c.Start(context.Background()), ErrStarted))
}

func TestHubNickComesBackAfterGhostLeaves(t *testing.T) {
	// The hub notices a silent client quickly here.
	h := startHub(t, server.Config{IdleTimeout: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond}, "127.0.0.1:0")
	p := newBlipProxy(t, h.addr)
	bob := startClient(t, Config{Addr: h.addr, Nick: "bob"})
	alice := startClient(t, fastReconnect(Config{Addr: p.ln.Addr().String(), Nick: "alice"}))
	waitFor(t, alice, "alice sees bob", func(s *Snapshot) bool { return registered(s) && len(s.Users) == 2 })
	p.blip()
	waitFor(t, alice, "back as alice2", func(s *Snapshot) bool { return registered(s) && s.Nick == "alice2" })
	// The hub drops the old session for its silence...
	waitFor(t, bob, "ghost gone", func(s *Snapshot) bool {
		return hasMessage(s, func(m Message) bool { return m.Note == NoteLeft && m.From == "alice" && m.Reason == proto.LeaveTimeout })
	})
	// ...and the next reconnect gets the chosen nick back.
	p.blip()
	snap := waitFor(t, alice, "back as alice", func(s *Snapshot) bool { return registered(s) && s.Nick == "alice" })
	require.Contains(t, nicks(snap), "alice")
}

func TestHubRenameRefused(t *testing.T) {
	h := startHub(t, server.Config{}, "127.0.0.1:0")
	alice := startClient(t, Config{Addr: h.addr, Nick: "alice"})
	bob := startClient(t, Config{Addr: h.addr, Nick: "bob"})
	waitFor(t, alice, "both", func(s *Snapshot) bool { return registered(s) && len(s.Users) == 2 })
	waitFor(t, bob, "registered", registered)
	require.NoError(t, bob.SetNick("ALICE"))
	snap := waitFor(t, bob, "refused", func(s *Snapshot) bool {
		return hasMessage(s, func(m Message) bool {
			return m.Note == NoteNickRefused && m.Err.(*HubError).Reason == proto.ReasonNickInUse
		})
	})
	require.Equal(t, "bob", snap.Nick)
	require.Equal(t, Registered, snap.Conn.State)
	require.Equal(t, "nick-in-use", snap.LastError.Reason)
}

func TestHubSlowerThanDefaultRate(t *testing.T) {
	// A hub whose flood limit is lower than the client's pace: refused
	// messages are sent again, more slowly, and none is lost.
	// The rates of a hub at 5 lines a second and a client at its default
	// pace, both forty times faster, so that the test takes a fortieth of the time.
	h := startHub(t, server.Config{MaxLineRate: 200, LineBurst: 5}, "127.0.0.1:0")
	c := startClient(t, Config{Addr: h.addr, Nick: "alice", SendRate: 720, SendBurst: 40})
	waitFor(t, c, "registered", registered)
	var want []string
	for i := range 20 {
		text := fmt.Sprintf("m%02d", i)
		want = append(want, "alice: "+text)
		require.NoError(t, c.Send(text))
	}
	snap := waitFor(t, c, "all twenty", func(s *Snapshot) bool { return len(publicTexts(s)) == 20 })
	got := publicTexts(snap)
	slices.Sort(got)
	require.Equal(t, want, got)
	require.False(t, hasMessage(snap, func(m Message) bool { return m.Note == NoteNotSent }))
	require.Equal(t, Registered, snap.Conn.State)
	require.Equal(t, 0, snap.Conn.Attempt)
}

func TestHubIntentsFromManyGoroutines(t *testing.T) {
	h := startHub(t, server.Config{MaxLineRate: 1e6, LineBurst: 1e6}, "127.0.0.1:0")
	c := startClient(t, Config{Addr: h.addr, Nick: "alice", SendRate: 1e6, SendBurst: 1e6})
	waitFor(t, c, "registered", registered)
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				assert.NoError(t, c.Send(fmt.Sprintf("w%d m%d", w, i)))
				if i%10 == 0 {
					c.RefreshUsers()
					c.RefreshFiles()
					_ = c.Snapshot().Messages
				}
			}
		}()
	}
	wg.Wait()
	snap := waitFor(t, c, "all messages", func(s *Snapshot) bool { return len(publicTexts(s)) == workers*each })
	// Each goroutine's messages keep their order.
	next := make(map[string]int)
	for _, m := range snap.Messages {
		if m.Kind != Public {
			continue
		}
		var w, i int
		_, err := fmt.Sscanf(m.Text, "w%d m%d", &w, &i)
		require.NoError(t, err)
		key := fmt.Sprint(w)
		require.Equal(t, next[key], i, "worker %d out of order", w)
		next[key]++
	}
}
