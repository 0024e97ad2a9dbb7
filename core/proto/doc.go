// Package proto implements natter/1, the line protocol spoken between a
// Natter client and a Natter hub.
//
// A natter/1 line is UTF-8 text ending in LF. It starts with a keyword,
// followed by arguments separated by single spaces; some forms end with an
// argument that takes the rest of the line. Lines from a client to the hub
// are parsed into a [Command] by [ParseCommand]; lines from the hub to a
// client into an [Event] by [ParseEvent]. Both types have an Append method
// that writes the canonical line, refusing one over the length limit
// ([MaxLineLen], [MaxHubLineLen]) with a line-too-long [*Error]. The hub
// side has Append functions (AppendMsg, AppendJoin, ...) that encode a line
// with no allocation beyond the destination buffer and no checks: the hub
// measures what it relays itself.
//
// What each keyword's line holds is written down once, in one table per
// direction; [ClientForm] and [HubForm] look a keyword up in them and tell,
// besides its syntax, whether a hub accepts it before registration, whether
// the hub answers it, and which keyword the lines of a block (USERS,
// HISTORY, FILES) carry. A hub or client asks them instead of keeping lists
// of keywords of its own. A keyword the tables do not have is an error
// matching [ErrUnknownKeyword]: a client skips such a hub line.
//
// A [Reader] splits a byte stream into lines with a length limit, in the
// manner of net/textproto.
package proto

// Version is the protocol name sent in the hub's HELLO line.
const Version = "natter/1"

// Line length limits, terminator included.
const (
	// MaxLineLen is the longest line a client may send.
	MaxLineLen = 8192
	// MaxHubLineLen is the longest line a hub may send: a client line plus
	// the fields the hub adds (time, nicks).
	MaxHubLineLen = MaxLineLen + 128
)

// MaxFilesPage is the most FILE lines a hub sends in answer to one
// `FILES [<offset>]`; the total in its `FILES <n> <total>` says whether
// more follow from offset + n.
const MaxFilesPage = 500

// Keywords of natter/1, in the upper-case form written on the wire.
const (
	KwHello    = "HELLO"
	KwNick     = "NICK"
	KwWelcome  = "WELCOME"
	KwMsg      = "MSG"
	KwPriv     = "PRIV"
	KwUsers    = "USERS"
	KwUser     = "USER"
	KwHistory  = "HISTORY"
	KwJoin     = "JOIN"
	KwRename   = "RENAME"
	KwLeave    = "LEAVE"
	KwFiles    = "FILES"
	KwFile     = "FILE"
	KwGet      = "GET"
	KwPut      = "PUT"
	KwShared   = "SHARED"
	KwUnshared = "UNSHARED"
	KwCaps     = "CAPS"
	KwSearch   = "SEARCH"
	KwFound    = "FOUND"
	KwPing     = "PING"
	KwPong     = "PONG"
	KwQuit     = "QUIT"
	KwErr      = "ERR"
	KwBye      = "BYE"

	// Owned nicks and the messages kept for them (natter/1 section 9).
	KwClaim     = "CLAIM"
	KwUnclaim   = "UNCLAIM"
	KwClaimed   = "CLAIMED"
	KwUnclaimed = "UNCLAIMED"
	KwKept      = "KEPT"
	KwInbox     = "INBOX"
)

// FlagOwned is the letter of the flags word on USER, JOIN and WELCOME
// saying that the nick is owned and its owner is the one connected.
const FlagOwned = 'o'

// HasFlag reports whether the flags word holds letter flag.
func HasFlag(flags string, flag byte) bool {
	for i := 0; i < len(flags); i++ {
		if flags[i] == flag {
			return true
		}
	}
	return false
}

// Reasons carried by LEAVE lines.
const (
	LeaveQuit           = "quit"
	LeaveTimeout        = "timeout"
	LeaveTooSlow        = "too-slow"
	LeaveFlood          = "flood"
	LeaveConnectionLost = "connection-lost"
	LeaveShutdown       = "shutdown"
)

// QuitReason returns the LEAVE reason for a client that quit with the given
// words: "quit" when there are none, else "quit: <words>".
func QuitReason(words string) string {
	if words == "" {
		return LeaveQuit
	}
	return LeaveQuit + ": " + words
}

// Reasons carried by BYE lines. A BYE that ends a session for one of the
// LEAVE reasons carries that reason.
const (
	ByeShutdown            = "shutdown"
	ByeRegistrationTimeout = "registration-timeout"
	ByeHubFull             = "hub-full"
)
