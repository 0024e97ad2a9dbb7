package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/core/proto"
)

// DefaultPort is the hub's port when Config.Addr names none.
const DefaultPort = "50000"

// Config says which hub to join and how to behave while connected.
// Only Addr and Nick are required; every zero duration takes its default.
type Config struct {
	// Addr is the hub's TCP address, host:port; without a port the hub's
	// default port 50000 is used.
	Addr string
	// Nick is the nickname to register. It is registered again after every
	// reconnect; when it is taken then (say the hub has not yet noticed our
	// old connection died) a digit is appended, and the next reconnect
	// tries the chosen nick first again. A nick taken on the first connect
	// closes the client instead: the person must choose another.
	Nick string
	// DownloadDir is the folder downloads are written to (as <name>.part,
	// renamed to <name> once size and SHA-256 match). Empty means the
	// current directory. It is created, with its parents (mode 0755), when
	// a download starts; if it cannot be, the download fails saying so.
	DownloadDir string
	// TempDir is where an upload from a stream that cannot seek is copied
	// while it is hashed (as a hidden .natter-upload-* file, removed when
	// the transfer ends). Empty means DownloadDir, which the client can
	// write to on every platform; os.TempDir may not be writable on Android.
	// It is created like DownloadDir when first needed.
	TempDir string
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger

	// Dial connects to the hub at addr (Addr, host:port); any transport
	// that gives a net.Conn will do (TLS, WebSocket). Nil means TCP, each
	// attempt bounded by DialTimeout.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// WebBase, when set, is the base URL of the hub's web part,
	// http://host:port (natter/1 section 11): transfers then go over HTTP,
	// GET and PUT /t/<token>, instead of TFTP, as they must in a browser.
	WebBase string
	// DialTimeout bounds one TCP connect attempt of the default Dial
	// (default 5 s).
	DialTimeout time.Duration
	// ReconnectMin is the first back-off delay after a drop (default 200 ms);
	// each failed attempt doubles it, with jitter, up to ReconnectMax
	// (default 3 s) so the client is back within a few seconds of the hub.
	ReconnectMin time.Duration
	ReconnectMax time.Duration
	// PingIdle is how long the connection may stay silent before the client
	// sends PING (default 30 s); PingTimeout is how long it then waits for any
	// line before it treats the connection as dead and reconnects (default 20 s).
	PingIdle    time.Duration
	PingTimeout time.Duration
	// WriteTimeout bounds writing one line to the hub (default 10 s).
	WriteTimeout time.Duration
	// HelloTimeout is how long the client waits, once connected, for the
	// hub's HELLO (default 5 s): a hub sends it at once, so silence means
	// something else listens at the address (CauseNotNatter).
	HelloTimeout time.Duration

	// SendRate and SendBurst pace the lines the client sends so that it
	// stays under the hub's flood limit (defaults 18 lines/s, bursts of 40;
	// the hub's own defaults are 20 and 50). Lines over the rate wait in order.
	SendRate  float64
	SendBurst int

	// MaxTransfers is how many transfers run at once; more are queued
	// (default 4, the hub's per-client limit).
	MaxTransfers int
	// EventBuffer is the capacity of the Events channel (default 256).
	EventBuffer int
	// MaxMessages bounds the message log; the oldest lines are dropped
	// beyond it (default 50,000).
	MaxMessages int

	// Trust (section 8 of natter/1; see tlsdial.go). A Config that sets
	// any of Pins, Device, HubKey or TLSAddr talks to the hub over TLS
	// only: over its TLS port, from a join link or discovery (TLSAddr) or
	// as the hub's CAPS names it, with the key HubKey names, else the
	// pinned one, else the one it presents on first contact, which is
	// then pinned. A changed key closes the client with CauseKeyChanged;
	// a hub that offers no TLS closes it with CauseNoTLS. A Config with
	// none of them speaks plaintext, as stock tools do.

	// Pins keeps the hub keys met, by address.
	Pins *identity.PinStore
	// Device is this device's identity, presented as a client certificate.
	Device *identity.Identity
	// HubKey, from a join link, is the only hub key accepted.
	HubKey identity.Fingerprint
	// TLSAddr is the hub's TLS port, host:port, when known (a join link,
	// discovery); "" to ask the hub.
	TLSAddr string
	// Plaintext is the user's explicit choice of an unencrypted session
	// (Snapshot.Security says so); it overrides the trust fields.
	Plaintext bool

	hubDialer *hubDialer // the TLS dialer, when the fields above ask for one
}

