package server

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// rawWS is the client end of a WebSocket session made by hand, as small as
// a TCP client's: a benchmark's own ends of its connections then cost next
// to nothing beside what the hub spends on them.
type rawWS struct {
	conn net.Conn
	r    *bufio.Reader
}

// dialRawWS opens a WebSocket session at base (http://host:port) from the
// hub's own origin.
func dialRawWS(tb testing.TB, base string, readBuf int) *rawWS {
	tb.Helper()
	host := strings.TrimPrefix(base, "http://")
	c, err := net.DialTimeout("tcp", host, guard)
	if err != nil {
		tb.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(guard))
	req := "GET /natter HTTP/1.1\r\nHost: " + host + "\r\nOrigin: " + base +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		tb.Fatal(err)
	}
	r := bufio.NewReaderSize(c, readBuf)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		tb.Fatalf("WebSocket upgrade answered %s", resp.Status)
	}
	return &rawWS{conn: c, r: r}
}

// send writes line as one masked text message.
func (w *rawWS) send(line string) error {
	var mask [4]byte
	rand.Read(mask[:])
	frame := []byte{0x81}
	switch n := len(line); {
	case n < 126:
		frame = append(frame, 0x80|byte(n))
	case n < 1<<16:
		frame = append(frame, 0x80|126, byte(n>>8), byte(n))
	default:
		frame = append(frame, 0x80|127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	frame = append(frame, mask[:]...)
	for i := range len(line) {
		frame = append(frame, line[i]^mask[i%4])
	}
	_, err := w.conn.Write(frame)
	return err
}

// readMessage reads the next text message (the hub sends unfragmented,
// unmasked frames); the result is valid until the next call.
func (w *rawWS) readMessage(buf []byte) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(w.r, hdr[:]); err != nil {
		return nil, err
	}
	if hdr[0] != 0x81 || hdr[1]&0x80 != 0 {
		return nil, fmt.Errorf("unexpected frame header %x", hdr)
	}
	n := int(hdr[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(w.r, ext[:]); err != nil {
			return nil, err
		}
		n = int(binary.BigEndian.Uint16(ext[:]))
	case 127:
		return nil, errors.New("a message too long for a line")
	}
	if n > len(buf) {
		return nil, fmt.Errorf("a message of %d bytes", n)
	}
	_, err := io.ReadFull(w.r, buf[:n])
	return buf[:n], err
}

// BenchmarkIdleWebClients is BenchmarkIdleClients for WebSocket sessions,
// beside TCP sessions of the same hub in the same run.
func BenchmarkIdleWebClients(b *testing.B) {
	for _, kind := range []string{"tcp", "ws"} {
		b.Run(kind, func(b *testing.B) { benchmarkIdleWeb(b, kind) })
	}
}

func benchmarkIdleWeb(b *testing.B, kind string) {
	const n = 1000
	for range b.N {
		b.StopTimer()
		h := startWebHub(b, nil, func(c *Config, _ *TransferConfig) {
			c.History = NoHistory
			c.IdleTimeout = time.Hour
			c.MaxClients = 2 * n
			exemptLoopback(c)
		})
		before := memAfterGC()
		b.StartTimer()
		conns := make([]net.Conn, 0, n)
		var buf [2 * proto.MaxHubLineLen]byte
		for i := range n {
			var c net.Conn
			var got []byte
			if kind == "tcp" {
				var err error
				c, err = net.DialTimeout("tcp", h.addr, guard)
				if err != nil {
					b.Fatal(err)
				}
				c.SetDeadline(time.Now().Add(guard))
				if _, err := fmt.Fprintf(c, "NICK idle%d\n", i); err != nil {
					b.Fatal(err)
				}
				for !bytes.Contains(got, []byte("HISTORY 0\n")) {
					k, err := c.Read(buf[:])
					if err != nil {
						b.Fatal(err)
					}
					got = append(got, buf[:k]...)
				}
			} else {
				w := dialRawWS(b, h.base, 512)
				c = w.conn
				if err := w.send(fmt.Sprintf("NICK idle%d", i)); err != nil {
					b.Fatal(err)
				}
				for range 10_000 {
					m, err := w.readMessage(buf[:])
					if err != nil {
						b.Fatal(err)
					}
					if string(m) == "HISTORY 0" {
						break
					}
				}
			}
			conns = append(conns, c)
		}
		b.StopTimer()
		reportPerClient(b, before, n)
		for _, c := range conns {
			c.Close()
		}
		h.stop()
	}
}

// BenchmarkBroadcastWeb measures fan-out to n receivers, all TCP or all
// WebSocket, from one TCP sender, as BenchmarkBroadcast does.
func BenchmarkBroadcastWeb(b *testing.B) {
	for _, n := range []int{100, 1000} {
		for _, kind := range []string{"tcp", "ws"} {
			b.Run(fmt.Sprintf("clients=%d/%s", n, kind), func(b *testing.B) { benchmarkBroadcastWeb(b, n, kind) })
		}
	}
}

func benchmarkBroadcastWeb(b *testing.B, n int, kind string) {
	h := startWebHub(b, nil, func(c *Config, _ *TransferConfig) {
		c.MaxLineRate = NoLineLimit
		c.History = NoHistory
		c.IdleTimeout = time.Hour
		c.MaxClients = 2 * n
		exemptLoopback(c)
	})
	sender := h.registerTCP(b, "sender")
	sender.conn.SetDeadline(time.Time{})
	go io.Copy(io.Discard, sender.conn)
	// next reads the next line of receiver i and says whether it is a MSG.
	next := make([]func() (bool, error), n)
	for i := range n {
		nick := fmt.Sprintf("u%d", i)
		if kind == "tcp" {
			c := h.registerTCP(b, nick)
			c.conn.SetDeadline(time.Time{})
			r := bufio.NewReaderSize(c.conn, 64<<10)
			next[i] = func() (bool, error) {
				line, err := r.ReadSlice('\n')
				return bytes.HasPrefix(line, []byte("MSG ")), err
			}
			continue
		}
		w := dialRawWS(b, h.base, 64<<10)
		buf := make([]byte, 2*proto.MaxHubLineLen)
		if err := w.send("NICK " + nick); err != nil {
			b.Fatal(err)
		}
		for range 10_000 {
			m, err := w.readMessage(buf)
			if err != nil {
				b.Fatal(err)
			}
			if string(m) == "HISTORY 0" {
				break
			}
		}
		w.conn.SetDeadline(time.Time{})
		next[i] = func() (bool, error) {
			m, err := w.readMessage(buf)
			return bytes.HasPrefix(m, []byte("MSG ")), err
		}
	}
	msg := []byte("MSG the quick brown fox jumps over the lazy dog\n")
	const window = 256

	var received atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got := 0
			for got < b.N {
				isMsg, err := next[i]()
				if err != nil {
					errs <- err
					return
				}
				if isMsg {
					got++
					received.Add(1)
				}
			}
		}()
	}
	b.ResetTimer()
	close(start)
	batch := make([]byte, 0, 64*len(msg))
	for sent := 0; sent < b.N; {
		for int64(sent-window)*int64(n) > received.Load() {
			runtime.Gosched()
		}
		k := min(64, b.N-sent)
		batch = batch[:0]
		for range k {
			batch = append(batch, msg...)
		}
		if _, err := sender.conn.Write(batch); err != nil {
			b.Fatal(err)
		}
		sent += k
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)*float64(n)/b.Elapsed().Seconds(), "deliveries/s")
}
