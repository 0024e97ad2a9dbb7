package server_test

import (
	"context"
	"log"
	"os"
	"os/signal"

	"github.com/natter-chat/natter/server"
)

// A hub with file transfers, on TCP and UDP port 50000, whose shared files
// stock TFTP clients may also fetch by name.
func ExampleTransferService() {
	ts := server.NewTransferService(server.TransferConfig{Public: true})
	cfg := server.DefaultConfig()
	cfg.Dir = os.TempDir()
	cfg.Transfers = ts
	h, err := server.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := ts.ListenAndServe(ctx, h); err != nil {
		log.Fatal(err)
	}
}
