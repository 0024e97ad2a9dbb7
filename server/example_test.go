package server_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"

	"github.com/natter-chat/natter/server"
)

// A hub on a listener of its own, stopped by Ctrl-C.
func ExampleHub_Serve() {
	cfg := server.DefaultConfig()
	cfg.Dir = os.TempDir()
	cfg.Name = "Example hub"
	h, err := server.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("listening on", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := h.Serve(ctx, ln); err != nil { // every client gets BYE shutdown
		log.Fatal(err)
	}
}
