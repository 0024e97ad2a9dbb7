package client

import (
	"slices"
	"strings"

	"github.com/natter-chat/natter/core/proto"
)

// The stored history of a hub (natter/1 section 10): pages older than the
// log, loaded on demand, and search results.

// olderPage is the number of messages LoadOlder asks for at a time.
const olderPage = 100

// kindOlder is the list kind of a HISTORY block that answers LoadOlder,
// beside the HISTORY a hub replays on registration.
const kindOlder = "HISTORY-older"

// olderLog holds what was loaded from the hub's stored history.
type olderLog struct {
	msgs     []Message      // loaded pages, oldest first; replaced, never modified in place
	times    map[int64]bool // times of msgs: a message is shown once
	loading  bool           // a HISTORY request is under way
	complete bool           // the hub has nothing older
	// replayed is set once this session's registration HISTORY is in: a
	// HISTORY block after it answers LoadOlder.
	replayed bool

	found     []Message // the last search's results, newest first
	foundFor  string    // the words they were found for
	searching bool      // a SEARCH is under way
	asked     string    // the words of the SEARCH under way
	next      string    // words asked for meanwhile, sent once it is answered
}

// newSession forgets what belongs to the last session.
func (o *olderLog) newSession() {
	o.loading, o.searching, o.replayed, o.next = false, false, false, ""
}

// caps takes the hub's CAPS words.

// loadOlder asks the hub for the page of messages before the oldest one
// the client has.
func (st *state) loadOlder() {
	o := &st.older
	if !st.registered() || !o.replayed || o.loading || o.complete {
		return
	}
	var before int64
	if len(o.msgs) > 0 {
		before = o.msgs[0].Time.UnixMilli()
	} else if i := slices.IndexFunc(st.messages.lines(), func(m Message) bool { return m.Kind == Public }); i >= 0 {
		before = st.messages.lines()[i].Time.UnixMilli()
	}
	o.loading = true
	st.dirty = true
	st.sendNow(&request{keyword: proto.KwHistory, line: simpleLine(proto.Command{Keyword: proto.KwHistory, Count: olderPage, Before: before})})
}

// search asks the hub for the messages holding every word of words; an
// empty words clears the results.
func (st *state) search(words string) {
	o := &st.older
	words = strings.Join(strings.Fields(words), " ")
	st.dirty = true
	if words == "" {
		o.found, o.foundFor, o.next = nil, "", ""
		return
	}
	if !st.registered() {
		return
	}
	if o.searching {
		o.next = words // the newest words win; one search at a time
		return
	}
	o.searching, o.asked = true, words
	st.sendNow(&request{keyword: proto.KwSearch, line: simpleLine(proto.Command{Keyword: proto.KwSearch, Text: words})})
}

// historyBlock starts a HISTORY block: the answer to LoadOlder once the
// registration replay is in, else the replay.
func (st *state) historyBlock(n int) {
	if st.older.replayed && st.older.loading {
		st.answered(proto.KwHistory)
		st.startBlock(kindOlder, n)
		return
	}
	st.startBlock(proto.KwHistory, n)
}

// foundBlock starts the answer to SEARCH.
func (st *state) foundBlock(n int) {
	st.answered(proto.KwSearch)
	st.startBlock(proto.KwFound, n)
}

// storedMessage is a MSG line of a stored-history answer.
func storedMessage(h hubLine, own string) Message {
	return Message{Kind: Public, Time: h.time, From: h.Nick, Text: h.Text, History: true, Own: sameNick(h.Nick, own)}
}

// endStored puts a stored-history answer in place once it is whole.
func (st *state) endStored(kind string, msgs []Message) {
	o := &st.older
	switch kind {
	case kindOlder:
		o.loading = false
		if len(msgs) < olderPage { // the hub had fewer than asked for
			o.complete = true
		}
		inLog := make(map[int64]bool)
		for _, m := range st.messages.lines() {
			if m.Kind == Public {
				inLog[m.Time.UnixMilli()] = true
			}
		}
		if o.times == nil {
			o.times = make(map[int64]bool)
		}
		page := make([]Message, 0, len(msgs)+len(o.msgs))
		for _, m := range msgs {
			t := m.Time.UnixMilli()
			if o.times[t] || inLog[t] {
				continue
			}
			o.times[t] = true
			page = append(page, m)
		}
		o.msgs = append(page, o.msgs...)
	case proto.KwFound:
		o.searching = false
		seen := make(map[int64]bool, len(msgs))
		o.found = slices.DeleteFunc(msgs, func(m Message) bool {
			t := m.Time.UnixMilli()
			dup := seen[t]
			seen[t] = true
			return dup
		})
		o.foundFor = o.asked
		if next := o.next; next != "" {
			o.next = ""
			st.search(next)
		}
	}
}

// storedRefused ends a history request the hub refused.
func (st *state) storedRefused(keyword string) {
	switch keyword {
	case proto.KwHistory:
		st.older.loading = false
	case proto.KwSearch:
		st.older.searching, st.older.next = false, ""
	}
}

// isStoredKind reports whether a list kind is a stored-history answer.
func isStoredKind(kind string) bool { return kind == kindOlder || kind == proto.KwFound }
