package server_test

import (
	"context"
	"log"
	"os"
	"os/signal"

	"github.com/natter-chat/natter/server"
)

// A hub with every part: file transfers and LAN discovery, on TCP and UDP
// port 50000. Its shared files stock TFTP clients may also fetch by name.
func ExampleHub_ListenAndServe() {
	cfg := server.DefaultConfig()
	cfg.Dir = os.TempDir()
	cfg.Transfers = &server.TransferConfig{Public: true}
	cfg.Discovery = &server.DiscoveryConfig{}
	h, err := server.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := h.ListenAndServe(ctx); err != nil {
		log.Fatal(err)
	}
}
