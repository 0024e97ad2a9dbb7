package client

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// dialedRig is a state whose first connect attempt has just connected,
// before any line from the other end.
func dialedRig(t *testing.T) *stateRig {
	r := newStateRig(t, Config{})
	dial := only(t, r.apply(event{kind: evStart}), effDial)
	r.gen = dial.gen
	only(t, r.apply(event{kind: evInbound, in: inbound{gen: r.gen, kind: inDialed}, host: "10.0.0.7"}), effOpen)
	return r
}

func TestStateLeavesAnAddressThatSendsNoHello(t *testing.T) {
	r := dialedRig(t)
	cfg, start := r.st.cfg, r.now
	require.Equal(t, start.Add(cfg.HelloTimeout), r.st.nextDeadline(r.now), "the HELLO deadline is the next one")

	// Silent for just under HelloTimeout: still waiting.
	r.now = start.Add(cfg.HelloTimeout - time.Nanosecond)
	require.False(t, has(r.apply(event{kind: evTimer}), effClose))
	require.Equal(t, Connecting, r.st.connection().State)

	r.now = start.Add(cfg.HelloTimeout)
	closed := only(t, r.apply(event{kind: evTimer}), effClose)
	require.Equal(t, r.gen, closed.gen)
	conn := r.st.connection()
	require.Equal(t, Reconnecting, conn.State)
	require.Equal(t, CauseNotNatter, conn.Cause)
	require.Equal(t, "not-natter", conn.Cause.String())
}

func TestStateWaitsNoLongerForHelloOnceItCame(t *testing.T) {
	r := dialedRig(t)
	cfg, start := r.st.cfg, r.now
	require.Equal(t, []string{"NICK alice"}, sent(r.hub("HELLO natter/1 Test hub")))
	// The hub greeted us: the slower registration deadline rules.
	require.Equal(t, start.Add(cfg.PingTimeout), r.st.nextDeadline(r.now))
	r.now = start.Add(cfg.HelloTimeout)
	require.False(t, has(r.apply(event{kind: evTimer}), effClose))
	require.Equal(t, Connecting, r.st.connection().State)
}

// TestSilentListenerIsNotANatterHub joins a real TCP listener on loopback
// that accepts and says nothing, as a web server or a database would.
func TestSilentListenerIsNotANatterHub(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- conn
		}
	}()
	defer func() {
		ln.Close()
		for conn := range accepted {
			conn.Close()
		}
	}()
	c := startClient(t, Config{Addr: ln.Addr().String(), Nick: "alice", HelloTimeout: 100 * time.Millisecond,
		ReconnectMin: time.Minute, ReconnectMax: time.Minute})
	snap := waitFor(t, c, "the address is found not to be a hub", func(s *Snapshot) bool {
		return s.Conn.State == Reconnecting && s.Conn.Cause == CauseNotNatter
	})
	require.ErrorIs(t, snap.Conn.Err, errNoHello)
}
