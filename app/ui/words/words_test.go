package words

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/core/proto"
)

func TestReasonCoversEveryReason(t *testing.T) {
	all := []string{
		proto.ReasonBadSyntax, proto.ReasonUnknownCommand, proto.ReasonBadNick, proto.ReasonBadText,
		proto.ReasonBadName, proto.ReasonRegisterFirst, proto.ReasonNoSuchUser, proto.ReasonNoSuchFile,
		proto.ReasonNickInUse, proto.ReasonBusy, proto.ReasonLineTooLong, proto.ReasonTooLarge,
		proto.ReasonChecksumMismatch, proto.ReasonSlowDown, proto.ReasonHubFull, proto.ReasonNoSpace,
		proto.LeaveQuit, proto.LeaveTimeout, proto.LeaveTooSlow, proto.LeaveFlood, proto.LeaveConnectionLost,
		proto.LeaveShutdown, proto.ByeRegistrationTimeout, proto.ByeHubFull,
		proto.ReasonNeedIdentity, proto.ReasonNickOwned,
	}
	for _, r := range all {
		_, ok := reasons[r]
		assert.True(t, ok, "no words for %q", r)
	}
	assert.Equal(t, "That nickname is taken", Reason("nick-in-use"))
	assert.Equal(t, "The hub is full", Reason("hub-full"))
	assert.Equal(t, "Left: see you", Reason("quit: see you"))
	assert.Equal(t, "Something new", Reason("something-new"))
	assert.Equal(t, "Unknown reason", Reason(""))
	assert.Equal(t, "That nickname is taken", HubError(&client.HubError{Code: 409, Keyword: "NICK", Reason: "nick-in-use", Detail: "for logs"}))
	assert.Equal(t, "Sent too much too fast", Bye(&client.ByeError{Reason: "flood"}))
}

func TestLeave(t *testing.T) {
	for reason, want := range map[string]string{
		proto.LeaveQuit:           "erin left",
		"quit: see you tomorrow":  `erin left ("see you tomorrow")`,
		"quit: ":                  "erin left",
		proto.LeaveConnectionLost: "erin lost the connection",
		proto.LeaveTimeout:        "erin timed out",
		proto.LeaveTooSlow:        "erin was disconnected: too slow",
		proto.LeaveFlood:          "erin was removed for flooding",
		proto.LeaveShutdown:       "erin left: hub shut down",
		"gone-fishing":            "erin left (Gone fishing)",
	} {
		assert.Equal(t, want, Leave("erin", reason), reason)
	}
}

func TestCause(t *testing.T) {
	refused := &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}
	for _, tt := range []struct {
		cause client.Cause
		err   error
		want  string
	}{
		{client.CauseNone, nil, ""},
		{client.CauseLost, nil, "Connection lost"},
		{client.CauseHubClosed, nil, "The hub closed the connection"},
		{client.CauseTimeout, nil, "The hub did not answer in time"},
		{client.CauseNoHub, refused, "No hub is running at that address"},
		{client.CauseNotAccepted, nil, "The hub did not accept us in time"},
		{client.CauseNoAnswer, nil, "The hub stopped answering"},
		{client.CauseNetwork, errors.New("dial tcp 10.0.0.9:50000: connect: no route to host"), "No route to host"},
		{client.CauseRefused, &client.HubError{Code: 409, Keyword: "NICK", Reason: "nick-in-use"}, "That nickname is taken"},
		{client.CauseBye, &client.ByeError{Reason: "shutdown"}, "The hub is shutting down"},
		{client.CauseBye, &client.HubError{Code: 503, Keyword: "-", Reason: "hub-full"}, "The hub is full"},
		{client.CauseVersion, &client.VersionError{Version: "natter/2"}, "The hub speaks natter/2, not natter/1"},
		{client.CauseQuit, nil, "You left"},
		{client.CauseStopped, nil, "The client was stopped"},
	} {
		assert.Equal(t, tt.want, Cause(tt.cause, tt.err), tt.cause.String())
	}
	assert.Equal(t, "That nickname is taken", Connection(client.Connection{State: client.Closed, Cause: client.CauseRefused,
		Err: &client.HubError{Code: 409, Keyword: "NICK", Reason: "nick-in-use"}}))
}