// ConnState is where the client is in its life with the hub.
type ConnState int

const (
	// Connecting: dialling, or connected and registering, for the first time.
	Connecting ConnState = iota
	// Registered: the hub accepted our nick; messages flow.
	Registered
	// Reconnecting: the connection dropped (or the first connect failed);
	// the next attempt is at Connection.NextTry, or under way when NextTry
	// is zero. Connection.Cause says what went wrong.
	Reconnecting
	// Closed: the client has stopped for good; Connection.Cause says why.
	Closed
)

func (s ConnState) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Registered:
		return "registered"
	case Reconnecting:
		return "reconnecting"
	case Closed:
		return "closed"
	}
	return fmt.Sprintf("ConnState(%d)", int(s))
}

// Connection describes the link to the hub.
type Connection struct {
	State ConnState
	// Attempt counts reconnect attempts since the last successful registration.
	Attempt int
	// NextTry is when the next reconnect attempt starts (Reconnecting only;
	// zero while an attempt is under way).
	NextTry time.Time
	// Cause says why the connection dropped (Reconnecting) or why the
	// client stopped (Closed); CauseNone otherwise.
	Cause Cause
	// Err is the error behind Cause, if any: a *HubError, *ByeError or
	// *VersionError for the causes that say so, else what the network said.
	Err error
}

// Cause is why the connection to the hub dropped or the client stopped.
type Cause uint8

const (
	CauseNone Cause = iota
	// CauseLost: the connection ended with no error to tell.
	CauseLost
	// CauseHubClosed: the hub closed the connection.
	CauseHubClosed
	// CauseTimeout: the hub did not answer in time (connect, read or write).
	CauseTimeout
	// CauseNoHub: nothing listens at the address (ECONNREFUSED).
	CauseNoHub
	// CauseNotAccepted: connected, but the hub did not accept a nick in time.
	CauseNotAccepted
	// CauseNoAnswer: the hub stopped answering PING.
	CauseNoAnswer
	// CauseNetwork: another network or system error; Err says which.
	CauseNetwork
	// CauseRefused: the hub refused us with an ERR; Err is the *HubError.
	CauseRefused
	// CauseBye: the hub said BYE; Err is the *ByeError, or the *HubError
	// that came with the same reason just before it.
	CauseBye
	// CauseVersion: the hub speaks another protocol; Err is a *VersionError.
	CauseVersion
	// CauseQuit: Quit or Close was called.
	CauseQuit
	// CauseStopped: the Start context ended.
	CauseStopped
	// CauseDroppedAgain: the hub dropped the session soon after it
	// registered, again and again (as a hub does with a client it finds too
	// slow), so the client waits longer before each new try; Err is the
	// *ByeError or error of the last drop.
	CauseDroppedAgain
	// CauseKeyChanged: the hub presented a key other than the pinned one
	// or the join link's; Err is the *identity.KeyChangedError naming both.
	// The client stops: only the user may trust the new key (TrustNewKey).
	CauseKeyChanged
	// CauseNoTLS: the hub offered no TLS where the client would not talk
	// in plaintext; Err is the *NoTLSError.
	CauseNoTLS
	// CauseNotNatter: connected, but no HELLO came within HelloTimeout:
	// what listens at the address is not a Natter hub.
	CauseNotNatter
)

