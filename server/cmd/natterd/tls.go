package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/natter-chat/natter/server"
)

// tlsFlags are the flags of the hub's TLS port; its key is kept in the
// data folder (-data-dir).
type tlsFlags struct {
	addr tlsAddr
}

// tlsAddr is the value of -tls-addr: "" turns TLS off, and a flag left
// unset follows -addr.
type tlsAddr struct {
	addr string
	set  bool
}

func (a *tlsAddr) String() string {
	if a == nil || !a.set {
		return server.DefaultTLSAddr
	}
	return a.addr
}

func (a *tlsAddr) Set(v string) error {
	a.addr, a.set = v, true
	return nil
}

// define defines the flags on fs.
func (f *tlsFlags) define(fs *flag.FlagSet) {
	fs.Var(&f.addr, "tls-addr", "TCP `address` for chat sessions over TLS; empty for none. "+
		"Unset, it is the host of -addr with the port after its port (port 0 stays 0)")
}

// check reports flags that leave the hub c configures without a port.
func (f *tlsFlags) check(c *server.Config) error {
	if c.Addr == "" && f.tlsAddr(c) == "" {
		return errors.New("-addr and -tls-addr are both empty: the hub needs a port for sessions")
	}
	return nil
}

// tlsAddr returns the TLS address the flags give the hub c configures;
// "" for none.
func (f *tlsFlags) tlsAddr(c *server.Config) string {
	if !f.addr.set {
		return followingAddr(c.Addr)
	}
	return f.addr.addr
}

// apply sets the TLS part of c, whose Addr and DataDir the flags have
// set, once check has passed; an empty -addr turns the plaintext port off.
func (f *tlsFlags) apply(c *server.Config) {
	if addr := f.tlsAddr(c); addr != "" {
		c.TLS = &server.TLSConfig{Addr: addr}
	}
	if c.Addr == "" {
		c.Addr = server.NoAddr
	}
}

// followingAddr returns the default TLS address for the plaintext address
// addr: the same host, the next port; port 0 (any) stays 0.
func followingAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return server.DefaultTLSAddr
	}
	n, err := strconv.Atoi(port)
	if err != nil || n >= 65535 {
		return server.DefaultTLSAddr
	}
	if n != 0 {
		n++
	}
	return net.JoinHostPort(host, strconv.Itoa(n))
}

// printTLS prints where the hub serves TLS and, for people to compare,
// the fingerprint and the short code of its key.
func printTLS(w io.Writer, h *server.Hub, ls server.Listeners) {
	fp, ok := h.Fingerprint()
	if !ok {
		fmt.Fprintln(w, "natterd: TLS off; sessions are not encrypted")
		return
	}
	fmt.Fprintf(w, "natterd: TLS on %s; the hub's key has short code %s (fingerprint %s)\n", ls.TLS.Addr(), fp.ShortCode(), fp)
}