func TestTransfer(t *testing.T) {
	noFile := &client.HubError{Code: 404, Keyword: "GET", Reason: "no-such-file"}
	for _, tt := range []struct {
		t    client.Transfer
		want string
	}{
		{client.Transfer{}, ""},
		{client.Transfer{Reason: client.XferQueued}, "Queued"},
		{client.Transfer{Reason: client.XferWaitSlots, Limit: 4}, "Waiting: 4 transfers at once"},
		{client.Transfer{Reason: client.XferWaitHub}, "Waiting for the hub"},
		{client.Transfer{Reason: client.XferWaitReconnect}, "Waiting for the hub to come back"},
		{client.Transfer{Reason: client.XferHubBusy}, "The hub is busy; waiting"},
		{client.Transfer{Reason: client.XferRetrying}, "Interrupted; trying again"},
		{client.Transfer{Reason: client.XferAsking}, "Asking the hub"},
		{client.Transfer{Reason: client.XferHashing, Total: -1}, "Checking the file"},
		{client.Transfer{Reason: client.XferHashing, Total: 200, Hashed: 50}, "Checking the file (25%)"},
		{client.Transfer{Reason: client.XferCancelled}, "Cancelled"},
		{client.Transfer{Reason: client.XferClientClosed}, "The client closed"},
		{client.Transfer{Reason: client.XferDuplicate}, "This file is already being downloaded"},
		{client.Transfer{Reason: client.XferNoFolder, Path: "/x/dl/plan.txt", Err: &os.PathError{Op: "mkdir", Path: "/x", Err: syscall.ENOTDIR}},
			"Cannot create the download folder /x/dl: not a directory"},
		{client.Transfer{Reason: client.XferUnreadable, Err: &client.SizeMismatchError{Have: 3, Announced: 10}},
			"Cannot read the file: the stream holds 3 bytes, not the 10 announced"},
		{client.Transfer{Reason: client.XferUnreadable, Err: &os.PathError{Op: "read", Path: "/tmp", Err: client.ErrNotRegular}},
			"Cannot read the file: /tmp is not a regular file"},
		{client.Transfer{Reason: client.XferUnreadable, Err: &os.PathError{Op: "mkdir", Path: "/x/tmp", Err: syscall.EACCES}},
			"Cannot read the file: cannot create the folder /x/tmp for temporary copies: permission denied"},
		{client.Transfer{Reason: client.XferRefused, Err: noFile}, "The hub does not share a file with that name"},
		{client.Transfer{Reason: client.XferChecksum}, "The file arrived damaged (checksum mismatch)"},
		{client.Transfer{Reason: client.XferNoSpace}, "The hub has no room left for the file"},
		{client.Transfer{Reason: client.XferPeerStopped, Detail: "token expired"}, "The hub stopped the transfer: token expired"},
		{client.Transfer{Reason: client.XferFailed, Err: errors.New("i/o timeout")}, "Transfer failed: i/o timeout"},
	} {
		assert.Equal(t, tt.want, Transfer(tt.t), fmt.Sprint(tt.t.Reason))
	}
}

