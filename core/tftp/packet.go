package tftp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
)

// Opcode is the first field of every TFTP packet (RFC 1350, RFC 2347).
type Opcode uint16

// The six TFTP opcodes.
const (
	OpRRQ   Opcode = 1 // read request
	OpWRQ   Opcode = 2 // write request
	OpDATA  Opcode = 3 // data block
	OpACK   Opcode = 4 // acknowledgement
	OpERROR Opcode = 5 // error
	OpOACK  Opcode = 6 // option acknowledgement
)

func (o Opcode) String() string {
	switch o {
	case OpRRQ:
		return "RRQ"
	case OpWRQ:
		return "WRQ"
	case OpDATA:
		return "DATA"
	case OpACK:
		return "ACK"
	case OpERROR:
		return "ERROR"
	case OpOACK:
		return "OACK"
	}
	return fmt.Sprintf("opcode(%d)", uint16(o))
}

// Block size limits (RFC 1350, RFC 2348) and the window size limit (RFC 7440).
const (
	DefaultBlockSize = 512
	MinBlockSize     = 8
	MaxBlockSize     = 65464
	MaxWindowSize    = 65535
)

// IsTFTP reports whether pkt starts with one of the six TFTP opcodes.
// The server hands every other datagram to its OtherPacket callback.
func IsTFTP(pkt []byte) bool {
	if len(pkt) < 2 {
		return false
	}
	op := Opcode(binary.BigEndian.Uint16(pkt))
	return op >= OpRRQ && op <= OpOACK
}

// PacketOpcode returns the opcode of pkt, or an error when pkt is too
// short or carries an unknown opcode.
func PacketOpcode(pkt []byte) (Opcode, error) {
	if len(pkt) < 2 {
		return 0, fmt.Errorf("tftp: packet of %d bytes is shorter than an opcode", len(pkt))
	}
	op := Opcode(binary.BigEndian.Uint16(pkt))
	if op < OpRRQ || op > OpOACK {
		return 0, fmt.Errorf("tftp: unknown opcode %d", uint16(op))
	}
	return op, nil
}

// Option is one name/value pair of RFC 2347 option negotiation.
type Option struct {
	Name, Value string
}

// Options is an ordered option list. Names compare case-insensitively.
type Options []Option

// Get returns the value of the named option.
func (o Options) Get(name string) (string, bool) {
	for _, opt := range o {
		if strings.EqualFold(opt.Name, name) {
			return opt.Value, true
		}
	}
	return "", false
}

// Set replaces the named option's value, or appends the option.
func (o *Options) Set(name, value string) {
	for i, opt := range *o {
		if strings.EqualFold(opt.Name, name) {
			(*o)[i].Value = value
			return
		}
	}
	*o = append(*o, Option{Name: name, Value: value})
}

// Request is a decoded RRQ or WRQ.
type Request struct {
	Op       Opcode // OpRRQ or OpWRQ
	Filename string // for Natter a one-time token, or a shared file name in public mode
	Mode     string // "octet" or "netascii", as sent
	Options  Options
	// Peer is the address the request came from; set by Server.
	Peer net.Addr
}

// ParseRequest decodes an RRQ or WRQ packet.
func ParseRequest(pkt []byte) (*Request, error) {
	op, err := PacketOpcode(pkt)
	if err != nil {
		return nil, err
	}
	if op != OpRRQ && op != OpWRQ {
		return nil, fmt.Errorf("tftp: %v is not a request", op)
	}
	fields, err := splitStrings(pkt[2:])
	if err != nil {
		return nil, fmt.Errorf("tftp: malformed %v: %w", op, err)
	}
	if len(fields) < 2 {
		return nil, fmt.Errorf("tftp: malformed %v: want filename and mode, got %d fields", op, len(fields))
	}
	if fields[0] == "" {
		return nil, fmt.Errorf("tftp: malformed %v: empty filename", op)
	}
	if fields[1] == "" {
		return nil, fmt.Errorf("tftp: malformed %v: empty mode", op)
	}
	opts, err := pairOptions(fields[2:])
	if err != nil {
		return nil, fmt.Errorf("tftp: malformed %v: %w", op, err)
	}
	return &Request{Op: op, Filename: fields[0], Mode: fields[1], Options: opts}, nil
}

// AppendRequest appends an RRQ or WRQ to dst.
func AppendRequest(dst []byte, op Opcode, filename, mode string, opts Options) ([]byte, error) {
	if op != OpRRQ && op != OpWRQ {
		return dst, fmt.Errorf("tftp: cannot encode %v as a request", op)
	}
	if filename == "" || mode == "" {
		return dst, errors.New("tftp: request needs a filename and a mode")
	}
	if strings.IndexByte(filename, 0) >= 0 || strings.IndexByte(mode, 0) >= 0 {
		return dst, errors.New("tftp: filename or mode contains NUL")
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(op))
	dst = append(append(dst, filename...), 0)
	dst = append(append(dst, mode...), 0)
	return appendOptions(dst, opts)
}

