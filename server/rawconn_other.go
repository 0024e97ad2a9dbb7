//go:build !linux

package server

import (
	"errors"
	"syscall"
)

// directWriteSupported says whether an outQueue can write without blocking
// through the connection's raw file descriptor; elsewhere a writer
// goroutine does every write.
const directWriteSupported = false

type directWrite struct{}

func (d *directWrite) init() {}

func (d *directWrite) write(syscall.RawConn, [][]byte) (int, error) {
	return 0, errors.New("direct writes are not supported on this system")
}

// rawReadSupported says whether a lineReader can wait for input without
// holding a buffer; elsewhere it reads through the net.Conn.
const rawReadSupported = false

func (r *lineReader) readFD(uintptr) bool { return true }

func readableFn() func(fd uintptr) bool { return nil }
