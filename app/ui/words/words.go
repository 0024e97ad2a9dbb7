// Package words puts what the client core reports (reason codes, typed
// errors, the fields of System lines) into the sentences people read.
// The core decides nothing by these words, and they are the only place
// the app's wording of the session lives.
package words

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/core/proto"
)

// reasons maps every reason word of natter/1 (ERR reasons, BYE and LEAVE
// reasons) to words a person understands.
var reasons = map[string]string{
	// ERR 400
	proto.ReasonBadSyntax:      "The hub did not understand the request",
	proto.ReasonUnknownCommand: "The hub does not know that command",
	proto.ReasonBadNick:        "That nickname is not allowed (1–24 letters, digits, _ - or ., starting with a letter; not hub, everyone, all or server)",
	proto.ReasonBadText:        "The text contains characters that cannot be sent",
	proto.ReasonBadName:        "That file name is not allowed",
	// ERR 401
	proto.ReasonRegisterFirst: "Choose a nickname first",
	// ERR 404
	proto.ReasonNoSuchUser: "Nobody with that nickname is online",
	proto.ReasonNoSuchFile: "The hub does not share a file with that name",
	// ERR 409
	proto.ReasonNickInUse: "That nickname is taken",
	proto.ReasonNickOwned: "That nickname belongs to someone else on this hub",
	// ERR 403
	proto.ReasonNeedIdentity: "Only an encrypted connection with this device's identity can own a nickname",
	proto.ReasonBusy:         "Too many transfers at once; try again when one finishes",
	// ERR 413
	proto.ReasonLineTooLong: "The message is too long",
	proto.ReasonTooLarge:    "The file is too large for the hub",
	// ERR 422
	proto.ReasonChecksumMismatch: "The file arrived damaged (checksum mismatch)",
	// ERR 429
	proto.ReasonSlowDown: "Sending too fast; slow down",
	// ERR 503
	proto.ReasonHubFull: "The hub is full",
	// ERR 507
	proto.ReasonNoSpace: "The hub has no room left for the file",

	// BYE and LEAVE
	proto.ByeRegistrationTimeout: "No nickname was accepted in time",
	proto.LeaveQuit:              "Left",
	proto.LeaveTimeout:           "Connection timed out",
	proto.LeaveTooSlow:           "Could not keep up with the hub",
	proto.LeaveFlood:             "Sent too much too fast",
	proto.LeaveConnectionLost:    "Connection lost",
	proto.ByeShutdown:            "The hub is shutting down",
}

// Reason returns the words for a natter/1 reason word ("nick-in-use" ->
// "That nickname is taken"). A LEAVE reason of the form "quit: <words>"
// becomes "Left: <words>". An unknown reason is returned with its dashes
// turned into spaces and its first letter capitalised.
func Reason(reason string) string {
	if t, ok := reasons[reason]; ok {
		return t
	}
	if words, ok := strings.CutPrefix(reason, proto.LeaveQuit+": "); ok {
		return "Left: " + words
	}
	if reason == "" {
		return "Unknown reason"
	}
	return capitalise(strings.ReplaceAll(reason, "-", " "))
}

// leaves says what someone did, for each LEAVE reason of natter/1.
var leaves = map[string]string{
	proto.LeaveQuit:           "left",
	proto.LeaveConnectionLost: "lost the connection",
	proto.LeaveTimeout:        "timed out",
	proto.LeaveTooSlow:        "was disconnected: too slow",
	proto.LeaveFlood:          "was removed for flooding",
	proto.LeaveShutdown:       "left: hub shut down",
}

// Leave is the log line for someone leaving the hub for reason, a LEAVE
// reason of natter/1: "erin left", `erin left ("see you")` for
// "quit: see you", "erin lost the connection", "erin timed out",
// "erin was disconnected: too slow", "erin was removed for flooding",
// "erin left: hub shut down". An unknown reason is shown in brackets after
// "left" in the words Reason gives it.
func Leave(nick, reason string) string {
	if w, ok := leaves[reason]; ok {
		return nick + " " + w
	}
	if words, ok := strings.CutPrefix(reason, proto.LeaveQuit+": "); ok {
		if words = strings.TrimSpace(words); words == "" {
			return nick + " left"
		}
		return nick + ` left ("` + words + `")`
	}
	return nick + " left (" + Reason(reason) + ")"
}

// HubError is an ERR from the hub in words; the hub's own detail, meant
// for logs, is left out.
func HubError(e *client.HubError) string {
	switch {
	case e.Keyword == proto.KwPriv && e.Reason == proto.ReasonNoSpace:
		return "They are away and have as many messages waiting as the hub keeps"
	case (e.Keyword == proto.KwClaim || e.Keyword == proto.KwUnclaim) && e.Reason == proto.ReasonBusy:
		return "The hub cannot keep owned nicknames just now"
	}
	return Reason(e.Reason)
}

