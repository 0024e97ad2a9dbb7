// Command xferbench is the client side of scripts/bench-transfer.sh.
//
//	xferbench get -addr 127.0.0.1:50000 -file name [-window 16] [-sha256 hex]
//
// downloads a file with Natter's TFTP client into nothing and prints the
// bytes, seconds and rate; with -sha256 it fails unless the data matches.
//
//	xferbench relay -listen 127.0.0.1:P -to 127.0.0.1:Q -loss 0.01 [-seed 1]
//
// relays TFTP between clients and the server at -to, dropping each datagram
// to or from a client with the given probability. It follows TFTP's
// transfer identifiers: every client gets an upstream socket of its own,
// and the server's answers, from whatever port the server picks, reach the
// client from the relay's -listen port. Both servers of the benchmark are
// measured through the same relay, so it costs them alike.
package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/natter-chat/natter/core/tftp"
	"github.com/natter-chat/natter/core/tftp/lossy"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "get":
		err = get(ctx, os.Args[2:])
	case "relay":
		err = relay(ctx, os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "xferbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: xferbench get -addr host:port -file name [-window n] [-blksize n] [-sha256 hex]\n"+
		"       xferbench relay -listen host:port -to host:port -loss p [-seed n]")
	os.Exit(2)
}

func get(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("get", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:50000", "TFTP server `address`")
	file := fs.String("file", "", "file `name` or token to fetch")
	window := fs.Int("window", 1, "windowsize to ask for")
	blksize := fs.Int("blksize", tftp.DefaultClientBlockSize, "blksize to ask for")
	want := fs.String("sha256", "", "expected SHA-256 in hex")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	fs.Parse(args)
	if *file == "" {
		return errors.New("get: -file is required")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	start := time.Now()
	res, err := tftp.Download(ctx, *addr, *file, &tftp.ClientOptions{WindowSize: *window, BlockSize: *blksize}, io.Discard)
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	if *want != "" && hex.EncodeToString(res.SHA256[:]) != *want {
		return fmt.Errorf("get: received %d bytes with SHA-256 %x, want %s", res.Bytes, res.SHA256, *want)
	}
	fmt.Printf("bytes=%d seconds=%.3f MBps=%.1f retransmits=%d timeouts=%d\n",
		res.Bytes, secs, float64(res.Bytes)/secs/1e6, res.Stats.Retransmits, res.Stats.Timeouts)
	return nil
}

func relay(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("relay", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "`address` clients send to")
	to := fs.String("to", "", "the TFTP server's `address`")
	loss := fs.Float64("loss", 0, "probability that a datagram to or from a client is dropped")
	seed := fs.Uint64("seed", 1, "seed of the drop decisions")
	fs.Parse(args)
	server, err := net.ResolveUDPAddr("udp", *to)
	if err != nil {
		return fmt.Errorf("relay: -to: %w", err)
	}
	pc, err := net.ListenPacket("udp", *listen)
	if err != nil {
		return err
	}
	front := lossy.New(pc, lossy.Config{Seed: *seed, Drop: *loss})
	defer front.Close()
	context.AfterFunc(ctx, func() { front.SetReadDeadline(time.Now()) })

	var wg sync.WaitGroup
	defer wg.Wait()
	type upstream struct {
		conn *net.UDPConn
		mu   sync.Mutex
		peer *net.UDPAddr // the server's transfer port, once it answered
	}
	clients := map[string]*upstream{}
	defer func() {
		for _, u := range clients {
			u.conn.Close()
		}
	}()
	buf := make([]byte, 65536)
	for {
		n, from, err := front.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		u := clients[from.String()]
		if u == nil {
			c, err := net.ListenUDP("udp", nil)
			if err != nil {
				return err
			}
			u = &upstream{conn: c}
			clients[from.String()] = u
			wg.Add(1)
			go func(client net.Addr) {
				defer wg.Done()
				b := make([]byte, 65536)
				for {
					n, src, err := u.conn.ReadFromUDP(b)
					if err != nil {
						return
					}
					u.mu.Lock()
					if u.peer == nil {
						u.peer = src
					}
					u.mu.Unlock()
					_, _ = front.WriteTo(b[:n], client)
				}
			}(from)
		}
		u.mu.Lock()
		dst := u.peer
		u.mu.Unlock()
		if dst == nil {
			dst = server
		}
		_, _ = u.conn.WriteToUDP(buf[:n], dst)
	}
}
