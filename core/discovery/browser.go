package discovery

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Via says which discovery paths currently see a hub.
type Via uint8

const (
	// ViaMDNS: the hub answers multicast DNS.
	ViaMDNS Via = 1 << iota
	// ViaProbe: the hub answers broadcast probes.
	ViaProbe
)

func (v Via) String() string {
	switch v {
	case ViaMDNS:
		return "mdns"
	case ViaProbe:
		return "probe"
	case ViaMDNS | ViaProbe:
		return "mdns+probe"
	}
	return "none"
}

// Hub is a hub the browser knows of.
type Hub struct {
	// Name is the hub's name (at most MaxNameLen bytes).
	Name string
	// Addr is where its session listener is.
	Addr netip.AddrPort
	// UDPPort is its file-transfer port.
	UDPPort int
	// TLSPort is its TLS session port, 0 when it announced none.
	TLSPort int
	// Fingerprint is the hub key's fingerprint as announced (TXT fp=), ""
	// when none was: a hint to check the TLS handshake against, never a
	// reason to trust a hub by itself, as anyone on the network can
	// announce anything.
	Fingerprint string
	// Users is how many users were online when last heard.
	Users int
	// Via tells which paths see it.
	Via Via
	// Interface is the local interface it was heard on, when known.
	Interface string
}

// Address returns Addr as host:port, ready for net.Dial.
func (h Hub) Address() string { return h.Addr.String() }

// EventKind says what happened to a hub.
type EventKind int

const (
	// HubAppeared: a hub not listed before.
	HubAppeared EventKind = iota + 1
	// HubUpdated: a listed hub's name, ports, user count or paths changed.
	HubUpdated
	// HubDisappeared: the hub said goodbye or stopped answering.
	HubDisappeared
)

func (k EventKind) String() string {
	switch k {
	case HubAppeared:
		return "appeared"
	case HubUpdated:
		return "updated"
	case HubDisappeared:
		return "disappeared"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event reports a change in the list of hubs.
type Event struct {
	Kind EventKind
	Hub  Hub
	// Reason says why a hub disappeared: "goodbye", "records expired",
	// "no answer to queries", "no answer to probes".
	Reason string
}

// BrowserOptions tune a Browser. The zero value browses by multicast DNS on
// every interface and probes every broadcast address on port 50000.
type BrowserOptions struct {
	// Interfaces restricts browsing to these interface names.
	Interfaces []string
	// ListInterfaces replaces SystemInterfaces.
	ListInterfaces InterfaceLister

	// DisableMDNS turns the multicast DNS path off.
	DisableMDNS bool
	// DisableIPv6 skips ff02::fb.
	DisableIPv6 bool
	// MDNSPort is the multicast DNS port, DefaultMDNSPort when zero.
	MDNSPort int
	// QueryInterval is the longest pause between mDNS queries; they start
	// one second apart and back off up to it. Default 20 s.
	QueryInterval time.Duration

	// DisableProbe turns the broadcast probe path off.
	DisableProbe bool
	// ProbePort is the hubs' UDP port, DefaultProbePort when zero.
	ProbePort int
	// ProbeTargets are probed in addition to broadcast addresses.
	ProbeTargets []netip.AddrPort
	// NoInterfaceBroadcast skips the interfaces' directed broadcast
	// addresses; NoLimitedBroadcast skips 255.255.255.255.
	NoInterfaceBroadcast bool
	NoLimitedBroadcast   bool
	// ProbeInterval is the longest pause between probe rounds; they start
	// one second apart. Default 3 s.
	ProbeInterval time.Duration
	// ProbeExpiry is how long a hub may leave probes unanswered before it is
	// dropped. Default 10 s.
	ProbeExpiry time.Duration

	// RescanInterval is how often interfaces are listed again. Default 15 s.
	RescanInterval time.Duration
}

// maxPendingEvents bounds the events waiting for a reader of Events. Past
// it, waiting updates of hubs that have a later event queued are dropped.
const maxPendingEvents = 1024

// Browser finds hubs by multicast DNS and by broadcast probes, merging what
// both paths see by hub address.
type Browser struct {
	opts      BrowserOptions
	events    chan Event
	mdnsBoard *statusBoard
	probBoard *statusBoard

	mu      sync.Mutex
	hubs    map[netip.AddrPort]Hub
	dropped int
	running bool
}

// NewBrowser checks the options and returns a browser; Run starts it.
func NewBrowser(opts BrowserOptions) (*Browser, error) {
	if opts.MDNSPort == 0 {
		opts.MDNSPort = DefaultMDNSPort
	}
	if opts.ProbePort == 0 {
		opts.ProbePort = DefaultProbePort
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"mDNS port", opts.MDNSPort}, {"probe port", opts.ProbePort}} {
		if p.v < 1 || p.v > 65535 {
			return nil, fmt.Errorf("discovery: %s %d out of range 1-65535", p.name, p.v)
		}
	}
	for _, t := range opts.ProbeTargets {
		if !t.IsValid() || t.Port() == 0 || !t.Addr().Is4() && !t.Addr().Is4In6() {
			return nil, fmt.Errorf("discovery: probe target %v is not an IPv4 address with a port", t)
		}
	}
	if opts.ListInterfaces == nil {
		opts.ListInterfaces = SystemInterfaces
	}
	if opts.QueryInterval <= 0 {
		opts.QueryInterval = 20 * time.Second
	}
	if opts.ProbeInterval <= 0 {
		opts.ProbeInterval = 3 * time.Second
	}
	if opts.ProbeExpiry <= 0 {
		opts.ProbeExpiry = 10 * time.Second
	}
	if opts.RescanInterval <= 0 {
		opts.RescanInterval = 15 * time.Second
	}
	return &Browser{
		opts:      opts,
		events:    make(chan Event, 16),
		mdnsBoard: newStatusBoard(PathMulticast, !opts.DisableMDNS),
		probBoard: newStatusBoard(PathBroadcast, !opts.DisableProbe),
		hubs:      map[netip.AddrPort]Hub{},
	}, nil
}

// Events delivers changes in order. It is closed when Run returns. Read it
// steadily: while nobody reads, events wait in a bounded queue.
func (b *Browser) Events() <-chan Event { return b.events }

// Hubs returns the hubs known now, sorted by name and address.
func (b *Browser) Hubs() []Hub {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Hub, 0, len(b.hubs))
	for _, h := range b.hubs {
		out = append(out, h)
	}
	slices.SortFunc(out, func(x, y Hub) int {
		return cmp.Or(strings.Compare(x.Name, y.Name), x.Addr.Compare(y.Addr))
	})
	return out
}

