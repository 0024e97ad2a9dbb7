package client

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

// lastNote returns the newest log line with note, and whether there is one.
func lastNote(s *Snapshot, note Note) (Message, bool) {
	for i := len(s.Messages) - 1; i >= 0; i-- {
		if s.Messages[i].Note == note {
			return s.Messages[i], true
		}
	}
	return Message{}, false
}

func hasNote(note Note) func(*Snapshot) bool {
	return func(s *Snapshot) bool { _, ok := lastNote(s, note); return ok }
}

func userOwned(nick string, owned bool) func(*Snapshot) bool {
	return func(s *Snapshot) bool {
		for _, u := range s.Users {
			if u.Nick == nick {
				return u.Owned == owned
			}
		}
		return false
	}
}

// Claiming a nick over TLS with the device's identity, refusals of it, a
// message kept for the offline owner and its delivery from the inbox.
func TestClaimKeepAndInbox(t *testing.T) {
	h := runTLSHub(t, t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	aliceDir := t.TempDir()
	aliceCfg := trustConfig(t, aliceDir, h.plain, "alice")
	alice := startClient(t, aliceCfg)
	s := waitFor(t, alice, "alice registered", registered)
	require.True(t, s.Caps.Claim, "the hub offers claim")
	assert.False(t, s.Owned)

	bobCfg := trustConfig(t, t.TempDir(), h.plain, "bob")
	bobCfg.Plaintext = true
	bob := startClient(t, bobCfg)
	waitFor(t, bob, "bob registered", registered)
	bob.Claim()
	s = waitFor(t, bob, "bob's claim refused", hasNote(NoteClaimRefused))
	m, _ := lastNote(s, NoteClaimRefused)
	assert.True(t, errors.Is(m.Err, &proto.Error{Reason: proto.ReasonNeedIdentity, Code: proto.CodeForbidden}), "%v", m.Err)
	assert.False(t, s.Owned)

	alice.Claim()
	s = waitFor(t, alice, "alice owns her nick", func(s *Snapshot) bool { return s.Owned })
	m, ok := lastNote(s, NoteClaimed)
	require.True(t, ok)
	assert.Equal(t, SysOwnership, m.Event)
	assert.Equal(t, "alice", m.To)
	assert.True(t, userOwned("alice", true)(s), "%v", s.Users)
	bob.RefreshUsers()
	waitFor(t, bob, "bob sees alice owned", userOwned("alice", true))

	alice.Quit("")
	require.NoError(t, alice.Wait())
	waitFor(t, bob, "alice left", func(s *Snapshot) bool { return len(s.Users) == 1 })
	require.NoError(t, bob.SendPrivate("alice", "while you were out"))
	s = waitFor(t, bob, "the message kept", hasNote(NoteKept))
	m, _ = lastNote(s, NoteKept)
	assert.Equal(t, "alice", m.To)

	// Another identity is refused the nick for good.
	mallory := startClient(t, trustConfig(t, t.TempDir(), h.plain, "alice"))
	s = waitFor(t, mallory, "refused", closedFor(CauseRefused))
	assert.True(t, errors.Is(s.Conn.Err, &proto.Error{Reason: proto.ReasonNickOwned}), "%v", s.Conn.Err)

	// The owner back: owned, flagged, and the kept message in the log.
	alice = startClient(t, aliceCfg)
	s = waitFor(t, alice, "the inbox delivered", func(s *Snapshot) bool {
		for _, m := range s.Messages {
			if m.Inbox {
				return true
			}
		}
		return false
	})
	assert.True(t, s.Owned)
	var inbox []Message
	for _, m := range s.Messages {
		if m.Inbox {
			inbox = append(inbox, m)
		}
	}
	require.Len(t, inbox, 1)
	assert.Equal(t, Private, inbox[0].Kind)
	assert.Equal(t, "bob", inbox[0].From)
	assert.Equal(t, "while you were out", inbox[0].Text)
	assert.False(t, inbox[0].Own)
	waitFor(t, bob, "bob sees alice owned again", userOwned("alice", true))

	alice.Unclaim()
	s = waitFor(t, alice, "given up", hasNote(NoteUnclaimed))
	assert.False(t, s.Owned)
}
