package client

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/core/proto"
)

// NoTLSError says a hub offered no TLS port (no CAPS tls=) where the
// client would not talk in plaintext: the user did not ask for it
// (Config.Plaintext), or the hub's key is pinned, and a pinned hub never
// gets a plaintext session (someone may be stripping its CAPS).
type NoTLSError struct {
	Addr   string // the hub's address, as configured
	Pinned bool   // a key is pinned for it
}

func (e *NoTLSError) Error() string {
	if e.Pinned {
		return fmt.Sprintf("client: the hub at %s has a pinned key but offered no TLS; not talking to it in plaintext", e.Addr)
	}
	return fmt.Sprintf("client: the hub at %s offers no TLS, and plaintext was not asked for", e.Addr)
}

// Security says how the current session with the hub is protected.
type Security struct {
	// TLS is true when the session runs inside TLS with a verified hub key.
	TLS bool
	// HubKey is the hub's key (TLS only): pinned, named by a join link,
	// or pinned just now on first contact. Its ShortCode is for people to
	// compare with what the hub prints.
	HubKey identity.Fingerprint
	// FirstContact is true when HubKey was pinned by this connection: the
	// user has not met this hub before and may want to compare the code.
	FirstContact bool
	// Plaintext is true when the session is not encrypted because the user
	// asked for plaintext (Config.Plaintext).
	Plaintext bool
}

// trusting reports whether cfg asks the client to protect its sessions: a
// pin store, a join link's key, a known TLS port or a device identity. A
// Config with none of them connects in plaintext, as stock tools do.
func (cfg *Config) trusting() bool {
	return cfg.Pins != nil || !cfg.HubKey.IsZero() || cfg.TLSAddr != "" || cfg.Device != nil
}

// UseJoinLink sets cfg to join the hub link names and accept only the key
// it carries (section 8 of natter/1).
func (cfg *Config) UseJoinLink(link identity.JoinLink) {
	cfg.Addr = link.Addr()
	cfg.TLSAddr = link.Addr()
	cfg.HubKey = link.Fingerprint
}

// TrustNewKey replaces the pins of the hub changed names (with cfg's
// Addr, as a Client made from cfg pins it) by the key the hub presented:
// the user's explicit "trust the new key" after comparing short codes.
func TrustNewKey(cfg Config, changed *identity.KeyChangedError) error {
	if cfg.Pins == nil {
		return errors.New("client: Config.Pins is nil; there is no pin to replace")
	}
	addr, err := hubAddr(cfg.Addr)
	if err != nil {
		return err
	}
	if err := cfg.Pins.Replace(addr, changed.Presented); err != nil {
		return err
	}
	if changed.Addr != "" && changed.Addr != addr {
		return cfg.Pins.Replace(changed.Addr, changed.Presented)
	}
	return nil
}

// hubDialer connects to the hub over TLS as section 8 of natter/1 says:
// to its TLS port when known (a join link, discovery, an earlier session
// of this Client), else to the address configured in plaintext just to
// read the TLS port from CAPS. It checks the hub's key against the join
// link's, the pin or, on first contact, pins it, under both the
// configured address and the TLS port's.
type hubDialer struct {
	tcp     dialFunc
	pins    *identity.PinStore
	device  *identity.Identity
	linkKey identity.Fingerprint
	timeout time.Duration

	mu      sync.Mutex
	tlsAddr string               // the TLS port's address, once known
	seen    identity.Fingerprint // the key met by this Client, for a Client without pins
	first   bool                 // the last connection pinned a key on first contact
}

func newHubDialer(cfg *Config, tcp dialFunc) *hubDialer {
	return &hubDialer{tcp: tcp, pins: cfg.Pins, device: cfg.Device, linkKey: cfg.HubKey, timeout: cfg.DialTimeout, tlsAddr: cfg.TLSAddr}
}

// dial connects to the hub configured at addr.
func (d *hubDialer) dial(ctx context.Context, addr string) (net.Conn, error) {
	pinned, havePin, err := d.lookup(addr)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	tlsAddr := d.tlsAddr
	d.mu.Unlock()
	if tlsAddr == "" {
		port, err := d.askTLSPort(ctx, addr)
		if err != nil {
			return nil, err
		}
		if port == "" {
			return nil, &NoTLSError{Addr: addr, Pinned: havePin}
		}
		host, _, _ := net.SplitHostPort(addr)
		tlsAddr = net.JoinHostPort(host, port)
	}
	if !havePin && tlsAddr != addr {
		if pinned, havePin, err = d.lookup(tlsAddr); err != nil {
			return nil, err
		}
	}
	want := d.linkKey
	if want.IsZero() && havePin {
		want = pinned
	}
	check := func(got identity.Fingerprint) error {
		if !want.IsZero() && got != want {
			return &identity.KeyChangedError{Addr: tlsAddr, Pinned: want, Presented: got}
		}
		return nil
	}
	raw, err := d.tcp(ctx, tlsAddr)
	if err != nil {
		return nil, err
	}
	conn := tls.Client(raw, identity.ClientConfig(d.device, check))
	hctx, cancel := context.WithTimeout(ctx, d.timeout)
	err = conn.HandshakeContext(hctx)
	cancel()
	if err != nil {
		raw.Close()
		// The check's error comes back as it is, or wrapped.
		var changed *identity.KeyChangedError
		if errors.As(err, &changed) {
			return nil, changed
		}
		return nil, err
	}
	hub, _ := identity.PeerFingerprint(conn.ConnectionState())
	if err := d.pin(addr, tlsAddr, hub, !havePin); err != nil {
		conn.Close()
		return nil, err
	}
	d.mu.Lock()
	d.tlsAddr = tlsAddr
	d.mu.Unlock()
	return conn, nil
}

