package discovery

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxNameLen is the longest hub name, in bytes, that discovery carries. It is
// the limit of one DNS label, so the same name fits both the mDNS instance name
// and the probe answer; longer names are cut at a character boundary.
const MaxNameLen = 63

// Info describes a hub to the announcer and to the probe responder.
type Info struct {
	// Name is the hub name shown to people, the mDNS instance name.
	Name string
	// TCPPort is the port of the session listener.
	TCPPort int
	// UDPPort is the port of the file-transfer listener; probes arrive on it too.
	UDPPort int
	// TLSPort is the port of the TLS session listener; 0 when the hub has none.
	TLSPort int
	// Fingerprint is the hub's key fingerprint (section 8 of natter/1), or
	// "" when it has none; a client checks it against the TLS handshake.
	Fingerprint string
	// Users reports how many users are online. It may be nil (count 0) and
	// must be safe to call from any goroutine.
	Users func() int
}

// userCount returns the current user count, clamped to what the wire formats
// carry.
func (i Info) userCount() int {
	if i.Users == nil {
		return 0
	}
	n := i.Users()
	if n < 0 {
		return 0
	}
	if n > 1<<31-1 {
		return 1<<31 - 1
	}
	return n
}

// validate checks the fields every discovery path needs.
func (i Info) validate() error {
	if i.Name == "" {
		return errors.New("discovery: hub name is empty")
	}
	if !utf8.ValidString(i.Name) {
		return fmt.Errorf("discovery: hub name %q is not valid UTF-8", i.Name)
	}
	if strings.IndexFunc(i.Name, isControl) >= 0 {
		return fmt.Errorf("discovery: hub name %q contains a control character", i.Name)
	}
	if i.TCPPort < 1 || i.TCPPort > 65535 {
		return fmt.Errorf("discovery: TCP port %d out of range 1-65535", i.TCPPort)
	}
	if i.UDPPort < 1 || i.UDPPort > 65535 {
		return fmt.Errorf("discovery: UDP port %d out of range 1-65535", i.UDPPort)
	}
	if i.TLSPort < 0 || i.TLSPort > 65535 {
		return fmt.Errorf("discovery: TLS port %d out of range 1-65535", i.TLSPort)
	}
	if strings.ContainsAny(i.Fingerprint, "= ") || len(i.Fingerprint) > 64 {
		return fmt.Errorf("discovery: fingerprint %q cannot be a TXT value", i.Fingerprint)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// truncateName cuts s to at most max bytes without splitting a character.
func truncateName(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// cleanName makes a name received from the network safe to show: invalid
// UTF-8 and control characters are replaced, and the length is capped.
func cleanName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if isControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
	return truncateName(s, MaxNameLen*3)
}
