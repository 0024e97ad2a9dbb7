package discovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// DefaultMDNSPort is the multicast DNS port.
const DefaultMDNSPort = 5353

var (
	mdnsGroup4 = netip.MustParseAddr("224.0.0.251")
	mdnsGroup6 = netip.MustParseAddr("ff02::fb")
)

// mconn is one multicast DNS socket of one address family, bound to the
// wildcard address and joined to the group on chosen interfaces.
type mconn struct {
	family int // 4 or 6
	port   int
	conn   net.PacketConn
	p4     *ipv4.PacketConn
	p6     *ipv6.PacketConn

	mu     sync.Mutex // serialises choosing the outgoing interface with the write
	joined map[int]bool
}

func (c *mconn) group() netip.Addr {
	if c.family == 4 {
		return mdnsGroup4
	}
	return mdnsGroup6
}

func (c *mconn) name() string {
	if c.family == 4 {
		return "IPv4"
	}
	return "IPv6"
}

// listenMDNS opens the socket of one family on bindPort, sharing the port
// with any other responder on the host; it sends to the group at port.
// bindPort 0 makes a one-shot querier (RFC 6762 section 5.1), whose answers
// come back by unicast.
func listenMDNS(family, bindPort, port int) (*mconn, error) {
	lc := net.ListenConfig{Control: reuseControl}
	network, addr := "udp4", "0.0.0.0:"+strconv.Itoa(bindPort)
	if family == 6 {
		network, addr = "udp6", "[::]:"+strconv.Itoa(bindPort)
	}
	pc, err := lc.ListenPacket(context.Background(), network, addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s %s: %w", network, addr, err)
	}
	c := &mconn{family: family, port: port, conn: pc, joined: map[int]bool{}}
	if family == 4 {
		c.p4 = ipv4.NewPacketConn(pc)
		// Interface of arrival, so answers carry that interface's
		// addresses. Not every system supports it; then answers fall back
		// to matching the sender's subnet.
		_ = c.p4.SetControlMessage(ipv4.FlagInterface, true)
		_ = c.p4.SetMulticastTTL(255)
		// Loopback lets a browser on the same host hear the hub.
		_ = c.p4.SetMulticastLoopback(true)
	} else {
		c.p6 = ipv6.NewPacketConn(pc)
		_ = c.p6.SetControlMessage(ipv6.FlagInterface, true)
		_ = c.p6.SetMulticastHopLimit(255)
		_ = c.p6.SetMulticastLoopback(true)
	}
	return c, nil
}

// join adds the group membership on ifc, once.
func (c *mconn) join(ifc Interface) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.joined[ifc.Index] {
		return nil
	}
	g := &net.UDPAddr{IP: c.group().AsSlice()}
	var err error
	if c.family == 4 {
		err = c.p4.JoinGroup(ifc.netInterface(), g)
	} else {
		err = c.p6.JoinGroup(ifc.netInterface(), g)
	}
	if err != nil {
		return fmt.Errorf("%s: joining %v: %w", ifc, c.group(), err)
	}
	c.joined[ifc.Index] = true
	return nil
}

// leaveGone drops memberships of interfaces no longer present.
func (c *mconn) leaveGone(present map[int]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for idx := range c.joined {
		if !present[idx] {
			// The membership went with the interface; only the record stays.
			delete(c.joined, idx)
		}
	}
}

// read returns the next datagram, its sender and the index of the
// interface it arrived on (0 when unknown).
func (c *mconn) read(buf []byte) (n int, src netip.AddrPort, ifIndex int, err error) {
	var addr net.Addr
	if c.family == 4 {
		var cm *ipv4.ControlMessage
		n, cm, addr, err = c.p4.ReadFrom(buf)
		if cm != nil {
			ifIndex = cm.IfIndex
		}
	} else {
		var cm *ipv6.ControlMessage
		n, cm, addr, err = c.p6.ReadFrom(buf)
		if cm != nil {
			ifIndex = cm.IfIndex
		}
	}
	if err != nil {
		return 0, netip.AddrPort{}, 0, err
	}
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, netip.AddrPort{}, 0, fmt.Errorf("unexpected sender address %v", addr)
	}
	return n, ua.AddrPort(), ifIndex, nil
}

// sendMulticast sends b to the group out of ifc.
func (c *mconn) sendMulticast(b []byte, ifc Interface) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	dst := &net.UDPAddr{IP: c.group().AsSlice(), Port: c.port}
	var err error
	if c.family == 4 {
		if err = c.p4.SetMulticastInterface(ifc.netInterface()); err == nil {
			_, err = c.p4.WriteTo(b, nil, dst)
		}
	} else {
		if ifc.Index == 0 {
			return fmt.Errorf("%s: sending to %v: interface index unknown", ifc, c.group())
		}
		dst.Zone = ifc.Name
		if err = c.p6.SetMulticastInterface(ifc.netInterface()); err == nil {
			_, err = c.p6.WriteTo(b, nil, dst)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: sending to %v: %w", ifc, c.group(), err)
	}
	return nil
}

// sendUnicast sends b to dst.
func (c *mconn) sendUnicast(b []byte, dst netip.AddrPort) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := c.conn.WriteTo(b, net.UDPAddrFromAddrPort(dst))
	if err != nil {
		return fmt.Errorf("sending to %v: %w", dst, err)
	}
	return nil
}

// unblock makes a pending read return.
func (c *mconn) unblock() { _ = c.conn.SetReadDeadline(time.Unix(1, 0)) }

func (c *mconn) close() error { return c.conn.Close() }

// isTimeout reports whether err is a deadline expiry.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
