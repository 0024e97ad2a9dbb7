package identity

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// HubConfig returns the TLS configuration of a hub's session port: TLS 1.3
// only, hub's certificate, and a request for a client certificate that a
// client may decline. A client that presents one proves it holds the key
// (TLS checks its CertificateVerify); nothing else about the certificate is
// checked, since the key alone is the identity. After the handshake,
// [PeerFingerprint] gives the client's fingerprint, if any.
func HubConfig(hub *Identity) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{hub.Certificate()},
		ClientAuth:   tls.RequestClientCert,
	}
}

// PeerFingerprint returns the fingerprint of the certificate the other end
// presented in the handshake of cs, and false when it presented none.
func PeerFingerprint(cs tls.ConnectionState) (Fingerprint, bool) {
	if len(cs.PeerCertificates) == 0 {
		return Fingerprint{}, false
	}
	return FingerprintOf(cs.PeerCertificates[0]), true
}

// HubCheck decides, during a client's handshake, whether the hub's key is
// the one expected; an error ends the handshake, and tls.Dial or Handshake
// returns it as it is.
type HubCheck func(hub Fingerprint) error

// ClientConfig returns the TLS configuration of a client: TLS 1.3 only,
// presenting device's certificate when device is not nil (the hub may ask
// for it), and accepting the hub whose fingerprint check allows. No
// certificate authority is consulted and no name or date is checked: the
// hub's key is trusted because it is pinned or because a join link names
// it, and for no other reason.
func ClientConfig(device *Identity, check HubCheck) *tls.Config {
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS13,
		// Verification is done, by fingerprint, in VerifyConnection,
		// which runs on resumed sessions too.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			fp, ok := PeerFingerprint(cs)
			if !ok {
				return errors.New("identity: the hub presented no certificate")
			}
			return check(fp)
		},
	}
	if device != nil {
		cfg.Certificates = []tls.Certificate{device.Certificate()}
	}
	return cfg
}

// ExpectFingerprint returns a check that accepts only the hub key want, as
// a pin or a join link names it; any other is a *KeyChangedError.
func ExpectFingerprint(want Fingerprint) HubCheck {
	return func(got Fingerprint) error {
		if got != want {
			return &KeyChangedError{Pinned: want, Presented: got}
		}
		return nil
	}
}

// A KeyChangedError reports a hub that presented a key other than the one
// expected. A client refuses the connection and warns, naming both short
// codes; only an explicit act of its user ([PinStore.Replace]) makes it
// trust the new key.
type KeyChangedError struct {
	Addr      string      // the hub's address, when the check knew it
	Pinned    Fingerprint // the key expected: pinned, or named by a join link
	Presented Fingerprint // the key the hub presented
}

func (e *KeyChangedError) Error() string {
	at := ""
	if e.Addr != "" {
		at = " at " + e.Addr
	}
	return fmt.Sprintf("identity: the hub%s presented key %s, but key %s was expected; it may not be the hub it claims to be", at, e.Presented.ShortCode(), e.Pinned.ShortCode())
}

// TransferKeyLabel is the exporter label (RFC 8446 section 7.5) of the key
// that seals a transfer.
const TransferKeyLabel = "natter transfer"

// TransferKey returns the 32-byte key sealing the transfer granted with
// token on the TLS session cs: ExportKeyingMaterial("natter transfer",
// token as ASCII, 32). The hub and the client get the same key from their
// two ends of the session, and nobody without the session can.
func TransferKey(cs tls.ConnectionState, token string) ([32]byte, error) {
	var key [32]byte
	if cs.Version != tls.VersionTLS13 {
		return key, errors.New("identity: transfer keys come only from TLS 1.3 sessions")
	}
	b, err := cs.ExportKeyingMaterial(TransferKeyLabel, []byte(token), len(key))
	if err != nil {
		return key, fmt.Errorf("identity: exporting the transfer key: %w", err)
	}
	copy(key[:], b)
	return key, nil
}
