package tftp

import (
	"fmt"
	"strconv"
)

// Option names understood by the engine.
const (
	OptBlockSize  = "blksize"    // RFC 2348
	OptTransferSz = "tsize"      // RFC 2349
	OptTimeout    = "timeout"    // RFC 2349
	OptWindowSize = "windowsize" // RFC 7440
	OptOffset     = "offset"     // Natter: resume a read after this many bytes
)

// maxWindowBytes bounds the memory a granted window may take (window x
// blksize), so that many large transfers cannot exhaust the server.
const maxWindowBytes = 1 << 20

// params are the settings a transfer runs with after negotiation.
type params struct {
	blksize int
	window  int
	tsize   int64 // -1 when unknown
	offset  int64
}

func defaultParams() params { return params{blksize: DefaultBlockSize, window: 1, tsize: -1} }

// parseUint parses a decimal option value with no sign.
func parseUint(v string) (int64, bool) {
	if v == "" || len(v) > 19 {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// negotiate decides the server's answer to req. size is the file size for
// a read request and ignored for a write. Options the server does not know
// or whose values are out of range are left out of the OACK (RFC 2347);
// an offset that cannot be honoured is refused with ERROR 8, since
// ignoring it would send the wrong bytes.
func negotiate(req *Request, size int64, maxBlock, maxWindow int) (Options, params, *Error) {
	p := defaultParams()
	var oack Options
	if v, ok := req.Options.Get(OptBlockSize); ok {
		if n, ok := parseUint(v); ok && n >= MinBlockSize {
			p.blksize = int(min(n, int64(maxBlock)))
			oack = append(oack, Option{OptBlockSize, strconv.Itoa(p.blksize)})
		}
	}
	if v, ok := req.Options.Get(OptWindowSize); ok {
		if n, ok := parseUint(v); ok && n >= 1 && n <= MaxWindowSize {
			// The sender keeps the whole window in memory: bound it.
			byMemory := int64(max(1, maxWindowBytes/p.blksize))
			p.window = int(min(n, int64(maxWindow), byMemory))
			oack = append(oack, Option{OptWindowSize, strconv.Itoa(p.window)})
		}
	}
	// The timeout option (RFC 2349) is never acknowledged: a peer asks for
	// whole seconds, and a sender bound to them would wait that long for
	// every lost datagram. Left out of the OACK, it binds neither end
	// (RFC 2347), and each end keeps its own adaptive timer.
	if v, ok := req.Options.Get(OptTransferSz); ok {
		if req.Op == OpRRQ {
			p.tsize = size
			// Stock curl refuses an OACK carrying "tsize 0".
			if size > 0 {
				oack = append(oack, Option{OptTransferSz, strconv.FormatInt(size, 10)})
			}
		} else if n, ok := parseUint(v); ok {
			p.tsize = n
			if n > 0 {
				oack = append(oack, Option{OptTransferSz, v})
			}
		}
	} else if req.Op == OpRRQ {
		p.tsize = size
	}
	if v, ok := req.Options.Get(OptOffset); ok {
		if req.Op != OpRRQ {
			return nil, p, NewError(ErrOptionRefused, "offset is only valid in a read request")
		}
		n, ok := parseUint(v)
		switch {
		case !ok:
			return nil, p, NewError(ErrOptionRefused, fmt.Sprintf("offset %q is not a number", v))
		case n%int64(p.blksize) != 0:
			return nil, p, NewError(ErrOptionRefused, fmt.Sprintf("offset %d is not a multiple of blksize %d", n, p.blksize))
		case n > size:
			return nil, p, NewError(ErrOptionRefused, fmt.Sprintf("offset %d is beyond the file's %d bytes", n, size))
		}
		p.offset = n
		oack = append(oack, Option{OptOffset, strconv.FormatInt(n, 10)})
	}
	return oack, p, nil
}
