// Command natterd runs a Natter hub: chat sessions over TCP and file
// transfers (TFTP) over UDP.
//
// Run `natterd -h` for its flags; each can also be set from an environment
// variable (NATTER_ADDR for -addr, and so on). SIGINT or SIGTERM stops the
// hub gracefully: every client gets `BYE shutdown`.
//
// Unless started with -announce=false, the hub makes itself findable on the
// local network: it announces itself by multicast DNS as a "_natter._tcp"
// service and answers discovery probes on its UDP port (see package
// core/discovery). If multicast DNS cannot run, the log says which
// interface failed and why, and the hub goes on serving and answering
// probes. A hub listening on a loopback address only answers probes.
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
	"sync"
	"syscall"

	"github.com/natter-chat/natter/internal/sdnotify"
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
	if opts.version {
		fmt.Fprintln(stdout, versionLine(version, buildInfo()))
		return 0
	}
	return serve(ctx, opts, stdout, stderr)
}

// serve runs the hub the options describe until ctx is done and returns
// the exit code.
func serve(ctx context.Context, opts *options, stdout, stderr io.Writer) int {
	cfg := opts.cfg
	cfg.Logger = opts.newLogger(stderr)
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		fmt.Fprintln(stderr, "natterd: shared folder:", err)
		return 1
	}
	var disc *server.Discovery
	if opts.announce {
		disc = server.NewDiscovery(opts.announcer, cfg.Logger)
		opts.transfers.OtherPacket = disc.OtherPacket
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
	// Under systemd (Type=notify) the hub counts as started once its ports
	// are open; elsewhere this does nothing.
	notify := func(states ...string) {
		if _, err := sdnotify.Notify(opts.getenv, states...); err != nil {
			cfg.Logger.Warn("cannot tell the service manager how the hub is doing", "err", err)
		}
	}
	notify(sdnotify.Ready, sdnotify.Status(fmt.Sprintf("listening on %s, transfers on udp %s", ln.Addr(), pc.LocalAddr())))
	defer notify(sdnotify.Stopping)
	var announced sync.WaitGroup
	if disc != nil {
		actx, stopAnnouncing := context.WithCancel(ctx)
		defer func() {
			stopAnnouncing()
			announced.Wait()
		}()
		announced.Go(func() {
			if err := disc.Run(actx, h, ln.Addr(), pc.LocalAddr()); err != nil {
				// Not fatal: the hub serves whoever knows its address.
				cfg.Logger.Warn("the hub cannot be found on the local network", "err", err)
			}
		})
	}
	if err := ts.Serve(ctx, h, ln, pc); err != nil {
		fmt.Fprintln(stderr, "natterd:", err)
		return 1
	}
	return 0
}
