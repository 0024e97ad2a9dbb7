package discovery

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// This file encodes and decodes the few DNS messages multicast DNS needs.
// DNS-SD instance names are free text (RFC 6763 section 4.3) and may contain
// dots, which golang.org/x/net/dns/dnsmessage cannot carry in a label, so
// names are kept here as lists of labels.

const (
	typeA    = 1
	typePTR  = 12
	typeTXT  = 16
	typeAAAA = 28
	typeSRV  = 33
	typeANY  = 255

	classIN = 1
	// classTopBit is the unicast-response bit in a question and the
	// cache-flush bit in a record (RFC 6762 sections 5.4 and 10.2).
	classTopBit = 0x8000

	flagResponse      = 0x8000
	flagAuthoritative = 0x0400

	maxDNSMessage = 9000 // RFC 6762 section 17
	maxNameWire   = 255
	maxLabel      = 63
)

// dnsName is a domain name as its labels, root excluded.
type dnsName []string

func parseDotted(s string) dnsName {
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return nil
	}
	return strings.Split(s, ".")
}

// String shows the name in presentation form, escaping dots and
// backslashes inside labels.
func (n dnsName) String() string {
	var b strings.Builder
	for _, l := range n {
		l = strings.ReplaceAll(l, `\`, `\\`)
		b.WriteString(strings.ReplaceAll(l, ".", `\.`))
		b.WriteByte('.')
	}
	if b.Len() == 0 {
		return "."
	}
	return b.String()
}

// equal compares names the DNS way: ASCII letters case-insensitively, any
// other byte exactly.
func (n dnsName) equal(m dnsName) bool {
	if len(n) != len(m) {
		return false
	}
	for i := range n {
		if !asciiEqualFold(n[i], m[i]) {
			return false
		}
	}
	return true
}

// hasSuffix reports whether n ends with the labels of m.
func (n dnsName) hasSuffix(m dnsName) bool {
	return len(n) >= len(m) && n[len(n)-len(m):].equal(m)
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// key is a case-folded form of the name, for maps.
func (n dnsName) key() string {
	var b strings.Builder
	for _, l := range n {
		for i := 0; i < len(l); i++ {
			b.WriteByte(lowerASCII(l[i]))
		}
		b.WriteByte(0)
	}
	return b.String()
}

type dnsQuestion struct {
	Name  dnsName
	Type  uint16
	Class uint16 // with the unicast-response bit
}

type dnsRecord struct {
	Name  dnsName
	Type  uint16
	Class uint16 // with the cache-flush bit
	TTL   uint32

	Target   dnsName    // PTR, SRV
	Priority uint16     // SRV
	Weight   uint16     // SRV
	Port     uint16     // SRV
	Text     []string   // TXT
	Addr     netip.Addr // A, AAAA
	Data     []byte     // any other type, undecoded
}

type dnsMessage struct {
	ID          uint16
	Flags       uint16
	Questions   []dnsQuestion
	Answers     []dnsRecord
	Authorities []dnsRecord
	Additionals []dnsRecord
}

func (m *dnsMessage) isResponse() bool { return m.Flags&flagResponse != 0 }

// records returns every record of the message, answers first.
func (m *dnsMessage) records() []dnsRecord {
	out := make([]dnsRecord, 0, len(m.Answers)+len(m.Authorities)+len(m.Additionals))
	out = append(out, m.Answers...)
	out = append(out, m.Authorities...)
	return append(out, m.Additionals...)
}

// pack encodes the message with name compression.
func (m *dnsMessage) pack() ([]byte, error) {
	for _, sec := range [][]dnsRecord{m.Answers, m.Authorities, m.Additionals} {
		if len(sec) > 0xffff {
			return nil, errors.New("dns: too many records")
		}
	}
	b := make([]byte, 12, 512)
	binary.BigEndian.PutUint16(b[0:], m.ID)
	binary.BigEndian.PutUint16(b[2:], m.Flags)
	binary.BigEndian.PutUint16(b[4:], uint16(len(m.Questions)))
	binary.BigEndian.PutUint16(b[6:], uint16(len(m.Answers)))
	binary.BigEndian.PutUint16(b[8:], uint16(len(m.Authorities)))
	binary.BigEndian.PutUint16(b[10:], uint16(len(m.Additionals)))
	comp := map[string]int{}
	var err error
	for _, q := range m.Questions {
		if b, err = appendName(b, q.Name, comp); err != nil {
			return nil, err
		}
		b = binary.BigEndian.AppendUint16(b, q.Type)
		b = binary.BigEndian.AppendUint16(b, q.Class)
	}
	for _, sec := range [][]dnsRecord{m.Answers, m.Authorities, m.Additionals} {
		for i := range sec {
			if b, err = appendRecord(b, &sec[i], comp); err != nil {
				return nil, err
			}
		}
	}
	if len(b) > maxDNSMessage {
		return nil, fmt.Errorf("dns: message of %d bytes over %d", len(b), maxDNSMessage)
	}
	return b, nil
}

func appendName(b []byte, n dnsName, comp map[string]int) ([]byte, error) {
	wire := 1
	for _, l := range n {
		if len(l) == 0 || len(l) > maxLabel {
			return nil, fmt.Errorf("dns: label %q of name %s: length %d not in 1-%d", l, n, len(l), maxLabel)
		}
		wire += 1 + len(l)
	}
	if wire > maxNameWire {
		return nil, fmt.Errorf("dns: name %s is %d bytes, over %d", n, wire, maxNameWire)
	}
	for i := range n {
		k := n[i:].key()
		if off, ok := comp[k]; ok {
			return binary.BigEndian.AppendUint16(b, uint16(0xC000|off)), nil
		}
		if len(b) < 0x3fff {
			comp[k] = len(b)
		}
		b = append(b, byte(len(n[i])))
		b = append(b, n[i]...)
	}
	return append(b, 0), nil
}

func appendRecord(b []byte, r *dnsRecord, comp map[string]int) ([]byte, error) {
	var err error
	if b, err = appendName(b, r.Name, comp); err != nil {
		return nil, err
	}
	b = binary.BigEndian.AppendUint16(b, r.Type)
	b = binary.BigEndian.AppendUint16(b, r.Class)
	b = binary.BigEndian.AppendUint32(b, r.TTL)
	lenAt := len(b)
	b = append(b, 0, 0)
	switch r.Type {
	case typePTR:
		b, err = appendName(b, r.Target, comp)
	case typeSRV:
		b = binary.BigEndian.AppendUint16(b, r.Priority)
		b = binary.BigEndian.AppendUint16(b, r.Weight)
		b = binary.BigEndian.AppendUint16(b, r.Port)
		// RFC 6762 section 18.14 allows compressing the SRV target.
		b, err = appendName(b, r.Target, comp)
	case typeTXT:
		if len(r.Text) == 0 {
			b = append(b, 0) // RFC 6763 section 6.1: an empty TXT has one empty string
		}
		for _, s := range r.Text {
			if len(s) > 255 {
				return nil, fmt.Errorf("dns: TXT string of %d bytes over 255", len(s))
			}
			b = append(b, byte(len(s)))
			b = append(b, s...)
		}
	case typeA:
		if !r.Addr.Is4() {
			return nil, fmt.Errorf("dns: A record with address %v", r.Addr)
		}
		a := r.Addr.As4()
		b = append(b, a[:]...)
	case typeAAAA:
		if !r.Addr.Is6() {
			return nil, fmt.Errorf("dns: AAAA record with address %v", r.Addr)
		}
		a := r.Addr.As16()
		b = append(b, a[:]...)
	default:
		b = append(b, r.Data...)
	}
	if err != nil {
		return nil, err
	}
	rdlen := len(b) - lenAt - 2
	if rdlen > 0xffff {
		return nil, errors.New("dns: record data too long")
	}
	binary.BigEndian.PutUint16(b[lenAt:], uint16(rdlen))
	return b, nil
}

// parseDNS decodes a message. A record of a known type whose data does not
// decode makes the whole message an error: a responder that sends one is
// not to be trusted for the rest either.
func parseDNS(msg []byte) (*dnsMessage, error) {
	if len(msg) < 12 {
		return nil, fmt.Errorf("dns: message of %d bytes, shorter than a header", len(msg))
	}
	m := &dnsMessage{
		ID:    binary.BigEndian.Uint16(msg[0:]),
		Flags: binary.BigEndian.Uint16(msg[2:]),
	}
	qd := int(binary.BigEndian.Uint16(msg[4:]))
	counts := [3]int{
		int(binary.BigEndian.Uint16(msg[6:])),
		int(binary.BigEndian.Uint16(msg[8:])),
		int(binary.BigEndian.Uint16(msg[10:])),
	}
	// Every question takes at least 5 bytes and every record 11: counts
	// beyond that are lies, refused before allocating for them.
	if qd*5+(counts[0]+counts[1]+counts[2])*11 > len(msg)-12 {
		return nil, errors.New("dns: section counts exceed the message length")
	}
	off := 12
	var err error
	for i := 0; i < qd; i++ {
		var q dnsQuestion
		if q.Name, off, err = readName(msg, off); err != nil {
			return nil, fmt.Errorf("dns: question %d: %w", i, err)
		}
		if off+4 > len(msg) {
			return nil, fmt.Errorf("dns: question %d: truncated", i)
		}
		q.Type = binary.BigEndian.Uint16(msg[off:])
		q.Class = binary.BigEndian.Uint16(msg[off+2:])
		off += 4
		m.Questions = append(m.Questions, q)
	}
	secs := [3]*[]dnsRecord{&m.Answers, &m.Authorities, &m.Additionals}
	for s, n := range counts {
		for i := 0; i < n; i++ {
			var r dnsRecord
			if r, off, err = readRecord(msg, off); err != nil {
				return nil, fmt.Errorf("dns: record %d of section %d: %w", i, s+1, err)
			}
			*secs[s] = append(*secs[s], r)
		}
	}
	return m, nil
}

func readName(msg []byte, off int) (dnsName, int, error) {
	var n dnsName
	end := -1 // where the name ends in the message, once a pointer was followed
	wire := 0
	for jumps := 0; ; {
		if off >= len(msg) {
			return nil, 0, errors.New("name runs past the end")
		}
		c := int(msg[off])
		switch c & 0xC0 {
		case 0x00:
			if c == 0 {
				if end < 0 {
					end = off + 1
				}
				return n, end, nil
			}
			if off+1+c > len(msg) {
				return nil, 0, errors.New("label runs past the end")
			}
			wire += 1 + c
			if wire+1 > maxNameWire {
				return nil, 0, errors.New("name longer than 255 bytes")
			}
			n = append(n, string(msg[off+1:off+1+c]))
			off += 1 + c
		case 0xC0:
			if off+2 > len(msg) {
				return nil, 0, errors.New("pointer runs past the end")
			}
			ptr := int(binary.BigEndian.Uint16(msg[off:]) & 0x3fff)
			// Pointers must go backwards, so they cannot loop.
			if ptr >= off {
				return nil, 0, fmt.Errorf("pointer at %d goes forward to %d", off, ptr)
			}
			if end < 0 {
				end = off + 2
			}
			if jumps++; jumps > 64 {
				return nil, 0, errors.New("too many pointers")
			}
			off = ptr
		default:
			return nil, 0, fmt.Errorf("reserved label type %#x", c&0xC0)
		}
	}
}

func readRecord(msg []byte, off int) (dnsRecord, int, error) {
	var r dnsRecord
	var err error
	if r.Name, off, err = readName(msg, off); err != nil {
		return r, 0, err
	}
	if off+10 > len(msg) {
		return r, 0, errors.New("record header truncated")
	}
	r.Type = binary.BigEndian.Uint16(msg[off:])
	r.Class = binary.BigEndian.Uint16(msg[off+2:])
	r.TTL = binary.BigEndian.Uint32(msg[off+4:])
	rdlen := int(binary.BigEndian.Uint16(msg[off+8:]))
	off += 10
	end := off + rdlen
	if end > len(msg) {
		return r, 0, errors.New("record data runs past the end")
	}
	rdata := msg[off:end]
	switch r.Type {
	case typePTR:
		var next int
		if r.Target, next, err = readName(msg, off); err != nil {
			return r, 0, fmt.Errorf("PTR target: %w", err)
		}
		if next != end {
			return r, 0, errors.New("PTR data length mismatch")
		}
	case typeSRV:
		if rdlen < 7 {
			return r, 0, errors.New("SRV data too short")
		}
		r.Priority = binary.BigEndian.Uint16(rdata[0:])
		r.Weight = binary.BigEndian.Uint16(rdata[2:])
		r.Port = binary.BigEndian.Uint16(rdata[4:])
		var next int
		if r.Target, next, err = readName(msg, off+6); err != nil {
			return r, 0, fmt.Errorf("SRV target: %w", err)
		}
		if next != end {
			return r, 0, errors.New("SRV data length mismatch")
		}
	case typeTXT:
		for i := 0; i < len(rdata); {
			l := int(rdata[i])
			if i+1+l > len(rdata) {
				return r, 0, errors.New("TXT string runs past the record")
			}
			r.Text = append(r.Text, string(rdata[i+1:i+1+l]))
			i += 1 + l
		}
	case typeA:
		if rdlen != 4 {
			return r, 0, fmt.Errorf("address record of type A: %d bytes, want 4", rdlen)
		}
		r.Addr = netip.AddrFrom4([4]byte(rdata))
	case typeAAAA:
		if rdlen != 16 {
			return r, 0, fmt.Errorf("address record of type AAAA: %d bytes, want 16", rdlen)
		}
		r.Addr = netip.AddrFrom16([16]byte(rdata))
	default:
		r.Data = append([]byte(nil), rdata...)
	}
	return r, end, nil
}

// txtValue returns the value of key in TXT strings of the form key=value
// (RFC 6763 section 6.4: keys are case-insensitive, the first one counts).
func txtValue(text []string, key string) (string, bool) {
	for _, s := range text {
		k, v, _ := strings.Cut(s, "=")
		if asciiEqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}
