package tftp

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/natter-chat/natter/core/tftp/lossy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apprenticeCheck watches the sending end of a transfer and counts every
// DATA packet written right after a duplicate ACK was read, with no timer
// expiry or new ACK in between: the Sorcerer's Apprentice bug.
type apprenticeCheck struct {
	mu         sync.Mutex
	seen       map[uint16]bool
	afterDup   bool
	dupAcks    int
	violations int
}

func newApprenticeCheck() *apprenticeCheck { return &apprenticeCheck{seen: map[uint16]bool{}} }

func (c *apprenticeCheck) observe(out bool, pkt []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case pkt == nil: // timer expiry
		c.afterDup = false
	case out && len(pkt) >= 2 && Opcode(binary.BigEndian.Uint16(pkt)) == OpDATA:
		if c.afterDup {
			c.violations++
		}
	case !out && len(pkt) == 4 && Opcode(binary.BigEndian.Uint16(pkt)) == OpACK:
		blk := binary.BigEndian.Uint16(pkt[2:])
		if c.seen[blk] {
			c.dupAcks++
			c.afterDup = true
		} else {
			c.seen[blk] = true
			c.afterDup = false
		}
	}
}

func (c *apprenticeCheck) counts() (dups, violations int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dupAcks, c.violations
}

func lossyTiming() Config {
	return Config{NoProgress: 10 * time.Second, Dally: 500 * time.Millisecond, InitialRTO: 50 * time.Millisecond, MaxRTO: 100 * time.Millisecond}
}

func TestLossyNetwork(t *testing.T) {
	for _, tc := range []struct {
		loss   float64
		window int
	}{{0, 1}, {0.1, 1}, {0.3, 1}, {0.1, 16}, {0.3, 4}} {
		t.Run(fmt.Sprintf("loss%.0f%%/window%d", tc.loss*100, tc.window), func(t *testing.T) {
			net := lossy.Config{Seed: uint64(tc.loss*100) + uint64(tc.window), Drop: tc.loss, Duplicate: 0.05, Delay: 0.05, MaxDelay: 3 * time.Millisecond}
			data := randomBytes(7, 300*1024+5)
			ctx := testCtx(t, 2*time.Minute)

			t.Run("download", func(t *testing.T) {
				check := newApprenticeCheck()
				var wrapped []*lossy.Conn
				var mu sync.Mutex
				h := newMemHandler()
				h.add("f", data)
				srv := &Server{Handler: h, Config: lossyTiming()}
				srv.wrapTransfer = func(pc netPacketConn) netPacketConn {
					cfg := net
					cfg.Observe = check.observe
					c := lossy.New(pc, cfg)
					mu.Lock()
					wrapped = append(wrapped, c)
					mu.Unlock()
					return c
				}
				addr := startServer(t, srv)
				var got bytes.Buffer
				res, err := Download(ctx, addr, "f", &ClientOptions{Config: lossyTiming(), WindowSize: tc.window}, &got)
				require.NoError(t, err)
				require.Equal(t, sha256.Sum256(data), sha256.Sum256(got.Bytes()))
				assert.Equal(t, sha256.Sum256(data), res.SHA256)
				require.NoError(t, <-h.readErrs)
				dups, violations := check.counts()
				assert.Zero(t, violations, "DATA sent in answer to a duplicate ACK")
				mu.Lock()
				counts := wrapped[0].Counts()
				mu.Unlock()
				t.Logf("network %+v, duplicate ACKs at the sender %d, receiver %+v", counts, dups, res.Stats)
				if tc.loss > 0 {
					assert.Positive(t, counts.Dropped)
				}
			})

			t.Run("upload", func(t *testing.T) {
				check := newApprenticeCheck()
				h := newMemHandler()
				addr := startServer(t, &Server{Handler: h, Config: lossyTiming()})
				uc, err := listenLoopback()
				require.NoError(t, err)
				cfg := net
				cfg.Seed++
				cfg.Observe = check.observe
				conn := lossy.New(uc, cfg)
				defer conn.Close()
				res, err := Upload(ctx, addr, "u", int64(len(data)), bytes.NewReader(data),
					&ClientOptions{Config: lossyTiming(), WindowSize: tc.window, Conn: conn})
				require.NoError(t, err)
				sink := h.upload(t, "u")
				<-sink.done
				require.NoError(t, sink.err)
				assert.Equal(t, sha256.Sum256(data), sink.sum)
				dups, violations := check.counts()
				assert.Zero(t, violations, "DATA sent in answer to a duplicate ACK")
				t.Logf("network %+v, duplicate ACKs seen %d, sender %+v", conn.Counts(), dups, res.Stats)
				if tc.loss > 0 {
					assert.Positive(t, res.Stats.Retransmits)
				}
			})
		})
	}
}

type netPacketConn = net.PacketConn

func listenLoopback() (*net.UDPConn, error) {
	return net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
}
