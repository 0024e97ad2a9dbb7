package client

import (
	"strconv"

	"github.com/natter-chat/natter/core/proto"
)

// HubCaps is what a hub's CAPS line says it offers (natter/1 §7). A field
// is zero when the hub left its word out, or when the word's value was not
// one natter/1 allows.
type HubCaps struct {
	// TLSPort is the TCP port of the session protocol inside TLS (tls=).
	TLSPort int
	// Fingerprint is the hub key's fingerprint (fp=): 52 characters of
	// upper-case unpadded base32.
	Fingerprint string
	// Claim says the hub keeps owned nicks (claim).
	Claim bool
	// Store says the hub is storing history (store).
	Store bool
	// WebPort is the TCP port of the hub's web app (web=).
	WebPort int
}

// fingerprintLen is the length of a fingerprint: a SHA-256 in unpadded
// base32.
const fingerprintLen = 52

// parseHubCaps reads the words of a CAPS line, which the codec has checked
// to be words. Words it does not know, and known words with a value they
// cannot have, are ignored: a hub may offer more than this client uses.
func parseHubCaps(words string) HubCaps {
	var c HubCaps
	list, err := proto.ParseCaps(words)
	if err != nil {
		return c
	}
	for _, w := range list {
		switch w.Name {
		case proto.CapTLS:
			c.TLSPort = capPort(w.Value)
		case proto.CapFingerprint:
			if isFingerprint(w.Value) {
				c.Fingerprint = w.Value
			}
		case proto.CapClaim:
			c.Claim = w.Value == ""
		case proto.CapStore:
			c.Store = w.Value == ""
		case proto.CapWeb:
			c.WebPort = capPort(w.Value)
		}
	}
	return c
}

// capPort returns the TCP port s names, or 0 when it names none.
func capPort(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 || s[0] == '+' {
		return 0
	}
	return n
}

// isFingerprint reports whether s is written as natter/1 §8 writes a
// fingerprint.
func isFingerprint(s string) bool {
	if len(s) != fingerprintLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}
