package client

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stateRig drives a state by events, at times the test chooses: no
// sockets, no goroutines, no clock.
type stateRig struct {
	t   *testing.T
	st  *state
	now time.Time
	gen uint64
}

func newStateRig(t *testing.T, cfg Config) *stateRig {
	cfg.Addr, cfg.Nick = "hub.example:50000", "alice"
	cfg.setDefaults()
	return &stateRig{t: t, st: newState(&cfg, slog.New(slog.DiscardHandler), 1),
		now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// apply applies ev at the rig's time and returns a copy of the effects.
func (r *stateRig) apply(ev event) []effect {
	return append([]effect(nil), r.st.apply(ev, r.now)...)
}

// hub applies a line from the hub on the current connection.
func (r *stateRig) hub(raw string) []effect {
	r.t.Helper()
	h, err := parseHubLine(raw)
	require.NoError(r.t, err, raw)
	return r.apply(event{kind: evInbound, in: inbound{gen: r.gen, kind: inLine, line: h}})
}

// connect plays a connect attempt that succeeds and a registration.
func (r *stateRig) connect(effs []effect) {
	r.t.Helper()
	dial := only(r.t, effs, effDial)
	r.gen = dial.gen
	only(r.t, r.apply(event{kind: evInbound, in: inbound{gen: r.gen, kind: inDialed}, host: "10.0.0.7"}), effOpen)
	require.Equal(r.t, []string{"NICK alice"}, sent(r.hub("HELLO natter/1 Test hub")))
	require.Equal(r.t, []string{"FILES"}, sent(r.hub("WELCOME alice")))
	require.Equal(r.t, Registered, r.st.connection().State)
}

// only returns the one effect of kind in effs, failing if there is not
// exactly one.
func only(t *testing.T, effs []effect, kind effectKind) effect {
	t.Helper()
	var found []effect
	for _, e := range effs {
		if e.kind == kind {
			found = append(found, e)
		}
	}
	require.Len(t, found, 1, "effects of kind %d in %v", kind, effs)
	return found[0]
}

func has(effs []effect, kind effectKind) bool {
	for _, e := range effs {
		if e.kind == kind {
			return true
		}
	}
	return false
}

// sent is the lines the effects write, without their LF.
func sent(effs []effect) []string {
	var out []string
	for _, e := range effs {
		if e.kind == effSend {
			out = append(out, e.req.line[:len(e.req.line)-1])
		}
	}
	return out
}

func TestStatePingsThenReconnects(t *testing.T) {
	r := newStateRig(t, Config{})
	r.connect(r.apply(event{kind: evStart}))
	cfg := r.st.cfg
	start := r.now

	// Silent for just under PingIdle: nothing to do.
	r.now = start.Add(cfg.PingIdle - time.Nanosecond)
	require.Empty(t, sent(r.apply(event{kind: evTimer})))
	require.Equal(t, start.Add(cfg.PingIdle), r.st.nextDeadline(r.now))
	r.now = start.Add(cfg.PingIdle)
	require.Equal(t, []string{"PING c1"}, sent(r.apply(event{kind: evTimer})))

	// Any line counts as an answer; a hub silent for PingTimeout after a
	// PING is left.
	r.now = r.now.Add(cfg.PingTimeout / 2)
	r.hub("PONG c1")
	r.now = r.now.Add(cfg.PingIdle)
	require.Equal(t, []string{"PING c2"}, sent(r.apply(event{kind: evTimer})))
	r.now = r.now.Add(cfg.PingTimeout)
	closed := only(t, r.apply(event{kind: evTimer}), effClose)
	require.Equal(t, r.gen, closed.gen)
	conn := r.st.connection()
	require.Equal(t, Reconnecting, conn.State)
	require.Equal(t, CauseNoAnswer, conn.Cause)
	// The first attempt comes within ReconnectMin, jittered to no less than half.
	wait := conn.NextTry.Sub(r.now)
	require.True(t, wait >= cfg.ReconnectMin/2 && wait <= cfg.ReconnectMin, "first retry after %v", wait)

	// Nothing before NextTry; a new attempt at it.
	r.now = conn.NextTry.Add(-time.Nanosecond)
	require.False(t, has(r.apply(event{kind: evTimer}), effDial))
	r.now = conn.NextTry
	r.connect(r.apply(event{kind: evTimer}))
	require.Equal(t, uint64(2), r.gen)
	last := r.st.messages.msgs[len(r.st.messages.msgs)-1]
	require.Equal(t, NoteReconnected, last.Note)
	require.Equal(t, r.now, last.Time, "the client's lines carry the time of the event")
}

func TestStateBackOffDoubles(t *testing.T) {
	r := newStateRig(t, Config{ReconnectMin: 100 * time.Millisecond, ReconnectMax: 800 * time.Millisecond})
	effs := r.apply(event{kind: evStart})
	for attempt := 1; attempt <= 6; attempt++ {
		gen := only(t, effs, effDial).gen
		r.apply(event{kind: evInbound, in: inbound{gen: gen, kind: inDialed, err: fmt.Errorf("dial: %w", errHubClosed)}})
		conn := r.st.connection()
		require.Equal(t, attempt, conn.Attempt)
		full := min(100*time.Millisecond<<(attempt-1), 800*time.Millisecond)
		wait := conn.NextTry.Sub(r.now)
		require.True(t, wait >= full/2 && wait <= full, "attempt %d waits %v, want %v/2..%v", attempt, wait, full, full)
		r.now = conn.NextTry
		effs = r.apply(event{kind: evTimer})
	}
}

func TestStateDownloadMakesFolderThenAsks(t *testing.T) {
	r := newStateRig(t, Config{DownloadDir: "/data/dl"})
	r.connect(r.apply(event{kind: evStart}))
	effs := r.apply(event{kind: evIntent, intent: intent{kind: intentDownload, xfer: 1, name: "a.txt"}})
	prep := only(t, effs, effPrepare)
	require.Equal(t, "/data/dl", prep.path)
	require.Empty(t, sent(effs), "nothing is asked before the folder is there")

	effs = r.apply(event{kind: evPrepared, xfer: xferMsg{id: prep.xfer}})
	require.Equal(t, []string{"GET a.txt"}, sent(effs))
	effs = r.hub(fmt.Sprintf("GET tok1 4000 5 %064x a.txt", 1))
	j := only(t, effs, effJob).job
	require.Equal(t, jobDownload, j.kind)
	require.Equal(t, "10.0.0.7:4000", j.addr, "the host the connection reached")
	require.Equal(t, "tok1", j.token)
	require.Equal(t, int64(5), j.size)

	// Cancel stops the worker; its result then finishes the transfer and
	// removes what it left.
	cancel := only(t, r.apply(event{kind: evIntent, intent: intent{kind: intentCancel, xfer: 1}}), effCancel)
	require.Same(t, j.w, cancel.w)
	effs = r.apply(event{kind: evXfer, xfer: xferMsg{id: 1, w: j.w, kind: xferFinished, err: fmt.Errorf("stopped")}})
	require.Equal(t, "/data/dl/a.txt.part", only(t, effs, effRemove).path)
	x := r.st.sched.find(1)
	require.Equal(t, TransferCancelled, x.t.State)
	require.Equal(t, XferCancelled, x.t.Reason)
}

func TestStateFolderThatCannotBeMadeFailsUnasked(t *testing.T) {
	r := newStateRig(t, Config{DownloadDir: "/data/dl"})
	r.connect(r.apply(event{kind: evStart}))
	prep := only(t, r.apply(event{kind: evIntent, intent: intent{kind: intentDownload, xfer: 1, name: "a.txt"}}), effPrepare)
	effs := r.apply(event{kind: evPrepared, xfer: xferMsg{id: prep.xfer, err: fmt.Errorf("mkdir /data: permission denied")}})
	require.Empty(t, sent(effs))
	x := r.st.sched.find(1)
	require.Equal(t, TransferFailed, x.t.State)
	require.Equal(t, XferNoFolder, x.t.Reason)
	require.Zero(t, r.st.sched.active(), "no slot is held")
}
