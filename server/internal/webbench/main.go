// Command webbench measures natterd's web part against its TCP and TFTP
// paths, in one run, on loopback:
//
//		go run ./server/internal/webbench -natterd bin/natterd [-clients 1000] [-messages 100] [-mib 64] [-runs 3]
//
//	 1. -clients idle sessions over TCP, then over WebSocket, each against a
//	    fresh natterd: the hub's VmRSS per session once they are registered
//	    and idle, and the fan-out rate (deliveries per second) of -messages
//	    messages from one sender to all of them.
//	 2. A -mib MiB download granted by GET: over HTTP (GET /t/<token>)
//	    against TFTP with windowsize 16, -runs runs each, interleaved; the
//	    median rates.
//
// Every figure is printed with its counterpart and their ratio. Every wait
// is bounded by -timeout.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/natter-chat/natter/core/tftp"
)

func main() {
	natterd := flag.String("natterd", "bin/natterd", "natterd `binary` to measure")
	clients := flag.Int("clients", 1000, "sessions of each kind")
	messages := flag.Int("messages", 100, "messages the sender sends to everyone")
	mib := flag.Int("mib", 64, "size of the download in MiB")
	runs := flag.Int("runs", 3, "downloads of each kind")
	timeout := flag.Duration("timeout", 5*time.Minute, "bound on every step")
	flag.Parse()
	b := &bench{natterd: *natterd, timeout: *timeout}
	if err := b.sessions(*clients, *messages); err != nil {
		fmt.Fprintln(os.Stderr, "webbench:", err)
		os.Exit(1)
	}
	if err := b.download(*mib, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "webbench:", err)
		os.Exit(1)
	}
}

type bench struct {
	natterd string
	timeout time.Duration
}

// hub is a natterd process.
type hub struct {
	cmd           *exec.Cmd
	tcp, web, udp string
	dir           string
}

var (
	listenLine = regexp.MustCompile(`listening on (\S+), sharing .*; file transfers on udp (\S+)`)
	webLine    = regexp.MustCompile(`(?:join from a browser|web app) at http://(\S+)/`)
)

func (b *bench) startHub(dir string) (*hub, error) {
	cmd := exec.Command(b.natterd, "-addr", "127.0.0.1:0", "-udp-addr", "127.0.0.1:0", "-http-addr", "127.0.0.1:0",
		"-dir", dir, "-announce=false", "-rate", "inf", "-max-clients", "100000", "-host-exempt", "127.0.0.1,::1", "-log-level", "warn")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h := &hub{cmd: cmd, dir: dir}
	sc := bufio.NewScanner(out)
	for i := 0; i < 10 && (h.tcp == "" || h.web == "") && sc.Scan(); i++ {
		if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
			h.tcp, h.udp = m[1], m[2]
		}
		if m := webLine.FindStringSubmatch(sc.Text()); m != nil {
			h.web = m[1]
		}
	}
	go io.Copy(io.Discard, out)
	if h.tcp == "" || h.web == "" {
		h.stop()
		return nil, errors.New("natterd printed no addresses")
	}
	return h, nil
}

func (h *hub) stop() {
	h.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { h.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		h.cmd.Process.Kill()
		<-done
	}
}

// rss is the hub's resident memory in bytes.
func (h *hub) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", h.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// dial opens a session over TCP or (ws) WebSocket.
func (h *hub) dial(ctx context.Context, ws bool) (net.Conn, error) {
	if !ws {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", h.tcp)
	}
	return dialWS(ctx, h.web)
}

// wsConn is the client end of a WebSocket session reduced to what the
// bench needs, so that its thousand clients cost little beside the hub
// they measure: it reads the hub's frames (final, unmasked text frames,
// or a close) as lines, and writes each line as one masked text frame.
type wsConn struct {
	net.Conn
	r     *bufio.Reader
	left  int  // payload bytes of the frame being read
	lfDue bool // the frame's LF is still to be read
}

// dialWS opens a WebSocket session at addr from the hub's own origin.
func dialWS(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	var key [16]byte
	rand.Read(key[:])
	req := "GET /natter HTTP/1.1\r\nHost: " + addr + "\r\nOrigin: http://" + addr +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
		base64.StdEncoding.EncodeToString(key[:]) + "\r\n\r\n"
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("WebSocket upgrade: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("WebSocket upgrade answered %s", resp.Status)
	}
	c.SetDeadline(time.Time{})
	return &wsConn{Conn: c, r: r}, nil
}

