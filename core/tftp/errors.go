package tftp

import (
	"errors"
	"fmt"
	"io/fs"
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

// PeerError wraps an ERROR packet received from the other end.
type PeerError struct{ Packet *Error }

func (e *PeerError) Error() string { return "tftp: peer sent " + e.Packet.Error() }

// Unwrap returns the received *Error.
func (e *PeerError) Unwrap() error { return e.Packet }

// ErrTimeout is returned (wrapped) when a transfer made no progress for the
// configured no-progress limit.
var ErrTimeout = errors.New("tftp: transfer made no progress")

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
