//go:build android

package discovery

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// On Android (target SDK 30 and later) apps may not read the kernel's link
// list, so net.Interfaces fails (golang/go#40569). systemInterfaces then
// falls back to the address list, and failing that to the address the
// system would use to reach another host: "connecting" a UDP socket sends
// nothing but makes the kernel choose a source address. Such an address is
// assumed to sit on a /24, whose broadcast address the browser probes along
// with 255.255.255.255. Interfaces learnt this way have Index 0, so multicast
// goes out of the default interface.
//
// Receiving multicast on Android also needs a WifiManager.MulticastLock held
// by the app (permission CHANGE_WIFI_MULTICAST_STATE); without it the Wi-Fi
// driver drops multicast and mDNS answers never arrive, while broadcast probe
// answers (unicast) still do. Taking the lock needs Java glue in the app
// (through the Gio app package's JNI access); this package cannot do it.
func systemInterfaces() ([]Interface, error) {
	nifs, err := net.Interfaces()
	if err == nil {
		return fromNet(nifs), nil
	}
	errs := []error{fmt.Errorf("discovery: listing interfaces: %w", err)}
	if addrs, aerr := net.InterfaceAddrs(); aerr == nil {
		if ps := prefixesOf(addrs); len(ps) > 0 {
			var out []Interface
			for _, p := range ps {
				if p.Addr().IsLoopback() {
					continue
				}
				out = append(out, assumedInterface(p))
			}
			if len(out) > 0 {
				return out, nil
			}
		}
	} else {
		errs = append(errs, fmt.Errorf("discovery: listing addresses: %w", aerr))
	}
	a, cerr := routedAddr()
	if cerr != nil {
		return nil, errors.Join(append(errs, cerr)...)
	}
	return []Interface{assumedInterface(netip.PrefixFrom(a, 24))}, nil
}

func assumedInterface(p netip.Prefix) Interface {
	return Interface{
		Flags:    net.FlagUp | net.FlagBroadcast | net.FlagMulticast,
		Prefixes: []netip.Prefix{p},
	}
}

// routedAddr returns the IPv4 source address the system would use for a
// host outside the local networks. No packet is sent. 192.0.2.1 is a
// documentation address (RFC 5737): only the route towards it matters.
func routedAddr() (netip.Addr, error) {
	c, err := net.Dial("udp4", "192.0.2.1:9")
	if err != nil {
		return netip.Addr{}, fmt.Errorf("discovery: finding the local address: %w", err)
	}
	defer c.Close()
	ua, ok := c.LocalAddr().(*net.UDPAddr)
	if !ok {
		return netip.Addr{}, errors.New("discovery: finding the local address: not a UDP address")
	}
	a, ok := netip.AddrFromSlice(ua.IP)
	if !ok || a.Unmap().IsUnspecified() {
		return netip.Addr{}, errors.New("discovery: finding the local address: none")
	}
	return a.Unmap(), nil
}
