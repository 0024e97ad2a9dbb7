package webapp_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"image"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/server/webapp"
)

// guard bounds every wait of these tests; a failure guard, never a speed
// expectation.
const guard = 60 * time.Second

// natterd is a natterd process serving the web app on 127.0.0.1.
type natterd struct {
	tcp, link, dir string
}

var (
	listenLine = regexp.MustCompile(`listening on (\S+),`)
	linkLine   = regexp.MustCompile(`join from a browser at (\S+)`)
)

// startNatterd builds natterd, with the web app embedded, and runs it.
func startNatterd(t *testing.T) *natterd {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "natterd")
	build := exec.Command("go", "build", "-o", bin, "github.com/natter-chat/natter/server/cmd/natterd")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building natterd: %s", out)
	dir := t.TempDir()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-udp-addr", "127.0.0.1:0", "-http-addr", "127.0.0.1:0",
		"-dir", dir, "-announce=false", "-name", "Browser hub")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(guard):
			cmd.Process.Kill()
			<-done
		}
	})
	n := &natterd{dir: dir}
	sc := bufio.NewScanner(stdout)
	for i := 0; i < 10 && (n.tcp == "" || n.link == "") && sc.Scan(); i++ {
		if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
			n.tcp = m[1]
		}
		if m := linkLine.FindStringSubmatch(sc.Text()); m != nil {
			n.link = m[1]
		}
	}
	require.NotEmpty(t, n.tcp, "natterd printed no listening line")
	require.NotEmpty(t, n.link, "natterd printed no join link")
	go io.Copy(io.Discard, stdout)
	return n
}

// tcpPeer is a natter/1 client over TCP, reading in the background.
type tcpPeer struct {
	conn  net.Conn
	mu    sync.Mutex
	lines []string
	more  chan struct{}
}

func dialPeer(t *testing.T, addr, nick string) *tcpPeer {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, guard)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	p := &tcpPeer{conn: conn, more: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(conn)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			select {
			case p.more <- struct{}{}:
			default:
			}
		}
	}()
	p.send(t, "NICK "+nick)
	p.await(t, regexp.MustCompile(`^WELCOME `+nick+`$`))
	return p
}

func (p *tcpPeer) send(t *testing.T, line string) {
	t.Helper()
	p.conn.SetWriteDeadline(time.Now().Add(guard))
	_, err := io.WriteString(p.conn, line+"\n")
	require.NoError(t, err)
}

// await returns the first line received that matches re.
func (p *tcpPeer) await(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.After(guard)
	for {
		p.mu.Lock()
		for _, l := range p.lines {
			if re.MatchString(l) {
				p.mu.Unlock()
				return l
			}
		}
		got := strings.Join(p.lines, "\n")
		p.mu.Unlock()
		select {
		case <-p.more:
		case <-deadline:
			t.Fatalf("no line matching %v; got:\n%s", re, got)
		}
	}
}

// browserFlags are those of a headless Chromium that draws WebGL in
// software, with a fresh profile.
// startPhoneBrowser starts headless Chromium in a phone-sized window
// (390×844), with a profile of its own, for at most 4 guards; it stops
// when the test ends.
func startPhoneBrowser(t *testing.T) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0], browserFlags(t.TempDir())...)
	opts = append(opts, chromedp.WindowSize(390, 844))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*guard)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		cancelAlloc()
	})
	return ctx
}

func browserFlags(profile string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath()),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("use-angle", "swiftshader"),
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
	}
}

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// requireBrowserTest skips unless NATTER_E2E is set, and fails when it is
// but the app or the browser is missing.
func requireBrowserTest(t *testing.T) {
	t.Helper()
	if os.Getenv("NATTER_E2E") == "" {
		t.Skip("NATTER_E2E is not set")
	}
	require.True(t, webapp.Built(), "the web app is not built: run make web")
	require.NotEmpty(t, chromiumPath(), "no chromium on the PATH: make deps installs it")
}

// screenshot returns the page as an image.
func screenshot(ctx context.Context) (image.Image, []byte, error) {
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return nil, nil, err
	}
	img, err := png.Decode(bytes.NewReader(buf))
	return img, buf, err
}

// isJoinBlue reports whether the pixel at x, y is the Join button's blue.
func isJoinBlue(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return b>>8 > 180 && r>>8 < 90 && g>>8 > 80 && g>>8 < 140
}

// saveShot keeps a screenshot under NATTER_WEB_SHOTS, if set.
func saveShot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("NATTER_WEB_SHOTS")
	if dir == "" {
		return
	}
	_, buf, err := screenshot(ctx)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), buf, 0o644))
}

// typeText types s into the focused field as a keyboard's input method
// would: Input.insertText, one input event, as an on-screen keyboard
// sends. (Key events for each character reach Gio twice in headless
// Chromium, as the key and as the text area's input.)
func typeText(ctx context.Context, s string) error {
	_, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: s})
	return err
}

func click(ctx context.Context, x, y float64) error {
	return chromedp.Do(ctx, chromedp.MouseClickXY(x, y))
}

// wsFrames collects the text of the WebSocket messages the page receives.
type wsFrames struct {
	mu   sync.Mutex
	text []string
}

func (f *wsFrames) listen(ctx context.Context) error {
	return chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventWebSocketFrameReceived); ok {
			f.mu.Lock()
			f.text = append(f.text, string(e.Response.PayloadData))
			f.mu.Unlock()
		}
	})
}

func (f *wsFrames) has(re *regexp.Regexp) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.text {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// eventually polls cond every 100 ms until it holds or the guard passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range int(guard / (100 * time.Millisecond)) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v", what, guard)
}

func randomFile(t *testing.T, path string, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	require.NoError(t, os.WriteFile(path, b, 0o644))
	return b
}