// BrowserStatus says for each path whether it works and what failed.
type BrowserStatus struct {
	Multicast PathStatus
	Broadcast PathStatus
}

// String shows both paths, one per line.
func (s BrowserStatus) String() string { return s.Multicast.String() + "\n" + s.Broadcast.String() }

// Status says for each path whether it works and what failed.
func (b *Browser) Status() BrowserStatus {
	return BrowserStatus{Multicast: b.mdnsBoard.get(), Broadcast: b.probBoard.get()}
}

// DroppedEvents counts updates dropped because Events was not read.
func (b *Browser) DroppedEvents() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// inbound is one datagram handed from a reader to the browse loop.
type inbound struct {
	probe   bool
	data    []byte
	src     netip.AddrPort
	ifIndex int
}

// Run browses until ctx is done, then returns nil. Network failures do not
// end it: they show in Status, and it keeps trying, since networks come and
// go. It may be called once.
func (b *Browser) Run(ctx context.Context) error {
	b.mu.Lock()
	if b.running {
		b.mu.Unlock()
		return errors.New("discovery: browser already ran")
	}
	b.running = true
	b.mu.Unlock()
	defer close(b.events)

	in := make(chan inbound, 64)
	var wg sync.WaitGroup
	defer wg.Wait()
	// Cancelled before waiting, so no reader stays blocked handing over a
	// datagram.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	deliver := func(p inbound) {
		p.data = slices.Clone(p.data)
		select {
		case in <- p:
		case <-ctx.Done():
		}
	}

	loop := &browseLoop{b: b, now: time.Now(), instances: map[string]*mdnsInstance{}, hosts: map[string]map[netip.Addr]*hostAddr{}, probed: map[netip.AddrPort]*probeSeen{}, reasons: map[netip.AddrPort]string{}}

	if !b.opts.DisableMDNS {
		loop.links = openLinks(b.opts.MDNSPort, !b.opts.DisableIPv6, true, b.opts.ListInterfaces, b.opts.Interfaces, b.mdnsBoard)
		defer loop.links.close()
		loop.links.refresh()
		for _, c := range loop.links.conns {
			wg.Go(func() {
				readLoop(c, func(pkt []byte, src netip.AddrPort, ifIndex int) {
					deliver(inbound{data: pkt, src: src, ifIndex: ifIndex})
				})
			})
		}
	}
	if !b.opts.DisableProbe {
		pc, err := net.ListenPacket("udp4", ":0")
		if err != nil {
			b.probBoard.set(nil, []string{fmt.Sprintf("opening the probe socket: %v", err)})
		} else {
			loop.probeConn = pc
			defer pc.Close()
			wg.Go(func() {
				buf := make([]byte, 512)
				for {
					n, addr, err := pc.ReadFrom(buf)
					if err != nil {
						if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
							return
						}
						time.Sleep(10 * time.Millisecond)
						continue
					}
					if ua, ok := addr.(*net.UDPAddr); ok {
						deliver(inbound{probe: true, data: buf[:n], src: ua.AddrPort()})
					}
				}
			})
		}
	}
	context.AfterFunc(ctx, func() {
		if loop.links != nil {
			for _, c := range loop.links.conns {
				c.unblock()
			}
		}
		if loop.probeConn != nil {
			_ = loop.probeConn.SetReadDeadline(time.Unix(1, 0))
		}
	})
	return loop.run(ctx, in)
}

