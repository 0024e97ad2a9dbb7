package main

import (
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/natter-chat/natter/server/webapp"
)

// printJoinLink prints the link that opens the web app, for people to type
// or scan; nothing when the hub has no web app (ln is nil).
func printJoinLink(w io.Writer, ln net.Listener) {
	if ln == nil {
		return
	}
	link := joinLink(ln.Addr())
	if !webapp.Built() {
		fmt.Fprintf(w, "natterd: web app at %s (its page only: this natterd was built without the app; make web builds it)\n", link)
		return
	}
	fmt.Fprintf(w, "natterd: join from a browser at %s\n", link)
}

// joinLink is the http:// link to the web app listening at addr: for a
// wildcard address, at this host's address on the local network.
func joinLink(addr net.Addr) string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String() + "/"
	}
	ip := ta.IP
	if ip == nil || ip.IsUnspecified() {
		ip = lanIP()
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(ta.Port)) + "/"
}

// lanIP is an address of this host that others on the network can reach:
// the first up, non-loopback IPv4 address (private ones first), else the
// loopback address.
func lanIP() net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return net.IPv4(127, 0, 0, 1)
	}
	var public net.IP
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.To4() == nil || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		if ipn.IP.IsPrivate() {
			return ipn.IP.To4()
		}
		if public == nil {
			public = ipn.IP.To4()
		}
	}
	if public != nil {
		return public
	}
	return net.IPv4(127, 0, 0, 1)
}
