//go:build !unix && !windows

package discovery

import "syscall"

// reuseControl does nothing where sockets have no reuse options.
func reuseControl(network, address string, c syscall.RawConn) error { return nil }
