package tftp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// memHandler serves files from memory and stores uploads in memory.
type memHandler struct {
	mu       sync.Mutex
	files    map[string]io.ReaderAt
	sizes    map[string]int64
	refuse   map[string]error
	uploads  map[string]*memSink
	readErrs chan error // the result of every read transfer
	requests []*Request
}

func newMemHandler() *memHandler {
	return &memHandler{files: map[string]io.ReaderAt{}, sizes: map[string]int64{}, refuse: map[string]error{},
		uploads: map[string]*memSink{}, readErrs: make(chan error, 100)}
}

func (h *memHandler) add(name string, data []byte) {
	h.addReaderAt(name, bytes.NewReader(data), int64(len(data)))
}

func (h *memHandler) addReaderAt(name string, r io.ReaderAt, size int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.files[name], h.sizes[name] = r, size
}

func (h *memHandler) ServeRead(ctx context.Context, req *Request) (ReadSource, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests = append(h.requests, req)
	if err := h.refuse[req.Filename]; err != nil {
		return nil, err
	}
	r, ok := h.files[req.Filename]
	if !ok {
		return nil, NewError(ErrFileNotFound, "no such file")
	}
	return NewReadSource(r, h.sizes[req.Filename], func(err error) {
		select {
		case h.readErrs <- err:
		default:
		}
	}), nil
}

func (h *memHandler) ServeWrite(ctx context.Context, req *Request) (WriteSink, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests = append(h.requests, req)
	if err := h.refuse[req.Filename]; err != nil {
		return nil, err
	}
	s := &memSink{h: sha256.New(), done: make(chan struct{})}
	h.uploads[req.Filename] = s
	return s, nil
}

func (h *memHandler) lastRequest() *Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.requests) == 0 {
		return nil
	}
	return h.requests[len(h.requests)-1]
}

func (h *memHandler) upload(t *testing.T, name string) *memSink {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.uploads[name]
	require.NotNil(t, s, "no upload named %q", name)
	return s
}

// memSink hashes what it receives and keeps small uploads.
type memSink struct {
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
	buf  bytes.Buffer
	n    int64
	sum  [32]byte
	err  error
	done chan struct{}
}

func (s *memSink) Write(p []byte) (int, error) {
	s.h.Write(p)
	if s.buf.Len() < 16<<20 {
		s.buf.Write(p)
	}
	s.n += int64(len(p))
	return len(p), nil
}

func (s *memSink) Commit(size int64, sum [32]byte) error {
	s.sum = sum
	close(s.done)
	return nil
}

func (s *memSink) Abort(err error) { s.err = err; close(s.done) }

// startServer runs a Server on a fresh loopback socket and stops it when
// the test ends.
func startServer(t *testing.T, srv *Server) string {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, conn) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(30 * time.Second):
			t.Error("server did not stop")
		}
		conn.Close()
	})
	return conn.LocalAddr().String()
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// patternReader is a large file that is computed rather than stored.
type patternReader struct{ size int64 }

func (p patternReader) ReadAt(b []byte, off int64) (int, error) {
	if off >= p.size {
		return 0, io.EOF
	}
	n := len(b)
	if int64(n) > p.size-off {
		n = int(p.size - off)
	}
	for i := 0; i < n; i++ {
		x := uint64(off + int64(i))
		b[i] = byte(x*2654435761>>13) ^ byte(x)
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// rawPeer is a bare UDP socket for speaking TFTP by hand.
type rawPeer struct {
	t    *testing.T
	conn *net.UDPConn
}

func newRawPeer(t *testing.T) *rawPeer {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &rawPeer{t: t, conn: c}
}

func (p *rawPeer) addr() *net.UDPAddr { return p.conn.LocalAddr().(*net.UDPAddr) }

func (p *rawPeer) sendTo(to string, pkt []byte) {
	p.t.Helper()
	ua, err := net.ResolveUDPAddr("udp4", to)
	require.NoError(p.t, err)
	_, err = p.conn.WriteToUDP(pkt, ua)
	require.NoError(p.t, err)
}

// recv waits up to d for a packet; it fails the test on timeout.
func (p *rawPeer) recv(d time.Duration) ([]byte, *net.UDPAddr) {
	p.t.Helper()
	pkt, from, err := p.tryRecv(d)
	require.NoError(p.t, err, "no packet within %v", d)
	return pkt, from
}

func (p *rawPeer) tryRecv(d time.Duration) ([]byte, *net.UDPAddr, error) {
	buf := make([]byte, 70000)
	require.NoError(p.t, p.conn.SetReadDeadline(time.Now().Add(d)))
	n, from, err := p.conn.ReadFromUDP(buf)
	if err != nil {
		return nil, nil, err
	}
	return buf[:n], from, nil
}

func mustRequest(t *testing.T, op Opcode, name string, opts ...string) []byte {
	t.Helper()
	var o Options
	for i := 0; i+1 < len(opts); i += 2 {
		o = append(o, Option{opts[i], opts[i+1]})
	}
	pkt, err := AppendRequest(nil, op, name, "octet", o)
	require.NoError(t, err)
	return pkt
}

func requireError(t *testing.T, pkt []byte, code ErrorCode) *Error {
	t.Helper()
	e, err := ParseError(pkt)
	require.NoError(t, err, "want ERROR %d, got %x", code, pkt)
	require.Equal(t, code, e.Code, "message %q", e.Message)
	return e
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
