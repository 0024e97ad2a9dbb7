package ui

import (
	"time"

	"github.com/natter-chat/natter/app/chatlog"
	"github.com/natter-chat/natter/core/client"
)

// keptLog is the app's own log of the hub of the session (package
// chatlog): what it held at sign-in is shown above the session's messages,
// and every public and private message of the session is added to it.
type keptLog struct {
	log   *chatlog.Log
	saved []client.Message
	// written is the Seq of the newest message of the client's log that
	// was offered to the file.
	written uint64
	// failing is set while writes fail, so that the failure is logged once.
	failing bool
	// rows are saved and the client's log merged, for the snapshot's log
	// of length n from Seq first to last.
	rows        []client.Message
	n           int
	first, last uint64
	// savedTimes are the times of saved, newest the latest of them.
	savedTimes map[int64]bool
	newest     time.Time
	// own is set when rows is a slice of ours, which may grow, rather
	// than the client's log itself.
	own bool
}

// openKeptLog opens the log of the hub snap is registered with: under
// its TLS key when the session has one, else under the address joined.
// Without a folder for it (Config.ChatLogDir) nothing is kept.
func (u *UI) openKeptLog(snap *client.Snapshot) {
	u.closeKeptLog()
	if u.cfg.ChatLogDir == "" {
		return
	}
	hubKey := ""
	if snap.Security.TLS && !snap.Security.HubKey.IsZero() {
		hubKey = snap.Security.HubKey.String()
	}
	l, err := chatlog.Open(u.cfg.ChatLogDir, chatlog.Key(hubKey, u.addr))
	if err != nil {
		u.log.Warn("chat log not kept", "err", err)
		return
	}
	saved, bad, err := l.Load()
	if err != nil {
		u.log.Warn("chat log not read", "err", err)
	}
	for _, e := range bad {
		u.log.Warn("chat log line skipped", "err", e)
	}
	k := &keptLog{log: l, saved: saved, savedTimes: make(map[int64]bool, len(saved))}
	for _, m := range saved {
		k.savedTimes[m.Time.UnixMilli()] = true
		if m.Time.After(k.newest) {
			k.newest = m.Time
		}
	}
	u.kept = k
}

func (u *UI) closeKeptLog() {
	if u.kept == nil {
		return
	}
	if err := u.kept.log.Close(); err != nil {
		u.log.Warn("chat log close", "err", err)
	}
	u.kept = nil
}

// keepMessages adds the public and private messages of msgs (the client's
// log) not offered before to the file. A write that fails (a full disk) is
// logged and the chat goes on; the next message tries again.
func (u *UI) keepMessages(msgs []client.Message) {
	k := u.kept
	if k == nil || len(msgs) == 0 {
		return
	}
	i := len(msgs)
	for i > 0 && msgs[i-1].Seq > k.written {
		i--
	}
	for _, m := range msgs[i:] {
		err := k.log.Append(m)
		switch {
		case err != nil && !k.failing:
			k.failing = true
			u.log.Warn("chat log not written", "err", err)
		case err == nil:
			k.failing = false
		}
	}
	k.written = msgs[len(msgs)-1].Seq
}

// logRows are the rows of the chat log: the saved messages merged with
// the client's log, without the ones the hub replayed again.
func (u *UI) logRows(msgs []client.Message) []client.Message {
	k := u.kept
	if k == nil || len(k.saved) == 0 {
		return msgs
	}
	var first, last uint64
	if len(msgs) > 0 {
		first, last = msgs[0].Seq, msgs[len(msgs)-1].Seq
	}
	switch {
	case k.rows != nil && k.n == len(msgs) && k.first == first && k.last == last:
	case k.own && k.first == first && k.n > 0 && len(msgs) > k.n &&
		msgs[k.n-1].Seq == k.last && k.after(msgs[k.n:]):
		// New messages at the end, after everything saved: the usual
		// case, which needs no new merge.
		k.rows = append(k.rows, msgs[k.n:]...)
	default:
		k.rows = chatlog.Merge(k.saved, msgs)
		// Merge gives back msgs itself when nothing saved is left over.
		k.own = len(k.rows) != len(msgs)
	}
	k.n, k.first, k.last = len(msgs), first, last
	return k.rows
}

// after reports whether the chat messages of tail are newer than every
// saved message and none of them is one: then they go after all the rows.
func (k *keptLog) after(tail []client.Message) bool {
	for _, m := range tail {
		if m.Kind == client.System {
			continue
		}
		if !m.Time.After(k.newest) || k.savedTimes[m.Time.UnixMilli()] {
			return false
		}
	}
	return true
}

// LogRows are the rows the chat log shows, for tests.
func (u *UI) LogRows() []client.Message {
	if u.session == nil {
		return nil
	}
	return u.logRows(u.session.Snapshot().Messages)
}