func (c *wsConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for range 1 << 16 {
		if c.lfDue {
			c.lfDue = false
			p[0] = '\n'
			return 1, nil
		}
		if c.left > 0 {
			n, err := c.r.Read(p[:min(len(p), c.left)])
			c.left -= n
			if c.left == 0 {
				if n < len(p) {
					p[n] = '\n'
					n++
				} else {
					c.lfDue = true
				}
			}
			return n, err
		}
		hdr, err := c.r.Peek(2)
		if err != nil {
			return 0, err
		}
		if hdr[0] == 0x88 {
			return 0, io.EOF
		}
		if hdr[0] != 0x81 || hdr[1]&0x80 != 0 {
			return 0, fmt.Errorf("a WebSocket frame header %x from the hub", hdr)
		}
		c.left = int(hdr[1])
		switch c.left {
		case 126:
			if hdr, err = c.r.Peek(4); err != nil {
				return 0, err
			}
			c.left = int(binary.BigEndian.Uint16(hdr[2:4]))
			c.r.Discard(4)
		case 127:
			return 0, errors.New("a WebSocket frame longer than any line")
		default:
			c.r.Discard(2)
		}
		c.lfDue = c.left == 0
	}
	return 0, io.ErrNoProgress
}

// Write writes each line of p (all whole) as one masked text frame.
func (c *wsConn) Write(p []byte) (int, error) {
	var out []byte
	for line := range bytes.Lines(p) {
		line = bytes.TrimSuffix(line, []byte("\n"))
		var mask [4]byte
		rand.Read(mask[:])
		switch n := len(line); {
		case n < 126:
			out = append(out, 0x81, 0x80|byte(n))
		default:
			out = append(out, 0x81, 0x80|126, byte(n>>8), byte(n))
		}
		out = append(out, mask[:]...)
		for i, b := range line {
			out = append(out, b^mask[i&3])
		}
	}
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// session is one registered client.
type session struct {
	conn net.Conn
	r    *bufio.Reader
}

func (h *hub) register(ctx context.Context, ws bool, nick string) (*session, error) {
	c, err := h.dial(ctx, ws)
	if err != nil {
		return nil, err
	}
	s := &session{conn: c, r: bufio.NewReader(c)}
	c.SetDeadline(time.Now().Add(time.Minute))
	if _, err := io.WriteString(c, "NICK "+nick+"\n"); err != nil {
		return nil, err
	}
	for range 1_000_000 { // a USERS block has a line per user
		line, err := s.r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(line, "HISTORY ") {
			c.SetDeadline(time.Time{})
			return s, nil
		}
	}
	return nil, fmt.Errorf("%s: no HISTORY after registering", nick)
}

// sessions measures n idle sessions over TCP and over WebSocket, and the
// fan-out of m messages to them.
func (b *bench) sessions(n, m int) error {
	var res [2]fanResult
	for i, ws := range []bool{false, true} {
		kind := map[bool]string{false: "TCP", true: "WebSocket"}[ws]
		dir := tmpDir()
		h, err := b.startHub(dir)
		if err != nil {
			os.RemoveAll(dir)
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
		r, err := b.fanOut(ctx, h, ws, n, m)
		cancel()
		h.stop()
		os.RemoveAll(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		res[i] = r
		fmt.Printf("%-9s %d sessions: idle RSS %.1f KiB per session; fan-out %.0f deliveries/s (%d messages to %d)\n",
			kind, n, r.perSession/1024, r.rate, m, n)
	}
	fmt.Printf("WebSocket/TCP: idle RSS per session x%.2f, fan-out deliveries/s x%.2f\n",
		res[1].perSession/res[0].perSession, res[1].rate/res[0].rate)
	return nil
}

// fanResult is what fanOut measured: the hub's idle RSS per session in
// bytes, and the deliveries per second of the fan-out.
type fanResult struct{ perSession, rate float64 }

func (b *bench) fanOut(ctx context.Context, h *hub, ws bool, n, m int) (fanResult, error) {
	time.Sleep(time.Second) // let the fresh hub settle
	base, err := h.rss()
	if err != nil {
		return fanResult{}, err
	}
	all := make([]*session, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 32)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			s, err := h.register(ctx, ws, fmt.Sprintf("c%d", i))
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			all[i] = s
		})
	}
	wg.Wait()
	defer func() {
		for _, s := range all {
			if s != nil {
				s.conn.Close()
			}
		}
	}()
	if firstErr != nil {
		return fanResult{}, firstErr
	}
	// Presence lines settle, and the hub trims its heap after a quiet
	// moment (its -memory-trim delay is 200 ms).
	time.Sleep(3 * time.Second)
	idle, err := h.rss()
	if err != nil {
		return fanResult{}, err
	}
	sender, err := h.register(ctx, ws, "sender")
	if err != nil {
		return fanResult{}, err
	}
	defer sender.conn.Close()
	got := make(chan error, n)
	for _, s := range all {
		go func() { got <- s.countMessages(ctx, m) }()
	}
	start := time.Now()
	go func() {
		for i := range m {
			if _, err := fmt.Fprintf(sender.conn, "MSG load %d\n", i); err != nil {
				return
			}
		}
	}()
	for range n {
		if err := <-got; err != nil {
			return fanResult{}, err
		}
	}
	elapsed := time.Since(start)
	return fanResult{perSession: float64(idle-base) / float64(n), rate: float64(n*m) / elapsed.Seconds()}, nil
}

