package server

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/tftp"
)

// Defaults for the transfer fields of HostLimits.
const (
	DefaultHostTransfers      = 16 // a quarter of the hub's 64: three other hosts still fit
	DefaultHostUploadFiles    = 500
	DefaultHostUploadBytes    = 16 << 30
	DefaultHostPublicReadRate = 2 // RRQs per second in public mode
	DefaultHostPublicBurst    = 8
)

// putMargin bounds what an upload's grant reserves of the free space
// beyond what is written: the bytes written are on the disk already, and a
// grant that is never used must not hold the disk's free space.
const putMargin = 64 << 20

// reserveFor is what a PUT grant of size bytes reserves of the free space.
func reserveFor(size int64) int64 { return min(size, putMargin) }

// hostTransfers is the transfer service's bookkeeping per host (see
// HostLimits), guarded by the service's lock.
type hostTransfers struct {
	limits HostLimits
	hosts  hostMap[hostXfers]
}

type hostXfers struct {
	transfers   int    // unused grants and running transfers
	uploads     bucket // PUT grants, per hour
	uploadBytes bucket // bytes of PUT grants, per hour
	reads       bucket // public reads, per second
}

func newHostTransfers(l HostLimits) hostTransfers {
	l.setDefaults()
	return hostTransfers{limits: l, hosts: newHostMap(l.Exempt, func(hx *hostXfers, now time.Time) bool {
		return hx.transfers == 0 && hx.uploads.full(now, float64(l.UploadFiles)/3600, l.UploadFiles) &&
			hx.uploadBytes.full(now, float64(l.UploadBytes)/3600, int(l.UploadBytes)) &&
			hx.reads.full(now, l.PublicReadRate, l.PublicReadBurst)
	})}
}

// take counts a grant or transfer for a's host, or says why it may have
// no more.
func (t *hostTransfers) take(a netip.Addr, now time.Time) error {
	hx := t.hosts.get(a, now)
	if hx == nil {
		return nil
	}
	if hx.transfers >= t.limits.MaxTransfers {
		return proto.NewError(proto.ReasonBusy, "",
			fmt.Sprintf("a host may have %d transfers at once, granted ones included; try again when one has ended", t.limits.MaxTransfers))
	}
	hx.transfers++
	return nil
}

// give counts a grant or transfer of a's host that ended.
func (t *hostTransfers) give(a netip.Addr) {
	if hx := t.hosts.lookup(a); hx != nil && hx.transfers > 0 {
		hx.transfers--
	}
}

// upload counts an upload of size bytes against the hourly quotas of a's
// host, or refuses it with slow-down.
func (t *hostTransfers) upload(a netip.Addr, size int64, now time.Time) error {
	hx := t.hosts.get(a, now)
	if hx == nil {
		return nil
	}
	l := &t.limits
	// Bytes: a bucket of UploadBytes tokens refilled over an hour, each
	// upload taking its size; counted as a level so that one upload may
	// be of any size the hub accepts.
	level := hx.uploadBytes.level(now, float64(l.UploadBytes)/3600, int(l.UploadBytes))
	if level < float64(size) {
		return proto.NewError(proto.ReasonSlowDown, "",
			fmt.Sprintf("a host may upload %d bytes an hour; %d more fit now", l.UploadBytes, int64(level)))
	}
	if !hx.uploads.take(now, float64(l.UploadFiles)/3600, l.UploadFiles) {
		return proto.NewError(proto.ReasonSlowDown, "", fmt.Sprintf("a host may upload %d files an hour", l.UploadFiles))
	}
	hx.uploadBytes.tokens, hx.uploadBytes.at = level-float64(size), now
	return nil
}

// publicRead counts a public read by a's host against its rate.
func (t *hostTransfers) publicRead(a netip.Addr, now time.Time) error {
	hx := t.hosts.get(a, now)
	if hx == nil {
		return nil
	}
	l := &t.limits
	if !hx.reads.take(now, l.PublicReadRate, l.PublicReadBurst) {
		return tftp.NewError(tftp.ErrNotDefined, fmt.Sprintf("at most %g reads a second from one host; try again later", l.PublicReadRate))
	}
	return nil
}

// publicUnansweredSends is how often, in public mode, a transfer sends its
// first packet to a peer that has answered nothing: once and twice again.
// A read by name needs no token, so its source address may be forged, and
// the hub must then send little more than it got: three blocks of 516
// bytes for a request of some 40 are at most 40 bytes out per byte in,
// where tftpd-hpa sends five.
const publicUnansweredSends = 3

// engineConfig is the transfer engine's configuration: as configured, with
// unanswered first packets bounded in public mode.
func (ts *transferService) engineConfig() tftp.Config {
	c := ts.cfg.Engine
	if ts.cfg.Public && c.UnansweredSends == 0 {
		c.UnansweredSends = publicUnansweredSends
	}
	return c
}
