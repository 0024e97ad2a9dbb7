package identity

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// FirstContact says what a client does with a hub it has no pin for.
type FirstContact int

const (
	// RequirePin refuses a hub without a pin, with ErrNotPinned.
	RequirePin FirstContact = iota
	// TrustOnFirstUse pins the key the hub presents on first contact, the
	// way natter/1 has a client connect to a hub it has not met (the user
	// then sees its short code).
	TrustOnFirstUse
)

// ErrNotPinned is the error of a check with RequirePin for a hub that has
// no pin.
var ErrNotPinned = errors.New("identity: no key is pinned for this hub")

// PinStore keeps, in one file, the fingerprint a client pinned for each
// hub address (host:port of the hub's TLS port). Every call reads the file
// and every change rewrites it whole, atomically (a new file of mode 0600
// renamed over the old one, in a folder of mode 0700), so that two
// programs sharing the file see each other's pins. A PinStore is safe for
// concurrent use.
type PinStore struct {
	path string
	mu   sync.Mutex
}

// NewPinStore returns the pin store kept in the file at path; the file and
// its folder are made on the first pin.
func NewPinStore(path string) *PinStore { return &PinStore{path: path} }

// Lookup returns the fingerprint pinned for addr, and false when none is.
func (s *PinStore) Lookup(addr string) (Fingerprint, bool, error) {
	key, err := canonicalAddr(addr)
	if err != nil {
		return Fingerprint{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pins, err := s.read()
	if err != nil {
		return Fingerprint{}, false, err
	}
	fp, ok := pins[key]
	return fp, ok, nil
}

// Pin records fp for addr on first contact. It does nothing when fp is
// pinned already, and fails with a *KeyChangedError when another key is:
// only Replace changes a pin.
func (s *PinStore) Pin(addr string, fp Fingerprint) error {
	return s.update(addr, func(pins map[string]Fingerprint, key string) error {
		if old, ok := pins[key]; ok && old != fp {
			return &KeyChangedError{Addr: key, Pinned: old, Presented: fp}
		}
		pins[key] = fp
		return nil
	})
}

// Replace pins fp for addr in place of whatever was pinned: the user's
// explicit "trust the new key".
func (s *PinStore) Replace(addr string, fp Fingerprint) error {
	return s.update(addr, func(pins map[string]Fingerprint, key string) error {
		pins[key] = fp
		return nil
	})
}

// Forget removes the pin of addr, if any.
func (s *PinStore) Forget(addr string) error {
	return s.update(addr, func(pins map[string]Fingerprint, key string) error {
		delete(pins, key)
		return nil
	})
}

// Check returns the check of a client connecting to addr: the hub's key
// must be the one pinned for addr (else a *KeyChangedError naming both).
// Without a pin, RequirePin refuses with ErrNotPinned and TrustOnFirstUse
// accepts the key without pinning it: the check runs before the hub has
// proved that it holds the key, so the caller pins it with Pin once the
// handshake has completed, as [DialHub] does. A failed handshake thus
// never leaves a pin behind.
func (s *PinStore) Check(addr string, first FirstContact) HubCheck {
	return func(got Fingerprint) error {
		want, ok, err := s.Lookup(addr)
		switch {
		case err != nil:
			return err
		case ok && want != got:
			key, _ := canonicalAddr(addr)
			return &KeyChangedError{Addr: key, Pinned: want, Presented: got}
		case ok || first == TrustOnFirstUse:
			return nil
		}
		return fmt.Errorf("%w (%s)", ErrNotPinned, addr)
	}
}

func (s *PinStore) update(addr string, change func(pins map[string]Fingerprint, key string) error) error {
	key, err := canonicalAddr(addr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pins, err := s.read()
	if err != nil {
		return err
	}
	if err := change(pins, key); err != nil {
		return err
	}
	return s.write(pins)
}

// read parses the pin file; a missing file holds no pins.
func (s *PinStore) read() (map[string]Fingerprint, error) {
	pins := map[string]Fingerprint{}
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return pins, nil
	}
	if err != nil {
		return nil, fmt.Errorf("identity: pin file: %w", err)
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("identity: pin file: %w", err)
	} else if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("identity: pin file %s: %w", s.path, ErrFileExposed)
	}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("identity: pin file %s, line %d: %s", s.path, n, fmt.Sprintf(format, args...))
		}
		addr, fpText, ok := strings.Cut(line, " ")
		if !ok {
			return nil, bad("want <host:port> <fingerprint>")
		}
		key, err := canonicalAddr(addr)
		if err != nil || key != addr {
			return nil, bad("address %s is not in host:port form", quote(addr))
		}
		fp, err := ParseFingerprint(fpText)
		if err != nil {
			return nil, bad("%v", err)
		}
		if _, dup := pins[key]; dup {
			return nil, bad("second pin for %s", key)
		}
		pins[key] = fp
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("identity: pin file %s: %w", s.path, err)
	}
	return pins, nil
}

// write replaces the pin file with pins, atomically.
func (s *PinStore) write(pins map[string]Fingerprint) error {
	addrs := make([]string, 0, len(pins))
	for a := range pins {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	var b bytes.Buffer
	b.WriteString("# Natter: the key pinned for each hub, as <host:port> <fingerprint>\n")
	for _, a := range addrs {
		fmt.Fprintf(&b, "%s %s\n", a, pins[a])
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("identity: pin folder: %w", err)
	}
	if err := replaceFile(s.path, b.Bytes()); err != nil {
		return fmt.Errorf("identity: writing pin file %s: %w", s.path, err)
	}
	return nil
}

// replaceFile writes data to a temporary file of mode 0600 beside path,
// synced, and renames it over path.
func replaceFile(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// canonicalAddr returns addr as host:port with the host in lower case, as
// pins are keyed.
func canonicalAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("identity: hub address %s: %w", quote(addr), err)
	}
	if err := checkHost(host); err != nil {
		return "", fmt.Errorf("identity: hub address %s: %w", quote(addr), err)
	}
	if _, err := parsePort(port); err != nil {
		return "", fmt.Errorf("identity: hub address %s: %w", quote(addr), err)
	}
	return net.JoinHostPort(strings.ToLower(host), port), nil
}
