// Command floorrelay is the least a chat hub can do, for measuring what
// natterd adds to it: it speaks just enough of natter/1 for natterload
// (HELLO, NICK, WELCOME, USERS, JOIN, MSG, PRIV, PING, QUIT) and relays
// every message by writing it to each client in turn, one write per client,
// while holding one lock. It checks nothing, limits nothing, keeps no
// history and never drops a slow client: it is a baseline, not a hub.
//
// natterload starts it like natterd:
//
//	go build -o /tmp/floorrelay ./server/internal/floorrelay
//	natterload -spawn-hub /tmp/floorrelay -hub-args "" -settle-timeout 1ms …
//
// The flags natterload passes to natterd (-addr, -udp-addr, -dir,
// -max-clients) are accepted; only -addr is used. It listens on loopback
// addresses only.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

func main() {
	fs := flag.NewFlagSet("floorrelay", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:50000", "loopback TCP `address` to listen on")
	fs.String("udp-addr", "", "ignored (accepted for natterload -spawn-hub)")
	fs.String("dir", "", "ignored (accepted for natterload -spawn-hub)")
	fs.Int("max-clients", 0, "ignored (accepted for natterload -spawn-hub)")
	fs.String("tls-addr", "", "ignored (accepted for natterload -spawn-hub)")
	fs.String("data-dir", "", "ignored (accepted for natterload -spawn-hub)")
	fs.Parse(os.Args[1:])
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "floorrelay:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if !ap.Addr().IsLoopback() {
		return fmt.Errorf("address %q is not a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stdout, "floorrelay listening on %s\n", ln.Addr())
	return serve(ctx, ln)
}

// serve relays between the clients that connect to ln until ctx is done,
// then closes every connection and returns once all have ended.
func serve(ctx context.Context, ln net.Listener) error {
	r := &relay{byNick: make(map[string]net.Conn), open: make(map[net.Conn]struct{})}
	context.AfterFunc(ctx, func() {
		ln.Close()
		r.mu.Lock()
		for c := range r.open {
			c.Close()
		}
		r.closed = true
		r.mu.Unlock()
	})
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			conn.Close()
			continue
		}
		r.open[conn] = struct{}{}
		r.mu.Unlock()
		wg.Go(func() { r.serve(conn) })
	}
}

// relay is the room: every registered connection, in order of arrival.
type relay struct {
	mu     sync.Mutex
	conns  []net.Conn
	nicks  []string
	byNick map[string]net.Conn
	open   map[net.Conn]struct{} // every connection, registered or not
	closed bool
}

func (r *relay) serve(conn net.Conn) {
	defer func() {
		r.mu.Lock()
		delete(r.open, conn)
		r.mu.Unlock()
		conn.Close()
	}()
	conn.Write([]byte("HELLO natter/1 floor relay\n"))
	br := bufio.NewReaderSize(conn, 16<<10)
	nick := ""
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			r.leave(conn, nick)
			return
		}
		line = bytes.TrimRight(line, "\r\n")
		kw, rest, _ := bytes.Cut(line, []byte(" "))
		switch string(kw) {
		case "NICK":
			if nick == "" {
				nick = string(rest)
				r.join(conn, nick)
			}
		case "MSG":
			if nick != "" {
				r.broadcast(fmt.Appendf(nil, "MSG %d %s %s\n", time.Now().UnixMilli(), nick, rest))
			}
		case "PRIV":
			to, text, _ := bytes.Cut(rest, []byte(" "))
			if nick != "" {
				r.private(conn, fmt.Appendf(nil, "PRIV %d %s %s %s\n", time.Now().UnixMilli(), nick, to, text), string(to))
			}
		case "PING":
			conn.Write(fmt.Appendf(nil, "PONG %s\n", rest))
		case "QUIT":
			r.leave(conn, nick)
			conn.Write([]byte("BYE quit\n"))
			return
		}
	}
}

// join registers conn as nick: WELCOME and USERS to it, JOIN to the others.
func (r *relay) join(conn net.Conn, nick string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reply := fmt.Appendf(nil, "WELCOME %s\nUSERS %d\n", nick, len(r.nicks)+1)
	for _, n := range r.nicks {
		reply = fmt.Appendf(reply, "USER %s\n", n)
	}
	reply = fmt.Appendf(reply, "USER %s\nHISTORY 0\n", nick)
	conn.Write(reply)
	join := fmt.Appendf(nil, "JOIN %d %s\n", time.Now().UnixMilli(), nick)
	for _, c := range r.conns {
		c.Write(join)
	}
	r.conns = append(r.conns, conn)
	r.nicks = append(r.nicks, nick)
	r.byNick[nick] = conn
}

func (r *relay) leave(conn net.Conn, nick string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, c := range r.conns {
		if c == conn {
			r.conns = append(r.conns[:i], r.conns[i+1:]...)
			r.nicks = append(r.nicks[:i], r.nicks[i+1:]...)
			delete(r.byNick, nick)
			return
		}
	}
}

// broadcast writes line to every registered client, one after another.
func (r *relay) broadcast(line []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Write(line)
	}
}

// private writes line to the client named to and back to the sender.
func (r *relay) private(from net.Conn, line []byte, to string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.byNick[to]; ok && c != from {
		c.Write(line)
	}
	from.Write(line)
}
