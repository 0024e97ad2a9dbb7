//go:build unix

package discovery

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// reuseControl lets several sockets bind the mDNS port: a system responder
// (avahi-daemon, mDNSResponder) usually holds it already.
func reuseControl(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr != nil {
			return
		}
		// SO_REUSEPORT is what the BSDs and macOS need; Linux is content
		// with SO_REUSEADDR. Where it is missing the bind decides.
		if e := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); e != nil && !errors.Is(e, unix.ENOPROTOOPT) {
			serr = e
		}
	})
	if err != nil {
		return err
	}
	return serr
}
