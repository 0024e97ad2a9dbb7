package identity

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Names of the key files in their folders.
const (
	HubKeyFile    = "hub-key.pem"
	DeviceKeyFile = "device-key.pem"
)

// Errors that a [KeyFileError] carries, for errors.Is.
var (
	// ErrBadKeyFile: the file is not one PEM "PRIVATE KEY" block holding a
	// PKCS #8 key of the kind expected.
	ErrBadKeyFile = errors.New("not a PEM-encoded PKCS #8 private key of the expected kind")
	// ErrFileExposed: a key or pin file may be read or written by others than
	// its owner (outside Windows, whose modes say nothing of that).
	ErrFileExposed = errors.New("may be read or written by others than its owner; make it mode 0600")
)

// A KeyFileError reports a key file that cannot be used, and where it is.
// A new key is never made in its place: the hub's or device's identity
// would change without anyone deciding so.
type KeyFileError struct {
	Path string
	Err  error // ErrBadKeyFile, ErrFileExposed or the file system's error
}

func (e *KeyFileError) Error() string { return "identity: key file " + e.Path + ": " + e.Err.Error() }
func (e *KeyFileError) Unwrap() error { return e.Err }

// Identity is a private key and a self-signed certificate carrying it.
type Identity struct {
	cert tls.Certificate
	fp   Fingerprint
}

// Fingerprint returns the fingerprint of the identity's key.
func (id *Identity) Fingerprint() Fingerprint { return id.fp }

// Certificate returns the certificate and key for a tls.Config.
func (id *Identity) Certificate() tls.Certificate { return id.cert }

// keyKind is what a key file holds.
type keyKind struct {
	name        string // the certificate's subject, with the short code
	generate    func() (crypto.Signer, error)
	matches     func(crypto.PrivateKey) bool
	description string // the kind of key, for errors
}

// A hub's key is ECDSA P-256, which every TLS 1.3 stack a client might be
// built on verifies; natter/1 leaves the hub's kind open.
var hubKey = keyKind{
	name:     "Natter hub",
	generate: func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) },
	matches: func(k crypto.PrivateKey) bool {
		e, ok := k.(*ecdsa.PrivateKey)
		return ok && e.Curve == elliptic.P256()
	},
	description: "ECDSA P-256",
}

// A device's key is Ed25519, as natter/1 says.
var deviceKey = keyKind{
	name: "Natter device",
	generate: func() (crypto.Signer, error) {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	},
	matches: func(k crypto.PrivateKey) bool {
		_, ok := k.(ed25519.PrivateKey)
		return ok
	},
	description: "Ed25519",
}

// LoadOrCreateHub returns the hub's identity, whose ECDSA P-256 key is kept
// in dir/hub-key.pem. On first use it makes dir (mode 0700) and the key
// (mode 0600); ever after it reads that key.
func LoadOrCreateHub(dir string) (*Identity, error) {
	return loadOrCreate(dir, HubKeyFile, hubKey)
}

// LoadOrCreateDevice returns the device's identity, whose Ed25519 key is
// kept in dir/device-key.pem, made on first use as [LoadOrCreateHub] does.
func LoadOrCreateDevice(dir string) (*Identity, error) {
	return loadOrCreate(dir, DeviceKeyFile, deviceKey)
}

func loadOrCreate(dir, name string, kind keyKind) (*Identity, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("identity: key folder: %w", err)
	}
	path := filepath.Join(dir, name)
	key, err := readKey(path, kind)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKey(path, kind)
	}
	if err != nil {
		return nil, err
	}
	return newIdentity(key, kind.name)
}

// readKey reads the key kept at path.
func readKey(path string, kind keyKind) (crypto.Signer, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the KeyFileError names the path
		}
		return nil, &KeyFileError{Path: path, Err: err} // fs.ErrNotExist makes a new key
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, &KeyFileError{Path: path, Err: err}
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, &KeyFileError{Path: path, Err: ErrFileExposed}
	}
	if !info.Mode().IsRegular() || info.Size() > 64<<10 {
		return nil, &KeyFileError{Path: path, Err: ErrBadKeyFile}
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, &KeyFileError{Path: path, Err: err}
	}
	key, err := parseKey(buf.Bytes(), kind)
	if err != nil {
		return nil, &KeyFileError{Path: path, Err: err}
	}
	return key, nil
}