// lookup returns the key pinned for addr: in the pin store, or for a
// Client without one the key it met before.
func (d *hubDialer) lookup(addr string) (identity.Fingerprint, bool, error) {
	if d.pins == nil {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.seen, !d.seen.IsZero(), nil
	}
	return d.pins.Lookup(addr)
}

// pin records hub as the key of the hub at addr and at its TLS port
// tlsAddr, after a handshake that proved the hub holds it; first says no
// key was pinned before.
func (d *hubDialer) pin(addr, tlsAddr string, hub identity.Fingerprint, first bool) error {
	d.mu.Lock()
	d.seen, d.first = hub, first
	d.mu.Unlock()
	if d.pins == nil {
		return nil
	}
	for _, a := range []string{tlsAddr, addr} {
		if err := d.pins.Pin(a, hub); err != nil {
			return err
		}
	}
	return nil
}

// security describes a connection dial made.
func (d *hubDialer) security(nc net.Conn) Security {
	tc, ok := nc.(*tls.Conn)
	if !ok {
		return Security{}
	}
	fp, _ := identity.PeerFingerprint(tc.ConnectionState())
	d.mu.Lock()
	defer d.mu.Unlock()
	return Security{TLS: true, HubKey: fp, FirstContact: d.first}
}

// probeToken is the PING token of askTLSPort: the hub answers a PING
// before registration, and its PONG comes after CAPS if CAPS is sent.
const probeToken = "natter-tls-probe"

// askTLSPort connects to the hub's plaintext port at addr and returns the
// port of CAPS tls=, or "" when the hub sends no such word before it
// answers a PING. Nothing else is said on the plaintext connection.
func (d *hubDialer) askTLSPort(ctx context.Context, addr string) (string, error) {
	nc, err := d.tcp(ctx, addr)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(d.timeout))
	r := proto.NewReader(bufio.NewReader(nc), proto.MaxHubLineLen)
	if _, err := nc.Write([]byte("PING " + probeToken + "\n")); err != nil {
		return "", err
	}
	// HELLO, CAPS, and the PONG: a hub has nothing else to say before a
	// NICK, but a few lines more cost nothing.
	for range 8 {
		line, err := r.ReadLine()
		if err != nil {
			return "", fmt.Errorf("client: asking %s for its TLS port: %w", addr, err)
		}
		ev, err := proto.ParseEvent(string(line))
		if err != nil {
			continue
		}
		switch ev.Keyword {
		case proto.KwHello:
			if ev.Version != proto.Version {
				return "", &VersionError{Version: ev.Version}
			}
		case proto.KwCaps:
			v, ok := ev.Capability("tls")
			if !ok {
				return "", nil
			}
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 65535 {
				return "", fmt.Errorf("client: the hub at %s names TLS port %q", addr, v)
			}
			return v, nil
		case proto.KwPong:
			return "", nil
		}
	}
	return "", fmt.Errorf("client: the hub at %s did not answer PING", addr)
}

// securityOf describes the connection nc the configured dialer made.
func (cfg *Config) securityOf(nc net.Conn) Security {
	if cfg.hubDialer != nil {
		return cfg.hubDialer.security(nc)
	}
	return Security{Plaintext: cfg.Plaintext}
}

// security is how the current session is protected; zero without one.
func (st *state) security() Security {
	if st.sess == nil {
		return Security{}
	}
	return st.sess.security
}

// trustCause returns the cause of a connection refused for trust:
// CauseKeyChanged or CauseNoTLS; CauseNone for any other error.
func trustCause(err error) Cause {
	var changed *identity.KeyChangedError
	var noTLS *NoTLSError
	switch {
	case errors.As(err, &changed):
		return CauseKeyChanged
	case errors.As(err, &noTLS):
		return CauseNoTLS
	}
	return CauseNone
}

// final reports whether a connection that failed for c must not be tried
// again: only the user can change what the client trusts.
func (c Cause) final() bool { return c == CauseKeyChanged || c == CauseNoTLS }
