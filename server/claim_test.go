package server

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/core/proto"
)

// claimHub is a hub with a plaintext and a TLS port on 127.0.0.1 and its
// data in dataDir, which the test may stop and start again on that folder.
type claimHub struct {
	h             *Hub
	addr, tlsAddr string
	fp            identity.Fingerprint
	stop          func()
}

func startClaimHub(t *testing.T, dataDir string, configure func(*Config)) *claimHub {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Dir = t.TempDir()
	cfg.Name = "Test hub"
	cfg.DataDir = dataDir
	cfg.Addr = "127.0.0.1:0"
	cfg.TLS = &TLSConfig{Addr: "127.0.0.1:0"}
	cfg.Logger = slog.New(slog.DiscardHandler)
	if configure != nil {
		configure(&cfg)
	}
	h, err := New(cfg)
	require.NoError(t, err)
	ls, err := h.Listen()
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.ServeListeners(ctx, ls) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(guard):
			t.Error("hub did not stop")
		}
	}
	t.Cleanup(stop)
	fp, _ := h.Fingerprint()
	c := &claimHub{h: h, tlsAddr: ls.TLS.Addr().String(), fp: fp, stop: stop}
	if ls.Sessions != nil {
		c.addr = ls.Sessions.Addr().String()
	}
	return c
}

func newDevice(t *testing.T) *identity.Identity {
	t.Helper()
	d, err := identity.LoadOrCreateDevice(filepath.Join(t.TempDir(), "device"))
	require.NoError(t, err)
	return d
}

// registerAs sends NICK nick and reads WELCOME, USERS and HISTORY; it
// returns the WELCOME event and the USER lines.
func registerAs(t *testing.T, c *testClient, nick string) (proto.Event, []string) {
	t.Helper()
	c.nick = nick
	c.send("NICK " + nick)
	welcome := c.event()
	require.Equal(t, proto.KwWelcome, welcome.Keyword, "got %v", welcome)
	users := c.readBlock(proto.KwUsers)
	c.readBlock(proto.KwHistory)
	return welcome, users
}

func TestClaimOverTLS(t *testing.T) {
	hub := startClaimHub(t, t.TempDir(), nil)
	alice := newDevice(t)

	// CAPS announces claim on both ports.
	plain := dial(t, hub.addr)
	caps := plain.event()
	_, ok := caps.Capability(proto.CapClaim)
	assert.True(t, ok, "CAPS %q has claim", caps.Text)

	// Over plaintext, and over TLS without a certificate: need-identity.
	plain.send("CLAIM")
	plain.expectErr(401, proto.KwClaim, proto.ReasonRegisterFirst)
	registerAs(t, plain, "carol")
	plain.send("CLAIM")
	expectErrPast(plain, 403, proto.KwClaim, proto.ReasonNeedIdentity)
	anon, _ := dialTLS(t, hub.tlsAddr, nil, hub.fp)
	registerAs(t, anon, "dave")
	anon.send("CLAIM")
	anon.expectErr(403, proto.KwClaim, proto.ReasonNeedIdentity)

	a, _ := dialTLS(t, hub.tlsAddr, alice, hub.fp)
	w, _ := registerAs(t, a, "Alice")
	assert.Empty(t, w.Flags, "not owned yet")
	a.send("CLAIM")
	a.expect("CLAIMED Alice")
	a.send("USERS")
	assert.Contains(t, a.readBlock(proto.KwUsers), "Alice o")
	a.send("QUIT")
	a.expect("BYE quit")

	// Another identity, and none, cannot take it or a look-alike of it.
	bob := newDevice(t)
	b, _ := dialTLS(t, hub.tlsAddr, bob, hub.fp)
	for _, nick := range []string{"alice", "ALICE", "аlice", "ＡＬＩＣＥ"} {
		b.send("NICK " + nick)
		b.expectErr(409, proto.KwNick, proto.ReasonNickOwned)
	}
	plain.send("NICK alice")
	expectErrPast(plain, 409, proto.KwNick, proto.ReasonNickOwned)
	// Registered as bob, a rename to it is refused too.
	registerAs(t, b, "bob")
	b.send("NICK аlice")
	b.expectErr(409, proto.KwNick, proto.ReasonNickOwned)
	b.send("CLAIM")
	b.expect("CLAIMED bob")

	// The owner comes back, in another spelling of the key, and is flagged:
	// in WELCOME, in USERS, and in the JOIN the others see.
	a, _ = dialTLS(t, hub.tlsAddr, alice, hub.fp)
	w, users := registerAs(t, a, "ALICE")
	assert.True(t, w.Owned(), "WELCOME %v", w)
	assert.Contains(t, users, "ALICE o")
	assert.Contains(t, users, "bob o")
	assert.Contains(t, users, "carol")
	a.expect("INBOX 0")
	var ev proto.Event
	for range 10 {
		if ev = plain.event(); ev.Keyword == proto.KwJoin && ev.Nick == "ALICE" {
			break
		}
	}
	assert.Equal(t, "ALICE", ev.Nick)
	assert.True(t, ev.Owned(), "%v", ev)

	// UNCLAIM gives it up: another may take it then.
	a.send("UNCLAIM")
	a.expect("UNCLAIMED ALICE")
	a.send("NICK alice2")
	a.skipTo("RENAME ")
	assert.Equal(t, "ALICE alice2", fieldsAfter(plain.skipTo("RENAME "), 2))
	plain.send("NICK alice")
	assert.Equal(t, "carol alice", fieldsAfter(plain.skipTo("RENAME "), 2))
}

