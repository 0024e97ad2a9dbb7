package tftp

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestRoundTrip(t *testing.T) {
	opts := Options{{"blksize", "2048"}, {"tsize", "0"}, {"offset", "4096"}}
	pkt, err := AppendRequest(nil, OpRRQ, "0123abcd", "octet", opts)
	require.NoError(t, err)
	assert.Equal(t, "\x00\x01"+"0123abcd\x00octet\x00blksize\x002048\x00tsize\x000\x00offset\x004096\x00", string(pkt))
	req, err := ParseRequest(pkt)
	require.NoError(t, err)
	assert.Equal(t, OpRRQ, req.Op)
	assert.Equal(t, "0123abcd", req.Filename)
	assert.Equal(t, "octet", req.Mode)
	assert.Equal(t, opts, req.Options)
	v, ok := req.Options.Get("BLKSIZE")
	assert.True(t, ok, "option names are case-insensitive")
	assert.Equal(t, "2048", v)
}

func TestOtherPacketsRoundTrip(t *testing.T) {
	blk, data, err := ParseData(AppendData(nil, 65535, []byte("abc")))
	require.NoError(t, err)
	assert.Equal(t, uint16(65535), blk)
	assert.Equal(t, []byte("abc"), data)

	n, err := ParseAck(AppendAck(nil, 7))
	require.NoError(t, err)
	assert.Equal(t, uint16(7), n)

	e, err := ParseError(AppendError(nil, ErrDiskFull, "no\x00 room"))
	require.NoError(t, err)
	assert.Equal(t, &Error{Code: ErrDiskFull, Message: "no room"}, e)

	pkt, err := AppendOACK(nil, Options{{"blksize", "1024"}})
	require.NoError(t, err)
	o, err := ParseOACK(pkt)
	require.NoError(t, err)
	assert.Equal(t, Options{{"blksize", "1024"}}, o)
}

func TestMalformedPackets(t *testing.T) {
	cases := []struct {
		name  string
		pkt   string
		parse func([]byte) error
		want  string
	}{
		{"empty", "", reqErr, "shorter than an opcode"},
		{"unknown opcode", "\x00\x09x", reqErr, "unknown opcode 9"},
		{"not a request", "\x00\x03\x00\x01", reqErr, "DATA is not a request"},
		{"unterminated filename", "\x00\x01file", reqErr, "not NUL-terminated"},
		{"no mode", "\x00\x01file\x00", reqErr, "want filename and mode"},
		{"empty mode", "\x00\x02file\x00\x00", reqErr, "empty mode"},
		{"option without value", "\x00\x01f\x00octet\x00blksize\x00", reqErr, `option "blksize" has no value`},
		{"empty option name", "\x00\x01f\x00octet\x00\x001\x00", reqErr, "empty name"},
		{"duplicate option", "\x00\x01f\x00octet\x00tsize\x000\x00TSIZE\x001\x00", reqErr, "appears twice"},
		{"short ack", "\x00\x04\x00", ackErr, "want 4"},
		{"long ack", "\x00\x04\x00\x01\x00", ackErr, "want 4"},
		{"ack of data", "\x00\x03\x00\x01", ackErr, "not an ACK"},
		{"short data", "\x00\x03\x00", dataErr, "at least 4"},
		{"short error", "\x00\x05\x00", errErr, "at least 4"},
		{"empty oack", "\x00\x06", oackErr, "no options"},
		{"odd oack", "\x00\x06blksize\x00", oackErr, "has no value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.parse([]byte(c.pkt))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	_, err := AppendRequest(nil, OpRRQ, "a\x00b", "octet", nil)
	assert.Error(t, err)
	_, err = AppendRequest(nil, OpDATA, "a", "octet", nil)
	assert.Error(t, err)
	_, err = AppendOACK(nil, nil)
	assert.Error(t, err)
}

func reqErr(b []byte) error  { _, err := ParseRequest(b); return err }
func ackErr(b []byte) error  { _, err := ParseAck(b); return err }
func dataErr(b []byte) error { _, _, err := ParseData(b); return err }
func errErr(b []byte) error  { _, err := ParseError(b); return err }
func oackErr(b []byte) error { _, err := ParseOACK(b); return err }

// FuzzParsePacket feeds arbitrary bytes to every decoder: none may panic,
// and whatever decodes must encode back to the same bytes.
func FuzzParsePacket(f *testing.F) {
	f.Add([]byte("\x00\x01tok\x00octet\x00blksize\x002048\x00tsize\x000\x00"))
	f.Add([]byte("\x00\x03\x00\x01hello"))
	f.Add([]byte("\x00\x04\xff\xff"))
	f.Add([]byte("\x00\x05\x00\x01not found\x00"))
	f.Add([]byte("\x00\x06blksize\x00512\x00"))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		_ = IsTFTP(pkt)
		if req, err := ParseRequest(pkt); err == nil {
			again, err := AppendRequest(nil, req.Op, req.Filename, req.Mode, req.Options)
			if err != nil {
				t.Fatalf("decoded request does not encode: %v", err)
			}
			if !bytes.Equal(again, pkt) {
				t.Fatalf("request round trip: %q became %q", pkt, again)
			}
		}
		if blk, data, err := ParseData(pkt); err == nil && !bytes.Equal(AppendData(nil, blk, data), pkt) {
			t.Fatalf("DATA round trip changed %q", pkt)
		}
		if blk, err := ParseAck(pkt); err == nil && !bytes.Equal(AppendAck(nil, blk), pkt) {
			t.Fatalf("ACK round trip changed %q", pkt)
		}
		if e, err := ParseError(pkt); err == nil {
			_ = e.Error()
		}
		if o, err := ParseOACK(pkt); err == nil {
			again, err := AppendOACK(nil, o)
			if err != nil || !bytes.Equal(again, pkt) {
				t.Fatalf("OACK round trip: %q became %q (%v)", pkt, again, err)
			}
		}
		if req, err := ParseRequest(pkt); err == nil {
			_, _, _ = negotiate(req, 1<<20, MaxBlockSize, DefaultMaxWindow)
		}
	})
}
