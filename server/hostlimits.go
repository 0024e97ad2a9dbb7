package server

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// Defaults for the fields of HostLimits: a room on a real network never
// meets them, one host that opens connections without end soon does.
const (
	DefaultHostSessions     = 32
	DefaultHostConnectRate  = 4  // new connections per second
	DefaultHostConnectBurst = 32 // so that a host's clients all come back at once after a restart
	DefaultHostNickRate     = 30 // registrations and renames per minute
	DefaultHostNickBurst    = 32
)

// HostLimits bound what one host (one IP address; an IPv6 /64 counts as one
// host, since a host may take any address of its prefix) may do, so that it
// cannot take the room from the others. A zero field takes its default.
type HostLimits struct {
	MaxSessions  int     // sessions at once, registered or not
	ConnectRate  float64 // new connections per second
	ConnectBurst int     // new connections at once above the rate
	NickRate     float64 // registrations and renames per minute
	NickBurst    int     // registrations and renames at once above the rate

	// Transfers: grants not used yet and transfers running, together.
	MaxTransfers int
	// UploadFiles and UploadBytes bound the uploads granted per hour, so
	// that no one host can fill the shared folder or the disk alone.
	UploadFiles int
	UploadBytes int64
	// PublicReadRate bounds the reads by name in public mode (RRQs per
	// second, bursts of PublicReadBurst).
	PublicReadRate  float64
	PublicReadBurst int

	// Exempt lists the hosts to which no per-host limit applies, for load
	// tests run from one machine. Loopback is not exempt unless listed: a
	// hub on a shared machine serves other users' processes there.
	Exempt []netip.Prefix
}

func (l *HostLimits) setDefaults() {
	setDefault(&l.MaxSessions, DefaultHostSessions)
	setDefault(&l.ConnectRate, DefaultHostConnectRate)
	setDefault(&l.ConnectBurst, DefaultHostConnectBurst)
	setDefault(&l.NickRate, DefaultHostNickRate)
	setDefault(&l.NickBurst, DefaultHostNickBurst)
	setDefault(&l.MaxTransfers, DefaultHostTransfers)
	setDefault(&l.UploadFiles, DefaultHostUploadFiles)
	setDefault(&l.UploadBytes, DefaultHostUploadBytes)
	setDefault(&l.PublicReadRate, DefaultHostPublicReadRate)
	setDefault(&l.PublicReadBurst, DefaultHostPublicBurst)
}

func (l *HostLimits) validate() error {
	var errs []error
	for name, v := range map[string]float64{
		"MaxSessions": float64(l.MaxSessions), "ConnectRate": l.ConnectRate, "ConnectBurst": float64(l.ConnectBurst),
		"NickRate": l.NickRate, "NickBurst": float64(l.NickBurst),
		"MaxTransfers": float64(l.MaxTransfers), "UploadFiles": float64(l.UploadFiles), "UploadBytes": float64(l.UploadBytes),
		"PublicReadRate": l.PublicReadRate, "PublicReadBurst": float64(l.PublicReadBurst),
	} {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("config field Hosts.%s must be positive, got %v", name, v))
		}
	}
	for _, p := range l.Exempt {
		if !p.IsValid() {
			errs = append(errs, errors.New("config field Hosts.Exempt holds an invalid prefix"))
		}
	}
	return errors.Join(errs...)
}

