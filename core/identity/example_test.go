package identity_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/natter-chat/natter/core/identity"
)

// A hub and a client meet over TLS on 127.0.0.1: the client pins the hub's
// key on first contact, the hub learns the client's identity, and both
// derive one transfer key.
func Example() {
	dir, err := os.MkdirTemp("", "natter-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// The hub.
	hub, err := identity.LoadOrCreateHub(filepath.Join(dir, "hub"))
	if err != nil {
		log.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", identity.HubConfig(hub))
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	hubSaw := make(chan identity.Fingerprint, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		tc := conn.(*tls.Conn)
		if tc.Handshake() != nil {
			return
		}
		client, _ := identity.PeerFingerprint(tc.ConnectionState())
		conn.Write([]byte{1})
		hubSaw <- client
	}()

	// The client.
	app := filepath.Join(dir, "app")
	device, err := identity.LoadOrCreateDevice(app)
	if err != nil {
		log.Fatal(err)
	}
	pins := identity.NewPinStore(filepath.Join(app, "pins"))
	addr := ln.Addr().String()
	conn, err := identity.DialHub(context.Background(), nil, addr, device, pins, identity.TrustOnFirstUse)
	var changed *identity.KeyChangedError
	if errors.As(err, &changed) {
		log.Fatalf("the hub's key changed from %s to %s", changed.Pinned.ShortCode(), changed.Presented.ShortCode())
	} else if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	conn.Read(make([]byte, 1))

	pinned, _, _ := pins.Lookup(addr)
	fmt.Println("pinned the hub's key:", pinned == hub.Fingerprint())
	fmt.Println("hub knows the device:", <-hubSaw == device.Fingerprint())
	key, err := identity.TransferKey(conn.ConnectionState(), "9b1c7e05a3d24f6e8a0b1c2d3e4f5a6b")
	fmt.Println("transfer key:", len(key), "bytes", err)
	// Output:
	// pinned the hub's key: true
	// hub knows the device: true
	// transfer key: 32 bytes <nil>
}

func ExampleParseJoinLink() {
	link, err := identity.ParseJoinLink("natter://192.168.1.10:50001/?fp=XJ4BNP4PAHH6UQKBIDPF3LRCEOYAGYNDSYLXVHFUCD7WD4QACWWQ")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(link.Addr(), link.Fingerprint.ShortCode())
	_, err = identity.ParseJoinLink("natter://192.168.1.10/?fp=XJ4BNP4PAHH6UQKBIDPF3LRCEOYAGYNDSYLXVHFUCD7WD4QACWWQ")
	var bad *identity.LinkError
	if errors.As(err, &bad) {
		fmt.Println(bad.Part, bad.Problem)
	}
	// Output:
	// 192.168.1.10:50001 XJ4B-NP4P-AHH6-UQKB
	// port missing; want <host>:<port>
}
