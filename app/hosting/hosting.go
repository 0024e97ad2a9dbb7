// Package hosting runs a Natter hub inside the app, for "Host a hub on
// this device": one person starts the app, ticks the box, and the others
// on the network join them. The hub makes itself findable on the network
// as natterd does (package core/discovery): by multicast DNS and by
// answering discovery probes on its UDP port.
package hosting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"

	"github.com/natter-chat/natter/core/discovery"
	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/server"
)

// DefaultAddr is where a hosted hub listens when the port is free: every
// interface, so others on the network can join.
const DefaultAddr = ":50000"

// Config says where a hosted hub listens and what it shares.
type Config struct {
	// Addr is the TCP address to listen on (default DefaultAddr). When that
	// port is taken, the hub takes a free port on the same host instead.
	Addr string
	// Dir is the shared folder; it is created if missing.
	Dir string
	// DataDir is the hub's own folder, created if missing: its database
	// (the history it keeps across restarts) and its TLS key, made once and
	// kept. With it the hub also serves TLS, on the port after Addr's or,
	// when that is taken, a free one; without it, plaintext only and the
	// history in memory.
	DataDir string
	// Name is the hub's name (default: "<host name>'s hub").
	Name string
	// Logger receives the hub's diagnostics; nil discards them.
	Logger *slog.Logger
	// NoAnnounce keeps the hub out of LAN discovery: it is then neither
	// announced by multicast DNS nor answers discovery probes. (Without it,
	// a hub on a loopback address answers probes but is not announced.)
	NoAnnounce bool
	// Announcer tunes the multicast DNS announcer; the zero value announces
	// on every interface that carries multicast.
	Announcer discovery.AnnouncerOptions
}

// Hub is a running hosted hub.
type Hub struct {
	hub     *server.Hub
	dir     string
	port    int
	udpPort int
	tlsPort int                  // 0 without TLS
	key     identity.Fingerprint // the hub's TLS key; zero without TLS
	cancel  context.CancelFunc
	done    chan error
}

// Start starts a hub for cfg and returns once it is accepting sessions.
// The hub runs until Close or until ctx is done.
func Start(ctx context.Context, cfg Config) (*Hub, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Dir == "" {
		return nil, errors.New("hosting: no shared folder given")
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("hosting: shared folder: %w", err)
	}
	if cfg.Name == "" {
		cfg.Name = defaultName()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hcfg := server.Config{
		Dir:       cfg.Dir,
		DataDir:   cfg.DataDir,
		Name:      cfg.Name,
		Transfers: &server.TransferConfig{},
		// The host copies files into the folder: others see them come.
		WatchInterval: server.DefaultWatchInterval,
		Logger:        log,
	}
	if !cfg.NoAnnounce {
		hcfg.Discovery = &server.DiscoveryConfig{Announcer: cfg.Announcer}
	}
	if cfg.DataDir != "" {
		hcfg.DataDir, hcfg.TLS = cfg.DataDir, &server.TLSConfig{}
	}
	hub, err := server.New(hcfg)
	if err != nil {
		return nil, fmt.Errorf("hosting: %w", err)
	}
	ls, err := listen(cfg.Addr, log)
	if err != nil {
		return nil, err
	}
	if hcfg.TLS != nil {
		if ls.TLS, err = listenTLS(ls.Sessions.Addr().(*net.TCPAddr)); err != nil {
			ls.Sessions.Close()
			ls.Packets.Close()
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	h := &Hub{
		hub:     hub,
		dir:     cfg.Dir,
		port:    ls.Sessions.Addr().(*net.TCPAddr).Port,
		udpPort: ls.Packets.LocalAddr().(*net.UDPAddr).Port,
		cancel:  cancel,
		done:    make(chan error, 1),
	}
	if ls.TLS != nil {
		h.tlsPort = ls.TLS.Addr().(*net.TCPAddr).Port
		h.key, _ = hub.Fingerprint()
	}
	go func() {
		err := hub.ServeListeners(ctx, ls)
		cancel()
		h.done <- err
	}()
	return h, nil
}

// listen opens the listeners of a hosted hub at addr: sessions on its TCP
// port or, when that is taken, on a free port of the same host; transfers
// and discovery probes on the same port number over UDP when it is free,
// else on a free one.
func listen(addr string, log *slog.Logger) (server.Listeners, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return server.Listeners{}, fmt.Errorf("hosting: address %q: %w", addr, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		// The port is taken (another hub?): any free port will do.
		var err2 error
		ln, err2 = net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err2 != nil {
			return server.Listeners{}, fmt.Errorf("hosting: listen on %s: %w", addr, err)
		}
		log.Info("hub port taken; using a free one", "wanted", addr, "got", ln.Addr().String())
	}
	port := ln.Addr().(*net.TCPAddr).Port
	conn, err := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		conn, err = net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			ln.Close()
			return server.Listeners{}, fmt.Errorf("hosting: listen for transfers: %w", err)
		}
	}
	return server.Listeners{Sessions: ln, Packets: conn}, nil
}

func defaultName() string {
	host, err := os.Hostname()
	if err != nil || host == "" || host == "localhost" {
		return "Natter hub"
	}
	return host + "'s hub"
}

// Addr is the address to join the hub at from this device.
func (h *Hub) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(h.port)) }

// Port is the TCP port the hub listens on.
func (h *Hub) Port() int { return h.port }

// UDPPort is the UDP port of file transfers and discovery probes.
func (h *Hub) UDPPort() int { return h.udpPort }

// Dir is the shared folder: what is put there is shared with everyone.
func (h *Hub) Dir() string { return h.dir }

// Stats are the hub's figures now (server.Hub.Stats).
func (h *Hub) Stats() server.Stats { return h.hub.Stats() }

// Others says who would notice the hub stopping, for the question asked
// before it is stopped: the people registered but one (this device's own
// session), and the file transfers granted or running, any one's.
func (h *Hub) Others() (people, transfers int) {
	st := h.hub.Stats()
	return max(st.Registered-1, 0), st.Transfers.Slots
}

// Close stops the hub (its sessions get `BYE shutdown`) and waits for it.
func (h *Hub) Close() error {
	h.cancel()
	err := <-h.done
	h.done <- err // a second Close returns the same
	return err
}

// LANAddrs are the addresses others on the network can join at, best
// effort: the hub's port on each up, non-loopback IPv4 interface address.
// It is empty where interfaces cannot be listed (Android since targetSdk 30).
func (h *Hub) LANAddrs() []string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []string
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok || ipn.IP.To4() == nil || ipn.IP.IsLinkLocalUnicast() {
				continue
			}
			out = append(out, net.JoinHostPort(ipn.IP.String(), strconv.Itoa(h.port)))
		}
	}
	return out
}