// mdnsInstance is what the browser has heard about one service instance.
type mdnsInstance struct {
	name      dnsName
	ptrExpiry time.Time
	host      dnsName
	port      uint16
	srvExpiry time.Time
	txt       []string
	txtExpiry time.Time
	ifIndex   int
	src       netip.Addr
	heard     time.Time // last record about it
	missed    int       // query rounds it did not answer
	verify    bool      // another path lost it: one missed round drops it
	asked     time.Time // last targeted query for missing records
}

// hostAddr is one address record of a host.
type hostAddr struct {
	expiry   time.Time
	received time.Time
}

type probeSeen struct {
	ans   Answer
	src   netip.Addr
	heard time.Time
}

// browseLoop owns the browser's state; only its goroutine touches it.
type browseLoop struct {
	b         *Browser
	now       time.Time
	links     *mdnsLinks
	probeConn net.PacketConn

	instances map[string]*mdnsInstance
	hosts     map[string]map[netip.Addr]*hostAddr
	probed    map[netip.AddrPort]*probeSeen
	reasons   map[netip.AddrPort]string // why a source was lost, for the event
	nonces    [4]Nonce
	nonceN    int

	queryStep  int
	probeStep  int
	roundAt    time.Time // when the last mDNS query round went out
	roundCheck time.Time // when to count who did not answer it
	pending    []Event
	queryNow   bool        // ask by mDNS at once
	probeIfcs  []Interface // as listed for the last probe round
}

func (l *browseLoop) run(ctx context.Context, in <-chan inbound) error {
	queryT := time.NewTimer(0)
	probeT := time.NewTimer(0)
	defer queryT.Stop()
	defer probeT.Stop()
	if l.links == nil {
		queryT.Stop()
	}
	if l.probeConn == nil {
		probeT.Stop()
	}
	sweep := time.NewTicker(250 * time.Millisecond)
	defer sweep.Stop()
	rescan := time.NewTicker(l.b.opts.RescanInterval)
	defer rescan.Stop()
	for {
		var out chan<- Event
		var next Event
		if len(l.pending) > 0 {
			out, next = l.b.events, l.pending[0]
		}
		select {
		case <-ctx.Done():
			return nil
		case out <- next:
			l.pending = l.pending[1:]
			continue
		case p := <-in:
			l.now = time.Now()
			if p.probe {
				l.handleAnswer(p)
			} else {
				l.handleMDNS(p)
			}
		case <-queryT.C:
			l.now = time.Now()
			l.query()
			queryT.Reset(backoff(&l.queryStep, l.queryInterval()))
		case <-probeT.C:
			l.now = time.Now()
			l.probe()
			probeT.Reset(backoff(&l.probeStep, l.b.opts.ProbeInterval))
		case <-sweep.C:
			l.now = time.Now()
			if l.checkRound() {
				l.queryNow = true
			}
		case <-rescan.C:
			l.now = time.Now()
			if l.links != nil && len(l.links.refresh()) > 0 {
				l.queryStep = 0
				queryT.Reset(0)
			}
		}
		l.expire()
		l.publish()
		if l.queryNow && l.links != nil {
			// A hub is in doubt: ask now rather than at the backed-off time.
			queryT.Reset(0)
		}
		l.queryNow = false
	}
}