// countMessages reads until m messages from the sender arrived.
func (s *session) countMessages(ctx context.Context, m int) error {
	stop := context.AfterFunc(ctx, func() { s.conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	for k := 0; k < m; {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("after %d of %d messages: %w", k, m, err)
		}
		if strings.HasPrefix(line, "MSG ") && strings.Contains(line, " sender load ") {
			k++
		}
	}
	return nil
}

func tmpDir() string {
	d, err := os.MkdirTemp("", "webbench-")
	if err != nil {
		panic(err)
	}
	return d
}

// download times a mib MiB download over HTTP and over TFTP windowsize 16.
func (b *bench) download(mib, runs int) error {
	dir := tmpDir()
	defer os.RemoveAll(dir)
	data := make([]byte, mib<<20)
	rand.Read(data)
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644); err != nil {
		return err
	}
	h, err := b.startHub(dir)
	if err != nil {
		return err
	}
	defer h.stop()
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	s, err := h.register(ctx, false, "getter")
	if err != nil {
		return err
	}
	defer s.conn.Close()
	grant := func() (token string, err error) {
		fmt.Fprintf(s.conn, "GET big.bin\n")
		for range 1000 {
			line, err := s.r.ReadString('\n')
			if err != nil {
				return "", err
			}
			if f := strings.Fields(line); len(f) >= 6 && f[0] == "GET" {
				if f[4] != want {
					return "", fmt.Errorf("granted SHA-256 %s, want %s", f[4], want)
				}
				return f[1], nil
			}
		}
		return "", errors.New("no GET grant")
	}
	var httpRates, tftpRates []float64
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for range runs {
		tok, err := grant()
		if err != nil {
			return err
		}
		start := time.Now()
		resp, err := client.Get("http://" + h.web + "/t/" + tok)
		if err != nil {
			return err
		}
		hs := sha256.New()
		n, err := io.Copy(hs, resp.Body)
		resp.Body.Close()
		if err != nil || n != int64(len(data)) || hex.EncodeToString(hs.Sum(nil)) != want {
			return fmt.Errorf("HTTP download: %d bytes, %v", n, err)
		}
		httpRates = append(httpRates, float64(n)/time.Since(start).Seconds()/1e6)

		tok, err = grant()
		if err != nil {
			return err
		}
		start = time.Now()
		hs = sha256.New()
		res, err := tftp.Download(ctx, h.udp, tok, &tftp.ClientOptions{WindowSize: 16, BlockSize: 2048}, hs)
		if err != nil {
			return fmt.Errorf("TFTP download: %w", err)
		}
		if hex.EncodeToString(hs.Sum(nil)) != want {
			return errors.New("TFTP download: SHA-256 differs")
		}
		tftpRates = append(tftpRates, float64(res.Bytes)/time.Since(start).Seconds()/1e6)
	}
	mh, mt := median(httpRates), median(tftpRates)
	fmt.Printf("%d MiB download, median of %d: HTTP %.0f MB/s, TFTP windowsize 16 %.0f MB/s; HTTP/TFTP x%.2f\n", mib, runs, mh, mt, mh/mt)
	return nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
