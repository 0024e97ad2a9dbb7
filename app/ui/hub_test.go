package ui_test

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/server"
)

// testHub is a real in-process hub on 127.0.0.1, with file transfers,
// sharing a temporary folder.
type testHub struct {
	addr string
	dir  string
	// stop shuts the hub down (its sessions get BYE shutdown) and waits.
	stop func()
}

// startHub starts a hub sharing files; adjust, if not nil, changes its
// configuration first.
func startHub(t *testing.T, files map[string][]byte, adjust ...func(*server.Config)) *testHub {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg := server.Config{
		Addr: ln.Addr().String(), UDPAddr: conn.LocalAddr().String(),
		Dir: dir, Name: "Test hub", Transfers: &server.TransferConfig{},
		Logger: slog.New(slog.DiscardHandler),
	}
	for _, f := range adjust {
		f(&cfg)
	}
	hub, err := server.New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hub.ServeListeners(ctx, server.Listeners{Sessions: ln, Packets: conn}) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	return &testHub{addr: ln.Addr().String(), dir: dir, stop: stop}
}