// ParseHostList parses a comma-separated list of addresses and prefixes
// ("127.0.0.1,10.1.0.0/16,::1"), as the hub's flags take them.
func ParseHostList(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("host list: %q is neither an address nor a prefix", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// hostOf is the host an address belongs to for the per-host limits: the
// address itself, or for IPv6 its /64.
func hostOf(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p
	}
	return netip.PrefixFrom(a, a.BitLen())
}

// bucket is a token bucket whose zero value is full. Its methods are pure
// in the clock: the time is passed in.
type bucket struct {
	tokens float64
	at     time.Time // when tokens was counted; zero: full
}

// level returns the tokens at now, for a bucket filling at rate per
// second up to burst.
func (b *bucket) level(now time.Time, rate float64, burst int) float64 {
	if b.at.IsZero() {
		return float64(burst)
	}
	return min(float64(burst), b.tokens+now.Sub(b.at).Seconds()*rate)
}

// take takes a token at now if there is one.
func (b *bucket) take(now time.Time, rate float64, burst int) bool {
	t := b.level(now, rate, burst)
	if t < 1 {
		return false
	}
	b.tokens, b.at = t-1, now
	return true
}

// full reports whether the bucket has filled up again, so that forgetting
// it changes nothing.
func (b *bucket) full(now time.Time, rate float64, burst int) bool {
	return b.level(now, rate, burst) >= float64(burst)
}

// hostState is what the hub counts for one host.
type hostState struct {
	sessions int
	connects bucket
	nicks    bucket
}

// hostMap holds one entry of bookkeeping per host, for the hosts that are
// not exempt. An entry that idle reports as changing nothing if forgotten
// (no sessions or transfers, buckets full) is swept once the map has
// doubled since the last sweep, so the map holds a few entries per open
// session and per recent connection. It is guarded by its owner's lock.
type hostMap[T any] struct {
	exempt  []netip.Prefix
	idle    func(e *T, now time.Time) bool
	hosts   map[netip.Prefix]*T
	sweepAt int
}

func newHostMap[T any](exempt []netip.Prefix, idle func(*T, time.Time) bool) hostMap[T] {
	return hostMap[T]{exempt: exempt, idle: idle, hosts: make(map[netip.Prefix]*T), sweepAt: 1024}
}

// get returns the entry of a's host, making it if need be; nil for an
// exempt or unknown address.
func (m *hostMap[T]) get(a netip.Addr, now time.Time) *T {
	if !a.IsValid() {
		return nil
	}
	a = a.Unmap()
	for _, p := range m.exempt {
		if p.Contains(a) {
			return nil
		}
	}
	k := hostOf(a)
	e := m.hosts[k]
	if e == nil {
		if len(m.hosts) >= m.sweepAt {
			for k, e := range m.hosts {
				if m.idle(e, now) {
					delete(m.hosts, k)
				}
			}
			m.sweepAt = max(1024, 2*len(m.hosts))
		}
		e = new(T)
		m.hosts[k] = e
	}
	return e
}

// lookup returns the entry of a's host if there is one.
func (m *hostMap[T]) lookup(a netip.Addr) *T {
	if !a.IsValid() {
		return nil
	}
	return m.hosts[hostOf(a)]
}

// hostTable is the hub's bookkeeping per host: its sessions, and how fast
// it connects and changes nicks. It is guarded by h.mu.
type hostTable struct {
	limits HostLimits
	hosts  hostMap[hostState]
}

func newHostTable(l HostLimits) hostTable {
	return hostTable{limits: l, hosts: newHostMap(l.Exempt, func(hs *hostState, now time.Time) bool {
		return hs.sessions == 0 && hs.connects.full(now, l.ConnectRate, l.ConnectBurst) &&
			hs.nicks.full(now, l.NickRate/60, l.NickBurst)
	})}
}

// hostRefusal is why a host's new connection is turned away: the ERR and
// BYE it gets.
type hostRefusal struct {
	err *proto.Error
	bye string
}

func (r *hostRefusal) Error() string { return "natter hub: " + r.err.Detail }

// admit counts a new connection from a, or says why it is refused.
func (t *hostTable) admit(a netip.Addr, now time.Time) *hostRefusal {
	hs := t.hosts.get(a, now)
	if hs == nil {
		return nil
	}
	l := &t.limits
	if hs.sessions >= l.MaxSessions {
		return &hostRefusal{proto.NewError(proto.ReasonHubFull, "", fmt.Sprintf("this host has its maximum of %d sessions", l.MaxSessions)), proto.ByeHubFull}
	}
	if !hs.connects.take(now, l.ConnectRate, l.ConnectBurst) {
		return &hostRefusal{proto.NewError(proto.ReasonSlowDown, "", fmt.Sprintf("this host opens connections faster than %g per second (bursts of %d)", l.ConnectRate, l.ConnectBurst)), proto.LeaveFlood}
	}
	hs.sessions++
	return nil
}

// left counts a session of a's host that ended.
func (t *hostTable) left(a netip.Addr) {
	if hs := t.hosts.lookup(a); hs != nil && hs.sessions > 0 {
		hs.sessions--
	}
}

// allowNick counts a registration or rename by a session of a's host, or
// refuses it with ERR 429 NICK slow-down.
func (t *hostTable) allowNick(a netip.Addr, now time.Time) *proto.Error {
	hs := t.hosts.get(a, now)
	if hs == nil {
		return nil
	}
	l := &t.limits
	if hs.nicks.take(now, l.NickRate/60, l.NickBurst) {
		return nil
	}
	return proto.NewError(proto.ReasonSlowDown, proto.KwNick, fmt.Sprintf("this host registers and renames more than %g times a minute (bursts of %d)", l.NickRate, l.NickBurst))
}

// turnAwayWith tells a client why it is refused (HELLO, the ERR and the
// BYE) and closes its connection.
func (h *Hub) turnAwayWith(conn net.Conn, r *hostRefusal) {
	b := proto.AppendHello(nil, h.cfg.Name)
	b = r.err.AppendLine(b)
	b = proto.AppendBye(b, r.bye)
	closeBy := time.Now().Add(h.cfg.FlushTimeout)
	conn.SetWriteDeadline(closeBy)
	if _, err := conn.Write(b); err != nil {
		conn.Close()
		return
	}
	lingeringClose(conn, closeBy)
}

// remoteAddr is the IP address conn comes from; the zero Addr when it has
// none (a pipe in tests), to which no per-host limit applies.
func remoteAddr(conn net.Conn) netip.Addr {
	ap, err := netip.ParseAddrPort(conn.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
