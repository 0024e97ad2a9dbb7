package server

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/tftp"
)

// registerFrom registers nick from the loopback address from.
func registerFrom(t *testing.T, from, addr, nick string) *testClient {
	t.Helper()
	c := dialFrom(t, from, addr)
	c.expect("HELLO natter/1 Test hub")
	c.send("NICK " + nick)
	c.expect("WELCOME " + nick)
	c.readBlock(proto.KwUsers)
	c.readBlock(proto.KwHistory)
	c.nick = nick
	return c
}

// Downloads asked for and never made hold at most a host's share of the
// hub's transfers: another host still gets its download.
func TestHostGrantsLeaveRoomForOthers(t *testing.T) {
	h := startTransferHub(t, nil)
	writeData(t, h.dir, "f.txt", []byte("hello"))
	granted, busy := 0, 0
	for i := range 8 {
		c := registerFrom(t, "127.0.0.2", h.addr, fmt.Sprintf("hoarder%d", i))
		for range DefaultMaxTransfersPerClient {
			c.send("GET f.txt")
			ev := c.event()
			switch ev.Keyword {
			case proto.KwGet:
				granted++
			case proto.KwErr:
				require.Equal(t, proto.ReasonBusy, ev.Err.Reason, "%v", ev)
				busy++
			default:
				t.Fatalf("got %v", ev)
			}
		}
	}
	assert.Equal(t, DefaultHostTransfers, granted, "a host holds its share")
	assert.Equal(t, 8*DefaultMaxTransfersPerClient-DefaultHostTransfers, busy)

	victim, _, _ := register(t, h.addr, "victim")
	victim.grant("GET f.txt")
}

// Grants for huge uploads that are never made reserve a bounded margin of
// the free space each, not their whole size: a small upload still fits.
func TestUnusedPutGrantsDoNotHoldTheDisk(t *testing.T) {
	const gib = 1 << 30
	h := startTransferHub(t, func(c *Config, tc *TransferConfig) {
		tc.freeSpace = func() (int64, error) { return 76 * gib, nil }
		c.Hosts.Exempt, _ = ParseHostList("127.0.0.2") // the quotas are not what this tests
	})
	sum := strings.Repeat("a", 64)
	for i := range 5 {
		c := registerFrom(t, "127.0.0.2", h.addr, fmt.Sprintf("reserver%d", i))
		for j := range 4 {
			c.grant(fmt.Sprintf("PUT %d %s big%d-%d.bin", 4*gib, sum, i, j))
		}
	}
	victim, _, _ := register(t, h.addr, "victim")
	victim.grant("PUT 4 " + sum + " small.txt")
}

// A host's uploads are bounded per hour in files and bytes; another host
// uploads as ever.
func TestHostUploadQuota(t *testing.T) {
	h := startTransferHub(t, func(c *Config, tc *TransferConfig) {
		c.Hosts.UploadFiles = 3
		c.Hosts.UploadBytes = 1 << 20
	})
	sum := strings.Repeat("a", 64)
	c := registerFrom(t, "127.0.0.2", h.addr, "planter")
	for i := range 3 {
		c.grant(fmt.Sprintf("PUT 10 %s f%d.txt", sum, i))
	}
	c.send("PUT 10 " + sum + " f3.txt")
	c.expectErr(429, proto.KwPut, proto.ReasonSlowDown)

	d := registerFrom(t, "127.0.0.3", h.addr, "bulk")
	d.send(fmt.Sprintf("PUT %d %s huge.bin", 2<<20, sum))
	d.expectErr(429, proto.KwPut, proto.ReasonSlowDown)

	victim, _, _ := register(t, h.addr, "victim")
	victim.grant("PUT 10 " + sum + " mine.txt")
}

// In public mode one host's reads by name are bounded by its rate: RRQs
// that are never acknowledged beyond the burst are refused at once, and
// another host downloads as ever.
func TestHostPublicReadRate(t *testing.T) {
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) {
		tc.Public = true
		c.Hosts.PublicReadRate = 0.001 // none refill within the test
	})
	data := randomData(7, 10_000)
	writeData(t, th.dir, "pub.bin", data)
	to, err := net.ResolveUDPAddr("udp4", th.udp)
	require.NoError(t, err)
	const asks = 20
	rrq := append([]byte{0, 1}, "pub.bin\x00octet\x00"...)
	// Each RRQ from a port of its own, as a new request is.
	socks := make([]net.PacketConn, asks)
	for i := range socks {
		socks[i] = loopback2(t)
		_, err := socks[i].WriteTo(rrq, to)
		require.NoError(t, err)
	}
	refused := 0
	buf := make([]byte, 4096)
	for _, c := range socks {
		c.SetReadDeadline(time.Now().Add(guard))
		n, _, err := c.ReadFrom(buf)
		require.NoError(t, err)
		require.GreaterOrEqual(t, n, 4)
		switch buf[1] {
		case 5: // ERROR
			refused++
		case 3, 6: // DATA, OACK: served
		default:
			t.Fatalf("opcode %d", buf[1])
		}
	}
	assert.Equal(t, asks-DefaultHostPublicBurst, refused)

	var got bytes.Buffer
	_, err = tftp.Download(testContext(t), th.udp, "pub.bin", nil, &got)
	require.NoError(t, err)
	assert.Equal(t, data, got.Bytes())
}
