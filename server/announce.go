package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/natter-chat/natter/core/discovery"
)

// DiscoveryConfig configures how a hub makes itself findable on the local
// network (Config.Discovery; see package core/discovery): it answers the
// discovery probes that arrive at its UDP port and advertises itself by
// multicast DNS. A hub whose session listener is on a loopback address is
// not announced (no one else could reach it), but still answers probes from
// its own machine.
type DiscoveryConfig struct {
	// Announcer tunes the multicast DNS announcer; the zero value announces
	// on every interface that carries multicast.
	Announcer discovery.AnnouncerOptions
}

// lanDiscovery is the part of a hub that makes it findable on the local
// network. Probes reach it through the hub's UDP port (answer); run
// announces the hub.
type lanDiscovery struct {
	opts discovery.AnnouncerOptions
	log  *slog.Logger
	info atomic.Pointer[discovery.Info] // set while run runs
}

func newLANDiscovery(cfg DiscoveryConfig, log *slog.Logger) *lanDiscovery {
	return &lanDiscovery{opts: cfg.Announcer, log: log}
}

// answer answers a well-formed discovery probe while run runs, and returns
// nil (no reply) for anything else: a malformed probe, or a datagram that
// is not a probe.
func (d *lanDiscovery) answer(pkt []byte, from net.Addr) []byte {
	info := d.info.Load()
	if info == nil || !discovery.IsProbe(pkt) {
		return nil
	}
	reply, ok := discovery.AnswerProbe(pkt, *info)
	if !ok {
		return nil
	}
	return reply
}

// run answers probes for the hub info describes (its name and user count),
// whose listeners are at tcp and udp, and announces it by multicast DNS
// until ctx is done; then it says goodbye and returns nil. When multicast
// DNS cannot run (no interface carries multicast, port 5353 cannot be
// shared) the reason is logged, naming each interface and what failed, and
// probes are still answered: the hub stays findable by broadcast. A hub
// whose session listener is on a loopback address is not announced, but
// still answers probes. run returns an error only for a description the
// discovery paths cannot carry (an empty name, a port out of range).
func (d *lanDiscovery) run(ctx context.Context, info discovery.Info, tcp, udp net.Addr) error {
	tcpAP, err := addrPort(tcp)
	if err != nil {
		return err
	}
	udpAP, err := addrPort(udp)
	if err != nil {
		return err
	}
	info.TCPPort, info.UDPPort = int(tcpAP.Port()), int(udpAP.Port())
	opts := d.opts
	if len(opts.Interfaces) == 0 {
		// A hub bound to one address is announced only on the interface
		// that has it: elsewhere no one could reach it.
		opts.Interfaces = interfacesWith(tcpAP.Addr())
	}
	ann, err := discovery.NewAnnouncer(info, opts)
	if err != nil {
		return err
	}
	d.info.Store(&info)
	defer d.info.Store(nil)

	udpPort := udpAP.Port()
	if tcpAP.Addr().IsLoopback() {
		d.log.Info("answering LAN discovery probes; not announcing by multicast DNS: the hub listens on a loopback address",
			"udp", udpPort, "addr", tcp.String())
		<-ctx.Done()
		return nil
	}
	d.log.Info("answering LAN discovery probes", "udp", udpPort)
	errc := make(chan error, 1)
	go func() { errc <- ann.Run(ctx) }()
	settle := time.NewTimer(announceSettle)
	defer settle.Stop()
	select {
	case err := <-errc:
		if err != nil {
			d.log.Warn("not announcing by multicast DNS; the hub can still be found by broadcast probes",
				"instance", ann.InstanceName(), "err", err)
			<-ctx.Done()
		}
		return nil
	case <-settle.C:
	}
	// By now the announcer has opened its sockets and sent its first
	// announcement: say where it works and where it does not.
	st := ann.Status()
	d.log.Info("announcing by multicast DNS", "instance", ann.InstanceName(), "on", strings.Join(st.Using, ", "))
	for _, p := range st.Problems {
		d.log.Warn("multicast DNS announcing fails", "problem", p)
	}
	return <-errc
}

// answerPackets answers the datagrams that arrive at conn with answer (a
// nil answer sends nothing) until ctx is done, and then returns nil; or
// returns why conn failed.
func answerPackets(ctx context.Context, conn net.PacketConn, answer func(pkt []byte, from net.Addr) []byte) error {
	defer context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Unix(1, 0)) })()
	buf := make([]byte, 1<<16)
	for {
		n, from, err := conn.ReadFrom(buf)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		if reply := answer(buf[:n], from); reply != nil {
			_, _ = conn.WriteTo(reply, from)
		}
	}
}

// addrPort returns the IP address and port of a TCP or UDP address.
func addrPort(a net.Addr) (netip.AddrPort, error) {
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.TCPAddr:
		ap = a.AddrPort()
	case *net.UDPAddr:
		ap = a.AddrPort()
	default:
		return ap, fmt.Errorf("natter discovery: %v is not a TCP or UDP address", a)
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}

// interfacesWith names the interfaces that have address a, or returns nil
// (every interface) when a is unspecified or no interface is known to have
// it.
func interfacesWith(a netip.Addr) []string {
	if !a.IsValid() || a.IsUnspecified() {
		return nil
	}
	ifcs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var names []string
	for _, ifc := range ifcs {
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, ad := range addrs {
			if ipn, ok := ad.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(ipn.IP); ok && ip.Unmap() == a.WithZone("") {
					names = append(names, ifc.Name)
					break
				}
			}
		}
	}
	return names
}

// announceSettle is how long after starting the announcer its status is
// logged: after its first announcement, before its second.
const announceSettle = 500 * time.Millisecond
