package discovery

import (
	"net/netip"
	"strconv"
	"strings"
)

// ServiceType is the DNS-SD service type of a Natter hub.
const ServiceType = "_natter._tcp"

// ProtoTXT is the TXT entry naming the protocol a hub speaks.
const ProtoTXT = "proto=natter/1"

// recordTTL is the lifetime of every record the announcer sends. RFC 6762
// suggests 75 minutes for records without host names; a hub that vanishes
// without saying goodbye should not linger that long in other browsers.
const recordTTL = 120

// legacyTTL caps TTLs in answers to one-shot queries (RFC 6762 section 6.7).
const legacyTTL = 10

var (
	serviceName      = dnsName{"_natter", "_tcp", "local"}
	serviceEnumeName = dnsName{"_services", "_dns-sd", "_udp", "local"}
)

// service holds the names and data a hub advertises.
type service struct {
	instance dnsName // <name>._natter._tcp.local.
	host     dnsName // <host>.local.
	port     uint16
	txt      []string
}

func newService(info Info, hostLabel string) service {
	return service{
		instance: append(dnsName{truncateName(info.Name, MaxNameLen)}, serviceName...),
		host:     dnsName{hostLabel, "local"},
		port:     uint16(info.TCPPort),
		txt:      serviceTXT(info, info.userCount()),
	}
}

// serviceTXT returns the TXT strings of the hub info describes with users
// online; the keys of TLS, tls= and fp=, only when it serves TLS.
func serviceTXT(info Info, users int) []string {
	txt := []string{ProtoTXT, "udp=" + strconv.Itoa(info.UDPPort), "users=" + strconv.Itoa(users)}
	if info.TLSPort != 0 {
		txt = append(txt, "tls="+strconv.Itoa(info.TLSPort))
	}
	if info.Fingerprint != "" {
		txt = append(txt, "fp="+info.Fingerprint)
	}
	return txt
}

// hostLabel makes a host name label out of free text: lower-case letters,
// digits and hyphens, at most 63 bytes.
func hostLabel(parts ...string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.Join(parts, "-")) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	s := b.String()
	if len(s) > maxLabel {
		s = strings.TrimRight(s[:maxLabel], "-")
	}
	if s == "" {
		return "natter-hub"
	}
	return s
}

func (s service) ptr(ttl uint32) dnsRecord {
	return dnsRecord{Name: serviceName, Type: typePTR, Class: classIN, TTL: ttl, Target: s.instance}
}

func (s service) srv(ttl uint32, flush uint16) dnsRecord {
	return dnsRecord{Name: s.instance, Type: typeSRV, Class: classIN | flush, TTL: ttl, Target: s.host, Port: s.port}
}

func (s service) txtRecord(ttl uint32, flush uint16) dnsRecord {
	return dnsRecord{Name: s.instance, Type: typeTXT, Class: classIN | flush, TTL: ttl, Text: s.txt}
}

func (s service) addrRecords(addrs []netip.Addr, ttl uint32, flush uint16) []dnsRecord {
	var out []dnsRecord
	for _, a := range addrs {
		t := uint16(typeA)
		if !a.Is4() {
			t = typeAAAA
		}
		out = append(out, dnsRecord{Name: s.host, Type: t, Class: classIN | flush, TTL: ttl, Addr: a.WithZone("")})
	}
	return out
}

// announcement is the unsolicited response that tells a link about the hub,
// or with ttl 0 that it is gone.
func (s service) announcement(addrs []netip.Addr, ttl uint32) *dnsMessage {
	m := &dnsMessage{Flags: flagResponse | flagAuthoritative}
	m.Answers = append(m.Answers, s.ptr(ttl), s.srv(ttl, classTopBit), s.txtRecord(ttl, classTopBit))
	m.Answers = append(m.Answers, s.addrRecords(addrs, ttl, classTopBit)...)
	return m
}

// answer returns the response to query q received on an interface with
// addrs, or nil when nothing in q concerns the hub. legacy marks a query
// from a port other than the mDNS port: it gets a unicast answer that
// repeats its ID and questions, with short TTLs and no cache-flush bits
// (RFC 6762 section 6.7).
func (s service) answer(q *dnsMessage, addrs []netip.Addr, legacy bool) *dnsMessage {
	if q.isResponse() || q.Flags&0x7800 != 0 { // opcode must be 0 (QUERY)
		return nil
	}
	ttl, flush := uint32(recordTTL), uint16(classTopBit)
	if legacy {
		ttl, flush = legacyTTL, 0
	}
	var ans, extra []dnsRecord
	seen := map[string]bool{}
	add := func(dst *[]dnsRecord, rs ...dnsRecord) {
		for _, r := range rs {
			k := r.Name.key() + "/" + strconv.Itoa(int(r.Type)) + "/" + r.Addr.String()
			if seen[k] {
				continue
			}
			seen[k] = true
			*dst = append(*dst, r)
		}
	}
	wantAddrs := func(t uint16) []netip.Addr {
		var out []netip.Addr
		for _, a := range addrs {
			if t == typeANY || (t == typeA) == a.Is4() {
				out = append(out, a)
			}
		}
		return out
	}
	for _, qu := range q.Questions {
		if qu.Class&^classTopBit != classIN && qu.Class&^classTopBit != typeANY {
			continue
		}
		switch {
		case qu.Name.equal(serviceName) && (qu.Type == typePTR || qu.Type == typeANY):
			if !s.knownAnswer(q) {
				add(&ans, s.ptr(ttl))
				add(&extra, s.srv(ttl, flush), s.txtRecord(ttl, flush))
				add(&extra, s.addrRecords(addrs, ttl, flush)...)
			}
		case qu.Name.equal(serviceEnumeName) && (qu.Type == typePTR || qu.Type == typeANY):
			add(&ans, dnsRecord{Name: serviceEnumeName, Type: typePTR, Class: classIN, TTL: ttl, Target: serviceName})
		case qu.Name.equal(s.instance):
			if qu.Type == typeSRV || qu.Type == typeANY {
				add(&ans, s.srv(ttl, flush))
				add(&extra, s.addrRecords(addrs, ttl, flush)...)
			}
			if qu.Type == typeTXT || qu.Type == typeANY {
				add(&ans, s.txtRecord(ttl, flush))
			}
		case qu.Name.equal(s.host) && (qu.Type == typeA || qu.Type == typeAAAA || qu.Type == typeANY):
			add(&ans, s.addrRecords(wantAddrs(qu.Type), ttl, flush)...)
		}
	}
	if len(ans) == 0 {
		return nil
	}
	// Records already answered are not repeated as additional ones.
	var more []dnsRecord
	for _, r := range extra {
		dup := false
		for _, a := range ans {
			if a.Name.equal(r.Name) && a.Type == r.Type && a.Addr == r.Addr {
				dup = true
			}
		}
		if !dup {
			more = append(more, r)
		}
	}
	m := &dnsMessage{Flags: flagResponse | flagAuthoritative, Answers: ans, Additionals: more}
	if legacy {
		m.ID = q.ID
		m.Questions = q.Questions
	}
	return m
}

// knownAnswer reports whether the querier already holds the hub's PTR record
// with at least half its lifetime left (RFC 6762 section 7.1).
func (s service) knownAnswer(q *dnsMessage) bool {
	for _, r := range q.Answers {
		if r.Type == typePTR && r.Name.equal(serviceName) && r.Target.equal(s.instance) && r.TTL >= recordTTL/2 {
			return true
		}
	}
	return false
}
