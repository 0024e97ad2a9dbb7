package discovery

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Probe wire format, version 1 (all integers big-endian):
//
//	probe:  "NATTER?" | version (1 byte) | nonce (8 bytes) | zero padding
//	answer: "NATTER!" | version (1 byte) | nonce (8 bytes) |
//	        TCP port (2) | UDP port (2) | users (4) | name length (1) | name
//
// A probe is ProbeMinLen to ProbeMaxLen bytes long, its padding all zero. An
// answer is at most MaxAnswerLen bytes, which is less than ProbeMinLen: a hub
// never sends more bytes than it received, so it cannot be used to amplify
// traffic aimed at a forged source address.
const (
	// ProbeVersion is the probe format this package speaks.
	ProbeVersion = 1
	// DefaultProbePort is where hubs listen for probes: the hub's UDP port.
	DefaultProbePort = 50000
	// ProbeMinLen is the shortest probe a hub answers, and the length of
	// the probes this package sends.
	ProbeMinLen = 96
	// ProbeMaxLen is the longest probe a hub answers.
	ProbeMaxLen = 512
	// answerHeaderLen is the answer length without the name.
	answerHeaderLen = 25
	// MaxAnswerLen is the longest answer: the header and a name of
	// MaxNameLen bytes.
	MaxAnswerLen = answerHeaderLen + MaxNameLen
	// MaxAnswerGrowth is by how many bytes an answer may exceed its probe.
	// MaxAnswerLen <= ProbeMinLen makes it zero.
	MaxAnswerGrowth = 0
)

var (
	probeMagic  = []byte("NATTER?")
	answerMagic = []byte("NATTER!")
)

// Nonce identifies one probe round; the answer echoes it.
type Nonce [8]byte

// NewNonce returns a random nonce.
func NewNonce() Nonce {
	var n Nonce
	rand.Read(n[:]) // never fails: crypto/rand panics rather than return an error
	return n
}

// BuildProbe returns a probe of ProbeMinLen bytes carrying nonce.
func BuildProbe(nonce Nonce) []byte {
	p := make([]byte, ProbeMinLen)
	copy(p, probeMagic)
	p[7] = ProbeVersion
	copy(p[8:16], nonce[:])
	return p
}

// IsProbe reports whether pkt starts like a discovery probe of any version.
// The hub's UDP listener calls it to tell probes from TFTP packets: a TFTP
// packet starts with a zero byte (opcodes 1-6), a probe with 'N'. Whether the
// probe deserves an answer is for AnswerProbe to decide.
func IsProbe(pkt []byte) bool {
	return len(pkt) >= len(probeMagic) && bytes.Equal(pkt[:len(probeMagic)], probeMagic)
}

// ParseProbe checks a probe and returns its nonce. The error says what was
// wrong; hubs drop such probes without an answer.
func ParseProbe(pkt []byte) (Nonce, error) {
	var n Nonce
	if !IsProbe(pkt) {
		return n, errors.New("discovery: probe: bad magic")
	}
	if len(pkt) < ProbeMinLen {
		return n, fmt.Errorf("discovery: probe: %d bytes, shorter than %d", len(pkt), ProbeMinLen)
	}
	if len(pkt) > ProbeMaxLen {
		return n, fmt.Errorf("discovery: probe: %d bytes, longer than %d", len(pkt), ProbeMaxLen)
	}
	if pkt[7] != ProbeVersion {
		return n, fmt.Errorf("discovery: probe: version %d, want %d", pkt[7], ProbeVersion)
	}
	for i, b := range pkt[16:] {
		if b != 0 {
			return n, fmt.Errorf("discovery: probe: padding byte %d is %#x, want 0", 16+i, b)
		}
	}
	copy(n[:], pkt[8:16])
	return n, nil
}

// AnswerProbe returns the answer to pkt for the hub described by info, or
// ok == false when pkt is not a well-formed version-1 probe (or info has no
// valid ports) and must be ignored. The answer is never longer than pkt.
func AnswerProbe(pkt []byte, info Info) (reply []byte, ok bool) {
	nonce, err := ParseProbe(pkt)
	if err != nil {
		return nil, false
	}
	if info.TCPPort < 1 || info.TCPPort > 65535 || info.UDPPort < 1 || info.UDPPort > 65535 {
		return nil, false
	}
	return buildAnswer(nonce, Answer{
		Name:    info.Name,
		TCPPort: info.TCPPort,
		UDPPort: info.UDPPort,
		Users:   info.userCount(),
	}), true
}

// Answer is the content of a probe answer.
type Answer struct {
	Nonce   Nonce
	Name    string
	TCPPort int
	UDPPort int
	Users   int
}

func buildAnswer(nonce Nonce, a Answer) []byte {
	name := truncateName(a.Name, MaxNameLen)
	p := make([]byte, answerHeaderLen, answerHeaderLen+len(name))
	copy(p, answerMagic)
	p[7] = ProbeVersion
	copy(p[8:16], nonce[:])
	binary.BigEndian.PutUint16(p[16:], uint16(a.TCPPort))
	binary.BigEndian.PutUint16(p[18:], uint16(a.UDPPort))
	binary.BigEndian.PutUint32(p[20:], uint32(a.Users))
	p[24] = byte(len(name))
	return append(p, name...)
}

// ParseAnswer decodes a probe answer. The name is returned as sent if it is
// valid UTF-8 without control characters; otherwise an error says why.
func ParseAnswer(pkt []byte) (Answer, error) {
	var a Answer
	if len(pkt) < answerHeaderLen || !bytes.Equal(pkt[:len(answerMagic)], answerMagic) {
		return a, errors.New("discovery: answer: bad magic or too short")
	}
	if pkt[7] != ProbeVersion {
		return a, fmt.Errorf("discovery: answer: version %d, want %d", pkt[7], ProbeVersion)
	}
	n := int(pkt[24])
	if n > MaxNameLen {
		return a, fmt.Errorf("discovery: answer: name length %d over %d", n, MaxNameLen)
	}
	if len(pkt) != answerHeaderLen+n {
		return a, fmt.Errorf("discovery: answer: %d bytes, want %d for a %d-byte name", len(pkt), answerHeaderLen+n, n)
	}
	name := string(pkt[answerHeaderLen:])
	if !utf8.ValidString(name) {
		return a, errors.New("discovery: answer: name is not valid UTF-8")
	}
	for _, r := range name {
		if isControl(r) {
			return a, fmt.Errorf("discovery: answer: name %q contains a control character", name)
		}
	}
	copy(a.Nonce[:], pkt[8:16])
	a.Name = name
	a.TCPPort = int(binary.BigEndian.Uint16(pkt[16:]))
	a.UDPPort = int(binary.BigEndian.Uint16(pkt[18:]))
	a.Users = int(binary.BigEndian.Uint32(pkt[20:]) & (1<<31 - 1))
	if a.TCPPort == 0 || a.UDPPort == 0 {
		return a, errors.New("discovery: answer: port 0")
	}
	return a, nil
}
