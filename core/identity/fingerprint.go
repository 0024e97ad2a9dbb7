package identity

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
)

// FingerprintLen is the length of a fingerprint's text form: 256 bits in
// unpadded base32.
const FingerprintLen = 52

// fingerprintEncoding is RFC 4648 base32, upper case, without padding.
var fingerprintEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Fingerprint is the SHA-256 of a certificate's SubjectPublicKeyInfo: what
// names a hub's or a device's key. Its text form ([Fingerprint.String]) is
// 52 characters of unpadded upper-case base32 (RFC 4648); its short code
// ([Fingerprint.ShortCode]) is for people to compare.
type Fingerprint [sha256.Size]byte

// FingerprintOf returns the fingerprint of cert's key.
func FingerprintOf(cert *x509.Certificate) Fingerprint {
	return sha256.Sum256(cert.RawSubjectPublicKeyInfo)
}

// String returns the 52-character text form, as CAPS fp=, the mDNS TXT
// record and join links carry it.
func (f Fingerprint) String() string {
	return fingerprintEncoding.EncodeToString(f[:])
}

// ShortCode returns the first 16 characters of the text form in four
// groups, ABCD-EFGH-IJKL-MNOP.
func (f Fingerprint) ShortCode() string {
	s := f.String()
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// IsZero reports whether f is the zero value, which names no key.
func (f Fingerprint) IsZero() bool { return f == Fingerprint{} }

// ErrBadFingerprint matches, with errors.Is, every error of
// [ParseFingerprint].
var ErrBadFingerprint = errors.New("identity: bad fingerprint")

// ParseFingerprint parses the text form of a fingerprint: exactly 52
// characters of upper-case base32 (A–Z, 2–7), without padding, in the one
// spelling String gives (the last character carries one bit; the four
// after it must be zero).
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	bad := func(format string, args ...any) (Fingerprint, error) {
		return Fingerprint{}, fmt.Errorf("%w %s: %s", ErrBadFingerprint, quote(s), fmt.Sprintf(format, args...))
	}
	if len(s) != FingerprintLen {
		return bad("%d characters long, want %d", len(s), FingerprintLen)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '2' <= c && c <= '7') {
			return bad("character %d is %q, want upper-case base32 (A-Z, 2-7)", i+1, c)
		}
	}
	n, err := fingerprintEncoding.Decode(f[:], []byte(s))
	if err != nil || n != len(f) {
		return bad("not base32")
	}
	if f.String() != s {
		return bad("last character %q has bits set past the 256 of a SHA-256", s[len(s)-1])
	}
	return f, nil
}

// quote quotes a piece of input for an error, cut to its first 64 bytes.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
