package server

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

// Senders that fill a slow client's queue with private messages are
// refused (ERR 429 PRIV slow-down) and, as they keep on, dropped as
// flooders; the client they flood is not dropped for what they sent.
func TestPrivFloodSlowsSendersNotVictim(t *testing.T) {
	const (
		flooders = 10
		each     = 300
	)
	h := startHub(t, func(c *Config) {
		c.MaxLineRate = NoLineLimit
		c.OutQueueBytes = 1 << 20
		c.FloodLimit = 20
		c.History = NoHistory
		c.Hosts.MaxSessions = flooders
	})
	victim, _, _ := register(t, h.addr, "victim")
	// A weak link: the victim reads nothing while it is flooded.

	body := strings.Repeat("p", 8000)
	type result struct{ refused, bye int }
	results := make(chan result, flooders)
	var wg sync.WaitGroup
	for i := range flooders {
		f := dialFrom(t, "127.0.0.2", h.addr)
		f.expect("HELLO natter/1 Test hub")
		nick := fmt.Sprintf("flooder%d", i)
		f.send("NICK " + nick)
		f.expect("WELCOME " + nick)
		f.conn.SetDeadline(time.Now().Add(guard))
		wg.Add(1)
		go func() { // reads its confirmations and refusals
			defer wg.Done()
			var res result
			r := proto.NewReader(bufio.NewReaderSize(f.conn, 64<<10), proto.MaxHubLineLen)
			for {
				line, err := r.ReadLine()
				if err != nil {
					break
				}
				s := string(line)
				switch {
				case strings.HasPrefix(s, "ERR 429 PRIV slow-down"):
					res.refused++
				case strings.HasPrefix(s, "BYE "):
					res.bye++
				}
			}
			results <- res
		}()
		go func() {
			w := bufio.NewWriter(f.conn)
			for range each {
				if _, err := fmt.Fprintf(w, "PRIV victim %s\n", body); err != nil {
					return
				}
			}
			w.Flush()
			f.conn.(*net.TCPConn).CloseWrite()
		}()
	}
	wg.Wait()
	close(results)
	refused, dropped := 0, 0
	for r := range results {
		refused += r.refused
		dropped += r.bye
	}
	assert.Positive(t, refused, "the senders were told to slow down")
	assert.Positive(t, dropped, "senders that kept on were dropped")

	// The victim was not dropped: it reads what it was sent and answers.
	victim.conn.SetReadDeadline(time.Now().Add(guard))
	victim.send("PING still-here")
	for range flooders*each + 100 {
		line := victim.readLine()
		require.NotEqual(t, "BYE too-slow", line)
		if line == "PONG still-here" {
			return
		}
	}
	t.Fatal("no PONG")
}
