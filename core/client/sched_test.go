package client

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// recordingHost is an xferHost that keeps what the scheduler asks for.
type recordingHost struct {
	effects []effect
	sent    []string
	lines   []Message
	online  bool
}

func (h *recordingHost) do(e effect)        { h.effects = append(h.effects, e) }
func (h *recordingHost) sendNow(r *request) { h.sent = append(h.sent, r.line[:len(r.line)-1]) }
func (h *recordingHost) system(m Message)   { h.lines = append(h.lines, m) }
func (h *recordingHost) registered() bool   { return h.online }
func (h *recordingHost) closing() bool      { return false }

// prepareAll answers every folder the scheduler asked for as made.
func (h *recordingHost) prepareAll(q *scheduler) {
	effs := h.effects
	h.effects = nil
	for _, e := range effs {
		if e.kind == effPrepare {
			q.prepared(e.xfer, nil)
		}
	}
}

func TestSchedulerBusyHoldsEveryTransfer(t *testing.T) {
	host := &recordingHost{online: true}
	q := newScheduler(host, &Config{MaxTransfers: 2, DownloadDir: "/dl"})
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	q.now = t0
	for i, name := range []string{"a", "b", "c"} {
		q.add(intent{kind: intentDownload, xfer: TransferID(i + 1), name: name})
		host.prepareAll(q)
	}
	require.Equal(t, []string{"GET a", "GET b"}, host.sent)
	c := q.find(3)
	require.Equal(t, TransferQueued, c.t.State)
	require.Equal(t, XferWaitSlots, c.t.Reason)
	require.Equal(t, 2, c.t.Limit)

	// The hub says busy to a: nothing is asked until the hold is over,
	// not even c in the slot a left.
	host.sent = nil
	q.refused(1, &HubError{Code: 409, Keyword: "GET", Reason: "busy"})
	require.Equal(t, XferHubBusy, q.find(1).t.Reason)
	hold := q.deadline(t0)
	require.Equal(t, t0.Add(500*time.Millisecond), hold)
	q.now = hold.Add(-time.Nanosecond)
	q.schedule(q.now)
	host.prepareAll(q)
	require.Empty(t, host.sent)
	q.now = hold
	q.schedule(q.now)
	host.prepareAll(q)
	require.Equal(t, []string{"GET a"}, host.sent, "asked again in the order they were queued")
	require.Equal(t, TransferQueued, q.find(3).t.State)
}

func TestSchedulerWaitsForTheHub(t *testing.T) {
	host := &recordingHost{}
	q := newScheduler(host, &Config{MaxTransfers: 4, DownloadDir: "/dl"})
	q.add(intent{kind: intentDownload, xfer: 1, name: "a"})
	require.False(t, has(host.effects, effPrepare), "nothing is prepared while away")
	require.Equal(t, XferWaitHub, q.find(1).t.Reason)
	host.online = true
	q.schedule(q.now)
	host.prepareAll(q)
	require.Equal(t, []string{"GET a"}, host.sent)
	require.Equal(t, XferAsking, q.find(1).t.Reason)

	// A drop puts it back, waiting for the hub to come back.
	host.online = false
	q.interrupted()
	require.Equal(t, TransferQueued, q.find(1).t.State)
	require.Equal(t, XferWaitReconnect, q.find(1).t.Reason)
	q.schedule(q.now)
	require.Equal(t, XferWaitReconnect, q.find(1).t.Reason, "still the more telling reason")
}
