package load

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"github.com/natter-chat/natter/core/identity"
)

// handshake runs a client's TLS handshake on conn, accepting any hub key,
// and returns the TLS connection; conn is closed when it fails.
func handshake(ctx context.Context, conn net.Conn) (net.Conn, error) {
	tc := tls.Client(conn, identity.ClientConfig(nil, func(identity.Fingerprint) error { return nil }))
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}
