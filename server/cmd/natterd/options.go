package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/natter-chat/natter/core/discovery"
	"github.com/natter-chat/natter/server"
)

// envPrefix starts the name of the environment variable of every flag:
// -max-clients is also NATTER_MAX_CLIENTS.
const envPrefix = "NATTER_"

// envName returns the environment variable for a flag.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// options is what the command line and environment say.
type options struct {
	cfg       server.Config
	transfers server.TransferConfig
	history   int
	logFormat string
	logLevel  slog.Level
	// announce makes the hub findable on the local network: multicast DNS
	// announcements and answers to broadcast probes.
	announce bool
	version  bool   // -version: print it and exit
	status   bool   // -status: print a running hub's figures and exit
	qr       bool   // -qr: print the join link and its QR code, and exit
	httpAddr string // -http-addr: the web app's address; "" for none
	// metricsAddr serves /healthz and /metrics; "" for none.
	metricsAddr string
	// dataDir is -data-dir as given: "" for the default beside the
	// shared folder (see dataDirFor), "-" for none.
	dataDir string
	backup  string // -backup: copy the database to this file and exit
	// getenv reads the environment (NOTIFY_SOCKET, for readiness).
	getenv func(string) string
	// announcer tunes the multicast DNS announcer (tests confine it).
	announcer discovery.AnnouncerOptions
	// tls configures the TLS port and the data folder (applied by serve).
	tls tlsFlags
}

// byteSize is a flag.Value for sizes such as 8MiB, 512KiB or 65536.
type byteSize int64

func (s *byteSize) String() string { return formatSize(int64(*s)) }

func (s *byteSize) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = byteSize(n)
	return nil
}

var sizeUnits = []struct {
	suffix string
	factor int64
}{
	{"PiB", 1 << 50}, {"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"PB", 1e15}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"kB", 1e3},
	{"P", 1 << 50}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"k", 1 << 10},
	{"B", 1},
}

// portRange is a flag.Value for an inclusive range of ports, "55000-55015",
// or "" for none.
type portRange struct{ min, max int }

func (r *portRange) String() string {
	if r.min == 0 {
		return ""
	}
	return strconv.Itoa(r.min) + "-" + strconv.Itoa(r.max)
}

func (r *portRange) Set(v string) error {
	if v == "" {
		*r = portRange{}
		return nil
	}
	lo, hi, ok := strings.Cut(v, "-")
	a, err1 := strconv.Atoi(lo)
	b, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil || a < 1 || b > 65535 || a > b {
		return fmt.Errorf("port range %q: want two ports from 1 to 65535 such as 55000-55015, the first not above the second", v)
	}
	*r = portRange{a, b}
	return nil
}

