package tftp

import (
	"crypto/sha256"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// firstLoss is a net.PacketConn under a server's transfer that loses the
// first copy of chosen packets: those read for which in says so, and those
// written for which out says so. Only first copies vanish, so every loss is
// recovered by exactly one repetition.
type firstLoss struct {
	net.PacketConn
	in, out func(op Opcode, block uint16) bool

	mu      sync.Mutex
	seen    map[uint32]bool // direction<<31 | opcode<<16 | block of packets already let through or lost
	dropped int
}

func (c *firstLoss) loses(pkt []byte, outbound bool) bool {
	pick := c.in
	if outbound {
		pick = c.out
	}
	if pick == nil || len(pkt) < 4 {
		return false
	}
	op, blk := Opcode(binary.BigEndian.Uint16(pkt)), binary.BigEndian.Uint16(pkt[2:])
	key := uint32(op)<<16 | uint32(blk)
	if outbound {
		key |= 1 << 31
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[uint32]bool{}
	}
	if c.seen[key] {
		return false
	}
	c.seen[key] = true
	if !pick(op, blk) {
		return false
	}
	c.dropped++
	return true
}

func (c *firstLoss) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, from, err := c.PacketConn.ReadFrom(b)
		if err != nil || !c.loses(b[:n], false) {
			return n, from, err
		}
	}
}

func (c *firstLoss) WriteTo(b []byte, to net.Addr) (int, error) {
	if c.loses(b, true) {
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, to)
}

// serveFirstLoss starts a server for h whose transfers lose packets as in
// and out choose, and gives up after 3 s without progress. dropped reports
// how many packets its one transfer lost.
func serveFirstLoss(t *testing.T, h *memHandler, in, out func(Opcode, uint16) bool) (addr string, dropped func() int) {
	var mu sync.Mutex
	var wrapped []*firstLoss
	srv := &Server{Handler: h, Config: Config{NoProgress: 3 * time.Second}}
	srv.wrapTransfer = func(pc net.PacketConn) net.PacketConn {
		c := &firstLoss{PacketConn: pc, in: in, out: out}
		mu.Lock()
		wrapped = append(wrapped, c)
		mu.Unlock()
		return c
	}
	return startServer(t, srv), func() int {
		mu.Lock()
		defer mu.Unlock()
		require.Len(t, wrapped, 1)
		wrapped[0].mu.Lock()
		defer wrapped[0].mu.Unlock()
		return wrapped[0].dropped
	}
}

// TestInteropCurlUploadRecoversByRepeatedAck: curl uploads while the hub
// loses some of its DATA and some of its own ACKs. curl repeats a packet
// only after 6 s of silence, and the hub gives up after 3 s without
// progress, so the upload completes only if every loss is recovered by the
// hub's repeated ACK, which curl answers at once with the block after it.
func TestInteropCurlUploadRecoversByRepeatedAck(t *testing.T) {
	curl := needBinary(t, "curl")
	h := newMemHandler()
	addr, dropped := serveFirstLoss(t, h,
		func(op Opcode, b uint16) bool { return op == OpDATA && b%7 == 3 },
		// Never the final ACK: a lost final ACK is TFTP's own gap (RFC
		// 1350 section 6), which only the sender's timer can fill.
		func(op Opcode, b uint16) bool { return op == OpACK && b%11 == 5 && b < 100 })
	dir := t.TempDir()
	data := randomBytes(40, 300*1024+77) // 151 blocks of 2048
	src := filepath.Join(dir, "up")
	require.NoError(t, os.WriteFile(src, data, 0o644))
	runTool(t, dir, curl, "-sS", "--tftp-blksize", "2048", "-T", src, "tftp://"+addr+"/up")
	sink := h.upload(t, "up")
	<-sink.done
	require.NoError(t, sink.err)
	assert.Equal(t, sha256.Sum256(data), sink.sum)
	assert.GreaterOrEqual(t, dropped(), 21+9, "DATA 3, 10, ... and ACK 5, 16, ... were lost")
}

// TestInteropCurlDownloadUnderLoss: curl downloads while the hub loses the
// first copies of some DATA on the way out. The hub's own timer recovers
// each within the 3 s it allows without progress; curl's 6 s timer never
// has to.
func TestInteropCurlDownloadUnderLoss(t *testing.T) {
	curl := needBinary(t, "curl")
	h := newMemHandler()
	data := randomBytes(41, 300*1024+77)
	h.add("f", data)
	addr, dropped := serveFirstLoss(t, h, nil, func(op Opcode, b uint16) bool { return op == OpDATA && b%7 == 3 })
	dir := t.TempDir()
	out := filepath.Join(dir, "got")
	runTool(t, dir, curl, "-sS", "--tftp-blksize", "2048", "-o", out, "tftp://"+addr+"/f")
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, sha256.Sum256(data), sha256.Sum256(got))
	require.NoError(t, <-h.readErrs)
	assert.GreaterOrEqual(t, dropped(), 21)
}
