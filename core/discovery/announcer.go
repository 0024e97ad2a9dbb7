package discovery

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"
)

// AnnouncerOptions tune an Announcer; the zero value serves every
// multicast interface on the standard port.
type AnnouncerOptions struct {
	// Interfaces restricts announcing to these interface names.
	Interfaces []string
	// ListInterfaces replaces SystemInterfaces.
	ListInterfaces InterfaceLister
	// Host is the host name label (without ".local") the SRV record points
	// to. The default is made of the system host name and the hub name, so
	// that two hubs on one machine do not claim one name.
	Host string
	// Port is the mDNS port, DefaultMDNSPort when zero.
	Port int
	// DisableIPv6 skips ff02::fb.
	DisableIPv6 bool
	// UsersInterval is how often Info.Users is polled; a changed count is
	// announced. Default 2 s.
	UsersInterval time.Duration
	// RescanInterval is how often interfaces are listed again, to serve
	// networks that come up later. Default 30 s.
	RescanInterval time.Duration
}

// Announcer advertises a hub by multicast DNS (DNS-SD service
// "_natter._tcp"). It answers queries, announces itself when it starts, on
// new interfaces and when the user count changes, and says goodbye when it
// stops.
type Announcer struct {
	info  Info
	opts  AnnouncerOptions
	board *statusBoard

	mu       sync.Mutex
	running  bool
	svc      service
	lastSent map[string]time.Time // answer sets multicast lately, by link
}

// NewAnnouncer checks info and returns an announcer; Run starts it.
func NewAnnouncer(info Info, opts AnnouncerOptions) (*Announcer, error) {
	if err := info.validate(); err != nil {
		return nil, err
	}
	if opts.Port == 0 {
		opts.Port = DefaultMDNSPort
	}
	if opts.Port < 1 || opts.Port > 65535 {
		return nil, fmt.Errorf("discovery: mDNS port %d out of range 1-65535", opts.Port)
	}
	if opts.ListInterfaces == nil {
		opts.ListInterfaces = SystemInterfaces
	}
	if opts.UsersInterval <= 0 {
		opts.UsersInterval = 2 * time.Second
	}
	if opts.RescanInterval <= 0 {
		opts.RescanInterval = 30 * time.Second
	}
	host := opts.Host
	if host == "" {
		h, _ := os.Hostname()
		host = hostLabel(h, info.Name)
	} else {
		host = hostLabel(host)
	}
	return &Announcer{info: info, opts: opts, board: newStatusBoard(PathMulticast, true),
		svc: newService(info, host), lastSent: map[string]time.Time{}}, nil
}

// Status says on which interfaces the announcer works and what failed.
func (a *Announcer) Status() PathStatus { return a.board.get() }

// InstanceName is the full DNS-SD name announced, dots in the hub name
// escaped: "My hub._natter._tcp.local.".
func (a *Announcer) InstanceName() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.svc.instance.String()
}

func (a *Announcer) service() service {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.svc
}

// Run announces the hub until ctx is done, then sends goodbyes and returns
// nil. It returns an error at once, naming each failure, when no interface
// can carry multicast DNS; later failures only show in Status. Only one
// Run may be active at a time.
func (a *Announcer) Run(ctx context.Context) error {
	a.mu.Lock()
	if a.running {
		a.mu.Unlock()
		return errors.New("discovery: announcer already running")
	}
	a.running = true
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.running = false
		a.mu.Unlock()
	}()
	links := openLinks(a.opts.Port, !a.opts.DisableIPv6, false, a.opts.ListInterfaces, a.opts.Interfaces, a.board)
	links.refresh()
	if err := links.usable(); err != nil {
		links.close()
		return err
	}
	var wg sync.WaitGroup
	for _, c := range links.conns {
		wg.Go(func() {
			readLoop(c, func(pkt []byte, src netip.AddrPort, ifIndex int) {
				a.handleQuery(links, c, pkt, src, ifIndex)
			})
		})
	}
	defer func() {
		links.close()
		wg.Wait()
	}()

	announce := func(ttl uint32) {
		svc := a.service()
		links.sendAll(func(ifc Interface) []byte {
			b, err := svc.announcement(addrsOf(ifc), ttl).pack()
			if err != nil {
				return nil
			}
			return b
		})
	}
	// RFC 6762 section 8.3: at least two announcements, one second apart.
	announce(recordTTL)
	second := time.NewTimer(time.Second)
	defer second.Stop()
	users := time.NewTicker(a.opts.UsersInterval)
	defer users.Stop()
	rescan := time.NewTicker(a.opts.RescanInterval)
	defer rescan.Stop()
	lastUsers := a.info.userCount()
	for {
		select {
		case <-ctx.Done():
			announce(0)
			return nil
		case <-second.C:
			announce(recordTTL)
		case <-users.C:
			if n := a.info.userCount(); n != lastUsers {
				lastUsers = n
				a.mu.Lock()
				a.svc.txt = serviceTXT(a.info, n)
				a.mu.Unlock()
				announce(recordTTL)
			}
		case <-rescan.C:
			if fresh := links.refresh(); len(fresh) > 0 {
				svc := a.service()
				links.sendAll(func(ifc Interface) []byte {
					for _, f := range fresh {
						if f.Index == ifc.Index {
							b, _ := svc.announcement(addrsOf(ifc), recordTTL).pack()
							return b
						}
					}
					return nil
				})
			}
		}
	}
}

// handleQuery answers one datagram if it is a query about the hub.
func (a *Announcer) handleQuery(links *mdnsLinks, c *mconn, pkt []byte, src netip.AddrPort, ifIndex int) {
	q, err := parseDNS(pkt)
	if err != nil || q.isResponse() || len(q.Questions) == 0 {
		return
	}
	ifc, ok := links.interfaceFor(ifIndex, src.Addr())
	if !ok {
		return
	}
	legacy := int(src.Port()) != links.port
	resp := a.service().answer(q, addrsOf(ifc), legacy)
	if resp == nil {
		return
	}
	b, err := resp.pack()
	if err != nil {
		return
	}
	if legacy {
		_ = c.sendUnicast(b, src)
		return
	}
	if !a.mayMulticast(c.family, ifc.Index, resp.Answers) {
		return
	}
	_ = links.sendOn(c, ifc, b)
}

// mayMulticast enforces RFC 6762 section 6: the same records go out on a
// link at most once a second, however many queries ask for them. Queriers
// that asked meanwhile hear the previous answer.
func (a *Announcer) mayMulticast(family, ifIndex int, answers []dnsRecord) bool {
	var key strings.Builder
	fmt.Fprintf(&key, "%d/%d", family, ifIndex)
	for _, r := range answers {
		fmt.Fprintf(&key, "/%s%d%v", r.Name.key(), r.Type, r.Addr)
	}
	now := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if last, ok := a.lastSent[key.String()]; ok && now.Sub(last) < time.Second {
		return false
	}
	for k, t := range a.lastSent {
		if now.Sub(t) >= time.Second {
			delete(a.lastSent, k)
		}
	}
	a.lastSent[key.String()] = now
	return true
}
