package client

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A hub that drops the client right after each registration sees it back
// later and later, and the client says it is being dropped again; a
// session that lasts ends the streak.
func TestStateQuickDropsBackOff(t *testing.T) {
	r := newStateRig(t, Config{ReconnectMin: 100 * time.Millisecond, ReconnectMax: time.Minute})
	r.connect(r.apply(event{kind: evStart}))
	for drop := 1; drop <= 5; drop++ {
		r.now = r.now.Add(time.Second)
		r.hub("BYE too-slow")
		conn := r.st.connection()
		require.Equal(t, Reconnecting, conn.State)
		if drop < dropsBeforeCause {
			require.Equal(t, CauseBye, conn.Cause, "drop %d", drop)
		} else {
			require.Equal(t, CauseDroppedAgain, conn.Cause, "drop %d", drop)
		}
		var be *ByeError
		require.True(t, errors.As(conn.Err, &be), "drop %d: the drop's own reason is kept: %v", drop, conn.Err)
		require.Equal(t, "too-slow", be.Reason)
		full := 100 * time.Millisecond << drop
		wait := conn.NextTry.Sub(r.now)
		require.True(t, wait >= full/2 && wait <= full, "drop %d waits %v, want %v/2..%v", drop, wait, full, full)
		r.now = conn.NextTry
		r.connect(r.apply(event{kind: evTimer}))
	}
	// A session that lasts: its drop is a new trouble, retried at once.
	r.now = r.now.Add(shortSession)
	r.hub("BYE too-slow")
	conn := r.st.connection()
	require.Equal(t, CauseBye, conn.Cause)
	wait := conn.NextTry.Sub(r.now)
	require.LessOrEqual(t, wait, 100*time.Millisecond)
}
