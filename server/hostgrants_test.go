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

// In public mode a read request from an address that never answers (a
// forged one) costs the hub three sends of its first block, then an ERROR:
// at most tftpd-hpa's 65 bytes out per byte in.
func TestPublicUnansweredReadCostsLittle(t *testing.T) {
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) {
		tc.Public = true
		tc.Engine.InitialRTO = 20 * time.Millisecond
		tc.Engine.MinRTO = 20 * time.Millisecond
	})
	// A request of some 40 bytes, as in the attack measured.
	const name = "holiday-photos-2026-archive-01.bin"
	writeData(t, th.dir, name, randomData(8, 100_000))
	to, err := net.ResolveUDPAddr("udp4", th.udp)
	require.NoError(t, err)
	victim := loopback2(t) // stands in for the forged source: it never answers
	rrq := append([]byte{0, 1}, name+"\x00octet\x00"...)
	_, err = victim.WriteTo(rrq, to)
	require.NoError(t, err)
	out, datas := 0, 0
	buf := make([]byte, 4096)
	victim.SetReadDeadline(time.Now().Add(guard))
	for range 100 {
		n, _, err := victim.ReadFrom(buf)
		require.NoError(t, err, "after %d DATA", datas)
		out += n
		if buf[1] == 5 { // ERROR: the hub gave up
			break
		}
		require.EqualValues(t, 3, buf[1], "DATA")
		datas++
	}
	assert.Equal(t, publicUnansweredSends, datas, "block 1 sent once and twice again")
	ratio := float64(out) / float64(len(rrq))
	t.Logf("%d bytes out for %d in: %.1f per byte", out, len(rrq), ratio)
	// tftpd-hpa sends five blocks of 512 bytes for the same request.
	assert.Less(t, out, 5*(4+512), "less than tftpd-hpa sends")
	assert.LessOrEqual(t, ratio, 65.0, "tftpd-hpa's ratio in the attack measured")
}

// With options the first packet is the OACK: it too is sent three times to
// a peer that never answers.
func TestPublicUnansweredOACK(t *testing.T) {
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) {
		tc.Public = true
		tc.Engine.InitialRTO = 20 * time.Millisecond
		tc.Engine.MinRTO = 20 * time.Millisecond
	})
	writeData(t, th.dir, "pub.bin", randomData(9, 100_000))
	to, err := net.ResolveUDPAddr("udp4", th.udp)
	require.NoError(t, err)
	victim := loopback2(t)
	_, err = victim.WriteTo(append([]byte{0, 1}, "pub.bin\x00octet\x00blksize\x002048\x00"...), to)
	require.NoError(t, err)
	oacks := 0
	buf := make([]byte, 4096)
	victim.SetReadDeadline(time.Now().Add(guard))
	for range 100 {
		_, _, err := victim.ReadFrom(buf)
		require.NoError(t, err)
		if buf[1] == 5 {
			break
		}
		require.EqualValues(t, 6, buf[1], "OACK")
		oacks++
	}
	assert.Equal(t, publicUnansweredSends, oacks)
}
