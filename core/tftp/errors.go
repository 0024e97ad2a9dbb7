package tftp

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
)

// ErrorCode is the code of an ERROR packet (RFC 1350, RFC 2347).
type ErrorCode uint16

// The TFTP error codes.
const (
	ErrNotDefined      ErrorCode = 0
	ErrFileNotFound    ErrorCode = 1
	ErrAccessViolation ErrorCode = 2
	ErrDiskFull        ErrorCode = 3
	ErrIllegalOp       ErrorCode = 4
	ErrUnknownTID      ErrorCode = 5
	ErrFileExists      ErrorCode = 6
	ErrNoSuchUser      ErrorCode = 7
	ErrOptionRefused   ErrorCode = 8
)

func (c ErrorCode) String() string {
	switch c {
	case ErrNotDefined:
		return "not defined"
	case ErrFileNotFound:
		return "file not found"
	case ErrAccessViolation:
		return "access violation"
	case ErrDiskFull:
		return "disk full"
	case ErrIllegalOp:
		return "illegal operation"
	case ErrUnknownTID:
		return "unknown transfer ID"
	case ErrFileExists:
		return "file already exists"
	case ErrNoSuchUser:
		return "no such user"
	case ErrOptionRefused:
		return "option refused"
	}
	return fmt.Sprintf("code %d", uint16(c))
}

// Error is the content of an ERROR packet. A Handler returns one to choose
// the code and message sent to the client; transfers return one (wrapped)
// when the peer sent an ERROR.
type Error struct {
	Code    ErrorCode
	Message string
}

// NewError returns an *Error with the given code and message.
func NewError(code ErrorCode, msg string) *Error { return &Error{Code: code, Message: msg} }

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("tftp error %d (%v)", uint16(e.Code), e.Code)
	}
	return fmt.Sprintf("tftp error %d (%v): %s", uint16(e.Code), e.Code, e.Message)
}

// PeerError wraps an ERROR packet received from the other end. Callers
// classify it with errors.Is and the ErrPeer sentinels below rather than
// by its code and words.
type PeerError struct{ Packet *Error }

func (e *PeerError) Error() string { return "tftp: peer sent " + e.Packet.Error() }

// Unwrap returns the received *Error.
func (e *PeerError) Unwrap() error { return e.Packet }

// Is reports whether target is one of the ErrPeer sentinels that e's
// packet matches.
func (e *PeerError) Is(target error) bool {
	switch target {
	case ErrPeer:
		return true
	case ErrPeerDiskFull:
		return e.Packet.Code == ErrDiskFull
	case ErrPeerChecksum:
		return strings.Contains(e.Packet.Message, ChecksumMismatch)
	case ErrPeerAbandoned:
		return e.Packet.Code == ErrNotDefined &&
			(e.Packet.Message == msgTimedOut || e.Packet.Message == msgCancelled)
	}
	return false
}

// PeerMessage returns the message of the ERROR packet the peer sent, when
// err holds one.
func PeerMessage(err error) (msg string, ok bool) {
	var pe *PeerError
	if errors.As(err, &pe) {
		return pe.Packet.Message, true
	}
	return "", false
}

// ChecksumMismatch is the word natter/1 puts in the text of an ERROR packet
// that refuses data for not matching its size and SHA-256.
const ChecksumMismatch = "checksum-mismatch"

// The messages of the ERROR packets this package's transfers send when they
// give up (they are written out in the sender and the receiver).
const (
	msgTimedOut  = "timed out"
	msgCancelled = "transfer cancelled"
)

// Errors that transfers return, wrapped; classify them with errors.Is.
var (
	// ErrTimeout: the transfer made no progress for the configured
	// no-progress limit, and this end abandoned it.
	ErrTimeout = errors.New("tftp: transfer made no progress")

	// ErrChecksum: the data received does not match the size and SHA-256
	// it was granted with (checked at this end, by Fetch).
	ErrChecksum = errors.New("tftp: downloaded file does not match its checksum")

	// ErrPeer: the peer sent an ERROR packet; every *PeerError matches it.
	// [PeerMessage] returns the peer's words.
	ErrPeer = errors.New("tftp: the peer ended the transfer")

	// ErrPeerDiskFull: the peer has no room for the data (ERROR code 3,
	// natter/1's no-space).
	ErrPeerDiskFull = errors.New("tftp: the peer has no space left")

	// ErrPeerChecksum: the peer refused the data for not matching its size
	// and SHA-256; its ERROR text carries the word checksum-mismatch.
	ErrPeerChecksum = errors.New("tftp: the peer found a checksum mismatch")

	// ErrPeerAbandoned: the peer gave up on the transfer, for lack of
	// progress or because it was cancelled there; asking again may work.
	// Only a peer running this package says so in words it recognises.
	ErrPeerAbandoned = errors.New("tftp: the peer abandoned the transfer")
)

// errorFor maps an error from a Handler or a data source to the ERROR packet
// sent to the peer. Messages of unknown errors are not passed on, so that
// local details stay local.
func errorFor(err error) *Error {
	var te *Error
	switch {
	case errors.As(err, &te):
		return te
	case errors.Is(err, fs.ErrNotExist):
		return NewError(ErrFileNotFound, "file not found")
	case errors.Is(err, fs.ErrPermission):
		return NewError(ErrAccessViolation, "access violation")
	case errors.Is(err, fs.ErrExist):
		return NewError(ErrFileExists, "file already exists")
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return NewError(ErrDiskFull, "disk full")
	}
	return NewError(ErrNotDefined, "transfer failed")
}
