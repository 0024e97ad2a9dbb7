// Package identity holds the keys by which natter/1 peers know each other
// over TLS (section 8 of the contract): the hub's key and a device's key,
// their fingerprints and short codes, the TLS configurations of the hub
// and the client, the client's pins of hub keys, join links, and the key
// that seals a transfer.
//
// A hub loads its identity once and serves TLS 1.3 with it:
//
//	hub, err := identity.LoadOrCreateHub(dataDir)
//	ln := tls.NewListener(tcp, identity.HubConfig(hub))
//	// after the handshake of each session:
//	fp, ok := identity.PeerFingerprint(conn.ConnectionState()) // the client's identity, if it has one
//
// A client checks the hub's key against its pin, against a join link or,
// on first contact when the user allows it, pins what it sees:
//
//	pins := identity.NewPinStore(filepath.Join(appDir, "pins"))
//	device, err := identity.LoadOrCreateDevice(appDir)
//	conn, err := identity.DialHub(ctx, nil, addr, device, pins, identity.TrustOnFirstUse)
//	var changed *identity.KeyChangedError
//	if errors.As(err, &changed) { /* warn, naming changed.Pinned.ShortCode() and changed.Presented.ShortCode() */ }
//
// A client given a join link accepts only the key it names:
//
//	link, err := identity.ParseJoinLink(s)
//	conn, err := tls.Dial("tcp", link.Addr(), identity.ClientConfig(device, identity.ExpectFingerprint(link.Fingerprint)))
//	// then pins.Pin(link.Addr(), link.Fingerprint)
//
// Certificates carry no meaning beyond their key: a fingerprint is taken
// over the certificate's SubjectPublicKeyInfo, so a certificate made again
// from the same key has the same fingerprint, and neither end checks names,
// dates or issuers. Keys are kept in PEM-encoded PKCS #8 files of mode 0600
// in folders of mode 0700, made once and never replaced: a key file that
// cannot be read is an error naming its path, never a reason to make a new
// key.
//
// Everything here uses crypto/... of the standard library; no secret
// appears in an error.
package identity