// parseSize parses a byte count with an optional unit: B, KiB, MiB, GiB,
// TiB, PiB (K, M, G, T, P are the same), or KB, MB, GB, TB, PB (powers of
// ten).
func parseSize(v string) (int64, error) {
	num, factor := strings.TrimSpace(v), int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(num, u.suffix) {
			num, factor = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/factor {
		return 0, fmt.Errorf("size %q: want a non-negative number of bytes, optionally with a unit such as KiB or MiB", v)
	}
	return n * factor, nil
}

func formatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		factor int64
	}{{"PiB", 1 << 50}, {"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.factor && n%u.factor == 0 {
			return strconv.FormatInt(n/u.factor, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// parseOptions reads the flags in args, taking each flag that args does not
// set from its environment variable (looked up with getenv). Usage and
// errors go to out. For -h it returns flag.ErrHelp.
func parseOptions(args []string, getenv func(string) string, out io.Writer) (*options, error) {
	d := server.DefaultConfig()
	o := &options{cfg: d, getenv: getenv}
	c := &o.cfg
	fs := flag.NewFlagSet("natterd", flag.ContinueOnError)
	fs.SetOutput(out)

	fs.StringVar(&c.Addr, "addr", d.Addr, "TCP `address` for chat sessions")
	fs.StringVar(&c.UDPAddr, "udp-addr", d.UDPAddr, "UDP `address` for file transfer requests (TFTP)")
	var ports portRange
	fs.Var(&ports, "udp-ports", "`range` of UDP ports transfers run from, such as 55000-55015 (default: any free port)")
	fs.BoolVar(&o.transfers.Public, "tftp-public", false, "serve shared files to any TFTP client by name, read-only, without a token")
	maxUpload := byteSize(server.DefaultMaxUpload)
	fs.Var(&maxUpload, "max-upload", "largest upload in `bytes`; larger ones get ERR 413 too-large (units: KiB, MiB, GiB, TiB, ...)")
	fs.StringVar(&c.Dir, "dir", d.Dir, "shared `folder`; created if missing")
	fs.DurationVar(&c.WatchInterval, "watch", d.WatchInterval, "how often to look for files copied into or removed from -dir, to announce them, such as 2s (0: never)")
	fs.StringVar(&c.Name, "name", d.Name, fmt.Sprintf("hub `name` sent to clients in HELLO: text of at most %d bytes", server.MaxNameLen))
	fs.IntVar(&o.history, "history", d.History, "public `messages` replayed to a client on registration (0: none)")
	fs.StringVar(&o.dataDir, "data-dir", "", "`folder` of the hub's database (history kept across restarts) and its TLS key; created if missing; - keeps history in memory only and needs -tls-addr \"\" (default: data beside the shared folder)")
	fs.IntVar(&c.HistoryKeep, "history-keep", d.HistoryKeep, "stored public `messages` kept; older ones are forgotten")
	fs.IntVar(&c.HistoryDays, "history-days", d.HistoryDays, "`days` a stored public message is kept")
	fs.IntVar(&c.KeptMessages, "kept-max", d.KeptMessages, "private `messages` kept for the owner of a nick while offline; more get ERR 507 no-space")
	keptBytes := byteSize(d.KeptBytes)
	fs.Var(&keptBytes, "kept-bytes", "`bytes` of private messages kept for the owner of a nick while offline (units: KiB, MiB, ...)")
	fs.IntVar(&c.KeptDays, "kept-days", d.KeptDays, "`days` a private message is kept for the owner of a nick")
	fs.IntVar(&c.MaxClients, "max-clients", d.MaxClients, "most `clients` at once; the next gets ERR 503 hub-full")
	fs.Float64Var(&c.MaxLineRate, "rate", d.MaxLineRate, "`lines` per second a client may send; more get ERR 429 slow-down (inf: no limit, for load tests)")
	fs.IntVar(&c.LineBurst, "burst", d.LineBurst, "`lines` a client may send at once above the rate")
	fs.IntVar(&c.FloodLimit, "flood-limit", d.FloodLimit, "refused `lines` within -flood-window after which a client is dropped (flood)")
	fs.DurationVar(&c.FloodWindow, "flood-window", d.FloodWindow, "`time` window for -flood-limit")
	outQueue := byteSize(d.OutQueueBytes)
	fs.Var(&outQueue, "out-queue", "`bytes` queued for one client before it is dropped as too-slow (units: KiB, MiB, ...)")
	readBuf := byteSize(d.ReadBufferSize)
	fs.Var(&readBuf, "read-buffer", "size in `bytes` of the read buffers the hub lends to clients while it handles their input "+
		"(pooled: a client waiting for input holds none; a size under 16KiB, two of the longest lines, means 16KiB)")
	fs.DurationVar(&c.RegisterTimeout, "register-timeout", d.RegisterTimeout, "`time` a client has to register before BYE registration-timeout")
	fs.IntVar(&c.MaxNickTries, "max-nick-tries", d.MaxNickTries, "refused `nicks` before BYE registration-timeout")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", d.IdleTimeout, "silence from a client before the hub sends PING")
	fs.DurationVar(&c.PingTimeout, "ping-timeout", d.PingTimeout, "further silence after PING before the client is dropped (timeout)")
	fs.DurationVar(&c.FlushTimeout, "flush-timeout", d.FlushTimeout, "`time` a closing session gets to receive its last lines")
	fs.IntVar(&c.MaxTransfers, "max-transfers", d.MaxTransfers, "file `transfers` at once, hub-wide, granted ones included; more get ERR 409 busy")
	fs.IntVar(&c.MaxTransfersPerClient, "max-transfers-per-client", d.MaxTransfersPerClient, "file `transfers` at once per client, granted ones included")
	limitFlags(fs, c, &d)
	o.tls.define(fs)
	fs.BoolVar(&o.announce, "announce", true, "make the hub findable on the local network: announce it by multicast DNS (_natter._tcp; not when -addr is a loopback address) "+
		"and answer discovery probes on the UDP port; -announce=false turns both off")
	fs.StringVar(&o.logFormat, "log-format", "text", "log `format`: text or json")
	logLevel := "info"
	fs.StringVar(&logLevel, "log-level", logLevel, "log `level`: debug, info, warn or error")
	fs.StringVar(&o.httpAddr, "http-addr", server.DefaultWebAddr, "TCP `address` of the web app, its WebSocket sessions and HTTP transfers (empty: none)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", defaultMetricsAddr, "HTTP `address` for /healthz and /metrics (Prometheus); empty for none")
	fs.BoolVar(&o.status, "status", false, "print the figures of the hub running with this -metrics-addr, and exit")

	fs.VisitAll(func(f *flag.Flag) {
		f.Usage += " [$" + envName(f.Name) + "]"
	})
	// Neither -version, -status, -qr nor -backup is taken from the
	// environment: a variable left over from a build would turn the hub
	// into a printer or a copier.
	fs.BoolVar(&o.qr, "qr", false, "print the link that opens the web app, and its QR code for a phone to scan, and exit")
	fs.BoolVar(&o.version, "version", false, "print the version and the revision natterd was built from, and exit")
	fs.StringVar(&o.backup, "backup", "", "write a consistent copy of the database in -data-dir to `file` (a new one), even while a hub runs on it, and exit")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: natterd [flags]\n\n"+
			"natterd runs a Natter chat hub (protocol natter/1).\n"+
			"Every flag can also be set with the environment variable shown in\n"+
			"brackets; a flag on the command line wins over the environment.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || f.Name == "version" || f.Name == "status" || f.Name == "qr" || f.Name == "backup" {
			return
		}
		env := envName(f.Name)
		if v := getenv(env); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("$%s=%q: %w", env, v, err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	if outQueue > math.MaxInt32 || readBuf > math.MaxInt32 {
		return nil, errors.New("-out-queue and -read-buffer must be below 2GiB")
	}
	if err := o.tls.check(c); err != nil {
		return nil, err
	}
	c.OutQueueBytes = int(outQueue)
	c.ReadBufferSize = int(readBuf)
	o.transfers.PortMin, o.transfers.PortMax = ports.min, ports.max
	if maxUpload <= 0 {
		return nil, fmt.Errorf("-max-upload %d: want a positive size", maxUpload)
	}
	o.transfers.MaxUpload = int64(maxUpload)
	c.History = o.history
	if o.history == 0 {
		c.History = server.NoHistory
	}
	switch o.logFormat {
	case "text", "json":
	default:
		return nil, fmt.Errorf("-log-format %q: want text or json", o.logFormat)
	}
	if err := o.logLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", logLevel)
	}
	c.KeptBytes = int64(keptBytes)
	if c.KeptMessages <= 0 || c.KeptBytes <= 0 || c.KeptDays <= 0 {
		return nil, fmt.Errorf("-kept-max %d, -kept-bytes %d, -kept-days %d: want positive numbers", c.KeptMessages, c.KeptBytes, c.KeptDays)
	}
	if c.HistoryKeep <= 0 || c.HistoryDays <= 0 {
		return nil, fmt.Errorf("-history-keep %d, -history-days %d: want positive numbers", c.HistoryKeep, c.HistoryDays)
	}
	if o.backup != "" && o.dataDir == "-" {
		return nil, errors.New("-backup needs a -data-dir holding a database")
	}
	if o.history < 0 {
		return nil, fmt.Errorf("-history %d: want 0 or more", o.history)
	}
	for name, d := range map[string]time.Duration{
		"flood-window": c.FloodWindow, "register-timeout": c.RegisterTimeout, "idle-timeout": c.IdleTimeout,
		"ping-timeout": c.PingTimeout, "flush-timeout": c.FlushTimeout,
	} {
		if d <= 0 {
			return nil, fmt.Errorf("-%s %v: want a positive duration", name, d)
		}
	}
	return o, nil
}

// newLogger returns the logger the options ask for, writing to w.
func (o *options) newLogger(w io.Writer) *slog.Logger {
	hopts := &slog.HandlerOptions{Level: o.logLevel}
	if o.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, hopts))
	}
	return slog.New(slog.NewTextHandler(w, hopts))
}

// dataDirFor returns the data folder of a hub sharing dir, as -data-dir
// asks: by default "data" beside the shared folder (./data for ./shared),
// and "" (none) for "-".
func dataDirFor(dataDir, dir string) string {
	switch dataDir {
	case "-":
		return ""
	case "":
		return filepath.Join(filepath.Dir(filepath.Clean(dir)), "data")
	}
	return dataDir
}
