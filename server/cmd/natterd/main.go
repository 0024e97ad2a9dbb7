// Command natterd runs a Natter hub: chat sessions over TCP and file
// transfers (TFTP) over UDP.
//
// Run `natterd -h` for its flags; each can also be set from an environment
// variable (NATTER_ADDR for -addr, and so on). SIGINT or SIGTERM stops the
// hub gracefully: every client gets `BYE shutdown`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/natter-chat/natter/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs natterd until ctx is done and returns its exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	opts, err := parseOptions(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "natterd:", err)
		return 2
	}
	cfg := opts.cfg
	cfg.Logger = opts.newLogger(stderr)
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		fmt.Fprintln(stderr, "natterd: shared folder:", err)
		return 1
	}
	ts := server.NewTransferService(opts.transfers)
	cfg.Transfers = ts
	h, err := server.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "natterd:", err)
		return 1
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintln(stderr, "natterd:", err)
		return 1
	}
	pc, err := net.ListenPacket("udp", cfg.UDPAddr)
	if err != nil {
		ln.Close()
		fmt.Fprintln(stderr, "natterd: file transfers:", err)
		return 1
	}
	fmt.Fprintf(stdout, "natterd: hub %q listening on %s, sharing %s; file transfers on udp %s\n", cfg.Name, ln.Addr(), cfg.Dir, pc.LocalAddr())
	if err := ts.Serve(ctx, h, ln, pc); err != nil {
		fmt.Fprintln(stderr, "natterd:", err)
		return 1
	}
	return 0
}