// ClaimAction is the label of the header's action on our nick: to make it
// ours, or, when it is, to give it up.
func ClaimAction(owned bool) string {
	if owned {
		return "Give up this nick"
	}
	return "Make this nick mine"
}

// OwnedNick describes the mark beside an owned nick.
const OwnedNick = "owned by the one connected"

// InboxNote is the note on a private message the hub kept for us while we
// were away.
const InboxNote = "kept while you were away"

// Bye is a BYE from the hub in words.
func Bye(e *client.ByeError) string { return Reason(e.Reason) }

// Cause says why the connection dropped or the client stopped, with err
// the error behind it (Connection.Err).
func Cause(cause client.Cause, err error) string {
	switch cause {
	case client.CauseNone:
		return ""
	case client.CauseLost:
		return "Connection lost"
	case client.CauseHubClosed:
		return "The hub closed the connection"
	case client.CauseTimeout:
		return "The hub did not answer in time"
	case client.CauseNoHub:
		return "No hub is running at that address"
	case client.CauseNotAccepted:
		return "The hub did not accept us in time"
	case client.CauseNoAnswer:
		return "The hub stopped answering"
	case client.CauseRefused, client.CauseBye:
		var he *client.HubError
		var be *client.ByeError
		switch {
		case errors.As(err, &he):
			return HubError(he)
		case errors.As(err, &be):
			return Bye(be)
		}
	case client.CauseVersion:
		var ve *client.VersionError
		if errors.As(err, &ve) {
			return "The hub speaks " + ve.Version + ", not " + proto.Version
		}
	case client.CauseDroppedAgain:
		why := "it gave no reason"
		var be *client.ByeError
		if errors.As(err, &be) {
			why = lowerFirst(Bye(be))
		} else if err != nil {
			why = lowerFirst(networkError(err))
		}
		return "The hub keeps dropping us soon after we join (" + why + "); waiting longer before each try"
	case client.CauseNotNatter:
		return "This address does not answer like a Natter hub; check the address and the port"
	case client.CauseQuit:
		return "You left"
	case client.CauseStopped:
		return "The client was stopped"
	case client.CauseKeyChanged, client.CauseNoTLS:
		return trustCause(cause, err)
	}
	return networkError(err)
}

// networkError is the last part of what the system said, as a sentence:
// "dial tcp 10.0.0.9:50000: connect: no route to host" reads "No route to host".
func networkError(err error) string {
	if err == nil {
		return "Connection lost"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if msg == "" {
		return "Connection lost"
	}
	return capitalise(msg)
}

// Connection says why the connection is down, or "" when nothing went wrong.
func Connection(c client.Connection) string { return Cause(c.Cause, c.Err) }

// Transfer says why a transfer is in its state, or "" when there is
// nothing to say (a transfer moving data, or done).
func Transfer(t client.Transfer) string {
	switch t.Reason {
	case client.XferQueued:
		return "Queued"
	case client.XferWaitSlots:
		return fmt.Sprintf("Waiting: %d transfers at once", t.Limit)
	case client.XferWaitHub:
		return "Waiting for the hub"
	case client.XferWaitReconnect:
		return "Waiting for the hub to come back"
	case client.XferHubBusy:
		return "The hub is busy; waiting"
	case client.XferRetrying:
		return "Interrupted; trying again"
	case client.XferAsking:
		return "Asking the hub"
	case client.XferHashing:
		if t.Total > 0 && t.Hashed > 0 {
			return fmt.Sprintf("Checking the file (%d%%)", t.Hashed*100/t.Total)
		}
		return "Checking the file"
	case client.XferCancelling:
		return "Cancelling"
	case client.XferCancelled:
		return "Cancelled"
	case client.XferClientClosed:
		return "The client closed"
	case client.XferDuplicate:
		return "This file is already being downloaded"
	case client.XferNoFolder:
		// A download's Path is in the download folder.
		if t.Path != "" {
			return "Cannot create the download folder " + filepath.Dir(t.Path) + ": " + errText(t.Err)
		}
		return "Cannot create the download folder: " + errText(t.Err)
	case client.XferUnreadable:
		// A stream that cannot seek is copied to a folder of temporary
		// copies first, which is made when needed.
		var pe *os.PathError
		if errors.As(t.Err, &pe) && pe.Op == "mkdir" {
			return "Cannot read the file: cannot create the folder " + pe.Path + " for temporary copies: " + errText(pe.Err)
		}
		return "Cannot read the file: " + errText(t.Err)
	case client.XferRefused:
		var he *client.HubError
		if errors.As(t.Err, &he) {
			return HubError(he)
		}
		return "The hub refused the transfer"
	case client.XferChecksum:
		return Reason(proto.ReasonChecksumMismatch)
	case client.XferNoSpace:
		return Reason(proto.ReasonNoSpace)
	case client.XferPeerStopped:
		return "The hub stopped the transfer: " + t.Detail
	case client.XferBadRequest:
		return errText(t.Err)
	case client.XferFailed:
		return "Transfer failed: " + errText(t.Err)
	}
	return ""
}

// errText is what went wrong in err, without the operation and path of
// an *os.PathError ("permission denied"), or err's words for the core's
// own errors.
func errText(err error) string {
	var sm *client.SizeMismatchError
	if errors.As(err, &sm) {
		return fmt.Sprintf("the stream holds %d bytes, not the %d announced", sm.Have, sm.Announced)
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, client.ErrNotRegular) {
			return pe.Path + " is not a regular file"
		}
		err = pe.Err
	}
	if err == nil || err.Error() == "" {
		return "unknown error"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		// "read udp 127.0.0.1:41234: i/o timeout" is for the log.
		return Plain(err)
	}
	return strings.TrimPrefix(err.Error(), "client: ")
}

