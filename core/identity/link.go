package identity

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// LinkScheme is the URL scheme of join links.
const LinkScheme = "natter"

// JoinLink is natter://<host>:<tls-port>/?fp=<fingerprint>: where a hub's
// TLS port is and which key it must present, so that a first contact
// through the link needs no trust on first use.
type JoinLink struct {
	Host        string // a DNS name, an IPv4 address or an IPv6 address (without brackets)
	Port        uint16 // the hub's TLS port
	Fingerprint Fingerprint
}

// A LinkError reports what is wrong with a join link, and in which part.
type LinkError struct {
	Link    string // the link, quoted and cut to 64 bytes
	Part    string // "scheme", "host", "port", "path", "fp" or "link"
	Problem string
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("identity: join link %s: %s: %s", e.Link, e.Part, e.Problem)
}

// ParseJoinLink parses a join link. It is strict about what it needs (the
// scheme, a valid host, a port 1–65535 in decimal, a path of "/" or
// nothing, exactly one fp of 52 base32 characters) and refuses user
// information and fragments; query parameters other than fp are ignored,
// so that later links may carry more.
func ParseJoinLink(s string) (JoinLink, error) {
	bad := func(part, format string, args ...any) (JoinLink, error) {
		return JoinLink{}, &LinkError{Link: quote(s), Part: part, Problem: fmt.Sprintf(format, args...)}
	}
	const prefix = LinkScheme + "://"
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		if strings.HasPrefix(strings.ToLower(s), LinkScheme+":") {
			return bad("link", "want %s<host>:<port>/?fp=<fingerprint>", prefix)
		}
		return bad("scheme", "want %s", prefix)
	}
	rest := s[len(prefix):]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if strings.Contains(authority, "@") {
		return bad("host", "user information is not allowed")
	}
	host, portText, err := net.SplitHostPort(authority)
	if err != nil {
		if !strings.Contains(authority, ":") || strings.HasSuffix(authority, "]") {
			return bad("port", "missing; want <host>:<port>")
		}
		return bad("host", "%s is not <host>:<port>", quote(authority))
	}
	if strings.Contains(host, ":") {
		// An IPv6 zone is written %25 in a URL (RFC 6874).
		if host, err = url.PathUnescape(host); err != nil {
			return bad("host", "%s is not an IPv6 address", quote(host))
		}
	}
	if err := checkHost(host); err != nil {
		return bad("host", "%v", err)
	}
	port, err := parsePort(portText)
	if err != nil {
		return bad("port", "%v", err)
	}
	u, err := url.Parse(tail)
	switch {
	case err != nil:
		return bad("link", "%s is not a URL path and query", quote(tail))
	case u.Fragment != "" || strings.Contains(tail, "#"):
		return bad("link", "a fragment (#) is not allowed")
	case u.Path != "" && u.Path != "/":
		return bad("path", "%s is not allowed; want / or nothing", quote(u.Path))
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("fp", "the query is not URL-encoded")
	}
	fps := q["fp"]
	if len(fps) != 1 {
		return bad("fp", "want exactly one fp=<fingerprint>, found %d", len(fps))
	}
	fp, err := ParseFingerprint(fps[0])
	if err != nil {
		return bad("fp", "%v", err)
	}
	return JoinLink{Host: host, Port: port, Fingerprint: fp}, nil
}

// Addr returns host:port, for dialing.
func (l JoinLink) Addr() string {
	return net.JoinHostPort(l.Host, strconv.Itoa(int(l.Port)))
}

// String returns the link, natter://<host>:<port>/?fp=<fingerprint>.
func (l JoinLink) String() string {
	host := l.Host
	if strings.Contains(host, ":") {
		host = "[" + strings.ReplaceAll(host, "%", "%25") + "]"
	}
	return LinkScheme + "://" + host + ":" + strconv.Itoa(int(l.Port)) + "/?fp=" + l.Fingerprint.String()
}

// checkHost reports whether host is an IP address (an IPv6 one possibly
// with a zone) or a DNS name of letters, digits and hyphens.
func checkHost(host string) error {
	if host == "" {
		return fmt.Errorf("empty host")
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	if strings.Contains(host, ":") {
		return fmt.Errorf("%s is not an IPv6 address", quote(host))
	}
	name := strings.TrimSuffix(host, ".")
	if len(name) > 253 {
		return fmt.Errorf("host name of %d bytes is longer than 253", len(name))
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("%s has a label of %d bytes; want 1-63", quote(host), len(label))
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("%s has a label starting or ending with '-'", quote(host))
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return fmt.Errorf("%s holds %q; a host name has letters, digits, '-' and '.'", quote(host), c)
			}
		}
	}
	if allDigitsAndDots(name) {
		return fmt.Errorf("%s is not an IPv4 address", quote(host))
	}
	return nil
}

func allDigitsAndDots(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// parsePort parses a port: 1–65535 in decimal, without sign or leading
// zeros.
func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 || s[0] == '0' || s[0] == '+' {
		return 0, fmt.Errorf("%s is not a port number 1-65535", quote(s))
	}
	return uint16(n), nil
}
