// Command natterload puts a Natter hub under load, in the manner of
// redis-benchmark: it connects many natter/1 clients, registers them, lets
// some of them send messages to everyone (or privately to random others)
// and reports how fast and how completely the hub delivered them, with
// end-to-end latency and the hub's memory.
//
//	natterload -addr 127.0.0.1:50000 -clients 1000 -senders 2 -messages 2000
//	natterload -spawn-hub ./natterd -clients 1000 -senders 2 -rate 100 -messages 1000
//	natterload -spawn-hub ./natterd -clients 10000 -senders 0 -json
//
// The hub must run with its flood limit lifted, or it answers the senders
// with ERR 429 slow-down and soon drops them as a flood:
//
//	natterd -rate inf
//
// -spawn-hub starts natterd that way (see -hub-args) on a free loopback
// port, measures its memory and stops it afterwards; for 10,000 clients or
// more it also raises -max-clients. Only loopback addresses are accepted
// unless -allow-remote is given.
//
// natterload raises its open-file limit to the hard limit (a spawned hub
// inherits it); 10,000 clients need about 10,100 open files, and if the hard
// limit is lower it says so and stops (raise it with `ulimit -n` as root).
//
// Figures: the connect time runs from the first dial to the last WELCOME;
// deliveries per second are the messages received by all clients over the
// time from the first send to the last delivery; latency is from the send
// to the read that brought the line in, on natterload's monotonic clock,
// kept in a log-bucket histogram (about 3% precision); the hub's memory is
// its VmRSS before connecting, once all clients are registered and idle,
// and the highest sample (every 20 ms) while messages flow. natterload
// shares the machine with the hub, and on a small machine its own reading
// takes a part of the CPU: the report shows how much, and -cpuprofile where.
//
// On Linux natterload reads its clients with event loops of its own
// (-receive epoll, -receivers loops), one non-blocking read per ready
// connection, as redis-benchmark does; -receive goroutines gives every
// client a goroutine reading through Go's network poller instead, which is
// portable but takes about twice the reads and a goroutine switch per
// delivery. One loop reads on one core at most: at full speed, -receivers 2
// keeps up with a hub that one loop cannot. With -rate the senders all start
// at the same instant, so the hub sees bursts of -senders messages; -spread
// spreads their schedules evenly over the interval.
//
// The exit status is 0 when every message reached every receiver once and
// in order and no client was dropped, 1 when the run failed or was
// incomplete (the report still says what arrived), 2 for bad usage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/natter-chat/natter/server/internal/load"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command line beyond load.Config.
type options struct {
	cfg      load.Config
	mode     string
	receive  string
	asJSON   bool
	quiet    bool
	spawnHub string
	hubArgs  string
	hubLog   string
	cpuProf  string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("natterload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: natterload [flags]\n\n"+
			"Connects -clients natter/1 clients to a hub, lets -senders of them send -messages\n"+
			"each, and reports deliveries per second, latency, losses, drops and hub memory.\n"+
			"The hub must run with its flood limit lifted (or use -spawn-hub).\n\nflags:\n")
		fs.PrintDefaults()
	}
	c := &o.cfg
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:50000", "hub TCP `address`")
	fs.BoolVar(&c.AllowRemote, "allow-remote", false, "allow a hub address that is not loopback")
	fs.BoolVar(&c.TLS, "tls", false, "connect with TLS: -addr is the hub's TLS port, or with -spawn-hub its TLS port is used; clients read with goroutines")
	fs.IntVar(&c.Clients, "clients", 100, "clients to connect and register")
	fs.IntVar(&c.Senders, "senders", 2, "clients that send (0: only connect and measure idle memory)")
	fs.IntVar(&c.Messages, "messages", 1000, "messages per sender")
	fs.IntVar(&c.Size, "size", 64, fmt.Sprintf("bytes of text per message (%d..%d)", load.MinSize, load.MaxSize))
	fs.Float64Var(&c.Rate, "rate", 0, "messages per second per sender (0: full speed)")
	fs.StringVar(&o.mode, "mode", "msg", "msg: MSG to everyone; priv: PRIV to random receivers")
	fs.BoolVar(&c.Spread, "spread", false, "with -rate: start the senders spread evenly over one sending interval, not all at once")
	fs.StringVar(&o.receive, "receive", string(load.DefaultReceiver), "how to read the clients: epoll (event loops, Linux only) or goroutines (one per client)")
	fs.IntVar(&c.Receivers, "receivers", runtime.GOMAXPROCS(0), "event loops reading the clients with -receive epoll (the default is one per processor)")
	fs.DurationVar(&c.Timeout, "timeout", 60*time.Second, "bound on the whole run")
	fs.DurationVar(&c.SettleTimeout, "settle-timeout", 0, "bound on waiting, after registration, for every client to see all others (0: the rest of -timeout)")
	fs.DurationVar(&c.Hold, "hold", 0, "keep the clients connected and idle this long after registration, before sending (within -timeout)")
	fs.IntVar(&c.Dialers, "dialers", 64, "clients connecting and registering at the same time")
	fs.StringVar(&c.NickPrefix, "nick-prefix", "load", "start of every nick; the client number follows")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed for choosing the receivers of private messages")
	fs.IntVar(&c.HubPID, "hub-pid", 0, "hub process `id`, to read its memory from /proc")
	fs.StringVar(&o.spawnHub, "spawn-hub", "", "start this natterd `binary` on a free loopback port, with its flood limit lifted, and measure it")
	fs.StringVar(&o.hubArgs, "hub-args", defaultHubArgs, "flags for the hub started by -spawn-hub; -addr, -udp-addr and -dir are added")
	fs.StringVar(&o.hubLog, "hub-log", "", "`file` for the spawned hub's output (default: discarded unless it fails to start)")
	fs.BoolVar(&o.asJSON, "json", false, "print the report as JSON")
	fs.BoolVar(&o.quiet, "q", false, "no progress messages on stderr")
	fs.StringVar(&o.cpuProf, "cpuprofile", "", "write natterload's own CPU profile to `file`, to check that it is not the bottleneck")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	mode, err := load.ParseMode(o.mode)
	if err != nil {
		return nil, err
	}
	c.Mode = mode
	if c.Receive, err = load.ParseReceiver(o.receive); err != nil {
		return nil, err
	}
	if c.Receivers < 1 {
		return nil, fmt.Errorf("receivers %d: want 1 or more event loops", c.Receivers)
	}
	if o.spawnHub != "" && c.HubPID != 0 {
		return nil, errors.New("-spawn-hub and -hub-pid exclude each other")
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "natterload:", err)
		return 2
	}
	if !o.quiet {
		o.cfg.Logf = func(format string, args ...any) {
			fmt.Fprintf(stderr, "natterload: "+format+"\n", args...)
		}
	}
	if _, err := load.RaiseFileLimit(load.FilesNeeded(o.cfg.Clients)); err != nil {
		fmt.Fprintln(stderr, "natterload:", err)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if o.spawnHub != "" {
		hub, err := spawnHub(ctx, o.spawnHub, o.hubArgs, o.hubLog, o.cfg.Clients)
		if err != nil {
			fmt.Fprintln(stderr, "natterload:", err)
			return 1
		}
		defer func() {
			if err := hub.Stop(); err != nil {
				fmt.Fprintln(stderr, "natterload: stopping the hub:", err)
			}
		}()
		o.cfg.Addr = hub.Addr
		if o.cfg.TLS {
			if hub.TLSAddr == "" {
				fmt.Fprintln(stderr, "natterload: -tls with -hub-args that set -tls-addr: give the hub's TLS port as -addr and run it yourself")
				return 2
			}
			o.cfg.Addr = hub.TLSAddr
		}
		o.cfg.HubPID = hub.PID()
		if !o.quiet {
			fmt.Fprintf(stderr, "natterload: hub pid %d on %s: %s\n", hub.PID(), hub.Addr, hub.Command)
		}
	}

	if o.cpuProf != "" {
		stopProfile, err := startCPUProfile(o.cpuProf)
		if err != nil {
			fmt.Fprintln(stderr, "natterload:", err)
			return 2
		}
		defer stopProfile()
	}
	rep, err := load.Run(ctx, o.cfg)
	if rep == nil {
		fmt.Fprintln(stderr, "natterload:", err)
		return 2
	}
	if o.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if werr := enc.Encode(rep); werr != nil {
			fmt.Fprintln(stderr, "natterload:", werr)
			return 1
		}
	} else if werr := rep.WriteText(stdout); werr != nil {
		fmt.Fprintln(stderr, "natterload:", werr)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "natterload:", err)
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

// startCPUProfile profiles natterload itself into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