// System is the text of a System line of the log.
func System(m client.Message) string {
	switch m.Note {
	case client.NoteJoined:
		return m.From + " joined"
	case client.NoteLeft:
		return Leave(m.From, m.Reason)
	case client.NoteRenamed:
		if m.Own {
			return "You are now known as " + m.To
		}
		return m.From + " is now known as " + m.To
	case client.NoteShared:
		if m.From == "" {
			// Put in the hub's folder by its host, not uploaded by anyone.
			return m.Name + " (" + kit.Bytes(m.Size) + ") is now shared"
		}
		return m.From + " shared " + m.Name + " (" + kit.Bytes(m.Size) + ")"
	case client.NoteConnected:
		return "Connected to " + m.Name + " as " + m.To
	case client.NoteReconnected:
		return "Reconnected to " + m.Name + " as " + m.To
	case client.NoteDropped:
		return "Disconnected: " + Cause(m.Cause, m.Err) + "; reconnecting"
	case client.NoteClosed:
		return "Disconnected: " + Cause(m.Cause, m.Err)
	case client.NoteNickTaken:
		return "The nickname " + m.From + " is taken; trying " + m.To
	case client.NoteNickRefused:
		return "Cannot change nick: " + hubErr(m.Err)
	case client.NoteNotSent:
		what := "Message not sent"
		if m.Text != "" {
			what += " (" + ellipsis(m.Text, 40) + ")"
		}
		return what + ": " + hubErr(m.Err)
	case client.NotePrivNotSent:
		what := "Private message not sent"
		if m.Text != "" {
			what += " to " + m.To + " (" + ellipsis(m.Text, 40) + ")"
		}
		return what + ": " + hubErr(m.Err)
	case client.NoteMaybeLost:
		return "Message may not have reached the hub: " + m.Text
	case client.NotePrivMaybeLost:
		return "Private message to " + m.To + " may not have reached the hub: " + m.Text
	case client.NoteHubError:
		return hubErr(m.Err)
	case client.NoteClaimed:
		return "The nickname " + m.To + " is now yours: on this hub only this device can use it"
	case client.NoteUnclaimed:
		return "You gave up the nickname " + m.To
	case client.NoteKept:
		return m.To + " is away; the hub keeps your message until they are back"
	case client.NoteClaimRefused:
		return "Cannot change who owns your nickname: " + hubErr(m.Err)
	case client.NoteTransferFailed:
		if t := m.Transfer; t != nil {
			return t.Direction.String() + " of " + t.Name + " failed: " + Transfer(*t)
		}
		return "A transfer of " + m.Name + " failed"
	}
	return m.Text
}

func hubErr(err error) string {
	var he *client.HubError
	if errors.As(err, &he) {
		return HubError(he)
	}
	return errText(err)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}

func ellipsis(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// lowerFirst turns a sentence's first letter to lower case, for a sentence
// quoted within another.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToLower(string(r)) + s[n:]
}

// StopHub is the question asked before a host stops the hub others use:
// "2 people are connected and 1 file transfer is under way: stop the hub
// for everyone?"
func StopHub(people, transfers int) string {
	var parts []string
	switch {
	case people == 1:
		parts = append(parts, "1 person is connected")
	case people > 1:
		parts = append(parts, fmt.Sprintf("%d people are connected", people))
	}
	switch {
	case transfers == 1:
		parts = append(parts, "1 file transfer is under way")
	case transfers > 1:
		parts = append(parts, fmt.Sprintf("%d file transfers are under way", transfers))
	}
	if len(parts) == 0 {
		return "Stop the hub?"
	}
	return strings.Join(parts, " and ") + ": leaving stops the hub for everyone. Stop it?"
}
