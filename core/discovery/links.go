package discovery

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// mdnsLinks is the set of multicast DNS sockets (one per address family) and
// the interfaces they are joined on. Announcer and Browser both use one.
type mdnsLinks struct {
	port  int
	names []string
	list  InterfaceLister
	board *statusBoard

	conns    []*mconn
	openErrs []string
	oneShot  bool // some socket could not share the port: answers come by unicast

	mu        sync.Mutex
	ifcs      map[int]Interface // selected interfaces by index
	joined    map[linkKey]bool
	joinErrs  []string
	sendErrs  map[linkKey]string
	listError string
}

type linkKey struct {
	family int
	index  int
}

// openLinks opens the sockets. Failures are kept for the status; the caller
// checks usable() after refresh().
// oneShotFallback lets a browser fall back to a private port when the mDNS
// port cannot be shared.
func openLinks(port int, ipv6, oneShotFallback bool, list InterfaceLister, names []string, board *statusBoard) *mdnsLinks {
	l := &mdnsLinks{port: port, names: names, list: list, board: board,
		ifcs: map[int]Interface{}, joined: map[linkKey]bool{}, sendErrs: map[linkKey]string{}}
	families := []int{4}
	if ipv6 {
		families = append(families, 6)
	}
	for _, f := range families {
		c, err := listenMDNS(f, port, port)
		if err != nil && oneShotFallback {
			// Someone holds the port exclusively: ask from a port of our own,
			// and responders answer by unicast.
			c, err = listenMDNS(f, 0, port)
			if err == nil {
				l.oneShot = true
				l.openErrs = append(l.openErrs, fmt.Sprintf("IPv%d: port %d taken, using one-shot queries (announcements and goodbyes go unheard)", f, port))
			}
		}
		if err != nil {
			l.openErrs = append(l.openErrs, fmt.Sprintf("IPv%d: %v", f, err))
			continue
		}
		l.conns = append(l.conns, c)
	}
	return l
}

// eligible reports whether ifc can carry mDNS of the family: it needs the
// multicast flag and an address of the family (link-local for IPv6).
func eligible(ifc Interface, family int) bool {
	if !ifc.multicast() {
		return false
	}
	if family == 4 {
		return len(ifc.addrs4()) > 0
	}
	return slices.ContainsFunc(ifc.addrs6(), netip.Addr.IsLinkLocalUnicast)
}

// refresh enumerates the interfaces again and joins the group on new ones.
// It returns the interfaces joined for the first time.
func (l *mdnsLinks) refresh() []Interface {
	all, err := l.list()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.listError = ""
	if err != nil {
		l.listError = err.Error()
		l.updateStatus()
		return nil
	}
	sel := selectInterfaces(all, l.names)
	l.ifcs = map[int]Interface{}
	present := map[int]bool{}
	for _, ifc := range sel {
		l.ifcs[ifc.Index] = ifc
		present[ifc.Index] = true
	}
	for _, c := range l.conns {
		c.leaveGone(present)
	}
	for k := range l.joined {
		if !present[k.index] {
			delete(l.joined, k)
		}
	}
	var fresh []Interface
	l.joinErrs = nil
	for _, c := range l.conns {
		for _, ifc := range sel {
			if !eligible(ifc, c.family) {
				continue
			}
			k := linkKey{c.family, ifc.Index}
			if err := c.join(ifc); err != nil {
				l.joinErrs = append(l.joinErrs, fmt.Sprintf("%s (%s): %v", ifc, c.name(), err))
				continue
			}
			if !l.joined[k] {
				l.joined[k] = true
				if !slices.ContainsFunc(fresh, func(f Interface) bool { return f.Index == ifc.Index }) {
					fresh = append(fresh, ifc)
				}
			}
		}
	}
	l.updateStatus()
	return fresh
}

// updateStatus publishes the state; l.mu is held.
func (l *mdnsLinks) updateStatus() {
	var using, problems []string
	problems = append(problems, l.openErrs...)
	if l.listError != "" {
		problems = append(problems, l.listError)
	}
	problems = append(problems, l.joinErrs...)
	for _, c := range l.conns {
		for idx, ifc := range l.ifcs {
			k := linkKey{c.family, idx}
			if !l.joined[k] {
				continue
			}
			if e, bad := l.sendErrs[k]; bad {
				problems = append(problems, e)
				continue
			}
			using = append(using, fmt.Sprintf("%s (%s)", ifc, c.name()))
		}
	}
	if len(l.conns) > 0 && len(l.joined) == 0 && l.listError == "" && len(l.joinErrs) == 0 {
		problems = append(problems, "no interface with multicast"+l.namesNote())
	}
	slices.Sort(problems)
	l.board.set(using, slices.Compact(problems))
}

