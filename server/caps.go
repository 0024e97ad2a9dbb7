package server

import (
	"net"
	"strconv"

	"github.com/natter-chat/natter/core/proto"
)

// capabilities returns the words of the hub's CAPS line (section 7 of
// natter/1), each part listing its own; none when no part has any.
func (h *Hub) capabilities() []proto.Capability {
	var caps []proto.Capability
	if h.tls != nil {
		if a, ok := h.TLSAddr().(*net.TCPAddr); ok {
			caps = append(caps, proto.Capability{Name: "tls", Value: strconv.Itoa(a.Port)})
		}
		fp, _ := h.Fingerprint()
		caps = append(caps, proto.Capability{Name: "fp", Value: fp.String()})
	}
	return caps
}
