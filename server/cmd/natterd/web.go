package main

import (
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/skip2/go-qrcode"

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
	if art, err := qrArt(link); err == nil {
		fmt.Fprint(w, art)
	}
}

// qrArt draws a QR code of link as text, two rows of modules a line, for
// a terminal: a phone's camera reads it off the screen.
func qrArt(link string) (string, error) {
	q, err := qrcode.New(link, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("QR code of %q: %w", link, err)
	}
	return q.ToSmallString(false), nil
}

// printQR prints the join link of a hub serving its web app on addr (the
// -http-addr flag) and its QR code, for `natterd -qr`.
func printQR(w io.Writer, addr string) error {
	if addr == "" {
		return fmt.Errorf("-qr needs the web app: -http-addr is empty")
	}
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return fmt.Errorf("-http-addr %q: %w", addr, err)
	}
	link := joinLink(ta)
	art, err := qrArt(link)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s\n%s", link, art)
	return nil
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
