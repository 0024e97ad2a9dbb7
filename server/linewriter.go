package server

import "net"

// lineWriter is a connection that writes a batch of lines better than
// one Write each (a WebSocket session: see wsConn.WriteLines).
type lineWriter interface {
	WriteLines(lines [][]byte) (int64, error)
}

// writeLines writes lines to conn, as one batch where conn can.
func writeLines(conn net.Conn, lines [][]byte) (int64, error) {
	if lw, ok := conn.(lineWriter); ok {
		return lw.WriteLines(lines)
	}
	bufs := net.Buffers(lines)
	return bufs.WriteTo(conn)
}
