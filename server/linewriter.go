package server

import (
	"net"
	"sync"
	"syscall"
)

// lineWriter is a connection that writes a batch of lines better than
// one Write each (a WebSocket session: see wsConn.WriteLines).
type lineWriter interface {
	WriteLines(lines [][]byte) (int64, error)
}

// writeLines writes lines to conn, as one batch where conn can: a socket
// takes them in one writev (net.Buffers); any other connection, a TLS
// session above all, gets them gathered into writes of up to
// coalesceSize bytes, since each of its Writes costs a record, its
// encryption and a system call: one Write per line made a 1,000-line
// burst of JOINs a thousand records.
func writeLines(conn net.Conn, lines [][]byte) (int64, error) {
	if lw, ok := conn.(lineWriter); ok {
		return lw.WriteLines(lines)
	}
	if _, ok := conn.(syscall.Conn); ok || len(lines) == 1 {
		bufs := net.Buffers(lines)
		return bufs.WriteTo(conn)
	}
	return writeCoalesced(conn, lines)
}

// coalesceSize is the most bytes gathered into one Write: a TLS record's
// largest plaintext.
const coalesceSize = 16 << 10

var coalescePool = sync.Pool{New: func() any { b := make([]byte, 0, coalesceSize); return &b }}

// writeCoalesced writes lines in as few Writes of at most coalesceSize
// bytes as they fit in; a longer line is written on its own. The buffer is
// borrowed only for the call.
func writeCoalesced(conn net.Conn, lines [][]byte) (int64, error) {
	bp := coalescePool.Get().(*[]byte)
	buf := (*bp)[:0]
	defer func() {
		*bp = buf[:0]
		coalescePool.Put(bp)
	}()
	var total int64
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		n, err := conn.Write(buf)
		total += int64(n)
		buf = buf[:0]
		return err
	}
	for _, line := range lines {
		if len(buf)+len(line) > coalesceSize {
			if err := flush(); err != nil {
				return total, err
			}
		}
		if len(line) > coalesceSize {
			n, err := conn.Write(line)
			total += int64(n)
			if err != nil {
				return total, err
			}
			continue
		}
		buf = append(buf, line...)
	}
	return total, flush()
}
