package client

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/natter-chat/natter/core/proto"
)

// checkNick reports whether the hub would accept nick as a nickname.
func checkNick(nick string) error { return proto.ValidNick(nick) }

// SameNick reports whether a and b name the same person to a hub: nicks
// are compared after NFC normalisation and case folding, so "Bob" and
// "bOB" are one nick.
func SameNick(a, b string) bool { return sameNick(a, b) }

// sameNick reports whether a and b are the same nick to the hub. It is
// asked for every message, so ASCII nicks skip the Unicode folding.
func sameNick(a, b string) bool {
	if a == b {
		return true
	}
	if isASCII(a) && isASCII(b) {
		return strings.EqualFold(a, b)
	}
	return proto.NickKey(a) == proto.NickKey(b)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// checkName reports whether name is a valid shared file name.
func checkName(name string) error { return proto.ValidFileName(name) }

// commandLine validates c and returns its line, LF included, checking the
// length limit a hub enforces; what is wrong is a *proto.Error.
func commandLine(c proto.Command) (string, error) {
	b, err := c.Append(make([]byte, 0, 64+len(c.Text)))
	if err != nil {
		return "", err
	}
	if len(b) > proto.MaxLineLen {
		// The hub's own answer to such a line, so that the caller meets
		// one error whoever noticed.
		return "", proto.NewError(proto.ReasonLineTooLong, c.Keyword, fmt.Sprintf("the line would be %d bytes; the limit is %d", len(b), proto.MaxLineLen))
	}
	return string(b), nil
}

// messageLine returns the MSG (to == "") or PRIV line for text. Line breaks
// in text are kept (CR LF counts as one).
func messageLine(to, text string) (string, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if to == "" {
		return commandLine(proto.Command{Keyword: proto.KwMsg, Text: text})
	}
	if err := checkNick(to); err != nil {
		return "", err
	}
	return commandLine(proto.Command{Keyword: proto.KwPriv, Nick: to, Text: text})
}

// simpleLine returns the line of a command that cannot be invalid.
func simpleLine(c proto.Command) string {
	line, err := commandLine(c)
	if err != nil {
		panic("client: " + err.Error()) // a bug: the fields were checked before
	}
	return line
}