func (c Cause) String() string {
	names := [...]string{"none", "lost", "hub-closed", "timeout", "no-hub", "not-accepted", "no-answer",
		"network", "refused", "bye", "version", "quit", "stopped", "dropped-again", "key-changed", "no-tls", "not-natter"}
	if int(c) < len(names) {
		return names[c]
	}
	return fmt.Sprintf("Cause(%d)", int(c))
}

// VersionError says the hub speaks a protocol other than natter/1.
type VersionError struct{ Version string }

func (e *VersionError) Error() string {
	return fmt.Sprintf("client: hub speaks %q, not %s", e.Version, proto.Version)
}

// SecondsLeft is how many whole seconds remain until NextTry, rounded up,
// measured from now; 0 when no attempt is scheduled.
func (c Connection) SecondsLeft(now time.Time) int {
	if c.State != Reconnecting || c.NextTry.IsZero() || !c.NextTry.After(now) {
		return 0
	}
	d := c.NextTry.Sub(now)
	return int((d + time.Second - 1) / time.Second)
}

// MessageKind tells chat lines from lines the client writes itself.
type MessageKind uint8

const (
	// Public: a message to everyone.
	Public MessageKind = iota
	// Private: a message between two people; Message.To is the recipient.
	Private
	// System: a line about the hub or the session (join, leave, rename,
	// shared file, error, connection change); Message.Event and Note say
	// which, and the other fields who and why (see Note).
	System
)

func (k MessageKind) String() string {
	switch k {
	case Public:
		return "public"
	case Private:
		return "private"
	case System:
		return "system"
	}
	return fmt.Sprintf("MessageKind(%d)", int(k))
}

// SystemEvent says what a System line is about.
type SystemEvent uint8

const (
	SysNone SystemEvent = iota
	SysJoin
	SysLeave
	SysRename
	SysShared
	SysError
	SysConnection // connected, dropped, reconnected, closed
	SysInfo       // anything else, e.g. a nick taken after a reconnect
	SysOwnership  // an owned nick: claimed, given up, a message kept
)

func (e SystemEvent) String() string {
	switch e {
	case SysNone:
		return "none"
	case SysJoin:
		return "join"
	case SysLeave:
		return "leave"
	case SysRename:
		return "rename"
	case SysShared:
		return "shared"
	case SysError:
		return "error"
	case SysConnection:
		return "connection"
	case SysInfo:
		return "info"
	case SysOwnership:
		return "ownership"
	}
	return fmt.Sprintf("SystemEvent(%d)", int(e))
}

// Note says which System line a Message is, and so which of its fields
// are set. A user interface puts the line into words.
type Note uint8

const (
	NoteNone Note = iota
	// NoteJoined (SysJoin): From joined.
	NoteJoined
	// NoteLeft (SysLeave): From left for Reason, a natter/1 LEAVE reason.
	NoteLeft
	// NoteRenamed (SysRename): From is now known as To; Own when it is us.
	NoteRenamed
	// NoteShared (SysShared): From shared the file Name of Size bytes.
	NoteShared
	// NoteConnected, NoteReconnected (SysConnection): registered with the
	// hub called Name as the nick To.
	NoteConnected
	NoteReconnected
	// NoteDropped (SysConnection): the connection dropped for Cause (Err
	// behind it); the client reconnects.
	NoteDropped
	// NoteClosed (SysConnection): the client stopped for Cause (and Err).
	NoteClosed
	// NoteNickTaken (SysInfo): after a reconnect the nick From was taken;
	// the client tries To.
	NoteNickTaken
	// NoteNickRefused (SysError): the hub refused a change of nick; Err is
	// the *HubError.
	NoteNickRefused
	// NoteNotSent, NotePrivNotSent (SysError): the hub refused a message
	// (a private one to To); Text is the message, empty when the hub's
	// answer matched no message; Err is the *HubError.
	NoteNotSent
	NotePrivNotSent
	// NoteMaybeLost, NotePrivMaybeLost (SysError): the connection dropped
	// after the message Text (a private one to To) was sent and before the
	// hub confirmed it.
	NoteMaybeLost
	NotePrivMaybeLost
	// NoteHubError (SysError): an ERR about nothing else; Err is the *HubError.
	NoteHubError
	// NoteTransferFailed (SysError): Transfer is the transfer as it failed.
	NoteTransferFailed
	// NoteClaimed, NoteUnclaimed (SysOwnership): our nick To is now ours,
	// or no longer (natter/1 section 9).
	NoteClaimed
	NoteUnclaimed
	// NoteKept (SysOwnership): To, whose nick is owned, is offline: the
	// hub keeps our private message for them, delivered when they are
	// back.
	NoteKept
	// NoteClaimRefused (SysError): the hub refused to make our nick ours,
	// or to give it up; Err is the *HubError (need-identity: a session
	// without TLS or without the device's identity; nick-owned: someone
	// else owns it or one that looks like it).
	NoteClaimRefused
)