// expectErrPast reads the ERR a request got, past the presence lines of
// others coming and going.
func expectErrPast(c *testClient, code int, kw, reason string) {
	c.t.Helper()
	for range 20 {
		ev := c.event()
		switch ev.Keyword {
		case proto.KwJoin, proto.KwLeave, proto.KwRename:
			continue
		}
		require.Equal(c.t, proto.KwErr, ev.Keyword, "got %v", ev)
		require.Equal(c.t, proto.Error{Code: code, Keyword: kw, Reason: reason}, proto.Error{Code: ev.Err.Code, Keyword: ev.Err.Keyword, Reason: ev.Err.Reason}, "%v", ev)
		return
	}
	c.t.Fatal("no ERR")
}

// A look-alike of an owned nick may not be claimed by another identity.
func TestClaimLookAlikeRefused(t *testing.T) {
	hub := startClaimHub(t, t.TempDir(), nil)
	a, _ := dialTLS(t, hub.tlsAddr, newDevice(t), hub.fp)
	registerAs(t, a, "alice")
	a.send("CLAIM")
	a.expect("CLAIMED alice")
	// One identity may own more than one nick.
	a.send("NICK fiona")
	a.skipTo("RENAME ")
	a.send("CLAIM")
	a.expect("CLAIMED fiona")
	// A nick that is no PRECIS username cannot be owned.
	a.send("NICK ﬁnn")
	a.skipTo("RENAME ")
	a.send("CLAIM")
	a.expectErr(400, proto.KwClaim, proto.ReasonBadNick)
	a.send("QUIT")
	a.expect("BYE quit")
	b, _ := dialTLS(t, hub.tlsAddr, newDevice(t), hub.fp)
	for _, nick := range []string{"аlice", "ＡＬＩＣＥ", "aIice", "ﬁona", "FIONA"} {
		b.send("NICK " + nick)
		e := b.expectErr(409, proto.KwNick, proto.ReasonNickOwned)
		assert.Contains(t, e.Detail, "owned", nick)
	}
	registerAs(t, b, "alicia")
	b.send("CLAIM")
	b.expect("CLAIMED alicia")
}

