package client

import (
	"crypto/tls"
	"fmt"
	"net"

	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/core/tftp"
)

// tlsSession is implemented by a TLS connection (*tls.Conn): a hub session
// over one has its transfers sealed.
type tlsSession interface {
	ConnectionState() tls.ConnectionState
}

// transferKey returns the natter-seal key of the transfer the hub granted
// as token over session, or nil when session is not a TLS connection: a
// plaintext session's transfers stay as they were.
func transferKey(session net.Conn, token string) (*[tftp.SealKeySize]byte, error) {
	ts, ok := session.(tlsSession)
	if !ok {
		return nil, nil
	}
	key, err := identity.TransferKey(ts.ConnectionState(), token)
	if err != nil {
		// The hub seals every transfer of a TLS session: without the key
		// there is no transfer, never a plaintext one.
		return nil, fmt.Errorf("client: sealing the transfer: %w", err)
	}
	return &key, nil
}
