package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/natter-chat/natter/core/discovery"
)

// Discovery makes a hub findable on the local network (see package
// core/discovery): it answers the discovery probes that arrive at the hub's
// UDP port and advertises the hub by multicast DNS. Probes reach it through
// the transfer service, so its OtherPacket must be the service's
// TransferConfig.OtherPacket:
//
//	d := server.NewDiscovery(discovery.AnnouncerOptions{}, logger)
//	ts := server.NewTransferService(server.TransferConfig{OtherPacket: d.OtherPacket})
//	... // listen, server.New
//	go d.Run(ctx, h, ln.Addr(), conn.LocalAddr())
//	err = ts.Serve(ctx, h, ln, conn)
//
// Until Run is called, and after it returns, probes get no answer.
type Discovery struct {
	opts discovery.AnnouncerOptions
	log  *slog.Logger
	info atomic.Pointer[discovery.Info] // set while Run runs

	mu      sync.Mutex
	running bool
}

// NewDiscovery returns a Discovery whose announcer uses opts (the zero value
// announces on every multicast interface). Failures to announce are logged
// to log (nil discards them).
func NewDiscovery(opts discovery.AnnouncerOptions, log *slog.Logger) *Discovery {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Discovery{opts: opts, log: log}
}

// hubInfo describes the hub h, listening on tcpPort and udpPort, for the
// discovery paths: its configured name and its live user count.
func hubInfo(h *Hub, tcpPort, udpPort int) discovery.Info {
	return discovery.Info{
		Name:    h.Config().Name,
		TCPPort: tcpPort,
		UDPPort: udpPort,
		Users:   func() int { return len(h.Users()) },
	}
}

// OtherPacket answers a well-formed discovery probe while Run runs, and
// returns nil (no reply) for anything else: a malformed probe, or a
// datagram that is neither TFTP nor a probe. It is meant for
// TransferConfig.OtherPacket.
func (d *Discovery) OtherPacket(pkt []byte, from net.Addr) []byte {
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

// Run answers probes for h, whose listeners are at tcp and udp, and
// announces it by multicast DNS until ctx is done; then it says goodbye and
// returns nil. When multicast DNS cannot run (no interface carries
// multicast, port 5353 cannot be shared) the reason is logged, naming each
// interface and what failed, and probes are still answered: the hub stays
// findable by broadcast. A hub whose session listener is on a loopback
// address is not announced (no one else could reach it), but still answers
// probes from its own machine. Run returns an error only for a description
// the discovery paths cannot carry (an empty name, a port out of range).
func (d *Discovery) Run(ctx context.Context, h *Hub, tcp, udp net.Addr) error {
	tcpAP, err := addrPort(tcp)
	if err != nil {
		return err
	}
	udpAP, err := addrPort(udp)
	if err != nil {
		return err
	}
	info := hubInfo(h, int(tcpAP.Port()), int(udpAP.Port()))
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
	d.mu.Lock()
	if d.running {
		d.mu.Unlock()
		return errors.New("natter discovery: Run called twice at once")
	}
	d.running = true
	d.mu.Unlock()
	d.info.Store(&info)
	defer func() {
		d.info.Store(nil)
		d.mu.Lock()
		d.running = false
		d.mu.Unlock()
	}()

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
