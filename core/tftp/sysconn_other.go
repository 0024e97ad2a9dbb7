//go:build !(linux && (amd64 || arm64 || riscv64 || loong64 || arm))

package tftp

import (
	"errors"
	"net"
	"net/netip"
	"time"
)

// sysSocket is the direct system-call path of Linux; elsewhere transfers
// use the net package's API and newSysSocket returns nil.
type sysSocket struct{}

var errWoken = errors.New("tftp: no direct system calls on this platform")

func newSysSocket(*net.UDPConn, bool) *sysSocket { return nil }

func (*sysSocket) close()                            {}
func (*sysSocket) wake()                             {}
func (*sysSocket) setPeer(netip.AddrPort) bool       { return false }
func (*sysSocket) fromAddr() netip.AddrPort          { return netip.AddrPort{} }
func (*sysSocket) adoptFrom()                        {}
func (*sysSocket) send([]byte, bool) error           { return errWoken }
func (*sysSocket) tryRecv([]byte) (int, bool, error) { return 0, false, errWoken }
func (*sysSocket) wait(time.Duration) error          { return errWoken }
func (*sysSocket) setWait(int)                       {}
func (*sysSocket) usesPoller() bool                  { return false }
func (*sysSocket) recv([]byte, time.Time) (int, error) {
	return 0, errWoken
}

// destReader learns the destination of datagrams on Linux only.
type destReader struct{}

func newDestReader(net.PacketConn) *destReader { return nil }

func (*destReader) readFrom([]byte) (int, net.Addr, netip.Addr, error) {
	return 0, nil, netip.Addr{}, errWoken
}
