package main

// The end-to-end test runs the real binary under a virtual X display and
// drives it with xdotool. It runs only with NATTER_E2E=1:
//
//	NATTER_E2E=1 go test -count=1 -run TestE2E -v ./app/cmd/natter
//
// It needs Xvfb, xdotool and ImageMagick's import (Debian: xvfb xdotool
// imagemagick), plus the Gio build and GLES libraries. Screenshots go to a
// temporary folder, or to NATTER_E2E_SHOTS when set (e.g. app/cmd/natter/testdata/e2e).

import (
	"context"
	"fmt"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gioui.org/font"

	"github.com/natter-chat/natter/app/hosting"
	"github.com/natter-chat/natter/app/ui/fonts"
	"github.com/natter-chat/natter/app/ui/uitest"
	"github.com/natter-chat/natter/internal/rawclient"
)

func TestE2E(t *testing.T) {
	if os.Getenv("NATTER_E2E") != "1" {
		t.Skip("end-to-end test: set NATTER_E2E=1 to run it (needs Xvfb, xdotool, import)")
	}
	for _, tool := range []string{"Xvfb", "xdotool", "import", "xmessage"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("end-to-end test skipped: %s is not installed (apt-get install xvfb xdotool imagemagick x11-utils)", tool)
		}
	}
	shots := os.Getenv("NATTER_E2E_SHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(shots, 0o755))
	tmp := t.TempDir()

	// The real binary.
	bin := filepath.Join(tmp, "natter")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run(), "building the app")

	// A real hub, and someone on it to see what arrives.
	hub, err := hosting.Start(context.Background(), hosting.Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), DataDir: t.TempDir(), Name: "E2E hub"})
	require.NoError(t, err)
	defer hub.Close()
	zed := rawclient.Dial(t, hub.Addr(), "zed")

	display := startXvfb(t)
	x := func(args ...string) {
		t.Helper()
		cmd := exec.Command("xdotool", args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "xdotool %v: %s", args, out)
	}
	// shot saves the screen as name.png once the window has drawn.
	shot := func(name string) {
		t.Helper()
		path := filepath.Join(shots, name+".png")
		deadline := time.Now().Add(20 * time.Second)
		for {
			cmd := exec.Command("import", "-window", "root", path)
			cmd.Env = append(os.Environ(), "DISPLAY="+display)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "import: %s", out)
			if colours(t, path) > 4 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the window stays blank", path)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	app := exec.Command(bin, "-nick", "alice", "-addr", hub.Addr(), "-data", filepath.Join(tmp, "data"),
		"-downloads", filepath.Join(tmp, "downloads"), "-theme", "light",
		// The LAN search would probe every interface's broadcast address;
		// this test keeps its traffic on loopback.
		"-lan-search=false")
	// No session bus: notifications and the system's theme are not to be
	// had, as on a bare desktop.
	app.Env = append(os.Environ(), "DISPLAY="+display, "XDG_RUNTIME_DIR="+tmp,
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(tmp, "no-bus"))
	var appLog strings.Builder
	app.Stdout, app.Stderr = &appLog, &appLog
	dieWithTest(app)
	require.NoError(t, app.Start())
	exited := make(chan struct{})
	var exitErr error
	go func() { exitErr = app.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		default:
			app.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("app output:\n%s", appLog.String())
		}
	}()

	// Wait for the window, then join with the keyboard alone: the
	// nickname field has the focus, four Tabs go past the address, the
	// plaintext and the hosting choices to Join, and Space presses it.
	win := waitWindow(t, display)
	shot("1-login")
	x("windowfocus", "--sync", win)
	time.Sleep(300 * time.Millisecond)
	for _, k := range []string{"Tab", "Tab", "Tab", "Tab", "space"} {
		x("key", k)
		time.Sleep(150 * time.Millisecond)
	}
	_, joined := zed.ExpectWithin("JOIN ", "alice", 15*time.Second)
	require.True(t, joined, "the app did not join the hub")

	// The composer has the focus once joined: type and send.
	time.Sleep(300 * time.Millisecond)
	x("type", "--delay", "20", "hello from the e2e test")
	x("key", "Return")
	line := zed.ExpectContaining("MSG ", "alice")
	assert.True(t, strings.HasSuffix(line, " alice hello from the e2e test"), line)

	// A message in every script, from zed: xdotool types no emoji (it
	// drops characters beyond the Basic Multilingual Plane, and some after
	// them).
	zed.Send("MSG " + everyScript)
	zed.Send("MSG welcome alice")
	time.Sleep(500 * time.Millisecond)
	shot("2-chat")

	// No empty boxes: the window's shaper (the app's fonts, then this
	// machine's, as the app loads them) has a glyph for every character,
	// and the window drew the line as an offscreen rendering with those
	// fonts draws it, far closer than as one with the Go fonts alone.
	missing, rtl := uitest.MissingGlyphs(fonts.NewShaper(), font.Font{}, everyScript)
	assert.Zero(t, missing, "glyphs drawn as empty boxes in %q", everyScript)
	assert.NotZero(t, rtl, "the Arabic and Hebrew run right to left")
	// (The screenshot is compared at the end, with the app closed: the
	// search takes long under the race detector.)

	// A private message by keyboard: Shift+Tab to the recipient button,
	// Enter opens the menu on Everyone, Down goes to zed, Enter chooses.
	for _, k := range []string{"shift+Tab", "Return", "Down", "Return"} {
		x("key", k)
		time.Sleep(200 * time.Millisecond)
	}
	x("type", "--delay", "20", "a secret for zed")
	x("key", "Return")
	line = zed.ExpectContaining("PRIV ", "alice")
	assert.True(t, strings.HasSuffix(line, " alice zed a secret for zed"), "the hub got a private message: %s", line)

	// A mention while another window has the focus is counted in the
	// title, until the window has the focus again.
	title := func() string {
		cmd := exec.Command("xdotool", "getwindowname", win)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, err := cmd.Output()
		require.NoError(t, err)
		return strings.TrimSpace(string(out))
	}
	waitTitle := func(want string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for title() != want {
			if time.Now().After(deadline) {
				t.Fatalf("the window title is %q, not %q", title(), want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitTitle("E2E hub · Natter")
	other := startOther(t, display)
	x("windowfocus", "--sync", other)
	time.Sleep(300 * time.Millisecond)
	zed.Send("MSG @alice are you still there?")
	waitTitle("(1) E2E hub · Natter")
	shot("3-mention")
	x("windowfocus", "--sync", win)
	waitTitle("E2E hub · Natter")

	// Closing the app (SIGTERM goes through the window's close) leaves the
	// hub with QUIT.
	require.NoError(t, app.Process.Signal(syscall.SIGTERM))
	line = zed.ExpectContaining("LEAVE ", "alice")
	assert.True(t, strings.HasSuffix(line, " alice quit"), line)
	select {
	case <-exited:
		assert.NoError(t, exitErr, "the app exits cleanly")
	case <-time.After(10 * time.Second):
		t.Fatal("the app did not exit")
	}

	good, boxes := glyphsOnScreen(t, filepath.Join(shots, "2-chat.png"), fonts.NewShaper(), everyScript)
	t.Logf("the message on screen against its offscreen rendering: %v; against the Go fonts' (boxes): %v", good, boxes)
	assert.Greater(t, good.score, 0.9, "the message on screen looks like its rendering with the app's fonts")
	assert.Greater(t, good.score-boxes.score, 0.2, "the message on screen is closer to the app's fonts' rendering than to the boxes")
	t.Logf("screenshots in %s", shots)
}

// colours counts the colours of a screenshot, up to 5: a window that has
// not drawn yet is one colour.
func colours(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	seen := map[color.Color]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y && len(seen) <= 4; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			seen[img.At(x, y)] = true
		}
	}
	return len(seen)
}

// startXvfb starts a virtual display on a free display number.
func startXvfb(t *testing.T) string {
	t.Helper()
	for n := 90; n < 140; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		display := fmt.Sprintf(":%d", n)
		cmd := exec.Command("Xvfb", display, "-screen", "0", "1024x768x24", "-nolisten", "tcp")
		dieWithTest(cmd)
		require.NoError(t, cmd.Start())
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		t.Cleanup(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		})
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-done:
				t.Fatalf("Xvfb %s exited at once", display)
			default:
			}
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
				return display
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("Xvfb %s did not start", display)
	}
	t.Fatal("no free X display number")
	return ""
}

// waitWindow waits until a window named Natter is mapped and returns its
// id.
func waitWindow(t *testing.T, display string) string {
	t.Helper()
	return waitNamed(t, display, "^Natter$")
}

// waitNamed waits until a window whose name matches the pattern is mapped
// and returns its id.
func waitNamed(t *testing.T, display, pattern string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", pattern)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := cmd.Output(); err == nil {
			if ids := strings.Fields(string(out)); len(ids) > 0 {
				return ids[0]
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no window named %s appeared", pattern)
	return ""
}

// startOther opens another window, to take the focus from the app's.
func startOther(t *testing.T, display string) string {
	t.Helper()
	cmd := exec.Command("xmessage", "-name", "other", "-title", "Other window", "-geometry", "+700+600", "another window")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	dieWithTest(cmd)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return waitNamed(t, display, "^Other window$")
}
