package client

import "time"

// shortSession is how long a session must have lasted for its drop to be
// a new trouble rather than the same one again: a hub that drops a client
// right after it joins (too slow for what joining sends, say) would
// otherwise see it back at the first back-off delay every time.
const shortSession = 30 * time.Second

// dropsBeforeCause is how many short sessions in a row make the client
// say that it is being dropped again and again.
const dropsBeforeCause = 2

// dropStreak counts the registered sessions in a row that were dropped
// soon after they joined. Each one doubles the back-off, as a failed
// connect attempt does, so that a client never loops reconnecting into
// the same drop.
type dropStreak struct {
	joinedAt   time.Time // when the current session registered
	quickDrops int       // short sessions in a row
}

// noteDrop counts the drop of a registered session for cause, and returns
// the cause to report: CauseDroppedAgain once the drops are a streak.
func (st *state) noteDrop(cause Cause) Cause {
	if st.now.Sub(st.joinedAt) >= shortSession {
		st.quickDrops = 0
		return cause
	}
	st.quickDrops++
	if st.quickDrops >= dropsBeforeCause {
		return CauseDroppedAgain
	}
	return cause
}
