//go:build linux

package server

import (
	"sync"
	"syscall"
	"unsafe"
)

// directWriteSupported says whether an outQueue can write without blocking
// through the connection's raw file descriptor.
const directWriteSupported = true

// maxDirectIovecs bounds the lines of one writev from a flush.
const maxDirectIovecs = 128

var iovecPool = sync.Pool{New: func() any { return new([maxDirectIovecs]syscall.Iovec) }}

// directWrite writes lines with writev on a non-blocking socket, stopping
// when the socket is full instead of waiting.
type directWrite struct {
	fn    func(fd uintptr) bool // d.writeFD, made once so that a write allocates nothing
	lines [][]byte
	iov   *[maxDirectIovecs]syscall.Iovec
	used  int // entries of iov set by this write, cleared before it goes back to the pool
	n     int
	err   error
}

func (d *directWrite) init() { d.fn = d.writeFD }

// write writes as much of lines as the socket takes now. It returns the
// bytes written; err is nil also when the socket was full.
func (d *directWrite) write(rc syscall.RawConn, lines [][]byte) (int, error) {
	d.lines, d.n, d.err, d.used = lines, 0, nil, 0
	d.iov = iovecPool.Get().(*[maxDirectIovecs]syscall.Iovec)
	err := rc.Write(d.fn)
	// Only the entries set point into lines; most writes set one, and
	// clearing all 2 KiB of them per write is needless work.
	clear(d.iov[:d.used])
	iovecPool.Put(d.iov)
	n := d.n
	if err == nil {
		err = d.err
	}
	d.lines, d.iov, d.err = nil, nil, nil
	return n, err
}

func (d *directWrite) writeFD(fd uintptr) bool {
	lines := d.lines
	for len(lines) > 0 {
		k, total := 0, 0
		for k < len(lines) && k < maxDirectIovecs && len(lines[k]) > 0 {
			d.iov[k].Base = &lines[k][0]
			d.iov[k].SetLen(len(lines[k]))
			total += len(lines[k])
			k++
		}
		d.used = max(d.used, k)
		if k == 0 {
			lines = lines[1:] // an empty line; none is ever queued
			continue
		}
		r, _, errno := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&d.iov[0])), uintptr(k))
		switch errno {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return true
		default:
			d.err = errno
			return true
		}
		d.n += int(r)
		if int(r) < total {
			return true
		}
		lines = lines[k:]
	}
	return true
}

// rawReadSupported says whether a lineReader can wait for input without
// holding a buffer.
const rawReadSupported = true

// readFD reads what the socket has; when it has nothing, it gives the
// buffer back (keeping a partial line aside) and lets the runtime wait for
// input.
func (r *lineReader) readFD(fd uintptr) bool {
	if r.buf == nil {
		r.unpark()
	}
	for {
		n, err := syscall.Read(int(fd), (*r.buf)[r.end:])
		switch err {
		case nil:
			r.n = n
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			r.park()
			return false
		default:
			r.err = err
		}
		return true
	}
}

// readableFn returns a function for syscall.RawConn.Read that returns
// once the socket has input (or an error or end of input to report),
// reading nothing: with it a WebSocket session waits as a TCP session
// does, in the runtime's poller, with no read in progress.
func readableFn() func(fd uintptr) bool {
	return func(fd uintptr) bool {
		var b [1]byte
		for {
			_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			switch err {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false
			}
			return true
		}
	}
}
