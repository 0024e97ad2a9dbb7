package proto

import (
	"fmt"
	"strings"
)

// Capability is one word of a hub's CAPS line: `name` or `name=value`.
type Capability struct {
	Name  string
	Value string // "" for a word without "="
}

// Capabilities defined by natter/1. A hub without a feature leaves its word
// out; a client ignores words it does not know.
const (
	CapTLS         = "tls"   // tls=<port>: the session protocol inside TLS
	CapFingerprint = "fp"    // fp=<fingerprint>: the hub's key
	CapClaim       = "claim" // owned nicks
	CapStore       = "store" // history is being stored
	CapWeb         = "web"   // web=<port>: the hub's web app
)

// ParseCaps parses the words of a CAPS line: one or more, separated by
// single spaces, each a name or name=value with a non-empty name. The
// error is a bad-syntax *Error naming the faulty word.
func ParseCaps(s string) ([]Capability, error) {
	bad := func(format string, args ...any) error {
		return NewError(ReasonBadSyntax, KwCaps, fmt.Sprintf(format, args...))
	}
	if s == "" {
		return nil, bad("missing capabilities")
	}
	caps := make([]Capability, 0, strings.Count(s, " ")+1)
	for i, w := range strings.Split(s, " ") {
		if w == "" {
			return nil, bad("empty capability %d (capabilities are separated by single spaces)", i+1)
		}
		name, value, _ := strings.Cut(w, "=")
		if name == "" {
			return nil, bad("capability %s has no name", quoteInput(w))
		}
		caps = append(caps, Capability{Name: name, Value: value})
	}
	return caps, nil
}

// AppendCaps appends `CAPS <cap> [<cap>…]`. It does not validate: names
// and values are the hub's own words, with no space and names without "=".
func AppendCaps(dst []byte, caps []Capability) []byte {
	dst = append(dst, KwCaps...)
	for _, c := range caps {
		dst = append(dst, ' ')
		dst = append(dst, c.Name...)
		if c.Value != "" {
			dst = append(dst, '=')
			dst = append(dst, c.Value...)
		}
	}
	return append(dst, '\n')
}
