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

// A hub with file transfers on listeners of its own: the UDP socket takes
// transfer requests (and would take discovery probes).
func ExampleHub_ServeListeners() {
	cfg := server.DefaultConfig()
	cfg.Dir = os.TempDir()
	cfg.Transfers = &server.TransferConfig{}
	h, err := server.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		ln.Close()
		log.Fatal(err)
	}
	fmt.Println("listening on", ln.Addr(), "and udp", pc.LocalAddr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := h.ServeListeners(ctx, server.Listeners{Sessions: ln, Packets: pc}); err != nil {
		log.Fatal(err)
	}
}