func (l *mdnsLinks) namesNote() string {
	if len(l.names) == 0 {
		return ""
	}
	return fmt.Sprintf(" among %v", l.names)
}

// usable returns an error naming every problem when no socket is joined on
// any interface.
func (l *mdnsLinks) usable() error {
	l.mu.Lock()
	n := len(l.joined)
	l.mu.Unlock()
	if n > 0 {
		return nil
	}
	st := l.board.get()
	if len(st.Problems) == 0 {
		return errors.New("discovery: multicast: no usable interface")
	}
	errs := make([]error, 0, len(st.Problems))
	for _, p := range st.Problems {
		errs = append(errs, errors.New(p))
	}
	return fmt.Errorf("discovery: multicast: %w", errors.Join(errs...))
}

// interfaceFor returns the interface a packet arrived on: by index when the
// system told it, else the one whose subnet holds the sender.
func (l *mdnsLinks) interfaceFor(ifIndex int, src netip.Addr) (Interface, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ifIndex != 0 {
		ifc, ok := l.ifcs[ifIndex]
		return ifc, ok
	}
	for _, ifc := range l.ifcs {
		if ifc.contains(src) {
			return ifc, true
		}
	}
	if len(l.ifcs) == 1 {
		for _, ifc := range l.ifcs {
			return ifc, true
		}
	}
	return Interface{}, false
}

// interfaceContaining returns the selected interface on whose subnet a is.
func (l *mdnsLinks) interfaceContaining(a netip.Addr) (Interface, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ifc := range l.ifcs {
		if !ifc.loopback() && ifc.contains(a) {
			return ifc, true
		}
	}
	return Interface{}, false
}

// sendAll multicasts on every joined interface and family what build
// returns for that interface; nil skips it. It returns how many sends
// succeeded.
func (l *mdnsLinks) sendAll(build func(ifc Interface) []byte) int {
	type target struct {
		c   *mconn
		ifc Interface
	}
	l.mu.Lock()
	var ts []target
	for _, c := range l.conns {
		for idx, ifc := range l.ifcs {
			if l.joined[linkKey{c.family, idx}] {
				ts = append(ts, target{c, ifc})
			}
		}
	}
	l.mu.Unlock()
	sent := 0
	for _, t := range ts {
		b := build(t.ifc)
		if b == nil {
			continue
		}
		err := t.c.sendMulticast(b, t.ifc)
		l.noteSend(t.c, t.ifc, err)
		if err == nil {
			sent++
		}
	}
	return sent
}

// noteSend records the outcome of a send for the status.
func (l *mdnsLinks) noteSend(c *mconn, ifc Interface, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := linkKey{c.family, ifc.Index}
	_, was := l.sendErrs[k]
	if err != nil {
		l.sendErrs[k] = fmt.Sprintf("%s (%s): %v", ifc, c.name(), err)
	} else {
		delete(l.sendErrs, k)
	}
	if was != (err != nil) {
		l.updateStatus()
	}
}

// sendOn multicasts b out of one interface on the socket of c.
func (l *mdnsLinks) sendOn(c *mconn, ifc Interface, b []byte) error {
	err := c.sendMulticast(b, ifc)
	l.noteSend(c, ifc, err)
	return err
}

// addrsOf returns the addresses an answer about the hub carries on ifc:
// all of the interface's IPv4 addresses and its IPv6 ones.
func addrsOf(ifc Interface) []netip.Addr {
	return append(ifc.addrs4(), ifc.addrs6()...)
}

// readLoop calls handle for every datagram on c until the socket is closed.
func readLoop(c *mconn, handle func(pkt []byte, src netip.AddrPort, ifIndex int)) {
	buf := make([]byte, maxDNSMessage)
	for {
		n, src, idx, err := c.read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if isTimeout(err) {
				return
			}
			// A transient failure (an ICMP error, a vanished interface):
			// pause so a persistent one cannot spin.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		handle(buf[:n], src, idx)
	}
}

func (l *mdnsLinks) close() {
	for _, c := range l.conns {
		_ = c.close()
	}
}
