package identity

import (
	"context"
	"crypto/tls"
	"net"
)

// DialHub connects to the hub's TLS port at addr, presenting device's
// certificate when device is not nil, and accepts the hub only with the key
// pinned for addr or, when first is TrustOnFirstUse and none is pinned, with
// the key it presents, which is then pinned once the handshake has
// completed. A *KeyChangedError says the hub's key differs from its pin.
// d may be nil.
func DialHub(ctx context.Context, d *net.Dialer, addr string, device *Identity, pins *PinStore, first FirstContact) (*tls.Conn, error) {
	td := &tls.Dialer{NetDialer: d, Config: ClientConfig(device, pins.Check(addr, first))}
	c, err := td.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	conn := c.(*tls.Conn)
	hub, _ := PeerFingerprint(conn.ConnectionState())
	if err := pins.Pin(addr, hub); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
