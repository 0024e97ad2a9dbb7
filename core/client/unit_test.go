package client

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

func TestHubErrorSaysTheLine(t *testing.T) {
	e := &HubError{Code: 409, Keyword: "NICK", Reason: "nick-in-use", Detail: `nick "bob" is in use`}
	assert.Equal(t, `hub: ERR 409 NICK nick-in-use: nick "bob" is in use`, e.Error())
	var err error = fmt.Errorf("registering: %w", e)
	assert.ErrorIs(t, err, &proto.Error{Reason: proto.ReasonNickInUse})
	assert.ErrorIs(t, err, &proto.Error{Code: proto.CodeConflict, Keyword: proto.KwNick, Reason: proto.ReasonNickInUse})
	assert.NotErrorIs(t, err, &proto.Error{Reason: proto.ReasonBusy})
	assert.NotErrorIs(t, err, &proto.Error{Keyword: proto.KwGet, Reason: proto.ReasonNickInUse})
}

func TestHubAddr(t *testing.T) {
	for in, want := range map[string]string{
		"hub.local":          "hub.local:50000",
		"192.168.1.20":       "192.168.1.20:50000",
		"192.168.1.20:4000":  "192.168.1.20:4000",
		"::1":                "[::1]:50000",
		"[::1]":              "[::1]:50000",
		"[fe80::1%eth0]:123": "[fe80::1%eth0]:123",
	} {
		got, err := hubAddr(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", ":50000", "hub:0", "hub:http", "hub:99999", "a b"} {
		_, err := hubAddr(bad)
		assert.Error(t, err, bad)
	}
}

func TestNewChecksConfig(t *testing.T) {
	_, err := New(Config{Addr: "hub", Nick: "1abc"})
	require.ErrorContains(t, err, "must start with a letter")
	_, err = New(Config{Addr: "hub", Nick: "Server"})
	require.ErrorContains(t, err, "reserved")
	_, err = New(Config{Nick: "alice"})
	require.ErrorContains(t, err, "Addr is empty")
	c, err := New(Config{Addr: "hub", Nick: "alice"})
	require.NoError(t, err)
	assert.Equal(t, Connecting, c.Snapshot().Conn.State)
	require.NoError(t, c.Close(), "Close before Start")
	require.ErrorIs(t, c.Wait(), ErrNotStarted)
}

func TestIntentsCheckInput(t *testing.T) {
	c, err := New(Config{Addr: "hub", Nick: "alice"})
	require.NoError(t, err)
	require.ErrorContains(t, c.Send(""), "missing message text")
	require.ErrorContains(t, c.Send("tab\there"), "U+0009")
	require.ErrorContains(t, c.Send(string([]byte{0xff})), "UTF-8")
	require.ErrorContains(t, c.Send(strings.Repeat("x", proto.MaxLineLen)), "limit")
	require.ErrorIs(t, c.Send(strings.Repeat("x", proto.MaxLineLen)), &proto.Error{Keyword: proto.KwMsg, Reason: proto.ReasonLineTooLong})
	require.NoError(t, c.Send(strings.Repeat("x", proto.MaxLineLen-len("MSG \n"))))
	require.ErrorContains(t, c.Send(strings.Repeat(`\`, proto.MaxLineLen/2)), "limit", "escaping counts")
	require.ErrorContains(t, c.SendPrivate("two words", "hi"), "nick")
	require.ErrorContains(t, c.SetNick("all"), "reserved")
	_, err = c.Download("../etc/passwd")
	require.ErrorContains(t, err, "bad-name")
	_, err = c.Download(".hidden")
	require.Error(t, err)
	_, err = c.UploadReader("ok.txt", nil, 3)
	require.Error(t, err)
	require.ErrorIs(t, c.Cancel(1), ErrNoSuchTransfer)
	c.Close()
	require.ErrorIs(t, c.Send("late"), ErrClosed)
}

func TestNumberedNick(t *testing.T) {
	assert.Equal(t, "alice2", numberedNick("alice", 2))
	long := strings.Repeat("é", 24)
	got := numberedNick(long, 10)
	assert.Equal(t, strings.Repeat("é", 22)+"10", got)
	require.NoError(t, checkNick(got))
}

func TestSecondsLeft(t *testing.T) {
	now := time.Now()
	c := Connection{State: Reconnecting, NextTry: now.Add(1500 * time.Millisecond)}
	assert.Equal(t, 2, c.SecondsLeft(now))
	assert.Equal(t, 0, c.SecondsLeft(now.Add(2*time.Second)))
	assert.Equal(t, 0, Connection{State: Registered}.SecondsLeft(now))
}

func TestSameNick(t *testing.T) {
	assert.True(t, sameNick("Bob", "bOB"))
	assert.False(t, sameNick("bob", "bob2"))
	assert.True(t, sameNick("Émile", "émile"))
	assert.True(t, sameNick("e\u0301mile", "émile"), "NFC")
	assert.True(t, sameNick("STRASSE", "straße"), "full case folding")
}

func TestMessageSeqSurvivesTrimming(t *testing.T) {
	c, err := New(Config{Addr: "hub", Nick: "alice", MaxMessages: 8})
	require.NoError(t, err)
	l := newState(&c.cfg, c.log, 1)
	for i := range 20 {
		l.message(hubLine{Event: proto.Event{Keyword: proto.KwMsg, Nick: "bob", Text: "x"}, time: time.UnixMilli(int64(i))}, false)
	}
	require.LessOrEqual(t, len(l.messages.msgs), 9)
	require.Equal(t, uint64(20), l.messages.msgs[len(l.messages.msgs)-1].Seq)
	for i := 1; i < len(l.messages.msgs); i++ {
		require.Equal(t, l.messages.msgs[i-1].Seq+1, l.messages.msgs[i].Seq)
	}
	// The de-duplication index forgets what was dropped.
	require.Len(t, l.messages.seen, len(l.messages.msgs))
}
