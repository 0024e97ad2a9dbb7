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
// first copy of chosen packets: DATA blocks read whose number lostData
// picks, and ACKs written whose number lostAck picks. Only first copies
// vanish, so every loss is recovered by exactly one repetition.
type firstLoss struct {
	net.PacketConn
	lostData, lostAck func(block uint16) bool

	mu      sync.Mutex
	seen    map[uint32]bool // opcode<<16 | block of packets already let through or lost
	dropped int
}

func (c *firstLoss) loses(pkt []byte, op Opcode, pick func(uint16) bool) bool {
	if pick == nil || len(pkt) < 4 || Opcode(binary.BigEndian.Uint16(pkt)) != op {
		return false
	}
	blk := binary.BigEndian.Uint16(pkt[2:])
	key := uint32(op)<<16 | uint32(blk)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[uint32]bool{}
	}
	if c.seen[key] {
		return false
	}
	c.seen[key] = true
	if !pick(blk) {
		return false
	}
	c.dropped++
	return true
}

func (c *firstLoss) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, from, err := c.PacketConn.ReadFrom(b)
		if err != nil || !c.loses(b[:n], OpDATA, c.lostData) {
			return n, from, err
		}
	}
}

func (c *firstLoss) WriteTo(b []byte, to net.Addr) (int, error) {
	if c.loses(b, OpACK, c.lostAck) {
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, to)
}

func (c *firstLoss) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

// TestInteropCurlUploadRecoversByRepeatedAck: curl uploads while the hub
// loses some of its DATA and some of its own ACKs. curl repeats a packet
// only after 6 s of silence, and the hub gives up after 3 s without
// progress, so the upload completes only if every loss is recovered by the
// hub's repeated ACK, which curl answers at once with the block after it.
func TestInteropCurlUploadRecoversByRepeatedAck(t *testing.T) {
	curl := needBinary(t, "curl")
	h := newMemHandler()
	var mu sync.Mutex
	var wrapped []*firstLoss
	srv := &Server{Handler: h, Config: Config{NoProgress: 3 * time.Second}}
	srv.wrapTransfer = func(pc net.PacketConn) net.PacketConn {
		c := &firstLoss{PacketConn: pc,
			lostData: func(b uint16) bool { return b%7 == 3 },
			// Never the final ACK: a lost final ACK is TFTP's own gap
			// (RFC 1350 section 6), which only the sender's timer can fill.
			lostAck: func(b uint16) bool { return b%11 == 5 && b < 100 }}
		mu.Lock()
		wrapped = append(wrapped, c)
		mu.Unlock()
		return c
	}
	addr := startServer(t, srv)
	dir := t.TempDir()
	data := randomBytes(40, 300*1024+77) // 151 blocks of 2048
	src := filepath.Join(dir, "up")
	require.NoError(t, os.WriteFile(src, data, 0o644))
	runTool(t, dir, curl, "-sS", "--tftp-blksize", "2048", "-T", src, "tftp://"+addr+"/up")
	sink := h.upload(t, "up")
	<-sink.done
	require.NoError(t, sink.err)
	assert.Equal(t, sha256.Sum256(data), sink.sum)
	mu.Lock()
	require.Len(t, wrapped, 1)
	dropped := wrapped[0].count()
	mu.Unlock()
	assert.GreaterOrEqual(t, dropped, 21+9, "DATA 3, 10, ... and ACK 5, 16, ... were lost")
}

// TestInteropCurlDownloadUnderLoss: curl downloads while the hub loses the
// first copies of some DATA on the way out. The hub's own timer recovers each within the
// 3 s it allows without progress; curl's 6 s timer never has to.
func TestInteropCurlDownloadUnderLoss(t *testing.T) {
	curl := needBinary(t, "curl")
	h := newMemHandler()
	data := randomBytes(41, 300*1024+77)
	h.add("f", data)
	var mu sync.Mutex
	var wrapped []*lostOut
	srv := &Server{Handler: h, Config: Config{NoProgress: 3 * time.Second}}
	srv.wrapTransfer = func(pc net.PacketConn) net.PacketConn {
		c := &lostOut{firstLoss{PacketConn: pc, lostData: func(b uint16) bool { return b%7 == 3 }}}
		mu.Lock()
		wrapped = append(wrapped, c)
		mu.Unlock()
		return c
	}
	addr := startServer(t, srv)
	dir := t.TempDir()
	out := filepath.Join(dir, "got")
	runTool(t, dir, curl, "-sS", "--tftp-blksize", "2048", "-o", out, "tftp://"+addr+"/f")
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, sha256.Sum256(data), sha256.Sum256(got))
	require.NoError(t, <-h.readErrs)
	mu.Lock()
	require.Len(t, wrapped, 1)
	assert.GreaterOrEqual(t, wrapped[0].count(), 21)
	mu.Unlock()
}

// lostOut loses the first copy of chosen DATA blocks the server writes.
type lostOut struct{ firstLoss }

func (c *lostOut) ReadFrom(b []byte) (int, net.Addr, error) { return c.PacketConn.ReadFrom(b) }

func (c *lostOut) WriteTo(b []byte, to net.Addr) (int, error) {
	if c.loses(b, OpDATA, c.lostData) {
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, to)
}