// oneShotInterval bounds the pause between queries of a one-shot querier:
// its answers live legacyTTL (10 s), so it must ask again before that.
const oneShotInterval = 4 * time.Second

func (l *browseLoop) queryInterval() time.Duration {
	if l.links.oneShot {
		return min(l.b.opts.QueryInterval, oneShotInterval)
	}
	return l.b.opts.QueryInterval
}

// backoff returns the pause before the next round: 1 s, 2 s, 4 s ... up
// to max.
func backoff(step *int, max time.Duration) time.Duration {
	d := time.Second << min(*step, 10)
	*step++
	return min(d, max)
}

// query sends a PTR query for the service on every interface.
func (l *browseLoop) query() {
	q := &dnsMessage{Questions: []dnsQuestion{{Name: serviceName, Type: typePTR, Class: classIN}}}
	pkt, err := q.pack()
	if err != nil {
		return
	}
	if l.links.sendAll(func(Interface) []byte { return pkt }) > 0 {
		l.roundAt = l.now
		l.roundCheck = l.now.Add(1500 * time.Millisecond)
		return
	}
	// Nothing went out: perhaps an interface has come up since.
	if len(l.links.refresh()) > 0 && l.links.sendAll(func(Interface) []byte { return pkt }) > 0 {
		l.roundAt = l.now
		l.roundCheck = l.now.Add(1500 * time.Millisecond)
	}
}

// checkRound counts, once a query round's answers had time to arrive, the
// instances that stayed silent. It reports whether some instance is in
// doubt and should be asked again soon.
func (l *browseLoop) checkRound() bool {
	if l.roundCheck.IsZero() || l.now.Before(l.roundCheck) {
		return false
	}
	l.roundCheck = time.Time{}
	doubt := false
	for _, in := range l.instances {
		if !in.ptrExpiry.After(l.now) {
			continue
		}
		// An answer up to a second before the query counts: responders
		// multicast the same records at most once a second, so a query
		// right after another one's answer gets no fresh answer.
		if in.heard.Before(l.roundAt.Add(-time.Second)) {
			in.missed++
			if in.missed >= 2 || in.verify {
				l.noteLost(in, "no answer to queries")
				in.ptrExpiry = l.now
				continue
			}
			doubt = true
		}
	}
	return doubt
}

// noteLost remembers why the instance's hub goes.
func (l *browseLoop) noteLost(in *mdnsInstance, reason string) {
	for _, h := range l.resolve(in) {
		l.reasons[h.Addr] = reason
	}
}

// probe sends one probe to every target.
func (l *browseLoop) probe() {
	nonce := NewNonce()
	l.nonces[l.nonceN%len(l.nonces)] = nonce
	l.nonceN++
	pkt := BuildProbe(nonce)
	var using, problems []string
	port := uint16(l.b.opts.ProbePort)
	var targets []netip.AddrPort
	if !l.b.opts.NoInterfaceBroadcast {
		ifcs, err := l.b.opts.ListInterfaces()
		if err != nil {
			problems = append(problems, err.Error())
		}
		ifcs = selectInterfaces(ifcs, l.b.opts.Interfaces)
		l.probeIfcs = ifcs
		for _, ifc := range ifcs {
			if ifc.loopback() || !ifc.broadcast() {
				continue
			}
			for _, bc := range ifc.broadcastAddrs() {
				targets = append(targets, netip.AddrPortFrom(bc, port))
			}
		}
		if len(targets) == 0 && err == nil {
			problems = append(problems, "no interface with an IPv4 broadcast address")
		}
	}
	if !l.b.opts.NoLimitedBroadcast {
		targets = append(targets, netip.AddrPortFrom(netip.AddrFrom4([4]byte{255, 255, 255, 255}), port))
	}
	targets = append(targets, l.b.opts.ProbeTargets...)
	slices.SortFunc(targets, netip.AddrPort.Compare)
	targets = slices.Compact(targets)
	for _, t := range targets {
		_, err := l.probeConn.WriteTo(pkt, net.UDPAddrFromAddrPort(t))
		if err != nil {
			problems = append(problems, fmt.Sprintf("sendto %v failed: %v", t, unwrapOp(err)))
			continue
		}
		using = append(using, t.String())
	}
	if len(targets) == 0 {
		problems = append(problems, "no address to probe")
	}
	l.b.probBoard.set(using, problems)
}

