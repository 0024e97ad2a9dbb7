package server

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

func TestHostOf(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":                "192.0.2.7/32",
		"::ffff:192.0.2.7":         "192.0.2.7/32",
		"2001:db8:1:2:3:4:5:6":     "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":     "2001:db8:1:2::/64",
		"fe80::1%eth0":             "fe80::/64",
		"2001:db8:1:3::1":          "2001:db8:1:3::/64",
		"::1":                      "::/64",
		"2001:db8:0:0:0:0:0:00ff":  "2001:db8::/64",
		"2001:0db8:0001:0002::abc": "2001:db8:1:2::/64",
	} {
		assert.Equal(t, want, hostOf(netip.MustParseAddr(in)).String(), in)
	}
}

func TestBucket(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	var b bucket
	for i := range 3 {
		require.True(t, b.take(t0, 2, 3), "token %d of the burst", i)
	}
	assert.False(t, b.take(t0, 2, 3), "the burst is spent")
	assert.False(t, b.take(t0.Add(400*time.Millisecond), 2, 3), "0.8 tokens")
	assert.True(t, b.take(t0.Add(500*time.Millisecond), 2, 3), "one token after half a second at 2/s")
	assert.False(t, b.full(t0.Add(time.Second), 2, 3))
	assert.True(t, b.full(t0.Add(2*time.Second), 2, 3))
}

func TestParseHostList(t *testing.T) {
	p, err := ParseHostList("127.0.0.1, 10.1.0.0/16,::1,::ffff:192.0.2.1")
	require.NoError(t, err)
	assert.Equal(t, "[127.0.0.1/32 10.1.0.0/16 ::1/128 192.0.2.1/32]", fmt.Sprint(p))
	_, err = ParseHostList("127.0.0.1,bogus")
	assert.ErrorContains(t, err, `"bogus"`)
}

// dialFrom connects to addr from the loopback address from, which stands
// in for another host.
func dialFrom(t testing.TB, from, addr string) *testClient {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: guard}
	conn, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &testClient{t: t, conn: conn, r: proto.NewReader(bufio.NewReader(conn), proto.MaxHubLineLen)}
}

// admitted reports whether the hub kept c's session: it answers PING, or
// it refused it with an ERR (whose reason is returned) and BYE.
func admitted(t *testing.T, c *testClient) (bool, string) {
	t.Helper()
	c.expect("HELLO natter/1 Test hub")
	c.send("PING probe")
	ev := c.event()
	if ev.Keyword == proto.KwPong {
		return true, ""
	}
	require.Equal(t, proto.KwErr, ev.Keyword, "got %v", ev)
	bye := c.event()
	require.Equal(t, proto.KwBye, bye.Keyword, "got %v", bye)
	return false, ev.Err.Reason
}

// One host that opens connections without end holds at most its share of
// the hub; a client from another host joins and chats as ever.
func TestHostConnectionFloodLeavesRoomForOthers(t *testing.T) {
	h := startHub(t, nil)
	const attempts = 100
	kept, refused := 0, map[string]int{}
	for range attempts {
		c := dialFrom(t, "127.0.0.2", h.addr)
		if ok, reason := admitted(t, c); ok {
			kept++
		} else {
			refused[reason]++
			c.conn.Close()
		}
	}
	assert.LessOrEqual(t, kept, DefaultHostSessions)
	assert.Equal(t, attempts, kept+refused[proto.ReasonHubFull]+refused[proto.ReasonSlowDown], "refused: %v", refused)
	assert.Positive(t, refused[proto.ReasonHubFull], "the host's sessions are capped")

	victim, _, _ := register(t, h.addr, "victim")
	victim.send("MSG still here")
	assert.Contains(t, victim.readLine(), " victim still here")
}

func TestHostConnectRate(t *testing.T) {
	h := startHub(t, func(c *Config) {
		c.Hosts.ConnectRate = 0.001 // none refill within the test
		c.Hosts.ConnectBurst = 5
	})
	for i := range 5 {
		c := dialFrom(t, "127.0.0.2", h.addr)
		ok, _ := admitted(t, c)
		require.True(t, ok, "connection %d is within the burst", i)
		c.conn.Close()
	}
	c := dialFrom(t, "127.0.0.2", h.addr)
	ok, reason := admitted(t, c)
	assert.False(t, ok, "a host that reopens each connection is slowed down")
	assert.Equal(t, proto.ReasonSlowDown, reason)

	other := dialFrom(t, "127.0.0.3", h.addr)
	ok, _ = admitted(t, other)
	assert.True(t, ok, "another host is not affected")
}

func TestHostExempt(t *testing.T) {
	h := startHub(t, func(c *Config) {
		c.Hosts.MaxSessions = 2
		c.Hosts.Exempt, _ = ParseHostList("127.0.0.2")
	})
	for i := range 5 {
		ok, _ := admitted(t, dialFrom(t, "127.0.0.2", h.addr))
		require.True(t, ok, "exempt session %d", i)
	}
	for i := range 2 {
		ok, _ := admitted(t, dialFrom(t, "127.0.0.3", h.addr))
		require.True(t, ok, "session %d of a host that is not exempt", i)
	}
	ok, reason := admitted(t, dialFrom(t, "127.0.0.3", h.addr))
	assert.False(t, ok)
	assert.Equal(t, proto.ReasonHubFull, reason)
}

// A host that renames without end is slowed down; each rename that goes
// through is one RENAME line to everyone, so this bounds what it sends them.
func TestHostRenameRate(t *testing.T) {
	h := startHub(t, func(c *Config) { c.Hosts.NickBurst = 5 })
	c := dialFrom(t, "127.0.0.2", h.addr)
	c.expect("HELLO natter/1 Test hub")
	c.send("NICK r0")
	c.expect("WELCOME r0")
	c.readBlock(proto.KwUsers)
	c.readBlock(proto.KwHistory)
	for i := 1; i < 5; i++ {
		c.send(fmt.Sprintf("NICK r%d", i))
		assert.Equal(t, proto.KwRename, c.event().Keyword, "rename %d is within the burst", i)
	}
	c.send("NICK r9")
	c.expectErr(429, proto.KwNick, proto.ReasonSlowDown)
	c.send("PING alive")
	c.expect("PONG alive")

	// Another host registers and renames as ever.
	v, _, _ := register(t, h.addr, "victim")
	v.send("NICK victim2")
	assert.Equal(t, proto.KwRename, v.event().Keyword)
}

// A host that joins and quits in a loop gets only its burst of
// registrations through (each one a JOIN and a LEAVE to everyone); the
// rest are refused with ERR 429 NICK slow-down and never joined.
func TestHostJoinQuitLoop(t *testing.T) {
	h := startHub(t, func(c *Config) {
		c.Hosts.NickRate = 0.001 // none refill within the test
		c.Hosts.NickBurst = 5
		c.Hosts.ConnectBurst = 1000
	})
	victim, _, _ := register(t, h.addr, "victim")
	joined := 0
	for i := range 60 {
		c := dialFrom(t, "127.0.0.2", h.addr)
		c.expect("HELLO natter/1 Test hub")
		c.send(fmt.Sprintf("NICK loop%d", i))
		ev := c.event()
		switch ev.Keyword {
		case proto.KwWelcome:
			joined++
		case proto.KwErr:
			require.Equal(t, proto.ReasonSlowDown, ev.Err.Reason)
		default:
			t.Fatalf("got %v", ev)
		}
		c.send("QUIT")
		c.conn.Close()
	}
	assert.Equal(t, 5, joined, "the burst, and no more")
	victim.send("MSG fine")
	victim.skipTo("MSG ")
}