// Message is one line of the log. Messages are immutable once in a Snapshot.
// (The small fields come last, where they share a word: a long log holds
// many of these.)
type Message struct {
	// Seq numbers the lines of the log from 1, in the order they were
	// added: a key that stays with a line when older lines are dropped.
	Seq uint64
	// Time is the hub's time for chat, join, leave, rename and shared
	// lines; the client's time for lines it writes itself.
	Time time.Time
	// From is the sender of a Public or Private message. On a System line
	// it is the person the line is about: who joined (SysJoin), left
	// (SysLeave) or shared a file (SysShared), and the old nick of a
	// SysRename; empty on lines about the connection or errors.
	From string
	// To is the recipient of a Private message, and the new nick of a
	// SysRename line.
	To string
	// Reason is, on a SysLeave line, the natter/1 reason the person left
	// for ("quit", "quit: <their words>", "timeout", "flood", ...).
	Reason string
	// Text is the message body with line breaks restored (\n); on a
	// System line, the message it is about, if any.
	Text string
	// The fields from here to Transfer are set on System lines as Note
	// says.
	Name string // NoteShared: the file; NoteConnected, NoteReconnected: the hub
	Size int64  // NoteShared
	// Err says why, with Cause, on NoteDropped and NoteClosed lines; it is
	// the hub's *HubError on the lines about refusals.
	Err      error
	Transfer *Transfer // NoteTransferFailed

	Kind  MessageKind
	Event SystemEvent // System lines only
	// Note says which System line this is.
	Note  Note
	Cause Cause // NoteDropped, NoteClosed
	// Own is true for messages we sent (the hub's echo of them).
	Own bool
	// History is true for messages that arrived in the hub's HISTORY block.
	History bool
	// Inbox is true for private messages the hub kept for us while we were
	// offline (our nick is owned) and delivered in its INBOX block; Time is
	// when they were sent.
	Inbox bool
}

// User is someone online.
type User struct {
	Nick string
	Self bool // this client
	// Owned says the nick is owned and its owner is the one connected
	// (natter/1 section 9), as the hub last said.
	Owned bool
}

// File is one file the hub shares.
type File struct {
	Name string
	Size int64
	// SHA256 is 64 lower-case hex digits, or empty while the hub has not
	// hashed the file yet.
	SHA256  string
	ModTime time.Time
}

// Shared is a SHARED announcement: someone's upload was stored on the hub.
type Shared struct {
	Time   time.Time
	From   string
	Size   int64
	SHA256 string
	Name   string
}

// TransferID names a transfer for the life of the Client.
type TransferID uint64

// Direction of a transfer.
type Direction int

const (
	Download Direction = iota
	Upload
)

func (d Direction) String() string {
	if d == Upload {
		return "upload"
	}
	return "download"
}

// TransferState is where a transfer is.
type TransferState int

