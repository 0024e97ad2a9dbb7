package discovery_test

import (
	"fmt"
	"net"

	"github.com/natter-chat/natter/core/discovery"
)

// A hub's UDP listener reads TFTP requests and probes on the same port;
// probes are told apart by their first bytes.
func ExampleAnswerProbe() {
	info := discovery.Info{Name: "Kitchen hub", TCPPort: 50000, UDPPort: 50000, Users: func() int { return 3 }}
	serve := func(conn net.PacketConn, pkt []byte, from net.Addr) {
		if discovery.IsProbe(pkt) {
			if reply, ok := discovery.AnswerProbe(pkt, info); ok {
				conn.WriteTo(reply, from)
			}
			return // an invalid probe gets no answer at all
		}
		// ... a TFTP request
	}
	_ = serve

	probe := discovery.BuildProbe(discovery.NewNonce())
	reply, _ := discovery.AnswerProbe(probe, info)
	a, _ := discovery.ParseAnswer(reply)
	fmt.Println(a.Name, a.TCPPort, a.Users, len(reply) <= len(probe))
	// Output: Kitchen hub 50000 3 true
}
