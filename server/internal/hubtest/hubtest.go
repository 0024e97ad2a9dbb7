// Package hubtest runs a real Natter hub inside a test's own process, on a
// fresh port of 127.0.0.1. Only tests import it.
package hubtest

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/server"
)

// Serve runs a hub configured by cfg until the test ends, and returns the
// address it listens on. The hub shares an empty temporary folder, whatever
// cfg.Dir says, and logs nothing. The test fails when the hub does not stop
// cleanly within 30 seconds of its end.
func Serve(t testing.TB, cfg server.Config) string {
	t.Helper()
	return Start(t, cfg).Addr
}

// Running is a hub started by Start.
type Running struct {
	Hub  *server.Hub
	Addr string // host:port of its sessions
	// TLSAddr is host:port of its TLS sessions, when cfg.TLS asked for
	// them (its key in a temporary folder unless cfg names one).
	TLSAddr string
	// Stop stops the hub before the test ends and waits for it; the test
	// fails if it did not stop cleanly. Later calls do nothing.
	Stop func()
}

// Start runs a hub as Serve does and returns it, serving.
func Start(t testing.TB, cfg server.Config) *Running {
	t.Helper()
	cfg.Dir = t.TempDir()
	cfg.Logger = slog.New(slog.DiscardHandler)
	if cfg.TLS != nil && cfg.TLS.Identity == nil && cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	h, err := server.New(cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ls := server.Listeners{Sessions: ln}
	if cfg.TLS != nil {
		ls.TLS, err = net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.ServeListeners(ctx, ls) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				assert.NoError(t, err)
			case <-time.After(30 * time.Second):
				t.Error("hub did not stop")
			}
		})
	}
	t.Cleanup(stop)
	r := &Running{Hub: h, Addr: ln.Addr().String(), Stop: stop}
	if ls.TLS != nil {
		r.TLSAddr = ls.TLS.Addr().String()
	}
	return r
}

// WithoutFloodLimit returns cfg with the hub's limits on how fast a session
// may send lifted, and loopback exempt from the per-host limits (a load
// run opens every client from this host), as a load run needs.
func WithoutFloodLimit(cfg server.Config) server.Config {
	cfg.MaxLineRate = server.NoLineLimit
	cfg.Hosts.Exempt, _ = server.ParseHostList("127.0.0.0/8,::1")
	return cfg
}