// Messages to an offline owner are kept across a restart of the hub, and
// delivered once, with their times, when the owner next registers.
func TestKeptMessagesSurviveRestart(t *testing.T) {
	dataDir := t.TempDir()
	alice := newDevice(t)
	hub := startClaimHub(t, dataDir, func(c *Config) { c.KeptMessages = 2 })
	a, _ := dialTLS(t, hub.tlsAddr, alice, hub.fp)
	registerAs(t, a, "alice")
	a.send("CLAIM")
	a.expect("CLAIMED alice")
	a.send("QUIT")
	a.expect("BYE quit")

	b := dial(t, hub.addr)
	b.event() // CAPS
	registerAs(t, b, "bob")
	var times []int64
	for _, text := range []string{"first", `two\nlines`} {
		b.send("PRIV ALICE " + text)
		conf := b.event()
		require.Equal(t, proto.KwPriv, conf.Keyword, "got %v", conf)
		assert.Equal(t, "alice", conf.To)
		kept := b.event()
		assert.Equal(t, proto.Event{Keyword: proto.KwKept, Time: conf.Time, Nick: "alice"}, kept)
		times = append(times, conf.Time)
	}
	b.send("PRIV alice third")
	b.expectErr(507, proto.KwPriv, proto.ReasonNoSpace)
	b.send("PRIV nobody hi")
	b.expectErr(404, proto.KwPriv, proto.ReasonNoSuchUser)
	hub.stop()

	hub = startClaimHub(t, dataDir, nil)
	// The owned nick survived too.
	c, _ := dialTLS(t, hub.tlsAddr, nil, hub.fp)
	c.send("NICK alice")
	c.expectErr(409, proto.KwNick, proto.ReasonNickOwned)

	a, _ = dialTLS(t, hub.tlsAddr, alice, hub.fp)
	w, _ := registerAs(t, a, "alice")
	assert.True(t, w.Owned())
	a.expect("INBOX 2")
	for i, text := range []string{"first", "two\nlines"} {
		ev := a.event()
		assert.Equal(t, proto.Event{Keyword: proto.KwPriv, Time: times[i], Nick: "bob", To: "alice", Text: text}, ev)
	}
	a.send("QUIT")
	a.expect("BYE quit")

	// Once: the next registration finds nothing.
	a, _ = dialTLS(t, hub.tlsAddr, alice, hub.fp)
	registerAs(t, a, "alice")
	a.expect("INBOX 0")
	// The owner online gets a PRIV as anyone does, nothing kept.
	b = dial(t, hub.addr)
	b.event()
	registerAs(t, b, "bob")
	b.send("PRIV alice live")
	assert.True(t, strings.HasSuffix(b.skipTo("PRIV "), " bob alice live"))
	assert.True(t, strings.HasSuffix(a.skipTo("PRIV "), " bob alice live"))
}

// A look-alike of a nick online is refused as in use (natter/1 section 9),
// and free again once its holder has gone.
func TestOnlineLookAlikeRefused(t *testing.T) {
	hub := startClaimHub(t, t.TempDir(), nil)
	a := dial(t, hub.addr)
	a.event() // CAPS
	registerAs(t, a, "alice")
	b := dial(t, hub.addr)
	b.event()
	for _, nick := range []string{"аlice", "aIice", "ＡＬＩＣＥ"} {
		b.send("NICK " + nick)
		b.expectErr(409, proto.KwNick, proto.ReasonNickInUse)
	}
	registerAs(t, b, "bob")
	b.send("NICK aIice")
	expectErrPast(b, 409, proto.KwNick, proto.ReasonNickInUse)
	// alice may write her own nick another way.
	a.send("NICK aIice")
	assert.Equal(t, "alice aIice", fieldsAfter(a.skipTo("RENAME "), 2))
	a.send("QUIT")
	a.expect("BYE quit")
	b.send("NICK аlice")
	for range 10 {
		if ev := b.event(); ev.Keyword == proto.KwRename && ev.Nick == "bob" {
			assert.Equal(t, "аlice", ev.NewNick)
			return
		}
	}
	t.Fatal("bob was not renamed")
}
