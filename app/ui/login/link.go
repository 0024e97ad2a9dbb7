package login

import (
	"net/netip"
	"strings"

	"github.com/natter-chat/natter/core/discovery"
	"github.com/natter-chat/natter/core/identity"
)

// linkScheme starts a join link pasted in the address field.
const linkScheme = "natter://"

// IsLink reports whether what was typed in the address field is a join
// link rather than an address.
func IsLink(addr string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(addr)), linkScheme)
}

// CheckLink parses a join link typed or pasted in the address field; the
// message says what is wrong with it, or is "".
func CheckLink(s string) (identity.JoinLink, string) {
	link, err := identity.ParseJoinLink(strings.TrimSpace(s))
	if err != nil {
		return identity.JoinLink{}, "That is not a Natter join link (natter://host:port/?fp=…): " + linkProblem(err)
	}
	return link, ""
}

// linkProblem names the part of a link that is wrong.
func linkProblem(err error) string {
	if le, ok := err.(*identity.LinkError); ok {
		return le.Part + " " + le.Problem
	}
	return err.Error()
}

// tlsAddr is the TLS address a hub found on the network announced, or "".
func tlsAddr(h discovery.Hub) string {
	if h.TLSPort == 0 {
		return ""
	}
	return netip.AddrPortFrom(h.Addr.Addr(), uint16(h.TLSPort)).String()
}
