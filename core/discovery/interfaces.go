package discovery

import (
	"net"
	"net/netip"
	"slices"
)

// Interface is a network interface as discovery sees it.
type Interface struct {
	// Name is the system's name for it; empty when unknown (see Index).
	Name string
	// Index is the system's index; 0 when unknown, in which case multicast
	// uses the system's default interface.
	Index int
	// Flags are the interface flags (up, broadcast, multicast, loopback).
	Flags net.Flags
	// Prefixes are its unicast addresses with their prefix lengths.
	Prefixes []netip.Prefix
}

// String names the interface for messages.
func (ifc Interface) String() string {
	if ifc.Name != "" {
		return ifc.Name
	}
	return "default interface"
}

func (ifc Interface) up() bool        { return ifc.Flags&net.FlagUp != 0 }
func (ifc Interface) multicast() bool { return ifc.Flags&net.FlagMulticast != 0 }
func (ifc Interface) loopback() bool  { return ifc.Flags&net.FlagLoopback != 0 }
func (ifc Interface) broadcast() bool { return ifc.Flags&net.FlagBroadcast != 0 }

// netInterface returns the value the socket options take, nil for the
// default interface.
func (ifc Interface) netInterface() *net.Interface {
	if ifc.Index == 0 {
		return nil
	}
	return &net.Interface{Index: ifc.Index, Name: ifc.Name, Flags: ifc.Flags}
}

// addrs4 and addrs6 return the interface's addresses of one family.
func (ifc Interface) addrs4() []netip.Addr {
	var out []netip.Addr
	for _, p := range ifc.Prefixes {
		if p.Addr().Is4() {
			out = append(out, p.Addr())
		}
	}
	return out
}

func (ifc Interface) addrs6() []netip.Addr {
	var out []netip.Addr
	for _, p := range ifc.Prefixes {
		if a := p.Addr(); a.Is6() && !a.Is4In6() {
			out = append(out, a)
		}
	}
	return out
}

// contains reports whether a is on one of the interface's subnets.
func (ifc Interface) contains(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, p := range ifc.Prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// broadcastAddrs returns the directed broadcast address of each IPv4 subnet
// of the interface. Point-to-point prefixes (/31, /32) have none.
func (ifc Interface) broadcastAddrs() []netip.Addr {
	var out []netip.Addr
	for _, p := range ifc.Prefixes {
		if bc, ok := broadcastOf(p); ok && !slices.Contains(out, bc) {
			out = append(out, bc)
		}
	}
	return out
}

func broadcastOf(p netip.Prefix) (netip.Addr, bool) {
	if !p.Addr().Is4() || p.Bits() > 30 || p.Bits() < 0 {
		return netip.Addr{}, false
	}
	a := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// InterfaceLister returns the interfaces to use. Tests and platforms with
// their own view of the network supply one in the options.
type InterfaceLister func() ([]Interface, error)

// SystemInterfaces lists the system's interfaces. On Android, where the
// interface list is not readable by apps, it falls back to what can be
// learnt without it (see interfaces_android.go).
func SystemInterfaces() ([]Interface, error) { return systemInterfaces() }

// fromNet converts what package net reports.
func fromNet(nifs []net.Interface) []Interface {
	out := make([]Interface, 0, len(nifs))
	for _, ni := range nifs {
		ifc := Interface{Name: ni.Name, Index: ni.Index, Flags: ni.Flags}
		addrs, err := ni.Addrs()
		if err == nil {
			ifc.Prefixes = prefixesOf(addrs)
		}
		out = append(out, ifc)
	}
	return out
}

func prefixesOf(addrs []net.Addr) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ones, _ := ipn.Mask.Size()
		out = append(out, netip.PrefixFrom(ip.Unmap(), ones))
	}
	return out
}

// selectInterfaces filters ifcs down to the names wanted (all when names
// is empty) and to interfaces that are up.
func selectInterfaces(ifcs []Interface, names []string) []Interface {
	var out []Interface
	for _, ifc := range ifcs {
		if len(names) > 0 && !slices.Contains(names, ifc.Name) {
			continue
		}
		if !ifc.up() {
			continue
		}
		out = append(out, ifc)
	}
	return out
}
