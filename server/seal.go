package server

import (
	"crypto/tls"
	"fmt"

	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/core/tftp"
)

// transferKeyFunc derives the natter-seal key of a grant's transfer from
// the grant's token; requester.TransferKey holds one for a TLS session.
type transferKeyFunc func(token string) ([tftp.SealKeySize]byte, error)

// tlsTransferKeys returns the transferKeyFunc of a TLS session whose
// state is cs: ExportKeyingMaterial("natter transfer", token, 32), as the
// client derives it from its side of the session.
func tlsTransferKeys(cs tls.ConnectionState) transferKeyFunc {
	return func(token string) ([tftp.SealKeySize]byte, error) {
		return identity.TransferKey(cs, token)
	}
}

// sealLocked gives g, just granted to r, the key its transfer is sealed
// with when r is a TLS session. When the key cannot be derived the grant
// is withdrawn: a TLS session's transfer is never served in plaintext.
// ts.mu is held.
func (ts *transferService) sealLocked(r requester, g *grant) error {
	if r.TransferKey == nil {
		return nil
	}
	key, err := r.TransferKey(g.token)
	if err != nil {
		delete(ts.grants, g.token)
		ts.releaseLocked(g)
		return fmt.Errorf("deriving the transfer key of a grant to session %d: %w", r.SessionID, err)
	}
	g.sealKey = &key
	return nil
}

// sealSource returns src sealed with g's key, or src when g has none.
func (g *grant) sealSource(src tftp.ReadSource) tftp.ReadSource {
	if g.sealKey == nil {
		return src
	}
	return tftp.SealReadSource(src, *g.sealKey)
}

// sealSink returns sink sealed with g's key, or sink when g has none.
func (g *grant) sealSink(sink tftp.WriteSink) tftp.WriteSink {
	if g.sealKey == nil {
		return sink
	}
	return tftp.SealWriteSink(sink, *g.sealKey)
}

// noteSealDrop counts a packet of a sealed transfer that did not open.
func (ts *transferService) noteSealDrop(req *tftp.Request, err error) {
	ts.counters.sealDropped.Add(1)
	ts.log.Debug("dropped a sealed packet that did not open", "peer", req.Peer, "err", err)
}
