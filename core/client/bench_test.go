package client

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// benchLoop returns a loop holding n messages and 50 users, as after a
// long session, ready to publish.
func benchLoop(b *testing.B, n int) *loop {
	c, err := New(Config{Addr: "127.0.0.1:1", Nick: "alice"})
	if err != nil {
		b.Fatal(err)
	}
	l := &loop{c: c, cfg: &c.cfg, st: newState(&c.cfg, c.log, 1)}
	for i := range n {
		l.st.appendMsg(Message{Kind: Public, Time: time.UnixMilli(int64(i)), From: "bob", Text: fmt.Sprintf("message %d", i)})
	}
	for i := range 50 {
		l.st.addUser(fmt.Sprintf("user%02d", i), false)
	}
	return l
}

// BenchmarkMessagePublish is the loop's cost for one incoming message: log
// it and publish a snapshot. Compare the sizes: the cost must not grow
// with the log.
func BenchmarkMessagePublish(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("log=%d", n), func(b *testing.B) {
			l := benchLoop(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				l.st.appendMsg(Message{Kind: Public, Time: time.UnixMilli(int64(n + i)), From: "bob", Text: "hello"})
				l.publish()
				select {
				case <-l.c.changed:
				default:
				}
			}
		})
	}
}

// msgLines returns n MSG lines as a hub sends them.
func msgLines(n int) []byte {
	var b []byte
	for i := range n {
		b = proto.AppendMsg(b, 1700000000000+int64(i), "bob", fmt.Sprintf("message number %d, with some words in it", i))
	}
	return b
}

// BenchmarkReceiveBaseline reads and parses MSG lines from TCP and does
// nothing else: the floor for BenchmarkReceiveMessages.
func BenchmarkReceiveBaseline(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	data := msgLines(b.N)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write(data)
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	b.ResetTimer()
	r := newLineReader(conn)
	for range b.N {
		raw, err := r.readLine()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := parseHubLine(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReceiveMessages is the client taking MSG lines from a hub into
// its log and snapshots, until a snapshot holds them all.
func BenchmarkReceiveMessages(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	c, err := New(Config{Addr: ln.Addr().String(), Nick: "alice", MaxMessages: b.N + 100})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	conn, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	conn.Write([]byte("HELLO natter/1 bench\n"))
	r.ReadString('\n') // NICK
	conn.Write([]byte("WELCOME alice\nUSERS 0\nHISTORY 0\n"))
	r.ReadString('\n') // FILES
	conn.Write([]byte("FILES 0\n"))
	for c.Snapshot().FilesTime.IsZero() {
		<-c.Changed()
	}
	data := msgLines(b.N)
	b.ResetTimer()
	go conn.Write(data)
	for {
		s := c.Snapshot()
		if n := len(s.Messages); n > 0 && s.Messages[n-1].Kind == Public && s.Messages[n-1].Time.UnixMilli() == 1700000000000+int64(b.N-1) {
			break
		}
		<-c.Changed()
	}
}