// unwrapOp drops the wrapping that repeats the operation and address
// around a system call's error.
func unwrapOp(err error) error {
	var se *os.SyscallError
	if errors.As(err, &se) && se.Err != nil {
		return se.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}

func (l *browseLoop) handleAnswer(p inbound) {
	a, err := ParseAnswer(p.data)
	if err != nil {
		return
	}
	ours := false
	for i := 0; i < min(l.nonceN, len(l.nonces)); i++ {
		if l.nonces[i] == a.Nonce {
			ours = true
		}
	}
	if !ours {
		return
	}
	key := netip.AddrPortFrom(p.src.Addr().Unmap(), uint16(a.TCPPort))
	l.probed[key] = &probeSeen{ans: a, src: p.src.Addr().Unmap(), heard: l.now}
}

// handleMDNS takes in the records of a response.
func (l *browseLoop) handleMDNS(p inbound) {
	if p.ifIndex != 0 {
		if _, ok := l.links.interfaceFor(p.ifIndex, p.src.Addr()); !ok {
			return // from an interface not browsed
		}
	}
	m, err := parseDNS(p.data)
	if err != nil || !m.isResponse() {
		return
	}
	src := p.src.Addr()
	// Addresses with the cache-flush bit replace what this packet's host
	// had before (RFC 6762 section 10.2).
	flushed := map[string]bool{}
	for _, r := range m.records() {
		if r.Class&^classTopBit != classIN {
			continue
		}
		expiry := l.now.Add(time.Duration(r.TTL) * time.Second)
		switch r.Type {
		case typePTR:
			if !r.Name.equal(serviceName) || !r.Target.hasSuffix(serviceName) || len(r.Target) != len(serviceName)+1 {
				continue
			}
			in := l.instance(r.Target)
			if r.TTL == 0 {
				l.goodbye(in)
				in.ptrExpiry = l.now
				continue
			}
			in.ptrExpiry = expiry
			in.heard, in.missed, in.verify = l.now, 0, false
			in.ifIndex, in.src = p.ifIndex, src
		case typeSRV:
			if !r.Name.hasSuffix(serviceName) || len(r.Name) != len(serviceName)+1 {
				continue
			}
			in := l.instance(r.Name)
			if r.TTL == 0 {
				l.goodbye(in)
			}
			in.host, in.port, in.srvExpiry = r.Target, r.Port, expiry
			in.heard, in.ifIndex, in.src = l.now, p.ifIndex, src
		case typeTXT:
			if !r.Name.hasSuffix(serviceName) || len(r.Name) != len(serviceName)+1 {
				continue
			}
			in := l.instance(r.Name)
			in.txt, in.txtExpiry = r.Text, expiry
			in.heard = l.now
		case typeA, typeAAAA:
			k := r.Name.key()
			set := l.hosts[k]
			if set == nil {
				set = map[netip.Addr]*hostAddr{}
				l.hosts[k] = set
			}
			if r.Class&classTopBit != 0 && !flushed[k] {
				// RFC 6762 section 10.2: records received more than a second
				// ago get one more second. Those of the last second stay:
				// a hub on several networks announces on each in turn.
				flushed[k] = true
				for _, ha := range set {
					if l.now.Sub(ha.received) > time.Second && ha.expiry.After(l.now.Add(time.Second)) {
						ha.expiry = l.now.Add(time.Second)
					}
				}
			}
			if r.TTL == 0 {
				delete(set, r.Addr)
			} else {
				set[r.Addr] = &hostAddr{expiry: expiry, received: l.now}
			}
		}
	}
	// Ask for what is still missing of instances just heard of.
	for _, in := range l.instances {
		if in.ptrExpiry.After(l.now) && in.heard.Equal(l.now) {
			l.askMissing(in)
		}
	}
}

// goodbye forgets a hub that said it is leaving, on both paths: its probe
// answers would otherwise keep it listed until they time out. A hub that
// still answers probes comes back with the next probe round.
func (l *browseLoop) goodbye(in *mdnsInstance) {
	for _, h := range l.resolve(in) {
		l.reasons[h.Addr] = "goodbye"
		delete(l.probed, h.Addr)
	}
}

func (l *browseLoop) instance(name dnsName) *mdnsInstance {
	k := name.key()
	in := l.instances[k]
	if in == nil {
		in = &mdnsInstance{name: name}
		l.instances[k] = in
	}
	return in
}

// askMissing queries SRV, TXT or addresses an instance lacks, at most once
// a second.
func (l *browseLoop) askMissing(in *mdnsInstance) {
	if l.now.Sub(in.asked) < time.Second {
		return
	}
	q := &dnsMessage{}
	if !in.srvExpiry.After(l.now) {
		q.Questions = append(q.Questions, dnsQuestion{Name: in.name, Type: typeSRV, Class: classIN})
	}
	if !in.txtExpiry.After(l.now) {
		q.Questions = append(q.Questions, dnsQuestion{Name: in.name, Type: typeTXT, Class: classIN})
	}
	if in.srvExpiry.After(l.now) && len(l.liveAddrs(in.host)) == 0 {
		q.Questions = append(q.Questions, dnsQuestion{Name: in.host, Type: typeA, Class: classIN},
			dnsQuestion{Name: in.host, Type: typeAAAA, Class: classIN})
	}
	if len(q.Questions) == 0 {
		return
	}
	in.asked = l.now
	if pkt, err := q.pack(); err == nil {
		l.links.sendAll(func(Interface) []byte { return pkt })
	}
}

func (l *browseLoop) liveAddrs(host dnsName) []netip.Addr {
	var out []netip.Addr
	for a, ha := range l.hosts[host.key()] {
		if ha.expiry.After(l.now) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// resolve turns an instance into hubs, if everything needed is known: one
// for each of its IPv4 addresses on a network of a browsed interface (a hub
// on several networks is listed once per network, as probes see it), or
// else one at the best other address.
func (l *browseLoop) resolve(in *mdnsInstance) []Hub {
	if !in.ptrExpiry.After(l.now) || !in.srvExpiry.After(l.now) || !in.txtExpiry.After(l.now) || in.port == 0 {
		return nil
	}
	if proto, _ := txtValue(in.txt, "proto"); proto != "natter/1" {
		return nil
	}
	udp, users := txtInt(in.txt, "udp"), txtInt(in.txt, "users")
	if udp > 65535 {
		udp = 0
	}
	tlsPort := txtInt(in.txt, "tls")
	if tlsPort > 65535 {
		tlsPort = 0
	}
	fp, _ := txtValue(in.txt, "fp")
	hub := Hub{Name: cleanName(in.name[0]), UDPPort: udp, TLSPort: tlsPort, Fingerprint: cleanName(fp), Users: users, Via: ViaMDNS}
	addrs := l.liveAddrs(in.host)
	var out []Hub
	for _, a := range addrs {
		if !a.Is4() {
			continue
		}
		if ifc, ok := l.links.interfaceContaining(a); ok {
			h := hub
			h.Addr, h.Interface = netip.AddrPortFrom(a, in.port), ifc.Name
			out = append(out, h)
		}
	}
	if len(out) > 0 {
		return out
	}
	ifc, haveIfc := l.links.interfaceFor(in.ifIndex, in.src)
	addr, ok := pickAddr(addrs, in.src, ifc, haveIfc)
	if !ok {
		return nil
	}
	hub.Addr = netip.AddrPortFrom(addr, in.port)
	if haveIfc {
		hub.Interface = ifc.Name
	}
	return []Hub{hub}
}

// txtInt returns the TXT value of key as a number, 0 when it is missing,
// negative or not a number.
func txtInt(text []string, key string) int {
	v, _ := txtValue(text, key)
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// pickAddr chooses the address to reach a hub at, the same one a probe
// answer would come from where possible: an IPv4 address on the subnet of
// the interface the hub was heard on, else the sender's own address, else
// any IPv4 address, else an IPv6 one (link-local ones get the zone).
func pickAddr(addrs []netip.Addr, src netip.Addr, ifc Interface, haveIfc bool) (netip.Addr, bool) {
	if haveIfc {
		for _, a := range addrs {
			if a.Is4() && ifc.contains(a) {
				return a, true
			}
		}
	}
	src = src.Unmap()
	if src.Is4() && slices.Contains(addrs, src) {
		return src, true
	}
	for _, a := range addrs {
		if a.Is4() {
			return a, true
		}
	}
	for _, a := range addrs {
		if !a.IsLinkLocalUnicast() {
			return a, true
		}
	}
	for _, a := range addrs {
		if haveIfc && ifc.Name != "" {
			return a.WithZone(ifc.Name), true
		}
	}
	return netip.Addr{}, false
}

// expire drops what timed out.
func (l *browseLoop) expire() {
	for k, in := range l.instances {
		if !in.ptrExpiry.After(l.now) && !in.srvExpiry.After(l.now) && !in.txtExpiry.After(l.now) {
			delete(l.instances, k)
		}
	}
	for k, set := range l.hosts {
		for a, ha := range set {
			if !ha.expiry.After(l.now) {
				delete(set, a)
			}
		}
		if len(set) == 0 {
			delete(l.hosts, k)
		}
	}
	for key, ps := range l.probed {
		if l.now.Sub(ps.heard) >= l.b.opts.ProbeExpiry {
			delete(l.probed, key)
			l.reasons[key] = "no answer to probes"
			// If multicast DNS still lists it, ask whether it is there.
			for _, in := range l.instances {
				for _, h := range l.resolve(in) {
					if h.Addr == key {
						in.verify = true
						l.queryNow = true
					}
				}
			}
		}
	}
}

// publish merges both paths by address and queues events for differences.
// Reasons noted since the last call are used up.
func (l *browseLoop) publish() {
	defer clear(l.reasons)
	cur := map[netip.AddrPort]Hub{}
	heardAt := map[netip.AddrPort]time.Time{}
	for _, in := range l.instances {
		for _, h := range l.resolve(in) {
			cur[h.Addr] = h
			heardAt[h.Addr] = in.heard
		}
	}
	for key, ps := range l.probed {
		h, ok := cur[key]
		if !ok {
			h = Hub{Name: cleanName(ps.ans.Name), Addr: key, UDPPort: ps.ans.UDPPort, Users: ps.ans.Users}
			for _, ifc := range l.probeIfcs {
				if ifc.contains(ps.src) {
					h.Interface = ifc.Name
				}
			}
		} else if ps.heard.After(heardAt[key]) {
			h.Users = ps.ans.Users
		}
		h.Via |= ViaProbe
		cur[key] = h
	}

	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	old := l.b.hubs
	var evs []Event
	for key, h := range cur {
		if o, ok := old[key]; !ok {
			evs = append(evs, Event{Kind: HubAppeared, Hub: h})
		} else if o != h {
			evs = append(evs, Event{Kind: HubUpdated, Hub: h})
		}
	}
	for key, o := range old {
		if _, ok := cur[key]; !ok {
			reason := l.reasons[key]
			if reason == "" {
				reason = "records expired"
			}
			evs = append(evs, Event{Kind: HubDisappeared, Hub: o, Reason: reason})
		}
	}
	if len(evs) == 0 {
		return
	}
	l.b.hubs = cur
	slices.SortFunc(evs, func(x, y Event) int {
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), x.Hub.Addr.Compare(y.Hub.Addr))
	})
	l.pending = append(l.pending, evs...)
	if len(l.pending) > maxPendingEvents {
		l.b.dropped += l.compactPending()
	}
}

// compactPending drops queued updates superseded by a later event for the
// same hub, then the oldest events if still too many; it returns how many
// went.
func (l *browseLoop) compactPending() int {
	n := len(l.pending)
	later := map[netip.AddrPort]bool{}
	kept := make([]Event, 0, n)
	for i := n - 1; i >= 0; i-- {
		e := l.pending[i]
		if e.Kind == HubUpdated && later[e.Hub.Addr] {
			continue
		}
		later[e.Hub.Addr] = true
		kept = append(kept, e)
	}
	slices.Reverse(kept)
	if len(kept) > maxPendingEvents {
		kept = kept[len(kept)-maxPendingEvents:]
	}
	l.pending = kept
	return n - len(kept)
}
