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
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/natter-chat/natter/internal/sdnotify"
	"github.com/natter-chat/natter/server"
	"github.com/natter-chat/natter/server/monitor"
	"github.com/natter-chat/natter/server/webapp"
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
	if opts.status {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := monitor.Status(sctx, http.DefaultClient, metricsURL(opts.metricsAddr), stdout); err != nil {
			fmt.Fprintln(stderr, "natterd:", err)
			return 1
		}
		return 0
	}
	if opts.qr {
		if err := printQR(stdout, opts.httpAddr); err != nil {
			fmt.Fprintln(stderr, "natterd:", err)
			return 2
		}
		return 0
	}
	if opts.backup != "" {
		return backup(ctx, opts, stdout, stderr)
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
	cfg.Transfers = &opts.transfers
	cfg.DataDir = dataDirFor(opts.dataDir, cfg.Dir)
	if cfg.DataDir == "" && opts.tls.tlsAddr(&cfg) != "" {
		fmt.Fprintln(stderr, `natterd: TLS keeps the hub's key in its data folder: give -data-dir a folder, or turn TLS off with -tls-addr ""`)
		return 2
	}
	opts.tls.apply(&cfg)
	if opts.announce {
		cfg.Discovery = &server.DiscoveryConfig{Announcer: opts.announcer}
	}
	if opts.httpAddr != "" {
		cfg.Web = &server.WebConfig{Addr: opts.httpAddr, App: webapp.FS()}
	}
	h, err := server.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "natterd:", err)
		return 1
	}
	ls, err := h.Listen()
	if err != nil {
		fmt.Fprintln(stderr, "natterd:", err)
		return 1
	}
	sessions := ls.TLS
	if ls.Sessions != nil {
		sessions = ls.Sessions
	}
	fmt.Fprintf(stdout, "natterd: hub %q listening on %s, sharing %s; file transfers on udp %s\n", cfg.Name, sessions.Addr(), cfg.Dir, ls.Packets.LocalAddr())
	printTLS(stdout, h, ls)
	printJoinLink(stdout, ls.Web)
	// Under systemd (Type=notify) the hub counts as started once its ports
	// are open; elsewhere this does nothing.
	notify := func(states ...string) {
		if _, err := sdnotify.Notify(opts.getenv, states...); err != nil {
			cfg.Logger.Warn("cannot tell the service manager how the hub is doing", "err", err)
		}
	}
	notify(sdnotify.Ready, sdnotify.Status(fmt.Sprintf("listening on %s, transfers on udp %s", sessions.Addr(), ls.Packets.LocalAddr())))
	defer notify(sdnotify.Stopping)
	if opts.metricsAddr != "" {
		mctx, stopMonitor := context.WithCancel(ctx)
		stopped := serveMonitor(mctx, opts.metricsAddr, h, cfg.Logger)
		defer func() {
			stopMonitor()
			<-stopped
		}()
	}
	if err := h.ServeListeners(ctx, ls); err != nil {
		fmt.Fprintln(stderr, "natterd:", err)
		return 1
	}
	return 0
}
