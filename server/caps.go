package server

import (
	"net"
	"strconv"

	"github.com/natter-chat/natter/core/proto"
)

// caps returns the words of the hub's CAPS line (natter/1 section 7), sent
// right after HELLO; none, and no line, for a hub without the features.
func (h *Hub) caps() []proto.Capability {
	var caps []proto.Capability
	if a, ok := h.WebAddr().(*net.TCPAddr); ok {
		caps = append(caps, proto.Capability{Name: proto.CapWeb, Value: strconv.Itoa(a.Port)})
	}
	return caps
}
