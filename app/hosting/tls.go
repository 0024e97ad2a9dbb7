package hosting

import (
	"fmt"
	"net"
	"strconv"

	"github.com/natter-chat/natter/core/identity"
)

// listenTLS opens the TLS port of a hub whose sessions are at sessions:
// the next port on the same host, or a free one when that is taken.
func listenTLS(sessions *net.TCPAddr) (net.Listener, error) {
	host := ""
	if !sessions.IP.IsUnspecified() {
		host = sessions.IP.String()
	}
	if sessions.Port < 65535 {
		if ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(sessions.Port+1))); err == nil {
			return ln, nil
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("hosting: listen for TLS sessions: %w", err)
	}
	return ln, nil
}

// TLSAddr is the address to join the hub's TLS port at from this device,
// or "" when it serves no TLS.
func (h *Hub) TLSAddr() string {
	if h.tlsPort == 0 {
		return ""
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(h.tlsPort))
}

// TLSPort is the port of the hub's TLS sessions, 0 when it serves none.
func (h *Hub) TLSPort() int { return h.tlsPort }

// Key is the fingerprint of the hub's TLS key, and false when it serves no
// TLS; people compare its short code.
func (h *Hub) Key() (identity.Fingerprint, bool) { return h.key, !h.key.IsZero() }

// JoinLinks are the join links others on the network can use (section 8
// of natter/1): the hub's TLS port on each address of LANAddrs, with its
// key, so that their first contact needs no trust. None without TLS.
func (h *Hub) JoinLinks() []string {
	if h.tlsPort == 0 {
		return nil
	}
	var links []string
	for _, a := range h.LANAddrs() {
		host, _, err := net.SplitHostPort(a)
		if err != nil {
			continue
		}
		links = append(links, identity.JoinLink{Host: host, Port: uint16(h.tlsPort), Fingerprint: h.key}.String())
	}
	return links
}
