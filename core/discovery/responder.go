package discovery

import (
	"context"
	"errors"
	"net"
	"time"
)

// ProbeResponder answers broadcast probes on a packet socket of its own. A
// hub whose UDP port also serves transfers calls AnswerProbe from its own
// listener instead.
type ProbeResponder struct {
	conn net.PacketConn
	info Info
}

// NewProbeResponder returns a responder answering on conn for the hub
// described by info. It does not take ownership of conn.
func NewProbeResponder(conn net.PacketConn, info Info) (*ProbeResponder, error) {
	if err := info.validate(); err != nil {
		return nil, err
	}
	return &ProbeResponder{conn: conn, info: info}, nil
}

// Run answers probes until ctx is done (it then returns nil) or the socket
// fails. Anything that is not a valid probe is dropped without a word.
func (r *ProbeResponder) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { _ = r.conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, ProbeMaxLen+1) // one more, to see oversized probes
	for {
		n, src, err := r.conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// A deadline set by the owner of conn, or an ICMP error from an
			// earlier answer: keep serving, without spinning.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if n > ProbeMaxLen || !IsProbe(buf[:n]) {
			continue
		}
		reply, ok := AnswerProbe(buf[:n], r.info)
		if !ok {
			continue
		}
		_, _ = r.conn.WriteTo(reply, src)
	}
}