const (
	// Queued: waiting for a free slot or for the hub to come back.
	TransferQueued TransferState = iota
	// Running: requested from the hub or moving data.
	TransferRunning
	// TransferDone: finished; for a download the file is at Transfer.Path
	// with its size and SHA-256 checked.
	TransferDone
	// TransferFailed: stopped for Transfer.Reason; nothing is left under the
	// final name.
	TransferFailed
	// TransferCancelled: stopped by Cancel; nothing is left under the final
	// name and no .part file remains.
	TransferCancelled
)

func (s TransferState) String() string {
	switch s {
	case TransferQueued:
		return "queued"
	case TransferRunning:
		return "running"
	case TransferDone:
		return "done"
	case TransferFailed:
		return "failed"
	case TransferCancelled:
		return "cancelled"
	}
	return fmt.Sprintf("TransferState(%d)", int(s))
}

// Finished reports whether the transfer has reached a final state.
func (s TransferState) Finished() bool {
	return s == TransferDone || s == TransferFailed || s == TransferCancelled
}

// Transfer is the state of one download or upload.
type Transfer struct {
	ID        TransferID
	Direction Direction
	// Name is the file's name on the hub. For an upload it becomes the
	// stored name once the hub grants it (which may differ: "a (1).txt").
	Name  string
	Bytes int64 // bytes moved so far (including a resumed .part)
	Total int64 // the file's size; -1 until known
	// Rate is the recent speed in bytes per second; 0 when unknown.
	Rate float64
	// ETA is the estimated time left; -1 when unknown.
	ETA   time.Duration
	State TransferState
	// Reason says why a transfer is in its state (waiting for the hub, the
	// hub refused it, ...), XferNone when there is nothing to say.
	Reason TransferReason
	// Limit is Config.MaxTransfers, for XferWaitSlots.
	Limit int
	// Hashed is how much of an upload has been read to hash it (XferHashing).
	Hashed int64
	// Detail is the hub's own words when it stopped the transfer: for
	// XferPeerStopped, and for XferChecksum and XferNoSpace when the hub
	// found the mismatch or had no room.
	Detail string
	// Err is the error behind Reason, if any (a *HubError for XferRefused).
	Err error
	// Path is, for a download, the final file path (valid once Done); for an
	// upload from a path, the source path.
	Path string
	// SHA256 is the file's hash once known.
	SHA256   string
	Started  time.Time
	Finished time.Time
}

// TransferReason says why a transfer is where it is.
type TransferReason int

const (
	XferNone TransferReason = iota
	// Queued.
	XferQueued        // waiting its turn
	XferWaitSlots     // Transfer.Limit transfers run already
	XferWaitHub       // the client is not registered with the hub
	XferWaitReconnect // interrupted by a drop; resumes after the reconnect
	XferHubBusy       // the hub said busy; asked again soon
	XferRetrying      // interrupted; asked again soon
	// Running.
	XferAsking     // GET or PUT sent, no grant yet
	XferHashing    // reading an upload to learn its size and SHA-256
	XferCancelling // Cancel was called; the worker is stopping
	// Cancelled.
	XferCancelled    // by Cancel
	XferClientClosed // the client closed
	// Failed; Err says more.
	XferDuplicate   // the same file is already being downloaded
	XferNoFolder    // the download folder cannot be created
	XferUnreadable  // the upload's source cannot be read
	XferRefused     // the hub refused the request; Err is the *HubError
	XferChecksum    // the data did not match its size and SHA-256
	XferNoSpace     // the hub has no room for the file
	XferPeerStopped // the hub stopped the transfer; Detail has its words
	XferBadRequest  // the request could not be made (a name too long, say)
	XferFailed      // anything else
)

// SizeMismatchError says a stream to upload did not hold the bytes announced.
type SizeMismatchError struct{ Have, Announced int64 }