func TestSystem(t *testing.T) {
	taken := &client.HubError{Code: 409, Keyword: "NICK", Reason: "nick-in-use"}
	noUser := &client.HubError{Code: 404, Keyword: "PRIV", Reason: "no-such-user"}
	failed := client.Transfer{Direction: client.Download, Name: "plan.txt", Reason: client.XferRefused,
		Err: &client.HubError{Code: 404, Keyword: "GET", Reason: "no-such-file"}}
	long := "a message that is a good deal longer than forty characters"
	for _, tt := range []struct {
		m    client.Message
		want string
	}{
		{client.Message{Note: client.NoteJoined, From: "bob"}, "bob joined"},
		{client.Message{Note: client.NoteLeft, From: "bob", Reason: "quit: bye"}, `bob left ("bye")`},
		{client.Message{Note: client.NoteRenamed, From: "bob", To: "Robert"}, "bob is now known as Robert"},
		{client.Message{Note: client.NoteRenamed, From: "alice", To: "alicia", Own: true}, "You are now known as alicia"},
		// One formatter for the whole app: the size reads as in the file list.
		{client.Message{Note: client.NoteShared, From: "bob", Name: "a.bin", Size: 1_000_000}, "bob shared a.bin (1.0 MB)"},
		{client.Message{Note: client.NoteConnected, Name: "Test hub", To: "alice"}, "Connected to Test hub as alice"},
		{client.Message{Note: client.NoteReconnected, Name: "Test hub", To: "alice2"}, "Reconnected to Test hub as alice2"},
		{client.Message{Note: client.NoteDropped, Cause: client.CauseNoAnswer}, "Disconnected: The hub stopped answering; reconnecting"},
		{client.Message{Note: client.NoteClosed, Cause: client.CauseBye, Err: &client.ByeError{Reason: "flood"}}, "Disconnected: Sent too much too fast"},
		{client.Message{Note: client.NoteNickTaken, From: "alice", To: "alice2"}, "The nickname alice is taken; trying alice2"},
		{client.Message{Note: client.NoteNickRefused, Err: taken}, "Cannot change nick: That nickname is taken"},
		{client.Message{Note: client.NotePrivNotSent, To: "carol", Text: "hi", Err: noUser}, "Private message not sent to carol (hi): Nobody with that nickname is online"},
		{client.Message{Note: client.NotePrivNotSent, Err: noUser}, "Private message not sent: Nobody with that nickname is online"},
		{client.Message{Note: client.NoteNotSent, Text: long, Err: &client.HubError{Code: 413, Keyword: "MSG", Reason: "line-too-long"}},
			"Message not sent (a message that is a good deal longer th…): The message is too long"},
		{client.Message{Note: client.NoteMaybeLost, Text: "hi"}, "Message may not have reached the hub: hi"},
		{client.Message{Note: client.NotePrivMaybeLost, To: "bob", Text: "hi"}, "Private message to bob may not have reached the hub: hi"},
		{client.Message{Note: client.NoteHubError, Err: &client.HubError{Code: 400, Keyword: "-", Reason: "bad-syntax"}}, "The hub did not understand the request"},
		{client.Message{Note: client.NoteTransferFailed, Name: "plan.txt", Transfer: &failed}, "download of plan.txt failed: The hub does not share a file with that name"},
		{client.Message{Text: "dave joined"}, "dave joined"},
	} {
		assert.Equal(t, tt.want, System(tt.m), "note %d", tt.m.Note)
	}
}

func TestStopHubCountsWhoIsAffected(t *testing.T) {
	for _, c := range []struct {
		people, transfers int
		want              string
	}{
		{2, 1, "2 people are connected and 1 file transfer is under way: leaving stops the hub for everyone. Stop it?"},
		{1, 0, "1 person is connected: leaving stops the hub for everyone. Stop it?"},
		{0, 3, "3 file transfers are under way: leaving stops the hub for everyone. Stop it?"},
		{0, 0, "Stop the hub?"},
	} {
		if got := StopHub(c.people, c.transfers); got != c.want {
			t.Errorf("StopHub(%d, %d) = %q, want %q", c.people, c.transfers, got, c.want)
		}
	}
}

func TestSharedFromTheFolderNamesNobody(t *testing.T) {
	got := System(client.Message{Note: client.NoteShared, Name: "notes.txt", Size: 2048})
	if want := "notes.txt (" + kit.Bytes(2048) + ") is now shared"; got != want {
		t.Errorf("System = %q, want %q", got, want)
	}
	got = System(client.Message{Note: client.NoteShared, From: "bob", Name: "notes.txt", Size: 2048})
	if !strings.HasPrefix(got, "bob shared notes.txt") {
		t.Errorf("System = %q", got)
	}
}

func TestOwnedNickWords(t *testing.T) {
	for _, c := range []struct {
		m    client.Message
		want string
	}{
		{client.Message{Note: client.NoteClaimed, To: "alice"}, "The nickname alice is now yours: on this hub only this device can use it"},
		{client.Message{Note: client.NoteUnclaimed, To: "alice"}, "You gave up the nickname alice"},
		{client.Message{Note: client.NoteKept, To: "alice"}, "alice is away; the hub keeps your message until they are back"},
		{client.Message{Note: client.NoteClaimRefused, Err: &client.HubError{Code: 403, Keyword: "CLAIM", Reason: proto.ReasonNeedIdentity}},
			"Cannot change who owns your nickname: Only an encrypted connection with this device's identity can own a nickname"},
		{client.Message{Note: client.NotePrivNotSent, To: "alice", Text: "hi", Err: &client.HubError{Code: 507, Keyword: "PRIV", Reason: proto.ReasonNoSpace}},
			"Private message not sent to alice (hi): They are away and have as many messages waiting as the hub keeps"},
	} {
		assert.Equal(t, c.want, System(c.m))
	}
	assert.Equal(t, "Make this nick mine", ClaimAction(false))
	assert.Equal(t, "Give up this nick", ClaimAction(true))
}
