package server

import (
	"net"
	"strconv"

	"github.com/natter-chat/natter/core/proto"
)

// capabilities returns the words of the hub's CAPS line (natter/1 section
// 7), sent right after HELLO to each session, each part listing its own;
// none, and no line, for a hub without the features.
func (h *Hub) capabilities() []proto.Capability {
	var caps []proto.Capability
	if h.tls != nil {
		if a, ok := h.TLSAddr().(*net.TCPAddr); ok {
			caps = append(caps, proto.Capability{Name: proto.CapTLS, Value: strconv.Itoa(a.Port)})
		}
		fp, _ := h.Fingerprint()
		caps = append(caps, proto.Capability{Name: proto.CapFingerprint, Value: fp.String()})
	}
	if h.StoresHistory() {
		// Only while writes work: natter/1 section 10.
		caps = append(caps, proto.Capability{Name: proto.CapStore})
	}
	if h.tls != nil && h.claims() != nil {
		// Owned nicks live in the store and need TLS: natter/1 section 9.
		caps = append(caps, proto.Capability{Name: proto.CapClaim})
	}
	if a, ok := h.WebAddr().(*net.TCPAddr); ok {
		caps = append(caps, proto.Capability{Name: proto.CapWeb, Value: strconv.Itoa(a.Port)})
	}
	return caps
}
