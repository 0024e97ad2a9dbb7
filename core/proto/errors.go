package proto

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// ErrLineTooLong is returned by [Reader.ReadLine] for a line longer than the
// reader's limit. The line has been discarded up to its LF; the next call
// reads the following line.
var ErrLineTooLong = errors.New("natter: line too long")

// ErrUnknownKeyword matches, with errors.Is, the *Error that ParseCommand
// or ParseEvent returns for a line whose keyword natter/1 does not define
// in that direction: a hub answers such a line with unknown-command, a
// client skips it.
var ErrUnknownKeyword error = &Error{Reason: ReasonUnknownCommand}

// unknownKeyword is the error for a line starting with the unknown keyword
// word; what says which direction ("unknown command", "unknown hub line").
func unknownKeyword(word, what string) *Error {
	e := echoKeyword(word)
	if e != "" {
		what += " " + e
	}
	return NewError(ReasonUnknownCommand, e, what)
}

// Error codes of ERR lines.
const (
	CodeBadRequest          = 400 // bad-syntax, unknown-command, bad-nick, bad-text, bad-name
	CodeUnauthorized        = 401 // register-first
	CodeForbidden           = 403 // need-identity
	CodeNotFound            = 404 // no-such-user, no-such-file
	CodeConflict            = 409 // nick-in-use, busy, nick-owned
	CodeTooLarge            = 413 // line-too-long, too-large
	CodeUnprocessable       = 422 // checksum-mismatch
	CodeTooManyRequests     = 429 // slow-down
	CodeUnavailable         = 503 // hub-full
	CodeInsufficientStorage = 507 // no-space
)

// Reasons of ERR lines.
const (
	ReasonBadSyntax        = "bad-syntax"
	ReasonUnknownCommand   = "unknown-command"
	ReasonBadNick          = "bad-nick"
	ReasonBadText          = "bad-text"
	ReasonBadName          = "bad-name"
	ReasonRegisterFirst    = "register-first"
	ReasonNoSuchUser       = "no-such-user"
	ReasonNoSuchFile       = "no-such-file"
	ReasonNickInUse        = "nick-in-use"
	ReasonBusy             = "busy"
	ReasonLineTooLong      = "line-too-long"
	ReasonTooLarge         = "too-large"
	ReasonChecksumMismatch = "checksum-mismatch"
	ReasonSlowDown         = "slow-down"
	ReasonHubFull          = "hub-full"
	ReasonNoSpace          = "no-space"
	ReasonNeedIdentity     = "need-identity"
	ReasonNickOwned        = "nick-owned"
)

// ReasonCode returns the code that goes with an ERR reason, or 0 for a
// reason natter/1 does not define.
func ReasonCode(reason string) int {
	switch reason {
	case ReasonBadSyntax, ReasonUnknownCommand, ReasonBadNick, ReasonBadText, ReasonBadName:
		return CodeBadRequest
	case ReasonRegisterFirst:
		return CodeUnauthorized
	case ReasonNoSuchUser, ReasonNoSuchFile:
		return CodeNotFound
	case ReasonNeedIdentity:
		return CodeForbidden
	case ReasonNickInUse, ReasonBusy, ReasonNickOwned:
		return CodeConflict
	case ReasonLineTooLong, ReasonTooLarge:
		return CodeTooLarge
	case ReasonChecksumMismatch:
		return CodeUnprocessable
	case ReasonSlowDown:
		return CodeTooManyRequests
	case ReasonHubFull:
		return CodeUnavailable
	case ReasonNoSpace:
		return CodeInsufficientStorage
	}
	return 0
}

// Error is a failed request, as carried by an ERR line:
//
//	ERR <code> <keyword or -> <reason> [<detail…>]
//
// The parsers and validators of this package return *Error values, so the
// hub can write them back to the client as they are.
type Error struct {
	Code    int    // one of the Code constants
	Keyword string // keyword of the failed request, upper case; "" is written as "-"
	Reason  string // one of the Reason constants
	Detail  string // what was wrong with which input; may be empty
}

// NewError returns an Error for reason, with the code that goes with it.
func NewError(reason, keyword, detail string) *Error {
	return &Error{Code: ReasonCode(reason), Keyword: keyword, Reason: reason, Detail: detail}
}

// Error formats e for logs and callers, e.g.
// `natter: NICK bad-nick (400): nick "1a" must start with a letter`.
func (e *Error) Error() string {
	b := make([]byte, 0, 32+len(e.Detail))
	b = append(b, "natter: "...)
	if e.Keyword != "" {
		b = append(b, e.Keyword...)
		b = append(b, ' ')
	}
	b = append(b, e.Reason...)
	b = append(b, " ("...)
	b = strconv.AppendInt(b, int64(e.Code), 10)
	b = append(b, ')')
	if e.Detail != "" {
		b = append(b, ": "...)
		b = append(b, e.Detail...)
	}
	return string(b)
}

// Is reports whether target is an *Error with the same reason, and the same
// code and keyword where target sets them, so that
// errors.Is(err, &proto.Error{Reason: proto.ReasonBadNick}) matches any
// bad-nick error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t == nil {
		return false
	}
	return t.Reason == e.Reason &&
		(t.Code == 0 || t.Code == e.Code) &&
		(t.Keyword == "" || t.Keyword == e.Keyword)
}

// WithKeyword returns a copy of e for the request keyword kw.
func (e *Error) WithKeyword(kw string) *Error {
	c := *e
	c.Keyword = kw
	return &c
}

// AppendLine appends the ERR line for e, LF included. Characters that are
// not allowed in text are replaced by U+FFFD so that the line stays valid
// whatever the detail holds, and a detail that would take the line over
// [MaxHubLineLen] is cut (at a character boundary, marked with "…"), so that
// the line stays within what a hub may send.
func (e *Error) AppendLine(dst []byte) []byte {
	start := len(dst)
	dst = append(dst, "ERR "...)
	dst = strconv.AppendInt(dst, int64(e.Code), 10)
	dst = append(dst, ' ')
	dst = appendTokenOrDash(dst, e.Keyword)
	dst = append(dst, ' ')
	dst = appendTokenOrDash(dst, e.Reason)
	if e.Detail != "" {
		dst = append(dst, ' ')
		dst = appendSafeText(dst, e.Detail)
		if max := start + MaxHubLineLen - 1; len(dst) > max {
			dst = cutText(dst, max-len(ellipsis))
			dst = append(dst, ellipsis...)
		}
	}
	return append(dst, '\n')
}

const ellipsis = "…"

// cutText shortens b to at most n bytes, at the start of a character.
func cutText(b []byte, n int) []byte {
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return b[:n]
}

// appendTokenOrDash appends s, or "-" when s is empty, with anything that
// cannot be part of a token replaced.
func appendTokenOrDash(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, '-')
	}
	for _, r := range s {
		if r == ' ' || isControl(r) || r == utf8.RuneError {
			r = '_'
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// appendSafeText appends s with control characters and invalid UTF-8
// replaced by U+FFFD.
func appendSafeText(dst []byte, s string) []byte {
	if validText(s) == "" {
		return append(dst, s...)
	}
	for _, r := range s {
		if isControl(r) {
			r = utf8.RuneError
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}