// parseKey decodes one PEM "PRIVATE KEY" block holding a PKCS #8 key of
// the given kind.
func parseKey(data []byte, kind keyKind) (crypto.Signer, error) {
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" || len(bytes.TrimSpace(rest)) != 0 {
		return nil, ErrBadKeyFile
	}
	// The parser's own error is not passed on: it could quote the key.
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil || !kind.matches(key) {
		return nil, ErrBadKeyFile
	}
	return key.(crypto.Signer), nil
}

// NewHubKey makes a hub key and returns it as LoadOrCreateHub keeps it in
// its file, for a hub that keeps its key elsewhere, such as its database
// (natter/1 section 10 lists the key among what the database holds).
func NewHubKey() ([]byte, error) {
	key, err := hubKey.generate()
	if err != nil {
		return nil, fmt.Errorf("identity: making a %s key: %w", hubKey.description, err)
	}
	return encodeKey(key, hubKey)
}

// HubFromPEM returns the hub identity whose key is data, as NewHubKey
// makes it or a hub-key.pem file holds it. An unusable key is
// ErrBadKeyFile.
func HubFromPEM(data []byte) (*Identity, error) {
	key, err := parseKey(data, hubKey)
	if err != nil {
		return nil, fmt.Errorf("identity: hub key: %w", err)
	}
	return newIdentity(key, hubKey.name)
}

func encodeKey(key crypto.Signer, kind keyKind) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("identity: encoding a %s key: %w", kind.description, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// createKey makes a key and keeps it at path, unless another process got
// there first, in which case that key is read. The file appears whole or
// not at all: it is written under a temporary name, synced, and linked to
// path, which fails if path exists.
func createKey(path string, kind keyKind) (crypto.Signer, error) {
	key, err := kind.generate()
	if err != nil {
		return nil, fmt.Errorf("identity: making a %s key: %w", kind.description, err)
	}
	data, err := encodeKey(key, kind)
	if err != nil {
		return nil, err
	}
	if err := writeNew(path, data); errors.Is(err, fs.ErrExist) {
		return readKey(path, kind)
	} else if err != nil {
		return nil, &KeyFileError{Path: path, Err: err}
	}
	return key, nil
}

// writeNew writes data to a new file of mode 0600 at path, failing with
// fs.ErrExist if there is one already.
func writeNew(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// writeTemp writes data, synced, to a new file of mode 0600 beside path and
// returns its name.
func writeTemp(path string, data []byte) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return "", err
	}
	err = tmp.Chmod(0o600)
	if runtime.GOOS == "windows" {
		err = nil // modes say little there; CreateTemp made it private to its owner
	}
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}

// syncDir makes a new name in dir durable where the system allows it.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Certificates never expire: RFC 5280 section 4.1.2.5 gives this date for
// "no well-defined expiration date". Natter checks keys, not dates.
var (
	certNotBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	certNotAfter  = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// newIdentity makes the self-signed certificate carrying key. The
// certificate depends only on the key (and, for ECDSA, a random
// signature), so it is made afresh at every start instead of being kept.
func newIdentity(key crypto.Signer, name string) (*Identity, error) {
	spki, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("identity: encoding the public key: %w", err)
	}
	fp := Fingerprint(sha256.Sum256(spki))
	serial := new(big.Int).SetBytes(fp[:16]) // positive, unique per key
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name + " " + fp.ShortCode()},
		NotBefore:             certNotBefore,
		NotAfter:              certNotAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("identity: making the certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("identity: reading back the certificate: %w", err)
	}
	return &Identity{
		cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		fp:   FingerprintOf(leaf),
	}, nil
}
