package ui

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/app/chatlog"
	"github.com/natter-chat/natter/core/client"
)

// The rows grown message by message are the rows merged at once.
func TestLogRowsGrowAsMerged(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	saved := []client.Message{
		{Seq: chatlog.SavedSeq, Kind: client.Public, Time: at(1), Text: "s1"},
		{Seq: chatlog.SavedSeq + 1, Kind: client.Private, Time: at(3), Text: "s3"},
	}
	u := &UI{kept: &keptLog{saved: saved, savedTimes: map[int64]bool{at(1).UnixMilli(): true, at(3).UnixMilli(): true}, newest: at(3)}}
	var live []client.Message
	add := func(kind client.MessageKind, ms int, text string) {
		live = append(live, client.Message{Seq: uint64(len(live) + 1), Kind: kind, Time: at(ms), Text: text})
	}
	steps := []func(){
		func() { add(client.System, 100, "connected") },
		func() { add(client.Public, 2, "h2") },
		func() { add(client.Public, 4, "live4") },
		func() { add(client.System, 50, "joined") },
		func() { add(client.Public, 5, "live5") },
		func() { add(client.Public, 1, "s1 replayed late") }, // a saved time: merged again
		func() { add(client.Public, 6, "live6") },
	}
	for i, step := range steps {
		step()
		got := u.logRows(live)
		assert.Equal(t, chatlog.Merge(saved, live), got, "after step %d", i)
	}

	// With everything saved replayed, the rows are the client's log, and
	// growing them never writes into it.
	u = &UI{kept: &keptLog{saved: saved[:1], savedTimes: map[int64]bool{at(1).UnixMilli(): true}, newest: at(1)}}
	live = append([]client.Message(nil), client.Message{Seq: 1, Kind: client.Public, Time: at(1), Text: "s1"})
	backing := make([]client.Message, 1, 4)
	copy(backing, live)
	rows := u.logRows(backing)
	assert.Len(t, rows, 1)
	grown := append(backing, client.Message{Seq: 2, Kind: client.Public, Time: at(9), Text: "nine"})
	assert.Equal(t, chatlog.Merge(saved[:1], grown), u.logRows(grown))
}

// benchRows is 10,000 saved messages and a client's log of 10,000 after
// them, for the benchmarks of one more message.
func benchRows() (*keptLog, []client.Message) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	k := &keptLog{savedTimes: map[int64]bool{}}
	for i := range 10000 {
		m := client.Message{Seq: chatlog.SavedSeq + uint64(i), Kind: client.Public, Time: t0.Add(time.Duration(i) * time.Millisecond), Text: "saved"}
		k.saved = append(k.saved, m)
		k.savedTimes[m.Time.UnixMilli()] = true
		k.newest = m.Time
	}
	live := make([]client.Message, 0, 20001)
	for i := range 20000 {
		live = append(live, client.Message{Seq: uint64(i + 1), Kind: client.Public, Time: t0.Add(time.Hour + time.Duration(i)*time.Millisecond), Text: "live"})
	}
	return k, live
}

// BenchmarkRowsMergedAgain is the baseline: every new message merges all
// over again.
func BenchmarkRowsMergedAgain(b *testing.B) {
	k, live := benchRows()
	n := 10000
	for b.Loop() {
		n = n%10000 + 1
		_ = chatlog.Merge(k.saved, live[:10000+n])
	}
}

// BenchmarkRowsGrown is what logRows does for a new message.
func BenchmarkRowsGrown(b *testing.B) {
	k, live := benchRows()
	u := &UI{kept: k}
	u.logRows(live[:10000])
	n := 0
	for b.Loop() {
		n++
		if n > 10000 {
			n = 1
			k.rows = nil
			u.logRows(live[:10000])
		}
		_ = u.logRows(live[:10000+n])
	}
}
