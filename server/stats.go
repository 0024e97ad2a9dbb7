package server

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// Stats is what a hub has done since it started and what it holds now, for
// a health check or a metrics endpoint. Counters only grow.
type Stats struct {
	// Serving says that the hub accepts sessions: it has started and is
	// not shutting down.
	Serving bool
	// Sessions are the open connections, registered or not; Registered
	// the sessions with a nick.
	Sessions, Registered int
	// Registrations counts the nicks accepted (a reconnect counts again).
	Registrations uint64
	// Messages and PrivateMessages count the MSG and PRIV lines accepted;
	// Deliveries the copies of them queued for clients.
	Messages, PrivateMessages, Deliveries uint64
	// Ended counts the sessions that ended, by reason: the LEAVE reason of
	// a registered session ("quit", "timeout", "too-slow", "flood",
	// "connection-lost"), or the BYE reason of one that never registered
	// ("registration-timeout", "hub-full", "shutdown").
	Ended map[string]uint64
	// QueuedBytes are the bytes waiting in the sessions' output queues.
	QueuedBytes int64
	// Transfers are the hub's file transfers; zero without transfers.
	Transfers TransferStats
	// Store is the stored history; zero without a data folder.
	Store StoreStats
}

// StoreStats counts the writes of a hub's stored history.
type StoreStats struct {
	// On says the hub has a store; Working that its last write succeeded.
	On, Working bool
	// Commits counts the grouped writes that succeeded, Messages the
	// messages they stored, CommitTime the time they took altogether, and
	// Failures the writes that failed (a full disk, a read-only folder).
	Commits, Messages, Failures uint64
	CommitTime                  time.Duration
	// Backlog are the messages waiting to be stored while writes fail.
	Backlog int
}

// TransferStats counts a hub's file transfers.
type TransferStats struct {
	// Slots are the grants not used yet plus the transfers running.
	Slots int
	// Granted counts GET and PUT grants; Done and Failed the transfers
	// that ended each way, by direction.
	GetsGranted, PutsGranted       uint64
	DownloadsDone, DownloadsFailed uint64
	UploadsDone, UploadsFailed     uint64
	DownloadedBytes, UploadedBytes uint64 // of the transfers done
	// SealDropped counts packets of sealed transfers dropped because they
	// did not open: forged, altered, replayed or not sealed.
	SealDropped uint64
}

// endReasons are the reasons Stats.Ended counts by name; any other counts
// as "other".
var endReasons = [...]string{
	proto.LeaveQuit, proto.LeaveTimeout, proto.LeaveTooSlow, proto.LeaveFlood, proto.LeaveConnectionLost,
	proto.ByeRegistrationTimeout, proto.ByeHubFull, proto.ByeShutdown, "other",
}

// hubStats holds a hub's counters; each is updated without the hub's lock.
type hubStats struct {
	registrations atomic.Uint64
	messages      atomic.Uint64
	private       atomic.Uint64
	deliveries    atomic.Uint64
	ended         [len(endReasons)]atomic.Uint64
}

// transferCounters holds a transfer service's counters.
type transferCounters struct {
	getsGranted, putsGranted       atomic.Uint64
	downloadsDone, downloadsFailed atomic.Uint64
	uploadsDone, uploadsFailed     atomic.Uint64
	downloadedBytes, uploadedBytes atomic.Uint64
	sealDropped                    atomic.Uint64
}

// noteDownload counts a download that ended, with err nil when its last
// block was acknowledged.
func (c *transferCounters) noteDownload(size int64, err error) {
	if err != nil {
		c.downloadsFailed.Add(1)
		return
	}
	c.downloadsDone.Add(1)
	c.downloadedBytes.Add(uint64(size))
}

// stats returns the counters and slots of ts.
func (ts *transferService) stats() TransferStats {
	c := &ts.counters
	ts.mu.Lock()
	slots := ts.slots
	ts.mu.Unlock()
	return TransferStats{
		Slots:           slots,
		GetsGranted:     c.getsGranted.Load(),
		PutsGranted:     c.putsGranted.Load(),
		DownloadsDone:   c.downloadsDone.Load(),
		DownloadsFailed: c.downloadsFailed.Load(),
		UploadsDone:     c.uploadsDone.Load(),
		UploadsFailed:   c.uploadsFailed.Load(),
		DownloadedBytes: c.downloadedBytes.Load(),
		UploadedBytes:   c.uploadedBytes.Load(),
		SealDropped:     c.sealDropped.Load(),
	}
}

// noteEnded counts a session that ended for reason, a LEAVE reason or,
// for a session that had not registered, a BYE reason.
func (st *hubStats) noteEnded(reason string) {
	if strings.HasPrefix(reason, proto.LeaveQuit+":") {
		reason = proto.LeaveQuit
	}
	i := len(endReasons) - 1
	for j, r := range endReasons[:i] {
		if r == reason {
			i = j
			break
		}
	}
	st.ended[i].Add(1)
}

// Stats returns the hub's figures now.
func (h *Hub) Stats() Stats {
	st := &h.stats
	s := Stats{
		Registrations:   st.registrations.Load(),
		Messages:        st.messages.Load(),
		PrivateMessages: st.private.Load(),
		Deliveries:      st.deliveries.Load(),
		Ended:           make(map[string]uint64, len(endReasons)),
	}
	for i, r := range endReasons {
		s.Ended[r] = st.ended[i].Load()
	}
	h.mu.Lock()
	s.Serving = h.serving.Load() && !h.closing
	s.Sessions, s.Registered = len(h.sessions), len(h.roster)
	queues := make([]*outQueue, 0, len(h.sessions))
	for ss := range h.sessions {
		queues = append(queues, ss.q)
	}
	h.mu.Unlock()
	for _, q := range queues {
		s.QueuedBytes += int64(q.queued())
	}
	if h.transfers != nil {
		s.Transfers = h.transfers.stats()
	}
	if c := h.commits; c != nil {
		s.Store = StoreStats{
			On: true, Working: c.working.Load(),
			Commits: c.commits.Load(), Messages: c.stored.Load(), Failures: c.failures.Load(),
			CommitTime: time.Duration(c.commitTime.Load()), Backlog: int(c.backlogLen.Load()),
		}
	}
	return s
}
