package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/natter-chat/natter/core/identity"
)

// Defaults of TLSConfig.
const (
	DefaultTLSAddr          = ":50001"
	DefaultHandshakeTimeout = 10 * time.Second
)

// NoAddr as Config.Addr turns the plaintext session port off: the hub
// then takes sessions only on its TLS port (Config.TLS).
const NoAddr = "-"

// TLSConfig configures the hub's TLS session port (Config.TLS): the same
// natter/1 sessions inside TLS 1.3, with every limit of the plaintext
// port, under the hub's own key (section 8 of natter/1).
type TLSConfig struct {
	// Addr is the TCP address of the TLS port (Listen, ListenAndServe);
	// "" means DefaultTLSAddr.
	Addr string
	// Identity is the hub's key. When nil, New loads it from
	// Config.DataDir, making it there on the first start
	// (identity.LoadOrCreateHub).
	Identity *identity.Identity
	// HandshakeTimeout bounds a client's TLS handshake; 0 means
	// DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
}

// tlsPort is the part of a hub that serves sessions over TLS. Each
// connection is handshaken in a goroutine of its own, so that a slow
// client never delays the next, and then becomes a session as a
// plaintext one does; the session notes the client's key, if it
// presented one.
type tlsPort struct {
	id      *identity.Identity
	config  *tls.Config
	timeout time.Duration
	log     *slog.Logger
}

// newTLSPort loads or makes the hub's key as cfg says; dataDir holds it
// when cfg names none.
func newTLSPort(cfg TLSConfig, dataDir string, log *slog.Logger) (*tlsPort, error) {
	id := cfg.Identity
	if id == nil {
		if dataDir == "" {
			return nil, errors.New("natter hub TLS: Config.DataDir is empty; the hub's key is kept there")
		}
		var err error
		if id, err = identity.LoadOrCreateHub(dataDir); err != nil {
			return nil, fmt.Errorf("natter hub TLS: %w", err)
		}
	}
	timeout := cfg.HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	return &tlsPort{id: id, config: identity.HubConfig(id), timeout: timeout, log: log}, nil
}

// serve handshakes the connections ln accepts, running in h's goroutines,
// and hands each one that completes to accept, until ctx is done or ln
// fails.
func (p *tlsPort) serve(ctx context.Context, h *Hub, ln net.Listener, accept func(net.Conn)) error {
	fp := p.id.Fingerprint()
	p.log.Info("serving TLS", "addr", ln.Addr().String(), "fingerprint", fp.String(), "short_code", fp.ShortCode())
	return h.acceptLoop(ctx, ln, func(raw net.Conn) {
		h.wg.Go(func() {
			under := raw
			rec := newRecordConn(raw)
			if rec != nil {
				under = rec
			}
			conn := tls.Server(under, p.config)
			hctx, cancel := context.WithTimeout(ctx, p.timeout)
			err := conn.HandshakeContext(hctx)
			cancel()
			if err != nil {
				// Scanners, stock tools probing the port and clients
				// that refuse the hub's key end here; none is news.
				p.log.Debug("TLS handshake failed", "remote", raw.RemoteAddr().String(), "err", err)
				raw.Close()
				return
			}
			var session net.Conn = conn
			if rec != nil {
				session = &tlsConnSession{Conn: conn, rec: rec}
			}
			accept(session)
		})
	})
}

// Fingerprint returns the fingerprint of the hub's TLS key, and false when
// the hub serves no TLS.
func (h *Hub) Fingerprint() (identity.Fingerprint, bool) {
	if h.tls == nil {
		return identity.Fingerprint{}, false
	}
	return h.tls.id.Fingerprint(), true
}

// TLSAddr returns the address of the hub's TLS port, or nil before Serve
// or when the hub serves no TLS.
func (h *Hub) TLSAddr() net.Addr {
	if a := h.tlsAddr.Load(); a != nil {
		return *a
	}
	return nil
}

// clientKey returns the fingerprint of the key a TLS client presented, if
// it presented one.
func clientKey(conn net.Conn) (identity.Fingerprint, bool) {
	tc, ok := conn.(connectionStater)
	if !ok {
		return identity.Fingerprint{}, false
	}
	return identity.PeerFingerprint(tc.ConnectionState())
}

func (c *TLSConfig) addr() string {
	if c.Addr == "" {
		return DefaultTLSAddr
	}
	return c.Addr
}