func (e *SizeMismatchError) Error() string {
	return fmt.Sprintf("client: the stream holds %d bytes, not the %d announced", e.Have, e.Announced)
}

// HubError is an ERR line from the hub.
type HubError struct {
	Code    int
	Keyword string // the request keyword the error answers, or "-"
	Reason  string // e.g. "nick-in-use"
	Detail  string // optional words from the hub
	Time    time.Time
}

// Is reports whether target is a *proto.Error with the same reason, and
// the same code and keyword where target sets them, so that
// errors.Is(err, &proto.Error{Reason: proto.ReasonNickInUse}) matches the
// hub's refusal of a nick however it reached the caller.
func (e *HubError) Is(target error) bool {
	kw := e.Keyword
	if kw == "-" {
		kw = ""
	}
	return (&proto.Error{Code: e.Code, Keyword: kw, Reason: e.Reason}).Is(target)
}

// Error returns the raw line's fields, for logs.
func (e *HubError) Error() string {
	s := fmt.Sprintf("hub: ERR %d %s %s", e.Code, e.Keyword, e.Reason)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Snapshot is the whole client state at one moment. A Snapshot is
// immutable: never modify it or anything it points to. Taking one is cheap;
// the message log is shared between snapshots, append-only.
type Snapshot struct {
	// Version increases with every change the client publishes.
	Version uint64
	Conn    Connection
	// Nick is the nick the hub knows us by (or the one we are trying to
	// register).
	Nick    string
	HubName string
	// Caps is what the hub's CAPS line offers, zero until one came in
	// this session.
	Caps HubCaps
	// Addr is the hub's address, host:port.
	Addr string
	// Messages is the log, oldest first.
	Messages []Message
	// Older are the messages before the log loaded from the hub's stored
	// history with LoadOlder, oldest first, each once (by its time).
	Older []Message
	// OlderLoading is set while a page is on its way; OlderComplete once
	// the hub has said there is nothing older.
	OlderLoading, OlderComplete bool
	// HubStores is set when the hub keeps its history (CAPS store), so
	// that LoadOlder and Search can find more than the log holds.
	HubStores bool
	// Found are the results of the last Search, newest first, for the
	// words FoundFor; Searching is set while a search is on its way.
	Found     []Message
	FoundFor  string
	Searching bool
	// Users are the people online, sorted case-insensitively, as of the
	// last time the client was registered.
	Users []User
	// Files is the hub's shared list as of FilesTime (zero until the hub
	// answered FILES once).
	Files     []File
	FilesTime time.Time
	// FilesTotal is how many files the hub shares; Files holds the first
	// of them, a page at a time (see MoreFiles).
	FilesTotal int
	// Shared are the SHARED announcements seen, oldest first.
	Shared []Shared
	// Transfers in the order they were asked for.
	Transfers []Transfer
	// LastError is the most recent ERR from the hub, or nil.
	LastError *HubError
	// DroppedEvents counts events dropped from a full Events channel.
	DroppedEvents uint64
	// Security says how the current session is protected (zero when
	// there is none).
	Security Security
	// Owned says our nick is ours: owned by this device's identity, as the
	// hub said in WELCOME or CLAIMED (natter/1 section 9).
	Owned bool
}

// Transfer finds a transfer by id.
func (s *Snapshot) Transfer(id TransferID) (Transfer, bool) {
	for _, t := range s.Transfers {
		if t.ID == id {
			return t, true
		}
	}
	return Transfer{}, false
}

// EventKind says what an Event is about.
type EventKind int

const (
	// EventMessage: a Public or Private message was added to the log, ours
	// and those from the hub's HISTORY included (Message.History tells).
	// Event.Message is set.
	EventMessage EventKind = iota
	// EventPrivate: a private message to us from someone else arrived
	// (also sent as EventMessage). Event.Message is set.
	EventPrivate
	// EventError: something failed; Event.Err holds the error (a
	// *HubError for ERR lines).
	EventError
	// EventConnection: the connection state changed; Event.Conn is set.
	EventConnection
	// EventTransfer: a transfer changed state or made progress; Event.Transfer
	// is set. Progress events for one transfer arrive in order.
	EventTransfer
	// EventShared: someone's upload was stored on the hub; Event.Shared is set.
	EventShared
	// EventOwnership: our nick became ours or stopped being ours, or a
	// private message was kept for an offline owner; Event.Message is the
	// SysOwnership line (NoteClaimed, NoteUnclaimed, NoteKept). A refusal
	// is an EventError with the *HubError.
	EventOwnership
)

func (k EventKind) String() string {
	switch k {
	case EventMessage:
		return "message"
	case EventPrivate:
		return "private"
	case EventError:
		return "error"
	case EventConnection:
		return "connection"
	case EventTransfer:
		return "transfer"
	case EventShared:
		return "shared"
	case EventOwnership:
		return "ownership"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is a one-off notification. Events go to a bounded channel; when it
// is full the oldest event is dropped to make room, so a reader that falls
// behind sees the latest events and never stalls the client.
type Event struct {
	Kind     EventKind
	Time     time.Time
	Text     string
	Err      error
	Message  *Message
	Conn     *Connection
	Transfer *Transfer
	Shared   *Shared
}

// Errors returned by the intent methods.
var (
	// ErrClosed: the client has stopped.
	ErrClosed = errors.New("client: closed")
	// ErrNotStarted: Start or Run has not been called.
	ErrNotStarted = errors.New("client: not started")
	// ErrStarted: Start or Run was called twice.
	ErrStarted = errors.New("client: already started")
	// ErrNoSuchTransfer: Cancel got an id it does not know.
	ErrNoSuchTransfer = errors.New("client: no such transfer")
	// ErrNotRegular: an upload's path names a folder or a device, not a
	// file (inside an *os.PathError).
	ErrNotRegular = errors.New("client: not a regular file")
	// ErrNoTransfers: this build has no file-transfer engine.
	ErrNoTransfers = errors.New("client: file transfers are not available")
)

// New checks cfg and returns a Client that has not yet connected.
// Call Start or Run to join the hub.
func New(cfg Config) (*Client, error) { return newClient(cfg) }

// Start connects in the background and returns at once. Cancelling ctx
// closes the client as Close does (without waiting). The client keeps
// reconnecting after drops until Quit, Close, ctx, or a BYE from the hub.
func (c *Client) Start(ctx context.Context) error { return c.start(ctx) }

// Run is Start followed by Wait: it returns when the client has stopped,
// with nil after Quit/Close or ctx's end, else with the reason it stopped
// (a *HubError when the hub refused registration, *ByeError for BYE).
func (c *Client) Run(ctx context.Context) error {
	if err := c.start(ctx); err != nil {
		return err
	}
	return c.Wait()
}

// Wait blocks until every goroutine of the client has ended and returns
// what Run returns.
func (c *Client) Wait() error { return c.wait() }

// Done is closed once the client has stopped and every goroutine has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Snapshot returns the current state. It never blocks on the network.
func (c *Client) Snapshot() *Snapshot { return c.snap.Load() }

// Changed receives a value after the state changed. It has capacity 1 and
// coalesces: however many changes happen while nobody reads, one value
// waits. Read it, then take a Snapshot.
func (c *Client) Changed() <-chan struct{} { return c.changed }

// Events is the bounded stream of one-off notifications (see Event for the
// drop-oldest policy). Reading it is optional. It is closed once the client
// has stopped, so a range over it ends.
func (c *Client) Events() <-chan Event { return c.events }

// Send sends text to everyone. Line breaks in text are kept. It returns an
// error for text that cannot be sent (control characters, too long) or
// when the client is closed; otherwise the message is queued and goes out
// as soon as the hub is reachable and the rate allows.
func (c *Client) Send(text string) error { return c.sendText("", text) }

// SendPrivate sends text to nick only.
func (c *Client) SendPrivate(nick, text string) error { return c.sendText(nick, text) }

// RefreshUsers asks the hub who is online.
func (c *Client) RefreshUsers() { c.post(intent{kind: intentUsers}) }

// RefreshFiles asks the hub what it shares.
func (c *Client) RefreshFiles() { c.post(intent{kind: intentFiles}) }

// MoreFiles asks the hub for the next page of its shared list, when
// Snapshot.Files holds fewer than FilesTotal; a list shown as it scrolls
// calls it near its end. A page already asked for is not asked again.
func (c *Client) MoreFiles() { c.post(intent{kind: intentMoreFiles}) }

// LoadOlder asks the hub for the page of public messages before the oldest
// the client has (Snapshot.Older). It does nothing while a page is on its
// way, once the hub has nothing older, or before registration.
func (c *Client) LoadOlder() { c.post(intent{kind: intentOlder}) }

// Search asks the hub for the public messages holding every one of the
// space-separated words (whole words, case aside), into Snapshot.Found; ""
// clears the results. A hub that does not store its history refuses with
// an ERR (Snapshot.LastError).
func (c *Client) Search(words string) { c.post(intent{kind: intentSearch, text: words}) }

// Claim asks the hub to make our nick ours (natter/1 section 9): it then
// refuses the nick to anyone without this device's identity, and keeps
// private messages for us while we are offline. It needs a TLS session with
// Config.Device; the outcome is a NoteClaimed line and EventOwnership, or a
// NoteClaimRefused line and EventError. Nothing is sent before
// registration.
func (c *Client) Claim() { c.post(intent{kind: intentClaim}) }

// Unclaim gives our nick up (NoteUnclaimed, or NoteClaimRefused).
func (c *Client) Unclaim() { c.post(intent{kind: intentUnclaim}) }

// SetNick changes our nick (or the nick to register, if not yet
// registered). It returns an error for a nick the hub would refuse.
func (c *Client) SetNick(nick string) error { return c.setNick(nick) }

// Download queues a download of the shared file name into DownloadDir and
// returns its id. It survives reconnects, resuming from <name>.part.
func (c *Client) Download(name string) (TransferID, error) { return c.download(name, "") }

// DownloadTo is Download into dir instead of DownloadDir (a cache of
// previews, say). dir is created like DownloadDir; the same name may be
// downloaded into two folders at once. An empty dir means DownloadDir.
func (c *Client) DownloadTo(name, dir string) (TransferID, error) { return c.download(name, dir) }

// Upload queues an upload of the file at path, shared under its base name.
func (c *Client) Upload(path string) (TransferID, error) { return c.uploadPath(path) }

// UploadReader queues an upload of size bytes read from r, shared as name.
// If r is an io.ReadSeeker it is read twice (hash, then send) and must stay
// usable until the transfer finishes; otherwise it is copied once into a
// temporary file while hashing. If r is an io.Closer it is closed when the
// transfer ends.
func (c *Client) UploadReader(name string, r io.Reader, size int64) (TransferID, error) {
	return c.uploadReader(name, r, size)
}

// Cancel stops a queued or running transfer. A cancelled download leaves
// neither the final file nor its .part.
func (c *Client) Cancel(id TransferID) error { return c.cancel(id) }

// Quit says goodbye to the hub with reason (may be empty) and stops the
// client; it does not wait (see Wait).
func (c *Client) Quit(reason string) { c.quit(reason) }

// Close quits and waits until every goroutine has ended. It is safe to call
// more than once and before Start.
func (c *Client) Close() error {
	c.quit("")
	if !c.started.Load() {
		return nil
	}
	<-c.done
	return nil
}

// ByeError is the hub's BYE line: the hub closed the session on purpose.
type ByeError struct{ Reason string }

func (e *ByeError) Error() string { return "hub: BYE " + e.Reason }
