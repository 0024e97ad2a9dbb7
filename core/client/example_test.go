package client_test

import (
	"context"
	"fmt"
	"log"

	"github.com/natter-chat/natter/core/client"
)

// Join a hub, print every message as it arrives and download a file.
func Example() {
	c, err := client.New(client.Config{Addr: "192.168.1.20:50000", Nick: "alice", DownloadDir: "."})
	if err != nil {
		log.Fatal(err)
	}
	c.Start(context.Background())
	defer c.Close()
	c.Download("notes.txt") // queued until the hub has accepted us
	for ev := range c.Events() {
		if m := ev.Message; ev.Kind == client.EventMessage {
			fmt.Printf("%s <%s> %s\n", m.Time.Format("15:04"), m.From, m.Text)
		}
		if t := ev.Transfer; ev.Kind == client.EventTransfer && t.State == client.TransferDone {
			fmt.Println("saved", t.Path)
		}
	}
}

// A user interface redraws from the latest snapshot whenever the state
// changes; it never waits on the network, and the network never waits on it.
func ExampleClient_Changed() {
	c, err := client.New(client.Config{Addr: "192.168.1.20", Nick: "alice"})
	if err != nil {
		log.Fatal(err)
	}
	c.Start(context.Background())
	defer c.Close()
	for {
		select {
		case <-c.Changed():
			s := c.Snapshot()
			fmt.Printf("%s, %d online, %d lines\n", s.Conn.State, len(s.Users), len(s.Messages))
		case <-c.Done():
			fmt.Println("closed:", c.Snapshot().Conn.Cause)
			return
		}
	}
}