// AppendOACK appends an OACK carrying opts to dst.
func AppendOACK(dst []byte, opts Options) ([]byte, error) {
	if len(opts) == 0 {
		return dst, errors.New("tftp: an OACK needs at least one option")
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(OpOACK))
	return appendOptions(dst, opts)
}

// ParseOACK decodes an OACK packet.
func ParseOACK(pkt []byte) (Options, error) {
	op, err := PacketOpcode(pkt)
	if err != nil {
		return nil, err
	}
	if op != OpOACK {
		return nil, fmt.Errorf("tftp: %v is not an OACK", op)
	}
	fields, err := splitStrings(pkt[2:])
	if err != nil {
		return nil, fmt.Errorf("tftp: malformed OACK: %w", err)
	}
	if len(fields) == 0 {
		return nil, errors.New("tftp: malformed OACK: no options")
	}
	opts, err := pairOptions(fields)
	if err != nil {
		return nil, fmt.Errorf("tftp: malformed OACK: %w", err)
	}
	return opts, nil
}

// AppendData appends a DATA packet to dst.
func AppendData(dst []byte, block uint16, data []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(OpDATA))
	dst = binary.BigEndian.AppendUint16(dst, block)
	return append(dst, data...)
}

// ParseData decodes a DATA packet; data aliases pkt.
func ParseData(pkt []byte) (block uint16, data []byte, err error) {
	if len(pkt) < 4 {
		return 0, nil, fmt.Errorf("tftp: malformed DATA: %d bytes, want at least 4", len(pkt))
	}
	if op := Opcode(binary.BigEndian.Uint16(pkt)); op != OpDATA {
		return 0, nil, fmt.Errorf("tftp: %v is not DATA", op)
	}
	return binary.BigEndian.Uint16(pkt[2:]), pkt[4:], nil
}

// AppendAck appends an ACK packet to dst.
func AppendAck(dst []byte, block uint16) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(OpACK))
	return binary.BigEndian.AppendUint16(dst, block)
}

// ParseAck decodes an ACK packet.
func ParseAck(pkt []byte) (uint16, error) {
	if len(pkt) != 4 {
		return 0, fmt.Errorf("tftp: malformed ACK: %d bytes, want 4", len(pkt))
	}
	if op := Opcode(binary.BigEndian.Uint16(pkt)); op != OpACK {
		return 0, fmt.Errorf("tftp: %v is not an ACK", op)
	}
	return binary.BigEndian.Uint16(pkt[2:]), nil
}

// AppendError appends an ERROR packet to dst. NUL bytes in msg are dropped.
func AppendError(dst []byte, code ErrorCode, msg string) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(OpERROR))
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	for i := 0; i < len(msg); i++ {
		if msg[i] != 0 {
			dst = append(dst, msg[i])
		}
	}
	return append(dst, 0)
}

// ParseError decodes an ERROR packet. A message without its terminating
// NUL is accepted as running to the end of the packet, so that a peer's
// reason is never lost.
func ParseError(pkt []byte) (*Error, error) {
	if len(pkt) < 4 {
		return nil, fmt.Errorf("tftp: malformed ERROR: %d bytes, want at least 4", len(pkt))
	}
	if op := Opcode(binary.BigEndian.Uint16(pkt)); op != OpERROR {
		return nil, fmt.Errorf("tftp: %v is not an ERROR", op)
	}
	msg := pkt[4:]
	if i := indexNUL(msg); i >= 0 {
		msg = msg[:i]
	}
	return &Error{Code: ErrorCode(binary.BigEndian.Uint16(pkt[2:])), Message: string(msg)}, nil
}

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

// splitStrings splits a sequence of NUL-terminated strings.
func splitStrings(b []byte) ([]string, error) {
	var out []string
	for len(b) > 0 {
		i := indexNUL(b)
		if i < 0 {
			return nil, fmt.Errorf("field %d (%q) is not NUL-terminated", len(out)+1, truncate(b))
		}
		out = append(out, string(b[:i]))
		b = b[i+1:]
	}
	return out, nil
}

func truncate(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "..."
	}
	return string(b)
}

func pairOptions(fields []string) (Options, error) {
	if len(fields)%2 != 0 {
		return nil, fmt.Errorf("option %q has no value", fields[len(fields)-1])
	}
	var opts Options
	for i := 0; i < len(fields); i += 2 {
		name := fields[i]
		if name == "" {
			return nil, fmt.Errorf("option %d has an empty name", i/2+1)
		}
		if _, dup := opts.Get(name); dup {
			return nil, fmt.Errorf("option %q appears twice", name)
		}
		opts = append(opts, Option{Name: name, Value: fields[i+1]})
	}
	return opts, nil
}

func appendOptions(dst []byte, opts Options) ([]byte, error) {
	for _, o := range opts {
		if o.Name == "" {
			return dst, errors.New("tftp: option with an empty name")
		}
		if strings.IndexByte(o.Name, 0) >= 0 || strings.IndexByte(o.Value, 0) >= 0 {
			return dst, fmt.Errorf("tftp: option %q contains NUL", o.Name)
		}
		dst = append(append(dst, o.Name...), 0)
		dst = append(append(dst, o.Value...), 0)
	}
	return dst, nil
}
